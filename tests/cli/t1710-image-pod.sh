#!/bin/sh
# The Kubernetes path end to end, as a kubelet would run it: mlops image
# pushes the image to a real docker-registry, deploy --render names it by
# digest, skopeo pulls it back and umoci unpacks it, then the rendered
# container (the image's entrypoint, the manifest's args, env, user and
# emptyDir mounts) runs in a mount namespace whose root is read-only. Its
# startup, readiness and liveness probes answer and a prediction is
# right; an image that holds another bundle stays live and never ready.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh"

start_registry reg
copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
BD=$(bundle_digest b.mlpkg)
run "$MLOPS" image b.mlpkg -t "$REG/ml/credit-risk:1.0.0" --push
expect_rc 0 "mlops image --push"
PINNED=$OUT
expect_match "$PINNED" "^$REG/ml/credit-risk@sha256:[0-9a-f]{64}\$" "the pinned reference on stdout"
cat >> proj/mlops.yaml <<YAML
  k8s:
    kind: kubernetes
    namespace: ml
    image: $PINNED
    replicas: 2
YAML
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out"
expect_rc 0 "deploy --render with the image mlops image pushed"
run $PY "$MLOPS_SRC/tests/tools/k8s-validate" out
expect_rc 0 "the manifests validate"

# The pod spec, read as a kubelet reads it.
$PY - <<'PY' > pod.env
import shlex, yaml
d = yaml.safe_load(open("out/deployment.yaml"))
spec = d["spec"]["template"]["spec"]
c = spec["containers"][0]
empty = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
mounts = [m["mountPath"] for m in c["volumeMounts"] if m["name"] in empty]
env = ["%s=%s" % (e["name"], e["value"]) for e in c.get("env", []) if "value" in e]
sc = spec["securityContext"]
probes = {k: (c[k]["httpGet"]["path"], c[k]["httpGet"]["port"])
          for k in ("startupProbe", "readinessProbe", "livenessProbe")}
print("IMAGE=%s" % shlex.quote(c["image"]))
print("COMMAND=%s" % shlex.quote(" ".join(c.get("command", []))))
print("ARGS=%s" % shlex.quote("\n".join(c["args"])))
print("ENVS=%s" % shlex.quote("\n".join(env)))
print("MOUNTS=%s" % shlex.quote(" ".join(mounts)))
print("USERSPEC=%d:%d" % (sc["runAsUser"], sc["runAsGroup"]))
print("RO=%s" % c["securityContext"]["readOnlyRootFilesystem"])
print("PROBES=%s" % shlex.quote(" ".join("%s:%s" % p for p in probes.values())))
PY
. ./pod.env
expect_eq "$IMAGE" "$PINNED" "the container runs the image by digest"
expect_eq "$COMMAND" "" "no command: the image's entrypoint runs"
expect_eq "$RO $MOUNTS" "True /var/cache/mlops /tmp" "read-only root; emptyDirs at the cache and /tmp"

# Pull by that digest and unpack, as a node would.
run skopeo copy --quiet --src-tls-verify=false "docker://$PINNED" "oci:layout:pod"
expect_rc 0 "skopeo pulls the image by digest"
run umoci unpack --rootless --image layout:pod unpacked
expect_rc 0 "umoci unpacks it"
skopeo inspect --config "oci:layout:pod" > cfg.json
ROOTFS=$SCRATCH/unpacked/rootfs
mkdir -p "$ROOTFS/proc" "$ROOTFS/dev"

