#!/bin/sh
# Alerts from the command line: the alerts: section read strictly
# (file:line:col), mlops alert test against a receiver on 127.0.0.1 that
# checks the HMAC signature itself and records Slack's and Teams' shapes,
# retries (500s, 429 with Retry-After), bounded time against hostile
# receivers, exit 0 / 3 / 4 / 5, drift and validate --notify, deploy and
# rollback events, the dead-letter file, SIGTERM during delivery, and no
# secret or secret URL on stdout or stderr.
. "$(dirname "$0")/lib.sh"

SECRET=hmac-key-7f3a91c0
SLACK_TOKEN=slacktoken55c1e8
TEAMS_TOKEN=teamstoken9d2e44
export HOOK_SECRET="$SECRET" XDG_STATE_HOME="$SCRATCH/state"
# Every output of the commands below, to look for secrets at the end.
: > all.out
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >> all.out; }

start_alert_receiver r "$SECRET"
R=$RURL
ok $([ -s r.port ] && echo 0 || echo 1) "the receiver listens ($R)"
export SLACK_URL="$R/ok/slack/T0/B0/$SLACK_TOKEN"
echo "$R/ok/teams/$TEAMS_TOKEN" > teams.url

# timed CMD...: run, and ELAPSED the seconds it took.
timed() {
	_t0=$(date +%s)
	run "$@"
	ELAPSED=$(( $(date +%s) - _t0 ))
}

# --- The section, read strictly: errors at file:line:col, exit 3. ---
cat > head.yaml <<'EOF'
name: t
version: 1.0.0
model: {path: m.json, runtime: xgboost, task: binary-classification}
signature:
  inputs:
    - {name: income, type: float}
    - {name: age, type: int}
alerts:
EOF
# bad WHERE REGEX NAME LINES...: the section LINES is refused at WHERE.
bad() {
	_where=$1 _re=$2 _name=$3
	shift 3
	{ cat head.yaml; printf '%s\n' "$@"; } > bad.yaml
	run "$MLOPS" alert test -f bad.yaml
	expect_rc 3 "$_name: exit 3"
	expect_match "$ERR" "^mlops: error: bad\\.yaml:$_where: $_re" "$_name: at $_where"
}
N='  notify: [{slack: {url_env: S}}]'
bad 10:18 "alerts.rules\\[0\\].when: unknown metric 'dataset_drift_shar'" \
	"an unknown metric" "$N" '  rules: [{when: dataset_drift_shar > 0.5}]'
expect_match "$ERR" "did you mean 'dataset_drift_share'" "  with the nearest metric"
bad 10:12 "alerts.events: unknown event 'deploy_succeded'" "an unknown event" \
	"$N" '  events: [deploy_succeded]'
expect_match "$ERR" "did you mean 'deploy_succeeded'" "  with the nearest event"
bad 9:49 "alerts.notify\\[0\\].webhook: a secret is never written" \
	"a secret written in the file" '  notify: [{webhook: {url: "http://x/", secret: hunter2}}]'
expect_no_match "$ERR" "hunter2" "  and it is not repeated"
bad 10:18 "alerts.rules\\[0\\].when: error_rate is a share" "a share above 1" \
	"$N" '  rules: [{when: error_rate > 5}]'
bad 9:13 "alerts.notify\\[0\\]: unknown notifier 'slak'" "an unknown notifier" \
	'  notify: [{slak: {url_env: S}}]'
bad 10:46 "alerts.rules\\[0\\].feature: 'incom' is not an input" \
	"a feature not in the signature" "$N" '  rules: [{when: feature_psi > 0.1, feature: incom}]'
expect_match "$ERR" "did you mean 'income'" "  with the nearest input"
bad 10:45 "alerts.rules\\[0\\].feature: error_rate is not measured per feature" \
	"a feature for a metric without features" "$N" '  rules: [{when: error_rate > 0.1, feature: income}]'
bad 10:36 "unknown key 'cooldwn' in alerts.rules\\[0\\]" "an unknown rule key" \
	"$N" '  rules: [{when: error_rate > 0.1, cooldwn: 1m}]'
