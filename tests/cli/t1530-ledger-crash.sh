#!/bin/sh
# An environment's ledger and releases after crashes: a last line cut at
# every byte is recovered from (reported, set aside, repaired by the next
# writer), damage elsewhere leaves rollback to a known revision possible,
# what a deploy killed mid-copy left is cleaned by the next deploy,
# rollback or status, and no failed run leaves its revision pending.
. "$(dirname "$0")/lib.sh"

copy_example proj
ROOT=proj/.mlops/staging
must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
sed -i 's/^version: .*/version: 1.1.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v2.mlpkg"
D1=$(bundle_digest v1.mlpkg)
D2=$(bundle_digest v2.mlpkg)

# Every line of the ledger is a whole JSON object ending in a newline.
ledger_whole() {
	$PY - "$ROOT/ledger.jsonl" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "no final newline"
for n, line in enumerate(data.split(b"\n")[:-1], 1):
    json.loads(line)
PY
}
statuses() { "$MLOPS" -C proj history --env staging --json | $PY -c 'import json,sys; print(" ".join("%d:%s" % (r["revision"], r["status"]) for r in json.load(sys.stdin)))'; }

run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging
expect_rc 0 "deploy v1"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "deploy v2"
cp "$ROOT/ledger.jsonl" ledger.good
cp -R "$ROOT" root.good
total=$(wc -c < ledger.good)
last=$(tail -n 1 ledger.good | wc -c)
before=$((total - last))

# --- a torn last line, cut at every byte -----------------------------------
bad_read=0 bad_deploy=0 bad_lines=0 torn_kept=0
k=1
while [ "$k" -lt "$last" ]; do
	rm -rf "$ROOT"
	cp -R root.good "$ROOT"
	head -c $((before + k)) ledger.good > "$ROOT/ledger.jsonl"
	"$MLOPS" -C proj history --env staging > /dev/null 2> hist.err || bad_read=$((bad_read + 1))
	if [ "$k" -lt $((last - 1)) ]; then
		grep -q "cut by a crash" hist.err || bad_read=$((bad_read + 1))
	fi
	"$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging > /dev/null 2>&1 ||
		bad_deploy=$((bad_deploy + 1))
	ledger_whole 2> /dev/null || bad_lines=$((bad_lines + 1))
	# What was cut is kept aside, byte for byte.
	if [ "$k" -lt $((last - 1)) ]; then
		tail -c $((k + 1)) "$ROOT/ledger.jsonl.torn" 2>/dev/null | head -c "$k" > got.torn
		head -c $((before + k)) ledger.good | tail -c "$k" > want.torn
		cmp -s got.torn want.torn || torn_kept=$((torn_kept + 1))
	fi
	k=$((k + 1))
done
expect_eq "$bad_read" 0 "history reads a ledger cut at each of the $((last - 1)) bytes of its last line, and says so"
expect_eq "$bad_deploy" 0 "the next deploy succeeds after each cut"
expect_eq "$bad_lines" 0 "and leaves every line whole"
expect_eq "$torn_kept" 0 "the cut line is set aside in ledger.jsonl.torn"

# The cut exactly before the newline: the line is whole, it counts.
rm -rf "$ROOT"
cp -R root.good "$ROOT"
head -c $((total - 1)) ledger.good > "$ROOT/ledger.jsonl"
expect_eq "$(statuses)" "1:superseded 2:deployed" "a last line without its newline but whole is read"
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging
expect_rc 0 "and the next deploy completes it"
run ledger_whole
expect_rc 0 "every line whole"
ok $([ -e "$ROOT/ledger.jsonl.torn" ] && echo 1 || echo 0) "nothing set aside"

# --- damage elsewhere: rollback to a known revision still works ------------
rm -rf "$ROOT"
cp -R root.good "$ROOT"
$PY - "$ROOT/ledger.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[1] = b'{"revision": 1, "status": garbage \x00\x1b[2J'
open(p, "wb").write(b"\n".join(lines))
PY
cp "$ROOT/ledger.jsonl" damaged.jsonl
run "$MLOPS" -C proj history --env staging
expect_rc 0 "history with a damaged line in the middle: exit 0"
expect_match "$ERR" "1 damaged line left out \(the first: line 2\)" "and it says which line"
run "$MLOPS" -C proj status --env staging
# No url for staging: healthy (0) when the ledger and current agree; 1
# would be a status that misread the ledger.
expect_rc 0 "status still answers: healthy"
run "$MLOPS" -C proj rollback --env staging --to 1
expect_rc 0 "rollback to revision 1 works"
expect_eq "$(readlink "$ROOT/current")" "releases/${D1#sha256:}" "current is revision 1's release"
run cmp -n "$(wc -c < damaged.jsonl)" damaged.jsonl "$ROOT/ledger.jsonl"
expect_rc 0 "the damaged ledger is kept as it was, only appended to"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "and later deploys work"

