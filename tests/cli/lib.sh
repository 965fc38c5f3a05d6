# Shell helpers for CLI tests: TAP output, a scratch directory per test,
# and assertions on exit status and output. Source it first:
#   . "$(dirname "$0")/lib.sh"
# Tests read $MLOPS (the binary) and $MLOPS_SRC (the source tree).
set -u

: "${MLOPS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MLOPS:=$MLOPS_SRC/build/mlops}"
SHARED=${MLOPS_SHARED:-$MLOPS_SRC/../shared}
PY=/usr/bin/python3
export MLOPS MLOPS_SRC
# Nothing from the developer's environment leaks into results.
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY SOURCE_DATE_EPOCH NO_COLOR \
	MLOPS_REGISTRY 2>/dev/null || true
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Test Author" \
	GIT_AUTHOR_EMAIL=author@example.com GIT_COMMITTER_NAME="Test Author" \
	GIT_COMMITTER_EMAIL=author@example.com TZ=UTC LC_ALL=C

TEST_COUNT=0
TEST_FAILED=0
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mlops-test.XXXXXX")
export HOME="$SCRATCH/home" XDG_CONFIG_HOME="$SCRATCH/home/.config" \
	XDG_CACHE_HOME="$SCRATCH/home/.cache" XDG_DATA_HOME="$SCRATCH/home/.local/share"
mkdir -p "$HOME"
cleanup_hooks=""
at_exit() { cleanup_hooks="$1; $cleanup_hooks"; }
finish() {
	eval "$cleanup_hooks"
	rm -rf "$SCRATCH"
}
trap finish EXIT
trap 'exit 130' INT TERM
cd "$SCRATCH" || exit 1

ok() {
	TEST_COUNT=$((TEST_COUNT + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TEST_COUNT - $2"
	else
		echo "not ok $TEST_COUNT - $2"
		TEST_FAILED=$((TEST_FAILED + 1))
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
# Never in a pipeline (a subshell would lose them): redirect stdin instead.
run() {
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	RC=$?
	OUT=$(cat "$SCRATCH/.out")
	ERR=$(cat "$SCRATCH/.err")
}

# must CMD...: a setup step the test needs but does not test (packaging a
# fixture, say). Its stdout is thrown away. When it fails, the test stops
# here, `not ok` with its status and stderr, instead of checking missing or
# stale files later and passing because two failures look alike. Not in a
# subshell or a pipeline: its exit would end only that.
must() {
	"$@" >/dev/null 2>"$SCRATCH/.must"
	_rc=$?
	[ $_rc -eq 0 ] && return 0
	ok 1 "setup: $*"
	diag "exit status $_rc" "stderr: $(cat "$SCRATCH/.must")"
	done_testing
	exit 1
}

# expect_rc WANT NAME: checks $RC from the last run.
expect_rc() {
	if [ "$RC" -eq "$1" ]; then
		ok 0 "$2"
	else
		ok 1 "$2"
		diag "exit status $RC, want $1" "stdout: $OUT" "stderr: $ERR"
	fi
}

# expect_match HAYSTACK REGEX NAME
expect_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "no match for /$2/ in:" "$1"
	fi
}

expect_no_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "unexpected match for /$2/ in:" "$1"
	else
		ok 0 "$3"
	fi
}

expect_eq() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  $1" "want: $2"
	fi
}

# jq-free JSON field access with Debian's python: json_get FILE EXPR
json_get() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# The digest (the manifest's) of a bundle, as mlops inspect reports it.
bundle_digest() {
	"$MLOPS" --json inspect "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["digest"])'
}

done_testing() {
	echo "1..$TEST_COUNT"
	[ "$TEST_FAILED" -eq 0 ]
}

