#!/bin/sh
# Live drift in mlops serve: the rows it scores, binned per feature over a
# sliding window, against the profile the bundle carries. The window's
# PSI and Jensen-Shannon equal numpy/scipy's on the same rows and bins;
# /drift, /metrics gauges (promtool-clean), --drift-window 0.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve serve.err "$PORT" b.mlpkg --drift-window 1000 -q
ok $? "mlops serve starts and gets ready"
# The profile package made: the same data, signature and sample size.
must "$MLOPS" -C proj drift profile data/reference.csv --signature --sample 2000 -o "$SCRATCH/profile.json" -q

# send FILE FIRST: rows FIRST..FIRST+999 in batches of 250 (one window
# epoch each, so the window holds exactly the last 1000 rows sent).
send() {
	$PY - "$URL" "$1" "$2" <<'PY'
import csv, json, sys, urllib.request
url, path, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [{k: (None if v == "" else (v == "1" if k == "has_prior_default" else float(v)))
         for k, v in r.items() if k != "default"} for r in csv.DictReader(open(path))]
rows = rows[first:first + 1000]
for i in range(0, 1000, 250):
    req = urllib.request.Request(url + "/predict/batch", json.dumps(rows[i:i + 250]).encode(),
                                 {"Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 200
PY
}
# expect FILE FIRST: PSI and JS per feature from the bundle's profile
# (its histogram edges and category counts) and those rows, in Python.
expect() {
	$PY - "$1" "$2" <<'PY'
import csv, json, sys, numpy as np
from scipy.spatial.distance import jensenshannon
prof = {c["name"]: c for c in json.load(open("bundle_profile.json"))["columns"]}
rows = list(csv.DictReader(open(sys.argv[1])))[int(sys.argv[2]):int(sys.argv[2]) + 1000]
def smooth(v):
    v = v.copy(); m = min(v[v != 0]); np.place(v, v == 0, m / 1e6 if m <= 0.0001 else 0.0001); return v
out = {}
for name, c in prof.items():
    if name == "prediction":
        continue
    vals = [r[name] for r in rows if r[name] != ""]
    if c["type"] == "numeric":
        k = len(c["histogram"]); w = (c["max"] - c["min"]) / k
        cur = np.zeros(k)
        for v in map(float, vals):
            cur[0 if v <= c["min"] else min(int(np.floor((v - c["min"]) / w)), k - 1)] += 1
        ref = np.array(c["histogram"]) / c["count"]
    else:
        cats = list(c["categories"])
        ref = np.array([c["categories"][x] for x in cats] + [0]) / c["count"]
        cur = np.zeros(len(cats) + 1)
        for v in vals:
            name_v = "true" if v == "1" else "false"
            cur[cats.index(name_v) if name_v in cats else len(cats)] += 1
    cs = cur / cur.sum()
    r, s = smooth(ref), smooth(cs)
    out[name] = [float(np.sum((s - r) * np.log(s / r))), float(jensenshannon(ref, cs))]
print(json.dumps(out, sort_keys=True))
PY
}
got() {
	curl -s "$URL/drift" | $PY -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps({f["feature"]: [f["psi"], f["jensenshannon"]] for f in d["features"]}, sort_keys=True))'
}
$PY -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' profile.json > bundle_profile.json

# same GOT WANT: every feature's two numbers agree to the 9 digits served.
same() {
	$PY -c '
import json, sys
g, w = json.loads(sys.argv[1]), json.loads(sys.argv[2])
bad = [k for k in w if k not in g or any(abs(a - b) > 1e-8 * max(1e-3, abs(b)) for a, b in zip(g[k], w[k]))]
print("ok" if g.keys() == w.keys() and not bad else "differ: %s\n%s\n%s" % (bad, g, w))' "$1" "$2"
}
send proj/data/reference.csv 0
expect_eq "$(same "$(got)" "$(expect proj/data/reference.csv 0)")" ok "reference rows: the window's PSI and JS equal Python's on the same rows"
expect_eq "$(curl -s "$URL/drift" | $PY -c 'import json,sys; d=json.load(sys.stdin); print([f["feature"] for f in d["features"] if f["drifted"]])')" \
	"[]" "no feature drifts on reference rows"
send proj/data/current.csv 0
expect_eq "$(same "$(got)" "$(expect proj/data/current.csv 0)")" ok "after 1000 current rows the window holds exactly them"
curl -s "$URL/drift" > drift.json
expect_eq "$(json_get drift.json '[f["feature"] for f in d["features"] if f["drifted"]], d["prediction"]["drifted"], d["window"], d["rows_seen"]')" \
	"(['income', 'debt_ratio'], True, 1000, 2000)" "the planted drift is found live, and the predictions' drift"
curl -s "$URL/metrics" > metrics.txt
expect_match "$(cat metrics.txt)" 'mlops_feature_drift\{model="credit-risk",feature="income",test="psi"\} [0-9.]+' "a gauge per feature and test"
expect_match "$(cat metrics.txt)" 'mlops_feature_drift\{model="credit-risk",feature="prediction",test="jensenshannon"\}' "and for the prediction"
promtool check metrics < metrics.txt > promtool.out 2>&1
ok $? "promtool is happy"
kill "$SPID"

PORT=$(free_port)
timeout 60 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT" --drift-window 0 -q &
S2=$!
at_exit "kill $S2 2>/dev/null"
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.05; done
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/drift")" 404 "--drift-window 0: no live drift, /drift is 404"
expect_no_match "$(curl -s "http://127.0.0.1:$PORT/metrics")" "mlops_feature_drift" "and no gauges"
kill "$S2"
done_testing
