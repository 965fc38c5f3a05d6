#!/bin/sh
# mlops serve with several models: BUNDLE ... and --models DIR. Each
# model (XGBoost binary and multiclass, the GLM, ONNX, LightGBM) answers
# by name what `mlops predict` gives for its bundle, through REST and the
# Open Inference Protocol; the repository index; /predict with one model,
# a default or neither; load and unload by the admin API and by SIGHUP
# with the directory changed, under continuous load without a failed
# request; a failed load that leaves the others serving (log, index,
# metric); the model label in metrics (promtool) and the access log.
. "$(dirname "$0")/lib.sh"

ADMIN_KEY=multi-admin-key-0815
export MLOPS_ADMIN_KEY="$ADMIN_KEY"
FIX=$MLOPS_SRC/tests/fixtures/lightgbm
for e in credit-risk house-prices wine-quality churn-sklearn; do
	mkdir -p "ex/$e"
	cp -R "$MLOPS_SRC/examples/$e/." "ex/$e/"
	rm -rf "ex/$e"/*.mlpkg "ex/$e/.mlops"
	sed -i 's/^  latency_p95_ms: .*$/  latency_p95_ms: "<= 60000"/' "ex/$e/mlops.yaml"
	must "$MLOPS" -C "ex/$e" package -q -o "$SCRATCH/$e.mlpkg"
done
fixture_project lgbm "$FIX/binary_codes.txt" "$FIX/binary_codes.yaml" lgbm-codes
must "$MLOPS" -C lgbm package -q -o "$SCRATCH/lgbm-codes.mlpkg"
# credit-risk 1.1.0: the same model under another version.
sed -i 's/^version: .*/version: 1.1.0/' ex/credit-risk/mlops.yaml
must "$MLOPS" -C ex/credit-risk package -q -o "$SCRATCH/credit-risk-2.mlpkg"
MODELS="credit-risk house-prices wine-quality churn-sklearn lgbm-codes"

req() { http_req "$@"; }
areq() { # areq METHOD PATH: the admin API, with its key
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$1" -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN$2")
	BODY=$(cat resp.txt)
}
index() { # index URL: "name:version:state ..." of the repository index
	curl -s -X POST "$1/v2/repository/index" | $PY -c 'import json,sys; print(" ".join("%s:%s:%s" % (e["name"], e["version"], e["state"]) for e in json.load(sys.stdin)))'
}
wait_for() { # wait_for CMD WANT: polls (bounded) until CMD prints WANT
	for _ in $(seq 600); do [ "$(eval "$1")" = "$2" ] && return 0; sleep 0.05; done
	return 1
}

# --- What is refused at start ---
run "$MLOPS" serve credit-risk.mlpkg credit-risk-2.mlpkg --listen 127.0.0.1:0
expect_rc 3 "two bundles of one model name: exit 3"
expect_match "$ERR" "two entries serve the model 'credit-risk': credit-risk.mlpkg and credit-risk-2.mlpkg" \
	"the error names the model and both entries"
run "$MLOPS" serve --models nothere --listen 127.0.0.1:0
expect_rc 4 "--models DIR that does not exist: exit 4"
mkdir empty
run "$MLOPS" serve --models empty --listen 127.0.0.1:0
expect_rc 2 "--models DIR without a model: exit 2"
expect_match "$ERR" "holds no model" "and says so"
run "$MLOPS" serve credit-risk.mlpkg house-prices.mlpkg --root empty
expect_rc 2 "several models and --root: exit 2"
run "$MLOPS" serve credit-risk.mlpkg house-prices.mlpkg --expect-digest "sha256:$(printf '%064d' 0)"
expect_rc 2 "several models and --expect-digest: exit 2"
run "$MLOPS" serve credit-risk.mlpkg house-prices.mlpkg --default-model nope --listen 127.0.0.1:0
expect_rc 2 "--default-model naming no model served: exit 2"
expect_match "$ERR" '--default-model nope: no model of that name is served \(\["credit-risk","house-prices"\]\)' "names those served"
run "$MLOPS" serve credit-risk.mlpkg --default-model credit-risk
expect_rc 2 "--default-model with one model: exit 2"

# --- Five models, one server ---
serve_bg multi.log credit-risk.mlpkg house-prices.mlpkg wine-quality.mlpkg churn-sklearn.mlpkg \
	lgbm-codes.mlpkg --admin-listen 127.0.0.1:0 --log-file access.log
