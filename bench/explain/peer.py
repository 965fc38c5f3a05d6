#!/usr/bin/python3
"""The peer of mlops predict --explain: pandas and xgboost (Debian's
python3-pandas, python3-xgboost 1.7), Booster.predict(pred_contribs=True)
on every core. Prints the seconds of each phase.

  peer.py MODEL INPUT.csv OUTPUT.csv FEATURES(comma-separated)

read: pandas.read_csv; predict: the prediction alone on the parsed
matrix; contribs: pred_contribs on the same DMatrix; write: the
contributions to CSV; total: all of it."""
import sys
import time

import pandas as pd
import xgboost as xgb

model, inp, out, feats = sys.argv[1:5]
F = feats.split(",")
t0 = time.perf_counter()
df = pd.read_csv(inp)
t1 = time.perf_counter()
b = xgb.Booster()
b.load_model(model)
dm = xgb.DMatrix(df[F].to_numpy(dtype="float64"), feature_names=F)
t2 = time.perf_counter()
b.predict(dm)
t3 = time.perf_counter()
c = b.predict(dm, pred_contribs=True)
t4 = time.perf_counter()
pd.DataFrame(c, columns=["contrib_" + f for f in F] + ["contrib_bias"]).to_csv(
    out, index=False)
t5 = time.perf_counter()
print(f"read {t1 - t0:.3f} predict {t3 - t2:.3f} contribs {t4 - t3:.3f} "
      f"write {t5 - t4:.3f} total {t5 - t0:.3f}")
