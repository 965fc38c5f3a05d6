#!/usr/bin/python3
"""compare-contribs OURS.csv [options]

Checks the contributions of `mlops predict --explain` (OURS, CSV: its
contrib_* columns, per output the features then the bias).

  --expect FILE   contributions the owning library computed (columns named
                  as OURS's): every one within --tol (absolute)
  --scale S       FILE's values are S times OURS's (LightGBM's pred_contrib
                  of an averaged forest sums the trees: S = iterations)
  --tol T         default 1e-6 (absolute, relative above 1: XGBoost's float32
                  numbers hold 7 significant digits)
  --margin FILE[:COL,...]
                  the sum property: per output, contributions plus bias
                  equal the margin in FILE's columns (default: all), after
                  --link; within --sum-tol (absolute, relative above 1)
  --link L        identity (default), exp, sigmoid[:K] (K times the margin),
                  softmax (the margins of all outputs at once)
  --sum-tol T     default 1e-6

Prints the rows, the largest difference and the largest sum error; exit 1
on any mismatch."""
import csv
import math
import sys


def fail(msg):
    print(msg)
    sys.exit(1)


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    ours_path = args.pop(0)
    o = {"--expect": None, "--scale": "1", "--tol": "1e-6",
         "--margin": None, "--link": "identity", "--sum-tol": "1e-6"}
    while args:
        k = args.pop(0)
        if k not in o or not args:
            sys.exit(__doc__)
        o[k] = args.pop(0)
    ours = list(csv.DictReader(open(ours_path)))
    if not ours:
        fail("no rows in " + ours_path)
    cols = [c for c in ours[0] if c.startswith("contrib_")]
    groups = sum(1 for c in cols if c.endswith("bias"))
    if not groups or len(cols) % groups:
        fail(f"no contribution columns per output in {ours_path}: {cols}")
    width = len(cols) // groups
    mine = [[float(r[c]) for c in cols] for r in ours]
    report = [f"{len(ours)} rows"]
    if o["--expect"]:
        exp = list(csv.reader(open(o["--expect"])))
        if exp[0] != cols:
            fail(f"columns differ:\n ours {cols}\n want {exp[0]}")
        if len(exp) - 1 != len(mine):
            fail(f"{len(mine)} rows explained, {len(exp) - 1} expected")
        scale = float(o["--scale"])
        worst, at = 0.0, None
        for i, (a, b) in enumerate(zip(mine, exp[1:])):
            for c, x, y in zip(cols, a, b):
                want = float(y) / scale
                d = abs(x - want) / max(1.0, abs(want))
                if not d <= worst:
                    worst, at = d, (i + 1, c, x, float(y) / scale)
        report.append(f"max difference {worst:.3g}")
        if not worst <= float(o["--tol"]):
            fail(f"row {at[0]} {at[1]}: ours {at[2]!r}, expected {at[3]!r} "
                 f"(|difference| {worst:.3g} > {o['--tol']})")
    if o["--margin"]:
        path, _, sel = o["--margin"].partition(":")
        mrows = list(csv.DictReader(open(path)))
        names = sel.split(",") if sel else list(mrows[0])
        if len(mrows) != len(mine) or len(names) != groups:
            fail(f"{len(mrows)} margin rows of {len(names)} outputs for "
                 f"{len(mine)} rows of {groups}")
        link = o["--link"]
        worst, at = 0.0, None
        for i, (a, m) in enumerate(zip(mine, mrows)):
            s = [sum(a[g * width:(g + 1) * width]) for g in range(groups)]
            if link == "exp":
                s = [math.exp(v) for v in s]
            elif link.startswith("sigmoid"):
                k = float(link.partition(":")[2] or 1)
                s = [1 / (1 + math.exp(-k * v)) for v in s]
            elif link == "softmax":
                top = max(s)
                e = [math.exp(v - top) for v in s]
                s = [v / sum(e) for v in e]
            elif link != "identity":
                sys.exit("unknown --link " + link)
            for g, name in enumerate(names):
                want = float(m[name])
                d = abs(s[g] - want) / max(1.0, abs(want))
                if not d <= worst:
                    worst, at = d, (i + 1, name, s[g], want)
        report.append(f"sum property within {worst:.3g}")
        if not worst <= float(o["--sum-tol"]):
            fail(f"row {at[0]}: the sum of {at[1]}'s contributions is "
                 f"{at[2]!r} ({link}), the margin {at[3]!r}")
    print(", ".join(report))



if __name__ == "__main__":
    main()
