#!/usr/bin/env python3
"""Straightforward Python reference for the OEIS parse + statistics (bench and cross-check).

Usage: python3 bench/oeis_reference.py FILE [--top K] [--examples K]

Reads an OEIS stripped-format file (plain or gzip), parses it line by line with a regular
expression (same rules as src/data/oeis.ts: '#' comments and blank lines skipped, a BOM at the
start of a line dropped, malformed lines skipped and counted), counts every integer with
collections.Counter (Python ints are exact), and prints one JSON object with the same keys as
`numlab oeis stats --json`, plus "parseMs", "statsMs" (wall clock), "cpuMs" (process CPU time of both) and "peakRssMB".
"""
import collections
import gzip
import json
import math
import re
import resource
import sys
import time

LINE = re.compile(r"^[Aa](\d{1,9})[ \t]*,((?:[-+]?\d+,)*(?:[-+]?\d+)?)$")
SAFE = 2**53  # |v| >= 2**53 is "huge" (not a safe JavaScript integer)


def open_text(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return open(path, "r", encoding="utf-8", newline="\n")


def parse(path):
    sequences = []
    malformed = 0
    with open_text(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("\ufeff"):
                line = line[1:]
            line = line.strip(" \t\r")
            if not line or line.startswith("#"):
                continue
            m = LINE.match(line)
            if not m:
                malformed += 1
                continue
            body = m.group(2)
            terms = [int(t) for t in body.split(",") if t != ""]
            sequences.append(terms)
    return sequences, malformed


def exact(v):
    return v if abs(v) < SAFE else str(v)


def stats(sequences, top_k=20, examples=20):
    n = len(sequences)
    lengths = [len(s) for s in sequences]
    total = sum(lengths)
    sum_sq = sum(l * l for l in lengths)
    variance = (n * sum_sq - total * total) / (n * n) if n else 0.0
    counter = collections.Counter()
    for s in sequences:
        counter.update(s)
    hist = collections.Counter(lengths)
    ordered = sorted(lengths)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2 if n else 0
    top = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
    once = [v for v, c in counter.items() if c == 1]
    smallest = sorted(once, key=lambda v: (abs(v), v))[:examples]
    largest = sorted(once, key=lambda v: (-abs(v), v))[:examples]
    negative = sum(c for v, c in counter.items() if v < 0)
    huge = sum(c for v, c in counter.items() if abs(v) >= SAFE)
    return {
        "sequences": n,
        "lengthMean": total / n if n else 0,
        "lengthStd": math.sqrt(max(0.0, variance)),
        "lengthMin": min(lengths) if n else 0,
        "lengthMax": max(lengths) if n else 0,
        "lengthMedian": median,
        "lengthHistogram": [[k, hist[k]] for k in sorted(hist)],
        "totalIntegers": total,
        "distinctIntegers": len(counter),
        "top": [[exact(v), c] for v, c in top],
        "singletons": len(once),
        "leastFrequentSmallest": [exact(v) for v in smallest],
        "leastFrequentLargest": [exact(v) for v in largest],
        "negativeCount": negative,
        "negativeShare": negative / total if total else 0,
        "hugeCount": huge,
        "hugeShare": huge / total if total else 0,
        "zeroCount": counter.get(0, 0),
    }


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    top_k = int(argv[argv.index("--top") + 1]) if "--top" in argv else 20
    examples = int(argv[argv.index("--examples") + 1]) if "--examples" in argv else 20
    c0, t0 = time.process_time(), time.perf_counter()
    sequences, malformed = parse(path)
    c1, t1 = time.process_time(), time.perf_counter()
    result = stats(sequences, top_k, examples)
    c2, t2 = time.process_time(), time.perf_counter()
    result["malformedCount"] = malformed
    result["parseMs"] = (t1 - t0) * 1000
    result["statsMs"] = (t2 - t1) * 1000
    result["cpuMs"] = (c2 - c0) * 1000
    result["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
