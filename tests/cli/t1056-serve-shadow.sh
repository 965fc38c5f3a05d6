#!/bin/sh
# mlops serve --shadow: a candidate answers a copy of the live prediction
# requests, off the request path, and never a client. The same bundle as
# its own shadow agrees on every row; a candidate whose probabilities
# moved disagrees on exactly the rows Python's xgboost says, and those
# rows (with their features and both answers) go to the bounded sample;
# client answers are byte-equal with and without a shadow; a full queue
# drops copies and counts them; the live counters never see the shadow's
# work; /shadow, /metrics (promtool) and the access log.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
# v3 predicts from another base score: every probability moves.
sed -i 's/^version: .*/version: 1.2.0/' proj/mlops.yaml
cp proj/model/model.json v1-model.json
sed -i 's/"base_score":"5E-1"/"base_score":"9E-1"/' proj/model/model.json
must "$MLOPS" -C proj package -q -o "$SCRATCH/v3.mlpkg"
cp proj/model/model.json v3-model.json
mkdir hp
cp -R "$MLOPS_SRC/examples/house-prices/." hp/
rm -rf hp/*.mlpkg hp/.mlops
must "$MLOPS" -C hp package -q -o "$SCRATCH/hp.mlpkg"

post() { # post URL BODYFILE OUT [ID]: the answer's body in OUT, its status printed
	curl -s -o "$3" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		${4:+-H "X-Request-Id: $4"} --data-binary @"$2" "$1"
}
# compared URL N: waits (bounded) until the shadow has compared N requests.
compared() {
	for _ in $(seq 600); do
		[ "$(curl -s "$1/shadow" | $PY -c 'import json,sys; print(json.load(sys.stdin)["requests"]["compared"])' 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# The golden rows (those without missing values), as a batch; one row;
# three rows as an OIP tensor; an invalid row.
cat > rows.py <<'PY'
import csv, json
F = "income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
rows = [{k: (float(r[k]) if k != "has_prior_default" else r[k] == "1") for k in F}
        for r in csv.DictReader(open("proj/data/golden.csv"))
        if all(r[k] != "" for k in F)][:200]
json.dump({"instances": rows}, open("batch.json", "w"))
json.dump({"features": rows[7]}, open("one.json", "w"))
json.dump({"inputs": [{"name": "x", "shape": [3, 8], "datatype": "FP64",
                       "data": [[float(r[k]) for k in F] for r in rows[:3]]}]}, open("oip.json", "w"))
json.dump({"features": dict(rows[0], credit_score=9000)}, open("bad.json", "w"))
json.dump(rows, open("rows.json", "w"))
PY
must $PY rows.py
# What Python's xgboost says the two versions predict for those rows.
cat > want.py <<'PY'
import json, numpy as np, xgboost as xgb
F = "income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
rows = json.load(open("rows.json"))
X = np.array([[float(r[k]) for k in F] for r in rows])
p = {}
for v in ("v1", "v3"):
    b = xgb.Booster(); b.load_model(v + "-model.json")
    p[v] = b.predict(xgb.DMatrix(X, feature_names=F))
json.dump({"p1": p["v1"].tolist(), "p3": p["v3"].tolist()}, open("probs.json", "w"))
d = (p["v1"] >= 0.5) != (p["v3"] >= 0.5)
print(int(d.sum()), len(rows), float(np.mean(p["v3"] - p["v1"])))
PY
$PY want.py > want.txt
read WANT_DIS WANT_ROWS WANT_MEAN < want.txt
ok $([ "$WANT_DIS" -gt 5 ] && [ "$WANT_DIS" -lt "$WANT_ROWS" ] && echo 0 || echo 1) \
	"the candidate disagrees with v1 on some rows, not all ($WANT_DIS of $WANT_ROWS, by xgboost)"

# --- Refused ---
run "$MLOPS" serve v1.mlpkg --shadow-sample s.jsonl --listen 127.0.0.1:0
expect_rc 2 "--shadow-sample without --shadow: exit 2"
run "$MLOPS" serve v1.mlpkg --shadow v1.mlpkg --shadow-tolerance -1 --listen 127.0.0.1:0
expect_rc 2 "a negative --shadow-tolerance: exit 2"
run "$MLOPS" serve v1.mlpkg --shadow nothere.mlpkg --listen 127.0.0.1:0
expect_rc 4 "a --shadow bundle that does not exist: exit 4"
run "$MLOPS" serve --state st v1.mlpkg --shadow v3.mlpkg --listen 127.0.0.1:0
expect_rc 2 "--shadow on a fleet instance (its admin API starts shadows): exit 2"

# --- The same bundle as its own shadow ---
serve_bg same.log v1.mlpkg --shadow v1.mlpkg --shadow-sample same.jsonl --log-file same-access.log
ok $([ -n "$URL" ] && echo 0 || echo 1) "serve with a shadow"
expect_match "$(cat same.log)" "shadow credit-risk 1.0.0 \(sha256:[0-9a-f]{64}\): a copy of the prediction requests" "the shadow is announced"
expect_eq "$(post "$URL/predict/batch" batch.json out.json)" 200 "a batch of $WANT_ROWS rows"
expect_eq "$(post "$URL/predict" one.json out.json)" 200 "one row"
expect_eq "$(post "$URL/v2/models/credit-risk/infer" oip.json out.json)" 200 "3 rows through OIP"
expect_eq "$(post "$URL/predict" bad.json out.json)" 422 "an invalid row"
curl -s -o /dev/null "$URL/model/info"
compared "$URL" 4
ok $? "the shadow compared the 4 prediction requests (not /model/info)"
curl -s "$URL/shadow" > same.json
expect_eq "$(json_get same.json 'd["rows"]["compared"], d["rows"]["disagreed"], d["agreement"], d["difference"]["abs_max"], d["live"]["errors"], d["shadow"]["errors"], d["requests"]["dropped"], d["compares"]')" \
	"($((WANT_ROWS + 4)), 0, 1.0, 0.0, 1, 1, 0, 'predicted labels')" \
	"the same bundle: 100% agreement, no difference, the 422 an error of each side"
expect_eq "$(wc -c < same.jsonl)" 0 "no disagreement: the sample is empty"
expect_match "$(curl -s "$URL/metrics")" "mlops_rows_predicted_total $((WANT_ROWS + 4))" \
	"the live counters count the clients' rows only, not the shadow's"
curl -s "$URL/models/credit-risk/shadow" > same2.json
expect_eq "$(json_get same2.json 'd["model"], d["shadow_version"]')" "('credit-risk', '1.0.0')" "GET /models/NAME/shadow"

# --- A candidate that disagrees, beside a server without a shadow ---
serve_bg diff.log v1.mlpkg --shadow v3.mlpkg --shadow-sample diff.jsonl --shadow-sample-max 5
DIFF=$URL
serve_bg plain.log v1.mlpkg
PLAIN=$URL
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$PLAIN/shadow")" 404 "GET /shadow without a shadow: 404"
same_answers=0
for f in oip.json batch.json one.json bad.json; do
	case $f in oip.json) path=/v2/models/credit-risk/infer ;; batch.json) path=/predict/batch ;; *) path=/predict ;; esac
	# The same request id: answers carry it (the rows' ids).
	post "$DIFF$path" $f a.out "same-$f" > /dev/null
	post "$PLAIN$path" $f b.out "same-$f" > /dev/null
	# The one thing that may differ: the time the model took.
	sed 's/"inference_time_ms":[0-9.e-]*//' a.out > a.cmp
	sed 's/"inference_time_ms":[0-9.e-]*//' b.out > b.cmp
	cmp -s a.cmp b.cmp && [ -s a.cmp ] && same_answers=$((same_answers + 1))
