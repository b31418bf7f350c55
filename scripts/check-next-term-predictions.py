#!/usr/bin/env python3
"""Recompute the next-term benchmark from `numlab eval next-term --predictions FILE`, independently.

Independent of numlab's own code: Python integers and fractions only. For every record it
  - (with --oeis FILE) reads the sequence back from the OEIS stripped file and checks that the given
    terms are its first terms and the answer the term after them;
  - recomputes the features of the given terms (length bucket, growth of the bit length, sign
    changes) and checks them against the record's;
  - re-verifies every solver model on every given term (periodic block, polynomial with rational
    coefficients, relation with polynomial coefficients, transforms) and recomputes its next term,
    which must be the candidate the method ranked;
  - checks that each method's candidates are distinct;
then scores every method (top-1, top-k, coverage) over all records and by prefix and feature, and
prints the same JSON as `numlab eval next-term --json --by-group`. Exit status 1 when a check fails.

    python3 scripts/check-next-term-predictions.py predictions.jsonl [--k 10] [--oeis stripped_subset_merged.txt]
"""
import argparse
import json
import sys
from fractions import Fraction

GROUP_ORDER = {
    "prefix": ["10", "20", "all"],
    "length": ["≤ 10", "11–20", "21–40", "41+"],
    "growth": ["slow", "medium", "fast"],
    "signChanges": ["none", "1–2", "3+"],
}


def fail(where, message):
    sys.exit(f"{where}: {message}")


def features(given):
    g = len(given)
    length = "≤ 10" if g <= 10 else "11–20" if g <= 20 else "21–40" if g <= 40 else "41+"
    h = g // 2
    growth = "slow"
    if h >= 1:
        diff = sum(abs(x).bit_length() for x in given[g - h:]) - sum(abs(x).bit_length() for x in given[:h])
        growth = "slow" if 10 * diff <= h * h else "medium" if 2 * diff <= h * h else "fast"
    changes, last = 0, 0
    for x in given:
        s = (x > 0) - (x < 0)
        if s == 0:
            continue
        if last != 0 and s != last:
            changes += 1
        last = s
    signs = "none" if changes == 0 else "1–2" if changes <= 2 else "3+"
    return {"length": length, "growth": growth, "signChanges": signs}


def poly_at(coefficients, x):
    return sum(c * x**j for j, c in enumerate(coefficients))