bad 10:41 "alerts.rules\\[0\\].for must be a duration" "a bad duration" \
	"$N" '  rules: [{when: error_rate > 0.1, for: soon}]'
bad 10:18 "alerts.rules\\[0\\].when must read METRIC OP NUMBER" "a bad operator" \
	"$N" '  rules: [{when: error_rate ~ 0.1}]'
bad 10:37 "alerts.rules\\[1\\]: the name 'error_rate > 0.1' is taken" "two rules of one name" \
	"$N" '  rules: [{when: error_rate > 0.1}, {when: error_rate > 0.1}]'
bad 9:26 "alerts.notify\\[0\\].slack.url must be an http:// or https:// URL" \
	"a URL of another scheme" '  notify: [{slack: {url: "ftp://x"}}]'
bad 9:20 "alerts.notify\\[0\\].slack: give the URL once" "two URLs" \
	'  notify: [{slack: {url_env: S, url_file: f}}]'
bad 9:45 "alerts.notify\\[0\\].slack: only webhook: notifiers sign" "a secret for Slack" \
	'  notify: [{slack: {url_env: S, secret_env: K}}]'
bad 9:11 "alerts.notify must list at least one notifier" "no notifier" '  notify: []'
bad 11:14 "alerts.retry_for \\(1s\\) must be at least alerts.timeout" "retry_for under timeout" \
	"$N" '  timeout: 5s' '  retry_for: 1s'
bad 9:3 "unknown key 'notfy' in alerts" "an unknown section key" '  notfy: [{slack: {url_env: S}}]'
bad 9:28 "alerts.notify\\[0\\].webhook.url holds user information \\(a password\\)" \
	"a written URL with a password (it would be in every bundle)" '  notify: [{webhook: {url: "https://u:hunter2@h/x"}}]'
expect_no_match "$ERR" "hunter2" "  and it is not repeated"
bad 9:26 "alerts.notify\\[0\\].slack: the URL of a Slack incoming webhook is its credential" \
	"a Slack URL written in the file" '  notify: [{slack: {url: "https://hooks.slack.com/services/T/B/X"}}]'
bad 9:26 "alerts.notify\\[0\\].teams: the URL of a Teams incoming webhook" \
	"a Teams URL written in the file" '  notify: [{teams: {url: "https://x.webhook.office.com/w"}}]'
bad 9:28 "alerts.notify\\[0\\].webhook.url must be an http:// or https:// URL with a host" \
	"a URL without a host" '  notify: [{webhook: {url: "https://u@/x"}}]'
bad 10:18 "alerts.rules\\[0\\].when: the threshold is out of range for a double" \
	"a threshold beyond a double" "$N" '  rules: [{when: latency_p95_ms > 1e400}]'
bad 10:18 "alerts.rules\\[0\\].when: the threshold is not a finite number" \
	"a threshold that is no number" "$N" '  rules: [{when: latency_p95_ms > nan}]'
# More rules than a bundle takes: refused here, not by every reader of
# the bundle made from it.
{ cat head.yaml; echo "$N"; echo '  rules:'; seq 10001 | sed 's/.*/    - {name: r&, when: error_rate > 0.5}/'; } > bad.yaml
run "$MLOPS" alert test -f bad.yaml
expect_rc 3 "10001 rules: exit 3"
expect_match "$ERR" "bad\\.yaml:11:5: alerts.rules lists 10001 rules; at most 10000" "  said at the list"
{ cat head.yaml; echo '  rules: []'; } > bad.yaml
run "$MLOPS" alert test -f bad.yaml
expect_rc 3 "no notify: exit 3"
expect_match "$ERR" "bad\\.yaml:9:3: alerts: missing required key 'notify'" "  said at the section"
head -7 head.yaml > none.yaml
run "$MLOPS" alert test -f none.yaml
expect_rc 3 "no alerts: section: exit 3"
expect_match "$ERR" "none\\.yaml has no alerts: section" "  said"

# --- mlops alert test: every notifier, each one's payload. ---
cat > good.yaml <<EOF
$(cat head.yaml)
  notify:
    - webhook: {url: "$R/ok/hook", secret_env: HOOK_SECRET}
    - slack: {url_env: SLACK_URL}
    - teams: {name: team-room, url_file: teams.url}
  timeout: 2s
  retry_for: 6s
