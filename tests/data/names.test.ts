import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NamesFormatError, loadNames, parseNames, readNamesFile } from "../../src/data/names";

test("parseNames skips empty lines and keeps file order", () => {
  assert.deepEqual(parseNames("emma\n\nolivia\r\n  \nava\n", "x.txt"), ["emma", "olivia", "ava"]);
});

test("a character outside a–z is an error naming the file and line", () => {
  assert.throws(() => parseNames("emma\nOlivia\n", "names.txt"), (err: Error) => {
    assert.ok(err instanceof NamesFormatError);
    assert.match(err.message, /^names\.txt:2: character "O"/);
    return true;
  });
  assert.throws(() => parseNames("ab\n\nan-na\n", "f"), /f:3: character "-" at column 3/);
});

test("readNamesFile and loadNames({path}) read a file with line numbers in errors", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-names-"));
  const good = path.join(dir, "names.txt");
  fs.writeFileSync(good, "anna\nbob\n\nzoe");
  assert.deepEqual(await readNamesFile(good), ["anna", "bob", "zoe"]);
  assert.deepEqual(await loadNames({ path: good, download: false }), ["anna", "bob", "zoe"]);
  const bad = path.join(dir, "bad.txt");
  fs.writeFileSync(bad, "anna\n\nbo b\n");
  await assert.rejects(readNamesFile(bad), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3: character " "`));
});

const realDir = process.env.NUMLAB_DATA_DIR ?? path.join(__dirname, "..", "..", "..", "shared", "data");
const realFile = path.join(realDir, "names.txt");
test("the real names.txt has 32,033 names", { skip: !fs.existsSync(realFile) && "names.txt not available" }, async () => {
  const names = await readNamesFile(realFile);
  assert.equal(names.length, 32033);
  assert.deepEqual(names.slice(0, 3), ["emma", "olivia", "ava"]);
});

test("a 40 MB line is read in linear time; an error in it quotes 40 characters around the column", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "numlab-names-"));
  const file = path.join(dir, "names.txt");
  fs.writeFileSync(file, "emma\n" + "a".repeat(40_000_000) + "Z" + "b".repeat(10) + "\nava\n");
  const t0 = performance.now();
  await assert.rejects(readNamesFile(file), (err: Error) => {
    assert.ok(err instanceof NamesFormatError);
    assert.equal(err.lineNo, 2);
    assert.match(err.message, /:2: character "Z" at column 40,?000,?001 of "…a+Zb{10}" \(40000011 characters\) is not a lowercase letter/);
    assert.ok(err.message.length < 300, `${err.message.length} characters`);
    return true;
  });
  assert.ok(performance.now() - t0 < 8000);
  await assert.rejects(readNamesFile(dir), /makemore names: .* is a directory, not a file \(it holds names\.txt\)/);
});