done
expect_eq "$same_answers" 4 "client answers are byte-equal with and without a shadow (OIP, batch, one row, a 422)"
compared "$DIFF" 4
ok $? "the candidate compared the 4 requests"
curl -s "$DIFF/shadow" > diff.json
# one.json is golden row 7 and oip.json rows 0-2: their disagreements count too.
$PY - "$WANT_DIS" <<'PY' > want2.txt
import json, sys
p = json.load(open("probs.json"))
dis = lambda i: (p["p1"][i] >= 0.5) != (p["p3"][i] >= 0.5)
print(int(sys.argv[1]) + dis(7) + sum(dis(i) for i in range(3)))
PY
WANT_ALL=$(cat want2.txt)
expect_eq "$(json_get diff.json 'd["rows"]["compared"], d["rows"]["disagreed"]')" "($((WANT_ROWS + 4)), $WANT_ALL)" \
	"disagreements: the rows where xgboost's labels differ ($WANT_ALL)"
expect_eq "$(json_get diff.json 'abs(d["agreement"] - (1 - '"$WANT_ALL"' / '"$((WANT_ROWS + 4))"')) < 1e-9, d["shadow_version"], d["live_version"]')" \
	"(True, '1.2.0', '1.0.0')" "agreement and versions"
expect_eq "$(json_get diff.json 'd["difference"]["abs_max"] > 0, d["difference"]["abs_p50"] <= d["difference"]["abs_p99"] <= d["difference"]["abs_max"]')" \
	"(True, True)" "score differences: quantiles in order"
