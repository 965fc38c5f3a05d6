#!/bin/sh
# serve --store: GET /performance and the mlops_model_performance gauges
# of /metrics, from predictions served and labels fed back: the same
# numbers as mlops monitor on the same store, and as scikit-learn; the
# serving version judged by its monitor: rules; refreshed when asked.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
cat >> proj/mlops.yaml <<'EOF'

monitor:
  min_labels: 20
  accuracy: {max_drop: 0.02}
EOF
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
DB=$SCRATCH/p.db

post() { # post PATH BODY [HEADER]: sets CODE, BODY (resp.txt)
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		${3:+-H "$3"} --data-binary "$2" "$URL$1")
	BODY=$(cat resp.txt)
}
get() { # get PATH: sets CODE, BODY
	CODE=$(curl -s -o resp.txt -w '%{http_code}' "$URL$1")
	BODY=$(cat resp.txt)
}

# Without a store there is nothing to compute from.
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve plain.err "$PORT" b.mlpkg || { ok 1 "serve starts"; cat plain.err; done_testing; exit 1; }
get /performance
expect_match "$CODE $BODY" '^404 .*--store' "no --store: /performance is 404 and says why"
kill "$SPID"; wait "$SPID" 2>/dev/null

run "$MLOPS" serve b.mlpkg --performance-every 5s
expect_rc 2 "--performance-every without --store: exit 2"
run "$MLOPS" serve b.mlpkg --store "sqlite:$DB" --performance-every 0s
expect_rc 2 "--performance-every 0s: exit 2"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve serve.err "$PORT" b.mlpkg --store "sqlite:$DB" --performance-every 1s ||
	{ ok 1 "serve --store starts"; cat serve.err; done_testing; exit 1; }
ok 0 "serve --store --performance-every 1s starts"

# The golden rows served in one batch, 300 of their labels fed back.
must "$MLOPS_SRC/tests/tools/golden-requests" proj/data/golden.csv batch.json feedback.json gold 300
post /predict/batch "@batch.json" 'X-Request-Id: gold'
expect_eq "$CODE" 200 "500 rows predicted"
post /feedback "@feedback.json"
expect_eq "$CODE $(json_get resp.txt '(d["stored"], d["unknown"])')" "200 (300, 0)" "300 labels fed back"

# Asked, then recomputed within a second or two.
tries=0
while :; do
	get /performance
	[ "$CODE" = 200 ] && [ "$(json_get resp.txt 'd["windows"]["1h"]["labelled"]')" = 300 ] && break
	tries=$((tries + 1))
	[ $tries -ge 100 ] && break
	sleep 0.2
done
expect_eq "$CODE" 200 "GET /performance answers 200"
cp resp.txt perf.json
expect_eq "$(json_get perf.json 'sorted(d["windows"])')" "['1h', '24h']" "windows: the last hour and day"
expect_eq "$(json_get perf.json '(d["model"], sorted(d["models"]), d["models"]["credit-risk"]["alerts_window"], d["models"]["credit-risk"]["windows"] == d["windows"])')" \
	"('credit-risk', ['credit-risk'], '24h', True)" "the one model's, also under models (its alerts window: 24h)"
expect_eq "$(json_get perf.json '[(g["version"], g["predictions"], g["used"]) for g in d["windows"]["24h"]["groups"]]')" \
	"[('1.0.0', 500, 300)]" "the rows served and labelled"

