#!/bin/sh
# mlops smoke: a bundle's smoke tests against a real server: passing,
# waiting for a server that is still starting, failing on a wrong answer
# or a blown latency budget, API keys, TLS, a server that is down.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
start() { # start ARGS...: a server on a free port (not waited for); URL, SPID
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	timeout 120 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT" -q "$@" &
	SPID=$!
	at_exit "kill $SPID 2>/dev/null"
}

start
run "$MLOPS" smoke "$URL" --bundle b.mlpkg
expect_rc 0 "smoke tests pass, started before the server was ready"
expect_match "$OUT" "PASS  low-risk applicant" "each test named"
expect_match "$OUT" "PASS  out-of-range credit score is refused" "an expected 422 passes"
expect_match "$OUT" "3 of 3 smoke tests passed" "summary"
run "$MLOPS" smoke "$URL" --bundle b.mlpkg --json
printf '%s' "$OUT" > s.json
expect_eq "$(json_get s.json 'd["tests"], d["failed"], [r["status"] for r in d["results"]], all(r["latency_ms"] > 0 for r in d["results"])')" \
	"(3, 0, [200, 200, 422], True)" "--json: statuses and latencies"

# One smoke test: counts agree with their noun.
cp -r proj one
$PY - <<'PY'
import yaml
p = "one/mlops.yaml"
d = yaml.safe_load(open(p))
d["smoke"] = d["smoke"][:1]
open(p, "w").write(yaml.safe_dump(d, sort_keys=False))
PY
run "$MLOPS" smoke "$URL" -f one/mlops.yaml
expect_rc 0 "one smoke test"
expect_match "$OUT" "^1 of 1 smoke test passed$" "'1 of 1 smoke test passed', not 'tests'"

# A descriptor whose expectations the model does not meet.
cp -r proj wrong
sed -i 's/probability: 0.0276/probability: 0.5/; s/max_latency_ms: 250/max_latency_ms: 0.0001/' wrong/mlops.yaml
run "$MLOPS" smoke "$URL" -f wrong/mlops.yaml
expect_rc 1 "a wrong expected probability: exit 1"
expect_match "$OUT" "FAIL  low-risk applicant .*probability 0.02[0-9]+, expected 0.5 \\+- 0.001" "says what differed"
sed -i 's/probability: 0.5/probability: 0.0276/' wrong/mlops.yaml
run "$MLOPS" smoke "$URL" -f wrong/mlops.yaml
expect_rc 1 "a latency budget of 0.1 us: exit 1"
expect_match "$OUT" "FAIL  low-risk applicant .*took [0-9.]+ ms, the budget is 0.0001 ms" "the budget is named"
GITHUB_ACTIONS=true run "$MLOPS" smoke "$URL" -f wrong/mlops.yaml
expect_match "$ERR" "::error::smoke test 'low-risk applicant' failed" "an annotation in GitHub Actions"
kill "$SPID"

# API keys: the key comes from MLOPS_API_KEY, never the command line.
printf 'k-123456\n' > keys
start --api-key-file keys
run "$MLOPS" smoke "$URL" --bundle b.mlpkg
expect_rc 1 "no key: exit 1"
expect_match "$OUT" "HTTP 401, expected 200" "401 reported"
MLOPS_API_KEY=k-123456 run "$MLOPS" smoke "$URL" --bundle b.mlpkg
expect_rc 0 "MLOPS_API_KEY: pass"
expect_no_match "$OUT$ERR" "k-123456" "the key is never printed"
kill "$SPID"

# TLS, trusting the server's own certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 1 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
start --tls-cert tls.crt --tls-key tls.key
run "$MLOPS" smoke "https://127.0.0.1:$PORT" --bundle b.mlpkg --cacert tls.crt
expect_rc 0 "https with --cacert"
kill "$SPID"

# Nobody there: retried until the timeout, then exit 5.
PORT=$(free_port)
run "$MLOPS" smoke "http://127.0.0.1:$PORT" --bundle b.mlpkg --timeout 1
expect_rc 5 "no server: exit 5"
expect_match "$OUT" "no answer in 1 s \\([0-9]+ attempts\\)" "after retries"

run "$MLOPS" smoke --bundle b.mlpkg
expect_rc 2 "no URL: exit 2"
run "$MLOPS" smoke localhost:8080 --bundle b.mlpkg
expect_rc 2 "not an http URL: exit 2"
sed -i '/^smoke:/,/^include:/{/^include:/!d}' wrong/mlops.yaml
run "$MLOPS" smoke "$URL" -f wrong/mlops.yaml
expect_rc 3 "no smoke tests declared: exit 3"
done_testing