# pod ROOTFS PORT LOG: the container as the kubelet starts it: the image's
# Entrypoint, the manifest's args (--listen moved to a free port on
# 127.0.0.1), the image's Env then the manifest's, its user, a read-only
# root and a tmpfs at every emptyDir mount. Sets POD.
pod() {
	json_get cfg.json '"\n".join(d["config"]["Entrypoint"])' > argv.txt
	printf '%s\n' "$ARGS" | sed "s/^0\.0\.0\.0:8080\$/127.0.0.1:$2/" >> argv.txt
	{ json_get cfg.json '"\n".join(d["config"]["Env"])'; printf '%s\n' "$ENVS"; } > env.txt
	# shellcheck disable=SC2046
	timeout 120 unshare -m --propagation private sh -ec '
		r=$1; shift; user=$1; shift; mounts=$1; shift
		mount --bind "$r" "$r"; mount -o remount,bind,ro "$r" "$r"
		for m in $mounts; do mount -t tmpfs -o mode=1777 tmpfs "$r$m"; done
		mount --bind /dev "$r/dev"; mount -t proc proc "$r/proc"
		exec env -i $(cat env.txt) /usr/sbin/chroot --userspec="$user" "$r" "$@"' \
		sh "$1" "$USERSPEC" "$MOUNTS" $(cat argv.txt) 2> "$3" &
	POD=$!
	at_exit "kill $POD 2>/dev/null"
}
# probe PATH:PORT URL: the probe's HTTP status, the port as rendered.
probe() {
	want=${1##*:}
	[ "$want" = http ] || [ "$want" = 8080 ] || { echo "port $want"; return; }
	curl -s -o /dev/null -w '%{http_code}' "$2${1%%:*}"
}
wait_code() { # wait_code WANT URL
	for _ in $(seq 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$2")" = "$1" ] && return 0
		kill -0 "$POD" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	ok 1 "running the image as a pod needs root and mount namespaces (CI has both): not run"
else
	port=$(free_port)
	pod "$ROOTFS" "$port" pod.log
	URL=http://127.0.0.1:$port
	wait_code 200 "$URL/health/ready"
	for p in $PROBES; do
		expect_eq "$(probe "$p" "$URL")" 200 "the pod's probe $p answers 200"
	done
	LOW='{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}'
	code=$(curl -s -o pred.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "{\"features\":$LOW}" "$URL/predict")
	expect_eq "$code" 200 "a prediction from the pod"
	printf '%s\n' "$LOW" > row.jsonl
	run "$MLOPS" predict b.mlpkg -i row.jsonl -o host.jsonl --format jsonl
	expect_rc 0 "the same row on the host"
	expect_eq "$(json_get pred.json 'd["prediction"], round(d["probability"], 9)')" \
		"$(json_get host.jsonl 'd["prediction"], round(d["probability"], 9)')" \
		"the pod predicts what mlops predict does"
	expect_eq "$(curl -s "$URL/model/info" | $PY -c 'import json,sys; print(json.load(sys.stdin)["digest"])')" \
		"$BD" "it serves the bundle the manifest names"
	kill "$POD" 2>/dev/null
	wait "$POD" 2>/dev/null
	expect_no_match "$(cat pod.log)" "Read-only file system|cannot create|error" "nothing written outside the emptyDirs, no error"

	# The same manifest on an image that holds another bundle.
	copy_example proj2
	sed -i 's/^version: 1.0.0$/version: 1.1.0/' proj2/mlops.yaml
	must "$MLOPS" -C proj2 package -q -o "$SCRATCH/b2.mlpkg"
	run "$MLOPS" image b2.mlpkg -t "$REG/ml/credit-risk:1.1.0" -o other.tar
	expect_rc 0 "an image of another bundle"
	rm -rf layout2 unpacked2
	skopeo copy --quiet "oci-archive:other.tar:1.1.0" "oci:layout2:x"
	umoci unpack --rootless --image layout2:x unpacked2 >/dev/null
	mkdir -p "$SCRATCH/unpacked2/rootfs/proc" "$SCRATCH/unpacked2/rootfs/dev"
	port=$(free_port)
	pod "$SCRATCH/unpacked2/rootfs" "$port" wrong.log
	URL=http://127.0.0.1:$port
	wait_code 200 "$URL/health/live"
	expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/live")" 200 "another bundle: live (the pod stays, kubectl logs says why)"
	code=$(curl -s -o ready.json -w '%{http_code}' "$URL/health/ready")
	expect_eq "$code" 503 "another bundle: never ready"
	expect_eq "$(json_get ready.json 'd["expected_digest"] == "'"$BD"'", d["digest"] != "'"$BD"'"')" \
		"(True, True)" "the readiness answer names both digests"
	expect_match "$(cat wrong.log)" "not ready" "the log says why"
	kill "$POD" 2>/dev/null
	wait "$POD" 2>/dev/null
fi
kill "$REG_PID" 2>/dev/null
done_testing