ok $([ -n "$URL" ] && [ -n "$ADMIN" ] && echo 0 || echo 1) "serve five bundles at once"
[ -n "$URL" ] || diag "$(cat multi.log)"
expect_match "$(cat multi.log)" "loaded lgbm-codes 1.0.0 \(sha256:[0-9a-f]{64}\) from lgbm-codes.mlpkg" "each load is logged"
req GET "$URL/health/ready"
expect_eq "$CODE $BODY" '200 {"ready":true,"models":5}' "ready: every model loaded is"
expect_eq "$(index "$URL")" \
	"churn-sklearn:1.0.0:READY credit-risk:1.0.0:READY house-prices:1.0.0:READY lgbm-codes:1.0.0:READY wine-quality:1.0.0:READY" \
	"POST /v2/repository/index: Triton's entries, by name"
req GET "$URL/v2/repository/index"
expect_eq "$CODE $(printf '%s' "$BODY" | $PY -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]))')" \
	"200 ['name', 'reason', 'state', 'version']" "GET too, with name, version, state, reason"
req POST "$URL/v2/repository/index" '{"ready":"yes"}'
expect_eq "$CODE" 400 "an index filter that is not a boolean: 400"
req POST "$URL/predict" '{"features":{}}'
expect_eq "$CODE" 400 "/predict with several models and no default: 400"
expect_match "$BODY" "5 models are served \(churn-sklearn, credit-risk, house-prices, lgbm-codes, wine-quality\): name one" \
	"the answer names the models"
req GET "$URL/model/info"
expect_eq "$CODE" 400 "/model/info too"

# Each model answers what `mlops predict` gives for its bundle.
golden() { case $1 in lgbm-codes) echo "$FIX/binary_codes.rows.csv" ;; *) echo "$MLOPS_SRC/examples/$1/data/golden.csv" ;; esac; }
cat > rows.py <<'PY'
import csv, json, sys
rows = []
for r in csv.DictReader(open(sys.argv[1])):
    o = {}
    for k, v in r.items():
        if v == "":
            o[k] = None
            continue
        try:
            o[k] = float(v)
        except ValueError:
            o[k] = v
    rows.append(o)
json.dump({"instances": rows[:40]}, sys.stdout)
PY
cat > same.py <<'PY'
import json, sys
served = json.load(open(sys.argv[1]))["predictions"]
local = [json.loads(l) for l in open(sys.argv[2])][:len(served)]
def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))
bad = 0
for s, l in zip(served, local):
    if isinstance(l["prediction"], float) or isinstance(s["prediction"], float):
        bad += not close(float(s["prediction"]), float(l["prediction"]))
    else:
        bad += s["prediction"] != l["prediction"]
    if "probability" in l:
        bad += not close(s["probability"], l["probability"])
    for k, p in l.get("probabilities", {}).items():
        bad += not close(s["probabilities"][k], p)
print(len(served), bad)
PY
for m in $MODELS; do
	$PY rows.py "$(golden $m)" > "rows-$m.json"
	req POST "$URL/models/$m/predict/batch" "$(cat "rows-$m.json")"
	printf '%s' "$BODY" > "served-$m.json"
	expect_eq "$CODE" 200 "$m: POST /models/$m/predict/batch"
	run "$MLOPS" predict "$m.mlpkg" -i "$(golden $m)" --format jsonl -o "local-$m.jsonl" --on-invalid null
	expect_rc 0 "$m: mlops predict"
	expect_eq "$($PY same.py "served-$m.json" "local-$m.jsonl")" "40 0" \
		"$m: the server's 40 answers are mlops predict's"
done
req POST "$URL/models/credit-risk/predict" '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}'
expect_match "$CODE $BODY" '^200 \{"prediction":0,"probability":0\.0276' "POST /models/credit-risk/predict"
req GET "$URL/models/house-prices/info"
printf '%s' "$BODY" > hp-info.json
expect_eq "$CODE $(json_get hp-info.json 'd["name"], d["runtime"], d["task"]')" \
	"200 ('house-prices', 'glm', 'regression')" "GET /models/house-prices/info"
