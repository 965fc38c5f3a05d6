#!/bin/sh
# mlops push / pull / tags against a real registry (Debian docker-registry on
# 127.0.0.1) and the local default store: same digests both ways, no
# re-upload, chunks, mounts, the SBOM as a referrer, skopeo interop,
# faults (the registry stopped mid-push, a corrupted blob), basic auth.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
D=$(bundle_digest b.mlpkg)

# --- the local default store: no server needed ---
run "$MLOPS" push b.mlpkg
expect_rc 0 "push to the default local store"
expect_match "$OUT" "Pushed oci:$XDG_DATA_HOME/mlops/registry/credit-risk:1\.0\.0" "NAME:VERSION under \$XDG_DATA_HOME"
run "$MLOPS" pull credit-risk:1.0.0 -o local.mlpkg
expect_rc 0 "pull from the default store"
expect_eq "$(bundle_digest local.mlpkg)" "$D" \
	"pulled bundle has the pushed digest"
run "$MLOPS" tags credit-risk
expect_eq "$OUT" "1.0.0" "tags of the default store"
MLOPS_REGISTRY="oci:$SCRATCH/elsewhere" run "$MLOPS" push b.mlpkg team/model:v1
expect_rc 0 "MLOPS_REGISTRY names another default"
ok $([ -f "$SCRATCH/elsewhere/team/model/index.json" ] && echo 0 || echo 1) "written there"
run skopeo inspect --raw "oci:$SCRATCH/elsewhere/team/model:v1"
expect_eq "$(printf '%s' "$OUT" | sha256sum | cut -d' ' -f1)" "${D#sha256:}" "skopeo reads the local layout"

# --- a real registry ---
start_registry reg
run "$MLOPS" --json push b.mlpkg "$REG/team/credit-risk" --tag latest --chunk-size 64K --attach-sbom
expect_rc 0 "push to docker-registry (chunked: 64K pieces)"
printf '%s' "$OUT" > p.json
expect_eq "$(json_get p.json 'd["digest"], d["uploaded"], d["skipped"], d["tags"]')" \
	"('$D', 7, 0, ['1.0.0', 'latest'])" "--json: digest, 7 blobs uploaded, two tags"
run "$MLOPS" --json push b.mlpkg "$REG/team/credit-risk"
printf '%s' "$OUT" > p2.json
expect_eq "$(json_get p2.json 'd["uploaded"], d["skipped"], d["bytes"]')" "(0, 7, 0)" "a second push uploads no blob"
run "$MLOPS" --json push b.mlpkg "$REG/other/repo:x"
printf '%s' "$OUT" > p3.json
expect_eq "$(json_get p3.json 'd["mounted"]')" "7" "cross-repository mount instead of upload"
run "$MLOPS" tags "$REG/team/credit-risk"
expect_match "$OUT" '^1\.0\.0$' "tags lists 1.0.0"
expect_match "$OUT" '^latest$' "tags lists latest"
expect_match "$OUT" "^sha256-${D#sha256:}\$" "the referrers fallback tag"
run "$MLOPS" pull "$REG/team/credit-risk:latest" -o r.mlpkg
expect_rc 0 "pull by tag"
expect_eq "$(bundle_digest r.mlpkg)" "$D" \
	"push then pull: the same digest"