expect_eq "$(json_get diff.json 'd["live"]["latency_ms"]["p50"] > 0, d["shadow"]["latency_ms"]["p99"] > 0, len(d["recent_disagreements"])')" \
	"(True, True, 5)" "latency of both sides; the last disagreements"
expect_eq "$(wc -l < diff.jsonl)" 5 "the sample holds --shadow-sample-max (5) rows"
expect_eq "$($PY - <<'PY'
import json
p = json.load(open("probs.json"))
rows = json.load(open("rows.json"))
bad = 0
lines = [json.loads(l) for l in open("diff.jsonl")]
for l in lines:
    i = l["row"]  # the batch came first: its rows are the golden rows
    r = rows[i]
    feats = {k: (bool(v) if k == "has_prior_default" else float(v)) for k, v in l["features"].items()}
    bad += feats != {k: (v if k == "has_prior_default" else float(v)) for k, v in r.items()}
    bad += l["live"]["prediction"] == l["shadow"]["prediction"]
    bad += abs(l["live"]["probability"] - p["p1"][i]) > 1e-6
    bad += abs(l["shadow"]["probability"] - p["p3"][i]) > 1e-6
    bad += abs(l["difference"] - (p["p3"][i] - p["p1"][i])) > 1e-6
    bad += (l["model"], l["live_version"], l["shadow_version"]) != ("credit-risk", "1.0.0", "1.2.0")
print(len(lines), bad)
PY
)" "5 0" "each sampled row: its features as sent, both answers as xgboost computes them, the difference"

curl -s "$DIFF/metrics" > metrics.txt
run promtool check metrics < metrics.txt
expect_rc 0 "promtool check metrics is clean with shadow series"
[ -z "$OUT$ERR" ] || diag "$OUT" "$ERR"
expect_match "$(cat metrics.txt)" "^mlops_shadow_rows_total\\{model=\"credit-risk\"\\} $((WANT_ROWS + 4))\$" "mlops_shadow_rows_total"
expect_match "$(cat metrics.txt)" "^mlops_shadow_rows_agreed_total\\{model=\"credit-risk\"\\} $((WANT_ROWS + 4 - WANT_ALL))\$" "mlops_shadow_rows_agreed_total"
expect_match "$(cat metrics.txt)" '^mlops_shadow_answers_total\{model="credit-risk",side="shadow",status="422"\} 1$' "answers by side and status"
expect_match "$(cat metrics.txt)" '^mlops_shadow_duration_seconds_count\{model="credit-risk",side="live"\} 4$' "latency by side"
expect_match "$(cat metrics.txt)" '^mlops_shadow_predictions_bucket\{model="credit-risk",side="shadow",le="0.95"\} [0-9]+$' "predictions by side, on the live edges"
expect_match "$(cat metrics.txt)" '^mlops_shadow_score_difference_count\{model="credit-risk"\} '"$((WANT_ROWS + 4))"'$' "the difference histogram"
expect_match "$(cat metrics.txt)" '^mlops_shadow_dropped_total\{model="credit-risk"\} 0$' "nothing dropped"
expect_match "$(cat metrics.txt)" '^mlops_shadow_info\{model="credit-risk",shadow_version="1.2.0",shadow_digest="sha256:[0-9a-f]{64}"\} 1$' "which shadow"
expect_eq "$(curl -s "$PLAIN/metrics" | grep -c mlops_shadow_)" 0 "no shadow, no shadow series"

