#!/bin/sh
# mlops package: the bundle's shape, output, and its failure modes.
. "$(dirname "$0")/lib.sh"

copy_example proj
cd proj

run "$MLOPS" package
expect_rc 0 "package the example"
expect_match "$OUT" 'bundle +credit-risk-1\.0\.0\.mlpkg' "prints the path"
expect_match "$OUT" 'digest +sha256:[0-9a-f]{64}' "prints the digest"
ok $([ -f credit-risk-1.0.0.mlpkg ] && echo 0 || echo 1) "NAME-VERSION.mlpkg written"

tar tf credit-risk-1.0.0.mlpkg > list.txt
expect_eq "$(head -1 list.txt)" "oci-layout" "oci-layout comes first"
expect_eq "$(tail -1 list.txt)" "index.json" "index.json comes last"
expect_no_match "$(cat list.txt)" '^(/|\.\./)' "no absolute or parent paths"
expect_eq "$(grep -c '^blobs/sha256/[0-9a-f]\{64\}$' list.txt)" "8" \
	"8 blobs: model, code, doc, dataset, mlops, sbom, config, manifest"
tar tvf credit-risk-1.0.0.mlpkg | awk '{print $2}' | sort -u > owners.txt
expect_eq "$(cat owners.txt)" "0/0" "every entry owned by 0/0"

