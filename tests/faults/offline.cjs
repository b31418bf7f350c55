// Preloaded into the CLI by the fault tests (NODE_OPTIONS=--require): any network access fails at
// once, so a test proves that a command works offline instead of quietly downloading.
const fail = () => {
  throw new Error("network access is disabled in this test (offline)");
};
for (const name of ["http", "https"]) {
  const mod = require(name);
  mod.request = fail;
  mod.get = fail;
}
require("net").connect = fail;
globalThis.fetch = async () => fail();
