#!/usr/bin/python3
"""The scikit-learn side of bench/predict's ONNX jobs (Debian's
python3-sklearn 1.2.1, python3-pandas).

  sklearn_peer.py make DIR ROWS
      Trains the two models, pickles them (DIR/MODEL.pkl), writes ROWS
      rows to score (DIR/MODEL.csv), a golden set (DIR/MODEL.golden.csv)
      and, when skl2onnx imports (PYTHONPATH), the converted model and an
      mlops project: DIR/MODEL/{mlops.yaml,model.onnx}. Without skl2onnx
      it prints "no-skl2onnx: REASON" on stdout and converts nothing.
        churn   Pipeline(ColumnTransformer(SimpleImputer(median) +
                StandardScaler, OneHotEncoder(handle_unknown=ignore)),
                LogisticRegression), like tests/fixtures/onnx/churn_pipeline
                (one [N,1] input per column, plan a string)
        rf      RandomForestClassifier, 100 trees, max_depth 8, one float
                input [N,5], like tests/fixtures/onnx/rf_binary
  sklearn_peer.py predict MODEL.pkl INPUT.csv OUTPUT.csv
      What a user writes by hand: pandas.read_csv, the fitted pipeline's
      predict_proba, to_csv (row, prediction, probability). Prints the
      seconds of each phase: read, predict, write, and the whole."""
import os
import pickle
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

CHURN_NUM = ["tenure", "monthly_charges", "support_calls"]
CHURN_PLANS = ["basic", "pro", "premium"]
RF_COLS = ["age", "income", "score", "balance", "visits"]


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(
        np.float64)


def churn_data(rng, n):
    tenure = rng.integers(0, 73, size=n).astype(float)
    charges = np.round(rng.uniform(20, 120, size=n), 2)
    calls = rng.poisson(2, size=n).astype(float)
    plan = rng.choice(CHURN_PLANS, size=n, p=[0.5, 0.3, 0.2])
    z = (-0.05 * tenure + 0.02 * charges + 0.5 * calls
         + np.select([plan == "basic", plan == "pro"], [0.8, -0.2], -0.9)
         - 1.0 + rng.normal(scale=0.8, size=n))
    y = (z > 0).astype(int)
    for a in (tenure, charges, calls):
        a[rng.random(n) < 0.08] = np.nan
    df = pd.DataFrame({"tenure": f32(tenure), "monthly_charges": f32(charges),
                       "support_calls": f32(calls), "plan": plan})
    return df, y


def rf_data(rng, n):
    X = rng.normal(size=(n, 5)) * [12, 20000, 80, 3000, 4] \
        + [40, 55000, 600, 2000, 10]
    # 2 decimals, as a CSV would hold them; far apart in float32 terms
    X = np.round(X, 2)
    z = (0.04 * (X[:, 0] - 40) + (X[:, 1] - 55000) / 15000
         + (X[:, 2] - 600) / 60 - (X[:, 3] - 2000) / 2500
         + 0.5 * np.sin(X[:, 4]))
    y = (z + rng.normal(scale=0.7, size=n) > 0).astype(int)
    return pd.DataFrame(X, columns=RF_COLS), y


def yaml(name, model_comment, inputs, golden):
    lines = ["# bench/predict: " + model_comment,
             "name: bench-" + name, "version: 1.0.0",
             "model:", "  path: model.onnx", "  runtime: onnx",
             "  task: binary-classification", "  labels: [0, 1]",
             "signature:", "  inputs:"]
    lines += ["    - " + i for i in inputs]
    lines += ["  outputs:", "    - {name: prediction, type: int}",
              "    - {name: probability, type: float}",
              "datasets:", "  golden:", "    path: golden.csv",
              "    label: label",
              "gates:", "  latency_p95_ms: \"<= 1000\""]
    return "\n".join(lines) + "\n"


def make(d, rows):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(7)
    models = {}
    # churn: the pipeline
    df, y = churn_data(rng, 5000)
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), CHURN_NUM),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         ["plan"])])
    clf = LogisticRegression(max_iter=1000)
    m = Pipeline([("pre", pre), ("clf", clf)])
    m.fit(df, y)
    models["churn"] = (m, clf, churn_data(rng, rows)[0],
                       churn_data(rng, 500))
    # rf: 100 trees; n_jobs=-1 so that predict_proba uses every core, as
    # mlops and onnxruntime do
    X, y = rf_data(rng, 20000)
    m = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=1,
                               n_jobs=-1)
    m.fit(X, y)
    models["rf"] = (m, m, rf_data(rng, rows)[0], rf_data(rng, 500))

    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import (FloatTensorType,
                                                StringTensorType)
        conv_err = None
    except Exception as e:  # noqa: BLE001
        conv_err = "%s: %s" % (type(e).__name__, e)

    for name, (m, clf, big, (gold, gy)) in models.items():
        with open(os.path.join(d, name + ".pkl"), "wb") as f:
            pickle.dump(m, f)
        big.to_csv(os.path.join(d, name + ".csv"), index=False,
                   float_format="%.9g")
        if conv_err:
            continue
        p = os.path.join(d, name)
        os.makedirs(p, exist_ok=True)
        g = gold.copy()
        g["label"] = gy
        g.to_csv(os.path.join(p, "golden.csv"), index=False,
                 float_format="%.9g")
        if name == "churn":
            types = [(c, FloatTensorType([None, 1])) for c in CHURN_NUM] + \
                [("plan", StringTensorType([None, 1]))]
            inputs = ["{name: %s, type: float, nullable: true}" % c
                      for c in CHURN_NUM] + \
                ["{name: plan, type: category, values: [basic, premium, pro]}"]
            comment = ("Pipeline(ColumnTransformer(SimpleImputer+"
                       "StandardScaler, OneHotEncoder) + LogisticRegression")
        else:
            types = [("input", FloatTensorType([None, 5]))]
            inputs = ["{name: %s, type: float}" % c for c in RF_COLS]
            comment = "RandomForestClassifier, 100 trees, max_depth 8"
        onx = convert_sklearn(m, name, initial_types=types,
                              target_opset={"": 17, "ai.onnx.ml": 3},
                              options={id(clf): {"zipmap": False}})
        with open(os.path.join(p, "model.onnx"), "wb") as f:
            f.write(onx.SerializeToString())
        with open(os.path.join(p, "mlops.yaml"), "w") as f:
            f.write(yaml(name, comment, inputs, "golden.csv"))
    if conv_err:
        print("no-skl2onnx: " + conv_err)


def predict(model, inp, out):
    # imports are not timed (as in peer.py): what unpickling would import
    import sklearn.compose, sklearn.ensemble, sklearn.impute  # noqa: F401
    import sklearn.linear_model, sklearn.pipeline  # noqa: F401
    import sklearn.preprocessing  # noqa: F401
    t0 = time.perf_counter()
    df = pd.read_csv(inp)
    t1 = time.perf_counter()
    with open(model, "rb") as f:
        m = pickle.load(f)
    t2 = time.perf_counter()
    p = m.predict_proba(df)[:, 1]
    t3 = time.perf_counter()
    pd.DataFrame({"row": range(1, len(p) + 1),
                  "prediction": (p >= 0.5).astype(int),
                  "probability": p}).to_csv(out, index=False)
    t4 = time.perf_counter()
    print(f"read {t1 - t0:.3f} predict {t3 - t2:.3f} write {t4 - t3:.3f} "
          f"total {t4 - t0:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "predict":
        predict(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
