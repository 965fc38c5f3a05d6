#!/bin/sh
# Alerts on live performance: accuracy_drop and the other drops (and
# rises) from the bundle's golden-set baseline, absolute as monitor's
# max_drop. mlops monitor --notify sends what its window's drop fires
# (the drop sklearn computes from the same rows); serve --store fires it
# live once labels arrive, per model when several are served (each
# model's rules, its alert naming it), GET /performance and its gauges
# cover every model, and a bundle that fails to load on SIGHUP sends
# reload_failed while the others answer on.
. "$(dirname "$0")/lib.sh"

export HOOK_SECRET=perf-secret-5e0a XDG_STATE_HOME="$SCRATCH/state"
start_alert_receiver r "$HOOK_SECRET"
R=$RURL
ok $([ -s r.port ] && echo 0 || echo 1) "the receiver listens"

# project DIR NAME PATH: the example as model NAME, its alerts to
# $R/PATH: accuracy_drop over 0.1 (and rules that must not fire).
project() {
	copy_example "$1"
	sed -i "s/^name: credit-risk$/name: $2/" "$1/mlops.yaml"
	cat >> "$1/mlops.yaml" <<EOF

monitor:
  min_labels: 20
alerts:
  notify:
    - webhook: {url: "$R/ok/$3", secret_env: HOOK_SECRET}
  rules:
    - {name: acc-drop, when: accuracy_drop > 0.1}
    - {name: auc-drop-huge, when: auc_drop > 0.9}
    - {name: rmse-rise, when: rmse_rise > 0}
  events: [reload_failed]
  evaluate_every: 200ms
  timeout: 2s
  retry_for: 5s
EOF
	must "$MLOPS" -C "$1" package -q -o "$SCRATCH/$2.mlpkg"
}
project a model-a a
project b model-b b
must "$MLOPS" predict model-a.mlpkg --input a/data/golden.csv --format jsonl -o golden.jsonl

# --- mlops monitor --notify: the golden answers stored, 40% of their
# labels flipped. ---
$PY - a/data/golden.csv golden.jsonl > rows.jsonl <<'PY'
import csv, json, sys, time
labels = [int(r["default"]) for r in csv.DictReader(open(sys.argv[1]))]
answers = [json.loads(l) for l in open(sys.argv[2])]
t0 = int(time.time() * 1000) - 3600000
for i, (a, y) in enumerate(zip(answers, labels)):
    print(json.dumps({"ts_ms": t0 + i * 1000, "model": "model-a", "version": "1.0.0",
                      "output": {"prediction": a["prediction"], "probability": a["probability"]},
                      "label": 1 - y if i % 5 < 2 else y}))
PY
must "$MLOPS_SRC/tests/tools/store-rows" store.db < rows.jsonl
want=$($PY - a/data/golden.csv golden.jsonl rows.jsonl <<'PY'
import csv, json, sys
from sklearn.metrics import accuracy_score
labels = [int(r["default"]) for r in csv.DictReader(open(sys.argv[1]))]
pred = [json.loads(l)["prediction"] for l in open(sys.argv[2])]
live = [json.loads(l)["label"] for l in open(sys.argv[3])]
print(repr(accuracy_score(labels, pred) - accuracy_score(live, pred)))
PY
)
ok $([ -n "$want" ] && echo 0 || echo 1) "sklearn: the accuracy drop of the stored rows is $want"

run "$MLOPS" monitor --store sqlite:store.db --notify
expect_rc 2 "monitor --notify without --bundle: exit 2"
expect_match "$ERR" "--notify goes with --bundle" "  it says the drop needs the bundle's baseline"

run "$MLOPS" monitor --store sqlite:store.db --bundle model-a.mlpkg --since 2h
expect_rc 1 "monitor: exit 1 (the bundle's accuracy and auc gates fail)"
run "$MLOPS" monitor --store sqlite:store.db --bundle model-a.mlpkg --since 2h --notify
expect_rc 1 "monitor --notify: exit 1 as well (notifying changes nothing)"
expect_match "$ERR" "alert: 'acc-drop'" "  the rule that holds is named"
for _ in $(seq 100); do [ "$(q r.jsonl 'len(bodies("/ok/a"))')" -ge 1 ] && break; sleep 0.05; done
expect_eq "$(q r.jsonl '[(b["name"], b["source"], b["model"]["name"], b["rule"]["metric"]) for b in bodies("/ok/a")]')" \
	"[('acc-drop', 'monitor', 'model-a', 'accuracy_drop')]" \
	"one alert sent: acc-drop, from monitor, about model-a (auc_drop under 0.9, no rmse for a classifier)"
