#!/usr/bin/python3
"""Data and configs for bench/predict's LightGBM job (Debian's python3-numpy).

  lgbm_data.py DIR ROWS

Writes, like tests/fixtures/make-lightgbm.py's binary_codes (plan and city
integer-coded categorical features, NaN-missing values):
  DIR/lgb.train.csv  20000 training rows, label first
  DIR/train.conf     the CLI's training config: 100 trees, 31 leaves,
                     categorical_feature=3,4 -> DIR/lgb/model.txt
  DIR/lgb.csv        ROWS rows to score; the label column (all 0) stays in
                     its training position (first) for the CLI's
                     task=predict, mlops ignores it
  DIR/predict.conf   the CLI's task=predict config (every core)
  DIR/lgb/mlops.yaml the mlops project (model.txt once trained; a golden
                     set DIR/lgb/golden.csv for validate's latency gate)
Missing values are written NaN, which both read as missing."""
import os
import sys

import numpy as np

FEATURES = ["age", "income", "balance", "plan", "city", "score"]
CITY_EFFECT = np.array([0.8, -0.6, 0.1, 1.2, -1.0, 0.0, 0.5, -0.3])
PLAN_EFFECT = np.array([0.7, -0.5, 0.2])


def features(rng, n):
    age = np.round(rng.uniform(18, 80, n), 1)
    age[rng.uniform(size=n) < 0.10] = np.nan
    income = np.round(np.exp(rng.normal(10, 0.5, n)), 2)
    balance = np.round(rng.normal(0, 1000, n), 2)
    balance[rng.uniform(size=n) < 0.30] = 0.0
    plan = rng.randint(0, 3, n).astype(float)
    plan[rng.uniform(size=n) < 0.05] = np.nan
    city = rng.randint(0, 8, n).astype(float)
    city[rng.uniform(size=n) < 0.05] = np.nan
    score = np.round(rng.uniform(0, 1, n), 3)
    score[rng.uniform(size=n) < 0.15] = np.nan
    return {"age": age, "income": income, "balance": balance,
            "plan": plan, "city": city, "score": score}


def label(rng, f):
    age = np.nan_to_num(f["age"], nan=45.0)
    score = np.nan_to_num(f["score"], nan=0.2)
    plan = np.where(np.isnan(f["plan"]), 0.0,
                    PLAN_EFFECT[np.nan_to_num(f["plan"]).astype(int)])
    city = np.where(np.isnan(f["city"]), -0.8,
                    CITY_EFFECT[np.nan_to_num(f["city"]).astype(int)])
    e = (0.04 * (age - 45) + 0.8 * (np.log(f["income"]) - 10)
         + 0.0006 * f["balance"] + (f["balance"] == 0) * 0.4
         + 1.5 * (score - 0.5) + plan + city)
    n = len(e)
    return (rng.uniform(size=n) < 1 / (1 + np.exp(-e))).astype(int)


def write(path, f, y, label_first=True):
    n = len(y)
    cols = []
    for k in FEATURES:
        a = f[k]
        s = np.char.mod("%.10g", a).astype(object)
        s[np.isnan(a)] = "NaN"
        cols.append(s)
    ys = np.char.mod("%d", y).astype(object)
    if label_first:
        head = ["label"] + FEATURES
        cols = [ys] + cols
    else:
        head = FEATURES + ["label"]
        cols = cols + [ys]
    with open(path, "w") as fp:
        fp.write(",".join(head) + "\n")
        step = 100000
        for b in range(0, n, step):
            e = min(n, b + step)
            rows = zip(*[c[b:e] for c in cols])
            fp.write("".join(",".join(r) + "\n" for r in rows))


def main(d, rows):
    rng = np.random.RandomState(42)
    os.makedirs(os.path.join(d, "lgb"), exist_ok=True)
    f = features(rng, 20000)
    write(os.path.join(d, "lgb.train.csv"), f, label(rng, f))
    f = features(rng, rows)
    write(os.path.join(d, "lgb.csv"), f, np.zeros(rows, dtype=int))
    f = features(rng, 500)
    write(os.path.join(d, "lgb", "golden.csv"), f, label(rng, f),
          label_first=False)
    with open(os.path.join(d, "train.conf"), "w") as fp:
        fp.write("task=train\nobjective=binary\ndata=lgb.train.csv\n"
                 "header=true\nlabel_column=0\ncategorical_feature=3,4\n"
                 "num_iterations=100\nnum_leaves=31\nlearning_rate=0.1\n"
                 "min_data_in_leaf=20\nseed=42\ndeterministic=true\n"
                 "num_threads=1\nforce_col_wise=true\nverbosity=-1\n"
                 "output_model=lgb/model.txt\n")
    with open(os.path.join(d, "predict.conf"), "w") as fp:
        fp.write("task=predict\ndata=lgb.csv\nheader=true\nlabel_column=0\n"
                 "input_model=lgb/model.txt\noutput_result=lgb.cli.txt\n"
                 "verbosity=-1\n")
    inputs = "".join("    - {name: %s, type: float, nullable: true}\n" % k
                     for k in FEATURES)
    with open(os.path.join(d, "lgb", "mlops.yaml"), "w") as fp:
        fp.write("# bench/predict: LightGBM CLI, 100 trees, plan and city "
                 "integer-coded (categorical_feature=3,4)\n"
                 "name: bench-lgb\nversion: 1.0.0\nmodel:\n"
                 "  path: model.txt\n  runtime: lightgbm\n"
                 "  task: binary-classification\n  labels: [0, 1]\n"
                 "signature:\n  inputs:\n" + inputs +
                 "  outputs:\n    - {name: prediction, type: int}\n"
                 "    - {name: probability, type: float}\n"
                 "datasets:\n  golden:\n    path: golden.csv\n"
                 "    label: label\n"
                 "gates:\n  latency_p95_ms: \"<= 1000\"\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