EOF
run "$MLOPS" alert test -f good.yaml
keep
expect_rc 0 "alert test: every notifier took it, exit 0"
expect_match "$OUT" "^ok +webhook \\(127\\.0\\.0\\.1:[0-9]+\\) +HTTP 200" "  the webhook's line"
expect_match "$OUT" "^ok +team-room \\(127\\.0\\.0\\.1:[0-9]+\\)" "  a notifier by its name"
expect_match "$OUT" "^3 of 3 notifiers took the test alert$" "  the summary"
expect_eq "$(q r.jsonl 'sorted((d["path"].split("/")[2], d["signature"]) for d in L)')" \
	"[('hook', 'ok'), ('slack', 'none'), ('teams', 'none')]" \
	"the receiver got all three; the webhook's HMAC-SHA256 checks out (Python's hmac)"
expect_eq "$(q r.jsonl '[d["content_type"] for d in L]')" \
	"['application/json', 'application/json', 'application/json']" "  each as JSON"
expect_eq "$(q r.jsonl '(lambda b: (b["version"], b["kind"], b["severity"], b["source"], b["model"]["name"]))(by("/ok/hook")[0]["body"])')" \
	"(1, 'test', 'info', 'alert test', 't')" "the webhook's body: version, kind, severity, source, model"
expect_eq "$(q r.jsonl '(lambda d: d["delivery"] == d["body"]["id"] and len(d["body"]["id"]) == 32)(by("/ok/hook")[0])')" "True" \
	"  X-Mlops-Delivery is the alert's id"
expect_eq "$(q r.jsonl '(lambda b: (sorted(b), b["text"].startswith("[info] test: "), [x["type"] for x in b["blocks"]]))(by("/slack/")[0]["body"])')" \
	"(['blocks', 'text'], True, ['header', 'section', 'section'])" \
	"Slack: text plus header and section blocks"
expect_eq "$(q r.jsonl '(lambda b: (b["blocks"][2]["fields"][0]["type"], b["blocks"][0]["text"]["type"]))(by("/slack/")[0]["body"])')" \
	"('mrkdwn', 'plain_text')" "  fields in mrkdwn, a plain-text header"
expect_eq "$(q r.jsonl '(lambda b: (b["type"], b["attachments"][0]["contentType"], b["attachments"][0]["contentUrl"]))(by("/teams/")[0]["body"])')" \
	"('message', 'application/vnd.microsoft.card.adaptive', None)" "Teams: a message with an Adaptive Card attachment"
expect_eq "$(q r.jsonl '(lambda c: (c["type"], c["version"], c["$schema"], [b["type"] for b in c["body"]]))(by("/teams/")[0]["body"]["attachments"][0]["content"])')" \
	"('AdaptiveCard', '1.4', 'http://adaptivecards.io/schemas/adaptive-card.json', ['TextBlock', 'TextBlock', 'FactSet'])" \
	"  the card: title, summary, facts"
run "$MLOPS" alert test -f good.yaml --json
keep
expect_rc 0 "--json: exit 0"
echo "$OUT" > test.json
expect_eq "$(json_get test.json '[(r["name"], r["kind"], r["delivered"], r["status"]) for r in d["results"]]')" \
	"[('webhook', 'webhook', True, 200), ('slack', 'slack', True, 200), ('team-room', 'teams', True, 200)]" \
	"--json: each notifier's outcome"

# The signature is over the exact bytes: a receiver with another key
# says so (what a wrong secret looks like from the other side).
HOOK_SECRET=not-the-key run "$MLOPS" alert test -f good.yaml
expect_eq "$(q r.jsonl 'by("/ok/hook")[-1]["signature"]')" "bad" "a signature under another key does not check out"

# --- Retries: 500s then 200; 429 with Retry-After then 200. ---
cat > retry.yaml <<EOF
$(cat head.yaml)
  notify:
    - webhook: {name: flaky, url: "$R/fail/2/x"}
    - webhook: {name: busy, url: "$R/busy/1/x"}
  timeout: 2s
  retry_for: 20s
