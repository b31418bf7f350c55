// Make `require("numlab")` / `import ... from "numlab"` resolve inside this repository (notebooks,
// tslab's type checker, `node -e`), by linking node_modules/numlab to the repository root.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
const link = path.join(root, "node_modules", "numlab");
try {
  const stat = fs.lstatSync(link);
  if (stat.isSymbolicLink() && path.resolve(path.dirname(link), fs.readlinkSync(link)) === root) process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // no link yet
}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync("..", link, "dir");