expect_eq "$(q r.jsonl 'abs(bodies("/ok/a")[0]["rule"]["value"] - float(sys.argv[3])) < 1e-12' "$want")" "True" \
	"  its value is sklearn's drop from the golden-set baseline"
expect_eq "$(q r.jsonl 'set(d["signature"] for d in L)')" "{'ok'}" "  signed"

run "$MLOPS" monitor --store sqlite:store.db --bundle model-a.mlpkg --since 2h --min-labels 1000 --notify
expect_rc 0 "monitor --notify with fewer labels than --min-labels"
expect_match "$ERR" "no alert rule holds" "  measures no drop: nothing fires"

# --- serve --models DIR --store: two models, labels for one. ---
mkdir models
cp model-a.mlpkg model-b.mlpkg models/
: > r.jsonl
export MLOPS_ADMIN_KEY=perf-admin-key-77
serve_bg serve.err --models models --store "sqlite:$SCRATCH/live.db" \
	--performance-every 1s --admin-listen 127.0.0.1:0
ok $([ -n "$URL" ] && [ -n "$ADMIN" ] && echo 0 || echo 1) "serve --models DIR --store: two models ($URL)"
expect_match "$(cat serve.err)" "alerts of model-a: 3 rules" "each model's alerts are in use (a)"
expect_match "$(cat serve.err)" "alerts of model-b: 3 rules" "  and (b)"

post() { # post PATH BODY [HEADER]: sets CODE
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		${3:+-H "$3"} --data-binary "$2" "$URL$1")
}
must "$MLOPS_SRC/tests/tools/golden-requests" a/data/golden.csv batch.json feedback.json bgold all 2of5
post /models/model-a/predict/batch @batch.json 'X-Request-Id: agold'
expect_eq "$CODE" 200 "model-a answers the golden rows"
post /models/model-b/predict/batch @batch.json 'X-Request-Id: bgold'
expect_eq "$CODE" 200 "model-b answers the golden rows"
sleep 1.5
expect_eq "$(q r.jsonl 'len(L)')" "0" "no label yet: no drop measured, nothing fires"

post /models/model-b/feedback @feedback.json
expect_eq "$CODE $(json_get resp.txt 'd["stored"]')" "200 500" "500 labels for model-b, 40% of them wrong"
for _ in $(seq 200); do [ "$(q r.jsonl 'len(bodies("/ok/b"))')" -ge 1 ] && break; sleep 0.05; done
expect_eq "$(q r.jsonl '[(b["name"], b["source"], b["model"]["name"]) for b in bodies("/ok/b")]')" \
	"[('acc-drop', 'serve', 'model-b')]" "serve fires acc-drop live, naming model-b"
expect_match "$(cat serve.err)" "alert 'acc-drop' fired: accuracy_drop = [0-9.e-]+ > 0\\.1 \\(model-b 1\\.0\\.0\\)" \
	"  logged with the model"
expect_eq "$(q r.jsonl 'abs(bodies("/ok/b")[0]["rule"]["value"] - float(sys.argv[3])) < 1e-12' "$want")" "True" \
	"  the drop sklearn computes from the same rows"

for _ in $(seq 100); do
	CODE=$(curl -s -o perf.json -w '%{http_code}' "$URL/performance")
	[ "$(json_get perf.json 'd["models"]["model-b"]["windows"]["24h"]["groups"][0]["used"]' 2>/dev/null)" = 500 ] && break
	sleep 0.1
done
expect_eq "$CODE" 200 "GET /performance with two models and no default: 200"
expect_eq "$(json_get perf.json '(sorted(d["models"]), "windows" in d)')" "(['model-a', 'model-b'], False)" \
	"  every model, none at the top"
