"""The peer of bench/drift/full: the full report with pandas and scipy,
every applicable statistic of every column in one process (the files
read once). Numeric columns: ks, wasserstein (normed by the reference's
std, as Evidently does), psi and jensenshannon over Sturges bins of the
pooled values (psi smoothed as mlops documents); categorical columns:
chisquare (a contingency table), jensenshannon and psi over the category
shares. Prints {test: {column: statistic}} as JSON."""
import json, sys
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
out = {t: {} for t in ("ks", "wasserstein", "psi", "jensenshannon", "chisquare")}


def smooth(v):
    m = min(v[v != 0])
    np.place(v, v == 0, m / 1e6 if m <= 0.0001 else 0.0001)
    return v


for col in ref.columns:
    r, c = ref[col].dropna(), cur[col].dropna()
    if pd.api.types.is_numeric_dtype(r):
        a, b = r.to_numpy(), c.to_numpy()
        out["ks"][col] = stats.ks_2samp(a, b).statistic
        out["wasserstein"][col] = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
        edges = np.histogram_bin_edges(np.concatenate([a, b]), "sturges")
        rs = np.histogram(a, edges)[0] / len(a)
        cs = np.histogram(b, edges)[0] / len(b)
    else:
        keys = sorted(set(r) | set(c))
        rv, cv = r.value_counts(), c.value_counts()
        rc = np.array([rv.get(k, 0) for k in keys])
        cc = np.array([cv.get(k, 0) for k in keys])
        out["chisquare"][col] = stats.chi2_contingency(np.array([rc, cc]))[0]
        rs, cs = rc / len(r), cc / len(c)
    out["jensenshannon"][col] = float(jensenshannon(rs, cs))
    rs, cs = smooth(rs.astype(float)), smooth(cs.astype(float))
    out["psi"][col] = float(np.sum((cs - rs) * np.log(cs / rs)))
json.dump(out, sys.stdout)
