"""The peer: what a user writes with pandas and scipy for the same report
(Evidently's choice above 1000 rows: normed Wasserstein for numeric
columns, Jensen-Shannon over category shares for the others). Prints the
statistics as JSON so the bench can check both give the same numbers."""
import json, sys
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
out = {}
for col in ref.columns:
    r, c = ref[col].dropna(), cur[col].dropna()
    if pd.api.types.is_numeric_dtype(r):
        out[col] = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
    else:
        keys = sorted(set(r) | set(c))
        rv, cv = r.value_counts(), c.value_counts()
        rs = np.array([rv.get(k, 0) for k in keys]) / len(r)
        cs = np.array([cv.get(k, 0) for k in keys]) / len(c)
        out[col] = float(jensenshannon(rs, cs))
json.dump(out, sys.stdout)
