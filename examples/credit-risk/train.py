#!/usr/bin/python3
"""Train the credit-risk example: an XGBoost binary classifier that
predicts whether a loan applicant defaults.

Everything here is synthetic and seeded, so running this again gives the
same data files and the same model. Needs Debian's python3-xgboost and
python3-numpy (run it with /usr/bin/python3).

Writes:
  data/train.csv      5000 labelled rows the model is trained on
  data/golden.csv     500 labelled rows for the quality gates
  data/reference.csv  2000 rows from the training distribution (drift baseline)
  data/current.csv    2000 rows of "live" data, with income and debt_ratio
                      deliberately drifted
  model/model.json    the trained booster (XGBoost JSON format)
"""
import csv
import os

import numpy as np
import xgboost as xgb

FEATURES = ["income", "debt_ratio", "credit_score", "age",
            "employment_years", "num_credit_lines", "loan_amount",
            "has_prior_default"]
LABEL = "default"
HERE = os.path.dirname(os.path.abspath(__file__))


def applicants(rng, n, drift=False):
    income = rng.lognormal(11.0, 0.5, n)
    debt_ratio = rng.beta(2.0, 5.0, n)
    if drift:
        # The planted drift: poorer applicants, more indebted.
        income = income * 0.7
        debt_ratio = rng.beta(3.5, 4.0, n)
    credit_score = np.clip(rng.normal(680, 60, n), 300, 850).round()
    age = np.clip(rng.normal(42, 12, n), 18, 90).round()
    employment_years = np.clip(rng.exponential(6.0, n), 0, 50)
    num_credit_lines = np.clip(rng.poisson(5, n), 0, 50)
    loan_amount = rng.lognormal(9.5, 0.7, n)
    has_prior_default = (rng.random(n) < 0.08).astype(int)
    cols = [income.round(2), debt_ratio.round(4), credit_score, age,
            employment_years.round(1), num_credit_lines,
            loan_amount.round(2), has_prior_default]
    X = np.column_stack(cols).astype(float)
    # About 2% of employment histories are unknown.
    X[rng.random(n) < 0.02, 4] = np.nan
    return X


def default_probability(X):
    emp = np.nan_to_num(X[:, 4], nan=3.0)
    z = (-2.6 + 7.0 * X[:, 1] - 0.025 * (X[:, 2] - 680)
         - 1.0 * np.log(X[:, 0] / 60000.0) + 2.0 * X[:, 7]
         + 0.35 * np.log(X[:, 6] / 13000.0) - 0.04 * emp)
    return 1.0 / (1.0 + np.exp(-z))


def fmt(v, col):
    if np.isnan(v):
        return ""
    if col in ("credit_score", "age", "num_credit_lines",
               "has_prior_default", LABEL):
        return str(int(v))
    return repr(float(v))


def write_csv(path, X, y=None):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ([LABEL] if y is not None else []))
        for i in range(X.shape[0]):
            row = [fmt(X[i, j], c) for j, c in enumerate(FEATURES)]
            if y is not None:
                row.append(str(int(y[i])))
            w.writerow(row)


def auc(y, p):
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def main():
    rng = np.random.default_rng(20261123)
    X_train = applicants(rng, 5000)
    y_train = (rng.random(5000) < default_probability(X_train)).astype(int)
    X_gold = applicants(rng, 500)
    y_gold = (rng.random(500) < default_probability(X_gold)).astype(int)
    X_ref = applicants(rng, 2000)
    X_cur = applicants(rng, 2000, drift=True)

    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "model"), exist_ok=True)
    write_csv(os.path.join(HERE, "data", "train.csv"), X_train, y_train)
    write_csv(os.path.join(HERE, "data", "golden.csv"), X_gold, y_gold)
    write_csv(os.path.join(HERE, "data", "reference.csv"), X_ref)
    write_csv(os.path.join(HERE, "data", "current.csv"), X_cur)

    dtrain = xgb.DMatrix(X_train, label=y_train, feature_names=FEATURES)
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.1,
              "eval_metric": "auc", "nthread": 1, "seed": 0,
              "tree_method": "exact"}
    booster = xgb.train(params, dtrain, num_boost_round=50)
    booster.save_model(os.path.join(HERE, "model", "model.json"))

    p = booster.predict(xgb.DMatrix(X_gold, feature_names=FEATURES))
    acc = ((p >= 0.5).astype(int) == y_gold).mean()
    print(f"golden set: AUC {auc(y_gold, p):.4f}, accuracy {acc:.4f}, "
          f"default rate {y_gold.mean():.3f}")


if __name__ == "__main__":
    main()
