#!/bin/sh
# strategy: shadow on a fleet of two `mlops serve --state --admin-listen`
# instances under load: the candidate answers a copy of the prediction
# requests for one interval, judged by the canary's checks and
# min_agreement, then promoted (a candidate that agrees) or stopped and
# rolled back (one that does not); a shadow never answers a client. The
# admin API's activate with weight "shadow", /admin/shadow, state.json
# across a restart, mlops status; mlops.yaml errors.
. "$(dirname "$0")/lib.sh"

ADMIN_KEY=shadow-admin-key-1234
export MLOPS_ADMIN_KEY="$ADMIN_KEY"
fleet_bundles 9E-1
D2=$(bundle_digest v2.mlpkg)
D3=$(bundle_digest v3.mlpkg)

start_fleet_instance 1
start_fleet_instance 2
ADMIN1=http://127.0.0.1:$A1
{
	echo "  prod:"
	echo "    kind: fleet"
	echo "    admin_key_env: MLOPS_ADMIN_KEY"
	echo "    strategy: shadow"
	echo "    interval: 1s"
	# Judged here on its agreement: its PSI and latency left loose (a
	# loaded machine must not decide the test).
	echo "    checks: {min_requests: 5, min_agreement: 0.99, max_psi: 1000, max_p99_ms: 60000}"
	echo "    instances:"
	for i in 1 2; do
		echo "      - {url: http://127.0.0.1:$(eval echo \$P$i), admin: http://127.0.0.1:$(eval echo \$A$i)}"
	done
} >> proj/mlops.yaml
admin() { # admin N METHOD PATH [BODY]: instance N's admin API; sets CODE, BODY
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$2" -H "Authorization: Bearer $ADMIN_KEY" \
		${4:+-d "$4"} "http://127.0.0.1:$(eval echo \$A$1)$3")
	BODY=$(cat resp.txt)
}
versions() { # each instance's stable version, and +shadow when it has one
	for i in 1 2; do
		curl -s -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$(eval echo \$A$i)/admin/state" |
			$PY -c 'import json,sys; d=json.load(sys.stdin); print(d["stable"]["version"] + ("+" + d["shadow"]["version"] if d["shadow"] else ""))' 2>/dev/null
	done | tr '\n' ' ' | sed 's/ $//'
}

# --- mlops.yaml: what a shadow takes ---
rm -rf bad && cp -R proj bad
sed -i 's/^    interval: 1s$/    interval: 1s\n    steps: [10, 100]/' bad/mlops.yaml
run "$MLOPS" -C bad status --env prod
expect_rc 3 "mlops.yaml: steps with strategy shadow: exit 3"
expect_match "$ERR" "mlops.yaml:[0-9]+:[0-9]+: .*a shadow has no steps" "file:line:col and why"
rm -rf bad && cp -R proj bad
sed -i 's/min_agreement: 0.99/min_agreement: 2/' bad/mlops.yaml
run "$MLOPS" -C bad status --env prod
expect_rc 3 "min_agreement above 1: exit 3"
expect_match "$ERR" "mlops.yaml:[0-9]+:[0-9]+: .*min_agreement must lie in \[0, 1\]" "file:line:col and why"
rm -rf bad && cp -R proj bad
sed -i 's/^    strategy: shadow$/    strategy: canary/' bad/mlops.yaml
run "$MLOPS" -C bad status --env prod
expect_rc 3 "min_agreement with strategy canary: exit 3"
expect_match "$ERR" "min_agreement judges a shadow: it goes with strategy: shadow" "says it is a shadow's"

# --- A candidate that agrees: promoted ---
# The load: batches of 20 golden rows, some near the threshold.
$PY -c '
import csv, json
F = "income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
rows = [{k: float(r[k]) for k in F} for r in csv.DictReader(open("proj/data/golden.csv")) if all(r[k] for k in F)]
json.dump(rows[:20], open("body.json", "w"))'
for i in 1 2; do
	timeout 280 "$MLOPS_SRC/tests/tools/load-gen" "http://127.0.0.1:$(eval echo \$P$i)/predict/batch" body.json stop "count$i" "load$i.json" 1 &
	at_exit "touch $SCRATCH/stop"
done
for i in 1 2; do
	for _ in $(seq 600); do [ "$(cat "count$i" 2>/dev/null || echo 0)" -ge 20 ] && break; sleep 0.05; done
done
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env prod
expect_rc 0 "strategy shadow: a candidate that agrees is promoted"
expect_match "$ERR" "shadow 1.1.0 on 2 instances for 1 s: a copy of the prediction requests" "the shadow, announced"
expect_match "$ERR" "shadow: [0-9]+ requests \(stable [0-9]+\), errors 0.00% \(stable 0.00%\), agreement 100.00%, p99 [0-9.]+ ms \(stable [0-9.]+ ms\), prediction PSI [0-9.]+: passed" \
	"the canary's analysis on the mirrored requests, and the agreement"
