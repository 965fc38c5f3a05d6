#!/bin/sh
# The command line itself: help, version, usage errors, exit statuses.
. "$(dirname "$0")/lib.sh"

run "$MLOPS" --version
expect_rc 0 "--version exits 0"
expect_match "$OUT" '^mlops [0-9]+\.[0-9]+\.[0-9]+' "--version names mlops"
for lib in libarchive libcurl libgit2 jansson libyaml libmicrohttpd libxgboost OpenSSL; do
	expect_match "$OUT" "^  $lib +[0-9]" "--version lists $lib"
done

run "$MLOPS" --json version
expect_rc 0 "mlops --json version"
printf '%s' "$OUT" > v.json
expect_eq "$(json_get v.json 'd["libraries"]["libxgboost"]')" "1.7.4" \
	"--json version is one JSON document"

run "$MLOPS" --help
expect_rc 0 "--help exits 0"
expect_match "$OUT" '^usage: mlops' "--help on stdout"
for c in init package inspect; do
	expect_match "$OUT" "^  $c " "--help lists $c"
done
expect_no_match "$OUT" '__complete' "hidden commands are not listed"

run "$MLOPS"
expect_rc 2 "no command: exit 2"
expect_match "$ERR" '^usage: mlops' "no command: usage on stderr"

run "$MLOPS" pakage
expect_rc 2 "unknown command: exit 2"
expect_match "$ERR" "error: 'pakage' is not an mlops command" "unknown command named"
expect_match "$ERR" "did you mean 'mlops package'" "did you mean"

run "$MLOPS" package --ouptut x
expect_rc 2 "unknown option: exit 2"
expect_match "$ERR" "unknown option '--ouptut'" "unknown option named"
expect_match "$ERR" "did you mean '--output'" "option suggestion"
expect_match "$ERR" '^usage: mlops package' "usage follows"

run "$MLOPS" package -o
expect_rc 2 "missing option value: exit 2"
expect_match "$ERR" "needs a value" "missing value explained"

run "$MLOPS" --color=sometimes help
expect_rc 2 "bad choice: exit 2"
expect_match "$ERR" "expected auto, always, never" "choices listed"

run "$MLOPS" --bogus
expect_rc 2 "unknown global option: exit 2"

for c in init package inspect help version; do
	run "$MLOPS" "$c" --help
	expect_rc 0 "$c --help exits 0"
	expect_match "$OUT" "^usage: mlops $c" "$c --help prints usage on stdout"
done
run "$MLOPS" help package
expect_rc 0 "help package"
expect_match "$OUT" -- '--allow-dirty' "help package lists its options"
expect_match "$OUT" -- '--json' "help lists common options"
run "$MLOPS" help nosuch
expect_rc 2 "help for an unknown command: exit 2"

run "$MLOPS" -C /nonexistent/dir version
expect_rc 4 "-C to a missing directory: exit 4"
expect_match "$ERR" "cannot change to '/nonexistent/dir'" "-C error names the directory"

run "$MLOPS" inspect
expect_rc 2 "inspect without a bundle: exit 2"

# A full stdout is an error, not silent truncation.
if [ -w /dev/full ]; then
	"$MLOPS" --version >/dev/full 2>err.txt
	ok $([ $? -eq 4 ] && echo 0 || echo 1) "write error on stdout: exit 4"
	expect_match "$(cat err.txt)" "cannot write to standard output" "write error reported"
fi

# Colour: never when stdout is not a terminal, forced by --color=always.
mkdir p && must "$MLOPS" -C p init -q
run "$MLOPS" --color=always init --help
expect_no_match "$OUT" "$(printf '\033')" "help text has no colour codes"
done_testing
