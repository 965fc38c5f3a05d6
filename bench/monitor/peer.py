"""The peer: what a user writes with pandas and scikit-learn for the same
report: the store's join read with pandas.read_sql, the answers and labels
parsed, then sklearn's metrics per version over the week and per UTC day.
Prints {"VERSION total|DAY": {metric: value}} so that the bench can check
both give the same numbers.
    peer.py DB"""
import json
import sqlite3
import sys

import numpy as np
import pandas as pd
from sklearn import metrics as M

db = sqlite3.connect(sys.argv[1])
df = pd.read_sql("SELECT p.ts_ms, p.version, p.outputs, f.label FROM "
                 "mlops_predictions p JOIN mlops_feedback f ON f.id = p.id "
                 "ORDER BY p.ts_ms, p.seq", db)
out = pd.json_normalize(df["outputs"].map(json.loads))
df["pred"] = out["prediction"].astype(int)
df["p"] = out["probability"].astype(float)
df["y"] = df["label"].map(json.loads).astype(int)
df["day"] = pd.to_datetime(df["ts_ms"], unit="ms", utc=True).dt.strftime("%Y-%m-%d")


def scores(g):
    y, pr, p = g["y"].to_numpy(), g["pred"].to_numpy(), g["p"].to_numpy()
    return {"accuracy": M.accuracy_score(y, pr), "precision": M.precision_score(y, pr),
            "recall": M.recall_score(y, pr), "f1": M.f1_score(y, pr),
            "auc": M.roc_auc_score(y, p), "log_loss": M.log_loss(y, p, labels=[0, 1])}


res = {}
for v, g in df.groupby("version", sort=False):
    res[f"{v} total"] = scores(g)
    for d, gd in g.groupby("day", sort=True):
        res[f"{v} {d}"] = scores(gd)
json.dump(res, sys.stdout)
