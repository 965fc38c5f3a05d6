#!/bin/sh
# A fleet of three `mlops serve --state --admin-listen` instances on
# 127.0.0.1: the admin API (keys, content-addressed uploads, weights,
# persisted state), a rolling deploy and canaries under load with zero
# failed requests, a canary with drifted predictions aborted at its first
# step and rolled back, rollback, status, kill -9 mid-deploy recovered,
# and an instance restarted from its state directory.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # start_registry

ADMIN_KEY=fleet-admin-key-4711
export MLOPS_ADMIN_KEY="$ADMIN_KEY"
# v3 predicts from another base score: every probability moves.
fleet_bundles 9.9E-1
sed -i 's/^version: .*/version: 1.3.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v4.mlpkg"
D1=$(bundle_digest v1.mlpkg)
D2=$(bundle_digest v2.mlpkg)
D4=$(bundle_digest v4.mlpkg)

for i in 1 2 3; do
	start_fleet_instance $i
done
ADMIN1=http://127.0.0.1:$A1

{
	echo "  prod:"
	echo "    kind: fleet"
	echo "    admin_key_env: MLOPS_ADMIN_KEY"
	echo "    strategy: rolling"
	echo "    instances:"
	for i in 1 2 3; do
		echo "      - {url: http://127.0.0.1:$(eval echo \$P$i), admin: http://127.0.0.1:$(eval echo \$A$i)}"
	done
} >> proj/mlops.yaml

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
admin_get() { curl -s -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN1$1"; }
# versions: each instance's stable version (and canary, if any).
versions() {
	for i in 1 2 3; do
		curl -s -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$(eval echo \$A$i)/admin/state" |
			$PY -c 'import json,sys; d=json.load(sys.stdin); print(d["stable"]["version"] + ("+" + d["canary"]["version"] if d["canary"] else ""))' 2>/dev/null
	done | tr '\n' ' ' | sed 's/ $//'
}
statuses() { "$MLOPS" -C proj history --env prod --json | $PY -c 'import json,sys; print(" ".join("%d:%s" % (r["revision"], r["status"]) for r in json.load(sys.stdin)))'; }

# --- The admin API ---
expect_eq "$(code "$ADMIN1/admin/state")" 401 "admin API: no key, 401"
expect_eq "$(code -H 'Authorization: Bearer wrong' "$ADMIN1/admin/state")" 401 "a wrong key, 401"
expect_eq "$(code -H 'Authorization: Bearer ' "$ADMIN1/admin/state")" 401 "an empty key, 401"
expect_eq "$(code -H "Authorization: Bearer $(echo "$ADMIN_KEY" | tr a-z A-Z)" "$ADMIN1/admin/state")" 401 "a case-changed key, 401"
expect_eq "$(code -H "bearer: $ADMIN_KEY" "$ADMIN1/admin/state")" 401 "the key in a header of its own name, 401"
expect_eq "$(code -H "authorization: bearer $ADMIN_KEY" "$ADMIN1/admin/state")" 200 "header name and scheme are case-blind"
expect_eq "$(code "http://127.0.0.1:$P1/admin/state")" 404 "the public listener has no admin API"
admin_get /admin/state > state.json
expect_eq "$(json_get state.json 'd["stable"]["digest"], d["canary"], d["weight"], d["bundles"]')" \
	"('$D1', None, 0, ['$D1'])" "state: v1 seeded as the stable version"
expect_eq "$(stat -c %a s1) $(stat -c %a s1/state.json) $(stat -c %a s1/bundles/${D1#sha256:}.mlpkg)" \
	"700 600 600" "state directory 0700, its files 0600"

run curl -s -w '\n%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	--data-binary @v2.mlpkg "$ADMIN1/admin/bundles/$D1"
expect_match "$OUT" "digest mismatch: the upload is $D2, not $D1" "upload under another digest: refused"
expect_match "$OUT" "422$" "with 422"
expect_eq "$(ls s1/bundles | wc -l)" 1 "and nothing stored"
expect_eq "$(code -X PUT -H "Authorization: Bearer $ADMIN_KEY" --data-binary 'not a bundle' "$ADMIN1/admin/bundles/$D2")" 422 "an upload that is no bundle: 422"
expect_eq "$(code -X PUT -H "Authorization: Bearer $ADMIN_KEY" --data-binary @v2.mlpkg "$ADMIN1/admin/bundles/sha256:abc")" 400 "a malformed digest: 400"
expect_eq "$(code -X PUT --data-binary @v2.mlpkg "$ADMIN1/admin/bundles/$D2")" 401 "an upload without the key: 401"
expect_eq "$(ls -A s1/bundles | wc -l)" 1 "no temporary file left behind"
expect_eq "$(code -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN1/admin/bundles/$D2")" 404 "GET of a bundle it does not hold: 404"
expect_eq "$(code -H "Authorization: Bearer $ADMIN_KEY" -d "{\"digest\":\"$D2\",\"weight\":10}" "$ADMIN1/admin/activate")" 404 "activating a bundle it does not hold: 404"
expect_eq "$(code -H "Authorization: Bearer $ADMIN_KEY" -d "{\"digest\":\"$D1\",\"weight\":150}" "$ADMIN1/admin/activate")" 400 "a weight above 100: 400"
expect_eq "$(code -H "Authorization: Bearer $ADMIN_KEY" -d "{\"digest\":\"$D1\",\"weight\":50}" "$ADMIN1/admin/activate")" 409 "the stable digest as a canary: 409"
expect_eq "$(code -H "Authorization: Bearer $ADMIN_KEY" -d '[1' "$ADMIN1/admin/activate")" 400 "a body that is not JSON: 400"
expect_eq "$(code -X POST -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN1/admin/rollback")" 409 "rollback with nothing before: 409"
expect_eq "$(code -X DELETE -H "Authorization: Bearer $ADMIN_KEY" "$ADMIN1/admin/state")" 405 "DELETE /admin/state: 405"

