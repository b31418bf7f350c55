// Compile src/backend/native/numlab_native.c into dist/native/numlab_native.node: OpenBLAS's sgemm
// and vectorized exp/tanh/sigmoid/column sums for the WASM backend (src/backend/native.ts).
// Optional: without a C compiler,
// the Node-API headers or OpenBLAS (Debian: gcc libopenblas-dev) it prints why and exits 0, and
// the backend keeps XNNPACK. NUMLAB_NATIVE=0 skips the build. Runs from `npm run build` in a
// checkout and as numlab's `install` script when numlab is a dependency (the tarball ships the C
// source, never a built addon).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const src = path.join(root, "src", "backend", "native", "numlab_native.c");
const out = path.join(root, "dist", "native", "numlab_native.node");

// Installed as a dependency (this runs as numlab's `install` script), a later build is `npm rebuild numlab`.
const installed = root.split(path.sep).includes("node_modules");
const retry = installed ? "; to build it later: npm rebuild numlab" : "";

function skip(why) {
  console.warn(`build-native: ${why}; the WASM backend keeps its stock kernels (see README, "Performance")${retry}`);
  process.exit(0);
}

if (process.env.NUMLAB_NATIVE === "0") skip("NUMLAB_NATIVE=0");
if (process.platform === "win32") skip("not supported on Windows (no C toolchain assumed)");
if (!fs.existsSync(src)) skip(`${path.relative(root, src)} is missing`);
if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) process.exit(0);

// Node-API headers: next to this node binary (official tarballs, nvm), Debian's nodejs package,
// or the node-api-headers npm package when installed.
const headerDirs = [path.join(path.dirname(process.execPath), "..", "include", "node"), "/usr/include/node", "/usr/local/include/node"];
try {
  headerDirs.push(path.join(path.dirname(require.resolve("node-api-headers/package.json")), "include"));
} catch {
  /* not installed */
}
const nodeHeaders = headerDirs.find((d) => fs.existsSync(path.join(d, "node_api.h")));
if (!nodeHeaders) skip("no Node-API headers (node_api.h) found");

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
let blasFlags;
try {
  blasFlags = run("pkg-config", ["--cflags", "--libs", "openblas"]).split(/\s+/).filter(Boolean);
} catch {
  blasFlags = ["-lopenblas"];
}
const cc = process.env.CC || "cc";
const tmp = `${out}.${process.pid}.tmp`;
fs.mkdirSync(path.dirname(out), { recursive: true });
// -fno-trapping-math lets gcc vectorize the branch-free selects (results are unchanged).
// -Wno-psabi: the 8-lane vector helpers are static inline, no ABI crosses the file.
// macOS links Node-API symbols at load time (-undefined dynamic_lookup); Linux leaves them open.
const linkFlags = process.platform === "darwin" ? ["-bundle", "-undefined", "dynamic_lookup"] : ["-shared"];
const flags = ["-O3", "-fno-trapping-math", "-fno-math-errno", "-Wno-psabi", ...linkFlags, "-fPIC", "-std=c11", "-I", nodeHeaders];
try {
  execFileSync(cc, [...flags, src, "-o", tmp, ...blasFlags], { stdio: ["ignore", "pipe", "pipe"] });
} catch (err) {
  try {
    fs.unlinkSync(tmp);
  } catch {
    /* nothing to remove */
  }
  const detail = String(err.stderr || err.message)
    .split("\n")
    .filter(Boolean)
    .slice(0, 3)
    .join(" | ");
  skip(`${cc} could not build it against OpenBLAS (${detail})`);
}
fs.renameSync(tmp, out);
console.log(`build-native: built ${path.relative(root, out)} (${cc}, ${blasFlags.join(" ")})`);
