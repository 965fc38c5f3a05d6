#!/bin/sh
# Signed bundles: package --sign (Ed25519 through OpenSSL; OpenSSL's own
# pkeyutl verifies it and makes the same signature), validate --verify,
# the signature through a real registry and back (a referrer), and serve
# / a fleet instance / deploy refusing bundles that are unsigned, signed
# by another key, or carry a tampered or transplanted signature.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh"

SIG="$MLOPS_SRC/tests/tools/signature-tool"
export SOURCE_DATE_EPOCH=1700000000 MLOPS_ADMIN_KEY=signing-admin-key
openssl genpkey -algorithm ed25519 -out release.pem 2>/dev/null
openssl pkey -in release.pem -pubout -out release.pub
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other.pub
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
KEYID=sha256:$(openssl pkey -pubin -in release.pub -outform DER | tail -c 32 | sha256sum | cut -c1-64)

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/plain.mlpkg"
run "$MLOPS" -C proj package -o "$SCRATCH/signed.mlpkg" --sign "$SCRATCH/release.pem"
expect_rc 0 "package --sign"
expect_match "$OUT" "signed  by key $KEYID" "it names the key (sha256 of the raw public key)"
run "$MLOPS" --json -C proj package -o "$SCRATCH/signed2.mlpkg" --sign "$SCRATCH/release.pem"
echo "$OUT" > signed.json
expect_eq "$(json_get signed.json 'd["signature"]["key"]')" "$KEYID" "--json: signature.key"
cmp -s signed.mlpkg signed2.mlpkg
ok $? "a signed bundle is reproducible (Ed25519 is deterministic)"
D=$(bundle_digest plain.mlpkg)
expect_eq "$(bundle_digest signed.mlpkg)" "$D" "signing leaves the bundle's digest alone"
ok $([ "$(json_get signed.json 'd["signature"]["digest"]')" != "None" ] && echo 0 || echo 1) "--json: signature.digest"

run "$MLOPS" inspect signed.mlpkg
expect_match "$OUT" "signed +yes, by key $KEYID" "inspect names the key"
run "$MLOPS" inspect plain.mlpkg
expect_match "$OUT" "signed +no" "and says when there is none"
run "$MLOPS" --json inspect signed.mlpkg
echo "$OUT" > i.json
expect_eq "$(json_get i.json '[s["key"] for s in d["signatures"]]')" "['$KEYID']" "inspect --json: signatures"

# OpenSSL agrees: it verifies our signature and makes the same one.
$PY "$SIG" extract signed.mlpkg payload.json sig.raw
run openssl pkeyutl -verify -rawin -pubin -inkey release.pub -in payload.json -sigfile sig.raw
expect_match "$OUT" "Signature Verified Successfully" "openssl pkeyutl verifies the signature"
openssl pkeyutl -sign -rawin -inkey release.pem -in payload.json -out sig.openssl
cmp -s sig.raw sig.openssl
ok $? "and signs the payload to the same bytes"
expect_eq "$(json_get payload.json 'd["subject"]["digest"]')" "$D" "the signed payload names the manifest"
run skopeo inspect --raw "oci-archive:$SCRATCH/signed.mlpkg:1.0.0"
expect_rc 0 "skopeo reads a signed bundle (oci-archive:FILE:VERSION)"