: > empty.key
run "$MLOPS" serve --state s9 --admin-listen 127.0.0.1:0 v1.mlpkg --listen 127.0.0.1:0 --admin-key-file empty.key
expect_rc 2 "--admin-listen with an empty key file: exit 2"
run "$MLOPS" serve --state s9 --admin-listen 127.0.0.1:0 v1.mlpkg --listen 127.0.0.1:0 --admin-key-file /dev/null
expect_rc 4 "--admin-key-file naming a device: refused, exit 4"
run env -u MLOPS_ADMIN_KEY "$MLOPS" serve --state s9 --admin-listen 127.0.0.1:0 v1.mlpkg --listen 127.0.0.1:0
expect_rc 2 "--admin-listen without any key: exit 2"
expect_match "$ERR" "needs an admin key: MLOPS_ADMIN_KEY or --admin-key-file" "says where the key comes from"
run "$MLOPS" serve --admin-listen 127.0.0.1:0 v1.mlpkg
expect_rc 2 "--admin-listen without --state: exit 2"

# --- A rolling deploy under load ---
printf '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}' > body.json
for i in 1 2 3; do
	timeout 280 "$MLOPS_SRC/tests/tools/load-gen" "http://127.0.0.1:$(eval echo \$P$i)/predict" body.json stop "count$i" "load$i.json" 1 &
	at_exit "touch $SCRATCH/stop"
done
for i in 1 2 3; do
	for _ in $(seq 600); do [ "$(cat "count$i" 2>/dev/null || echo 0)" -ge 20 ] && break; sleep 0.05; done
done

run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env prod
expect_rc 0 "rolling deploy of v2 to three instances"
expect_match "$ERR" "uploaded $D2 to $ADMIN1" "uploaded to each instance"
expect_match "$ERR" "127.0.0.1:$P1 serves credit-risk 1.1.0 \(1 of 3\)" "one instance at a time"
expect_match "$ERR" "127.0.0.1:$P3: 3 smoke tests passed" "smoke tests against each"
expect_eq "$(versions)" "1.1.0 1.1.0 1.1.0" "every instance serves v2"
expect_eq "$(statuses)" "1:deployed" "ledger: revision 1 deployed"
expect_eq "$(stat -c %a proj/.mlops/prod/ledger.jsonl)" 600 "the fleet's ledger lives under .mlops/prod, 0600"
start_registry reg
must "$MLOPS" push -q v2.mlpkg "$REG/team/credit-risk:1.1.0"
run "$MLOPS" -C proj deploy "$REG/team/credit-risk:1.1.0" --env prod --no-tag
expect_rc 0 "deploying it again, by registry reference"
expect_match "$ERR" "pulled $REG/team/credit-risk:1.1.0 \\($D2\\)" "pulled and verified first"
expect_match "$ERR" "$ADMIN1 has $D2 already" "skips uploads an instance has"
expect_eq "$(ls -d "${TMPDIR:-/tmp}"/mlops-deploy-* 2>/dev/null | wc -l)" 0 "the pulled copy is removed"
run "$MLOPS" -C proj deploy "$REG/team/credit-risk:9.9.9" --env prod
expect_rc 5 "a reference the registry does not have: exit 5"
expect_eq "$(statuses)" "1:superseded 2:deployed" "and nothing in the ledger"