# start_instance LOG ARGS...: a fleet instance, `mlops serve ARGS` (with
# --admin-listen among them) in the background for at most 300 s, its
# stderr in LOG, stopped by PID when the test ends. Waits (bounded) for its
# admin API; sets IPID and ADMIN (scheme://addr:port, empty if it failed).
start_instance() {
	_log=$1
	shift
	timeout 300 "$MLOPS" serve "$@" 2> "$_log" &
	IPID=$!
	at_exit "kill $IPID 2>/dev/null"
	for _ in $(seq 1200); do
		grep -q "admin API on" "$_log" && break
		kill -0 $IPID 2>/dev/null || break
		sleep 0.05
	done
	ADMIN=$(sed -n 's|.*admin API on \(https*://[0-9.:]*\)$|\1|p' "$_log")
}

# start_serve LOG PORT ARGS...: `mlops serve ARGS` on 127.0.0.1:PORT in the
# background for at most 300 s, its stderr in LOG, stopped by PID when the
# test ends; waits (bounded) until it is ready. Sets SPID; fails when it
# did not get ready.
start_serve() {
	_log=$1
	_port=$2
	shift 2
	timeout 300 "$MLOPS" serve "$@" --listen "127.0.0.1:$_port" 2> "$_log" &
	SPID=$!
	at_exit "kill $SPID 2>/dev/null"
	for _ in $(seq 600); do
		curl -s -o /dev/null "http://127.0.0.1:$_port/health/ready" && return 0
		kill -0 $SPID 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# serve_bg LOG ARGS...: `mlops serve ARGS` on a port the kernel picks
# (--listen 127.0.0.1:0: no race for a free port), in the background for
# at most 300 s, its stderr in LOG, stopped by PID when the test ends;
# waits (bounded) until it says it is ready, or dies. Sets SPID
# (timeout's), MPID (mlops's: the one to signal), URL and ADMIN (the
# admin API's, when it has one); URL is empty when it never got ready.
serve_bg() {
	_log=$1
	shift
	timeout 300 "$MLOPS" serve "$@" --listen 127.0.0.1:0 2> "$_log" &
	SPID=$!
	at_exit "kill $SPID 2>/dev/null"
	for _ in $(seq 1200); do
		grep -qs "; ready" "$_log" && break
		kill -0 $SPID 2>/dev/null || break
		sleep 0.05
	done
	URL=$(sed -n 's|.*listening on \(http://[0-9.:]*\)$|\1|p' "$_log" | head -1)
	ADMIN=$(sed -n 's|.*admin API on \(http://[0-9.:]*\)$|\1|p' "$_log")
	MPID=$(pgrep -P $SPID)
	grep -qs "; ready" "$_log" || URL=
}

# fleet_bundles SCORE: the example packaged three times in proj (copied
# first): v1.mlpkg as it is, v2.mlpkg as version 1.1.0, v3.mlpkg as 1.2.0
# predicting from base score SCORE (every probability moves); model.json
# is restored, mlops.yaml left at 1.2.0.
fleet_bundles() {
	copy_example proj
	must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
	sed -i 's/^version: .*/version: 1.1.0/' proj/mlops.yaml
	must "$MLOPS" -C proj package -q -o "$SCRATCH/v2.mlpkg"
	cp proj/model/model.json model.orig
	sed -i 's/^version: .*/version: 1.2.0/' proj/mlops.yaml
	sed -i "s/\"base_score\":\"5E-1\"/\"base_score\":\"$1\"/" proj/model/model.json
	must grep -q "\"base_score\":\"$1\"" proj/model/model.json
	must "$MLOPS" -C proj package -q -o "$SCRATCH/v3.mlpkg"
	cp model.orig proj/model/model.json
}

# start_fleet_instance N [SUFFIX]: fleet instance N, `mlops serve --state
# sN SEED` (SEED: v1.mlpkg unless set) with an admin listener, on the
# ports P<N> and A<N> when set, else on ports the kernel picks (read from
# its log, then kept in P<N>, A<N>); its log serve<N><SUFFIX>.log (a
# restart takes a new SUFFIX: the old server's stderr never shares a
# file with the new one's), its access log accessN.log. Waits (bounded)
# until ready; sets MPID<N>. Fails, saying why, when it did not start.
start_fleet_instance() {
	LOG=serve$1${2:-}.log
	timeout 300 "$MLOPS" serve --state "s$1" "${SEED:-v1.mlpkg}" \
		--listen "127.0.0.1:$(eval echo \${P$1:-0})" \
		--admin-listen "127.0.0.1:$(eval echo \${A$1:-0})" \
		--log-file "access$1.log" 2> "$LOG" &
	at_exit "kill $! 2>/dev/null"
	# Up to a minute on a loaded machine; a server that died stops the wait.
	for _ in $(seq 1200); do
		grep -qs "; ready" "$LOG" && break
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	grep -qs "; ready" "$LOG" || { diag "instance $1 did not start:" "$(cat "$LOG")" "$(ps -ef | grep '[m]lops serve')"; return 1; }
	eval "P$1=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$LOG")"
	eval "A$1=$(sed -n 's|.*admin API on http://127.0.0.1:\([0-9]*\)$|\1|p' "$LOG")"
	eval "MPID$1=\$(pgrep -P $!)"
}