req POST "$URL/models/nope/predict" '{"features":{}}'
expect_eq "$CODE" 404 "an unknown model: 404"
expect_match "$BODY" "no model named 'nope' here \(loaded: churn-sklearn, credit-risk" "naming those loaded"
req GET "$URL/models/credit-risk/health/ready"
expect_eq "$CODE" 404 "server routes are not per model"

# The Open Inference Protocol by model name.
req POST "$URL/v2/models/wine-quality/infer" "$($PY -c '
import json
rows = json.load(open("rows-wine-quality.json"))["instances"][:3]
print(json.dumps({"inputs": [{"name": k, "shape": [3], "datatype": "BYTES" if isinstance(rows[0][k], str) else "FP64", "data": [r[k] for r in rows]} for k in rows[0] if k != "grade"]}))')"
printf '%s' "$BODY" > oip-wine.json
expect_eq "$CODE $(json_get oip-wine.json 'd["model_name"], d["outputs"][0]["data"] == [p["prediction"] for p in json.load(open("served-wine-quality.json"))["predictions"][:3]]')" \
	"200 ('wine-quality', True)" "OIP infer by name: the same classes as REST"
req GET "$URL/v2/models/churn-sklearn/versions/1.0.0/ready"
expect_eq "$CODE $BODY" '200 {"name":"churn-sklearn","ready":true}' "OIP: a model's readiness, by version"
req GET "$URL/v2/models/nope/ready"
expect_eq "$CODE" 404 "OIP: an unknown model, 404"
req GET "$URL/v2/models/lgbm-codes"
printf '%s' "$BODY" > lgbm-meta.json
expect_eq "$CODE $(json_get lgbm-meta.json 'd["name"], d["platform"]')" "200 ('lgbm-codes', 'mlops_lightgbm')" "OIP: model metadata"
req POST "$URL/v2/repository/models/credit-risk/unload"
expect_eq "$CODE" 404 "load and unload are not on the public listener"
expect_match "$BODY" "admin listener" "it says where they are"

# --- Load and unload through the admin API, under load ---
printf '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}' > body.json
timeout 240 "$MLOPS_SRC/tests/tools/load-gen" "$URL/models/credit-risk/predict" body.json stop count load.json 4 &
at_exit "touch $SCRATCH/stop"
answered() { cat count 2>/dev/null || echo 0; }
for _ in $(seq 600); do [ "$(answered)" -ge 100 ] && break; sleep 0.05; done
ok $([ "$(answered)" -ge 100 ] && echo 0 || echo 1) "the load is running"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ADMIN/admin/models/house-prices/unload")
expect_eq "$CODE" 401 "admin API: no key, 401"
areq POST /admin/models/house-prices/unload
printf '%s' "$BODY" > unload.json
expect_eq "$CODE $(json_get unload.json '[(c["action"], c["name"]) for c in d["changes"]], [m["name"] for m in d["models"]]')" \
	"200 ([('unloaded', 'house-prices')], ['churn-sklearn', 'credit-risk', 'lgbm-codes', 'wine-quality'])" \
	"POST /admin/models/NAME/unload: what changed, and the models now"
req POST "$URL/models/house-prices/predict" '{"features":{}}'
expect_eq "$CODE" 404 "an unloaded model is not answered"
areq POST /admin/models/house-prices/unload
expect_eq "$CODE" 404 "unloading it again: 404"
areq POST /v2/repository/models/house-prices/load
expect_eq "$CODE" 200 "Triton's POST /v2/repository/models/NAME/load loads it back"
req POST "$URL/models/house-prices/predict/batch" "$(cat rows-house-prices.json)"
printf '%s' "$BODY" > served-again.json
expect_eq "$CODE $($PY same.py served-again.json local-house-prices.jsonl)" "200 40 0" "and it answers as before"
areq POST /v2/repository/models/wine-quality/unload
expect_eq "$CODE" 200 "Triton's unload"
areq POST /admin/models/wine-quality/load
expect_eq "$CODE" 200 "and load again"
areq POST /admin/models/nope/load
expect_eq "$CODE" 404 "loading a model no entry serves: 404"
expect_match "$BODY" "no entry serves the model 'nope'" "says so"
areq GET /admin/models/wine-quality/load
expect_eq "$CODE" 405 "load by GET: 405"
areq GET /admin/models
expect_eq "$CODE" 200 "GET /admin/models: the index"
areq POST /admin/activate
expect_eq "$CODE" 404 "the fleet routes need --state"
touch stop
for _ in $(seq 600); do [ -s load.json ] && break; sleep 0.05; done
rm -f stop count
expect_eq "$(json_get load.json 'd["requests"] > 100, d["failures"], d["errors"]')" "(True, 0, [])" \
	"no request to credit-risk failed while the others were unloaded and loaded"
