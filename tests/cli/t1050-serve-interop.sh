#!/bin/sh
# mlops serve and the clients that already exist: GET /health, gzip and
# deflate bodies (and answers), CORS, MLflow's scoring protocol, OIP
# route labels in /metrics, OpenAPI 3.1 (+ /docs), and OIP's binary tensor
# extension. The real server on 127.0.0.1 and a random free port, always
# stopped by PID; every client written here from its protocol's spec.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT

start_serve serve.err "$PORT" b.mlpkg --max-body 8K --max-batch 100 \
	--cors-origin https://app.example.com --cors-origin http://localhost:3000
ok $? "mlops serve starts and gets ready"

# req METHOD PATH [BODY [CURL ARGS...]]: sets CODE, BODY, HDRS.
req() {
	_m=$1 _p=$2
	shift 2
	if [ $# -ge 1 ]; then
		_b=$1
		shift
		CODE=$(curl -s -o resp.txt -D hdrs.txt -w '%{http_code}' -X "$_m" \
			-H 'Content-Type: application/json' --data-binary "$_b" "$@" "$URL$_p")
	else
		CODE=$(curl -s -o resp.txt -D hdrs.txt -w '%{http_code}' -X "$_m" "$URL$_p")
	fi
	BODY=$(cat resp.txt)
	HDRS=$(tr -d '\r' < hdrs.txt)
}
# hdr NAME: the value of header NAME in the last answer.
hdr() { printf '%s\n' "$HDRS" | sed -n "s/^$1: //Ip" | head -1; }

LOW='{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}'
HIGH='{"income":28000,"debt_ratio":0.62,"credit_score":590,"age":23,"employment_years":0.5,"num_credit_lines":9,"loan_amount":30000,"has_prior_default":true}'

# --- GET /health: live and ready in one answer.
req GET /health
expect_eq "$CODE $BODY" '200 {"status":"ok"}' "GET /health: 200 when live and ready"
req POST /health '{}'
expect_eq "$CODE $(hdr Allow)" "405 GET" "POST /health: 405 with Allow"

# --- Content-Encoding: gzip and deflate bodies, capped when inflated.
req POST /predict/batch "[$LOW,$HIGH]"
printf '%s' "$BODY" > plain.json
printf '[%s,%s]' "$LOW" "$HIGH" > rows.json
$PY -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress(open("rows.json","rb").read()))' > rows.gz
$PY -c 'import zlib,sys; sys.stdout.buffer.write(zlib.compress(open("rows.json","rb").read()))' > rows.zz
$PY -c 'import zlib,sys; c=zlib.compressobj(wbits=-15); sys.stdout.buffer.write(c.compress(open("rows.json","rb").read())+c.flush())' > rows.raw
for f in gz:gzip zz:deflate raw:deflate; do
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H "Content-Encoding: ${f#*:}" \
		--data-binary "@rows.${f%%:*}" "$URL/predict/batch")
	expect_eq "$CODE" 200 "a ${f#*:} body (rows.${f%%:*}): 200"
	expect_eq "$(json_get resp.txt 'd["predictions"]')" \
		"$(json_get plain.json 'd["predictions"]')" "the ${f#*:} body (rows.${f%%:*}) answers as the plain one"
done
# 2 MiB of spaces inside a JSON array: 2 KiB gzipped, far over --max-body.
$PY -c '
import gzip,sys
sys.stdout.buffer.write(gzip.compress(b"[" + b" " * (2 << 20) + b"]"))' > bomb.gz
ok $([ "$(stat -c %s bomb.gz)" -lt 8192 ] && echo 0 || echo 1) "the bomb is under --max-body compressed"
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Encoding: gzip' --data-binary @bomb.gz "$URL/predict/batch")
expect_eq "$CODE" 413 "a zip bomb: 413"
expect_match "$(cat resp.txt)" 'decompressed, is larger than --max-body' "the 413 says why"
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Encoding: br' --data-binary @rows.json "$URL/predict/batch")
expect_eq "$CODE" 415 "an unknown Content-Encoding: 415"
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Encoding: gzip' --data-binary @rows.json "$URL/predict/batch")
expect_eq "$CODE" 400 "a body that is not what its coding says: 400"
head -c 20 rows.gz > cut.gz
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Encoding: gzip' --data-binary @cut.gz "$URL/predict/batch")
expect_eq "$CODE" 400 "a gzip body cut short: 400"
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Encoding: gzip, gzip, gzip' --data-binary @rows.gz "$URL/predict/batch")
expect_eq "$CODE" 415 "three layers of coding: 415"
# Answers: compressed when the client takes it and the body is big enough.
rows=$($PY -c "print('[' + ','.join(['$LOW'] * 40) + ']')")
printf '%s' "$rows" > many.json
curl -s -D h.txt -o big.gz -H 'Accept-Encoding: gzip' --data-binary @many.json "$URL/predict/batch" >/dev/null
HDRS=$(tr -d '\r' < h.txt)
expect_eq "$(hdr Content-Encoding) $(hdr Vary)" "gzip Accept-Encoding" "a large answer is gzipped when accepted"
expect_eq "$($PY -c 'import gzip,json; print(len(json.loads(gzip.decompress(open("big.gz","rb").read()))["predictions"]))')" \
	40 "the gzipped answer decodes to the 40 predictions"
curl -s -D h.txt -o big.zz -H 'Accept-Encoding: deflate, gzip;q=0' --data-binary @many.json "$URL/predict/batch" >/dev/null
HDRS=$(tr -d '\r' < h.txt)
expect_eq "$(hdr Content-Encoding)" "deflate" "deflate when gzip is q=0"
curl -s -D h.txt -o big.txt --data-binary @many.json "$URL/predict/batch" >/dev/null
HDRS=$(tr -d '\r' < h.txt)
expect_eq "$(hdr Content-Encoding)" "" "no Accept-Encoding: not compressed"
req POST /predict "{\"features\":$LOW}" -H 'Accept-Encoding: gzip'
expect_eq "$CODE $(hdr Content-Encoding)" "200 " "a small answer goes out as it is"

