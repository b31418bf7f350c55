// Minify plotly.js-dist once at build time into dist/vendor/plotly.min.js (11 MB -> ~4.7 MB), so
// notebooks that inline it stay small. Without esbuild (a dev dependency) the full file is used.
const fs = require("fs");
const path = require("path");
const out = path.join(__dirname, "..", "dist", "vendor", "plotly.min.js");
const src = require.resolve("plotly.js-dist/plotly.js");
if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) process.exit(0);
let esbuild;
try {
  esbuild = require("esbuild");
} catch {
  console.warn("build-vendor: esbuild not installed; notebooks will inline the unminified plotly.js");
  process.exit(0);
}
const code = fs.readFileSync(src, "utf8");
const result = esbuild.transformSync(code, { minify: true, legalComments: "none", target: "es2018" });
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out + ".tmp", result.code);
fs.renameSync(out + ".tmp", out);
