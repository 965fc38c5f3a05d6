#!/bin/sh
# Live alerts in mlops serve: rules evaluated in the background on what
# the server measured (p95 latency over the window, live drift), `for`
# (held that long before firing) and cooldown (no second firing within
# it), reload_failed on a SIGHUP that does not load, and nothing lost
# when the server is stopped with SIGTERM while alerts are queued: each
# one fired is delivered or in the dead-letter file.
. "$(dirname "$0")/lib.sh"

export HOOK_SECRET=serve-secret-c41d XDG_STATE_HOME="$SCRATCH/state"
start_alert_receiver r "$HOOK_SECRET"
R=$RURL
ok $([ -s r.port ] && echo 0 || echo 1) "the receiver listens"

copy_example proj
cat >> proj/mlops.yaml <<EOF

alerts:
  notify:
    - webhook: {url: "$R/ok/live", secret_env: HOOK_SECRET}
  rules:
    - {name: once, when: latency_p95_ms >= 0}
    - {name: held, when: latency_p95_ms >= 0, for: 2s}
    - {name: repeat, when: latency_p95_ms >= 0, cooldown: 1s}
    - {name: never, when: error_rate > 0.5, cooldown: 0}
    - {name: slow-held, when: latency_p95_ms >= 0, for: 1h}
    - {name: income-psi, when: feature_psi > 0.1, feature: income, for: 1500ms}
    - {name: share, when: dataset_drift_share >= 0.25, for: 1500ms}
  events: [reload_failed]
  evaluate_every: 200ms
  timeout: 2s
  retry_for: 5s
EOF
must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
mkdir -p root/releases/1 root/releases/broken
cp v1.mlpkg root/releases/1/bundle.mlpkg
head -c 5000 v1.mlpkg > root/releases/broken/bundle.mlpkg
ln -s releases/1 root/current

serve_bg serve.err --root root
ok $(curl -s -o /dev/null "$URL/health/ready" && echo 0 || echo 1) "serve with live alerts is ready ($URL)"
expect_match "$(cat serve.err)" "alerts of credit-risk: 7 rules, 1 notifier; undelivered alerts go to .*/state/mlops/alerts-dead-letter\\.jsonl" \
	"the live alerts are announced, with the dead-letter file"
sleep 1
expect_eq "$(q r.jsonl 'len(L)')" "0" "no request yet: nothing measured, nothing fires"

# 1000 rows of the current data (income and debt_ratio drifted), one
# window of live drift, sent well within the drift rules' `for`: they
# fire on the whole window.
$PY - "$URL" proj/data/current.csv <<'PY'
import csv, json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
rows = [{k: (None if v == "" else (v == "1" if k == "has_prior_default" else float(v)))
         for k, v in r.items() if k != "default"} for r in csv.DictReader(open(path))][:1000]
