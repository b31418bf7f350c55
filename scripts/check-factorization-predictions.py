#!/usr/bin/env python3
"""Recompute factorization scores from `numlab eval arith --predictions FILE` by plain arithmetic.

Independent of numlab's own scoring: each candidate's text is read back in the run's base
("1.23 x 4" in base 60: dot-separated digits, " x " between factors), multiplied out and checked
for primality by trial division. Also checks that every problem's candidates are distinct and
sorted by score. Prints one JSON record; exit status 1 when a check fails.

    python3 scripts/check-factorization-predictions.py predictions.jsonl --base 60
"""
import argparse
import json
import sys


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def read_factors(text, base):
    """The factors written in `text`, or None when it is not a product of base-`base` numbers."""
    factors = []
    for part in text.split(" x "):
        digits = part.split(".") if base > 10 else list(part)
        if not digits or not all(d.isdigit() and int(d) < base for d in digits):
            return None
        value = 0
        for d in digits:
            value = value * base + int(d)
        factors.append(value)
    return factors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("predictions")
    ap.add_argument("--base", type=int, required=True)
    args = ap.parse_args()
    n_problems = top1 = any_right = any_product = as_prime = 0
    problems = []
    for line_no, line in enumerate(open(args.predictions, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            n = record["operands"][0]
            beams = record["beams"]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            sys.exit(f"{args.predictions}:{line_no}: not a predictions record ({e})")
        texts = [b["text"] for b in beams]
        scores = [b["score"] for b in beams]
        if len(set(texts)) != len(texts):
            sys.exit(f"{args.predictions}:{line_no}: candidates for {n} are not distinct: {texts}")
        if any(a < b for a, b in zip(scores, scores[1:])):
            sys.exit(f"{args.predictions}:{line_no}: candidates for {n} are not sorted by score")
        factors = [read_factors(t, args.base) for t in texts]
        product_ok = [f is not None and _product(f) == n for f in factors]
        right = [p and all(is_prime(x) for x in f) for p, f in zip(product_ok, factors)]
        n_problems += 1
        problems.append(n)
        top1 += bool(right and right[0])
        any_right += any(right)
        any_product += any(product_ok)
        as_prime += (not is_prime(n)) and bool(factors) and factors[0] == [n]
    if len(set(problems)) != len(problems):
        sys.exit(f"{args.predictions}: a number appears twice")
    share = lambda x: x / n_problems if n_problems else float("nan")
    print(json.dumps({"n": n_problems, "top1": share(top1), "anyOfK": share(any_right), "correctProduct": share(any_product),
                      "correctFactorization": share(any_right), "right": any_right, "predictedAsPrime": as_prime}))


def _product(xs):
    p = 1
    for x in xs:
        p *= x
    return p


if __name__ == "__main__":
    main()
