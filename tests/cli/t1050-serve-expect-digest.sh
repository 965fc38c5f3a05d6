#!/bin/sh
# mlops serve --expect-digest (and MLOPS_EXPECT_DIGEST, what a rendered
# Deployment sets): the bundle the server holds must be the one named.
# When it is: ready. When not: still live (so the kubelet does not
# restart it in a loop), never ready, /health/ready's 503 and the log say
# which digest was expected and which it has. A malformed digest: exit 2.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
D=$(bundle_digest b.mlpkg)
OTHER=sha256:$(printf '%064d' 7)

# serve LOG ARGS...: mlops serve b.mlpkg ARGS on a port of its choosing
# (no race for a "free" one), stopped by PID; sets SPID and URL, and
# returns non-zero when it does not listen.
serve() {
	_log=$1
	shift
	timeout 300 "$MLOPS" serve b.mlpkg --listen 127.0.0.1:0 "$@" 2> "$_log" &
	SPID=$!
	at_exit "kill $SPID 2>/dev/null"
	URL=$(listening_url "$_log" $SPID)
	[ -n "$URL" ]
}
code() { curl -s -o body.json -w '%{http_code}' "$URL$1"; }
stop() {
	kill -TERM "$SPID"
	wait "$SPID"
	expect_eq "$?" 0 "$1: SIGTERM, exit 0"
}

serve match.log --expect-digest "$D"
expect_eq "$?" 0 "--expect-digest the bundle's: starts"
expect_eq "$(code /health/ready) $(cat body.json)" '200 {"ready":true}' "ready"
expect_eq "$(code /v2/health/ready)" 200 "OIP readiness too"
expect_match "$(cat match.log)" "; ready$" "the log says ready"
stop "matching"

serve other.log --expect-digest "$OTHER"
expect_eq "$?" 0 "--expect-digest another: starts all the same"
expect_eq "$(code /health/live) $(cat body.json)" '200 {"live":true}' "live"
expect_eq "$(code /health/ready)" 503 "not ready: 503"
expect_eq "$($PY -c '
import json, sys
d = json.load(open("body.json"))
print(sorted(d), d["ready"], d["expected_digest"] == sys.argv[1], d["digest"] == sys.argv[2],
      sys.argv[1] in d["reason"] and sys.argv[2] in d["reason"])
' "$OTHER" "$D")" "['digest', 'expected_digest', 'ready', 'reason'] False True True True" \
	"the 503 says the digest expected and the one served"
expect_eq "$(code /v2/health/ready)" 503 "OIP readiness: 503"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{"features":{}}' "$URL/predict")" 422 \
	"it still answers (the Service sends it nothing while it is not ready)"
expect_match "$(cat other.log)" "mlops: error: not ready: the bundle served is $D, not $OTHER" "the log says why"
expect_match "$(cat other.log)" "NOT ready" "and that it is not ready"
stop "mismatching"

# From the environment, as the Deployment passes it; the option wins.
export MLOPS_EXPECT_DIGEST="$OTHER"
serve env.log
expect_eq "$(code /health/ready)" 503 "MLOPS_EXPECT_DIGEST another: 503"
stop "from the environment"
MLOPS_EXPECT_DIGEST=$D
serve env2.log
expect_eq "$(code /health/ready)" 200 "MLOPS_EXPECT_DIGEST the bundle's: 200"
stop "from the environment, matching"
MLOPS_EXPECT_DIGEST=$OTHER
serve env3.log --expect-digest "$D"
expect_eq "$(code /health/ready)" 200 "--expect-digest wins over MLOPS_EXPECT_DIGEST"
stop "the option over the environment"
unset MLOPS_EXPECT_DIGEST

for bad in sha256:12 "sha256:$(echo "${D#sha256:}" | tr a-f A-F)" md5:0123 ""; do
	run timeout 60 "$MLOPS" serve b.mlpkg --listen 127.0.0.1:0 --expect-digest "$bad"
	expect_rc 2 "--expect-digest '$bad': exit 2"
done
expect_match "$ERR" "takes sha256: and 64 lower-case hex digits" "says what it takes"
run env MLOPS_EXPECT_DIGEST=nonsense timeout 60 "$MLOPS" serve b.mlpkg --listen 127.0.0.1:0
expect_rc 2 "a malformed MLOPS_EXPECT_DIGEST: exit 2, before the bundle is opened"
done_testing