# The same as mlops monitor on the same store, and as sklearn.
run "$MLOPS" monitor --store "sqlite:$DB" --bundle b.mlpkg --since 1h --json
expect_rc 0 "mlops monitor on the server's store (the golden rows hold)"
printf '%s\n' "$OUT" > mon.json
sqlite3 -batch -noheader "$DB" "SELECT json_object('ts_ms', p.ts_ms, 'model', p.model, 'version', p.version, 'output', json(p.outputs), 'label', json(f.label)) FROM mlops_predictions p JOIN mlops_feedback f ON f.id = p.id ORDER BY p.ts_ms, p.seq" > stored.jsonl
$PY "$MLOPS_SRC/tests/tools/store-rows" --sklearn < stored.jsonl > sk.json
run $PY - perf.json mon.json sk.json <<'PY'
import json, sys
perf, mon, sk = (json.load(open(a)) for a in sys.argv[1:])
served = perf["windows"]["1h"]["groups"][0]["metrics"]
cli = mon["groups"][0]["metrics"]
want = sk["credit-risk 1.0.0"]
worst = 0.0
for k, v in want.items():
    worst = max(worst, abs(cli[k] - v) / abs(v))
    assert abs(served[k] - v) <= 1e-8 * abs(v), (k, served[k], v)  # 9 digits on the wire
print(len(want), worst, [(k, cli[k], v) for k, v in want.items() if cli[k] != v])
assert len(want) == 6 and worst <= 1e-12
PY
expect_rc 0 "/performance, mlops monitor and sklearn agree: $OUT"
expect_eq "$(json_get perf.json '(d["windows"]["1h"]["groups"][0]["status"], d["windows"]["1h"]["pass"])')" \
	"('pass', True)" "the serving version holds its rules on its own golden rows"

# The gauges.
get /metrics
expect_match "$BODY" '^mlops_model_performance\{metric="auc",window="1h",model="credit-risk",model_version="1\.0\.0"\} 0\.[0-9]+$' "an AUC gauge"
expect_match "$BODY" '^mlops_model_performance_labelled_rows\{window="24h",model="credit-risk",model_version="1\.0\.0"\} 300$' "the labelled rows"
expect_match "$BODY" '^mlops_model_performance_pass\{window="1h",model="credit-risk",model_version="1\.0\.0"\} 1$' "the verdict"
auc=$(printf '%s\n' "$BODY" | sed -n 's/^mlops_model_performance{metric="auc",window="1h",model="credit-risk",model_version="1.0.0"} //p')
expect_eq "$($PY -c "import json; print(abs($auc - json.load(open('sk.json'))['credit-risk 1.0.0']['auc']) < 1e-15)")" \
	True "the gauge is sklearn's AUC"

# The answer fits the OpenAPI document the server serves.
get /openapi.json
printf '%s' "$BODY" > openapi.json
$PY -c 'import json; print(json.dumps([{"path": "/performance", "method": "get", "status": 200, "type": "application/json", "body": json.load(open("perf.json"))}]))' > answers.json
run node "$MLOPS_SRC/tests/tools/openapi-check.js" openapi.json answers.json
expect_rc 0 "GET /performance fits /openapi.json: $OUT"

# Wrong labels for the other 200 rows: accuracy falls, the version fails.
$PY - proj/data/golden.csv > flipped.json <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
json.dump({"feedback": [{"id": f"gold/{i}", "label": 1 - int(r["default"])}
                        for i, r in enumerate(rows) if i >= 300]}, sys.stdout)
PY
post /feedback "@flipped.json"
expect_eq "$CODE" 200 "200 wrong labels fed back"
tries=0
while :; do
	get /performance
	[ "$(json_get resp.txt 'd["windows"]["1h"]["labelled"]' 2>/dev/null)" = 500 ] && break
	tries=$((tries + 1))
	[ $tries -ge 100 ] && break
	sleep 0.2
done
expect_eq "$(json_get resp.txt '(d["windows"]["1h"]["groups"][0]["status"], d["windows"]["1h"]["pass"], [c["metric"] for c in d["windows"]["1h"]["groups"][0]["checks"] if not c["pass"]])')" \
	"('fail', False, ['accuracy', 'auc', 'accuracy'])" "recomputed when asked: the drop and the failed gates"
get /metrics
expect_match "$BODY" '^mlops_model_performance_pass\{window="1h",model="credit-risk",model_version="1\.0\.0"\} 0$' "the gauge says it fails"
expect_match "$BODY" 'mlops_requests_total\{route="/performance"' "/performance requests are counted"

kill "$SPID"
wait "$SPID" 2>/dev/null
ok $? "serve stops on SIGTERM with the watch running"
done_testing
