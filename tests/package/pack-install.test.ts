/**
 * The npm package as a dependent gets it. `npm pack` (of the built dist/: `npm test` builds first),
 * the tarball's contents and size; then an install of the tarball into an empty project, offline
 * (registry packages from the local npm cache) and without numlab's `overrides`, where
 * `require("numlab")`, `import` from an .mjs file, `tsc --noEmit` on typed imports, `npx numlab`
 * and the notebook runner work, danfojs-node is absent, and downloads go to the user's cache.
 *
 * The empty project gets a package-lock.json cut from numlab's own: the packages that numlab's
 * dependencies (and typescript, @types/node) reach, with numlab resolved to the tarball. Offline,
 * `npm install` without a lock would need every package's full registry document, which `npm ci`
 * does not cache; with the lock it needs only what `npm ci` fetched. `npm ls --all` then checks
 * that npm finds this tree valid without numlab's `overrides`. NUMLAB_KEEP_PACK_TEST=1 keeps the
 * temporary folder (tarball and project) for a look.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncOptions } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.join(__dirname, "..", "..");
const MAX_TARBALL_BYTES = 20 * 1024 * 1024;
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as PackageJson;
const lock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
const missingDist = fs.existsSync(path.join(REPO, "dist", "index.js")) ? false : "dist/index.js is missing: build first (npm run build; npm test does it)";

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

const started = performance.now();
function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    console.log(`pack-install: ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s (total ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

/** This environment without npm's lifecycle variables (a nested npm must not see the outer run's). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_registry"]);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue;
    if (k === "NODE_TEST_CONTEXT" || k === "NODE_OPTIONS" || k.startsWith("NUMLAB_")) continue;
    env[k] = v;
  }
  if (process.env.NUMLAB_NATIVE) env.NUMLAB_NATIVE = process.env.NUMLAB_NATIVE;
  return { ...env, NPM_CONFIG_FUND: "false", NPM_CONFIG_AUDIT: "false", NPM_CONFIG_UPDATE_NOTIFIER: "false", ...extra };
}

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string; all: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024, ...options });
  const stdout = String(r.stdout ?? "");
  const stderr = String(r.stderr ?? "") + (r.error ? `\n${r.error.message}` : "");
  return { status: r.status, stdout, stderr, all: `$ ${cmd} ${args.join(" ")}\n${stdout}\n${stderr}` };
}

function ok(r: ReturnType<typeof run>): string {
  assert.equal(r.status, 0, r.all.slice(-6000));
  return r.stdout;
}

/** Where node would find `name` from the lock location `from` (nested node_modules, then upwards). */
function resolveInLock(name: string, from: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return null;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/**
 * package-lock.json for a project depending on the tarball plus `extra` (name → version): numlab's
 * lock entries that its dependencies reach, with numlab's own entry pointing at the tarball.
 */
function dependentLock(packed: PackageJson, tarball: string, extra: Record<string, string>): object {
  const tarballSpec = `file:${path.basename(tarball)}`;
  const integrity = `sha512-${crypto.createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`;
  const packages: Record<string, LockEntry> = {};
  const queue: Array<{ name: string; from: string; optional: boolean }> = [];
  for (const name of Object.keys(packed.dependencies ?? {})) queue.push({ name, from: "", optional: false });
  for (const name of Object.keys(packed.optionalDependencies ?? {})) queue.push({ name, from: "", optional: true });
  for (const name of Object.keys(extra)) queue.push({ name, from: "", optional: false });
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    const at = resolveInLock(name, from);
    if (!at) {
      if (optional) continue; // an optional package npm did not install here (another platform's)
      throw new Error(`package-lock.json has no ${name} reachable from ${from || "the root"}`);
    }
    const entry = lock.packages[at];
    assert.ok(!entry.link, `${at} is a link in package-lock.json`);
    if (packages[at]) {
      if (!optional && packages[at].optional) delete packages[at].optional;
      continue;
    }
    const copy: LockEntry = { ...entry };
    delete copy.dev;
    delete copy.devOptional;
    delete copy.peer;
    delete copy.optional;
    if (optional) copy.optional = true;
    packages[at] = copy;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push({ name: dep, from: at, optional });
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push({ name: dep, from: at, optional: true });
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push({ name: dep, from: at, optional });
    }
  }
  packages["node_modules/numlab"] = {
    version: packed.version,
    resolved: tarballSpec,
    integrity,
    license: packed.license,
    hasInstallScript: Boolean(packed.scripts?.install || packed.scripts?.preinstall || packed.scripts?.postinstall),
    dependencies: packed.dependencies,
    optionalDependencies: packed.optionalDependencies,
    peerDependencies: packed.peerDependencies,
    peerDependenciesMeta: packed.peerDependenciesMeta,
    bin: packed.bin,
    engines: packed.engines,
  };
  const rootDeps = { numlab: tarballSpec, ...extra };
  return {
    name: "numlab-pack-test",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name: "numlab-pack-test", version: "1.0.0", dependencies: rootDeps }, ...packages },
  };
}

