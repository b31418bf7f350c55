#!/usr/bin/env python3
"""Write a synthetic full-size OEIS `stripped` file (gzip) for the OEIS bench, where the real dump
cannot be downloaded: the given stripped file repeated `--copies` times with new A-numbers; copy r
maps each term t to t*(r+1)+r, so the distinct values grow with the copies as in the real dump.

    python3 bench/make_synthetic_oeis.py ../shared/data/oeis/stripped_subset_merged.txt out/oeis-synthetic.gz
    NUMLAB_BENCH_OEIS_FILE=out/oeis-synthetic.gz NUMLAB_BENCH_ONLY=oeis npm run bench
"""
import argparse
import gzip

parser = argparse.ArgumentParser()
parser.add_argument("source")
parser.add_argument("target")
parser.add_argument("--copies", type=int, default=11)
args = parser.parse_args()

with open(args.source, encoding="utf-8-sig") as f:
    rows = []
    for line in f:
        if not line.startswith("A"):
            continue
        terms = [t for t in line.split(" ", 1)[1].strip().strip(",").split(",") if t]
        rows.append([int(t) for t in terms])

n = 0
with gzip.open(args.target, "wt", encoding="utf-8") as out:
    out.write(f"# synthetic OEIS stripped file: {args.source} x{args.copies}, copy r maps t to t*(r+1)+r\n")
    for r in range(args.copies):
        for terms in rows:
            n += 1
            out.write(f"A{n:06d} ,{','.join(str(t * (r + 1) + r) for t in terms)},\n")
print(f"{n} sequences -> {args.target}")
