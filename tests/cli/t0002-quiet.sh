#!/bin/sh
# -q: only errors on stderr, for every command; and on the commands whose
# stdout is a report of how they went, nothing on stdout either, except
# the document --json asks for. The data a command is asked for stays.
. "$(dirname "$0")/lib.sh"

# quiet NAME CMD...: CMD with -q succeeds and prints nothing at all.
quiet() {
	_name=$1
	shift
	run "$@"
	expect_rc 0 "$_name -q: exit 0"
	expect_eq "$OUT" "" "$_name -q: nothing on stdout"
	expect_eq "$ERR" "" "$_name -q: nothing on stderr"
}
# json NAME KEY CMD...: CMD (with --json -q) succeeds and prints its JSON.
json() {
	_name=$1 _key=$2
	shift 2
	run "$@"
	expect_rc 0 "$_name --json -q: exit 0"
	expect_eq "$(printf '%s' "$OUT" | $PY -c "import json,sys; print('$_key' in json.load(sys.stdin))" 2>&1)" \
		True "$_name --json -q: the JSON document, with '$_key'"
}

mkdir fresh
quiet init "$MLOPS" -C fresh init -q
ok $([ -s fresh/mlops.yaml ] && echo 0 || echo 1) "init -q wrote mlops.yaml"
rm fresh/mlops.yaml
json init path "$MLOPS" -C fresh init -q --json

copy_example proj
quiet package "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
ok $([ -s b.mlpkg ] && echo 0 || echo 1) "package -q wrote the bundle"
json package digest "$MLOPS" -C proj --json package -q -o "$SCRATCH/b2.mlpkg"
cmp -s b.mlpkg b2.mlpkg
ok $? "the same bundle either way"

quiet validate "$MLOPS" validate -q b.mlpkg
json validate checks "$MLOPS" validate -q --json b.mlpkg
quiet "validate --data" "$MLOPS" -C proj validate --data data/golden.csv -q
head -1 proj/data/golden.csv > bad.csv
sed -n 2p proj/data/golden.csv | sed 's/^[^,]*,/-5,/' >> bad.csv
run "$MLOPS" -C proj validate --data "$SCRATCH/bad.csv" -q
expect_rc 1 "validate --data -q, a violation: exit 1"
expect_eq "$OUT$ERR" "" "  the exit status is the whole answer"
run "$MLOPS" validate -q missing.mlpkg
expect_rc 4 "validate -q, no such bundle: exit 4"
expect_eq "$OUT" "" "  nothing on stdout"
expect_match "$ERR" "^mlops: error: .*missing\\.mlpkg" "  the error still on stderr"

quiet unpack "$MLOPS" unpack -q b.mlpkg -o out
ok $([ -s out/mlops.yaml ] && echo 0 || echo 1) "unpack -q wrote the files"

D="--reference data/reference.csv --current data/current.csv --drift-share 0.2"
run "$MLOPS" -C proj drift $D -q
expect_rc 1 "drift -q, drifted data: exit 1"
expect_eq "$OUT$ERR" "" "  nothing printed"
run "$MLOPS" -C proj drift $D -q --markdown
expect_rc 1 "drift -q --markdown, drifted data: exit 1"
expect_eq "$OUT" "" "  nothing on stdout"
run "$MLOPS" -C proj drift $D -q --json
expect_rc 1 "drift --json -q: exit 1"
expect_match "$OUT" '"columns_drifted": 2' "  the JSON document"

quiet push "$MLOPS" push -q b.mlpkg "oci:$SCRATCH/layout:1.0.0"
quiet pull "$MLOPS" pull -q "oci:$SCRATCH/layout:1.0.0" -o pulled.mlpkg
quiet deploy "$MLOPS" -C proj deploy -q "$SCRATCH/b.mlpkg" --env staging
run "$MLOPS" -C proj deploy -q "$SCRATCH/nosuch.mlpkg" --env staging
expect_rc 4 "deploy -q, no such bundle: exit 4"
expect_match "$ERR" "^mlops: error: " "  the error still on stderr"
run "$MLOPS" smoke -q http://127.0.0.1:9 --bundle b.mlpkg --timeout 2
expect_rc 5 "smoke -q, nothing listens: exit 5"
expect_eq "$OUT" "" "  nothing on stdout"
expect_match "$ERR" "^mlops: error: " "  the error on stderr"

# The data asked for stays.
run "$MLOPS" inspect -q b.mlpkg
expect_rc 0 "inspect -q"
expect_match "$OUT" "credit-risk" "inspect -q still shows the bundle"
run "$MLOPS" -C proj history -q --env staging
expect_match "$OUT" "deployed" "history -q still lists the revisions"
run "$MLOPS" tags -q "oci:$SCRATCH/layout"
expect_eq "$OUT" "1.0.0" "tags -q still lists the tags"
run "$MLOPS" predict -q b.mlpkg --input proj/data/golden.csv
expect_rc 0 "predict -q"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" "$(wc -l < proj/data/golden.csv)" "predict -q still writes the predictions"
expect_eq "$ERR" "" "  and nothing on stderr"

# Each command's --help says which kind it is.
for c in init package validate unpack smoke deploy rollback drift push pull login logout; do
	expect_match "$("$MLOPS" $c --help)" "^  -q, --quiet +stdout: only --json; stderr: only errors" "$c --help: -q silences its report"
done
for c in inspect predict history status tags serve; do
	expect_match "$("$MLOPS" $c --help)" "^  -q, --quiet +print only errors on stderr$" "$c --help: -q keeps its data"
done
done_testing
