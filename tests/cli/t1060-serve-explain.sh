#!/bin/sh
# mlops serve: POST /explain (a /predict body: one row; a /predict/batch
# body: rows) and OIP's /v2/models/{name}/explain answer the prediction
# with each input's contribution, the numbers predict --explain gives and
# XGBoost's pred_contribs; the answers fit the OpenAPI document. The real
# server on 127.0.0.1 and a random free port, stopped by PID.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

FIX=$MLOPS_SRC/tests/fixtures

# shap NAME: a bundle of tests/fixtures/shap/NAME.
shap() {
	model=$MLOPS_SRC/$(sed -n '1s/^# model: //p' "$FIX/shap/$1.yaml")
	fixture_project "$1" "$model" "$FIX/shap/$1.yaml" "$2"
	must "$MLOPS" -C "$1" package -q -o "$SCRATCH/$1.mlpkg"
}
shap xgb_credit_risk credit-risk
shap xgb_softprob softprob

# req PORT METHOD PATH [BODY]: sets CODE and BODY (also in resp.json).
req() {
	if [ $# -ge 4 ]; then
		CODE=$(curl -s -o resp.json -w '%{http_code}' -X "$2" \
			-H 'Content-Type: application/json' --data-binary "$4" \
			"http://127.0.0.1:$1$3")
	else
		CODE=$(curl -s -o resp.json -w '%{http_code}' -X "$2" "http://127.0.0.1:$1$3")
	fi
	BODY=$(cat resp.json)
}

P1=$(free_port)
start_serve s1.err "$P1" xgb_credit_risk.mlpkg
ok $? "serve the credit-risk model"
P2=$(free_port)
start_serve s2.err "$P2" xgb_softprob.mlpkg
ok $? "serve a multiclass model"

# The fixture's rows as request bodies: one, and three in each shape.
$PY - "$FIX/shap/xgb_credit_risk.rows.csv" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def typed(r):
    return {k: (None if v == "" else float(v)) for k, v in r.items()}
json.dump({"features": typed(rows[0])}, open("one.json", "w"))
json.dump({"features": typed(rows[0]), "top": 2}, open("one-top.json", "w"))
json.dump([typed(r) for r in rows[:3]], open("array.json", "w"))
json.dump({"instances": [typed(r) for r in rows[:3]], "top": 3}, open("instances.json", "w"))
json.dump({"columns": {k: [typed(r)[k] for r in rows[:3]] for k in rows[0]}}, open("columns.json", "w"))
json.dump({"inputs": [{"name": "x", "shape": [3, 8], "datatype": "FP64",
                       "data": [typed(r)[k] for r in rows[:3] for k in rows[0]]}]},
          open("oip.json", "w"))
PY
req "$P1" POST /explain "$(cat one.json)"
expect_eq "$CODE" 200 "POST /explain, one row: 200"
cp resp.json one.out.json
run $PY - one.out.json "$FIX/shap/xgb_credit_risk.contrib.csv" "$FIX/shap/xgb_credit_risk.margin.csv" <<'PY'
import csv, json, math, sys
a = json.load(open(sys.argv[1]))
want = next(csv.DictReader(open(sys.argv[2])))
margin = float(next(csv.DictReader(open(sys.argv[3])))["margin_0"])
c = a["contributions"]
assert list(c) == [k[8:] for k in want if k != "contrib_bias"], list(c)
for k, v in c.items():
    w = float(want["contrib_" + k])
    assert abs(v - w) <= 1e-6 * max(1, abs(w)), (k, v, w)
assert abs(a["bias"] - float(want["contrib_bias"])) <= 1e-6
s = sum(c.values()) + a["bias"]
assert abs(s - margin) <= 1e-5, (s, margin)
assert abs(1 / (1 + math.exp(-s)) - a["probability"]) <= 1e-6, (s, a["probability"])
assert a["prediction"] in (0, 1) and "explanation_time_ms" in a and "reasons" not in a
print("ok")
PY
expect_rc 0 "the contributions are XGBoost's pred_contribs, they sum to the margin, its sigmoid is the probability"
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR" "$(cat one.out.json)"

req "$P1" POST /explain "$(cat one-top.json)"
expect_eq "$CODE $(json_get resp.json '[r["feature"] for r in d["reasons"]] == sorted(d["contributions"], key=lambda k: -abs(d["contributions"][k]))[:2] and all(r["contribution"] == d["contributions"][r["feature"]] for r in d["reasons"])')" \
	"200 True" "\"top\": 2: the two largest, with their signs"
for b in array instances columns; do
	req "$P1" POST /explain "$(cat $b.json)"
	expect_eq "$CODE $(json_get resp.json 'len(d["predictions"]), d["predictions"][0]["contributions"] == json.load(open("one.out.json"))["contributions"]' 2>&1)" \
		"200 (3, True)" "a batch as $b: one explanation a row, the first the single row's"
	cp resp.json "$b.out.json"
done
expect_eq "$(json_get instances.out.json 'all(len(p["reasons"]) == 3 for p in d["predictions"])')" True \
	"\"top\" in a batch: reasons for every row"

# The numbers predict --explain writes for the same rows.
head -4 "$FIX/shap/xgb_credit_risk.rows.csv" > three.csv
run "$MLOPS" predict xgb_credit_risk.mlpkg -i three.csv --explain -o three.out.csv
expect_rc 0 "predict --explain the same rows"
run $PY - array.out.json three.out.csv <<'PY'
import csv, json, sys
served = json.load(open(sys.argv[1]))["predictions"]
cli = list(csv.DictReader(open(sys.argv[2])))
for s, c in zip(served, cli):
    for k, v in s["contributions"].items():
        assert abs(v - float(c["contrib_" + k])) <= 1e-8 * max(1, abs(v)), (k, v, c)
    assert abs(s["bias"] - float(c["contrib_bias"])) <= 1e-8
print("ok")
PY
expect_rc 0 "/explain and predict --explain agree"

# Errors: a broken row (422), a bad "top" (400), the wrong method (405).
req "$P1" POST /explain '{"features": {"income": "lots"}}'
expect_eq "$CODE $(json_get resp.json 'd["error"]')" "422 invalid input" "a row that breaks the contract: 422"
sed 's/}$/, "top": null}/' one.json > one-null.json
req "$P1" POST /explain "$(cat one-null.json)"
expect_eq "$CODE $(json_get resp.json '"reasons" in d')" "200 False" "\"top\": null is no top: 200, no reasons"
req "$P1" POST /explain '{"features": {}, "top": 0}'
expect_eq "$CODE" 400 "\"top\": 0: 400"
req "$P1" POST /explain '{"features": {}, "top": 1.5}'
expect_eq "$CODE" 400 "\"top\": 1.5: 400"
req "$P1" POST /explain '{'
expect_eq "$CODE" 400 "malformed JSON: 400"
req "$P1" GET /explain
expect_eq "$CODE" 405 "GET /explain: 405"

# Multiclass: per class label.
printf '{"features": {"f0": 0.5, "f1": -1, "f2": null, "f3": 2}, "top": 2}' > m.json
req "$P2" POST /explain "$(cat m.json)"
expect_eq "$CODE" 200 "multiclass /explain: 200"
cp resp.json m.out.json
run $PY - m.out.json <<'PY'
import json, math, sys
a = json.load(open(sys.argv[1]))
assert sorted(a["contributions"]) == ["0", "1", "2"] and sorted(a["bias"]) == ["0", "1", "2"], a
eta = {k: sum(v.values()) + a["bias"][k] for k, v in a["contributions"].items()}
top = max(eta.values())
p = {k: math.exp(v - top) for k, v in eta.items()}
z = sum(p.values())
for k in p:
    assert abs(p[k] / z - a["probabilities"][k]) <= 1e-6, (k, p[k] / z, a["probabilities"])
c = a["contributions"][str(a["prediction"])]
assert [r["feature"] for r in a["reasons"]] == sorted(c, key=lambda k: -abs(c[k]))[:2], a
print("ok")
PY
expect_rc 0 "one contribution vector per class; softmax of the sums is the probabilities; reasons of the predicted class"
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR"

# OIP: infer's outputs and a contributions tensor.
req "$P1" POST /v2/models/credit-risk/explain "$(cat oip.json)"
expect_eq "$CODE" 200 "POST /v2/models/{name}/explain: 200"
cp resp.json oip.out.json
run $PY - oip.out.json array.out.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
rest = json.load(open(sys.argv[2]))["predictions"]
outs = {o["name"]: o for o in a["outputs"]}
assert sorted(outs) == ["contributions", "prediction", "probabilities", "probability"], sorted(outs)
c = outs["contributions"]
assert c["datatype"] == "FP64" and c["shape"] == [3, 9], c["shape"]
names = c["parameters"]["features"]
assert names[-1] == "bias" and names[:-1] == list(rest[0]["contributions"]), names
for i, r in enumerate(rest):
    row = c["data"][i * 9:(i + 1) * 9]
    assert row[:-1] == [r["contributions"][k] for k in names[:-1]] and row[-1] == r["bias"], (row, r)
print("ok")
PY
expect_rc 0 "OIP: contributions [3, 9], columns named in its parameters, the bias last, the numbers of /explain"
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR"
req "$P1" POST /v2/models/credit-risk/explain \
	"$($PY -c 'import json; d=json.load(open("oip.json")); d["outputs"]=[{"name": "contributions"}]; print(json.dumps(d))')"
expect_eq "$CODE $(json_get resp.json '[o["name"] for o in d["outputs"]]')" "200 ['contributions']" \
	"\"outputs\" asks for contributions alone"
req "$P1" POST /v2/models/credit-risk/infer \
	"$($PY -c 'import json; d=json.load(open("oip.json")); d["outputs"]=[{"name": "contributions"}]; print(json.dumps(d))')"
expect_eq "$CODE" 400 "infer has no contributions output: 400"
req "$P2" POST /v2/models/softprob/versions/1.0.0/explain \
	'{"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP64", "data": [0.5, -1, 0, 2, 1, 1, 1, 1]}]}'
expect_eq "$CODE $(json_get resp.json '[(o["shape"], o.get("parameters", {}).get("classes")) for o in d["outputs"] if o["name"] == "contributions"]')" \
	"200 [([2, 3, 5], [0, 1, 2])]" "multiclass OIP: [n, classes, inputs + 1], the classes named"
req "$P1" POST /v2/models/other/explain "$(cat oip.json)"
expect_eq "$CODE" 404 "another model's explain: 404"
req "$P1" GET /v2/models/credit-risk/explain
expect_eq "$CODE" 405 "GET explain: 405"

# /metrics counts the routes; the answers fit the OpenAPI document.
req "$P1" GET /metrics
expect_match "$BODY" 'mlops_requests_total\{route="/explain",status="200",[^}]*\} [1-9]' "/metrics: /explain counted"
expect_match "$BODY" 'mlops_requests_total\{route="/v2/models/\{name\}/explain",status="200",[^}]*\} [1-9]' "and OIP's explain"
req "$P1" GET /openapi.json
cp resp.json openapi.json
run $PY - "$P1" <<'PY' 
import json, sys, urllib.request, urllib.error
url = f"http://127.0.0.1:{sys.argv[1]}"
def call(path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        r = urllib.request.urlopen(req)
        status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    p = path.replace("/credit-risk", "/{name}")
    return {"path": p, "method": "post", "status": status, "type": "application/json", "body": json.loads(text)}
ans = [call("/explain", json.load(open(f))) for f in ("one.json", "one-top.json", "array.json", "instances.json", "columns.json")]
ans.append(call("/explain", {"features": {"income": "lots"}}))
ans.append(call("/v2/models/credit-risk/explain", json.load(open("oip.json"))))
json.dump(ans, open("answers.json", "w"))
print([a["status"] for a in ans])
PY
expect_eq "$OUT" "[200, 200, 200, 200, 200, 422, 200]" "real answers collected"
run node "$MLOPS_SRC/tests/tools/openapi-check.js" openapi.json answers.json
expect_rc 0 "swagger-parser validates the document; every /explain answer fits it"
[ "$RC" -eq 0 ] || diag "$OUT"

# A model that cannot be explained: 501 and why; it still predicts.
fixture_project lt "$FIX/lightgbm/linear_tree.txt" "$FIX/lightgbm/linear_tree.yaml" lt
must "$MLOPS" -C lt package -q -o "$SCRATCH/lt.mlpkg"
P3=$(free_port)
start_serve s3.err "$P3" lt.mlpkg
ok $? "serve a LightGBM model with linear leaves"
ROW='{"features": {"age": 40, "income": 50000, "balance": 0, "plan": 1, "city": 2, "score": 0.5}}'
req "$P3" POST /explain "$ROW"
expect_eq "$CODE" 501 "/explain: 501"
expect_match "$(json_get resp.json 'd["error"]')" "cannot explain this model: tree 0 has linear leaves" "says why"
req "$P3" POST /predict "$ROW"
expect_eq "$CODE" 200 "/predict still answers"

done_testing