EOF
run "$MLOPS" alert test -f retry.yaml
keep
expect_rc 0 "a receiver that fails, then recovers: exit 0"
expect_match "$OUT" "^ok +flaky .*\\(3 attempts\\)" "  500, 500, then 200: three attempts"
expect_match "$OUT" "^ok +busy .*\\(2 attempts\\)" "  429, then 200: two attempts"
expect_eq "$(q r.jsonl '[d["status"] for d in L if d["path"] == "/fail/2/x"]')" "[500, 500, 200]" \
	"the receiver saw the failures and the delivery"
expect_eq "$(q r.jsonl 'len(set(d["delivery"] for d in L if d["path"] == "/fail/2/x"))')" "1" \
	"  one delivery id across the retries"
expect_eq "$(q r.jsonl '(lambda t: t[1] - t[0] >= 0.95)([d["t"] for d in L if d["path"] == "/busy/1/x"])')" "True" \
	"Retry-After: 1 is honoured (the retry came a second later)"

# --- Failures: exit 5 in bounded time; 3 and 4 for a notifier not set up. ---
cat > down.yaml <<EOF
$(cat head.yaml)
  notify:
    - webhook: {name: down, url: "$R/down/x"}
    - webhook: {name: refuses, url: "$R/refuse/x"}
    - webhook: {name: nobody, url: "http://127.0.0.1:1/x"}
  timeout: 1s
  retry_for: 2s
EOF
timed "$MLOPS" alert test -f down.yaml
keep
expect_rc 5 "receivers that do not take it: exit 5"
expect_match "$OUT" "^FAIL +down .*HTTP 500" "  a 500 named"
expect_match "$OUT" "^FAIL +refuses .*HTTP 400: invalid_payload \\(1 attempt\\)" "  a 400 is not retried, with the service's reason"
expect_match "$OUT" "^FAIL +nobody .*no answer" "  no answer named"
expect_eq "$(q r.jsonl 'sum(1 for d in L if d["path"] == "/refuse/x")')" "1" "  the 400 was sent once"
ok $([ $ELAPSED -le 8 ] && echo 0 || echo 1) "  within retry_for (2 s) and a little"
ok $([ ! -e state/mlops/alerts-dead-letter.jsonl ] && echo 0 || echo 1) "alert test writes no dead letter"

# A service whose error repeats the URL's secret part (here without its
# first slash): the reason is left out, the status kept.
cat > echo.yaml <<EOF
$(cat head.yaml)
  notify:
    - webhook: {name: echoes, url: "$R/echo/$SLACK_TOKEN"}
  timeout: 1s
  retry_for: 1s
EOF
run "$MLOPS" alert test -f echo.yaml
keep
expect_rc 5 "a service that echoes the URL: exit 5"
expect_match "$OUT" "^FAIL +echoes .*HTTP 400 \\(1 attempt\\)" "  its status said, not its reason"
expect_no_match "$OUT$ERR" "$SLACK_TOKEN" "  the token it repeated is not shown"

# A URL and a secret from variables holding a final newline (as a
# Kubernetes secret from a file does): taken as the files' are, without
# it; the signature is over the secret the receiver knows.
HOOK_SECRET="$SECRET
" SLACK_URL="$SLACK_URL
" run "$MLOPS" alert test -f good.yaml
keep
expect_rc 0 "a variable's final newline is not part of the URL or the secret: exit 0"
expect_eq "$(q r.jsonl 'by("/ok/hook")[-1]["signature"]')" "ok" "  the signature checks out under the secret"

cat > hostile.yaml <<EOF
$(cat head.yaml)
  notify:
    - webhook: {name: hangs, url: "$R/slow/x"}
    - webhook: {name: endless, url: "$R/huge/x"}
  timeout: 1s
  retry_for: 2s
EOF
timed "$MLOPS" alert test -f hostile.yaml
keep
expect_rc 5 "a receiver that never answers: exit 5"
expect_match "$OUT" "^FAIL +hangs .*Timeout was reached" "  timed out"
expect_match "$OUT" "^ok +endless .*HTTP 200" "  a 200 with an endless body is taken, the body left unread"
ok $([ $ELAPSED -le 8 ] && echo 0 || echo 1) "  and neither holds the command (bounded time)"

