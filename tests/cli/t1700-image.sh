#!/bin/sh
# mlops image: a runnable OCI image built without a daemon. Reproducible
# digests, the library closure equal to ldd's, skopeo and umoci read it,
# a real docker-registry stores it (skopeo copy and --push), --base, and
# the image run as a pod runs it: read-only root, tmpfs at /tmp and the
# cache, uid 65532, probes and a prediction answered. Failure modes last.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
BD=$(bundle_digest b.mlpkg)
R=127.0.0.1:5000/team/credit-risk

# --- build: one line on stdout, the same digest every time ---
run "$MLOPS" image b.mlpkg -t "$R:1.0.0" -o img.tar
expect_rc 0 "builds an OCI layout tar"
expect_match "$OUT" "^127\.0\.0\.1:5000/team/credit-risk@sha256:[0-9a-f]{64}\$" "stdout: REPO@sha256:... alone"
D=${OUT#*@}
expect_match "$ERR" "runtime .*unpacked" "stderr: the layers and their sizes"
run "$MLOPS" --json image b.mlpkg -t "$R:1.0.0" -o img2.tar
printf '%s' "$OUT" > r.json
expect_eq "$(json_get r.json 'd["digest"]')" "$D" "a second build: the same digest"
ok $(cmp -s img.tar img2.tar && echo 0 || echo 1) "byte for byte the same file"
expect_eq "$(json_get r.json '[l["role"] for l in d["layers"]], d["bundle"]["digest"] == "'"$BD"'", d["pinned"] == "'"$R@$D"'"')" \
	"(['runtime', 'model'], True, True)" "--json: two layers, the bundle digest, the pinned reference"
expect_eq "$(json_get r.json 'all(l["size"] > 0 and l["uncompressed"] > l["size"] for l in d["layers"])')" "True" \
	"--json: gzip sizes below the tar sizes"
SOURCE_DATE_EPOCH=1700000000 run "$MLOPS" --json image b.mlpkg -t "$R:1.0.0" -o img3.tar
printf '%s' "$OUT" > r3.json
expect_eq "$(json_get r3.json 'd["digest"] != "'"$D"'", d["created"]')" "(True, '2023-11-14T22:13:20Z')" \
	"another SOURCE_DATE_EPOCH: another digest, that creation time"

# A new model version: the runtime layer is reused as it is.
copy_example proj2
sed -i 's/^version: 1.0.0$/version: 1.1.0/' proj2/mlops.yaml
must "$MLOPS" -C proj2 package -q -o "$SCRATCH/b2.mlpkg"
run "$MLOPS" --json image b2.mlpkg -t "$R:1.1.0" -o img4.tar
expect_rc 0 "an image of another bundle"
printf '%s' "$OUT" > r4.json
expect_eq "$(json_get r4.json 'd["layers"][0]["digest"]')" "$(json_get r.json 'd["layers"][0]["digest"]')" \
	"two bundles: the same runtime layer"
ok $([ "$(json_get r4.json 'd["layers"][1]["digest"]')" != "$(json_get r.json 'd["layers"][1]["digest"]')" ] && echo 0 || echo 1) \
	"and different model layers"

# --- the closure is what the loader loads ---
ldd "$MLOPS" | awk '/=>/ {print $3}' | sort > ldd.txt
json_get r.json '"\n".join(sorted(l["path"] for l in d["libraries"]))' > ours.txt
expect_eq "$(cat ours.txt)" "$(cat ldd.txt)" "the libraries are ldd's, no more, no less ($(wc -l < ldd.txt))"
expect_eq "$(json_get r.json 'd["loader"]')" "$(ldd "$MLOPS" | awk '!/=>/ && /^\t\// {print $1}')" "the loader is ldd's"

# --- skopeo reads the archive ---
run skopeo inspect --raw "oci-archive:img.tar:1.0.0"
expect_rc 0 "skopeo finds the tag in index.json"
printf '%s' "$OUT" > raw.json
expect_eq "sha256:$(sha256sum raw.json | cut -d' ' -f1)" "$D" "skopeo sees the digest mlops printed"
skopeo inspect --config "oci-archive:img.tar" > cfg.json
expect_eq "$(json_get cfg.json 'd["config"]["Entrypoint"], d["config"]["Cmd"], d["config"]["User"], list(d["config"]["ExposedPorts"])')" \
	"(['/usr/bin/mlops', 'serve'], ['/srv/model/bundle.mlpkg', '--listen', '0.0.0.0:8080'], '65532:65532', ['8080/tcp'])" \
	"config: entrypoint, cmd, user, port"
expect_eq "$(json_get cfg.json 'd["config"]["Labels"]["dev.mlops.bundle.digest"], d["config"]["Labels"]["org.opencontainers.image.version"], [e for e in d["config"]["Env"] if e.startswith("XDG_")]')" \
	"('$BD', '1.0.0', ['XDG_CACHE_HOME=/var/cache/mlops'])" "config: bundle labels and the cache directory"

run "$MLOPS" --json inspect img.tar
printf '%s' "$OUT" > i.json
expect_eq "$(json_get i.json 'd["digest"], d["image"]["digest"], d["path"]')" \
	"('$BD', '$D', '/srv/model/bundle.mlpkg')" "inspect IMAGE.tar: the bundle and the image digest"
run "$MLOPS" inspect img.tar
expect_match "$OUT" "label +dev\.mlops\.bundle\.digest=$BD" "inspect: the image's labels"
expect_eq "$(bundle_digest b.mlpkg)" "$BD" "inspect of a bundle is as before"

# --- a real registry: skopeo copy there and back, --push, inspect ---
start_registry reg
run skopeo copy --quiet --dest-tls-verify=false "oci-archive:img.tar:1.0.0" "docker://$REG/team/credit-risk:1.0.0"
expect_rc 0 "skopeo copies the archive into docker-registry"
run skopeo copy --quiet --src-tls-verify=false "docker://$REG/team/credit-risk:1.0.0" "oci-archive:back.tar:1.0.0"
expect_rc 0 "and back into an archive"
run skopeo inspect --raw "oci-archive:back.tar:1.0.0"
expect_eq "sha256:$(printf '%s' "$OUT" | sha256sum | cut -d' ' -f1)" "$D" "the digest survives the round trip"

run "$MLOPS" image b.mlpkg -t "$REG/pushed/credit-risk:v1" --push
expect_rc 0 "--push to docker-registry"
expect_eq "$OUT" "$REG/pushed/credit-risk@$D" "pushed: the same digest as the archive"
run skopeo inspect --tls-verify=false "docker://$REG/pushed/credit-risk:v1"
printf '%s' "$OUT" > si.json
expect_eq "$(json_get si.json 'd["Digest"], d["Labels"]["dev.mlops.bundle.digest"], d["Architecture"]')" \
	"('$D', '$BD', 'amd64')" "skopeo inspect: digest, labels, architecture"
run "$MLOPS" --json inspect "$REG/pushed/credit-risk:v1"
printf '%s' "$OUT" > ir.json
expect_eq "$(json_get ir.json 'd["digest"], d["image"]["digest"]')" "('$BD', '$D')" "inspect REF: the bundle from the registry"

# --- --base: our layers on a base image (one made here: a layer with a
# file, Env and a label of its own) ---
$PY - base-layout <<'EOF'
import gzip, hashlib, io, json, os, sys, tarfile
root = sys.argv[1]
os.makedirs(root + "/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(root + "/blobs/sha256/" + d, "wb").write(data)
    return "sha256:" + d, len(data)
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w") as t:
    body = b"base 1\n"
    i = tarfile.TarInfo("etc/base-release"); i.size = len(body)
    t.addfile(i, io.BytesIO(body))
tar = raw.getvalue()
ld, ls = blob(gzip.compress(tar, mtime=0))
cfg = {"architecture": "amd64", "os": "linux",
       "config": {"Env": ["PATH=/base/bin", "BASE_VAR=kept"], "Labels": {"base.label": "x"}, "User": "0"},
       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}
cd, cs = blob(json.dumps(cfg).encode())
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
     "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}]}
md, ms = blob(json.dumps(m).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": m["mediaType"], "digest": md, "size": ms,
           "annotations": {"org.opencontainers.image.ref.name": "1"}}]}, open(root + "/index.json", "w"))