# Every blob's name is its content's digest (also checked by skopeo).
mkdir x && tar xf credit-risk-1.0.0.mlpkg -C x
bad=0
for f in x/blobs/sha256/*; do
	[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad=1
done
ok $bad "every blob matches its name"

run "$MLOPS" --json package -o out.mlpkg
expect_rc 0 "package --json -o FILE"
printf '%s' "$OUT" > res.json
expect_eq "$(json_get res.json 'd["path"]')" "out.mlpkg" "--json path"
expect_match "$(json_get res.json 'd["digest"]')" '^sha256:[0-9a-f]{64}$' "--json digest"
expect_eq "$(json_get res.json 'd["size"]')" "$(stat -c %s out.mlpkg)" "--json size"
expect_eq "$(json_get res.json 'len(d["files"])')" "8" "--json files"
expect_eq "$(json_get res.json '[f["digest"] for f in d["files"] if f["path"]=="model/model.json"][0]')" \
	"sha256:$(sha256sum model/model.json | cut -d' ' -f1)" "--json file digest matches sha256sum"
cmp -s out.mlpkg credit-risk-1.0.0.mlpkg
ok $? "same inputs, same bytes"

# -v lists what went in; GitHub Actions gets a job summary.
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$SCRATCH/summary.md" run "$MLOPS" -v package -o v.mlpkg
expect_rc 0 "package -v in GitHub Actions"
expect_match "$ERR" '^  dataset +sha256:[0-9a-f]{64}  data/golden\.csv$' "-v lists every file on stderr"
expect_match "$(cat "$SCRATCH/summary.md")" '^### mlops package: credit-risk 1\.0\.0' "step summary written"
expect_match "$(cat "$SCRATCH/summary.md")" "^\| digest \| \`$(json_get res.json 'd["digest"]')\` \|" \
	"step summary names the digest"

# Manifest shape: ModelPack artifactType, media types, file annotations.
m=x/blobs/sha256/$(json_get x/index.json 'd["manifests"][0]["digest"][7:]')
expect_eq "$(json_get "$m" 'd["artifactType"]')" "application/vnd.cncf.model.manifest.v1+json" "ModelPack artifactType"
expect_eq "$(json_get "$m" 'd["config"]["mediaType"]')" "application/vnd.cncf.model.config.v1+json" "ModelPack config"
expect_eq "$(json_get "$m" '" ".join(l["mediaType"] for l in d["layers"])')" \
	"application/vnd.cncf.model.weight.v1.raw application/vnd.cncf.model.code.v1.tar application/vnd.cncf.model.doc.v1.tar application/vnd.cncf.model.dataset.v1.tar application/vnd.mlops.descriptor.v1+json application/vnd.cyclonedx+json" \
	"layer media types in order"
expect_eq "$(json_get "$m" 'd["layers"][0]["annotations"]["org.cncf.model.filepath"]')" "model/model.json" "weight filepath annotation"
expect_eq "$(json_get "$m" '__import__("json").loads(d["layers"][0]["annotations"]["org.cncf.model.file.metadata+json"])["typeflag"]')" \
	"48" "weight file metadata annotation"
tar tf x/blobs/sha256/$(json_get "$m" 'd["layers"][3]["digest"][7:]') > ds.txt
expect_eq "$(cat ds.txt | tr '\n' ' ')" "data/golden.csv data/reference.csv data/train.csv " "dataset layer holds the datasets, sorted"
desc=x/blobs/sha256/$(json_get "$m" 'd["layers"][4]["digest"][7:]')
expect_eq "$(json_get "$desc" 'd["descriptor"]["signature"]["inputs"][2]["max"]')" "850" "descriptor layer carries the signature"
expect_eq "$(json_get "$desc" 'len(d["descriptor"]["smoke"])')" "3" "descriptor layer carries smoke tests"
expect_eq "$(json_get "$desc" 'd["provenance"]["git"]')" "False" "provenance outside git"

# Failure modes leave nothing behind.
rm -f *.mlpkg
mv model/model.json model/gone.json
run "$MLOPS" package
expect_rc 4 "missing model file: exit 4"
expect_match "$ERR" "^mlops: error: mlops\\.yaml:$(grep -n '^  path: model/model.json$' mlops.yaml | cut -d: -f1):9: cannot open model.path 'model/model.json': No such file" "names the missing file, at its place in mlops.yaml"
GITHUB_ACTIONS=true run "$MLOPS" package
expect_match "$ERR" "^::error file=mlops\\.yaml,line=[0-9]+,col=9::" "  and annotates it there in GitHub Actions"
run "$MLOPS" validate --data data/golden.csv
expect_rc 0 "validate --data does not need the model file"
ok $(ls -A | grep -c 'mlpkg' | grep -q '^0$' && echo 0 || echo 1) "no bundle and no temporary file left"
mv model/gone.json model/model.json
sed 's|  path: data/golden.csv|  path: data/nogolden.csv|' mlops.yaml > nogolden.yaml
run "$MLOPS" package -f nogolden.yaml
expect_rc 4 "a missing golden set: exit 4"
expect_match "$ERR" "^mlops: error: nogolden\\.yaml:[0-9]+:11: cannot open 'data/nogolden.csv'" "  at its place in the descriptor"
rm nogolden.yaml

ln -s /etc/hostname data/outside.csv
sed 's|  - path: data/train.csv|  - path: data/outside.csv|' mlops.yaml > link.yaml
run "$MLOPS" package -f link.yaml
expect_rc 3 "a link leading outside the project: exit 3"
expect_match "$ERR" "'data/outside.csv' leads outside the project directory" "link refusal explained"
ok $(ls -A | grep -c 'mlpkg' | grep -q '^0$' && echo 0 || echo 1) "nothing left behind"
rm data/outside.csv

ln -s train.csv data/inside.csv
sed 's|  - path: data/train.csv|  - path: data/inside.csv|' mlops.yaml > link2.yaml
run "$MLOPS" package -f link2.yaml -o link2.mlpkg
expect_rc 0 "a link inside the project is followed"

sed 's|  - path: README.md|  - path: ../README.md|' mlops.yaml > up.yaml
run "$MLOPS" package -f up.yaml
expect_rc 3 "'..' in a path: exit 3"

run "$MLOPS" package -o /nonexistent/dir/x.mlpkg
expect_rc 4 "output in a missing directory: exit 4"

SOURCE_DATE_EPOCH=yesterday run "$MLOPS" package -o e.mlpkg
expect_rc 3 "malformed SOURCE_DATE_EPOCH: exit 3"
expect_match "$ERR" "SOURCE_DATE_EPOCH must be a whole number" "explained"

run "$MLOPS" package --allow-dirty
expect_rc 2 "--allow-dirty without --tag: exit 2"

# An unpinned requirement is a warning, not an error.
echo 'pandas>=1.0' >> requirements.txt
run "$MLOPS" package -o w.mlpkg
expect_rc 0 "unpinned requirement still packages"
expect_match "$ERR" "warning: 1 requirement is not pinned" "warned about unpinned"

# Interrupted packaging leaves no temporary file.
dd if=/dev/zero of=model/big.bin bs=1M count=0 seek=4096 2>/dev/null
sed 's|^include:|include:\n  - path: model/big.bin\n    kind: dataset|' mlops.yaml > big.yaml
"$MLOPS" package -f big.yaml -o big.mlpkg >/dev/null 2>&1 &
pid=$!
# Interrupt once the temporary bundle is being written, not after a guess.
for _ in $(seq 200); do
	tmp=$(ls -A | grep '^\.big\.mlpkg\.tmp-' | head -1)
	[ -n "$tmp" ] && [ "$(stat -c %s "$tmp" 2>/dev/null || echo 0)" -gt 1048576 ] && break
	sleep 0.02
done
ok $([ -n "$tmp" ] && echo 0 || echo 1) "packaging got as far as writing the bundle"
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
# It dies of the signal (130), not of some error of its own.
ok $([ $rc -eq 130 ] && echo 0 || echo 1) "SIGINT stops packaging (exit $rc)"
ok $(ls -A | grep -c 'big.mlpkg' | grep -q '^0$' && echo 0 || echo 1) "no partial bundle after SIGINT"
done_testing