cat > unset.yaml <<EOF
$(cat head.yaml)
  notify:
    - slack: {url_env: NO_SUCH_VARIABLE}
EOF
run "$MLOPS" alert test -f unset.yaml
expect_rc 3 "a URL variable unset: exit 3"
expect_match "$OUT" "FAIL +slack \\(no URL\\) +url_env: the variable NO_SUCH_VARIABLE is not set" "  named"
cat > nofile.yaml <<EOF
$(cat head.yaml)
  notify:
    - teams: {url_file: missing.url}
EOF
run "$MLOPS" alert test -f nofile.yaml
expect_rc 4 "a URL file missing: exit 4"
printf 'NOT A URL\n' > junk.url
sed 's/missing.url/junk.url/' nofile.yaml > junk.yaml
run "$MLOPS" alert test -f junk.yaml
expect_rc 3 "a file that holds no URL: exit 3"
expect_no_match "$OUT$ERR" "NOT A URL" "  and its content is not printed"

# --- drift --notify: the rules on the run's figures; the dead-letter file. ---
copy_example proj
cat >> proj/mlops.yaml <<EOF

drift:
  columns:
    income: {test: psi}
alerts:
  notify:
    - webhook: {url: "$R/ok/drift", secret_env: HOOK_SECRET}
    - webhook: {name: broken, url: "$R/down/$SLACK_TOKEN"}
  rules:
    - {name: income-psi, when: feature_psi > 0.1, feature: income}
    - {name: any-psi, when: feature_psi > 0.2}
    - {name: share, when: dataset_drift_share >= 0.25, severity: critical}
    - {name: never, when: dataset_drift_share > 0.9}
    - {name: invalid, when: invalid_row_share > 0}
  events: [data_check_failed, deploy_succeeded, deploy_failed, rolled_back]
  dead_letter: dl.jsonl
  timeout: 1s
  retry_for: 2s
EOF
run "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --json
expect_rc 0 "drift without --notify sends nothing"
echo "$OUT" > drift.json
expect_eq "$(q r.jsonl 'sum(1 for d in L if "/drift" in d["path"])')" "0" "  the receiver got nothing"
run "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --notify
keep
expect_rc 0 "drift --notify: the drift's exit status"
expect_match "$ERR" "alerts: 'income-psi', 'any-psi', 'share'" "the rules that hold fire (not 'never', not 'invalid')"
expect_eq "$(q r.jsonl '[d["body"]["name"] for d in L if d["path"] == "/ok/drift"]')" \
	"['income-psi', 'any-psi', 'share']" "the webhook got them"
expect_eq "$(q r.jsonl '[d["signature"] for d in L if d["path"] == "/ok/drift"]')" "['ok', 'ok', 'ok']" "  signed"
want=$(json_get drift.json '[c["statistic"] for c in d["columns"] if c["column"] == "income"][0]')
expect_eq "$(q r.jsonl '[d["body"]["rule"]["value"] for d in L if d["path"] == "/ok/drift" and d["body"]["name"] == "income-psi"][0]')" \
	"$want" "income-psi's value is the PSI drift --json reports"
# Every column's PSI from the report's bins, in numpy, Evidently's way
# (an empty bin's share replaced by 1e-4, or the least share / 1e6).
$PY - drift.json > psi.txt <<'PY'
import json, sys, numpy as np
d = json.load(open(sys.argv[1]))
def smooth(s):
    s = np.array(s, dtype=float)
    nz = s[s > 0].min()
    s[s == 0] = nz / 1e6 if nz <= 1e-4 else 1e-4
    return s
psi = {c["column"]: float(np.sum((smooth([b["current"] for b in c["bins"]]) - smooth([b["reference"] for b in c["bins"]]))
                                 * np.log(smooth([b["current"] for b in c["bins"]]) / smooth([b["reference"] for b in c["bins"]]))))
       for c in d["columns"]}