test("npm pack: the tarball a dependent installs, and an offline install of it without overrides", { skip: missingDist, timeout: 600_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-pack-"));
  try {
    // --- pack: dist/ is already built; skip `prepare` (tsc, vendor, native build). npm would also keep
    // a copy of every tarball it packs in its cache: give it a throwaway one (packing fetches nothing).
    const packArgs = ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp, "--cache", path.join(tmp, "pack-cache")];
    const packed = timed("npm pack", () => JSON.parse(ok(run("npm", packArgs, { cwd: REPO, env: cleanEnv() })))) as Array<{
      filename: string;
      size: number;
      unpackedSize: number;
      files: Array<{ path: string }>;
    }>;
    const tarball = path.join(tmp, path.basename(packed[0].filename));
    const bytes = fs.statSync(tarball).size;
    const files = new Set(packed[0].files.map((f) => f.path));
    console.log(
      `pack-install: ${path.basename(tarball)}: ${(bytes / 1e6).toFixed(1)} MB packed, ${(packed[0].unpackedSize / 1e6).toFixed(1)} MB unpacked, ${files.size} files`,
    );
    assert.ok(bytes <= MAX_TARBALL_BYTES, `the tarball is ${(bytes / 1e6).toFixed(1)} MB, over ${MAX_TARBALL_BYTES / 1024 / 1024} MB`);

    const required = [
      "package.json",
      "README.md",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "dist/kernel/main.js",
      "src/backend/native/numlab_native.c",
      "scripts/build-native.js",
      "kernel-setup/setup.sh",
      "kernel-setup/kernels/numlab/kernel.json",
      "data/checkpoints/models.json",
    ];
    for (const f of required) assert.ok(files.has(f), `the tarball lacks ${f}`);
    const notebooks = fs.readdirSync(path.join(REPO, "notebooks")).filter((f) => f.endsWith(".ipynb"));
    assert.ok(notebooks.length > 0);
    for (const nb of notebooks) assert.ok(files.has(`notebooks/${nb}`), `the tarball lacks notebooks/${nb}`);
    const presets = fs.readdirSync(path.join(REPO, "presets")).filter((f) => f.endsWith(".json"));
    assert.ok(presets.length > 0);
    for (const p of presets) assert.ok(files.has(`presets/${p}`), `the tarball lacks presets/${p}`);
    // every model of the manifest, with every file of its run directory; no other checkpoints
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "data", "checkpoints", "models.json"), "utf8")) as { models: Array<{ name: string }> };
    const modelNames = manifest.models.map((m) => m.name);
    for (const name of modelNames) {
      const dir = path.join(REPO, "data", "checkpoints", name);
      assert.ok(fs.existsSync(dir), `models.json names ${name}, but data/checkpoints/${name} does not exist`);
      const walk = (d: string): string[] =>
        fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
      for (const file of walk(dir)) {
        const rel = path.relative(REPO, file).split(path.sep).join("/");
        assert.ok(files.has(rel), `the tarball lacks ${rel} (model ${name})`);
      }
    }
    for (const f of files) {
      const m = /^data\/checkpoints\/([^/]+)\//.exec(f);
      if (m) assert.ok(modelNames.includes(m[1]), `the tarball ships ${f}, which models.json does not list`);
      assert.ok(!/^(data\/cache|runs|out|tests|bench|docs|node_modules|\.ci)\//.test(f), `the tarball ships ${f}`);
      assert.ok(!f.startsWith("dist/native/"), `the tarball ships the build machine's addon ${f} (the install script builds it)`);
      assert.ok(!f.endsWith(".map"), `the tarball ships the source map ${f} (its sources are not shipped)`);
    }

    // --- the packed package.json: danfojs-node is an optional peer, not a dependency ----------------
    const packedPkg = JSON.parse(ok(run("tar", ["-xzOf", tarball, "package/package.json"]))) as PackageJson;
    assert.equal(packedPkg.dependencies?.["danfojs-node"], undefined, "danfojs-node must not be a dependency (its xlsx points at a CDN)");
    assert.ok(packedPkg.peerDependencies?.["danfojs-node"] && packedPkg.peerDependenciesMeta?.["danfojs-node"]?.optional);

    // --- install into an empty project, offline ----------------------------------------------------
    const project = path.join(tmp, "project");
    fs.mkdirSync(project);
    fs.renameSync(tarball, path.join(project, path.basename(tarball)));
    const projectTarball = path.join(project, path.basename(tarball));
    const extra = { typescript: pkg.devDependencies!.typescript, "@types/node": pkg.devDependencies!["@types/node"] };
    const rootDeps = { numlab: `file:${path.basename(tarball)}`, ...extra };
    // numlab's install script (the native build) approved as a dependent would (npm's allowScripts; the
    // entry for a tarball is its file: path)
    const allowScripts = { [`file:${projectTarball}`]: true };
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "numlab-pack-test", version: "1.0.0", private: true, dependencies: rootDeps, allowScripts }, null, 2),
    );
    fs.writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(dependentLock(packedPkg, projectTarball, extra), null, 2));
    const npmEnv = cleanEnv({ CI: "true" });
    const install = timed("npm ci --offline (dependent project)", () =>
      run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--foreground-scripts"], { cwd: project, env: npmEnv, timeout: 400_000 }),
    );
    ok(install);
    // what the dependencies' install scripts said (numlab's native build; tfjs-node-gpu's libtensorflow download)
    for (const line of install.all.split("\n")) {
      if (/build-native|tfjs-node-gpu|libtensorflow|install-scripts|npm (warn|error)/i.test(line)) console.log(`pack-install:   ${line.slice(0, 300)}`);
    }
    const installed = path.join(project, "node_modules", "numlab");
    assert.ok(fs.existsSync(path.join(installed, "dist", "index.js")));
    assert.ok(!fs.existsSync(path.join(project, "node_modules", "danfojs-node")), "the optional peer danfojs-node was installed");
    assert.ok(!fs.existsSync(path.join(project, "node_modules", "xlsx")), "xlsx was installed");
    const nativeAddon = path.join(installed, "dist", "native", "numlab_native.node");
    console.log(
      `pack-install: native addon ${fs.existsSync(nativeAddon) ? "built by the install script" : "not built (the WASM backend keeps its own kernels)"}`,
    );
    if (process.env.NUMLAB_EXPECT_NATIVE === "1") {
      assert.ok(fs.existsSync(nativeAddon), `NUMLAB_EXPECT_NATIVE=1 but the install script did not build ${nativeAddon}:\n${install.all.slice(-4000)}`);
    }
    // npm itself finds the tree complete and valid, with no overrides in this project
    timed("npm ls --all", () => ok(run("npm", ["ls", "--all", "--offline"], { cwd: project, env: npmEnv })));

    // --- CommonJS, ESM, TypeScript -------------------------------------------------------------------
    const home = path.join(tmp, "home");
    const xdg = path.join(tmp, "xdg");
    fs.mkdirSync(home);
    const userEnv = cleanEnv({ HOME: home, XDG_CACHE_HOME: xdg });
    const homeCache = process.platform === "darwin" ? path.join(home, "Library", "Caches", "numlab") : path.join(home, ".cache", "numlab");
    const cjs = timed('require("numlab")', () =>
      ok(
        run(
          process.execPath,
          [
            "-e",
            `const nl = require("numlab");
             for (const f of ["isSmoke", "table", "locateDataFile", "readModelsManifest", "shippedModelDir"]) if (typeof nl[f] !== "function") throw new Error("numlab." + f + " is not a function");
             const models = nl.readModelsManifest().models.map((m) => ({ name: m.name, dir: nl.shippedModelDir(m.name) }));
             console.log(JSON.stringify({ resolved: require.resolve("numlab"), models }));`,
          ],
          { cwd: project, env: userEnv },
        ),
      ),
    );
    const loaded = JSON.parse(cjs.trim().split("\n").pop()!) as { resolved: string; models: Array<{ name: string; dir: string | null }> };
    assert.equal(fs.realpathSync(loaded.resolved), fs.realpathSync(path.join(installed, "dist", "index.js")));
    assert.deepEqual(
      loaded.models.map((m) => m.name),
      modelNames,
    );
    for (const m of loaded.models) assert.equal(m.dir && fs.realpathSync(m.dir), fs.realpathSync(path.join(installed, "data", "checkpoints", m.name)));

    fs.writeFileSync(
      path.join(project, "check.mjs"),
      `import { isSmoke, table, locateDataFile } from "numlab";
import * as nl from "numlab";
if (typeof locateDataFile !== "function" || nl.table !== table) throw new Error("named ESM imports of numlab");
const t = table([{ n: 1, name: "one" }]);
console.log(JSON.stringify({ smoke: isSmoke(), columns: t.data.columns }));
`,
    );
    const esm = timed("import from .mjs", () => ok(run(process.execPath, ["check.mjs"], { cwd: project, env: userEnv })));
    assert.deepEqual(JSON.parse(esm.trim().split("\n").pop()!), { smoke: false, columns: ["n", "name"] });

    fs.writeFileSync(
      path.join(project, "check.ts"),
      `import { isSmoke, locateDataFile, table, type DataSource, type Row } from "numlab";
const rows: Row[] = [{ n: 1, name: "one" }];
const columns: string[] = table(rows, { caption: "numbers" }).data.columns;
const source: DataSource = { name: "example", url: "https://example.org/example.txt", fileNames: ["example.txt"] };
const located: Promise<string> = locateDataFile(source, { download: false });
const smoke: boolean = isSmoke();
// @ts-expect-error a DataSource needs a url: the types are real, not any
const incomplete: DataSource = { name: "no url", fileNames: [] };
export { columns, located, smoke, incomplete };
`,
    );
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
    const common = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--types", "node", "check.ts"];
    timed("tsc --noEmit (nodenext: exports)", () =>
      ok(run(process.execPath, [tsc, "--module", "nodenext", "--moduleResolution", "nodenext", ...common], { cwd: project, env: userEnv })),
    );
    timed("tsc --noEmit (node10: types)", () =>
      ok(run(process.execPath, [tsc, "--module", "commonjs", "--moduleResolution", "node10", "--esModuleInterop", ...common], { cwd: project, env: userEnv })),
    );

    // --- the CLI ---------------------------------------------------------------------------------------
    const help = timed("npx numlab --help", () => ok(run("npx", ["--offline", "numlab", "--help"], { cwd: project, env: userEnv })));
    assert.match(help, /Usage: numlab <command>/);
    assert.match(help, /notebooks run/);

    // the notebooks are found in the installed package; the outputs go to ./out/notebooks
    const nbRun = timed("npx numlab notebooks run (no Python)", () =>
      run("npx", ["--offline", "numlab", "notebooks", "run", "--no-html", "00"], {
        cwd: project,
        env: { ...userEnv, NUMLAB_PYTHON: path.join(tmp, "no-python") },
      }),
    );
    assert.equal(nbRun.status, 1, nbRun.all);
    assert.match(nbRun.stderr, /1 notebook\(s\)/, nbRun.all);
    assert.ok(nbRun.stderr.includes(`→ ${path.join(project, "out", "notebooks")}`), nbRun.all);
    assert.match(nbRun.stderr, /00-quickstart\.ipynb.*FAILED/, nbRun.all);
    assert.ok(fs.existsSync(path.join(project, "out", "notebooks")));
    assert.ok(!fs.existsSync(path.join(installed, "out")), "notebook outputs were written inside node_modules");

    // a real smoke run of a shipped notebook through the numlab kernel, when Jupyter is here (CI has it):
    // (the kernelspec, dist/ and the notebook all come from node_modules/numlab)
    const python = process.env.NUMLAB_PYTHON ?? (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
    const jupyter = run(python, ["-c", "import jupyter_client, nbclient, nbformat"], { env: userEnv });
    if (jupyter.status !== 0) {
      console.log(`pack-install: skipped the notebook smoke run (${python} has no jupyter_client/nbclient/nbformat)`);
    } else {
      const env: NodeJS.ProcessEnv = { ...userEnv, NUMLAB_PYTHON: python };
      delete env.XDG_CACHE_HOME;
      const smoke = timed("npx numlab notebooks run --smoke 07", () =>
        run("npx", ["--offline", "numlab", "notebooks", "run", "--smoke", "--no-html", "07"], { cwd: project, env, timeout: 300_000 }),
      );
      ok(smoke);
      assert.ok(fs.existsSync(path.join(project, "out", "notebooks", "07-rnn-primer.ipynb")), smoke.all);
    }

    // --- downloads and smoke stand-ins go to the user's cache, never into node_modules -------------------
    const locate = `require("numlab")
      .locateDataFile({ name: "pack test", url: "https://example.org/data/pack-test.txt", fileNames: ["pack-test.txt"], smokeFixture: () => "generated\\n" }, { quiet: true })
      .then((p) => console.log(p));`;
    const viaXdg = timed("cache dir (XDG_CACHE_HOME)", () =>
      ok(run(process.execPath, ["-e", locate], { cwd: project, env: { ...userEnv, NUMLAB_SMOKE: "1" } })),
    );
    assert.equal(viaXdg.trim(), path.join(xdg, "numlab", "smoke", "pack-test.txt"));
    const homeEnv: NodeJS.ProcessEnv = { ...userEnv, NUMLAB_SMOKE: "1" };
    delete homeEnv.XDG_CACHE_HOME;
    const viaHome = timed("cache dir (~/.cache)", () => ok(run(process.execPath, ["-e", locate], { cwd: project, env: homeEnv })));
    assert.equal(viaHome.trim(), path.join(homeCache, "smoke", "pack-test.txt"));
    assert.ok(!fs.existsSync(path.join(installed, "data", "cache")), "something was cached inside node_modules/numlab");
  } finally {
    if (process.env.NUMLAB_KEEP_PACK_TEST === "1") console.log(`pack-install: kept ${tmp} (NUMLAB_KEEP_PACK_TEST=1)`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
});
