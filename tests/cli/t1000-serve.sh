#!/bin/sh
# mlops serve: the real server on 127.0.0.1 and a random free port, always
# stopped by PID. Endpoints, the data contract (422), errors (400, 404,
# 405, 413), Prometheus metrics (promtool, and a real Prometheus scraping
# it), readiness and a clean exit on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
D=$(bundle_digest b.mlpkg)
PORT=$(free_port)
URL=http://127.0.0.1:$PORT

timeout 300 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT" --max-body 4K \
	--max-batch 100 > serve.out 2> serve.err &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
for _ in $(seq 100); do
	curl -s -o /dev/null "$URL/health/ready" && break
	sleep 0.05
done

req() { # req METHOD PATH [BODY]: sets CODE and BODY
	if [ $# -ge 3 ]; then
		CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data-binary "$3" "$URL$2")
	else
		CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$1" "$URL$2")
	fi
	BODY=$(cat resp.txt)
}

req GET /health/live
expect_eq "$CODE $BODY" '200 {"live":true}' "GET /health/live"
req GET /health/ready
expect_eq "$CODE $BODY" '200 {"ready":true}' "ready after warm-up"
expect_match "$(cat serve.err)" "warmed up on 64 rows" "warmed up on golden rows first"
req GET /model/info
expect_eq "$CODE" 200 "GET /model/info"
printf '%s' "$BODY" > info.json
expect_eq "$(json_get info.json 'd["name"], d["version"], d["digest"], d["runtime"], len(d["signature"]["inputs"])')" \
	"('credit-risk', '1.0.0', '$D', 'xgboost', 8)" "info: name, version, digest, runtime, signature"