top = max(psi, key=psi.get)
print(top, psi[top])
PY
read top topv < psi.txt
expect_eq "$(q r.jsonl '[d["body"]["rule"]["feature"] for d in L if d["path"] == "/ok/drift" and d["body"]["name"] == "any-psi"][0]')" \
	"$top" "any-psi names the feature furthest past the threshold ($top)"
expect_eq "$(q r.jsonl '(lambda v: abs(v - float(sys.argv[3])) < 1e-9 * max(1, v))([d["body"]["rule"]["value"] for d in L if d["path"] == "/ok/drift" and d["body"]["name"] == "any-psi"][0])' "$topv")" \
	"True" "  with its PSI on the report's bins, as numpy computes it"
expect_eq "$(q r.jsonl '[(d["body"]["severity"], d["body"]["rule"]["value"]) for d in L if d["path"] == "/ok/drift" and d["body"]["name"] == "share"][0]')" \
	"('critical', 0.25)" "share: 2 of 8 columns, critical"
expect_match "$ERR" "warning: alert 'income-psi' not delivered to broken \\(127\\.0\\.0\\.1:[0-9]+\\): HTTP 500.*kept in .*dl\\.jsonl" \
	"what could not be delivered: a warning naming the dead-letter file"
expect_eq "$(q proj/dl.jsonl 'sorted(d["alert"]["name"] for d in L)')" "['any-psi', 'income-psi', 'share']" \
	"the dead-letter file holds each undelivered alert"
expect_eq "$(q proj/dl.jsonl 'set((d["notifier"], d["kind"], d["error"].split(";")[0]) for d in L)')" \
	"{('broken', 'webhook', 'HTTP 500: down')}" "  with the notifier, its kind and the error"
expect_eq "$(stat -c %a proj/dl.jsonl)" "600" "  readable by its owner only"

# Something else in the dead-letter file's place: refused, in bounded
# time (a FIFO held the run in open(2), past SIGTERM).
mv proj/dl.jsonl dl.keep
mkfifo proj/dl.jsonl
timed timeout -k 5 30 "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --notify
expect_rc 0 "a FIFO as the dead-letter file: the drift's exit status"
expect_match "$ERR" "alert 'share' for broken .* is lost: .*dl\\.jsonl' is a FIFO, not a regular file" "  each alert said lost, and why"
ok $([ $ELAPSED -le 10 ] && echo 0 || echo 1) "  in bounded time"
rm -f proj/dl.jsonl
mv dl.keep proj/dl.jsonl

# A disk that fills in the middle of a dead letter: that line is cut
# back off, the next run's lines are whole (tests/tools/enospc.c).
n0=$(q proj/dl.jsonl 'len(L)')
MLOPS_ENOSPC_DIR="$SCRATCH/proj" MLOPS_ENOSPC_AFTER=100 \
	LD_PRELOAD="$MLOPS_BUILD/tests/libenospc.so" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	run "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --notify
expect_match "$ERR" "is lost: cannot write .*dl\\.jsonl': No space left on device" "a full disk: the alerts said lost"
run "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --notify
expect_eq "$(q proj/dl.jsonl 'len(L)')" "$((n0 + 3))" "  the next run's three dead letters are whole lines, nothing half-written before them"

# --- validate --data --notify: data_check_failed and invalid_row_share. ---
{ head -3 proj/data/current.csv; echo "abc,0.1,700,30,1,2,100,false"; } > bad.csv
run "$MLOPS" -C proj validate --data ../bad.csv --notify
keep
expect_rc 1 "validate --notify: the check's exit status"
expect_eq "$(q r.jsonl '[(d["body"]["kind"], d["body"]["name"]) for d in L if d["path"] == "/ok/drift"][-2:]')" \
	"[('event', 'data_check_failed'), ('rule', 'invalid')]" "the event and the rule"
expect_eq "$(q r.jsonl '[(d["body"]["details"]["rows"], d["body"]["details"]["invalid_rows"]) for d in L if d["path"] == "/ok/drift" and d["body"]["name"] == "data_check_failed"][0]')" \
	"(3, 1)" "  the event's details: rows, invalid rows"
