#!/bin/sh
# mlops unpack: the project's files back out, verified; hostile bundles
# write nothing, anywhere.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"

run "$MLOPS" unpack b.mlpkg -o out
expect_rc 0 "unpack into a new directory"
for f in model/model.json data/golden.csv data/reference.csv data/train.csv \
	train.py README.md requirements.txt mlops.yaml; do
	cmp -s "proj/$f" "out/$f"
	ok $? "out/$f is the project's file"
done
ok $([ -s out/mlops.json ] && [ -s out/sbom.cdx.json ] && echo 0 || echo 1) "mlops.json and sbom.cdx.json written"
expect_eq "$(stat -c %a out/train.py)" "$(stat -c %a proj/train.py | sed 's/644/644/; s/[0-7]*5$/755/')" "modes kept (644/755)"
expect_eq "$(ls -A | grep -c '\.tmp-')" "0" "no temporary directory left"

run "$MLOPS" unpack b.mlpkg -o out
expect_rc 2 "a non-empty directory is refused"
expect_match "$ERR" "'out' is not empty" "explained"
expect_match "$ERR" "hint: .*--force" "hint names --force"
echo stale > out/model/model.json
run "$MLOPS" unpack b.mlpkg -o out --force
expect_rc 0 "--force replaces"
cmp -s proj/model/model.json out/model/model.json
ok $? "the stale file was replaced"

mkdir empty
run "$MLOPS" unpack b.mlpkg -o empty --only model
expect_rc 0 "--only model into an empty directory"
expect_eq "$(cd empty && find . -type f | sort | tr '\n' ' ')" "./model/model.json " "only the model"
run "$MLOPS" --json unpack b.mlpkg -o ds --only dataset
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["files"]))')" "3" "--json lists the files"

"$MLOPS_SRC/tests/tools/make-hostile-bundles" b.mlpkg hostile
mkdir jail && cd jail
for f in ../hostile/*.mlpkg; do
	name=$(basename "$f" .mlpkg)
	run "$MLOPS" unpack "$f" -o target
	expect_rc 3 "hostile '$name': refused"
	ok $([ ! -e target ] && [ -z "$(ls -A)" ] && echo 0 || echo 1) "hostile '$name': nothing written"
done
cd ..
ok $([ ! -e /tmp/mlops-evil.txt ] && [ ! -e "$SCRATCH/evil.txt" ] && echo 0 || echo 1) "nothing written outside"
ds=$("$MLOPS" --json inspect b.mlpkg | $PY -c 'import json,sys; print([l["digest"] for l in json.load(sys.stdin)["layers"] if l.get("name")=="dataset.tar"][0])')
"$MLOPS_SRC/tests/tools/flip-byte" b.mlpkg "$ds" flipped.mlpkg
run "$MLOPS" unpack flipped.mlpkg -o f
expect_rc 3 "a flipped byte: refused before writing"
ok $([ ! -e f ] && echo 0 || echo 1) "nothing written"
run "$MLOPS" unpack b.mlpkg
expect_rc 2 "-o is required"
done_testing
