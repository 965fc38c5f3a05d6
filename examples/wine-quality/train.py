#!/usr/bin/python3
"""Train the wine-quality example: an XGBoost multiclass classifier
(multi:softprob) that grades a wine low (0), medium (1) or high (2) from
its lab measurements.

Synthetic and seeded: running this again gives the same files. Needs
Debian's python3-xgboost and python3-numpy (run it with /usr/bin/python3).

Writes:
  data/train.csv      4000 graded wines the model is trained on
  data/golden.csv     500 graded wines for the quality gates
  data/reference.csv  1500 wines from the training distribution
  data/current.csv    1500 "live" wines: a new harvest, more alcohol
  model/model.json    the booster (XGBoost JSON)
and prints the smoke tests' expected answers.
"""
import csv
import os

import numpy as np
import xgboost as xgb

FEATURES = ["alcohol", "acidity", "residual_sugar", "sulphates", "ph",
            "region"]
REGIONS = ["north", "south", "coast"]
LABEL = "grade"
HERE = os.path.dirname(os.path.abspath(__file__))


def wines(rng, n, drift=False):
    alcohol = rng.normal(12.5 if drift else 11.0, 1.1, n).round(2)
    acidity = rng.normal(7.0, 1.2, n).round(2)
    sugar = rng.gamma(2.0, 1.5, n).round(2)
    sulphates = rng.normal(0.65, 0.15, n).round(3)
    ph = rng.normal(3.3, 0.15, n).round(2)
    region = rng.integers(0, 3, n)
    return np.column_stack([alcohol, acidity, sugar, sulphates, ph, region])


def grade(rng, X):
    score = (0.9 * (X[:, 0] - 11) + 2.0 * (X[:, 3] - 0.65) * 4
             - 0.3 * np.abs(X[:, 1] - 7) + 0.4 * (X[:, 5] == 2)
             + rng.normal(0, 0.6, len(X)))
    return np.digitize(score, [-0.6, 0.8])


def write(path, X, y=None):
    with open(os.path.join(HERE, path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FEATURES + ([LABEL] if y is not None else []))
        for i, r in enumerate(X):
            row = list(r[:5]) + [REGIONS[int(r[5])]]
            w.writerow(row + ([int(y[i])] if y is not None else []))


def main():
    rng = np.random.default_rng(7)
    X = wines(rng, 4000)
    y = grade(rng, X)
    golden = wines(rng, 500)
    write("data/train.csv", X, y)
    write("data/golden.csv", golden, grade(rng, golden))
    write("data/reference.csv", wines(rng, 1500))
    write("data/current.csv", wines(rng, 1500, drift=True))
    d = xgb.DMatrix(X, label=y, feature_names=FEATURES)
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3,
                         "max_depth": 4, "eta": 0.2, "seed": 1,
                         "nthread": 1}, d, num_boost_round=60)
    booster.save_model(os.path.join(HERE, "model/model.json"))
    smoke = np.array([[13.2, 7.0, 2.0, 0.80, 3.3, 2],
                      [9.6, 9.5, 6.0, 0.45, 3.5, 0]])
    p = booster.predict(xgb.DMatrix(smoke, feature_names=FEATURES))
    for row in p:
        k = int(np.argmax(row))
        print("smoke: prediction %d, probability %.4f" % (k, row[k]))


if __name__ == "__main__":
    main()