# --- CORS: preflight answered, headers on answers, only for listed origins.
CODE=$(curl -s -o /dev/null -D h.txt -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' \
	-H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' "$URL/predict")
HDRS=$(tr -d '\r' < h.txt)
expect_eq "$CODE $(hdr Access-Control-Allow-Origin)" "204 https://app.example.com" "a preflight: 204, the origin allowed"
expect_eq "$(hdr Access-Control-Allow-Methods)" "POST, OPTIONS" "the route's methods"
expect_match "$(hdr Access-Control-Allow-Headers)" "Content-Type.*Authorization.*X-API-Key" "the request headers allowed"
expect_match "$(hdr Access-Control-Max-Age)" '^[0-9]+$' "cached for a while"
req POST /predict "{\"features\":$LOW}" -H 'Origin: http://localhost:3000'
expect_eq "$CODE $(hdr Access-Control-Allow-Origin) $(hdr Vary)" "200 http://localhost:3000 Origin" \
	"an answer to an allowed origin carries it, and Vary: Origin"
expect_match "$(hdr Access-Control-Expose-Headers)" "X-Request-Id" "X-Request-Id readable by scripts"
req POST /predict "{\"features\":$LOW}" -H 'Origin: https://evil.example.net'
expect_eq "$CODE $(hdr Access-Control-Allow-Origin)" "200 " "another origin: no Access-Control header"

# --- MLflow's scoring protocol: every body shape mlflow's pyfunc server
# takes, the same rows as /predict/batch, the same answers.
cat > mlflow_client.py <<'PY'
# A client of MLflow's scoring server, written from its documented
# formats (mlflow.org: "Deploy MLflow models", the REST API section).
import json, sys, urllib.request, urllib.error
url, shape = sys.argv[1], sys.argv[2]
rows = json.load(open("rows.json"))
cols = list(rows[0])
sig = "income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
ctype = "application/json"
if shape == "dataframe_split":
    body = {"dataframe_split": {"columns": cols[::-1], "index": [0, 1],
                                "data": [[r[c] for c in cols[::-1]] for r in rows]}}
elif shape == "dataframe_records":
    body = {"dataframe_records": rows}
elif shape == "instances":
    body = {"instances": rows}
elif shape == "instances-rows":
    body = {"instances": [[r[c] for c in sig] for r in rows]}
elif shape == "inputs":
    body = {"inputs": {c: [r[c] for r in rows] for c in cols}}
elif shape == "inputs-records":
    body = {"inputs": rows}
elif shape == "proba":
    body = {"dataframe_records": rows, "params": {"predict_method": "predict_proba"}}
elif shape == "csv":
    ctype = "text/csv"
    lines = [",".join(cols[::-1])] + [",".join(str(r[c]).lower() if isinstance(r[c], bool) else str(r[c]) for c in cols[::-1]) for r in rows]
    body = "\r\n".join(lines) + "\r\n"
data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
req = urllib.request.Request(url + "/invocations", data=data, headers={"Content-Type": ctype})
try:
    with urllib.request.urlopen(req) as r:
        print(r.status, json.dumps(json.load(r)["predictions"]))
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
want=$(json_get plain.json 'json.dumps([p["prediction"] for p in d["predictions"]])')
for shape in dataframe_split dataframe_records instances instances-rows inputs inputs-records csv; do
	expect_eq "$($PY mlflow_client.py "$URL" "$shape")" "200 $want" "MLflow $shape: the predictions of /predict/batch"