areq POST /admin/models/credit-risk/unload
expect_eq "$CODE" 200 "unloading credit-risk"
req POST "$URL/models/credit-risk/predict" "$(cat body.json)"
expect_eq "$CODE" 404 "then it is not answered"
areq POST /admin/models/credit-risk/load
expect_eq "$CODE" 200 "and loading it back"

# Metrics and the access log carry the model.
curl -s "$URL/metrics" > metrics.txt
run promtool check metrics < metrics.txt
expect_rc 0 "promtool check metrics is clean"
[ -z "$OUT$ERR" ] || diag "$OUT" "$ERR"
expect_match "$(cat metrics.txt)" '^mlops_requests_total\{route="/predict/batch",status="200",model="lgbm-codes",model_version="1\.0\.0"\} 1$' \
	"requests by route, status, model and version"
expect_match "$(cat metrics.txt)" '^mlops_requests_total\{route="/predict",status="404",model="",model_version=""\} [0-9]+$' \
	"requests no model answered: model=\"\""
expect_eq "$(grep -c '^mlops_model_info{' metrics.txt)" 5 "mlops_model_info: one line a model"
expect_match "$(cat metrics.txt)" '^mlops_model_load_seconds\{model="churn-sklearn"\} [0-9.]+$' "load time by model"
expect_match "$(cat metrics.txt)" '^mlops_predictions_bucket\{model="wine-quality",model_version="1\.0\.0",le="0"\} ' \
	"a multiclass model's predictions on its own edges (class indices)"
expect_match "$(cat metrics.txt)" '^mlops_predictions_bucket\{model="credit-risk",model_version="1\.0\.0",le="0\.05"\} ' \
	"a binary model's on probabilities"
expect_match "$(cat metrics.txt)" '^mlops_feature_drift\{model="house-prices",feature="area_m2",test="psi"\} [0-9.]+' \
	"live drift by model"
expect_match "$(cat metrics.txt)" '^mlops_model_reloads_total\{result="success"\} 3$' "loads after the start counted (3)"
expect_eq "$($PY -c '
import json
rows = [json.loads(l) for l in open("access.log")]
print(sorted(set(r["model"] for r in rows if r["route"] == "/predict/batch")))')" \
	"['churn-sklearn', 'credit-risk', 'house-prices', 'lgbm-codes', 'wine-quality']" "the access log names the model"
kill -TERM "$MPID"
wait "$SPID"
expect_eq "$?" 0 "SIGTERM: exit 0"

# --- --models DIR: SIGHUP reads it again ---
mkdir -p models/hp models/env/releases/a
cp credit-risk.mlpkg models/
cp house-prices.mlpkg models/hp/bundle.mlpkg
cp churn-sklearn.mlpkg models/env/releases/a/bundle.mlpkg
ln -s releases/a models/env/current
echo "not a model" > models/README
serve_bg dir.log --models models --admin-listen 127.0.0.1:0 --default-model credit-risk
expect_eq "$(index "$URL")" "churn-sklearn:1.0.0:READY credit-risk:1.0.0:READY house-prices:1.0.0:READY" \
	"--models: a bundle, a release directory and an environment root (the rest ignored)"