expect_match "$ERR" "promoted 1.1.0 on 2 instances" "promoted"
expect_eq "$(versions)" "1.1.0 1.1.0" "every instance serves v2, no shadow left"

# --- A candidate that disagrees: stopped, rolled back ---
run "$MLOPS" -C proj deploy "$SCRATCH/v3.mlpkg" --env prod
expect_rc 1 "a candidate whose labels disagree: exit 1"
expect_match "$ERR" "shadow analysis: agreement [0-9.]+% of [0-9]+ rows, below min_agreement \(99.00%\)" "judged on its agreement"
expect_match "$ERR" "shadow stopped: weight 0 on every instance" "the shadow is stopped"
expect_no_match "$ERR" "promoted" "and not promoted"
expect_eq "$(versions)" "1.1.0 1.1.0" "v2 everywhere, no shadow"
expect_match "$("$MLOPS" -C proj history --env prod --json)" '"status": *"failed"' "the ledger: failed"

# --- The admin API: weight "shadow" ---
admin 1 POST /admin/activate "{\"digest\":\"$D2\",\"weight\":\"shadow\"}"
expect_eq "$CODE" 409 "the stable digest as a shadow: 409"
admin 1 POST /admin/activate "{\"digest\":\"$D3\",\"weight\":\"shade\"}"
expect_eq "$CODE" 400 "a weight that is neither a number nor \"shadow\": 400"
admin 1 POST /admin/activate "{\"digest\":\"$D3\",\"weight\":\"shadow\"}"
expect_eq "$CODE" 200 "POST /admin/activate {digest, weight: \"shadow\"}"
printf '%s' "$BODY" > st.json
expect_eq "$(json_get st.json 'd["shadow"]["digest"], d["shadow"]["version"], d["stable"]["version"], d["canary"]')" \
	"('$D3', '1.2.0', '1.1.0', None)" "the state: a shadow beside the stable version"
expect_eq "$(json_get s1/state.json 'd["shadow"]')" "$D3" "state.json keeps it"
for _ in $(seq 600); do
	curl -s "http://127.0.0.1:$P1/shadow" > sh.json
	[ "$(json_get sh.json 'd["rows"]["compared"] >= 20')" = True ] && break
	sleep 0.05
done
expect_eq "$(json_get sh.json 'd["shadow_version"], d["rows"]["compared"] >= 20, d["agreement"] < 0.99')" \
	"('1.2.0', True, True)" "the public GET /shadow: its comparison"
admin 1 GET /admin/shadow
printf '%s' "$BODY" > ash.json
expect_eq "$CODE $(json_get ash.json '[(s["model"], s["shadow_digest"]) for s in d["shadows"]]')" \
	"200 [('credit-risk', '$D3')]" "GET /admin/shadow"
expect_eq "$(json_get ash.json 'd["shadows"][0]["sample"]["path"]')" "s1/shadow-$(echo "$D3" | cut -c8-19).jsonl" \
	"the disagreements go to the state directory"
ok $([ -s "s1/shadow-$(echo "$D3" | cut -c8-19).jsonl" ] && echo 0 || echo 1) "and are written there"
run "$MLOPS" -C proj status --env prod
expect_match "$OUT" "shadow    1.2.0: agreement [0-9.]+% of [0-9]+ rows" "mlops status shows the instance's shadow"
# A restart brings the shadow back from the state.
kill "$MPID1"
for _ in $(seq 1200); do kill -0 "$MPID1" 2>/dev/null || break; sleep 0.05; done
start_fleet_instance 1 -restart
expect_match "$(cat serve1-restart.log)" "shadow credit-risk 1.2.0 \($D3\)" "a restart restores the shadow"
expect_eq "$(versions)" "1.1.0+1.2.0 1.1.0" "instance 1: v2 with the v3 shadow"
admin 1 POST /admin/activate '{"weight":0}'
expect_eq "$CODE" 200 "weight 0 stops the shadow"
expect_eq "$(versions)" "1.1.0 1.1.0" "no shadow left"
expect_eq "$(json_get s1/state.json 'd["shadow"]')" "None" "nor in state.json"

touch stop
for i in 1 2; do
	for _ in $(seq 600); do [ -s "load$i.json" ] && break; sleep 0.05; done
done
# Instance 1's client was cut by its restart: count instance 2's only.
expect_eq "$(json_get load2.json 'd["failures"], sorted(d["versions"])')" "(0, ['1.0.0', '1.1.0'])" \
	"no failed request; clients saw v1 and v2, never a shadow's answer"
expect_no_match "$(json_get load1.json 'sorted(d["versions"])')" "1.2.0" "nor on the instance with the shadow"
done_testing
