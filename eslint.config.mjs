// ESLint flat config: typescript-eslint's recommended rules (syntax only, no type information, so
// `eslint .` stays fast) plus import-x/no-cycle. Layering (no import upward through src/'s layers)
// is checked by tests/architecture/layers.test.ts, which also counts type-only imports.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";
import { importX, createNodeResolver } from "eslint-plugin-import-x";

const nodeGlobals = Object.fromEntries(
  "process console Buffer URL TextDecoder TextEncoder fetch setTimeout clearTimeout setInterval clearInterval setImmediate queueMicrotask structuredClone"
    .split(" ")
    .map((name) => [name, "readonly"]),
);
const commonJsGlobals = { require: "readonly", module: "writable", exports: "writable", __dirname: "readonly", __filename: "readonly" };

export default defineConfig(
  globalIgnores(["dist/", "out/", "data/", "runs/", "notebooks/"]),
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{ts,js,mjs,cjs}"],
    plugins: { "import-x": importX },
    settings: {
      // Only our own files take part in a cycle: never parse packages (that would dominate the run time).
      "import-x/ignore": ["node_modules"],
      "import-x/extensions": [".ts", ".js", ".mjs", ".cjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".mjs", ".cjs", ".json", ".node"] })],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // A `_` prefix marks a deliberately unused name: an argument a signature needs, a field dropped by destructuring.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // `require` is the way to load optional or lazily needed CommonJS modules (tfjs backends,
      // tslab's internals, danfo in tests) and package.json (outside tsconfig's rootDir); requires of
      // computed paths still need an eslint-disable comment.
      "@typescript-eslint/no-require-imports": ["error", { allow: ["^@tensorflow/", "^tslab(/|$)", "^danfojs-node$", "package\\.json$"] }],
    },
  },
  {
    files: ["**/*.{js,cjs}"],
    languageOptions: { sourceType: "commonjs", globals: { ...nodeGlobals, ...commonJsGlobals } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: nodeGlobals },
  },
);
