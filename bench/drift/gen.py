"""Writes ref.csv and cur.csv: ROWS rows x 20 numeric + 5 categorical
columns, the current one with a few drifted columns. numpy only."""
import sys
import numpy as np

rows = int(sys.argv[1])
rng = np.random.default_rng(7)
cats = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"])


def write(path, shift):
    cols, names = [], []
    for i in range(20):
        v = rng.normal(10 * i, 1 + i % 3, rows)
        if shift and i % 7 == 0:
            v = v + 0.5
        cols.append(np.char.mod("%.4f", v))
        names.append(f"num{i}")
    for i in range(5):
        p = np.full(6, 1 / 6)
        if shift and i == 0:
            p = np.array([0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
        cols.append(cats[rng.choice(6, rows, p=p)])
        names.append(f"cat{i}")
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        block = 100000
        for s in range(0, rows, block):
            part = np.stack([c[s:s + block] for c in cols], axis=1)
            f.write("\n".join(",".join(r) for r in part) + "\n")


write(sys.argv[2], False)
write(sys.argv[3], True)