# Key files that cannot sign.
# A key that cannot sign is bad input (3); one that cannot be read, I/O (4).
for k in release.pub:3 rsa.pem:3 missing.pem:4; do
	want=${k#*:} k=${k%:*}
	run "$MLOPS" -C proj package -o "$SCRATCH/x.mlpkg" --sign "$SCRATCH/$k"
	expect_rc "$want" "--sign $k refused: exit $want"
	ok $([ ! -e x.mlpkg ] && echo 0 || echo 1) "  nothing written ($k)"
	expect_match "$ERR" "^mlops: error: " "explained ($k)"
done
expect_match "$(cat "$SCRATCH/.err")" "cannot|No such" "a missing key file says so"
openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret -out locked.pem 2>/dev/null
run "$MLOPS" -C proj package -o "$SCRATCH/x.mlpkg" --sign "$SCRATCH/locked.pem" < /dev/null
expect_rc 3 "an encrypted key is refused, no prompt"
expect_match "$ERR" "encrypted" "and it says why"

# validate --verify.
run "$MLOPS" validate signed.mlpkg --verify release.pub
expect_rc 0 "validate --verify: the right key passes"
expect_match "$OUT" "pass  signed +by key $KEYID" "the signed check says by which key"
run "$MLOPS" validate signed.mlpkg --verify release.pem
expect_rc 0 "a private key file verifies too (its public half)"
run "$MLOPS" validate signed.mlpkg --verify other.pub
expect_rc 1 "another key: exit 1"
expect_match "$OUT" "fail  signed +.* is not signed by key .*; it is signed by $KEYID" "names both keys"
run "$MLOPS" validate plain.mlpkg --verify release.pub
expect_rc 1 "an unsigned bundle fails --verify"
expect_match "$OUT" "fail  signed +.* is not signed" "says it is not signed"
run "$MLOPS" validate signed.mlpkg
expect_rc 0 "without --verify the signature is not checked"
expect_match "$OUT" "skip  signed +1 signature \(key $KEYID\), not checked" "and the checklist says so"
run "$MLOPS" --json validate signed.mlpkg --verify other.pub
echo "$OUT" > v.json
expect_eq "$(json_get v.json '[c["status"] for c in d["checks"] if c["name"]=="signed"][0]')" "fail" "--json: the signed check"
run "$MLOPS" validate --data proj/data/golden.csv --verify release.pub
expect_rc 2 "--verify with --data: a usage error"
run "$MLOPS" validate signed.mlpkg --verify proj/mlops.yaml
expect_rc 3 "--verify with a file that is not a key: exit 3"

# Tampering. A second version to take signatures from and to.
mkdir proj2 && cp -R proj/. proj2/
sed -i 's/^version: .*/version: 1.0.1/' proj2/mlops.yaml
must "$MLOPS" -C proj2 package -q -o "$SCRATCH/other.mlpkg"
$PY "$SIG" flip signed.mlpkg flipped.mlpkg
$PY "$SIG" payload signed.mlpkg "$(bundle_digest other.mlpkg)" payload.mlpkg
$PY "$SIG" transplant signed.mlpkg other.mlpkg rewritten.mlpkg rewrite
$PY "$SIG" transplant signed.mlpkg other.mlpkg transplanted.mlpkg
for t in flipped payload rewritten; do
	run "$MLOPS" validate $t.mlpkg --verify release.pub
	expect_rc 1 "a $t signature fails --verify"
	expect_match "$OUT" "fail  signed +.*does not verify" "the $t signature 'does not verify'"
done
run "$MLOPS" validate transplanted.mlpkg --verify release.pub
expect_rc 3 "a signature about another bundle makes the bundle invalid (exit 3)"
expect_match "$ERR" "not about this bundle's manifest" "and says so"

# serve --require-signature.
run timeout 60 "$MLOPS" serve plain.mlpkg --require-signature release.pub --listen 127.0.0.1:0 -q
expect_rc 3 "serve refuses an unsigned bundle"
expect_match "$ERR" "is not signed" "explained"
for t in flipped rewritten; do
	run timeout 60 "$MLOPS" serve $t.mlpkg --require-signature release.pub --listen 127.0.0.1:0 -q
	expect_rc 3 "serve refuses the $t signature"
done
run timeout 60 "$MLOPS" serve signed.mlpkg --require-signature other.pub --listen 127.0.0.1:0 -q
expect_rc 3 "serve refuses a bundle signed by another key"

# --root: a reload to an unsigned release keeps the signed one.
mkdir -p root/releases/1 root/releases/2
cp signed.mlpkg root/releases/1/bundle.mlpkg
cp other.mlpkg root/releases/2/bundle.mlpkg
ln -s releases/1 root/current
timeout 300 "$MLOPS" serve --root root --require-signature release.pub \
	--listen 127.0.0.1:0 2> serve.log &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
for _ in $(seq 1200); do grep -q "listening on" serve.log && break; kill -0 $SPID 2>/dev/null || break; sleep 0.05; done
URL=$(sed -n 's|.*listening on \(http://[0-9.:]*\).*|\1|p' serve.log | head -1)
MPID=$(pgrep -P "$SPID")
at_exit "kill $MPID 2>/dev/null"
for _ in $(seq 200); do curl -s -o /dev/null "$URL/health/ready" && break; sleep 0.05; done
run curl -s "$URL/model/info"
expect_match "$OUT" "\"digest\":\"$D\"" "--root with --require-signature serves the signed release"
ln -sfn releases/2 root/current.new && mv -T root/current.new root/current
kill -HUP "$MPID"
for _ in $(seq 400); do grep -q "reload failed" serve.log && break; sleep 0.05; done
expect_match "$(cat serve.log)" "reload failed, still serving the previous version: .* is not signed" "SIGHUP to an unsigned release: refused, logged"
run curl -s "$URL/model/info"
expect_match "$OUT" "\"digest\":\"$D\"" "and the signed one still answers"
kill "$MPID"

# A fleet instance: its seed and its admin uploads.
run timeout 60 "$MLOPS" serve --state seedless plain.mlpkg --require-signature release.pub --listen 127.0.0.1:0 -q
expect_rc 3 "a fleet instance refuses an unsigned seed"
expect_eq "$(ls seedless/bundles 2>/dev/null | wc -l)" 0 "and stores nothing"
start_instance inst.log --state inst signed.mlpkg --require-signature release.pub \
	--listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-file inst-access.log
ok $([ -n "$ADMIN" ] && echo 0 || echo 1) "a fleet instance with --require-signature starts on a signed seed"
OD=$(bundle_digest other.mlpkg)
code=$(curl -s -o up.json -w '%{http_code}' -X PUT -H "Authorization: Bearer $MLOPS_ADMIN_KEY" \
	--data-binary @other.mlpkg "$ADMIN/admin/bundles/$OD")
expect_eq "$code" 422 "the admin API refuses an unsigned upload (422)"
expect_match "$(cat up.json)" "is not signed" "and says why"
expect_eq "$(ls -A inst/bundles | wc -l)" 1 "nothing stored, no temporary file left"
must "$MLOPS" -C proj2 package -q -o "$SCRATCH/other-signed.mlpkg" --sign "$SCRATCH/release.pem"
code=$(curl -s -o up.json -w '%{http_code}' -X PUT -H "Authorization: Bearer $MLOPS_ADMIN_KEY" \
	--data-binary @other-signed.mlpkg "$ADMIN/admin/bundles/$OD")
expect_eq "$code" 201 "a signed upload is stored (201)"

# deploy --require-signature and environments.NAME.require_signature.
run "$MLOPS" -C proj deploy "$SCRATCH/plain.mlpkg" --env staging --require-signature "$SCRATCH/release.pub" --no-tag
expect_rc 3 "deploy refuses an unsigned bundle"
expect_match "$ERR" "is not signed" "explained"
ok $([ ! -e proj/.mlops/staging/ledger.jsonl ] && echo 0 || echo 1) "before the ledger is touched"
run "$MLOPS" -C proj deploy "$SCRATCH/signed.mlpkg" --env staging --require-signature "$SCRATCH/other.pub" --no-tag
expect_rc 3 "deploy refuses a bundle signed by another key"
run "$MLOPS" -C proj deploy "$SCRATCH/signed.mlpkg" --env staging --require-signature "$SCRATCH/release.pub" --dry-run
expect_rc 0 "deploy --dry-run takes a bundle signed by the key"
cp release.pub proj/release.pub
sed -i 's|^    root: .mlops/production$|    root: .mlops/production\n    require_signature: release.pub|' proj/mlops.yaml
run "$MLOPS" -C proj deploy "$SCRATCH/plain.mlpkg" --env production --no-tag
expect_rc 3 "require_signature in mlops.yaml: an unsigned bundle is refused"
expect_match "$ERR" "is not signed" "without any flag"
run "$MLOPS" -C proj deploy "$SCRATCH/signed.mlpkg" --env production --dry-run
expect_rc 0 "and a signed one is taken"
sed -i 's|require_signature: release.pub|require_signature: nowhere.pub|' proj/mlops.yaml
run "$MLOPS" -C proj deploy "$SCRATCH/signed.mlpkg" --env production --dry-run
expect_rc 4 "a require_signature key that cannot be read stops the deploy: exit 4"
expect_match "$ERR" "environments.production.require_signature" "and names the setting"
sed -i 's|    require_signature: nowhere.pub||' proj/mlops.yaml

# Through a real registry: the signature is a referrer and comes back.
start_registry reg
run "$MLOPS" push signed.mlpkg "$REG/signing/credit-risk:1.0.0" --plain-http
expect_rc 0 "push a signed bundle"
expect_match "$OUT" "signed  1 signature \(referrer\)" "its signature goes as a referrer"
run curl -s -H "Accept: application/vnd.oci.image.index.v1+json" "http://$REG/v2/signing/credit-risk/manifests/sha256-${D#sha256:}"
expect_match "$OUT" "application/vnd.mlops.signature.v1\\+json" "the referrers fallback tag lists it"
run "$MLOPS" pull "$REG/signing/credit-risk:1.0.0" -o "$SCRATCH/pulled.mlpkg" --plain-http
expect_rc 0 "pull it"
expect_match "$OUT" "signed  1 signature" "the signature comes back"
run "$MLOPS" validate pulled.mlpkg --verify release.pub
expect_rc 0 "the pulled bundle verifies"
must "$MLOPS" push plain.mlpkg "$REG/signing/plain:1.0.0" --plain-http
run "$MLOPS" --json pull "$REG/signing/plain:1.0.0" -o "$SCRATCH/pulled-plain.mlpkg" --plain-http
echo "$OUT" > pp.json
expect_eq "$(json_get pp.json 'd["signatures"]')" 0 "an unsigned push pulls with no signature"
# A referrer that only looks like a signature (no signature annotation;
# one naming a blob the store lacks) is left out of the pull, which still
# brings the good one and gives a bundle that opens.
must "$MLOPS" push signed.mlpkg "oci:$SCRATCH/lay:1.0.0"
$PY - "$SCRATCH/lay" "$D" <<'PY'
import hashlib, json, sys
lay, subject = sys.argv[1], sys.argv[2]
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(lay + "/blobs/sha256/" + d[7:], "wb").write(data)
    return d, len(data)
def get(d):
    return open(lay + "/blobs/sha256/" + d[7:], "rb").read()
index = json.load(open(lay + "/index.json"))
tag = "sha256-" + subject[7:]
entry = [e for e in index["manifests"]
         if e.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
refs = json.loads(get(entry["digest"]))
good = json.loads(get(refs["manifests"][0]["digest"]))
bare = json.loads(json.dumps(good))
del bare["layers"][0]["annotations"]["dev.mlops.signature"]
lost = json.loads(json.dumps(good))
lost["layers"][0]["digest"] = "sha256:" + "0" * 64
for m in (bare, lost):
    d, n = put(json.dumps(m).encode())
    refs["manifests"].insert(0, {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                 "digest": d, "size": n,
                                 "artifactType": "application/vnd.mlops.signature.v1+json"})
entry["digest"], entry["size"] = put(json.dumps(refs).encode())
json.dump(index, open(lay + "/index.json", "w"))
PY
run "$MLOPS" --json pull "oci:$SCRATCH/lay:1.0.0" -o "$SCRATCH/pulled-odd.mlpkg"
echo "$OUT" > po.json
expect_rc 0 "a pull past malformed and half-missing signature referrers"
expect_eq "$(json_get po.json 'd["signatures"]')" 1 "only the good signature comes along"
run "$MLOPS" validate pulled-odd.mlpkg --verify release.pub
expect_rc 0 "and the bundle opens and verifies"
run "$MLOPS" -C proj deploy "$REG/signing/plain:1.0.0" --env staging --require-signature "$SCRATCH/release.pub" --plain-http --no-tag
expect_rc 3 "deploy by REF refuses the unsigned bundle"
run "$MLOPS" -C proj deploy "$REG/signing/credit-risk:1.0.0" --env staging --require-signature "$SCRATCH/release.pub" --plain-http --dry-run
expect_rc 0 "deploy by REF takes the signed one"
done_testing
