#!/usr/bin/python3
"""Do two runs agree? Compares the probabilities of the first N rows.

  agree.py N TOL MLOPS.csv PEER [PEER_FORMAT]

MLOPS.csv is mlops predict's output (row,prediction,probability). PEER is
a CSV with a probability column (PEER_FORMAT csv, the default) or the
LightGBM CLI's result file, one probability per line (PEER_FORMAT lines).
Prints "max |diff| D over N rows, K above TOL, M predictions differ"."""
import csv
import itertools
import sys


def main():
    n, tol, a, b = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
    fmt = sys.argv[5] if len(sys.argv) > 5 else "csv"
    with open(a) as f:
        r = csv.DictReader(f)
        ma = [(int(x["prediction"]), float(x["probability"]))
              for x in itertools.islice(r, n)]
    with open(b) as f:
        if fmt == "lines":
            pb = [float(line.split("\t")[-1])
                  for line in itertools.islice(f, n)]
        else:
            pb = [float(x["probability"])
                  for x in itertools.islice(csv.DictReader(f), n)]
    if len(ma) != len(pb):
        print("row counts differ: %d vs %d" % (len(ma), len(pb)))
        return 1
    d = [abs(p - q) for (_, p), q in zip(ma, pb)]
    over = sum(x > tol for x in d)
    pred = sum(c != (q >= 0.5) for (c, _), q in zip(ma, pb))
    print("max |diff| %.2g over %d rows, %d above %g, %d predictions differ"
          % (max(d) if d else 0, len(d), over, tol, pred))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
