#!/usr/bin/python3
"""compare-predictions OURS.csv EXPECTED.csv [--tol T] [--skip COL,...]

Compares mlops's predictions (OURS: `mlops predict` CSV) with what the
library that owns the model format said (EXPECTED). Every EXPECTED column
but the skipped ones must be in OURS: numbers within T (absolute, or
relative for magnitudes above 1), anything else exactly. When EXPECTED has
no `prediction` column, OURS's is checked against the expected
probabilities: the argmax class (multiclass) or p >= 0.5 (binary). A
binary classifier's two probability_<label> columns are compared with
OURS's probability (the second, positive class; the first as 1 - p).
Prints the row count and the largest difference; exit 1 on any mismatch."""
import csv
import math
import sys

args = sys.argv[1:]
tol, skip = 1e-6, set()
while len(args) > 2:
    if args[-2] == "--tol":
        tol = float(args[-1])
    elif args[-2] == "--skip":
        skip = set(args[-1].split(","))
    else:
        sys.exit("usage: compare-predictions OURS EXPECTED [--tol T] [--skip C]")
    args = args[:-2]
ours = list(csv.DictReader(open(args[0])))
want = list(csv.DictReader(open(args[1])))
if len(ours) != len(want) or not want:
    sys.exit(f"{len(ours)} rows predicted, {len(want)} expected")
cols = [c for c in want[0] if c not in skip]
probs = [c for c in cols if c.startswith("probability_")]
if len(probs) == 2 and probs[0] not in ours[0] and "probability" in ours[0]:
    for o in ours:  # binary: mlops reports the positive class's
        o[probs[1]] = o["probability"]
        o[probs[0]] = repr(1 - float(o["probability"])) if o["probability"] else ""
missing = [c for c in cols if c not in ours[0]]
if missing:
    sys.exit(f"columns {missing} are not in {args[0]} ({list(ours[0])})")
worst, bad = 0.0, []


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


for i, (o, w) in enumerate(zip(ours, want), 1):
    for c in cols:
        a, b = num(o[c]), num(w[c])
        if a is None or b is None or math.isnan(b):
            if o[c] != w[c] and not (a is not None and b is not None and a == b):
                bad.append(f"row {i} {c}: {o[c]!r}, expected {w[c]!r}")
            continue
        d = abs(a - b) / max(1.0, abs(b))
        worst = max(worst, d)
        if not d <= tol:
            bad.append(f"row {i} {c}: {o[c]}, expected {w[c]} (diff {d:.3g})")
    if "prediction" not in cols and "prediction" in o:
        probs = [c for c in w if c.startswith("probability_")]
        if probs:
            p = [float(w[c]) for c in probs]
            best = probs[p.index(max(p))][len("probability_"):]
            if sorted(p)[-1] - sorted(p)[-2] > 1e-9 and o["prediction"] != best:
                bad.append(f"row {i} prediction {o['prediction']}, expected {best}")
        elif "probability" in w:
            p = float(w["probability"])
            if abs(p - 0.5) > 1e-9 and o["prediction"] != str(int(p >= 0.5)):
                bad.append(f"row {i} prediction {o['prediction']}, p = {p}")
print(f"{len(want)} rows, {len(cols)} columns, max difference {worst:.3g}")
for b in bad[:10]:
    print(b)
sys.exit(1 if bad else 0)
