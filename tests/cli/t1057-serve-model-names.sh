#!/bin/sh
# mlops serve with models whose names hold '/' (a valid name: "team/churn"):
# each one answers by its whole name through REST (/models/NAME/...), the
# Open Inference Protocol (/v2/models/NAME[/versions/V]/...) and the admin
# API (/admin/models/NAME/load|unload), also when one name is a prefix of
# another; a path that could name two models answers for the one served
# (the leftmost); the metrics and access log carry the whole name. A
# single-model server with such a name answers OIP by it too.
. "$(dirname "$0")/lib.sh"

ADMIN_KEY=names-admin-key-4711
export MLOPS_ADMIN_KEY="$ADMIN_KEY"
# name VERSION DIR: a copy of credit-risk named NAME, version VERSION.
named() {
	copy_example "$3"
	sed -i "s|^name: .*|name: $1|; s|^version: .*|version: $2|" "$3/mlops.yaml"
	must "$MLOPS" -C "$3" package -q -o "$SCRATCH/$3.mlpkg"
}
named team/credit 1.0.0 tc
named team 2.0.0 t
named team/ready 3.0.0 tr

req() { http_req "$@"; }
areq() { # areq PATH: POST to the admin API, with its key
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN$1")
	BODY=$(cat resp.txt)
}
ROW='{"income":50000,"debt_ratio":0.3,"credit_score":700,"age":30,"employment_years":3,"num_credit_lines":3,"loan_amount":10000,"has_prior_default":false}'
ONE="{\"features\":$ROW}"
OIP=$($PY -c '
import json, sys
row = json.loads(sys.argv[1])
t = {bool: "BOOL", int: "INT64", float: "FP64"}
print(json.dumps({"inputs": [{"name": k, "shape": [1], "datatype": t[type(v)], "data": [v]} for k, v in row.items()]}))' "$ROW")

serve_bg multi.log tc.mlpkg t.mlpkg tr.mlpkg --admin-listen 127.0.0.1:0 --log-file access.log
ok $([ -n "$URL" ] && [ -n "$ADMIN" ] && echo 0 || echo 1) "serve team/credit, team and team/ready"
[ -n "$URL" ] || diag "$(cat multi.log)"

req POST "$URL/models/team/credit/predict" "$ONE"
expect_eq "$CODE $(json_get resp.txt 'd["model_version"]')" "200 1.0.0" \
	"/models/team/credit/predict: team/credit answers"
req POST "$URL/models/team/credit/predict/batch" "[$ROW,$ROW]"
expect_eq "$CODE $(json_get resp.txt 'len(d["predictions"])')" "200 2" \
	"/models/team/credit/predict/batch"
req GET "$URL/models/team/credit/info"
expect_eq "$CODE $(json_get resp.txt 'd["name"]')" "200 team/credit" "/models/team/credit/info"
req POST "$URL/models/team/predict" "$ONE"
expect_eq "$CODE $(json_get resp.txt 'd["model_version"]')" "200 2.0.0" \
	"/models/team/predict: team, whose name begins the others'"
req GET "$URL/v2/models/team/credit"
expect_eq "$CODE $(json_get resp.txt 'd["name"], d["versions"]')" "200 ('team/credit', ['1.0.0'])" \
	"OIP metadata of team/credit"
req POST "$URL/v2/models/team/credit/versions/1.0.0/infer" "$OIP"
expect_eq "$CODE $(json_get resp.txt 'd["model_name"], d["model_version"]')" "200 ('team/credit', '1.0.0')" \
	"OIP infer of team/credit, version named"
req POST "$URL/v2/models/team/credit/infer" "$OIP"
expect_eq "$CODE $(json_get resp.txt 'd["model_name"]')" "200 team/credit" "OIP infer of team/credit"
req GET "$URL/v2/models/team/ready"
expect_eq "$CODE $BODY" '200 {"name":"team","ready":true}' \
	"/v2/models/team/ready: team's readiness (the leftmost name served)"
req GET "$URL/v2/models/team/ready/versions/3.0.0"
expect_eq "$CODE $(json_get resp.txt 'd["name"]')" "200 team/ready" \
	"/v2/models/team/ready/versions/3.0.0: team/ready's metadata"
req GET "$URL/v2/models/team/ready/versions/3.0.0/ready"
expect_eq "$CODE $BODY" '200 {"name":"team/ready","ready":true}' "and its readiness"
req GET "$URL/v2/models/team/nope/ready"
expect_eq "$CODE $(json_get resp.txt 'd["error"]')" \
	"404 no model named 'team/nope' here (loaded: team, team/credit, team/ready)" \
	"a name not served: 404 with the whole name"
req POST "$URL/models/team/nope/predict" "$ONE"
expect_eq "$CODE $(json_get resp.txt 'd["error"]')" \
	"404 no model named 'team/nope' here (loaded: team, team/credit, team/ready)" \
	"the same through REST"
req GET "$URL/metrics"
expect_match "$BODY" 'mlops_requests_total\{route="/v2/models/\{name\}/infer",status="200",model="team/credit",model_version="1.0.0"\} 2' \
	"/metrics: OIP infer counted for team/credit"
expect_match "$BODY" 'mlops_requests_total\{route="/predict/batch",status="200",model="team/credit",model_version="1.0.0"\} 1' \
	"and its batch"
expect_match "$(cat access.log)" '"route":"/v2/models/\{name\}/infer","status":200,.*"model":"team/credit","model_version":"1.0.0"' \
	"the access log names team/credit"

areq /admin/models/team/credit/unload
expect_eq "$CODE $(json_get resp.txt '[(c["action"], c["name"]) for c in d["changes"]]')" \
	"200 [('unloaded', 'team/credit')]" "admin: unload team/credit"
req POST "$URL/models/team/credit/predict" "$ONE"
expect_eq "$CODE" 404 "team/credit no longer answers"
req POST "$URL/models/team/predict" "$ONE"
expect_eq "$CODE" 200 "team still does"
areq /admin/models/team/unload
expect_eq "$CODE" 200 "admin: unload team"
req GET "$URL/v2/models/team/ready"
expect_eq "$CODE $(json_get resp.txt 'd["name"]')" "200 team/ready" \
	"/v2/models/team/ready with team gone: team/ready's metadata (the name served)"
areq /v2/repository/models/team/credit/load
expect_eq "$CODE $(json_get resp.txt '[(c["action"], c["name"]) for c in d["changes"]]')" \
	"200 [('loaded', 'team/credit')]" "Triton's alias loads it again"
req POST "$URL/v2/models/team/credit/infer" "$OIP"
expect_eq "$CODE" 200 "and it answers"
kill "$SPID"

serve_bg one.log tc.mlpkg
ok $([ -n "$URL" ] && echo 0 || echo 1) "serve team/credit alone"
req POST "$URL/v2/models/team/credit/infer" "$OIP"
expect_eq "$CODE $(json_get resp.txt 'd["model_name"]')" "200 team/credit" \
	"alone, OIP infer by its name"
req GET "$URL/v2/models/team/credit/versions/1.0.0/ready"
expect_eq "$CODE" 200 "and its version's readiness"
req POST "$URL/predict" "$ONE"
expect_eq "$CODE" 200 "and /predict"
kill "$SPID"

done_testing