LOW='{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}'
HIGH='{"income":28000,"debt_ratio":0.62,"credit_score":590,"age":23,"employment_years":0.5,"num_credit_lines":9,"loan_amount":30000,"has_prior_default":true}'
req POST /predict "{\"features\":$LOW}"
expect_eq "$CODE" 200 "POST /predict"
printf '%s' "$BODY" > p.json
want=$($PY -c '
import xgboost as xgb, numpy as np
b=xgb.Booster(); b.load_model("proj/model/model.json")
F="income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
print(float(b.predict(xgb.DMatrix(np.array([[85000,0.15,760,45,12,4,15000,0]],dtype=float),feature_names=F))[0]))')
expect_eq "$(json_get p.json 'd["prediction"], abs(d["probability"] - '"$want"') < 1e-6, d["model_version"], d["inference_time_ms"] >= 0')" \
	"(0, True, '1.0.0', True)" "prediction and probability equal Python's xgboost"

req POST /predict '{"features":{"income":-5,"debt_ratio":"abc","credit_score":900,"age":45,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":"maybe"}}'
expect_eq "$CODE" 422 "an invalid request: 422"
printf '%s' "$BODY" > bad.json
expect_eq "$(json_get bad.json 'sorted(x["field"] for x in d["details"])')" \
	"['credit_score', 'debt_ratio', 'employment_years', 'has_prior_default', 'income']" "every bad field listed"
expect_eq "$(json_get bad.json '[x for x in d["details"] if x["field"]=="credit_score"][0]')" \
	"{'field': 'credit_score', 'problem': 'above maximum 850', 'value': '900'}" "field, problem, value"
long=$($PY -c 'print("x" * 3000)')
req POST /predict "{\"features\":{\"income\":\"$long\"}}"
expect_eq "$CODE" 422 "a long bad value: 422"
ok $([ ${#BODY} -lt 1000 ] && echo 0 || echo 1) "the payload is never echoed in full (${#BODY} bytes)"

req POST /predict/batch "[$LOW,$HIGH]"
expect_eq "$CODE" 200 "POST /predict/batch (array)"
printf '%s' "$BODY" > b.json
expect_eq "$(json_get b.json '[p["prediction"] for p in d["predictions"]]')" "[0, 1]" "two predictions in order"
req POST /predict/batch "{\"instances\":[$HIGH]}"
expect_eq "$CODE" 200 "POST /predict/batch (instances)"
req POST /predict/batch '{"columns":{"income":[85000],"debt_ratio":[0.15],"credit_score":[760],"age":[45],"employment_years":[12],"num_credit_lines":[4],"loan_amount":[15000],"has_prior_default":[false]}}'
expect_eq "$CODE" 200 "POST /predict/batch (columns)"
req POST /predict/batch "[$LOW,{\"income\":1}]"
expect_eq "$CODE" 422 "a batch with an invalid row: 422"
expect_match "$BODY" '"row":1' "the row is named"

req POST /predict '{"features":'
expect_eq "$CODE" 400 "malformed JSON: 400"
expect_match "$BODY" '^\{"error":"malformed JSON' "JSON error body"
req GET /nowhere
expect_eq "$CODE $BODY" '404 {"error":"no such endpoint"}' "unknown path: 404"
allow=$(curl -s -o /dev/null -D - "$URL/predict" | tr -d '\r' | sed -n 's/^Allow: //p')
req GET /predict
expect_eq "$CODE $allow" "405 POST" "wrong method: 405 with Allow"
big=$($PY -c 'import json; print(json.dumps({"features": {"pad": "y" * 5000}}))')
req POST /predict "$big"
expect_eq "$CODE" 413 "a body over --max-body: 413"
req POST /v2/models/credit-risk/infer "$big"
expect_eq "$CODE $BODY" '413 {"error":"the request body is larger than 4096 bytes"}' \
	"OIP: the same 413, through the same admission chain"
rows=$($PY -c "print('[' + ','.join(['$LOW'.replace(' ','')] * 101) + ']')")
printf '%s' "$rows" > many.json
CODE=$(curl -s -o resp.txt -w '%{http_code}' -X POST --data-binary @many.json "$URL/predict/batch")
expect_eq "$CODE" 413 "more rows than --max-batch (or bytes than --max-body): 413"

# Open Inference Protocol v2: every endpoint of the reference table.
req GET /v2
expect_eq "$CODE" 200 "OIP: GET /v2"
expect_match "$BODY" '^\{"name":"mlops","version":"[0-9.]+","extensions":\["binary_tensor_data"\]\}$' "server metadata"
req GET /v2/health/live
expect_eq "$CODE $BODY" '200 {"live":true}' "OIP: live"
req GET /v2/health/ready
expect_eq "$CODE $BODY" '200 {"ready":true}' "OIP: ready"
req GET /v2/models/credit-risk
expect_eq "$CODE" 200 "OIP: model metadata"
printf '%s' "$BODY" > meta.json
expect_eq "$(json_get meta.json 'd["name"], d["versions"], d["platform"], d["inputs"][2], len(d["inputs"]), d["outputs"][0]["name"]')" \
	"('credit-risk', ['1.0.0'], 'mlops_xgboost', {'name': 'credit_score', 'datatype': 'INT64', 'shape': [-1]}, 8, 'prediction')" \
	"metadata: name, versions, platform, typed inputs with -1 dims, outputs"
req GET /v2/models/credit-risk/versions/1.0.0
expect_eq "$CODE" 200 "OIP: metadata by version"
req GET /v2/models/credit-risk/versions/9.9.9
expect_eq "$CODE" 404 "OIP: an unknown version: 404"
req GET /v2/models/other
expect_eq "$CODE" 404 "OIP: an unknown model: 404"
expect_match "$BODY" '^\{"error":' "OIP errors are {\"error\": ...}"
req GET /v2/models/credit-risk/ready
expect_eq "$CODE $BODY" '200 {"name":"credit-risk","ready":true}' "OIP: model ready"
req GET /v2/models/credit-risk/versions/1.0.0/ready
expect_eq "$CODE" 200 "OIP: model ready by version"
req POST /v2/models/credit-risk/infer '{"id":"q-7","inputs":[{"name":"features","shape":[2,8],"datatype":"FP64","data":[[85000,0.15,760,45,12,4,15000,0],[28000,0.62,590,23,0.5,9,30000,1]]}]}'
expect_eq "$CODE" 200 "OIP: infer with one [n, k] tensor"
printf '%s' "$BODY" > inf.json
expect_eq "$(json_get inf.json 'd["model_name"], d["model_version"], d["id"], [(o["name"], o["shape"], o["datatype"]) for o in d["outputs"]], d["outputs"][0]["data"]')" \
	"('credit-risk', '1.0.0', 'q-7', [('prediction', [2], 'INT64'), ('probability', [2], 'FP64'), ('probabilities', [2, 2], 'FP64')], [0, 1])" \
	"infer response: model, version, id echoed, typed outputs"
expect_eq "$(json_get inf.json '[abs(a - (1 - b)) < 1e-8 and abs(c - b) < 1e-8 for a, c, b in zip(d["outputs"][2]["data"][0::2], d["outputs"][2]["data"][1::2], d["outputs"][1]["data"])]')" \
	"[True, True]" "infer: a binary model's [n, 2] probabilities are (1 - p, p)"
expect_eq "$(json_get inf.json 'abs(d["outputs"][1]["data"][0] - '"$want"') < 1e-6')" "True" "OIP probability equals Python's"
per='{"inputs":['
for kv in income:85000 debt_ratio:0.15 credit_score:760 age:45 employment_years:12 num_credit_lines:4 loan_amount:15000 has_prior_default:false; do
	per="$per{\"name\":\"${kv%%:*}\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[${kv#*:}]},"
done
per="${per%,}]}"
req POST /v2/models/credit-risk/versions/1.0.0/infer "$per"
expect_eq "$CODE" 200 "OIP: infer with one tensor per input, by version"

# One scoring core behind every shape: the same two rows as objects, as
# columns (in another order), as one [n, k] tensor and as one tensor
# per input (shuffled, a [n, 1] among them) give the same answers.
req POST /predict/batch "[$LOW,$HIGH]"
printf '%s' "$BODY" > same-rows.json
req POST /predict/batch '{"columns":{"has_prior_default":[false,true],"loan_amount":[15000,30000],"num_credit_lines":[4,9],"employment_years":[12,0.5],"age":[45,23],"credit_score":[760,590],"debt_ratio":[0.15,0.62],"income":[85000,28000]}}'
expect_eq "$CODE" 200 "the same rows as columns"
printf '%s' "$BODY" > same-cols.json
req POST /v2/models/credit-risk/infer '{"inputs":[{"name":"loan_amount","shape":[2,1],"datatype":"FP64","data":[[15000],[30000]]},{"name":"age","shape":[2],"datatype":"FP64","data":[45,23]},{"name":"income","shape":[2],"datatype":"FP64","data":[85000,28000]},{"name":"debt_ratio","shape":[2],"datatype":"FP64","data":[0.15,0.62]},{"name":"credit_score","shape":[2],"datatype":"FP64","data":[760,590]},{"name":"employment_years","shape":[2],"datatype":"FP64","data":[12,0.5]},{"name":"num_credit_lines","shape":[2],"datatype":"FP64","data":[4,9]},{"name":"has_prior_default","shape":[2],"datatype":"BOOL","data":[false,true]}]}'
expect_eq "$CODE" 200 "the same rows as one tensor per input"
printf '%s' "$BODY" > same-named.json
expect_eq "$(json_get same-cols.json '[(p["prediction"], p["probability"]) for p in d["predictions"]]')" \
	"$(json_get same-rows.json '[(p["prediction"], p["probability"]) for p in d["predictions"]]')" \
	"columns answer as rows do"
expect_eq "$(json_get same-named.json 'list(zip(d["outputs"][0]["data"], d["outputs"][1]["data"]))')" \
	"$(json_get same-rows.json '[(p["prediction"], p["probability"]) for p in d["predictions"]]')" \
	"tensors by name answer as rows do"
expect_eq "$(json_get inf.json 'list(zip(d["outputs"][0]["data"], d["outputs"][1]["data"]))')" \
	"$(json_get same-rows.json '[(p["prediction"], p["probability"]) for p in d["predictions"]]')" \
	"one [n, k] tensor answers as rows do"
req POST /v2/models/credit-risk/infer '{"inputs":[{"name":"income","shape":[1],"datatype":"FP64","data":[-1]}]}'
expect_eq "$CODE" 400 "OIP: a contract violation: 400"
expect_match "$BODY" 'income: below minimum 0' "the bad field is named"
req POST /v2/models/credit-risk/infer '{"inputs":[{"name":"income","shape":[2],"datatype":"FP64","data":[1]}]}'
expect_eq "$CODE" 400 "OIP: data that does not match its shape: 400"
req POST /v2/models/credit-risk/infer '{"inputs":[{"name":"zzz","shape":[1],"datatype":"FP64","data":[1]}]}'
expect_match "$CODE $BODY" "^400 .*'zzz' is not an input" "OIP: an unknown input: 400"
req GET /v2/models/credit-risk/infer
expect_eq "$CODE" 405 "OIP: GET infer: 405"

# The protocol, strictly: every tensor named once, typed, shaped.
dup=$(printf '%s' "$per" | sed 's/"name":"age"/"name":"income"/')
req POST /v2/models/credit-risk/infer "$dup"
expect_match "$CODE $BODY" "^400 .*'income' is given twice" "OIP: the same input twice: 400, not last-wins"
T='"shape":[1],"data":[85000]'
for bad in "{\"datatype\":\"FP64\",$T}|name.*is required" \
	"{\"name\":\"income\",$T}|datatype.*is required" \
	"{\"name\":\"income\",\"datatype\":\"FLOAT\",$T}|unknown datatype" \
	"{\"name\":\"income\",\"datatype\":\"FP64\",\"parameters\":[1],$T}|parameters.*must be an object" \
	"{\"name\":\"income\",\"datatype\":\"FP64\",\"data\":[1]}|shape.*is required"; do
	body="{\"inputs\":[${bad%%|*}]}"
	req POST /v2/models/credit-risk/infer "$body"
	expect_match "$CODE $BODY" "^400 .*${bad#*|}" "OIP: $body: 400 naming the field"
done
req POST /v2/models/credit-risk/infer '{"inputs":[{"name":"x","datatype":"FP64","shape":[2305843009213693952,8],"data":[]}]}'
expect_match "$CODE $BODY" "^400 .*does not match its shape" "OIP: a shape whose size wraps around: 400, no allocation"
req POST /v2/models/credit-risk/infer "{\"id\":7,${per#\{}"
expect_match "$CODE $BODY" '^400 .*"id\\" must be a string' "OIP: a numeric id: 400"
req POST /v2/models/credit-risk/infer "{\"parameters\":5,${per#\{}"
expect_match "$CODE $BODY" '^400 .*parameters' "OIP: request parameters not an object: 400"
req POST /v2/models/credit-risk/infer "{\"outputs\":[{\"name\":\"probability\"}],${per#\{}"
expect_eq "$CODE" 200 "OIP: asking for one output"
printf '%s' "$BODY" > o1.json
expect_eq "$(json_get o1.json '[o["name"] for o in d["outputs"]]')" "['probability']" "only the output asked for"
req POST /v2/models/credit-risk/infer "{\"outputs\":[{\"name\":\"prediction\"},{\"name\":\"probability\"}],${per#\{}"
printf '%s' "$BODY" > o2.json
expect_eq "$CODE $(json_get o2.json '[o["name"] for o in d["outputs"]]')" "200 ['prediction', 'probability']" "both, when both are asked for"
req POST /v2/models/credit-risk/infer "{\"outputs\":[{\"name\":\"score\"}],${per#\{}"
expect_match "$CODE $BODY" "^400 .*'score' is not an output" "OIP: an unknown output: 400"

# Metrics: promtool is clean, and the counters count.
curl -s "$URL/metrics" > metrics.txt
run promtool check metrics < metrics.txt
expect_rc 0 "promtool check metrics is clean"
[ -z "$OUT$ERR" ] || diag "$OUT" "$ERR"
for m in mlops_requests_total mlops_request_duration_seconds_bucket mlops_model_duration_seconds_bucket \
	mlops_batch_rows_bucket mlops_requests_in_flight mlops_rows_predicted_total mlops_rows_invalid_total \
	mlops_model_load_seconds mlops_model_info process_resident_memory_bytes process_open_fds; do
	expect_match "$(cat metrics.txt)" "^$m[{ ]" "metric $m"
done
expect_match "$(cat metrics.txt)" '^mlops_requests_total\{route="/predict",status="422",model="credit-risk",model_version="1\.0\.0"\} 2$' \
	"requests counted by route, status and version"
expect_match "$(cat metrics.txt)" "^mlops_model_info\\{name=\"credit-risk\",version=\"1\\.0\\.0\",digest=\"$D\"\\} 1\$" "model info"

# A real Prometheus scrapes the server and answers through its API.
PPORT=$(free_port)
mkdir prom
cat > prom/prometheus.yml <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: mlops
    static_configs: [{targets: ['127.0.0.1:$PORT']}]
YAML
timeout 120 prometheus --config.file=prom/prometheus.yml --storage.tsdb.path=prom/data \
	--web.listen-address="127.0.0.1:$PPORT" > prom/log 2>&1 &
PPID_=$!
at_exit "kill $PPID_ 2>/dev/null"
val=
for _ in $(seq 150); do
	val=$(curl -s "http://127.0.0.1:$PPORT/api/v1/query?query=mlops_model_info" 2>/dev/null | \
		$PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["metric"]["version"], r[0]["value"][1])' 2>/dev/null)
	[ -n "$val" ] && break
	sleep 0.2
done
expect_eq "$val" "1.0.0 1" "Prometheus scraped mlops_model_info and reads it back"
kill "$PPID_" 2>/dev/null

# SIGTERM: exit 0 after draining.
kill -TERM "$SPID"
wait "$SPID"
rc=$?
ok $([ $rc -eq 0 ] && echo 0 || echo 1) "SIGTERM: exit 0 (was $rc)"
expect_match "$(cat serve.err)" "SIGTERM: draining" "drain announced"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/live" 2>/dev/null)
expect_eq "$CODE" "000" "no longer listening"

# API keys: rotation, both headers, constant answers, health left open.
KPORT=$(free_port)
KURL=http://127.0.0.1:$KPORT
MLOPS_API_KEYS="key-one-s3cret,key-two-s3cret" timeout 300 "$MLOPS" serve b.mlpkg \
	--listen "127.0.0.1:$KPORT" --public-health > k.out 2> k.err &
KPID=$!
at_exit "kill $KPID 2>/dev/null"
for _ in $(seq 100); do curl -s -o /dev/null "$KURL/health/ready" && break; sleep 0.05; done
kcode() { curl -s -o kresp.txt -w '%{http_code}' -X POST --data-binary "{\"features\":$LOW}" "$@" "$KURL/predict"; }
expect_eq "$(kcode)" 401 "no key: 401"
expect_eq "$(curl -s -o /dev/null -D - -X POST "$KURL/predict" | tr -d '\r' | sed -n 's/^WWW-Authenticate: //p')" \
	'Bearer realm="mlops"' "401 names the scheme"
expect_eq "$(kcode -H 'Authorization: Bearer key-one-s3cret')" 200 "Bearer key-one"
expect_eq "$(kcode -H 'Authorization: Bearer key-two-s3cret')" 200 "the second key too (rotation)"
expect_eq "$(kcode -H 'X-API-Key: key-two-s3cret')" 200 "X-API-Key"
expect_eq "$(kcode -H 'x-api-key: key-two-s3cret')" 200 "header names are case-blind"
expect_eq "$(kcode -H 'authorization: bearer key-one-s3cret')" 200 "the scheme is case-blind"
expect_eq "$(kcode -H 'Authorization: Bearer KEY-ONE-S3CRET')" 401 "the key is not"
expect_eq "$(kcode -H 'Authorization: Bearer ')" 401 "an empty key: 401"
expect_eq "$(kcode -H 'Authorization: Bearer key-one-s3cre')" 401 "a prefix of a key: 401"
expect_eq "$(kcode -H 'Authorization: Basic a2V5LW9uZS1zM2NyZXQ=')" 401 "another scheme: 401"
expect_eq "$(kcode -H 'X-API-Key: key-one-s3cretX')" 401 "a longer key: 401"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$KURL/health/ready")" 200 "--public-health: health needs no key"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$KURL/metrics")" 200 "--public-health: metrics need no key"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$KURL/model/info")" 401 "model info needs a key"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$KURL/v2/health/ready")" 200 "--public-health: OIP health needs no key"
expect_eq "$(curl -s -w ' %{http_code}' -X POST -d '{}' "$KURL/v2/models/credit-risk/infer")" \
	'{"error":"unauthorized: send an API key (Authorization: Bearer KEY or X-API-Key: KEY)"} 401' \
	"OIP: the same 401 as REST"
rid=$(curl -s -o /dev/null -D - -H 'X-Request-Id: trace-42' "$KURL/health/live" | tr -d '\r' | sed -n 's/^X-Request-Id: //p')
expect_eq "$rid" "trace-42" "X-Request-Id is returned"
rid=$(curl -s -o /dev/null -D - "$KURL/health/live" | tr -d '\r' | sed -n 's/^X-Request-Id: //p')
expect_match "$rid" '^[0-9a-f]{16}-[0-9a-f]+$' "and made when absent"
kill -TERM "$KPID"
wait "$KPID"
expect_no_match "$(cat k.out k.err)" "s3cret" "keys never appear in output or logs"
grep '^{' k.err > access.jsonl
expect_eq "$($PY -c '
import json
rows = [json.loads(l) for l in open("access.jsonl")]
print(len(rows) >= 14, all(set(r) >= {"time","level","request_id","method","route","status","latency_ms","model_version","client"} for r in rows),
      sum(r["status"] == 401 for r in rows), any(r["request_id"] == "trace-42" for r in rows), rows[0]["client"])')" \
	"True True 9 True 127.0.0.1" "access log: JSON lines with every field, 401s counted, ids kept"
printf '# keys for the test\n  file-key-1  \n\n' > keys.txt
MLOPS_API_KEYS= run timeout 5 "$MLOPS" serve b.mlpkg --api-key-file nothere.txt
expect_rc 4 "a missing key file: exit 4"
printf '# only a comment\n' > nokeys.txt
run timeout 5 "$MLOPS" serve b.mlpkg --api-key-file nokeys.txt
expect_rc 2 "a key file without keys: exit 2"

# Rate limits: a token bucket per client, 429 with Retry-After.
RPORT=$(free_port)
RURL=http://127.0.0.1:$RPORT
# One token every 1000 s: no refill can land during the test, whatever
# the machine's load (1/s made the 13th request pass on a slow run).
timeout 300 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$RPORT" --rate-limit 0.001/s --burst 3 -q &
RLPID=$!
at_exit "kill $RLPID 2>/dev/null"
for _ in $(seq 100); do curl -s -o /dev/null "$RURL/health/ready" && break; sleep 0.05; done
codes=""
for _ in $(seq 12); do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' "$RURL/model/info")"
done
n200=$(echo "$codes" | tr ' ' '\n' | grep -c '^200$')
n429=$(echo "$codes" | tr ' ' '\n' | grep -c '^429$')
ok $([ "$n200" -eq 3 ] && [ "$n429" -eq 9 ] && echo 0 || echo 1) \
	"12 requests, burst 3: the burst passes, the rest get 429 ($n200 x 200, $n429 x 429)"
ra=$(curl -s -o /dev/null -D - "$RURL/model/info" | tr -d '\r' | sed -n 's/^Retry-After: //p')
expect_match "$ra" '^[1-9][0-9]*$' "429 carries Retry-After"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$RURL/health/live")" 200 "health checks are never limited"
expect_match "$(curl -s "$RURL/health/ready" -o /dev/null -w '%{http_code}')" '^200$' "readiness either"
kill "$RLPID"
run "$MLOPS" serve b.mlpkg --rate-limit fast
expect_rc 2 "a malformed --rate-limit: exit 2"

# TLS: HTTPS only, verified against the certificate the test makes.
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 1 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
TPORT=$(free_port)
timeout 300 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$TPORT" --tls-cert tls.crt --tls-key tls.key -q 2> tls.err &
TPID=$!
at_exit "kill $TPID 2>/dev/null"
for _ in $(seq 100); do curl -s --cacert tls.crt -o /dev/null "https://127.0.0.1:$TPORT/health/ready" && break; sleep 0.05; done
expect_eq "$(curl -s --cacert tls.crt "https://127.0.0.1:$TPORT/health/ready")" '{"ready":true}' "HTTPS with the server's certificate"
CODE=$(curl -s --cacert tls.crt -o resp.txt -w '%{http_code}' -X POST --data-binary "{\"features\":$LOW}" "https://127.0.0.1:$TPORT/predict")
expect_eq "$CODE" 200 "a prediction over HTTPS"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TPORT/health/ready")" "000" "plain HTTP is refused: TLS only"
expect_match "$(curl -s -o /dev/null -w '%{errormsg}' "https://127.0.0.1:$TPORT/health/ready")" "certificate" \
	"a client that does not trust the certificate fails"
kill "$TPID"
# A fleet instance with TLS: the admin listener is HTTPS only too.
MLOPS_ADMIN_KEY=tls-admin-key start_instance tls-admin.err --state tls-state b.mlpkg \
	--listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --tls-cert tls.crt --tls-key tls.key
TAPID=$IPID
TADMIN=${ADMIN#https://}
ok $([ -n "$ADMIN" ] && [ "$TADMIN" != "$ADMIN" ] && echo 0 || echo 1) "the admin API announces https:// when TLS is on"
expect_eq "$(curl -s --cacert tls.crt -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tls-admin-key' "https://$TADMIN/admin/state")" 200 \
	"the admin API over HTTPS"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer tls-admin-key' "http://$TADMIN/admin/state")" "000" \
	"plain HTTP to the admin API is refused: TLS only"
TPUB=$(sed -n 's|.*listening on https://\([0-9.:]*\).*|\1|p' tls-admin.err | head -1)
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://$TPUB/health/ready")" "000" "and to the instance's public listener"
expect_eq "$(curl -s --cacert tls.crt "https://$TPUB/health/ready")" '{"ready":true}' "which answers HTTPS"
kill "$TAPID"
run "$MLOPS" serve b.mlpkg --tls-cert tls.crt
expect_rc 2 "--tls-cert without --tls-key: exit 2"
run timeout 10 "$MLOPS" serve b.mlpkg --tls-cert tls.crt --tls-key nothere.key
expect_rc 4 "a missing key file: exit 4"

# Failures at start.
run "$MLOPS" serve missing.mlpkg
expect_rc 4 "a missing bundle: exit 4"
timeout 30 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT" > /dev/null 2>&1 &
S2=$!
at_exit "kill $S2 2>/dev/null"
for _ in $(seq 100); do curl -s -o /dev/null "$URL/health/live" && break; sleep 0.05; done
run timeout 30 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT"
expect_rc 4 "the port is taken: exit 4"
expect_match "$ERR" "cannot listen on 127\.0\.0\.1:$PORT" "explained"
kill "$S2"
run "$MLOPS" serve b.mlpkg --listen nonsense
expect_rc 2 "a malformed --listen: exit 2"
done_testing