def transformed(kind, a):
    if kind == "differences":
        return [a[k + 1] - a[k] for k in range(len(a) - 1)]
    if kind == "partial-sums":
        out, s = [], 0
        for x in a:
            s += x
            out.append(s)
        return out
    if kind == "ratios":
        if any(a[k] == 0 or a[k + 1] % a[k] != 0 for k in range(len(a) - 1)):
            return None
        return [a[k + 1] // a[k] for k in range(len(a) - 1)]
    raise ValueError(f"unknown model kind {kind!r}")


def next_term(spec, a):
    """The model's next term after a, or None when it does not reproduce a or the next term is not an integer."""
    kind = spec["kind"]
    n = len(a)
    if kind == "periodic":
        block = [int(x) for x in spec["block"]]
        p = spec["period"]
        if len(block) != p or any(a[k] != block[k % p] for k in range(n)):
            return None
        return block[n % p]
    if kind == "polynomial":
        cs = [Fraction(c) for c in spec["coefficients"]]
        if any(poly_at(cs, k) != a[k] for k in range(n)):
            return None
        v = poly_at(cs, n)
        return int(v) if v.denominator == 1 else None
    if kind == "relation":
        r = spec["order"]
        polys = [[int(c) for c in p] for p in spec["coefficients"]]
        const = [int(c) for c in spec["constant"]]
        if len(polys) != r + 1:
            return None
        for k in range(r, n):
            if poly_at(const, k) + sum(poly_at(polys[i], k) * a[k - i] for i in range(r + 1)) != 0:
                return None
        lead = poly_at(polys[0], n)
        rest = poly_at(const, n) + sum(poly_at(polys[i], n) * a[n - i] for i in range(1, r + 1))
        if lead == 0 or rest % lead != 0:
            return None
        return -rest // lead
    t = transformed(kind, a)
    if t is None:
        return None
    inner = next_term(spec["inner"], t)
    if inner is None:
        return None
    if kind == "differences":
        return a[-1] + inner
    if kind == "ratios":
        return a[-1] * inner
    return inner - t[-1]  # partial sums


def read_oeis(path):
    seqs = {}
    for line_no, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(",")
        try:
            terms = [int(t) for t in rest.strip().strip(",").split(",") if t != ""]
        except ValueError:
            continue  # malformed lines are skipped, as numlab's lenient parser does
        seqs.setdefault(head.strip(), terms)
    return seqs


def score(records, names, k):
    n = len(records)
    out = {}
    for name in names:
        answered = right1 = right_k = 0
        for r in records:
            c = r["methods"].get(name)
            if not c:
                continue
            answered += 1
            right1 += c[0] == r["answer"]
            right_k += r["answer"] in c[:k]
        out[name] = {"top1": right1 / n if n else 0, f"top{k}": right_k / n if n else 0, "coverage": answered / n if n else 0}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("predictions")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--oeis", help="OEIS stripped file to check the given terms and answers against")
    args = ap.parse_args()
    oeis = read_oeis(args.oeis) if args.oeis else None
    records, seen, verified_models = [], set(), 0
    for line_no, line in enumerate(open(args.predictions, encoding="utf-8"), 1):
        if not line.strip():
            continue
        where = f"{args.predictions}:{line_no}"
        try:
            r = json.loads(line)
            given = [int(x) for x in r["given"]]
            answer = int(r["answer"])
            methods, models, prefix, rid = r["methods"], r["models"], r["prefix"], r["id"]
        except (ValueError, KeyError, TypeError) as e:
            fail(where, f"not a next-term record ({e})")
        if (rid, prefix) in seen:
            fail(where, f"{rid} prefix {prefix} appears twice")
        seen.add((rid, prefix))
        if prefix != "all" and len(given) != int(prefix):
            fail(where, f"prefix {prefix} but {len(given)} given terms")
        if oeis is not None:
            terms = oeis.get(rid)
            if terms is None:
                fail(where, f"{rid} is not in {args.oeis}")
            if terms[: len(given)] != given or len(terms) <= len(given) or terms[len(given)] != answer:
                fail(where, f"{rid}: the given terms and answer are not the sequence's in {args.oeis}")
            if prefix == "all" and len(terms) != len(given) + 1:
                fail(where, f"{rid}: prefix all should give all but the last of its {len(terms)} terms")
        if features(given) != r["features"]:
            fail(where, f"features {r['features']} but recomputed {features(given)}")
        for name, cands in methods.items():
            if cands is not None and len(set(cands)) != len(cands):
                fail(where, f"{name}: candidates are not distinct: {cands}")
        for name, fits in models.items():
            if methods.get(name) != [f["next"] for f in fits]:
                fail(where, f"{name}: candidates {methods.get(name)} are not its models' next terms")
            for f in fits:
                nxt = next_term(f["spec"], given)
                if nxt is None:
                    fail(where, f"{name}: model {f['formula']!r} does not reproduce the given terms of {rid}")
                if str(nxt) != f["next"]:
                    fail(where, f"{name}: model {f['formula']!r} gives {nxt}, recorded {f['next']}")
                verified_models += 1
        records.append({"answer": str(answer), "methods": methods, "prefix": prefix, **features(given)})
    names = []
    for r in records:
        for name in r["methods"]:
            if name not in names:
                names.append(name)
    groups = []
    for by, order in GROUP_ORDER.items():
        values = sorted({r[by] for r in records}, key=lambda v: (order.index(v) if v in order else len(order), v))
        for value in values:
            subset = [r for r in records if r[by] == value]
            groups.append({"by": by, "value": value, "n": len(subset), "methods": score(subset, names, args.k)})
    print(json.dumps({"n": len(records), "methods": score(records, names, args.k), "groups": groups, "verifiedModels": verified_models}, ensure_ascii=False))


if __name__ == "__main__":
    main()