run "$MLOPS" validate r.mlpkg
expect_rc 0 "the pulled bundle validates"
run "$MLOPS" --json pull "$REG/team/credit-risk@$D"
expect_rc 0 "pull by digest, default file name"
ok $([ -f credit-risk-1.0.0.mlpkg ] && echo 0 || echo 1) "NAME-VERSION.mlpkg from the manifest"
# The referrer: an artifact whose subject is the bundle's manifest.
idx=$(curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/team/credit-risk/manifests/sha256-${D#sha256:}")
ref=$(printf '%s' "$idx" | $PY -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["digest"])')
sub=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/team/credit-risk/manifests/$ref" | \
	$PY -c 'import json,sys; d=json.load(sys.stdin); print(d["artifactType"], d["subject"]["digest"])')
expect_eq "$sub" "application/vnd.cyclonedx+json $D" "the SBOM referrer points at the bundle"

# --- skopeo, both ways ---
run skopeo copy --quiet --src-tls-verify=false "docker://$REG/team/credit-risk:1.0.0" "oci:$SCRATCH/sk:1"
expect_rc 0 "skopeo copies what mlops pushed"
expect_eq "$(json_get sk/index.json 'd["manifests"][0]["digest"]')" "$D" "skopeo sees the same manifest"
run skopeo copy --quiet --dest-tls-verify=false "oci-archive:$SCRATCH/b.mlpkg" "docker://$REG/from-skopeo:1"
expect_rc 0 "skopeo pushes our oci-archive"
run "$MLOPS" pull "$REG/from-skopeo:1" -o fs.mlpkg
expect_rc 0 "mlops pulls what skopeo pushed"
expect_eq "$(bundle_digest fs.mlpkg)" "$D" \
	"the same digest"

# --- faults ---
run "$MLOPS" pull "$REG/team/credit-risk:nosuchtag" -o none.mlpkg
expect_rc 5 "an unknown tag: exit 5"
expect_match "$ERR" "no manifest 'nosuchtag'" "named"
ok $([ ! -e none.mlpkg ] && echo 0 || echo 1) "no file left"
# A blob corrupted in the registry's storage.
w=$("$MLOPS" --json inspect b.mlpkg | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
data=$(find "$SCRATCH/reg/data" -path "*/blobs/sha256/*/$w/data")
$PY -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[100]^=1; open(p,"wb").write(b)' "$data"
run "$MLOPS" pull "$REG/team/credit-risk:1.0.0" -o bad.mlpkg
expect_rc 5 "a corrupted blob: exit 5"
expect_match "$ERR" "blob sha256:$w does not match its digest" "the blob is named"
ok $([ -z "$(ls -A | grep 'bad.mlpkg')" ] && echo 0 || echo 1) "no file, no temporary left"

# The registry stopped in the middle of a push, then the push finishes.
mkdir big && cp -R proj/. big/ && dd if=/dev/urandom of=big/model/weights.bin bs=1M count=192 2>/dev/null
sed -i 's|^include:|include:\n  - path: model/weights.bin\n    kind: dataset|' big/mlops.yaml
must "$MLOPS" -C big package -q -o "$SCRATCH/big.mlpkg"
start_registry reg2
port=${REG#*:}
# 64K chunks of 192 MiB: thousands of requests, so the push is surely
# still running when the registry dies; it dies once uploads are under
# way (seen in its access log), not after a guessed delay.
"$MLOPS" push big.mlpkg "$REG/big" --chunk-size 64K --concurrency 1 > mid.out 2> mid.err &
pp=$!
for _ in $(seq 200); do
	[ "$(grep -c 'PATCH /v2/big/blobs/uploads' "$SCRATCH/reg2/log")" -ge 20 ] && break
	sleep 0.05
done
kill "$REG_PID"
wait "$pp"
rc=$?
ok $([ $rc -eq 5 ] && echo 0 || echo 1) "registry stopped mid-push: exit 5 (was $rc)"
expect_match "$(cat mid.err)" "127\.0\.0\.1:$port/big: .*|POST|PATCH|PUT|HEAD|Couldn't connect|connect" "a clear message naming the step"
start_registry reg2 "" "$port"
run "$MLOPS" --json push big.mlpkg "$REG/big" --chunk-size 1M
expect_rc 0 "the next push finishes"
printf '%s' "$OUT" > big.json
run "$MLOPS" pull "$REG/big:1.0.0" -o big2.mlpkg
expect_eq "$(bundle_digest big2.mlpkg)" \
	"$(bundle_digest big.mlpkg)" "and pulls back whole"

# A malformed registry host is a usage error before anything is sent.
for bad in 'localhost:99999/r' 'localhost:/r' '::1/r'; do
	run "$MLOPS" tags "$bad"
	expect_rc 2 "tags $bad: a malformed host, exit 2"
	expect_match "$ERR" "is not a registry host" "says so"
done
run "$MLOPS" tags "127.0.0.1:1/$($PY -c 'print("a" * 300)')"
expect_rc 2 "a repository name over 255 characters: exit 2"

# --- basic auth (htpasswd) ---
htpasswd -Bbn alice 's3cret-pw' > "$SCRATCH/htpasswd"
start_registry secure "$SCRATCH/htpasswd"
run "$MLOPS" push b.mlpkg "$REG/locked"
expect_rc 5 "no credentials: exit 5"
expect_match "$ERR" "needs credentials" "explained"
expect_match "$ERR" "hint: mlops login $REG" "hint to log in"
# One precedence rule (creds_given): flags, each completed from the
# environment; half a pair is a usage error before anything is sent.
MLOPS_REGISTRY_PASSWORD= run "$MLOPS" push b.mlpkg "$REG/locked" --username alice
expect_rc 2 "--username without a password: exit 2"
expect_match "$ERR" "--username needs a password" "says what is missing"
printf 'pw\n' > any-pw.txt
MLOPS_REGISTRY_USER= run "$MLOPS" push b.mlpkg "$REG/locked" --password-stdin < any-pw.txt
expect_rc 2 "--password-stdin without a user: exit 2"
expect_match "$ERR" "--password-stdin needs --username or MLOPS_REGISTRY_USER" "names both ways"
MLOPS_REGISTRY_USER= run "$MLOPS" login "$REG" --password-stdin < any-pw.txt
expect_rc 2 "login the same"
MLOPS_REGISTRY_USER=alice MLOPS_REGISTRY_PASSWORD='s3cret-pw' run "$MLOPS" push b.mlpkg "$REG/locked" --username nobody
expect_rc 5 "--username wins over MLOPS_REGISTRY_USER (and takes its password from the environment)"
MLOPS_REGISTRY_USER=alice MLOPS_REGISTRY_PASSWORD=wrong run "$MLOPS" push b.mlpkg "$REG/locked"
expect_rc 5 "a wrong password: exit 5"
expect_match "$ERR" "HTTP 401" "a clear 401"
printf 'wrong\n' > wrong.txt
run "$MLOPS" login "$REG" --username alice --password-stdin < wrong.txt
expect_rc 5 "login with a wrong password fails"
ok $([ ! -e "$HOME/.docker/config.json" ] && echo 0 || echo 1) "and saves nothing"
printf 's3cret-pw\n' > pw.txt
run "$MLOPS" login "$REG" --username alice --password-stdin < pw.txt
expect_rc 0 "login"
expect_eq "$(stat -c %a "$HOME/.docker/config.json")" "600" "config.json is 0600"
expect_eq "$(stat -c %a "$HOME/.docker")" "700" "~/.docker is 0700"
run "$MLOPS" push b.mlpkg "$REG/locked"
expect_rc 0 "push with saved credentials"
expect_no_match "$OUT$ERR" "s3cret" "the password never appears"
run "$MLOPS" --json pull "$REG/locked:1.0.0" -o locked.mlpkg
expect_rc 0 "pull with saved credentials"
expect_no_match "$OUT$ERR" "s3cret" "the password never appears in --json"
run "$MLOPS" logout "$REG"
expect_match "$OUT" "Removed" "logout"
run "$MLOPS" pull "$REG/locked:1.0.0" -o again.mlpkg
expect_rc 5 "after logout: refused"
run "$MLOPS" login "$REG" --username alice
expect_rc 2 "no password source: usage error"

# --- the Bearer token flow, tokens expiring in the middle of an upload ---
start_registry behind
# A port another test took first: the proxy dies, and another is tried.
for _attempt in 1 2 3 4 5; do
	tport=$(free_port)
	timeout 600 "$MLOPS_SRC/tests/tools/token-proxy" "$tport" "$REG" bob 'b0b-pw' 5 \
		> "$SCRATCH/proxy.log" 2>&1 &
	tpid=$!
	at_exit "kill $tpid 2>/dev/null"
	for _ in $(seq 50); do
		kill -0 "$tpid" 2>/dev/null || break
		curl -s "http://127.0.0.1:$tport/stats" 2>/dev/null | grep -q issued && break 2
		sleep 0.1
	done
	kill "$tpid" 2>/dev/null
done
MLOPS_REGISTRY_USER=bob MLOPS_REGISTRY_PASSWORD=b0b-pw run "$MLOPS" --json push b.mlpkg \
	"127.0.0.1:$tport/tok/model" --concurrency 1
expect_rc 0 "push through the Bearer flow (realm, service, scope)"
[ "$RC" -eq 0 ] || diag "$ERR"
issued=$(curl -s "http://127.0.0.1:$tport/stats" | $PY -c 'import json,sys; print(json.load(sys.stdin)["issued"])')
ok $([ "$issued" -gt 3 ] && echo 0 || echo 1) "tokens expired mid-upload and were renewed ($issued issued)"
MLOPS_REGISTRY_USER=bob MLOPS_REGISTRY_PASSWORD=b0b-pw run "$MLOPS" pull "127.0.0.1:$tport/tok/model:1.0.0" -o tok.mlpkg
expect_rc 0 "pull through the Bearer flow"
expect_eq "$(bundle_digest tok.mlpkg)" "$D" "same digest"
MLOPS_REGISTRY_USER=bob MLOPS_REGISTRY_PASSWORD=nope run "$MLOPS" pull "127.0.0.1:$tport/tok/model:1.0.0" -o no.mlpkg
expect_rc 5 "a wrong password at the token service: exit 5"
expect_match "$ERR" "token: HTTP 401" "the failing step is named"
done_testing