run "$MLOPS" -C proj status --env prod --json
expect_rc 0 "status: healthy"
printf '%s' "$OUT" > st.json
expect_eq "$(json_get st.json '[(i["stable"]["version"], i["ready"], i["healthy"]) for i in d["instances"]] == [("1.1.0", True, True)] * 3, d["kind"], d["healthy"]')" \
	"(True, 'fleet', True)" "status: each instance ready on the deployed version"
run "$MLOPS" -C proj status --env prod
expect_match "$OUT" "127.0.0.1:$P2  1.1.0 \(sha256:" "status for people: one line an instance"

# Alerts from here on: the deploys' events go to a receiver on 127.0.0.1.
timeout 300 $PY "$MLOPS_SRC/tests/tools/alert-receiver" r.port r.jsonl "" 280 &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 200); do [ -s r.port ] && break; sleep 0.05; done
printf 'alerts:\n  notify:\n    - webhook: {url: "http://127.0.0.1:%s/ok/fleet"}\n  events: [deploy_succeeded, deploy_failed, rolled_back, canary_aborted]\n  timeout: 2s\n  retry_for: 4s\n' \
	"$(cat r.port)" >> proj/mlops.yaml
events() { $PY -c 'import json; print([json.loads(l)["body"]["name"] for l in open("r.jsonl")])'; }

# --- Canary ---
sed -i 's/    strategy: rolling/    strategy: canary\n    steps: [25, 100]\n    interval: 1s/' proj/mlops.yaml
run "$MLOPS" -C proj deploy "$SCRATCH/v3.mlpkg" --env prod
expect_rc 1 "a canary with drifted predictions: exit 1"
expect_match "$ERR" "canary 1.2.0 at 25% on 3 instances" "the first step"
expect_match "$ERR" "canary analysis at 25%: prediction drift: PSI [0-9.]+ of the canary's predictions" "aborted on prediction drift"
expect_no_match "$ERR" "at 100%|promoted" "at the first step"
expect_match "$ERR" "canary aborted: weight 0 on every instance" "weight back to 0"
expect_match "$ERR" "rolled back: revision [0-9]+ serves credit-risk 1.1.0" "and rolled back by itself"
expect_eq "$(versions)" "1.1.0 1.1.0 1.1.0" "v2 everywhere, no canary left"
expect_eq "$(statuses)" "1:superseded 2:superseded 3:failed 4:deployed" "ledger: 3 failed, 4 the rollback"
expect_eq "$(events)" "['canary_aborted', 'deploy_failed', 'rolled_back']" \
	"alerts: canary_aborted, deploy_failed and rolled_back sent"
admin_get /admin/state > state.json
expect_eq "$(json_get state.json '[h["action"] for h in d["history"]][-3:]')" "['canary', 'abort', 'stable']" "the instance's own history"

run "$MLOPS" -C proj deploy "$SCRATCH/v4.mlpkg" --env prod --reason "canary v4"
expect_rc 0 "a good canary: promoted"
expect_match "$ERR" "canary at 25%: [0-9]+ requests \(stable [0-9]+\), errors 0.00% \(stable 0.00%\), p99 [0-9.]+ ms \(stable [0-9.]+ ms\), prediction PSI [0-9.]+: passed" "the analysis, for people"
expect_match "$ERR" "promoted 1.3.0 to 100% on 3 instances" "promoted"
expect_eq "$(versions)" "1.3.0 1.3.0 1.3.0" "every instance serves v4"
curl -s "http://127.0.0.1:$P1/metrics" > metrics.txt
expect_match "$(cat metrics.txt)" 'mlops_predictions_bucket\{model="credit-risk",model_version="1.3.0",le="0.05"\}' "predictions by version in /metrics"
expect_match "$(cat metrics.txt)" 'mlops_version_request_duration_seconds_count\{model="credit-risk",model_version="1.1.0"\}' "latency by version"
run promtool check metrics < metrics.txt
expect_rc 0 "promtool accepts the metrics"

run "$MLOPS" -C proj rollback --env prod
expect_rc 0 "rollback on a fleet"
expect_eq "$(versions)" "1.1.0 1.1.0 1.1.0" "v2 back everywhere"

