#!/usr/bin/python3
"""Train the churn-sklearn example: a scikit-learn Pipeline that predicts
whether a subscriber cancels (churns) next month, exported to ONNX.

    Pipeline([
      ("pre", ColumnTransformer([
         ("num", Pipeline([SimpleImputer(strategy="median"),
                           StandardScaler()]), NUMERIC),
         ("cat", OneHotEncoder(handle_unknown="ignore",
                               sparse_output=False), ["plan"])])),
      ("clf", LogisticRegression())])

Everything is synthetic and seeded, and the ONNX graph is written in a
canonical order, so running this again gives the same bytes. Needs Debian's
python3-sklearn (1.2.1), python3-onnx (1.12), python3-numpy and
python3-pandas, plus skl2onnx 1.14.1 and onnxconverter-common 1.13.0 (see
README.md). Run it with /usr/bin/python3.

Writes:
  data/train.csv      2000 labelled rows the model is trained on
  data/golden.csv     500 labelled rows for the quality gates
  data/reference.csv  1000 rows from the training distribution (drift baseline)
  data/current.csv    1000 "live" rows after a price rise: monthly_charges
                      has drifted (the only planted drift)
  model/model.onnx    the pipeline as ONNX: one graph input per column,
                      outputs label [N] and probabilities [N,2]
and prints the golden-set metrics, the plan categories in the encoder's
order, and the smoke tests' expected answers (sklearn's own predictions).
"""
import csv
import os
import warnings

import numpy as np
import onnx
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, f1_score, log_loss,
                             precision_score, recall_score, roc_auc_score)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=FutureWarning)
from skl2onnx import convert_sklearn  # noqa: E402
from skl2onnx.common.data_types import (FloatTensorType,  # noqa: E402
                                        StringTensorType)

NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "data_gb"]
INTS = ("tenure_months", "support_calls")
FEATURES = NUMERIC + ["plan"]
PLANS = ["basic", "pro", "premium"]
LABEL = "churned"
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(a):
    """Rounds to float32 and back: what the ONNX graph (float inputs) sees,
    so that sklearn is asked about exactly the same numbers."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(
        np.float64)


def customers(rng, n, drift=False):
    tenure = rng.integers(0, 73, n)
    charges = np.clip(rng.normal(65.0, 20.0, n), 15, 150)
    if drift:
        # The planted drift: a price rise for everyone.
        charges = np.clip(charges + 18.0, 15, 150)
    calls = np.clip(rng.poisson(1.8, n), 0, 30)
    data_gb = np.clip(rng.gamma(3.0, 5.0, n), 0, 200)
    plan = rng.choice(PLANS, size=n, p=[0.5, 0.3, 0.2])
    df = pd.DataFrame({"tenure_months": tenure.astype(float),
                       "monthly_charges": charges.round(2),
                       "support_calls": calls.astype(float),
                       "data_gb": data_gb.round(1),
                       "plan": plan})
    return df


def churn(rng, df):
    """Draws the labels; the truth uses data_gb before it goes missing."""
    z = (-0.9 - 0.045 * df.tenure_months
         + 0.03 * (df.monthly_charges - 65.0)
         + 0.55 * df.support_calls
         - 0.04 * (df.data_gb - 15.0)
         + df.plan.map({"basic": 0.6, "pro": 0.0, "premium": -0.8}))
    p = 1.0 / (1.0 + np.exp(-z.to_numpy()))
    return (rng.random(len(df)) < p).astype(int)


def hide(rng, df):
    """About 6% of data usages are unknown (a metering gap)."""
    df.loc[rng.random(len(df)) < 0.06, "data_gb"] = np.nan
    for c in NUMERIC:
        df[c] = f32(df[c])
    return df


def fmt(v, col):
    if isinstance(v, str):
        return v
    if np.isnan(v):
        return ""
    if col in INTS or col == LABEL:
        return str(int(v))
    # the shortest decimal that reads back as the same float32
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def write_csv(name, df, y=None):
    cols = FEATURES + ([LABEL] if y is not None else [])
    with open(os.path.join(HERE, "data", name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for i, rec in enumerate(df[FEATURES].itertuples(index=False)):
            row = [fmt(v, c) for v, c in zip(rec, FEATURES)]
            if y is not None:
                row.append(str(int(y[i])))
            w.writerow(row)


def toposort(graph):
    """Re-sorts graph.node topologically, ties broken by node name
    (skl2onnx orders independent nodes by id(), which varies by run)."""
    nodes = list(graph.node)
    known = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    known.add("")
    done = [False] * len(nodes)
    order = []
    while len(order) < len(nodes):
        ready = [k for k, n in enumerate(nodes)
                 if not done[k] and all(i in known for i in n.input)]
        if not ready:
            raise RuntimeError("graph has a cycle or a dangling input")
        k = min(ready, key=lambda k: (nodes[k].name, nodes[k].op_type,
                                      list(nodes[k].output)))
        done[k] = True
        order.append(nodes[k])
        known.update(nodes[k].output)
    del graph.node[:]
    graph.node.extend(order)


def canonical(onx):
    toposort(onx.graph)
    # opset imports and initializers come from sets and dicts: sort them too
    ops = sorted((o.domain, o.version) for o in onx.opset_import)
    del onx.opset_import[:]
    for d, v in ops:
        onx.opset_import.add(domain=d, version=v)
    inits = [t.SerializeToString()
             for t in sorted(onx.graph.initializer, key=lambda t: t.name)]
    del onx.graph.initializer[:]
    for t in inits:
        onx.graph.initializer.add().ParseFromString(t)
    return onx


SMOKE = [
    ("loyal premium subscriber",
     {"tenure_months": 60, "monthly_charges": 55.0, "support_calls": 0,
      "data_gb": 22.5, "plan": "premium"}),
    ("new basic subscriber who keeps calling support",
     {"tenure_months": 2, "monthly_charges": 95.5, "support_calls": 6,
      "data_gb": 4.0, "plan": "basic"}),
    ("data usage unknown (imputed with the training median)",
     {"tenure_months": 14, "monthly_charges": 70.0, "support_calls": 4,
      "data_gb": None, "plan": "pro"}),
    ("a plan the model never saw is encoded as no plan",
     {"tenure_months": 30, "monthly_charges": 80.0, "support_calls": 2,
      "data_gb": 12.0, "plan": "enterprise"}),
]


def main():
    rng = np.random.default_rng(20261208)
    train = customers(rng, 2000)
    y_train = churn(rng, train)
    gold = customers(rng, 500)
    y_gold = churn(rng, gold)
    train, gold = hide(rng, train), hide(rng, gold)
    ref = hide(rng, customers(rng, 1000))
    cur = hide(rng, customers(rng, 1000, drift=True))

    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "model"), exist_ok=True)
    write_csv("train.csv", train, y_train)
    write_csv("golden.csv", gold, y_gold)
    write_csv("reference.csv", ref)
    write_csv("current.csv", cur)

    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         ["plan"])])
    clf = LogisticRegression(max_iter=1000)
    model = Pipeline([("pre", pre), ("clf", clf)])
    model.fit(train[FEATURES], y_train)

    types = ([(c, FloatTensorType([None, 1])) for c in NUMERIC]
             + [("plan", StringTensorType([None, 1]))])
    onx = convert_sklearn(model, "churn", initial_types=types,
                          target_opset={"": 17, "ai.onnx.ml": 3},
                          options={id(clf): {"zipmap": False}})
    onx = canonical(onx)
    onnx.checker.check_model(onx)
    with open(os.path.join(HERE, "model", "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())

    p = model.predict_proba(gold[FEATURES])[:, 1]
    pred = model.predict(gold[FEATURES])
    print("golden set: auc %.4f, accuracy %.4f, precision %.4f, "
          "recall %.4f, f1 %.4f, log_loss %.4f, churn rate %.3f" % (
              roc_auc_score(y_gold, p), accuracy_score(y_gold, pred),
              precision_score(y_gold, pred), recall_score(y_gold, pred),
              f1_score(y_gold, pred), log_loss(y_gold, p), y_gold.mean()))
    cats = model.named_steps["pre"].named_transformers_["cat"].categories_[0]
    print("plan values (encoder order): [%s]" % ", ".join(cats))
    print("classes: %s" % list(model.classes_))
    print("graph inputs: %s" % ", ".join(i.name for i in onx.graph.input))
    print("graph outputs: %s" % ", ".join(o.name for o in onx.graph.output))

    S = pd.DataFrame([f for _, f in SMOKE], columns=FEATURES)
    for c in NUMERIC:
        S[c] = f32(S[c].astype(float))
    for (name, _), k, q in zip(SMOKE, model.predict(S),
                               model.predict_proba(S)[:, 1]):
        print("smoke: %s: prediction %d, probability %.6f" % (name, k, q))


if __name__ == "__main__":
    main()