open(root + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
run skopeo copy --quiet --dest-tls-verify=false "oci:base-layout:1" "docker://$REG/base/os:1"
expect_rc 0 "a base image in the registry"
run "$MLOPS" --json image b2.mlpkg -t "$REG/based/credit-risk:v2" --base "$REG/base/os:1" --push -o based.tar
expect_rc 0 "--base REF --push -o: on top of the base"
printf '%s' "$OUT" > rb.json
expect_eq "$(json_get rb.json '[l["role"] for l in d["layers"]]')" "['base', 'runtime', 'model']" "the base's layer first, then ours"
skopeo inspect --config --tls-verify=false "docker://$REG/based/credit-risk:v2" > bcfg.json
expect_eq "$(json_get bcfg.json '[e for e in d["config"]["Env"] if e.startswith(("PATH", "BASE"))], d["config"]["Labels"]["base.label"], d["config"]["User"], len(d["rootfs"]["diff_ids"])')" \
	"(['BASE_VAR=kept', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], 'x', '65532:65532', 3)" \
	"config merged: the base's Env and labels kept, ours set, three diff_ids"
run skopeo inspect --raw "oci-archive:based.tar:v2"
expect_eq "sha256:$(printf '%s' "$OUT" | sha256sum | cut -d' ' -f1)" "$(json_get rb.json 'd["digest"]')" \
	"-o and --push: one image"
run "$MLOPS" image b2.mlpkg -t "$REG/x:1" --base "$REG/pushed/credit-risk:v1" -o on-ours.tar
expect_rc 0 "an image mlops built can be a base"

# --- umoci unpacks it; the rootfs holds what the loader needs ---
skopeo copy --quiet "oci-archive:img.tar:1.0.0" "oci:layout:1.0.0"
run umoci unpack --rootless --image layout:1.0.0 unpacked
expect_rc 0 "umoci unpack"
ROOTFS=$SCRATCH/unpacked/rootfs
# Resolves PATH inside ROOTFS as the kernel would after chroot (absolute
# link targets stay inside).
in_root() {
	$PY - "$ROOTFS" "$1" <<'EOF'
import os, sys
root, path = sys.argv[1], sys.argv[2]
parts, seen, cur = path.strip("/").split("/"), 0, ""
while parts:
    p = parts.pop(0)
    nxt = cur + "/" + p
    full = root + nxt
    if os.path.islink(full):
        seen += 1
        t = os.readlink(full)
        parts = [x for x in t.split("/") if x] + parts
        cur = "" if t.startswith("/") else cur
        if seen > 40: sys.exit(1)
        continue
    if not os.path.lexists(full): sys.exit(1)
    cur = nxt
print(root + cur)
EOF
}
missing=""
for lib in $(cat ldd.txt) $(json_get r.json 'd["loader"]'); do
	f=$(in_root "$lib") && [ -f "$f" ] || missing="$missing $lib"
done
expect_eq "$missing" "" "every library ldd lists is in the rootfs, at its path"
ok $(cmp -s "$ROOTFS/srv/model/bundle.mlpkg" b.mlpkg && echo 0 || echo 1) "the bundle in the image is the input, byte for byte"
expect_eq "$(stat -c %a "$ROOTFS/tmp") $(stat -c %a "$ROOTFS/var/cache/mlops")" "1777 1777" "/tmp and the cache directory: 1777"
expect_match "$(cat "$ROOTFS/etc/passwd")" '^nonroot:x:65532:65532:' "a non-root user 65532"
ok $(cmp -s "$ROOTFS/usr/bin/mlops" "$MLOPS" && echo 0 || echo 1) "/usr/bin/mlops is this mlops"

# --- run it as a pod would: read-only root, tmpfs emptyDirs, uid 65532 ---
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	ok 1 "running the image as a pod needs root and mount namespaces (CI has both): not run"
else
	mkdir -p "$ROOTFS/proc" "$ROOTFS/dev" # a runtime's mount points
	port=$(free_port)
	$PY -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]; a=c["Entrypoint"]+c["Cmd"]; a[a.index("--listen")+1]=sys.argv[2]; print("\n".join(a))' \
		cfg.json "127.0.0.1:$port" > argv.txt
	json_get cfg.json '"\n".join(d["config"]["Env"])' > env.txt
	user=$(json_get cfg.json 'd["config"]["User"]')
	cache=$(sed -n 's/^XDG_CACHE_HOME=//p' env.txt)
	# shellcheck disable=SC2046
	timeout 120 unshare -m --propagation private sh -ec '
		r=$1; shift; user=$1; shift; cache=$1; shift
		mount --bind "$r" "$r"; mount -o remount,bind,ro "$r" "$r"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		mount -t tmpfs -o mode=1777 tmpfs "$r$cache"
		mount --bind /dev "$r/dev"; mount -t proc proc "$r/proc"
		exec env -i $(cat env.txt) /usr/sbin/chroot --userspec="$user" "$r" "$@"' \
		sh "$ROOTFS" "$user" "$cache" $(cat argv.txt) 2> pod.log &
	POD=$!
	at_exit "kill $POD 2>/dev/null"
	for _ in $(seq 300); do
		curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break
		kill -0 $POD 2>/dev/null || break
		sleep 0.1
	done
	expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/live")" 200 "in the pod: /health/live 200"
	for _ in $(seq 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = 200 ] && break
		sleep 0.1
	done
	expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" 200 "in the pod: /health/ready 200"
	LOW='{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}'
	curl -s -X POST -H 'Content-Type: application/json' --data-binary "{\"features\":$LOW}" \
		"http://127.0.0.1:$port/predict" > pred.json
	printf '%s\n' "$LOW" > row.jsonl
	# Checked: a failed predict and a failed request are both empty, and equal.
	run "$MLOPS" predict b.mlpkg -i row.jsonl -o host.jsonl --format jsonl
	expect_rc 0 "mlops predict on the host"
	expect_eq "$(json_get pred.json 'd["prediction"], round(d["probability"], 9)')" \
		"$(json_get host.jsonl 'd["prediction"], round(d["probability"], 9)')" \
		"in the pod: the prediction mlops predict makes on the host"
	expect_match "$(cat pod.log)" "serving credit-risk 1\.0\.0" "it served the bundle from /srv/model"
	spid=$(pgrep -f "^/usr/bin/mlops serve /srv/model/bundle.mlpkg --listen 127.0.0.1:$port\$" | head -1)
	expect_eq "$(stat -c %u "/proc/${spid:-0}" 2>/dev/null)" 65532 "in the pod: the server runs as uid 65532"
	kill $POD 2>/dev/null
	wait $POD 2>/dev/null
	expect_no_match "$(cat pod.log)" "Read-only file system|cannot create" "nothing wrote outside the emptyDirs"