# --- kill -9 mid-deploy, recovered by the next command ---
run env MLOPS_TEST_KILL_AT=canary "$MLOPS" -C proj deploy "$SCRATCH/v4.mlpkg" --env prod
expect_rc 137 "a deploy killed at the canary step"
expect_eq "$(versions)" "1.1.0+1.3.0 1.1.0+1.3.0 1.1.0+1.3.0" "left a canary on every instance"
expect_match "$(statuses)" "[0-9]+:pending$" "and a pending revision"
run "$MLOPS" -C proj status --env prod --json
expect_rc 0 "status resolves it by itself: healthy"
expect_match "$ERR" "left pending by pid [0-9]+ .*marking it failed" "marks the killed one failed"
expect_match "$ERR" "putting every instance back on revision" "and puts the instances back"
expect_eq "$(versions)" "1.1.0 1.1.0 1.1.0" "no canary left"
expect_match "$(statuses)" "[0-9]+:failed$" "the killed revision: failed"
run env MLOPS_TEST_KILL_AT=shipped "$MLOPS" -C proj deploy "$SCRATCH/v4.mlpkg" --env prod
expect_rc 137 "a deploy killed after the uploads"
run "$MLOPS" -C proj deploy "$SCRATCH/v4.mlpkg" --env prod
expect_rc 0 "the next deploy recovers and deploys"
expect_eq "$(versions)" "1.3.0 1.3.0 1.3.0" "v4 everywhere"

touch stop
for i in 1 2 3; do
	for _ in $(seq 600); do [ -s "load$i.json" ] && break; sleep 0.05; done
done
expect_eq "$(for i in 1 2 3; do json_get "load$i.json" 'd["failures"]'; done | sort -u | tr '\n' ' ')" "0 " \
	"no failed request on any instance through deploys, canaries and rollbacks"
expect_match "$(json_get load1.json 'sorted(d["versions"])')" "'1.1.0', '1.2.0', '1.3.0'" "the load saw v2, the bad canary and v4"

# --- An instance restarted from its state directory ---
kill "$(eval echo \$MPID2)"
for _ in $(seq 1200); do kill -0 "$(eval echo \$MPID2)" 2>/dev/null || break; sleep 0.05; done
start_fleet_instance 2 -restart
expect_match "$(cat serve2-restart.log)" "serves the stable version of its state \($D4\), not v1.mlpkg" "a restart serves its state, not the seed"
expect_eq "$(versions)" "1.3.0 1.3.0 1.3.0" "after a restart"

# --- An instance lost in the middle of a rolling deploy ---
sed -i 's/    strategy: canary/    strategy: rolling/' proj/mlops.yaml
MLOPS_TEST_PAUSE_AT=rolling "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env prod > lost.out 2> lost.err &
DPID=$!
# The deploy stops itself after the first instance: take the third away.
for _ in $(seq 1200); do [ "$(awk '{print $3}' /proc/$DPID/stat 2>/dev/null)" = T ] && break; sleep 0.05; done
kill -9 "$(eval echo \$MPID3)"
for _ in $(seq 1200); do kill -0 "$(eval echo \$MPID3)" 2>/dev/null || break; sleep 0.05; done
kill -CONT "$DPID"
wait "$DPID"
RC=$?
ERR=$(cat lost.err)
expect_rc 4 "a rolling deploy that loses an instance fails, and so does putting it back: exit 4"
expect_match "$ERR" "127.0.0.1:$P1 serves credit-risk 1.1.0 \(1 of 3\)" "the first instance had switched"
expect_match "$ERR" "activating on http://127.0.0.1:$A3: no answer" "the lost instance is named"
expect_match "$ERR" "the rollback to revision [0-9]+ failed too: 1 of 3 instances not switched" "the rollback says what it could not do"
expect_eq "$(versions)" "1.3.0 1.3.0" "the two instances left are back on v4"
start_fleet_instance 3 -restart
expect_eq "$(versions)" "1.3.0 1.3.0 1.3.0" "the lost one, restarted, serves its state: v4 too"
run "$MLOPS" -C proj status --env prod
expect_rc 0 "the fleet is healthy again, without repair"
# --- The admin key never shows ---
run "$MLOPS" -C proj status --env prod --json
expect_no_match "$OUT$ERR" "$ADMIN_KEY" "status --json does not show the admin key"
expect_no_match "$(cat serve*.log access*.log lost.err proj/.mlops/prod/ledger.jsonl s*/state.json 2>/dev/null)" "$ADMIN_KEY" \
	"nor any server log, access log, deploy output, ledger or state file"
for p in $(pgrep -f "serve --state"); do cat "/proc/$p/cmdline" 2>/dev/null; done | tr '\0' ' ' > argv.txt
expect_match "$(cat argv.txt)" "--admin-listen" "(the instances' command lines, read)"
expect_no_match "$(cat argv.txt)" "$ADMIN_KEY" "nor their command lines (the key comes from the environment)"
done_testing
