/**
 * Where numlab reads and writes when it is a repository checkout vs installed as a dependency
 * (`node_modules/numlab`): notebooks come from the package, outputs go to the user's folder.
 * (The download cache: tests/data/download.test.ts; the real install: pack-install.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultNotebookDataDir, defaultNotebookOutDir, findNotebooks, repoRoot } from "../../src/notebooks/run";

test("executed notebooks go to <repo>/out/notebooks in a checkout, to <cwd>/out/notebooks when installed", () => {
  assert.equal(defaultNotebookOutDir("/home/ann/numlab", "/somewhere"), path.join("/home/ann/numlab", "out", "notebooks"));
  assert.equal(defaultNotebookOutDir("/home/ann/app/node_modules/numlab", "/home/ann/app"), path.join("/home/ann/app", "out", "notebooks"));
  assert.equal(defaultNotebookOutDir(repoRoot()), path.join(repoRoot(), "out", "notebooks"));
});

test("an installed copy finds its own notebooks, and never looks for a shared/data folder beside itself", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-installed-"));
  try {
    const pkgRoot = path.join(tmp, "app", "node_modules", "numlab");
    fs.mkdirSync(path.join(pkgRoot, "notebooks"), { recursive: true });
    for (const f of ["01-b.ipynb", "00-a.ipynb", "notes.md"]) fs.writeFileSync(path.join(pkgRoot, "notebooks", f), "{}");
    fs.mkdirSync(path.join(tmp, "app", "node_modules", "shared", "data"), { recursive: true });
    fs.writeFileSync(path.join(pkgRoot, "package.json"), JSON.stringify({ name: "numlab" }));
    assert.equal(repoRoot(path.join(pkgRoot, "dist", "notebooks")), pkgRoot);
    assert.deepEqual(
      findNotebooks(pkgRoot).map((f) => path.basename(f)),
      ["00-a.ipynb", "01-b.ipynb"],
    );
    assert.equal(defaultNotebookDataDir(pkgRoot, {}), undefined);
    assert.equal(defaultNotebookDataDir(pkgRoot, { NUMLAB_DATA_DIR: "/data" }), "/data");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("this checkout's notebooks are all found (and all shipped: package.json files has notebooks/*.ipynb)", () => {
  const found = findNotebooks().map((f) => path.basename(f));
  assert.ok(found.length > 0);
  assert.deepEqual(
    found,
    fs
      .readdirSync(path.join(repoRoot(), "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .sort(),
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as { files: string[] };
  assert.ok(pkg.files.includes("notebooks/*.ipynb"));
});
