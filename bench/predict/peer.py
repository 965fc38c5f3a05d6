#!/usr/bin/python3
"""The peer of mlops predict: what a user writes by hand with pandas and
xgboost (Debian's python3-pandas, python3-xgboost). Prints the seconds of
each phase: read, predict, write, and the whole.

  peer.py MODEL INPUT.csv OUTPUT.csv FEATURES(comma-separated)"""
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
X = df[F].to_numpy(dtype="float64")
t2 = time.perf_counter()
p = b.inplace_predict(X)
t3 = time.perf_counter()
pd.DataFrame({"row": range(1, len(p) + 1), "prediction": (p >= 0.5).astype(int),
              "probability": p}).to_csv(out, index=False)
t4 = time.perf_counter()
print(f"read {t1 - t0:.3f} predict {t3 - t2:.3f} write {t4 - t3:.3f} "
      f"total {t4 - t0:.3f}")