fi

# An oci: directory with a colon in its name: the pinned reference names
# that directory (the tag is cut at the last colon, as ref_parse cuts it).
run "$MLOPS" image b.mlpkg -t "oci:$SCRATCH/lay:out:v1" --push
expect_rc 0 "--push to an oci: directory whose name holds a colon"
expect_match "$OUT" "^oci:$SCRATCH/lay:out@sha256:[0-9a-f]{64}\$" "the pinned reference names that directory"
ok $([ -f "$SCRATCH/lay:out/index.json" ] && echo 0 || echo 1) "and the image is there"

# --- failure modes: exit status first, then the message ---
# A base whose manifest claims a layer of 2^50 bytes, or lists no layers
# (a hostile review hung and wrote an empty manifest with these).
skopeo copy --quiet "oci-archive:img.tar:1.0.0" "oci:hbase:good"
$PY - hbase <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
idx = json.load(open(os.path.join(d, "index.json")))
good = idx["manifests"][0]
man = json.load(open(os.path.join(d, "blobs/sha256", good["digest"][7:])))
def add(tag, m):
    b = json.dumps(m).encode()
    h = hashlib.sha256(b).hexdigest()
    open(os.path.join(d, "blobs/sha256", h), "wb").write(b)
    idx["manifests"].append({"mediaType": good["mediaType"], "digest": "sha256:" + h,
                             "size": len(b), "annotations": {"org.opencontainers.image.ref.name": tag}})