# listening_url LOG PID: waits (bounded) until the mlops serve of PID says
# in LOG where it listens (--listen 127.0.0.1:0: no race for a free
# port); prints that http:// URL, nothing when it never did.
listening_url() {
	for _ in $(seq 1200); do
		grep -q "listening on" "$1" && break
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	sed -n 's|.*listening on \(http://[0-9.:]*\)$|\1|p' "$1" | head -1
}

# start_alert_receiver NAME [SECRET]: tests/tools/alert-receiver on a free
# port of 127.0.0.1 for at most 280 s, recording to NAME.jsonl (checking
# signatures under SECRET), stopped by PID when the test ends. Waits
# (bounded) until it listens; sets RURL (http://127.0.0.1:PORT, the port
# part empty if it did not start).
start_alert_receiver() {
	: > "$1.jsonl"
	timeout 300 $PY "$MLOPS_SRC/tests/tools/alert-receiver" "$1.port" "$1.jsonl" "${2:-}" 280 &
	at_exit "kill $! 2>/dev/null"
	for _ in $(seq 200); do [ -s "$1.port" ] && break; sleep 0.05; done
	RURL=http://127.0.0.1:$(cat "$1.port" 2>/dev/null)
}

# q FILE EXPR [ARG...]: the Python expression EXPR over L, the lines of an
# alert receiver's (or a dead-letter file's) JSON-lines FILE; by(PART):
# those whose path holds PART, in the order received; bodies(PART): their
# bodies. ARGs are sys.argv[3:].
q() {
	$PY -c 'import json,sys
L = [json.loads(l) for l in open(sys.argv[1])]
def by(part): return [d for d in L if part in d.get("path", "")]
def bodies(part): return [d["body"] for d in by(part)]
print(eval(sys.argv[2]))' "$@"
}

# fixture_project DIR MODEL SNIPPET NAME [SED]: a project in DIR around a
# model file and a fixture's mlops.yaml snippet (its model: and
# signature:), named NAME, then edited by the sed script SED.
fixture_project() {
	mkdir -p "$1"
	cp "$2" "$1/"
	{ printf 'name: %s\nversion: 1.0.0\n' "$4"; grep -v '^#' "$3"; } > "$1/mlops.yaml"
	if [ -n "${5:-}" ]; then sed -i "$5" "$1/mlops.yaml"; fi
}

# http_req METHOD URL [BODY]: a request (BODY sent as JSON); sets CODE
# and BODY, the answer's body also in resp.txt.
http_req() {
	if [ $# -ge 3 ]; then
		CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$2")
	else
		CODE=$(curl -s -o resp.txt -w '%{http_code}' -X "$1" "$2")
	fi
	BODY=$(cat resp.txt)
}

# A copy of the credit-risk example to work on. Its latency gate gets a
# threshold no loaded machine can miss: tests never depend on timing.
copy_example() {
	mkdir -p "$1"
	cp -R "$MLOPS_SRC/examples/credit-risk/." "$1/"
	rm -f "$1"/*.mlpkg
	rm -rf "$1/.mlops"
	sed -i 's/^  latency_p95_ms: "<= 5"$/  latency_p95_ms: "<= 60000"/' "$1/mlops.yaml"
}