run "$MLOPS" validate --data bad.csv -f head.yaml --notify
expect_rc 3 "--notify and no alerts: section: exit 3"
run "$MLOPS" validate proj/none.mlpkg --notify
expect_rc 2 "--notify without --data: exit 2"

# --- deploy and rollback: their events. ---
must "$MLOPS" -C proj package -q -o v1.mlpkg
sed -i 's/^version: 1.0.0/version: 1.0.1/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o v2.mlpkg
n0=$(q r.jsonl 'len(L)')
run "$MLOPS" -C proj deploy v1.mlpkg --env staging --no-tag --dry-run
expect_eq "$(q r.jsonl 'len(L)')" "$n0" "deploy --dry-run sends nothing"
run "$MLOPS" -C proj deploy v1.mlpkg --env staging --no-tag
keep
expect_rc 0 "deploy: exit 0"
run "$MLOPS" -C proj deploy v2.mlpkg --env staging --no-tag
run "$MLOPS" -C proj rollback --env staging --no-tag
keep
expect_rc 0 "rollback: exit 0"
run "$MLOPS" -C proj rollback --env staging --to 9 --no-tag
expect_rc 2 "a rollback to a revision that is not there: exit 2"
expect_eq "$(q r.jsonl '[(d["body"]["name"], d["body"]["env"], d["body"]["details"]["revision"]) for d in L[int(sys.argv[3]):] if d["path"] == "/ok/drift"]' "$n0")" \
	"[('deploy_succeeded', 'staging', 1), ('deploy_succeeded', 'staging', 2), ('rolled_back', 'staging', 3)]" \
	"deploy_succeeded twice, rolled_back; the refused rollback sent nothing"

# --- SIGTERM while a CLI run waits for its deliveries. ---
sed -i "s|url: \"$R/down/$SLACK_TOKEN\"|url: \"$R/slow/$SLACK_TOKEN\"|; s/^  timeout: 1s/  timeout: 30s/; s/^  retry_for: 2s/  retry_for: 60s/" proj/mlops.yaml
rm -f proj/dl.jsonl
n0=$(q r.jsonl 'len(L)')
timeout 60 "$MLOPS" -C proj drift -f mlops.yaml --reference data/reference.csv --current data/current.csv --notify > term.out 2> term.err &
DPID=$!
at_exit "kill $DPID 2>/dev/null"
# Until the webhook has all three and the hung receiver the first.
for _ in $(seq 200); do
	[ "$(q r.jsonl 'sum(1 for d in L[int(sys.argv[3]):] if d["path"].startswith("/slow/") or d["path"] == "/ok/drift")' "$n0")" -ge 4 ] && break
	sleep 0.05
done
MPID=$(pgrep -P "$DPID")
start=$(date +%s)
kill -TERM "$MPID"
wait "$DPID"
RC=$?
ok $([ $(( $(date +%s) - start )) -le 3 ] && echo 0 || echo 1) "SIGTERM during delivery: the run ends at once"
expect_rc 143 "  by SIGTERM (passed on once the alerts are safe)"
expect_eq "$(q r.jsonl '[d["body"]["name"] for d in L[int(sys.argv[3]):] if d["path"] == "/ok/drift"]' "$n0")" \
	"['income-psi', 'any-psi', 'share']" "  the webhook that answers got every alert (a hung one delays no other)"
expect_eq "$(q proj/dl.jsonl 'sorted((d["notifier"], d["alert"]["name"]) for d in L)')" \
	"[('broken', 'any-psi'), ('broken', 'income-psi'), ('broken', 'share')]" \
	"  nothing is lost: what the hung one had queued or under way is in the dead-letter file"
cat term.out term.err >> all.out

# --- No secret, no secret URL, anywhere they could show. ---
cat proj/dl.jsonl state/mlops/*.jsonl 2>/dev/null >> all.out
expect_no_match "$(cat all.out)" "$SECRET|$SLACK_TOKEN|$TEAMS_TOKEN" \
	"the secret and the URLs' secret parts appear in no output and no dead letter"
expect_match "$(cat all.out)" "127\\.0\\.0\\.1:[0-9]+" "  (hosts are shown)"
done_testing