done
got=$($PY mlflow_client.py "$URL" proba)
expect_eq "${got%% *}" 200 "MLflow params predict_method=predict_proba: 200"
expect_eq "$(printf '%s' "${got#* }" | $PY -c 'import json,sys; print([round(p[1], 9) for p in json.load(sys.stdin)])')" \
	"$(json_get plain.json '[round(p["probability"], 9) for p in d["predictions"]]')" "predict_proba: the probabilities of /predict/batch"
mlreq() { # mlreq CONTENT-TYPE BODY
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H "Content-Type: $1" --data-binary "$2" "$URL/invocations")
	BODY=$(cat resp.txt)
}
mlreq 'application/json; charset=utf-8' "{\"dataframe_records\":[$LOW]}"
expect_eq "$CODE $BODY" '200 {"predictions":[0]}' "charset=utf-8 is fine"
mlreq 'application/json; charset=latin-1' "{\"dataframe_records\":[$LOW]}"
expect_match "$CODE $BODY" '^415 .*UTF-8' "another charset: 415, as MLflow"
mlreq 'application/json; format=pandas-split' "{\"dataframe_records\":[$LOW]}"
expect_match "$CODE $BODY" '^415 .*parameters' "MLflow 1.x content-type parameters: 415"
mlreq 'application/x-www-form-urlencoded' "{\"dataframe_records\":[$LOW]}"
expect_eq "$CODE" 415 "a form body: 415"
mlreq application/json "[$LOW]"
expect_match "$CODE $BODY" '^400 \{"error_code":"BAD_REQUEST","message":"The input must be a JSON dictionary' "a bare list: 400 in MLflow's error shape"
mlreq application/json "{\"instances\":[$LOW],\"inputs\":[$LOW]}"
expect_match "$CODE $BODY" '^400 .*exactly one' "two formats: 400"
mlreq application/json '{"dataframe_records":'
expect_match "$CODE $BODY" '^400 .*valid JSON' "malformed JSON: 400"
mlreq application/json '{"dataframe_records":[{"income":-5}]}'
expect_match "$CODE $BODY" '^400 .*Failed to enforce schema.*income: below minimum 0' "a contract violation: 400 naming the field"
expect_match "$BODY" '"details":\[' "with the details"
mlreq application/json '{"instances":[[1,2,3]]}'
expect_match "$CODE $BODY" '^400 .*one value per input' "a short positional row: 400"
mlreq application/json '{"dataframe_split":{"columns":["income"],"data":[[1],[2,3]]}}'
expect_match "$CODE $BODY" '^400 .*one value per column' "a ragged split frame: 400"
mlreq application/json '{"dataframe_records":[]}'
expect_match "$CODE" '^400$' "no rows: 400"
rows=$($PY -c "print('{\"instances\":[' + ','.join(['[1,0.1,700,30,1,1,1,0]'] * 101) + ']}')")
mlreq application/json "$rows"
expect_match "$CODE $BODY" '^413 .*BAD_REQUEST' "more rows than --max-batch: 413"
mlreq text/csv 'income,debt_ratio
1,"2'
expect_match "$CODE $BODY" '^400 ' "a broken CSV body: 400"
mlreq text/csv 'income,zzz
85000,x
'
expect_match "$CODE $BODY" '^400 .*debt_ratio: missing' "CSV: a missing column is named"
# Found by a hostile review: a column named twice was read last-wins,
# blank lines were rows, and the errors before the route were not
# MLflow's shape.
H=income,debt_ratio,credit_score,age,employment_years,num_credit_lines,loan_amount,has_prior_default
R=85000,0.15,760,45,12,4,15000,false
mlreq text/csv "$H,income
$R,1"
expect_match "$CODE $BODY" "^400 \{\"error_code\":\"BAD_REQUEST\".*column 'income' is given twice" "CSV: a column named twice is a 400, not last-wins"
mlreq application/json "{\"dataframe_split\":{\"columns\":[\"income\",\"income\"],\"data\":[[1,2]]}}"
expect_match "$CODE $BODY" "^400 .*column 'income' is given twice" "dataframe_split: the same"
mlreq text/csv "$(printf '%s\r\n\r\n%s\r\n\r\n  \r\n' "$H" "$R")"
expect_eq "$CODE $BODY" '200 {"predictions":[0]}' "CSV: blank lines are no rows (pandas' skip_blank_lines)"
CODE=$(printf '{}' | gzip -c | curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
	-H 'Content-Encoding: br' --data-binary @- "$URL/invocations")
expect_match "$CODE $(cat resp.txt)" '^415 \{"error_code":"BAD_REQUEST"' "/invocations: an unknown encoding is 415 in MLflow's shape"
head -c 9000 /dev/zero | tr '\0' ' ' > big.txt
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @big.txt "$URL/invocations")
expect_match "$CODE $(cat resp.txt)" '^413 \{"error_code":"BAD_REQUEST"' "/invocations: a body over --max-body is 413 in MLflow's shape"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Encoding: gzip' "$URL/model/info")
expect_eq "$CODE" 200 "a GET with Content-Encoding and no body: nothing to decode, 200"
req GET /ping
expect_eq "$CODE $(hdr Content-Type) $(od -An -c resp.txt | tr -d ' ')" '200 application/json \n' "GET /ping: 200 and a newline, as MLflow"
req GET /version
expect_match "$CODE $BODY" '^200 [0-9]+\.[0-9]+\.[0-9]+$' "GET /version"
req GET /invocations
expect_eq "$CODE $(hdr Allow)" "405 POST" "GET /invocations: 405"

# --- /metrics: OIP requests by route pattern, not one /v2 for all
# (/v2/models/credit-risk/nope asks for the model "credit-risk/nope": a
# name may hold '/').
for u in /v2 /v2/health/live /v2/health/ready /v2/models/credit-risk /v2/models/credit-risk/ready \
	/v2/models/credit-risk/versions/1.0.0 /v2/models/credit-risk/versions/1.0.0/ready /v2/models/credit-risk/nope /v2/nope; do
	curl -s -o /dev/null "$URL$u"