# A damaged line that starts with NUL bytes hides nothing after it.
rm -rf "$ROOT"
cp -R root.good "$ROOT"
$PY - "$ROOT/ledger.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines.insert(2, b"\0\0\0\0")
open(p, "wb").write(b"\n".join(lines))
PY
expect_eq "$(statuses)" "1:superseded 2:deployed" "a NUL-led line in the middle: the revisions after it still count"
run "$MLOPS" -C proj history --env staging
expect_match "$ERR" "1 damaged line left out \(the first: line 3\)" "and it is reported"
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging
expect_rc 0 "the next deploy works"
expect_eq "$(statuses)" "1:superseded 2:superseded 3:deployed" "as revision 3, numbers never reused"

# Revision numbers past the line count, duplicate keys, NUL bytes: left out.
rm -rf "$ROOT"
cp -R root.good "$ROOT"
printf '{"revision": 99999999999, "status": "deployed"}\n{"revision": 1, "revision": 2, "status": "x"}\n' >> "$ROOT/ledger.jsonl"
run "$MLOPS" -C proj history --env staging --json
expect_rc 0 "absurd revision numbers do not stop history"
expect_match "$ERR" "2 damaged lines" "they are counted"
run "$MLOPS" -C proj rollback --env staging --to 5
expect_rc 2 "no revision 5"

# --- what a deploy killed mid-copy left ------------------------------------
rm -rf "$ROOT"
cp -R root.good "$ROOT"
FAKE=$(printf '%064d' 7)
mkdir -p "$ROOT/releases/$FAKE"
head -c 1048576 /dev/zero > "$ROOT/releases/$FAKE/.bundle.mlpkg.tmp-Ab12Cd"
head -c 4096 /dev/zero > "$ROOT/releases/${D2#sha256:}/.bundle.mlpkg.tmp-Zz99Yy"
ln -s nowhere "$ROOT/.current.new"
for cmd in status rollback deploy; do
	mkdir -p "$ROOT/releases/$FAKE"
	head -c 1048576 /dev/zero > "$ROOT/releases/$FAKE/.bundle.mlpkg.tmp-Ab12Cd"
	case $cmd in
	status) run "$MLOPS" -C proj status --env staging ;;
	rollback) run "$MLOPS" -C proj rollback --env staging ;;
	deploy) run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging ;;
	esac
	# 1 would be unhealthy (status) or rolled back (deploy): not success.
	expect_rc 0 "$cmd after a killed copy: exit 0"
	left=$(find "$ROOT" -name '.*.tmp-*' | wc -l)
	expect_eq "$left" 0 "$cmd removed the temporary files"
	ok $([ -d "$ROOT/releases/$FAKE" ] && echo 1 || echo 0) "$cmd removed the empty release directory"
	expect_match "$ERR" "removed [0-9]+ temporary file" "$cmd says so"
done
ok $([ -f "$ROOT/releases/${D2#sha256:}/bundle.mlpkg" ] && echo 0 || echo 1) "installed releases are untouched"

# --- a failed run never leaves its revision pending -------------------------
rm -rf "$ROOT"
cp -R root.good "$ROOT"
sed -i 's/^version: .*/version: 1.3.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v3.mlpkg"
D3=$(bundle_digest v3.mlpkg)
mkdir -p "$ROOT/releases"
# The release's place is taken by a file: installing fails (I/O).
printf 'x' > "$ROOT/releases/${D3#sha256:}"
run "$MLOPS" -C proj deploy "$SCRATCH/v3.mlpkg" --env staging
expect_rc 4 "a deploy whose install fails: exit 4"
expect_eq "$(statuses)" "1:superseded 2:deployed 3:failed" "its revision is marked failed, not left pending"
rm -f "$ROOT/releases/${D3#sha256:}"
run "$MLOPS" -C proj deploy "$SCRATCH/v3.mlpkg" --env staging
expect_rc 0 "the next deploy works"
expect_match "$ERR" "revision 4" "as revision 4"

done_testing
