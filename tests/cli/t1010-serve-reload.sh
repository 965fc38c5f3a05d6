#!/bin/sh
# mlops serve --root: SIGHUP loads what DIR/current points to while the old
# version answers, swaps without failing a request (continuous load from 4
# keep-alive clients throughout), keeps the old version when the new one
# does not load, and counts requests by the version that answered them.
# Also: payload logging with redaction.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
sed -i 's/^version: .*/version: 1.1.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v2.mlpkg"
D1=$(bundle_digest v1.mlpkg)
D2=$(bundle_digest v2.mlpkg)
mkdir -p root/releases/1 root/releases/2 root/releases/broken
cp v1.mlpkg root/releases/1/bundle.mlpkg
cp v2.mlpkg root/releases/2/bundle.mlpkg
head -c 5000 v2.mlpkg > root/releases/broken/bundle.mlpkg
# As deploy does it: a new link renamed over the old one (atomic).
point() { ln -s "releases/$1" root/current.new && mv -T root/current.new root/current; }
point 1

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
timeout 300 "$MLOPS" serve --root root --listen "127.0.0.1:$PORT" --log-file access.log \
	--log-payloads --redact income --redact loan_amount > serve.out 2> serve.err &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
for _ in $(seq 200); do curl -s -o /dev/null "$URL/health/ready" && break; sleep 0.05; done
# timeout(1) bounds its life; signals go to mlops itself (timeout dies of
# a second SIGHUP instead of passing it on).
MPID=$(pgrep -P "$SPID")
at_exit "kill $MPID 2>/dev/null"
version() { curl -s "$URL/model/info" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["version"], d["digest"])'; }
expect_eq "$(version)" "1.0.0 $D1" "--root serves what current points to"

# wait_for CMD WANT: polls (bounded) until CMD prints WANT.
wait_for() {
	for _ in $(seq 400); do [ "$($1)" = "$2" ] && return 0; sleep 0.05; done
	return 1
}
answered() { cat count 2>/dev/null || echo 0; }
at_least() { # at_least N: the load generator has N more answers
	want=$(( $(answered) + $1 ))
	for _ in $(seq 600); do [ "$(answered)" -ge "$want" ] && return 0; sleep 0.05; done
	return 1
}

printf '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}' > body.json
timeout 240 "$MLOPS_SRC/tests/tools/load-gen" "$URL/predict" body.json stop count load.json 4 &
LPID=$!
at_exit "touch $SCRATCH/stop; kill $LPID 2>/dev/null"
at_least 200
ok $? "the load is running"

point 2
kill -HUP "$MPID"
wait_for version "1.1.0 $D2"
ok $? "SIGHUP: the new version answers"
at_least 200
expect_match "$(cat serve.err)" "reloaded: credit-risk 1.1.0 \\($D2\\), was 1.0.0" "the reload is logged"

point broken
kill -HUP "$MPID"
for _ in $(seq 400); do grep -q "reload failed" serve.err && break; sleep 0.05; done
expect_match "$(cat serve.err)" "reload failed, still serving the previous version: .*bundle" "a bundle that does not load: logged why"
expect_eq "$(version)" "1.1.0 $D2" "and the old version still answers"
at_least 200

rm root/current
kill -HUP "$MPID"
for _ in $(seq 400); do [ "$(grep -c "reload failed" serve.err)" -ge 2 ] && break; sleep 0.05; done
expect_match "$(cat serve.err)" "cannot resolve 'root/current'" "current missing: logged, old version kept"
expect_eq "$(version)" "1.1.0 $D2" "still answering"

point 1
kill -HUP "$MPID"
wait_for version "1.0.0 $D1"
ok $? "rolled back by SIGHUP"
at_least 200
touch stop
wait "$LPID"
expect_eq "$(json_get load.json 'd["failures"], d["errors"]')" "(0, [])" "zero failed requests across three reloads under load"
expect_eq "$(json_get load.json 'sorted(d["versions"])')" "['1.0.0', '1.1.0']" "both versions answered the load"
diag "$(json_get load.json 'd["requests"], d["versions"]')"

curl -s "$URL/metrics" > metrics.txt
expect_match "$(cat metrics.txt)" 'mlops_requests_total\{route="/predict",status="200",model="credit-risk",model_version="1\.1\.0"\} [1-9]' "requests counted by the version that answered (1.1.0)"
expect_match "$(cat metrics.txt)" 'mlops_requests_total\{route="/predict",status="200",model="credit-risk",model_version="1\.0\.0"\} [1-9]' "and 1.0.0"
expect_match "$(cat metrics.txt)" 'mlops_model_reloads_total\{result="success"\} 2' "two reloads succeeded"
expect_match "$(cat metrics.txt)" 'mlops_model_reloads_total\{result="failure"\} 2' "two failed"
expect_match "$(cat metrics.txt)" "mlops_model_info\\{name=\"credit-risk\",version=\"1.0.0\",digest=\"$D1\"\\} 1" "model info names the version now served"
promtool check metrics < metrics.txt > promtool.out 2>&1
ok $? "promtool is happy with the labelled metrics"

# Payloads in the access log, with redaction.
line=$(grep -m1 '"route":"/predict"' access.log)
expect_match "$line" '"payload":\{"features":\{' "--log-payloads logs the request body"
expect_match "$line" '"income":"\[REDACTED\]"' "--redact hides a field"
expect_match "$line" '"loan_amount":"\[REDACTED\]"' "at any depth, several fields"
expect_no_match "$(cat access.log)" '":(85000|15000)[,}]' "redacted values appear nowhere"
expect_match "$line" '"debt_ratio":0\.15' "other fields are logged"
$PY -c '
import json, sys
for l in open("access.log"):
    json.loads(l)
' 2> json.err
ok $? "every access log line is JSON"
kill -TERM "$MPID"
wait "$SPID"
ok $? "SIGTERM: exit 0"

run "$MLOPS" serve v1.mlpkg --root root
expect_rc 2 "BUNDLE and --root: exit 2"
run "$MLOPS" serve v1.mlpkg --redact income
expect_rc 2 "--redact without --log-payloads: exit 2"
run timeout 30 "$MLOPS" serve --root nowhere
expect_rc 4 "a --root without current: exit 4"
expect_match "$ERR" "cannot resolve 'nowhere/current'" "explained"
done_testing
