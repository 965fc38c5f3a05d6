#!/usr/bin/python3
"""Train the house-prices example: a linear regression of a house's sale
price, fitted by least squares with numpy and saved in mlops's own GLM
format (man 5 mlops-glm): served with no machine-learning library.

Synthetic and seeded: running this again gives the same files. Needs
Debian's python3-numpy (run it with /usr/bin/python3).

Writes:
  data/train.csv      4000 sales the model is fitted on
  data/golden.csv     400 sales for the quality gates (rmse, r2)
  data/reference.csv  1500 rows from the training distribution
  data/current.csv    1500 "live" rows: houses further from the centre
  model/model.glm.json
"""
import csv
import json
import os

import numpy as np

FEATURES = ["area_m2", "rooms", "age_years", "distance_km", "has_garden",
            "energy_class"]
ENERGY = ["A", "B", "C", "D"]
LABEL = "price"
HERE = os.path.dirname(os.path.abspath(__file__))


def houses(rng, n, drift=False):
    area = np.clip(rng.normal(110, 35, n), 25, 400).round(1)
    rooms = np.clip(np.round(area / 28 + rng.normal(0, 0.8, n)), 1, 12)
    age = np.clip(rng.exponential(25, n), 0, 150).round()
    distance = rng.gamma(2.0, 4.0 if not drift else 7.0, n).round(2)
    garden = (rng.random(n) < 0.45).astype(int)
    energy = rng.integers(0, 4, n)
    return area, rooms, age, distance, garden, energy


def price(rng, h):
    area, rooms, age, distance, garden, energy = h
    p = (60000 + 2400 * area + 7500 * rooms - 900 * age - 3200 * distance
         + 14000 * garden - 9000 * energy)
    return (p + rng.normal(0, 15000, len(area))).round(-2)


def write(path, h, y=None):
    with open(os.path.join(HERE, path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FEATURES + ([LABEL] if y is not None else []))
        for i in range(len(h[0])):
            row = [h[0][i], int(h[1][i]), int(h[2][i]), h[3][i],
                   "true" if h[4][i] else "false", ENERGY[h[5][i]]]
            w.writerow(row + ([y[i]] if y is not None else []))


def main():
    rng = np.random.default_rng(20261123)
    train = houses(rng, 4000)
    y = price(rng, train)
    golden = houses(rng, 400)
    write("data/train.csv", train, y)
    write("data/golden.csv", golden, price(rng, golden))
    write("data/reference.csv", houses(rng, 1500))
    write("data/current.csv", houses(rng, 1500, drift=True))
    X = np.column_stack([np.ones(len(y))] + [np.asarray(c, float) for c in train])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    model = {
        "mlops_glm": 1,
        "link": "identity",
        "intercept": round(float(beta[0]), 6),
        "coefficients": {f: round(float(b), 6) for f, b in zip(FEATURES, beta[1:])},
    }
    with open(os.path.join(HERE, "model/model.glm.json"), "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