# The comparison read while the worker changes it: its list of recent
# disagreements once went out by reference and was freed mid-write.
$PY -c 'import json; json.dump(json.load(open("rows.json"))[:20], open("twenty.json", "w"))'
timeout 120 "$MLOPS_SRC/tests/tools/load-gen" "$DIFF/predict/batch" twenty.json stop count poll-load.json 2 &
polled=0
for _ in $(seq 300); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$DIFF/shadow")" = 200 ] && polled=$((polled + 1))
done
touch stop
for _ in $(seq 600); do [ -s poll-load.json ] && break; sleep 0.05; done
rm -f stop count
expect_eq "$polled $(json_get poll-load.json 'd["failures"]')" "300 0" \
	"GET /shadow 300 times while the shadow compares: every answer 200, the server up"

# --- A full queue: copies dropped and counted, clients unaffected ---
serve_bg drop.log v1.mlpkg --shadow v3.mlpkg --shadow-queue 1 --threads 4
$PY -c '
import json
rows = json.load(open("rows.json"))
json.dump((rows * 10)[:2000], open("big.json", "w"))'
seq 60 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST --data-binary @big.json "$URL/predict/batch" > codes.txt
expect_eq "$(sort -u codes.txt | tr '\n' ' ')" "200 " "60 concurrent batches of 2000 rows: all answered"
for _ in $(seq 600); do
	curl -s "$URL/shadow" > drop.json
	[ "$(json_get drop.json 'd["queue"]["length"] == 0 and d["requests"]["compared"] == d["requests"]["mirrored"]')" = True ] && break
	sleep 0.05
done
expect_eq "$(json_get drop.json 'd["requests"]["mirrored"] + d["requests"]["dropped"], d["requests"]["dropped"] > 0, d["queue"]["capacity"]')" \
	"(60, True, 1)" "a queue of 1: copies dropped when full, every request mirrored or dropped"
expect_match "$(curl -s "$URL/metrics")" 'mlops_shadow_dropped_total\{model="credit-risk"\} [1-9][0-9]*' "mlops_shadow_dropped_total counts them"

# --- A regression model: values within the tolerance ---
serve_bg hp.log hp.mlpkg --shadow hp.mlpkg
printf '{"features":{"area_m2":105.4,"rooms":3,"age_years":89,"distance_km":10.0,"has_garden":true,"energy_class":"A"}}' > hp.json
expect_eq "$(post "$URL/predict" hp.json out.json)" 200 "a regression model with its own shadow"
compared "$URL" 1
curl -s "$URL/shadow" > hp-shadow.json
expect_eq "$(json_get hp-shadow.json 'd["agreement"], d["compares"], d["tolerance"]')" \
	"(1.0, 'values, within the tolerance', 1e-06)" "agreement of values, within the tolerance"
expect_match "$(cat same-access.log)" '"route":"/predict/batch","status":200,.*"model":"credit-risk"' "the access log names the model"
kill "$SPID"

# --- serve --shadow outlasts an unload of its model: a load brings both ---
export MLOPS_ADMIN_KEY=shadow-admin-key-1234
serve_bg un.log v1.mlpkg hp.mlpkg --shadow v3.mlpkg --admin-listen 127.0.0.1:0
expect_eq "$(post "$URL/models/credit-risk/predict" one.json out.json)" 200 "two models, credit-risk shadowed"
compared "$URL/models/credit-risk" 1
ok $? "the shadow compared it"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/credit-risk/unload")" \
	200 "unload credit-risk"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/models/credit-risk/shadow")" 404 "no shadow while it is unloaded"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/credit-risk/load")" \
	200 "load it again"
expect_eq "$(post "$URL/models/credit-risk/predict" one.json out.json)" 200 "it answers"
compared "$URL/models/credit-risk" 2
ok $? "and its shadow is back, its figures kept"
kill "$SPID"
done_testing
