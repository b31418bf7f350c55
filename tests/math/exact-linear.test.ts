import { test } from "node:test";
import assert from "node:assert/strict";
import { SOLVER_PRIME, dotMod, invMod, mulMod, nullSpaceInteger, nullVectorMod, primitiveVector, residue } from "../../src/math/exact-linear";
import { Rng } from "../../src/random";

const p = SOLVER_PRIME;

test("residues are in [0, p) for negative numbers and huge bigints, and agree with bigint arithmetic", () => {
  assert.equal(residue(-1), p - 1);
  assert.equal(residue(-1n), p - 1);
  assert.equal(residue(p), 0);
  const huge = 3n ** 200n - 17n;
  assert.equal(residue(huge), Number(huge % BigInt(p)));
  assert.equal(residue(-huge), Number(((-huge % BigInt(p)) + BigInt(p)) % BigInt(p)));
  // products of residues stay exact (below 2^52)
  const a = p - 1;
  assert.equal(mulMod(a, a), Number((BigInt(a) * BigInt(a)) % BigInt(p)));
});

test("invMod inverts every tried residue and refuses 0", () => {
  const rng = new Rng(3);
  for (let i = 0; i < 200; i++) {
    const a = rng.int(1, p);
    assert.equal(mulMod(a, invMod(a)), 1, `a = ${a}`);
  }
  assert.throws(() => invMod(0), /no inverse/);
});

test("nullVectorMod finds the one null line of a rank u−1 matrix, reports the rank otherwise", () => {
  // rows of a(n) = a(n-1) + a(n-2) on the Fibonacci numbers: [a(n), a(n-1), a(n-2)]
  const fib = [0, 1, 1, 2, 3, 5, 8, 13];
  const rows = [2, 3, 4, 5].map((n) => [fib[n], fib[n - 1], fib[n - 2]]);
  const r = nullVectorMod(rows, 3);
  assert.equal(r.rank, 2);
  assert.ok(r.vector);
  for (const row of rows) assert.equal(dotMod(row, r.vector!), 0);
  // proportional to (1, -1, -1)
  const scale = r.vector![0];
  assert.deepEqual(r.vector, [scale, (p - scale) % p, (p - scale) % p]);
  assert.equal(r.pivotRows.length, 2);
  // full rank: no null vector
  const full = nullVectorMod(
    [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    3,
  );
  assert.equal(full.rank, 3);
  assert.equal(full.vector, null);
  // rank 1 of 3 columns: the null space is a plane, not a line
  const plane = nullVectorMod(
    [
      [1, 2, 3],
      [2, 4, 6],
    ],
    3,
  );
  assert.equal(plane.rank, 1);
  assert.equal(plane.vector, null);
});

test("nullSpaceInteger returns primitive integer vectors spanning the null space", () => {
  const m = [
    [1n, 2n, 3n],
    [2n, 4n, 6n],
  ];
  const basis = nullSpaceInteger(m, 3);
  assert.equal(basis.length, 2);
  for (const v of basis)
    for (const row of m)
      assert.equal(
        row.reduce((s, x, j) => s + x * v[j], 0n),
        0n,
      );
  // a rational relation: 2·x0 = 3·x1 + 1·x2 on rows with huge entries
  const rng = new Rng(5);
  const rows: bigint[][] = [];
  for (let i = 0; i < 4; i++) {
    const x1 = BigInt(rng.int(-1000, 1000)) * 10n ** 20n + 1n;
    const x2 = BigInt(rng.int(-1000, 1000));
    const x0 = 3n * x1 + x2;
    rows.push([2n * x0, -6n * x1, -2n * x2]); // (1, 1, 1) is a null vector of these rows
  }
  const one = nullSpaceInteger(rows, 3);
  assert.equal(one.length, 1);
  assert.deepEqual(
    one[0].map((x) => (one[0][0] < 0n ? -x : x)),
    [1n, 1n, 1n],
  );
  assert.deepEqual(
    nullSpaceInteger(
      [
        [1n, 0n],
        [0n, 1n],
      ],
      2,
    ),
    [],
  );
  assert.deepEqual(primitiveVector([4n, -6n, 10n]), [2n, -3n, 5n]);
});
