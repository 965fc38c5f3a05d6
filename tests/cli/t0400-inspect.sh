#!/bin/sh
# mlops inspect: what a bundle holds; hostile archives are refused.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"

run "$MLOPS" inspect b.mlpkg
expect_rc 0 "inspect a bundle"
expect_match "$OUT" '^credit-risk 1\.0\.0$' "name and version"
expect_match "$OUT" 'digest +sha256:[0-9a-f]{64}' "digest"
expect_match "$OUT" 'model +model/model\.json \(xgboost, binary-classification, threshold 0\.5\)' "runtime and task"
expect_match "$OUT" '^  credit_score +int +yes +no +300 \.\. 850$' "signature with constraints"
expect_match "$OUT" 'gates +auc >= 0\.8, accuracy >= 0\.72, latency_p95_ms <= 60000' "gates"
expect_match "$OUT" 'source +not a git repository' "provenance"
expect_match "$OUT" 'CycloneDX 1\.6, 10 components' "SBOM summary"
expect_no_match "$OUT" '^Files' "files only with --files"

# No commit and no SOURCE_DATE_EPOCH: no build time, not 1970.
expect_match "$OUT" '^  created +no commit \(and no SOURCE_DATE_EPOCH\): no build time$' "created: no commit"
expect_no_match "$OUT" '1970-01-01' "  not 1970"
expect_eq "$("$MLOPS" --json inspect b.mlpkg | $PY -c 'import json,sys; print(json.load(sys.stdin)["created"])')" \
	None "--json: created is null"
must env SOURCE_DATE_EPOCH=1700000000 "$MLOPS" -C proj package -q -o "$SCRATCH/sde.mlpkg"
run "$MLOPS" inspect sde.mlpkg
expect_match "$OUT" '^  created +2023-11-14T22:13:20Z$' "SOURCE_DATE_EPOCH: created is that time"

run "$MLOPS" inspect --files b.mlpkg
expect_match "$OUT" "dataset .*sha256:$(sha256sum proj/data/golden.csv | cut -d' ' -f1)  data/golden.csv" \
	"--files lists files with digests"

run "$MLOPS" --json inspect b.mlpkg
expect_rc 0 "inspect --json"
printf '%s' "$OUT" > info.json
expect_eq "$(json_get info.json 'd["name"], d["version"], d["model"]["runtime"], d["model"]["task"]')" \
	"('credit-risk', '1.0.0', 'xgboost', 'binary-classification')" "--json: name, version, runtime, task"
expect_eq "$(json_get info.json 'len(d["signature"]["inputs"]), len(d["files"]), len(d["layers"])')" \
	"(8, 8, 6)" "--json: signature, files, layers"
expect_eq "$(json_get info.json 'd["sbom"]["by_type"]["library"]')" "2" "--json: SBOM summary"
expect_eq "$(json_get info.json 'd["size"]')" "$(stat -c %s b.mlpkg)" "--json: size"
run "$MLOPS" inspect --json b.mlpkg
expect_match "$OUT" '^\{' "--json after the command works too"

run "$MLOPS" inspect missing.mlpkg
expect_rc 4 "a missing bundle: exit 4"
expect_match "$ERR" "cannot open 'missing.mlpkg': No such file" "named"
run "$MLOPS" inspect "$SCRATCH"
expect_rc 4 "a directory: exit 4"

# Hostile and malformed archives: exit 3 with a reason, never a crash.
"$MLOPS_SRC/tests/tools/make-hostile-bundles" b.mlpkg hostile
n=0
for f in hostile/*.mlpkg; do
	name=$(basename "$f" .mlpkg)
	run "$MLOPS" inspect "$f"
	expect_rc 3 "hostile bundle '$name': exit 3"
	expect_match "$ERR" "^mlops: error: '.*$name.mlpkg' is not (a valid bundle|a bundle)" "'$name' refused with a reason"
	n=$((n + 1))
done
ok $([ "$n" -ge 20 ] && echo 0 || echo 1) "at least 20 hostile variants ($n)"
ok $([ ! -e /tmp/mlops-evil.txt ] && [ ! -e "$SCRATCH/../evil.txt" ] && echo 0 || echo 1) \
	"nothing written outside"
run "$MLOPS" inspect hostile/tampered-descriptor.mlpkg
expect_match "$ERR" "does not match its digest" "tampering detected by digest"
run "$MLOPS" inspect hostile/non-utf8-name.mlpkg
expect_match "$ERR" 'blobs/\\xff\\xfe' "unprintable names escaped in errors"
done_testing