expect_eq "$(json_get perf.json '[(n, m["alerts_window"], m["windows"]["24h"]["groups"][0]["predictions"], m["windows"]["24h"]["groups"][0]["used"]) for n, m in sorted(d["models"].items())]')" \
	"[('model-a', '24h', 500, 0), ('model-b', '24h', 500, 500)]" "  each with its rows and labels"
expect_eq "$(json_get perf.json "(lambda w: abs(w['baseline']['metrics']['accuracy'] - w['groups'][0]['metrics']['accuracy'] - $want) < 1e-12)(d['models']['model-b']['windows']['24h'])")" \
	"True" "  the alert's drop is /performance's baseline minus live accuracy"
CODE=$(curl -s -o perfb.json -w '%{http_code}' "$URL/models/model-b/performance")
expect_eq "$CODE $(json_get perfb.json '(d["model"], d["windows"]["24h"]["groups"][0]["used"])')" "200 ('model-b', 500)" \
	"/models/model-b/performance: model-b's windows at the top"
curl -s "$URL/metrics" > metrics.txt
expect_match "$(cat metrics.txt)" '^mlops_model_performance_labelled_rows\{window="24h",model="model-a",model_version="1\.0\.0"\} 0$' \
	"gauges for model-a"
expect_match "$(cat metrics.txt)" '^mlops_model_performance\{metric="accuracy",window="24h",model="model-b",model_version="1\.0\.0"\} 0\.[0-9]+$' \
	"  and model-b"
sleep 1
expect_eq "$(q r.jsonl 'len(bodies("/ok/a"))')" "0" "model-a has no labels: its rule never fires"

# A broken bundle dropped into the directory, SIGHUP: reload_failed, and
# both models answer on.
head -c 5000 model-a.mlpkg > models/broken.mlpkg
kill -HUP "$MPID"
for _ in $(seq 200); do [ "$(q r.jsonl 'sum(b["name"] == "reload_failed" for b in bodies("/ok/"))')" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(q r.jsonl 'sorted((p, b["kind"], b["severity"]) for p in ("/ok/a", "/ok/b") for b in bodies(p) if b["name"] == "reload_failed")')" \
	"[('/ok/a', 'event', 'critical'), ('/ok/b', 'event', 'critical')]" \
	"SIGHUP with a broken bundle: reload_failed, to each model's notifiers"
expect_eq "$(q r.jsonl '"broken.mlpkg failed, the other models still answer" in [b for b in bodies("/ok/a") if b["name"] == "reload_failed"][0]["summary"]')" \
	"True" "  naming the entry"
post /models/model-a/predict/batch @batch.json
A=$CODE
post /models/model-b/predict/batch @batch.json
expect_eq "$A $CODE" "200 200" "  while both models answer"

# The admin API's load of a model whose bundle became broken: its
# version loaded before answers on, reload_failed to its notifiers.
rm models/broken.mlpkg
head -c 5000 model-b.mlpkg > models/model-b.mlpkg
CODE=$(curl -s -o load.json -w '%{http_code}' -X POST -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/models/model-b/load")
ok $([ "$CODE" -ge 400 ] && echo 0 || echo 1) "POST /admin/models/model-b/load of a broken bundle fails ($CODE)"
for _ in $(seq 200); do [ "$(q r.jsonl 'sum(b["name"] == "reload_failed" for b in bodies("/ok/b"))')" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(q r.jsonl '[(b["model"]["name"], b["model"]["version"]) for b in bodies("/ok/b") if b["name"] == "reload_failed" and "model" in b]')" \
	"[('model-b', '1.0.0')]" "  reload_failed to model-b's notifiers, naming the version still serving"
expect_eq "$(q r.jsonl 'sum(b["name"] == "reload_failed" for b in bodies("/ok/a"))')" "1" "  not to model-a's"
post /models/model-b/predict/batch @batch.json
expect_eq "$CODE" 200 "  model-b 1.0.0 answers on"

kill -TERM "$MPID"
wait "$SPID"
RC=$?
expect_rc 0 "SIGTERM: exit 0"
expect_no_match "$(cat serve.err)" "$HOOK_SECRET" "the secret is never logged"
done_testing
