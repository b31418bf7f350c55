"""Independent reference for tests/eval/probes.test.ts: reads {"X": rows, "y": labels, "folds": [[test indices]...], "C": c}
as JSON on stdin, fits StandardScaler + sklearn LogisticRegression per fold and prints per-fold train/test accuracy."""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

spec = json.load(sys.stdin)
X = np.asarray(spec["X"], dtype=np.float64)
y = np.asarray(spec["y"], dtype=np.int64)
out = {"train": [], "test": []}
for test in spec["folds"]:
    test = np.asarray(test, dtype=np.int64)
    mask = np.ones(len(y), dtype=bool)
    mask[test] = False
    scaler = StandardScaler().fit(X[mask])
    clf = LogisticRegression(C=spec["C"], max_iter=10000, tol=1e-10)
    clf.fit(scaler.transform(X[mask]), y[mask])
    out["train"].append(float(clf.score(scaler.transform(X[mask]), y[mask])))
    out["test"].append(float(clf.score(scaler.transform(X[test]), y[test])))
print(json.dumps(out))