huge = json.loads(json.dumps(man)); huge["layers"][0]["size"] = 1 << 50
add("huge", huge)
none = json.loads(json.dumps(man)); del none["layers"]
add("nolayers", none)
json.dump(idx, open(os.path.join(d, "index.json"), "w"))
EOF
run timeout 60 "$MLOPS" image b.mlpkg -t "$R:h" -o huge.tar --base "oci:$SCRATCH/hbase:huge"
expect_rc 5 "a base layer claiming 2^50 bytes: exit 5 at once, no endless padding"
ok $([ ! -e huge.tar ] && [ -z "$(ls -A . | grep '^\.huge\.tar')" ] && echo 0 || echo 1) "and no file left behind"
run "$MLOPS" image b.mlpkg -t "$R:h" -o none.tar --base "oci:$SCRATCH/hbase:nolayers"
expect_rc 3 "a base manifest without layers: exit 3, no empty manifest"
expect_match "$ERR" "lists no layers" "said"
# An image tar whose manifest names no layers, or no config digest
# (a hostile review crashed inspect with these): exit 3, said.
for case in nolayers nolayerskey cfgnodigest; do
	$PY - img.tar "$case" <<'EOF'
import hashlib, io, json, sys, tarfile
src, case = sys.argv[1:3]
t = tarfile.open(src)
files = {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
idx = json.loads(files["index.json"])
md = idx["manifests"][0]["digest"]
man = json.loads(files["blobs/sha256/" + md[7:]])
if case == "nolayers":
    man["layers"] = []
elif case == "nolayerskey":
    del man["layers"]
else:
    del man["config"]["digest"]
m = json.dumps(man).encode()
d = "sha256:" + hashlib.sha256(m).hexdigest()
files["blobs/sha256/" + d[7:]] = m
idx["manifests"][0].update(digest=d, size=len(m))
files["index.json"] = json.dumps(idx).encode()
out = tarfile.open(case + ".tar", "w")
for name, data in sorted(files.items()):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    out.addfile(ti, io.BytesIO(data))
out.close()
EOF
	run "$MLOPS" inspect "$case.tar"
	expect_rc 3 "inspect, an image manifest with $case: exit 3, no crash"
	expect_match "$ERR" "malformed manifest" "and says the manifest is malformed"
done
run "$MLOPS" image nosuch.mlpkg -t "$R:1" -o x.tar
expect_rc 4 "a missing bundle: exit 4"
expect_match "$ERR" "nosuch\.mlpkg" "named"
printf 'not a bundle' > junk.mlpkg
run "$MLOPS" image junk.mlpkg -t "$R:1" -o x.tar
expect_rc 3 "not a bundle: exit 3"
expect_match "$ERR" "'junk\.mlpkg' is not a bundle" "said"
run "$MLOPS" image b.mlpkg -t "$R:1" -o /nonexistent/dir/x.tar
expect_rc 4 "an unwritable -o: exit 4"
expect_match "$ERR" "/nonexistent/dir" "named"
if [ -f "$MLOPS_BUILD/tests/libenospc.so" ]; then
	mkdir full
	MLOPS_ENOSPC_DIR="$SCRATCH/full" MLOPS_ENOSPC_AFTER=200000 \
		LD_PRELOAD="$MLOPS_BUILD/tests/libenospc.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		run "$MLOPS" image b.mlpkg -t "$R:1" -o full/x.tar
	expect_rc 4 "the disk fills while the tar is written: exit 4"
	expect_eq "$(ls -A full)" "" "no partial file left"
else
	ok 1 "no tests/libenospc.so in $MLOPS_BUILD (make test builds it)"
fi
run "$MLOPS" image b.mlpkg -t 'Bad Ref!' -o x.tar
expect_rc 2 "a bad REF: exit 2"
expect_match "$ERR" "Bad Ref" "the REF named"
run "$MLOPS" image b.mlpkg -t "$R@$D" -o x.tar
expect_rc 2 "a digest where a tag goes: exit 2"
run "$MLOPS" image b.mlpkg -o x.tar
expect_rc 2 "no -t: exit 2"
run "$MLOPS" image b.mlpkg -t "$R:1"
expect_rc 2 "neither -o nor --push: exit 2"
run "$MLOPS" image b.mlpkg -t "$R:1" -o b.mlpkg
expect_rc 2 "-o onto the input bundle: refused"
expect_eq "$(bundle_digest b.mlpkg)" "$BD" "and the bundle is intact"
port=$(free_port)
run "$MLOPS" image b.mlpkg -t "127.0.0.1:$port/team/x:1" --push
expect_rc 5 "no registry there: exit 5"
run "$MLOPS" image b.mlpkg -t "$REG/team/x:1" --base "$REG/team/credit-risk:nosuch" -o x.tar
expect_rc 5 "a base the registry does not have: exit 5"
expect_match "$ERR" "nosuch" "named"
ok $([ ! -e x.tar ] && echo 0 || echo 1) "no partial output"
must "$MLOPS" push -q b.mlpkg "$REG/bundles/credit-risk:1"
run "$MLOPS" image b.mlpkg -t "$REG/team/x:1" --base "$REG/bundles/credit-risk:1" -o x.tar
expect_rc 3 "a bundle as the base: exit 3"
expect_match "$ERR" "not a container image" "said"
run "$MLOPS" image b.mlpkg -t "$R:1" -o x.tar --binary junk.mlpkg
expect_rc 3 "--binary not ELF: exit 3"
expect_match "$ERR" "'junk\.mlpkg' is not an ELF file" "said"
# A program that needs a library this machine lacks.
printf 'int nosuch_fn(void);\nint main(void) { return nosuch_fn(); }\n' > p.c
printf 'int nosuch_fn(void) { return 0; }\n' > l.c
cc -shared -fPIC -Wl,-soname,libmlopsnosuch.so.1 -o libmlopsnosuch.so.1 l.c &&
	cc -o needs-lib p.c -L. -l:libmlopsnosuch.so.1 && rm libmlopsnosuch.so.1
run "$MLOPS" image b.mlpkg -t "$R:1" -o x.tar --binary needs-lib
expect_rc 3 "a library not found: exit 3"
expect_match "$ERR" "library 'libmlopsnosuch\.so\.1' \(needed by 'needs-lib'\) not found" "the library named"
ok $([ ! -e x.tar ] && echo 0 || echo 1) "no output"
run "$MLOPS" inspect based.tar
expect_rc 0 "inspect an image on a base"
run "$MLOPS" --json inspect "$REG/base/os:1"
expect_rc 3 "inspect an image mlops did not build: exit 3"
expect_match "$ERR" "not one mlops image built" "said"
done_testing
