/**
 * Exact linear algebra for the sequence solvers: null vectors of integer matrices, over ℤ
 * (fraction-free Gauss–Jordan elimination on BigInt) and modulo one prime (a fast filter).
 *
 * The modular filter is sound for rejection: if an integer matrix has a non-zero rational null
 * vector v, scale it to a primitive integer vector; v mod p is then non-zero and a null vector
 * mod p. So when a square block of rows has rank u − 1 mod p, its unique null vector mod p is
 * v mod p, and a row that does not vanish on it mod p proves that no rational solution exists.
 */
import { gcdBig } from "./rational";

/** The largest prime below 2^26: products of two residues stay below 2^52 (exact in a double). */
export const SOLVER_PRIME = 67108859;

/** x mod p in [0, p) for a safe integer or a bigint. */
export function residue(x: number | bigint, p: number = SOLVER_PRIME): number {
  if (typeof x === "bigint") {
    const P = BigInt(p);
    const r = x % P;
    return Number(r < 0n ? r + P : r);
  }
  const r = x % p;
  return r < 0 ? r + p : r;
}

/** a · b mod p for residues a, b < 2^26. */
export function mulMod(a: number, b: number, p: number = SOLVER_PRIME): number {
  return (a * b) % p;
}

/** The inverse of a mod p (a ≢ 0), by the extended Euclidean algorithm. */
export function invMod(a: number, p: number = SOLVER_PRIME): number {
  let [r0, r1] = [p, a % p];
  let [t0, t1] = [0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1) throw new RangeError(`invMod: ${a} has no inverse mod ${p}`);
  return t0 < 0 ? t0 + p : t0;
}

/**
 * The rank mod p of `rows` (each of length u) and, when it is exactly u − 1 (the null space is
 * one line), that line's vector; else `vector` is null. `pivotRows`: indices of `rank` rows that
 * are independent mod p (hence over ℚ). The rows are not modified.
 */
export function nullVectorMod(
  rows: readonly (readonly number[])[],
  u: number,
  p: number = SOLVER_PRIME,
): { rank: number; vector: number[] | null; pivotRows: number[] } {
  const R = rows.length;
  const m = new Float64Array(R * u);
  rows.forEach((row, i) => m.set(row, i * u));
  const origin = rows.map((_, i) => i);
  const pivotCol: number[] = [];
  let r = 0;
  // forward elimination to row echelon form, pivots scaled to 1
  for (let c = 0; c < u && r < R; c++) {
    let piv = -1;
    for (let i = r; i < R; i++)
      if (m[i * u + c] !== 0) {
        piv = i;
        break;
      }
    if (piv < 0) continue;
    if (piv !== r) {
      for (let j = c; j < u; j++) {
        const t = m[r * u + j];
        m[r * u + j] = m[piv * u + j];
        m[piv * u + j] = t;
      }
      [origin[r], origin[piv]] = [origin[piv], origin[r]];
    }
    const base = r * u;
    const inv = invMod(m[base + c], p);
    for (let j = c; j < u; j++) m[base + j] = (m[base + j] * inv) % p;
    for (let i = r + 1; i < R; i++) {
      const bi = i * u;
      const f = m[bi + c];
      if (f === 0) continue;
      for (let j = c; j < u; j++) {
        const v = (m[bi + j] - ((f * m[base + j]) % p)) % p;
        m[bi + j] = v < 0 ? v + p : v;
      }
    }
    pivotCol.push(c);
    r++;
  }
  const pivotRows = origin.slice(0, pivotCol.length).sort((x, y) => x - y);
  if (pivotCol.length !== u - 1) return { rank: pivotCol.length, vector: null, pivotRows };
  // back substitution with the one free column set to 1
  const isPivot = new Array<boolean>(u).fill(false);
  pivotCol.forEach((c) => (isPivot[c] = true));
  const free = isPivot.indexOf(false);
  const v = new Array<number>(u).fill(0);
  v[free] = 1;
  for (let i = pivotCol.length - 1; i >= 0; i--) {
    const c = pivotCol[i];
    let s = 0;
    for (let j = c + 1; j < u; j++) if (v[j] !== 0) s = (s + ((m[i * u + j] * v[j]) % p)) % p;
    v[c] = s === 0 ? 0 : p - s;
  }
  return { rank: u - 1, vector: v, pivotRows };
}

/** Σ row[j]·v[j] mod p. */
export function dotMod(row: readonly number[], v: readonly number[], p: number = SOLVER_PRIME): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) if (v[j] !== 0 && row[j] !== 0) s = (s + mulMod(row[j], v[j], p)) % p;
  return s;
}

/** Divide a bigint vector by the gcd of its entries (a zero vector stays zero). */
export function primitiveVector(v: readonly bigint[]): bigint[] {
  let g = 0n;
  for (const x of v) g = gcdBig(g, x);
  return g > 1n ? v.map((x) => x / g) : v.slice();
}

/**
 * The null space of an integer matrix (rows of length u) over ℚ, as primitive integer vectors, by
 * fraction-free Gauss–Jordan elimination (each updated row is divided by the gcd of its entries,
 * which keeps the numbers small). The vectors are returned one per free column, in column order.
 */
export function nullSpaceInteger(rows: readonly (readonly bigint[])[], u: number): bigint[][] {
  const m = rows.map((r) => r.slice());
  const pivots: { row: number; col: number }[] = [];
  let r = 0;
  for (let c = 0; c < u && r < m.length; c++) {
    let piv = -1;
    for (let i = r; i < m.length; i++)
      if (m[i][c] !== 0n) {
        piv = i;
        break;
      }
    if (piv < 0) continue;
    [m[r], m[piv]] = [m[piv], m[r]];
    const prow = m[r];
    const pc = prow[c];
    for (let i = 0; i < m.length; i++) {
      if (i === r || m[i][c] === 0n) continue;
      const f = m[i][c];
      const next = m[i].map((x, j) => x * pc - f * prow[j]);
      m[i] = primitiveVector(next);
    }
    pivots.push({ row: r, col: c });
    r++;
  }
  const pivotOf = new Map<number, number>();
  pivots.forEach(({ row, col }) => pivotOf.set(col, row));
  const basis: bigint[][] = [];
  for (let f = 0; f < u; f++) {
    if (pivotOf.has(f)) continue;
    // x_f = L, x_pc = -m[row][f] · L / m[row][pc] for each pivot (L: product-free lcm of pivots)
    let L = 1n;
    for (const { row, col } of pivots) {
      const d = m[row][col] < 0n ? -m[row][col] : m[row][col];
      L = (L / gcdBig(L, d)) * d;
    }
    const v = new Array<bigint>(u).fill(0n);
    v[f] = L;
    for (const { row, col } of pivots) v[col] = (-m[row][f] * L) / m[row][col];
    basis.push(primitiveVector(v));
  }
  return basis;
}