for i in range(0, 1000, 250):
    req = urllib.request.Request(url + "/predict/batch", json.dumps(rows[i:i + 250]).encode(),
                                 {"Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 200
PY
ok $? "1000 rows scored"
for _ in $(seq 200); do [ "$(q r.jsonl 'len(by("/ok/live"))')" -ge 8 ] && break; sleep 0.05; done
sleep 4.5
names() { q r.jsonl '[d["body"]["name"] for d in by("/ok/live") if d["body"]["kind"] == "rule"]'; }
count() { q r.jsonl 'sum(1 for d in by("/ok/live") if d["body"]["name"] == sys.argv[3])' "$1"; }
expect_eq "$(count once)" "1" "a rule that holds fires once (cooldown 1h by default)"
expect_eq "$(count held)" "1" "a rule with for: 2s fires once too"
expect_eq "$(q r.jsonl '(lambda t: t["held"] - t["once"] >= 1.8)({d["body"]["name"]: d["t"] for d in by("/ok/live")})')" "True" \
	"  but only after the condition held 2 s"
expect_eq "$(count slow-held)" "0" "for: 1h: not yet"
expect_eq "$(count never)" "0" "a rule that does not hold (no 5xx) never fires"
n=$(count repeat)
ok $([ "$n" -ge 3 ] && echo 0 || echo 1) "cooldown 1s: it fires again while it holds ($n times)"
expect_eq "$(q r.jsonl '(lambda t: all(b - a >= 0.9 for a, b in zip(t, t[1:])))([d["t"] for d in by("/ok/live") if d["body"]["name"] == "repeat"])')" \
	"True" "  never twice within the cooldown"
expect_eq "$(q r.jsonl 'set(d["signature"] for d in by("/ok/live"))')" "{'ok'}" "every delivery signed, checked by the receiver"
curl -s "$URL/drift" > drift.json
expect_eq "$(count income-psi)" "1" "live drift: feature_psi(income) fires"
expect_eq "$(q r.jsonl '(lambda b: (b["source"], b["model"]["name"], b["rule"]["feature"], b["rule"]["value"] > 0.1))([d["body"] for d in by("/ok/live") if d["body"]["name"] == "income-psi"][0])')" \
	"('serve', 'credit-risk', 'income', True)" "  from serve, about the model, the feature and its PSI"
want=$(json_get drift.json '[f["psi"] for f in d["features"] if f["feature"] == "income"][0]')
expect_eq "$(q r.jsonl 'abs([d["body"]["rule"]["value"] for d in by("/ok/live") if d["body"]["name"] == "income-psi"][0] - float(sys.argv[3])) < 1e-8' "$want")" \
	"True" "  the PSI /drift reports for the same window ($want, to its 9 digits)"
share=$(json_get drift.json 'sum(f["drifted"] for f in d["features"]) / sum(1 for f in d["features"] if f["rows"])')
expect_eq "$(q r.jsonl '[d["body"]["rule"]["value"] for d in by("/ok/live") if d["body"]["name"] == "share"][0]')" \
	"$share" "dataset_drift_share: the share of features /drift calls drifted"
expect_match "$(cat serve.err)" "warning: alert 'once' fired: latency_p95_ms = [0-9.e-]+ >= 0 \\(credit-risk 1\\.0\\.0\\)" \
	"each firing is logged"

# A SIGHUP that does not load: reload_failed.
ln -sfn releases/broken root/current.new && mv -T root/current.new root/current
kill -HUP "$MPID"
for _ in $(seq 200); do [ "$(count reload_failed)" -ge 1 ] && break; sleep 0.05; done
expect_eq "$(count reload_failed)" "1" "a failed reload sends reload_failed"
expect_eq "$(q r.jsonl '(lambda b: (b["kind"], b["severity"], "still serving credit-risk 1.0.0" in b["summary"]))([d["body"] for d in by("/ok/live") if d["body"]["name"] == "reload_failed"][0])')" \
	"('event', 'critical', True)" "  an event, critical, saying what still serves"
kill -TERM "$MPID"
wait "$SPID"
RC=$?
expect_rc 0 "SIGTERM: exit 0"
expect_no_match "$(cat serve.err)" "$HOOK_SECRET" "the secret is never logged"

# --- SIGTERM while alerts are queued: nothing is lost. ---
copy_example term
cat >> term/mlops.yaml <<EOF

alerts:
  notify:
    - webhook: {name: up, url: "$R/ok/term"}
    - webhook: {name: down, url: "$R/down/term"}
  rules:
    - {name: tick, when: latency_p95_ms >= 0, cooldown: 0}
  evaluate_every: 100ms
  timeout: 1s
  retry_for: 60s
  dead_letter: term-dl.jsonl
EOF
must "$MLOPS" -C term package -q -o "$SCRATCH/term.mlpkg"
serve_bg t.err term.mlpkg
curl -s -o /dev/null -H 'Content-Type: application/json' -d @- "$URL/predict" <<'EOF'
{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}
EOF
for _ in $(seq 200); do [ "$(grep -c "alert 'tick' fired" t.err)" -ge 10 ] && break; sleep 0.05; done
start=$(date +%s)
kill -TERM "$MPID"
wait "$SPID"
RC=$?
expect_rc 0 "SIGTERM with alerts queued and retrying: exit 0"
ok $([ $(( $(date +%s) - start )) -le 9 ] && echo 0 || echo 1) "  after a bounded flush (5 s)"
fired=$(grep -c "alert 'tick' fired" t.err)
up=$(q r.jsonl 'len(by("/ok/term"))')
ok $([ "$fired" -ge 10 ] && echo 0 || echo 1) "$fired alerts fired"
expect_eq "$(q term-dl.jsonl 'sum(1 for d in L if d["notifier"] == "down")')" "$fired" \
	"every alert the failing receiver did not take is in the dead-letter file"
expect_eq "$(( up + $(q term-dl.jsonl 'sum(1 for d in L if d["notifier"] == "up")') ))" "$fired" \
	"every alert for the working one was delivered or dead-lettered ($up delivered)"
expect_eq "$(q term-dl.jsonl 'len(set(d["alert"]["id"] for d in L if d["notifier"] == "down"))')" "$fired" \
	"  each once"
ok $([ "$(q r.jsonl 'len(by("/down/term"))')" -ge 1 ] && echo 0 || echo 1) "the failing receiver was tried"

# --- A second SIGTERM during the flush: what is queued goes to the
# dead-letter file at once, not after 5 s. ---
sed -i "s|url: \"$R/down/term\"|url: \"$R/slow/term\"|; s/^  timeout: 1s/  timeout: 30s/; s/term-dl.jsonl/hung-dl.jsonl/" term/mlops.yaml
must "$MLOPS" -C term package -q -o "$SCRATCH/hung.mlpkg"
serve_bg h.err hung.mlpkg
curl -s -o /dev/null -H 'Content-Type: application/json' -d @- "$URL/predict" <<'EOF'
{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}
EOF
for _ in $(seq 200); do [ "$(grep -c "alert 'tick' fired" h.err)" -ge 5 ] && break; sleep 0.05; done
start=$(date +%s.%N)
kill -TERM "$MPID"
sleep 0.5
kill -TERM "$MPID"
wait "$SPID"
RC=$?
took=$($PY -c "import sys, time; print(round(time.time() - float(sys.argv[1]), 1))" "$start")
expect_rc 0 "a second SIGTERM: exit 0"
ok $($PY -c "import sys; sys.exit(0 if float(sys.argv[1]) < 3.5 else 1)" "$took" && echo 0 || echo 1) \
	"  at once, not after the 5 s flush ($took s)"
fired=$(grep -c "alert 'tick' fired" h.err)
expect_eq "$(q hung-dl.jsonl 'sum(1 for d in L if d["notifier"] == "down")')" "$fired" \
	"  every alert for the hung receiver is in the dead-letter file ($fired)"
done_testing