done
OIPROW='{"inputs":[{"name":"x","shape":[1,8],"datatype":"FP64","data":[85000,0.15,760,45,12,4,15000,0]}]}'
req POST /v2/models/credit-risk/infer "$OIPROW"
req POST /v2/models/credit-risk/versions/1.0.0/infer "$OIPROW"
curl -s "$URL/metrics" > metrics.txt
for pat in '/v2,status="200"} 1' '/v2/health/live,status="200"} 1' '/v2/health/ready,status="200"} 1' \
	'/v2/models/{name},status="200"} 2' '/v2/models/{name}/ready,status="200"} 2' \
	'/v2/models/{name},status="404"} 1' \
	'/v2/models/{name}/infer,status="200"} 2' 'other,status="404"} 1' '/invocations,status="200"} 10' \
	'/invocations,status="415"} 4' '/ping,status="200"} 1' '/health,status="200"} 1'; do
	r=${pat%%,*} rest=${pat#*,}
	expect_eq "$(grep -F "mlops_requests_total{route=\"$r\",${rest%\} *}" metrics.txt | sed 's/.* //')" "${pat##* }" \
		"metrics: route=\"$r\" ${rest%\} *}"
done
run promtool check metrics < metrics.txt
expect_rc 0 "promtool check metrics is clean with the new labels"

# --- OpenAPI 3.1: from the signature, valid for a real validator, the
# same offline, and real answers fit it.
CHECK="node $MLOPS_SRC/tests/tools/openapi-check.js"
req GET /openapi.json
expect_eq "$CODE $(hdr Content-Type)" "200 application/json" "GET /openapi.json"
printf '%s' "$BODY" > openapi.json
run $CHECK openapi.json
expect_rc 0 "swagger-parser validates it as OpenAPI 3.1"
run "$MLOPS" inspect --openapi b.mlpkg
expect_rc 0 "mlops inspect --openapi"
printf '%s\n' "$OUT" > offline.json
expect_eq "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' openapi.json offline.json)" \
	True "inspect --openapi prints the document the server answers"
expect_eq "$(json_get openapi.json 'd["openapi"], d["info"]["title"], d["info"]["version"]')" \
	"('3.1.0', 'credit-risk', '1.0.0')" "3.1.0, the model's name and version"
F='d["components"]["schemas"]["Features"]'
expect_eq "$(json_get openapi.json "$F[\"properties\"][\"credit_score\"], $F[\"properties\"][\"employment_years\"][\"type\"], sorted($F[\"required\"]) == sorted($F[\"properties\"])")" \
	"({'type': 'integer', 'minimum': 300, 'maximum': 850}, ['number', 'null'], True)" \
	"inputs: type, bounds, nullability, required"
expect_eq "$(json_get openapi.json 'sorted(d["paths"])')" \
	"['/docs', '/drift', '/explain', '/feedback', '/health', '/health/live', '/health/ready', '/invocations', '/metrics', '/model/info', '/models/{name}/info', '/models/{name}/predict', '/models/{name}/predict/batch', '/models/{name}/shadow', '/openapi.json', '/performance', '/ping', '/predict', '/predict/batch', '/shadow', '/v2', '/v2/health/live', '/v2/health/ready', '/v2/models/{name}', '/v2/models/{name}/explain', '/v2/models/{name}/infer', '/v2/models/{name}/ready', '/v2/repository/index', '/version']" \
	"every route of the serving port"
expect_eq "$(json_get openapi.json 'sorted(d["paths"]["/predict"]["post"]["responses"]), "security" in d')" \
	"(['200', '400', '413', '415', '422', '503'], False)" "the error answers; no keys, no security"
# The validator is real: a broken document fails it.
$PY -c 'import json; d=json.load(open("openapi.json")); d["paths"]["/predict"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]={"$ref":"#/components/schemas/Nope"}; json.dump(d, open("broken.json","w"))'
run $CHECK broken.json
expect_rc 1 "a document with a dangling \$ref is refused"
$PY -c 'import json; d=json.load(open("openapi.json")); d["paths"]["/predict"]["post"]["responses"]["200"]["description"]=7; json.dump(d, open("broken2.json","w"))'
run $CHECK broken2.json
expect_rc 1 "a document with a mistyped field is refused"
# One real request and answer a route, checked against the document.
cat > answers.py <<'PY'
import json, sys, urllib.request, urllib.error
url = sys.argv[1]
LOW = json.loads(sys.argv[2])
def call(method, path, body=None, ctype="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method.upper(),
                                 headers={"Content-Type": ctype} if data is not None else {})
    try:
        r = urllib.request.urlopen(req)
        status, text, rtype = r.status, r.read(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        status, text, rtype = e.code, e.read(), e.headers.get("Content-Type")
    rtype = rtype.split(";")[0]
    out = {"path": path, "method": method, "status": status, "type": rtype}
    if rtype == "application/json" and text.strip():
        out["body"] = json.loads(text)
    return out
tensor = {"inputs": [{"name": "x", "shape": [1, 8], "datatype": "FP64", "data": [85000, 0.15, 760, 45, 12, 4, 15000, 0]}]}
ans = [
    call("post", "/predict", {"features": LOW}),
    call("post", "/predict", {"features": dict(LOW, income=-1)}),
    call("post", "/predict", raw=b"{", ctype="application/json"),
    call("post", "/predict", {"features": LOW, "pad": "y" * 9000}),
    call("post", "/predict/batch", [LOW, LOW]),
    call("post", "/predict/batch", {"columns": {k: [v] for k, v in LOW.items()}}),
    call("get", "/health"), call("get", "/health/live"), call("get", "/health/ready"),
    call("get", "/model/info"), call("get", "/metrics"), call("get", "/openapi.json"), call("get", "/docs"),
    call("post", "/invocations", {"dataframe_records": [LOW]}),
    call("post", "/invocations", {"dataframe_records": [dict(LOW, income=-1)]}),
    call("post", "/invocations", raw=b"x", ctype="text/plain"),
    call("get", "/ping"), call("get", "/version"),
    call("get", "/v2"), call("get", "/v2/health/live"), call("get", "/v2/health/ready"),
    call("get", "/v2/models/credit-risk"), call("get", "/v2/models/credit-risk/ready"),
    call("post", "/v2/models/credit-risk/infer", tensor),
    call("post", "/v2/models/credit-risk/infer", {"inputs": []}),
    call("post", "/models/credit-risk/predict", {"features": LOW}),
    call("post", "/models/credit-risk/predict/batch", [LOW]),
    call("get", "/models/credit-risk/info"),
    call("post", "/models/nope/predict", {"features": LOW}),
    call("post", "/v2/repository/index", {}),
    call("get", "/v2/repository/index"),
    call("get", "/shadow"),
]
for a in ans:
    if a["path"].startswith("/v2/models/") or a["path"].startswith("/models/"):
        a["path"] = a["path"].replace("/credit-risk", "/{name}").replace("/nope", "/{name}")
json.dump(ans, sys.stdout)
PY
$PY answers.py "$URL" "$LOW" > answers.json
expect_eq "$(json_get answers.json '[a["status"] for a in d]')" \
	"[200, 422, 400, 413, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 415, 200, 200, 200, 200, 200, 200, 200, 200, 400, 200, 200, 200, 404, 200, 200, 404]" \
	"one answer per route and error, as expected"
run $CHECK openapi.json answers.json
expect_rc 0 "every real answer fits the document (route, status, media type, schema)"
[ "$RC" -eq 0 ] || diag "$OUT"
$PY -c 'import json; a=json.load(open("answers.json")); a[0]["body"]["probability"]=2; a[1]["body"]["details"][0].pop("field"); json.dump(a, open("answers-bad.json","w"))'
run $CHECK openapi.json answers-bad.json
expect_eq "$RC $(printf '%s\n' "$OUT" | wc -l)" "1 2" "the answer check is real: a probability of 2 and a detail without field are caught"
req GET /docs
expect_eq "$CODE $(hdr Content-Type)" "200 text/html; charset=utf-8" "GET /docs: a page"
expect_match "$BODY" '<title>credit-risk' "titled by the model"
expect_match "$BODY" '<code>credit_score</code></td><td>integer</td><td>yes</td><td>&ge; 300 &le; 850' "the inputs table"
expect_match "$BODY" '/v2/models/\{name\}/infer' "the routes"
expect_eq "$(printf '%s' "$BODY" | grep -Eci '<script|<link|src=|@import|url\(')" 0 "self-contained: no script, no stylesheet or image from elsewhere"

# --- OIP binary tensor extension, a client written from Triton's
# extension_binary_data.md: JSON header, Inference-Header-Content-Length,
# then each binary input's bytes (little-endian; BYTES as 4-byte length +
# bytes), binary outputs when asked.
cat > oip_binary_client.py <<'PY'
import json, struct, sys, urllib.request, urllib.error
url, case = sys.argv[1], sys.argv[2]
rows = json.load(open("rows.json"))
sig = [("income", "FP32", "f"), ("debt_ratio", "FP32", "f"), ("credit_score", "INT32", "i"),
       ("age", "INT16", "h"), ("employment_years", "FP64", "d"), ("num_credit_lines", "UINT8", "B"),
       ("loan_amount", "FP16", "e"), ("has_prior_default", "BOOL", "?")]
def send(header, blobs, extra=None):
    h = json.dumps(header).encode()
    body = h + b"".join(blobs)
    hdrs = {"Inference-Header-Content-Length": str(len(h)) if extra is None else extra,
            "Content-Type": "application/octet-stream"}
    req = urllib.request.Request(url + "/v2/models/credit-risk/infer", data=body, headers=hdrs)
    try:
        r = urllib.request.urlopen(req)
        return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
def decode(headers, raw):
    n = headers.get("Inference-Header-Content-Length")
    if n is None:
        return json.loads(raw)
    doc = json.loads(raw[:int(n)])
    at = int(n)
    for o in doc["outputs"]:
        size = o.get("parameters", {}).get("binary_data_size")
        if size is None:
            continue
        b = raw[at:at + size]
        at += size
        if o["datatype"] == "BYTES":
            vals, i = [], 0
            while i < len(b):
                (l,) = struct.unpack_from("<I", b, i)
                vals.append(b[i + 4:i + 4 + l].decode())
                i += 4 + l
        else:
            fmt = {"INT64": "q", "FP64": "d"}[o["datatype"]]
            vals = list(struct.unpack("<%d%s" % (len(b) // 8, fmt), b))
        o["data"] = vals
    assert at == len(raw), (at, len(raw))
    return doc
def named(binary_names, bytes_income=False):
    inputs, blobs = [], []
    for name, dt, fmt in sig:
        vals = [r[name] for r in rows]
        t = {"name": name, "shape": [len(rows)], "datatype": dt}
        if name == "income" and bytes_income:
            t["datatype"] = "BYTES"
            data = b"".join(struct.pack("<I", len(str(v))) + str(v).encode() for v in vals)
            t["parameters"] = {"binary_data_size": len(data)}
            blobs.append(data)
        elif name in binary_names:
            data = struct.pack("<%d%s" % (len(vals), fmt), *vals)
            t["parameters"] = {"binary_data_size": len(data)}
            blobs.append(data)
        else:
            t["data"] = vals
        inputs.append(t)
    return inputs, blobs
if case == "matrix":
    flat = [float(r[n]) for r in rows for n, _, _ in sig]
    data = struct.pack("<%dd" % len(flat), *flat)
    st, h, raw = send({"id": "b-1", "inputs": [{"name": "x", "shape": [len(rows), 8], "datatype": "FP64",
                       "parameters": {"binary_data_size": len(data)}}],
                       "parameters": {"binary_data_output": True}}, [data])
elif case in ("named", "bytes", "mixed"):
    names = [n for n, _, _ in sig] if case != "mixed" else ["income", "age", "has_prior_default"]
    inputs, blobs = named(names, bytes_income=(case == "bytes"))
    st, h, raw = send({"inputs": inputs, "outputs": [{"name": "prediction", "parameters": {"binary_data": True}},
                       {"name": "probability", "parameters": {"binary_data": case == "named"}}]}, blobs)
elif case.startswith("bad-"):
    inputs, blobs = named([n for n, _, _ in sig])
    extra = None
    if case == "bad-header":
        extra = "999999"
    elif case == "bad-header-text":
        extra = "12x"
    elif case == "bad-size":
        inputs[0]["parameters"]["binary_data_size"] += 4
    elif case == "bad-short":
        blobs[-1] = b""
    elif case == "bad-bytes":
        inputs[0]["datatype"] = "BYTES"
        blobs[0] = struct.pack("<I", 1000) + b"12"
        inputs[0]["parameters"]["binary_data_size"] = len(blobs[0])
    elif case == "bad-both":
        inputs[0]["data"] = [1, 2]
    elif case == "bad-extra":
        blobs.append(b"XXXX")
    st, h, raw = send({"inputs": inputs}, blobs, extra)
    print(st, json.loads(raw).get("error", "")[:120])
    sys.exit(0)
doc = decode(h, raw)
out = {o["name"]: o["data"] for o in doc["outputs"]}
print(st, h.get("Content-Type"), json.dumps(list(zip(out.get("prediction", []), [round(p, 9) for p in out.get("probability", [])]))),
      doc.get("id", "-"), ",".join(o["name"] + ("*" if "parameters" in o else "") for o in doc["outputs"]))
PY
want=$(json_get plain.json 'json.dumps([(p["prediction"], round(p["probability"], 9)) for p in d["predictions"]])')
got=$($PY oip_binary_client.py "$URL" matrix)
expect_eq "$got" "200 application/octet-stream $want b-1 prediction*,probability*,probabilities*" \
	"binary: one FP64 [2, 8] tensor in, every output in binary: /predict/batch's answers"
got=$($PY oip_binary_client.py "$URL" named)
expect_eq "$got" "200 application/octet-stream $want - prediction*,probability*" \
	"binary: FP32, INT32, INT16, FP64, UINT8, FP16 and BOOL tensors by name"
got=$($PY oip_binary_client.py "$URL" bytes)
expect_eq "$got" "200 application/octet-stream $want - prediction*,probability" \
	"binary: a BYTES tensor (length-prefixed), one output binary and one JSON"
got=$($PY oip_binary_client.py "$URL" mixed)
expect_eq "$got" "200 application/octet-stream $want - prediction*,probability" \
	"binary and JSON tensors in one request"
for c in bad-header:'^400 Inference-Header-Content-Length' bad-header-text:'^400 Inference-Header' \
	bad-size:"^400 tensor 'income': binary_data_size" bad-short:"^400 tensor 'has_prior_default'" \
	bad-bytes:"^400 tensor 'income': a BYTES element is longer" bad-both:"^400 tensor 'income': binary data and" \
	bad-extra:"^400 the binary data holds bytes no input"; do
	expect_match "$($PY oip_binary_client.py "$URL" "${c%%:*}")" "${c#*:}" "binary: ${c%%:*} is a 400 naming the problem"
done
req GET /v2
expect_eq "$BODY" "{\"name\":\"mlops\",\"version\":\"$(echo "$BODY" | sed 's/.*"version":"\([^"]*\)".*/\1/')\",\"extensions\":[\"binary_tensor_data\"]}" \
	"/v2 names the binary_tensor_data extension"

# Without --cors-origin, nothing: a preflight is a 405 as before.
P2=$(free_port)
MLOPS_API_KEYS=k-s3cret timeout 120 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$P2" -q \
	--public-health --rate-limit 1000/s 2> serve2.err &
S2=$!
at_exit "kill $S2 2>/dev/null"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$P2/health/ready" && break; sleep 0.05; done
CODE=$(curl -s -o /dev/null -D h.txt -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example.com' \
	-H 'X-API-Key: k-s3cret' -H 'Access-Control-Request-Method: POST' "http://127.0.0.1:$P2/predict")
expect_eq "$CODE $(grep -ci '^access-control' h.txt)" "405 0" "no --cors-origin: no CORS at all"
curl -s -H 'X-API-Key: k-s3cret' "http://127.0.0.1:$P2/openapi.json" > keyed.json
run $CHECK keyed.json
expect_rc 0 "with API keys: still a valid document"
expect_eq "$(json_get keyed.json 'sorted(d["components"]["securitySchemes"]), d["security"], sorted(d["paths"]["/predict"]["post"]["responses"]), d["paths"]["/health"]["get"]["security"], "401" in d["paths"]["/health"]["get"]["responses"]')" \
	"(['apiKey', 'bearer'], [{'bearer': []}, {'apiKey': []}], ['200', '400', '401', '413', '415', '422', '429', '503'], [], False)" \
	"security schemes, 401 and 429 answers; health open with --public-health"
kill "$S2"
run "$MLOPS" serve b.mlpkg --cors-origin 'https://app.example.com/'
expect_rc 2 "--cors-origin with a path: usage error"
run "$MLOPS" serve b.mlpkg --cors-origin 'app.example.com'
expect_rc 2 "--cors-origin without a scheme: usage error"
# A browser sends its origin lowercase and without the default port, and
# the comparison is byte for byte: an origin that could never match is
# refused at start, not left to fail silently in the browser.
run "$MLOPS" serve b.mlpkg --cors-origin 'https://App.example.com'
expect_rc 2 "--cors-origin in mixed case: usage error"
expect_match "$ERR" "lowercase" "says why"
run "$MLOPS" serve b.mlpkg --cors-origin 'https://app.example.com:443'
expect_rc 2 "--cors-origin with the scheme's default port: usage error"
expect_match "$ERR" "default port" "says why"

# --- OpenAPI with several models: a path and schemas per model, each
# model's from its own bundle; unloaded, it leaves the document.
export MLOPS_ADMIN_KEY=oa-admin-key
for e in house-prices wine-quality; do
	mkdir -p "ex-$e"
	cp -R "$MLOPS_SRC/examples/$e/." "ex-$e/"
	rm -rf "ex-$e"/*.mlpkg "ex-$e/.mlops"
	must "$MLOPS" -C "ex-$e" package -q -o "$SCRATCH/$e.mlpkg"
done
cp b.mlpkg credit-risk.mlpkg
# check_models DOC MODEL...: each model's schemas in DOC are its bundle's:
# the signature (mlops inspect --json) as JSON Schema, and what the
# one-model document of that bundle says (mlops inspect --openapi).
cat > models_match.py <<'PY'
import json, os, subprocess, sys
doc = json.load(open(sys.argv[1]))
def mlops(*args):
    return json.loads(subprocess.run([os.environ["MLOPS"], *args], capture_output=True, check=True).stdout)
S = doc["components"]["schemas"]
JS = {"float": "number", "int": "integer", "bool": "boolean", "category": "string", "string": "string"}
bad = []
for m in sys.argv[2:]:
    info = mlops("inspect", "--json", m + ".mlpkg")
    one = mlops("inspect", "--openapi", m + ".mlpkg")
    f = S[m + ".Features"]
    ins = info["signature"]["inputs"]
    if list(f["properties"]) != [i["name"] for i in ins]: bad.append(m + ": inputs")
    if sorted(f["required"]) != sorted(i["name"] for i in ins if i["required"]): bad.append(m + ": required")
    for i in ins:
        p = f["properties"][i["name"]]
        t = JS[i["type"]]
        if p["type"] != ([t, "null"] if i["nullable"] else t): bad.append(m + ": type of " + i["name"])
        if p.get("minimum") != i.get("min") or p.get("maximum") != i.get("max"): bad.append(m + ": bounds of " + i["name"])
        want = i.get("values") and i["values"] + ([None] if i["nullable"] else [])
        if p.get("enum") != want: bad.append(m + ": enum of " + i["name"])
    for k in ("Features", "Columns", "Prediction"):
        if S[m + "." + k] != one["components"]["schemas"][k]: bad.append(m + ": " + k + " differs from its bundle's document")
    for k in ("PredictResponse", "BatchResponse"):
        if json.dumps(S[m + "." + k]) != json.dumps(one["components"]["schemas"][k]).replace("schemas/", "schemas/" + m + "."): bad.append(m + ": " + k)
    if doc["x-models"][[x["name"] for x in doc["x-models"]].index(m)]["features"] != "#/components/schemas/" + m + ".Features": bad.append(m + ": x-models")
print(" ".join(bad) or "ok")
PY
# paths DOC MODEL: the document's paths naming MODEL.
paths() { json_get "$1" "sorted(p for p in d['paths'] if '/$2' in p)"; }
MODEL_PATHS="'/models/M/drift', '/models/M/explain', '/models/M/feedback', '/models/M/info', '/models/M/invocations', '/models/M/performance', '/models/M/predict', '/models/M/predict/batch', '/models/M/shadow', '/v2/models/M', '/v2/models/M/explain', '/v2/models/M/infer', '/v2/models/M/ready'"
HOUSE='{"area_m2":105.4,"rooms":3,"age_years":89,"distance_km":10.0,"has_garden":true,"energy_class":"A"}'
WINE='{"alcohol":12.12,"acidity":6.17,"residual_sugar":1.5,"sulphates":0.65,"ph":3.18,"region":"coast"}'
serve_bg two.log credit-risk.mlpkg house-prices.mlpkg --admin-listen 127.0.0.1:0
ok $([ -n "$URL" ] && echo 0 || echo 1) "serve two models with different inputs"
[ -n "$URL" ] || diag "$(cat two.log)"
curl -s "$URL/openapi.json" > two.json
run $CHECK two.json
expect_rc 0 "two models: swagger-parser validates the document"
[ "$RC" -eq 0 ] || diag "$OUT"
expect_eq "$(json_get two.json 'd["info"]["title"], [m["name"] for m in d["x-models"]], [t["name"] for t in d["tags"]]')" \
	"('credit-risk, house-prices', ['credit-risk', 'house-prices'], ['credit-risk', 'house-prices'])" "info, x-models and a tag a model"
expect_eq "$($PY models_match.py two.json credit-risk house-prices)" ok "each model's schemas are its bundle's"
for m in credit-risk house-prices; do
	expect_eq "$(paths two.json "$m")" "[$(printf '%s' "$MODEL_PATHS" | sed "s/M/$m/g")]" "$m: a path for each of its routes"
done
expect_eq "$(json_get two.json '((p := d["paths"]["/models/house-prices/predict"]["post"])["requestBody"]["content"]["application/json"]["schema"]["properties"]["features"]["$ref"], p["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], p["operationId"], p["tags"], "parameters" in p, sorted(d["components"]["schemas"]["Features"]))')" \
	"('#/components/schemas/house-prices.Features', '#/components/schemas/house-prices.PredictResponse', 'house-prices.predict', ['house-prices'], False, ['anyOf', 'description'])" \
	"/models/house-prices/predict: its own schemas, operation id and tag; the templated routes any model's"
cat > answers2.py <<'PY'
import json, sys, urllib.request, urllib.error
url, rows = sys.argv[1], json.loads(sys.argv[2])
def call(method, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method.upper(), headers={"Content-Type": "application/json"})
    try:
        r = urllib.request.urlopen(req)
        status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return {"path": path, "method": method, "status": status, "type": "application/json", "body": json.loads(text), "request": body}
ans = []
for m, row in rows.items():
    ans += [call("post", "/models/%s/predict" % m, {"features": row}),
            call("post", "/models/%s/predict/batch" % m, [row, row]),
            call("post", "/models/%s/explain" % m, {"features": row, "top": 2}),
            call("post", "/v2/models/%s/infer" % m, {"inputs": [{"name": k, "shape": [1], "datatype": "BYTES" if isinstance(v, str) else "BOOL" if isinstance(v, bool) else "FP64", "data": [v]} for k, v in row.items()]})]
    other = [r for n, r in rows.items() if n != m][0]
    ans.append(call("post", "/models/%s/predict" % m, {"features": other}))
    del ans[-1]["request"] # the other model's row: refused, as the document says
if len(sys.argv) > 3: # the default model's row, by /predict
    ans.append(call("post", "/predict", {"features": rows[sys.argv[3]]}))
json.dump(ans, sys.stdout)
PY
ROWS2="{\"credit-risk\": $LOW, \"house-prices\": $HOUSE}"
$PY answers2.py "$URL" "$ROWS2" > answers2.json
expect_eq "$(json_get answers2.json '[a["status"] for a in d]')" "[200, 200, 200, 200, 422, 200, 200, 200, 200, 422]" \
	"each model answers its rows, and refuses the other's"
run $CHECK two.json answers2.json
expect_rc 0 "each answer, and each request, fits that model's routes in the document"
[ "$RC" -eq 0 ] || diag "$OUT"
# The check is real: house-prices' answer and row are not credit-risk's.
$PY -c 'import json; a=json.load(open("answers2.json")); x=a[5]; x["path"]="/models/credit-risk/predict"; json.dump([x], open("swapped.json","w"))'
run $CHECK two.json swapped.json
expect_eq "$RC $(printf '%s\n' "$OUT" | grep -c 'body.prediction: .* is not integer or string') $(printf '%s\n' "$OUT" | grep -c 'request.features: "income" is required')" \
	"1 1 1" "a house price and a house row do not fit credit-risk's schemas"
req GET /docs
expect_match "$BODY" '<h2 id="model-house-prices">house-prices' "/docs: a section a model"
expect_match "$BODY" '<code>energy_class</code></td><td>string</td><td>yes</td><td>one of A, B, C, D' "with its inputs"
expect_match "$BODY" '<code>credit_score</code></td><td>integer</td><td>yes</td><td>&ge; 300 &le; 850' "each model's"
expect_match "$BODY" '<code>/v2/models/house-prices/infer</code>' "and its routes"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/house-prices/unload")
expect_eq "$CODE" 200 "admin: unload house-prices"
curl -s "$URL/openapi.json" > after.json
run $CHECK after.json
expect_rc 0 "after the unload: a valid document"
expect_eq "$(grep -c house-prices after.json) $(json_get after.json 'd["info"]["title"], "x-models" in d, sorted(d["components"]["schemas"]["Features"]["properties"])')" \
	"0 ('credit-risk', False, ['age', 'credit_score', 'debt_ratio', 'employment_years', 'has_prior_default', 'income', 'loan_amount', 'num_credit_lines'])" "the model is gone from the document: credit-risk's, as if served alone"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/house-prices/load")
curl -s "$URL/openapi.json" > again.json
expect_eq "$CODE $(paths again.json house-prices | wc -c)" "200 $(paths two.json house-prices | wc -c)" "loaded again: back in the document"
# Readers while loads and unloads swap the models: each document is one
# set of models (a model's paths are there exactly when it is listed).
( for _ in $(seq 15); do
	curl -s -o /dev/null -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/house-prices/unload"
	curl -s -o /dev/null -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/house-prices/load"
done ) &
SWAP=$!
for i in $(seq 40); do curl -s "$URL/openapi.json" > "race$i.json"; done
wait $SWAP
expect_eq "$($PY -c '
import json, sys
seen = set()
for i in range(1, 41):
    d = json.load(open("race%d.json" % i))
    listed = "house-prices" in [m["name"] for m in d.get("x-models", [])]
    seen.add(listed)
    assert listed == ("/models/house-prices/predict" in d["paths"]) == ("house-prices.Features" in d["components"]["schemas"]), i
print("whole")')" whole "documents read during loads and unloads are whole"
kill -TERM "$MPID"
wait "$SPID"
expect_eq "$?" 0 "the server of two models stops cleanly (no sanitizer report)"

# Three models from --models DIR, one the default; SIGHUP drops one.
mkdir models
cp credit-risk.mlpkg house-prices.mlpkg wine-quality.mlpkg models/
serve_bg three.log --models models --default-model house-prices
ok $([ -n "$URL" ] && echo 0 || echo 1) "serve three models, house-prices the default"
curl -s "$URL/openapi.json" > three.json
run $CHECK three.json
expect_rc 0 "three models: swagger-parser validates the document"
[ "$RC" -eq 0 ] || diag "$OUT"
expect_eq "$($PY models_match.py three.json credit-risk house-prices wine-quality)" ok "each model's schemas are its bundle's"
expect_eq "$(paths three.json wine-quality)" "[$(printf '%s' "$MODEL_PATHS" | sed "s/M/wine-quality/g")]" "wine-quality: a path for each of its routes"
expect_eq "$(json_get three.json 'd["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["features"]["$ref"], [m["name"] for m in d["x-models"] if m["default"]], len(d["components"]["schemas"]["Prediction"]["anyOf"])')" \
	"('#/components/schemas/house-prices.Features', ['house-prices'], 3)" "/predict: the default model's schemas"
ROWS3="{\"credit-risk\": $LOW, \"house-prices\": $HOUSE, \"wine-quality\": $WINE}"
$PY answers2.py "$URL" "$ROWS3" house-prices > answers3.json
expect_eq "$(json_get answers3.json '[a["status"] for a in d]')" "[200, 200, 200, 200, 422, 200, 200, 200, 200, 422, 200, 200, 200, 200, 422, 200]" \
	"three models answer their own rows, /predict the default's"
run $CHECK three.json answers3.json
expect_rc 0 "every answer fits the document of three models"
[ "$RC" -eq 0 ] || diag "$OUT"
rm models/wine-quality.mlpkg
kill -HUP "$MPID"
for _ in $(seq 600); do curl -s "$URL/openapi.json" | grep -q wine-quality || break; sleep 0.05; done
curl -s "$URL/openapi.json" > hup.json
expect_eq "$(grep -c wine-quality hup.json) $(json_get hup.json '[m["name"] for m in d["x-models"]]')" \
	"0 ['credit-risk', 'house-prices']" "SIGHUP unloads wine-quality: gone from the document"
run $CHECK hup.json
expect_rc 0 "and it is still valid"
kill -TERM "$MPID"
wait "$SPID"
expect_eq "$?" 0 "the server of three models stops cleanly (no sanitizer report)"

done_testing