req POST "$URL/predict" "$(cat body.json)"
expect_match "$CODE $BODY" '^200 \{"prediction":0,"probability":0\.0276' "/predict answers for --default-model"
timeout 240 "$MLOPS_SRC/tests/tools/load-gen" "$URL/models/credit-risk/predict" body.json stop count load2.json 4 &
for _ in $(seq 600); do [ "$(answered)" -ge 100 ] && break; sleep 0.05; done
ok $([ "$(answered)" -ge 100 ] && echo 0 || echo 1) "the load is running"
cp credit-risk-2.mlpkg models/credit-risk.mlpkg.new && mv models/credit-risk.mlpkg.new models/credit-risk.mlpkg
rm -r models/hp
cp wine-quality.mlpkg models/
head -c 3000 lgbm-codes.mlpkg > models/broken.mlpkg
kill -HUP "$MPID"
wait_for 'index "$URL"' "churn-sklearn:1.0.0:READY credit-risk:1.1.0:READY wine-quality:1.0.0:READY broken::UNAVAILABLE"
ok $? "SIGHUP: changed reloaded, removed unloaded, added loaded, broken UNAVAILABLE"
[ $? -eq 0 ] || diag "$(index "$URL")" "$(tail -5 dir.log)"
expect_match "$(cat dir.log)" "reloaded credit-risk 1.1.0 .* from models/credit-risk.mlpkg" "the reload is logged"
expect_match "$(cat dir.log)" "unloaded house-prices 1.0.0 \(models/hp\)" "the unload"
expect_match "$(cat dir.log)" "models/broken.mlpkg: .*" "and the failure, with the entry"
req POST "$URL/v2/repository/index" '{"ready":true}'
expect_no_match "$BODY" "broken" "{\"ready\": true}: only the models ready"
expect_match "$(curl -s -X POST "$URL/v2/repository/index")" '"name":"broken","version":"","state":"UNAVAILABLE","reason":"[^"]+' \
	"the index gives the reason"
expect_match "$(curl -s "$URL/metrics")" 'mlops_model_reloads_total\{result="failure"\} 1' "the failure counted"
req GET "$URL/health/ready"
expect_eq "$CODE $BODY" '200 {"ready":true,"models":3}' "still ready: every model loaded is"
# The same model from two entries is refused; the one loaded answers on.
cp credit-risk.mlpkg models/zz-copy.mlpkg
rm models/broken.mlpkg
kill -HUP "$MPID"
wait_for 'grep -c "zz-copy.mlpkg: two entries serve the model" dir.log' 1
ok $? "SIGHUP: a second entry of a model is refused"
expect_eq "$(index "$URL")" "churn-sklearn:1.0.0:READY credit-risk:1.1.0:READY wine-quality:1.0.0:READY zz-copy::UNAVAILABLE" \
	"credit-risk 1.1.0 answers on"
rm models/zz-copy.mlpkg
# An unload by the admin API outlasts a SIGHUP; a load brings it back.
areq POST /admin/models/wine-quality/unload
kill -HUP "$MPID"
wait_for 'grep -c "SIGHUP: no model changed" dir.log' 1
expect_eq "$(index "$URL")" "churn-sklearn:1.0.0:READY credit-risk:1.1.0:READY" "an unloaded model stays unloaded through a SIGHUP"
# Loaded by name from the directory: NAME.mlpkg.
cp house-prices.mlpkg models/house-prices.mlpkg
areq POST /admin/models/house-prices/load
expect_eq "$CODE" 200 "load NAME finds DIR/NAME.mlpkg"
areq POST /admin/models/wine-quality/load
expect_eq "$(index "$URL")" "churn-sklearn:1.0.0:READY credit-risk:1.1.0:READY house-prices:1.0.0:READY wine-quality:1.0.0:READY" \
	"and the unloaded one comes back"
# An entry that cannot be read for a moment (a link being replaced) is a
# failed load: its model answers on.
ln -sf "$SCRATCH/wine-quality.mlpkg" models/wine-quality.mlpkg.new && mv models/wine-quality.mlpkg.new models/wine-quality.mlpkg
ln -sf "$SCRATCH/nothere.mlpkg" models/wine-quality.mlpkg.new && mv models/wine-quality.mlpkg.new models/wine-quality.mlpkg
kill -HUP "$MPID"
wait_for 'grep -c "models/wine-quality.mlpkg: cannot read" dir.log' 1
ok $? "SIGHUP: a dangling link is a failed load"
expect_eq "$(index "$URL")" "churn-sklearn:1.0.0:READY credit-risk:1.1.0:READY house-prices:1.0.0:READY wine-quality:1.0.0:READY" \
	"its model answers on"
req POST "$URL/models/wine-quality/predict/batch" "$(cat rows-wine-quality.json)"
expect_eq "$CODE" 200 "and answers"
touch stop
for _ in $(seq 600); do [ -s load2.json ] && break; sleep 0.05; done
expect_eq "$(json_get load2.json 'd["failures"], sorted(d["versions"])')" "(0, ['1.0.0', '1.1.0'])" \
	"no failed request through SIGHUPs; both versions answered"
done_testing
