#!/bin/sh
# The SBOM validates against CycloneDX 1.6 and says what the bundle holds;
# the config validates against the ModelPack schema.
. "$(dirname "$0")/lib.sh"

VALIDATE="$MLOPS_SRC/tests/tools/validate-schema"
copy_example proj
(cd proj && git init -q && git remote add origin https://bot:s3cret@example.com/acme/credit.git && \
	git add -A && git commit -q -m init)
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"

run "$MLOPS" inspect --sbom b.mlpkg
expect_rc 0 "inspect --sbom"
printf '%s\n' "$OUT" > sbom.json
run "$VALIDATE" "$SHARED/schemas/cyclonedx" bom-1.6.schema.json sbom.json
expect_rc 0 "SBOM validates against bom-1.6.schema.json"
[ "$RC" -eq 0 ] || diag "$ERR"

j() { json_get sbom.json "$1"; }
expect_eq "$(j 'd["specVersion"]')" "1.6" "spec version 1.6"
expect_match "$(j 'd["serialNumber"]')" '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
	"serial number is a name-based UUID"
expect_eq "$(j 'd["metadata"]["tools"]["components"][0]["name"]')" "mlops" "mlops in metadata.tools"
expect_eq "$(j '[c["name"] for c in d["components"] if c["type"]=="machine-learning-model"]')" \
	"['model/model.json']" "the model is a machine-learning-model"
expect_eq "$(j '[c for c in d["components"] if c["type"]=="machine-learning-model"][0]["modelCard"]["modelParameters"]["task"]')" \
	"classification" "model card task"
expect_eq "$(j '[r["ref"] for r in [c for c in d["components"] if c["type"]=="machine-learning-model"][0]["modelCard"]["modelParameters"]["datasets"]]')" \
	"['data:data/golden.csv', 'data:data/reference.csv']" "model card refers to the datasets"
expect_eq "$(j 'sorted(c["name"] for c in d["components"] if c["type"]=="data")')" \
	"['data/golden.csv', 'data/reference.csv', 'data/train.csv']" "datasets are data components"
expect_eq "$(j 'sorted(c["purl"] for c in d["components"] if c["type"]=="library")')" \
	"['pkg:pypi/numpy@1.24.2', 'pkg:pypi/xgboost@1.7.4']" "pinned requirements as purls"
expect_eq "$(j 'all(len(c["hashes"][0]["content"])==64 for c in d["components"] if c["type"]!="library")')" \
	"True" "a SHA-256 for every file"
h=$(sha256sum proj/data/golden.csv | cut -d' ' -f1)
expect_eq "$(j '[c["hashes"][0]["content"] for c in d["components"] if c["name"]=="data/golden.csv"][0]')" \
	"$h" "file hash equals sha256sum"
expect_eq "$(j '[x for x in d["dependencies"] if x["ref"]=="bundle"][0]["dependsOn"].__len__()')" \
	"$(j 'len(d["components"])')" "the bundle depends on every component"
expect_eq "$(j 'sorted([x for x in d["dependencies"] if x["ref"]=="model:model/model.json"][0]["dependsOn"])')" \
	"['data:data/golden.csv', 'data:data/reference.csv', 'pkg:pypi/numpy@1.24.2', 'pkg:pypi/xgboost@1.7.4']" \
	"the model depends on its datasets and libraries"
expect_eq "$(j '[p["value"] for p in d["metadata"]["properties"] if p["name"]=="mlops:git:commit"][0]')" \
	"$(git -C proj rev-parse HEAD)" "provenance: commit"
expect_eq "$(j 'd["metadata"]["component"]["externalReferences"][0]["url"]')" \
	"https://example.com/acme/credit.git" "remote URL without credentials"
ok $(grep -q s3cret sbom.json && echo 1 || echo 0) "the SBOM holds no credential"
mkdir x && tar xf b.mlpkg -C x
ok $(grep -rq s3cret x && echo 1 || echo 0) "the bundle holds no credential"

m=x/blobs/sha256/$(json_get x/index.json 'd["manifests"][0]["digest"][7:]')
cfg=x/blobs/sha256/$(json_get "$m" 'd["config"]["digest"][7:]')
run "$VALIDATE" "$SHARED/schemas/modelpack" config-schema.json "$cfg"
expect_rc 0 "config validates against the ModelPack schema"
[ "$RC" -eq 0 ] || diag "$ERR"
expect_eq "$(json_get "$cfg" 'd["modelfs"]["diffIds"]==[l["digest"] for l in __import__("json").load(open("'"$m"'"))["layers"]]')" \
	"True" "diffIds are the layer digests"
expect_eq "$(json_get "$cfg" 'd["descriptor"]["revision"]')" "$(git -C proj rev-parse HEAD)" "config revision"

# The validator itself can fail: a broken SBOM is caught.
$PY -c 'import json; d=json.load(open("sbom.json")); d["components"][0]["type"]="model"; json.dump(d, open("bad.json","w"))'
run "$VALIDATE" "$SHARED/schemas/cyclonedx" bom-1.6.schema.json bad.json
expect_rc 1 "the schema check rejects an invalid SBOM"
done_testing
