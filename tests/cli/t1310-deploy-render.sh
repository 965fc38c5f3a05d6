#!/bin/sh
# mlops deploy --render: Kubernetes manifests that would start. Every
# object validates against the Kubernetes models with unknown fields
# refused, names and labels Kubernetes accepts, the restricted Pod
# Security profile (tests/tools/k8s-validate); the image by digest; the
# container's args run by the image's entrypoint start a server that
# gets ready with API keys on, and refuses readiness for another bundle;
# kubernetes fields checked when mlops.yaml is read; --require-signature.
. "$(dirname "$0")/lib.sh"

IMG=registry.example.com/credit-risk@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
validate() { $PY "$MLOPS_SRC/tests/tools/k8s-validate" "$1"; }

copy_example proj
cat >> proj/mlops.yaml <<YAML
  k8s:
    kind: kubernetes
    namespace: ml
    image: $IMG
    replicas: 2
    cpu: 500m
    memory: 256Mi
    api_key_secret: credit-risk-keys
  k8s-auto:
    kind: kubernetes
    namespace: ml
    image: $IMG
    autoscale: {min: 2, max: 6, cpu_percent: 60}
  tagged:
    kind: kubernetes
    namespace: ml
    image: registry.example.com/credit-risk:1.0.0
YAML
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
D=$(bundle_digest b.mlpkg)
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out"
expect_rc 0 "--render"
expect_eq "$OUT" "wrote 4 files for k8s to $SCRATCH/out (kubectl apply -k $SCRATCH/out)" "says what it wrote and how to apply it"
expect_eq "$(ls out | tr '\n' ' ')" "deployment.yaml kustomization.yaml pdb.yaml service.yaml " "one file an object, and kustomization.yaml"
run validate out
expect_rc 0 "every object validates (models, unknown fields refused, names, labels, quantities, restricted pod security)"
expect_eq "$OUT" "ok 3" "three objects"

res=$($PY - "$D" "$IMG" <<'PY'
import sys, yaml
digest, image = sys.argv[1:3]
docs = {}
for f in ("deployment", "service", "pdb"):
    d = yaml.safe_load(open("out/%s.yaml" % f))
    docs[d["kind"]] = d
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
for k, d in docs.items():
    check(d["metadata"]["namespace"] == "ml", k + " namespace")
    check(d["metadata"]["name"] == "credit-risk-k8s", k + " name NAME-ENV")
    check(d["metadata"]["annotations"]["mlops.dev/bundle-digest"] == digest, k + " digest")
    check(d["metadata"]["labels"] == {"app.kubernetes.io/name": "credit-risk",
        "app.kubernetes.io/instance": "credit-risk-k8s", "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/managed-by": "mlops"}, k + " labels")
dep = docs["Deployment"]
sel = {"app.kubernetes.io/name": "credit-risk", "app.kubernetes.io/instance": "credit-risk-k8s"}
check(dep["spec"]["selector"]["matchLabels"] == sel, "selector on name and instance")
check(dep["spec"]["replicas"] == 2, "replicas")
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
check(c["image"] == image, "the image by digest")
check("command" not in c, "no command: the image's entrypoint runs")
check(c["args"] == ["/srv/model/bundle.mlpkg", "--listen", "0.0.0.0:8080", "--public-health", "--drain-timeout", "20"], "args: the image's Cmd and what a pod needs (%s)" % c["args"])
env = {e["name"]: e for e in c["env"]}
check(env["XDG_CACHE_HOME"]["value"] == "/var/cache/mlops", "cache in the emptyDir")
check(env["MLOPS_EXPECT_DIGEST"]["value"] == digest, "the server checks the bundle digest")
check(env["MLOPS_API_KEYS"] == {"name": "MLOPS_API_KEYS", "valueFrom": {"secretKeyRef": {"name": "credit-risk-keys", "key": "api-keys"}}}, "API keys from the Secret")
check(all("value" not in e for n, e in env.items() if "KEY" in n), "no key inline")
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
check(sorted(mounts) == ["/tmp", "/var/cache/mlops"], "mounts %s" % mounts)
check(all(vols[n] == {"name": n, "emptyDir": {}} for n in mounts.values()), "emptyDir volumes")
sc = c["securityContext"]
check(sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False and sc["capabilities"] == {"drop": ["ALL"]}, "container security")
psc = pod["securityContext"]
check(psc == {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}}, "pod security %s" % psc)
check(pod["automountServiceAccountToken"] is False, "no service account token")
check(c["startupProbe"]["httpGet"]["path"] == "/health/live", "startup probe")
check(c["readinessProbe"]["httpGet"]["path"] == "/health/ready", "readiness probe")
check(c["livenessProbe"]["httpGet"]["path"] == "/health/live", "liveness probe")
check(c["resources"] == {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}, "resources")
svc = docs["Service"]
check(svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == sel, "service")
check(svc["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}], "service port 8080 named http")
pdb = docs["PodDisruptionBudget"]
check(pdb["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": sel}}, "a PDB allowing one eviction")
check("kubectl -n ml create secret generic credit-risk-keys" in open("out/deployment.yaml").read(), "how to make the Secret")
print("ok" if not bad else "; ".join(bad))
PY
)
expect_eq "$res" ok "the manifests: image, args, env, volumes, security, probes, selectors"

run "$MLOPS" --json -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/outj"
expect_eq "$RC $(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["action"], d["env"], d["dir"], d["files"])')" \
	"0 render k8s $SCRATCH/outj 4" "--json"

# Autoscaled: an HPA, and no replicas for it to fight.
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s-auto --render "$SCRATCH/out"
expect_rc 0 "--render an autoscaled environment over the last render"
run validate out
expect_eq "$RC $OUT" "0 ok 4" "four objects validate"
expect_eq "$($PY -c '
import yaml
d = yaml.safe_load(open("out/deployment.yaml")); h = yaml.safe_load(open("out/hpa.yaml"))
print("replicas" in d["spec"], h["apiVersion"], h["spec"]["minReplicas"], h["spec"]["maxReplicas"],
      h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], h["spec"]["scaleTargetRef"]["name"],
      d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"])
')" "False autoscaling/v2 2 6 60 credit-risk-k8s-auto credit-risk-k8s-auto" "HPA from autoscale; no replicas in the Deployment"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out"
expect_eq "$RC $(ls out | tr '\n' ' ')" "0 deployment.yaml kustomization.yaml pdb.yaml service.yaml " "back to fixed replicas: the stale hpa.yaml is gone"

# Two environments in one namespace never select each other's pods.
must "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s-auto --render "$SCRATCH/out2"
expect_eq "$($PY -c '
import yaml
a = [yaml.safe_load(open("out/%s.yaml" % f)) for f in ("deployment", "service", "pdb")]
b = [yaml.safe_load(open("out2/%s.yaml" % f)) for f in ("deployment", "service", "pdb")]
def sel(o):
    s = o["spec"]["selector"]
    return s.get("matchLabels", s)
def picks(o, d):
    labels = d["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in sel(o).items())
print([picks(o, b[0]) for o in a], [picks(o, a[0]) for o in b], a[0]["metadata"]["name"] != b[0]["metadata"]["name"])
')" "[False, False, False] [False, False, False] True" "two environments: names apart, selectors apart"

# A tag alone is refused: pods would run whatever it names.
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env tagged --render "$SCRATCH/out3"
expect_rc 2 "an image by tag: exit 2"
expect_match "$ERR" "names no digest" "says why"
expect_match "$ERR" "mlops image BUNDLE -t registry.example.com/credit-risk:1.0.0 --push" "hints at mlops image --push"
expect_eq "$(ls out3 2>/dev/null)" "" "nothing written"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env tagged --render "$SCRATCH/out3" --image "$IMG"
expect_rc 0 "--image REPO@sha256:... instead"
expect_eq "$($PY -c 'import yaml; print(yaml.safe_load(open("out3/deployment.yaml"))["spec"]["template"]["spec"]["containers"][0]["image"])')" "$IMG" "the image given"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env tagged --render "$SCRATCH/out3" --image "Bad Image"
expect_rc 2 "--image that is no reference: exit 2"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env staging --image "$IMG"
expect_rc 2 "--image without --render: exit 2"

# Awkward names and versions: still valid, still apart.
cp -R proj odd
sed -i -e 's/^name: .*/name: a-model-with-a-very-long-name-that-goes-on-and-on-past-sixty-three-bytes/' \
	-e 's/^version: .*/version: 1.2.0-rc.1+build.7/' odd/mlops.yaml
cat >> odd/mlops.yaml <<YAML
  Prod_EU/West:
    kind: kubernetes
    namespace: ml-prod
    image: $IMG
  Prod_EU/East:
    kind: kubernetes
    namespace: ml-prod
    image: $IMG
YAML
run "$MLOPS" -C odd package -q -o "$SCRATCH/odd.mlpkg"
expect_rc 0 "a bundle with a long name and a build version"
for e in Prod_EU/West Prod_EU/East; do
	d=odd-$(echo "$e" | tr / -)
	run "$MLOPS" -C odd deploy "$SCRATCH/odd.mlpkg" --env "$e" --render "$SCRATCH/$d"
	expect_rc 0 "--render $e"
	run validate "$d"
	expect_eq "$RC $OUT" "0 ok 3" "$e: every object validates"
done
expect_eq "$($PY -c '
import yaml
a = yaml.safe_load(open("odd-Prod_EU-West/deployment.yaml"))
b = yaml.safe_load(open("odd-Prod_EU-East/deployment.yaml"))
n, m = a["metadata"]["name"], b["metadata"]["name"]
print(len(n), n != m, n.startswith("a-model-with-a-very-long-name"), a["metadata"]["labels"]["app.kubernetes.io/version"],
      a["metadata"]["annotations"]["mlops.dev/version"])
')" "63 True True 1.2.0-rc.1_build.7 1.2.0-rc.1+build.7" "cut to 63 bytes, kept apart by a hash; the version a label value, exact in an annotation"

# Fields checked when mlops.yaml is read, at file:line:col.
bad_field() { # bad_field KEY VALUE REGEX NAME
	cp proj/mlops.yaml bad.yaml
	sed -i "/^  k8s:\$/,/^  k8s-auto:/ s|^    $1: .*|    $1: $2|" bad.yaml
	line=$(grep -n "^    $1: $2\$" bad.yaml | head -1 | cut -d: -f1)
	cp bad.yaml proj/bad.yaml
	run "$MLOPS" -C proj deploy -f bad.yaml "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out4"
	expect_rc 3 "$4: exit 3"
	expect_match "$ERR" "bad.yaml:$line:[0-9]+: .*$3" "$4: file:line:col and why"
}
bad_field namespace ML_prod "namespace 'ML_prod' is not valid" "an invalid namespace"
bad_field namespace a-namespace-that-is-longer-than-sixty-three-bytes-which-kubernetes-refuses "is not valid" "a namespace over 63 bytes"
bad_field cpu lots "cpu 'lots' is not valid: a quantity" "a cpu that is no quantity"
bad_field memory "1.5 GB" "memory '1.5 GB' is not valid" "a memory that is no quantity"
bad_field image "Registry.example.com/Credit:1" "image .* is not valid" "an image with upper case"
bad_field image "$IMG-x" "image .* is not valid" "an image with a malformed digest"
bad_field api_key_secret Keys_1 "api_key_secret 'Keys_1' is not valid" "an invalid Secret name"
bad_field replicas 0 "replicas must be an integer from 1" "replicas 0"
sed 's|^    replicas: 2$|&\n    autoscale: {max: 3}|' proj/mlops.yaml > proj/bad.yaml
line=$(grep -n "autoscale: {max: 3}" proj/bad.yaml | cut -d: -f1)
run "$MLOPS" -C proj deploy -f bad.yaml "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out4"
expect_rc 3 "replicas and autoscale: exit 3"
expect_match "$ERR" "bad.yaml:$line:[0-9]+: .*replicas or autoscale, not both" "says the HPA sets the count, at file:line:col"
cp proj/mlops.yaml proj/bad.yaml
sed -i 's/autoscale: {min: 2, max: 6, cpu_percent: 60}/autoscale: {min: 4, max: 3}/' proj/bad.yaml
run "$MLOPS" -C proj deploy -f bad.yaml "$SCRATCH/b.mlpkg" --env k8s-auto --render "$SCRATCH/out4"
expect_rc 3 "autoscale max below min: exit 3"
expect_match "$ERR" "bad.yaml:[0-9]+:[0-9]+: .*max must be at least min" "says so"
expect_eq "$(ls out4 2>/dev/null)" "" "nothing rendered from a bad descriptor"

twin() { # twin NAMESPACE: mlops.yaml and an environment K8S in NAMESPACE
	cp proj/mlops.yaml proj/bad.yaml
	printf '  K8S:\n    kind: kubernetes\n    namespace: %s\n    image: %s\n' "$1" "$IMG" >> proj/bad.yaml
}
twin ml
line=$(grep -n "^  K8S:" proj/bad.yaml | cut -d: -f1)
run "$MLOPS" -C proj deploy -f bad.yaml "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out4"
expect_rc 3 "two environments that would be the same objects in one namespace: exit 3"
expect_match "$ERR" "bad.yaml:$line:[0-9]+: .*environments k8s and K8S would both be credit-risk-k8s in the namespace ml" "says which, where"
twin ml-2
run "$MLOPS" -C proj deploy -f bad.yaml "$SCRATCH/b.mlpkg" --env K8S --render "$SCRATCH/out4"
expect_rc 0 "in other namespaces they may share a name"
rm -rf out4

# --require-signature, and the environment's require_signature.
openssl genpkey -algorithm ed25519 -out release.pem 2>/dev/null
openssl pkey -in release.pem -pubout -out release.pub 2>/dev/null
must "$MLOPS" -C proj package -q -o "$SCRATCH/signed.mlpkg" --sign "$SCRATCH/release.pem"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out5" --require-signature "$SCRATCH/release.pub"
expect_rc 3 "render --require-signature: an unsigned bundle is refused"
expect_match "$ERR" "not signed" "says why"
expect_eq "$(ls out5 2>/dev/null)" "" "nothing written"
run "$MLOPS" -C proj deploy "$SCRATCH/signed.mlpkg" --env k8s --render "$SCRATCH/out5" --require-signature "$SCRATCH/release.pub"
expect_rc 0 "a signed one is rendered"
cp release.pub proj/
sed 's|^    api_key_secret: credit-risk-keys$|&\n    require_signature: release.pub|' proj/mlops.yaml > proj/signed.yaml
run "$MLOPS" -C proj deploy -f signed.yaml "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out6"
expect_rc 3 "environments.k8s.require_signature: an unsigned bundle is refused"
run "$MLOPS" -C proj deploy -f signed.yaml "$SCRATCH/signed.mlpkg" --env k8s --render "$SCRATCH/out6"
expect_rc 0 "and a signed one rendered"

# The pod, as the kubelet would start it: the image's entrypoint with the
# container's args and env (the bundle path and listen address mapped to
# this host), the bundle read-only, the cache on an empty directory, an
# API key from the "Secret"; probes without a key.
ENTRYPOINT="$MLOPS serve" # the image's ["/usr/bin/mlops", "serve"]
$PY - > pod.env <<'PY' || echo "BROKEN=1" >> pod.env
import yaml
d = yaml.safe_load(open("out/deployment.yaml"))
c = d["spec"]["template"]["spec"]["containers"][0]
assert "command" not in c
with open("pod.args", "w") as f:
    f.write("\n".join(c["args"]) + "\n")
for e in c["env"]:
    v = e.get("value", "FROM_SECRET:%s" % e.get("valueFrom", {}).get("secretKeyRef", {}).get("name"))
    print("%s=%s" % (e["name"], v))
print("PORTS=%s" % c["ports"][0]["containerPort"])
PY
expect_eq "$(grep -c BROKEN pod.env)" 0 "the container's args and env read"
start_pod() { # start_pod BUNDLE NAME: sets PODPID, POD (its URL); log NAME.log
	name=$2
	mkdir -p "ro-$name" && cp "$1" "ro-$name/bundle.mlpkg" && chmod 0444 "ro-$name/bundle.mlpkg" && chmod 0555 "ro-$name"
	set --
	while IFS= read -r a; do
		case $a in
		/srv/model/bundle.mlpkg) a=$SCRATCH/ro-$name/bundle.mlpkg ;;
		"0.0.0.0:$(sed -n 's/^PORTS=//p' pod.env)") a=127.0.0.1:0 ;;
		esac
		set -- "$@" "$a"
	done < pod.args
	mkdir -p "emptydir-$name"
	XDG_CACHE_HOME=$SCRATCH/emptydir-$name \
	MLOPS_EXPECT_DIGEST=$(sed -n 's/^MLOPS_EXPECT_DIGEST=//p' pod.env) \
	MLOPS_API_KEYS=pod-key-s3cret \
		timeout 300 $ENTRYPOINT "$@" 2> "$name.log" &
	PODPID=$!
	at_exit "kill $PODPID 2>/dev/null"
	POD=$(listening_url "$name.log" $PODPID)
}
expect_eq "$(sed -n 's/^XDG_CACHE_HOME=//p' pod.env) $(sed -n 's/^MLOPS_API_KEYS=//p' pod.env)" \
	"/var/cache/mlops FROM_SECRET:credit-risk-keys" "the env the pod gets"
start_pod b.mlpkg pod
code() { curl -s -o body.json -w '%{http_code}' "$@"; }
expect_eq "$(code "$POD/health/live")" 200 "liveness (and startup) probe: 200 without a key"
expect_eq "$(code "$POD/health/ready")" 200 "readiness probe: 200 without a key"
expect_eq "$(cat body.json)" '{"ready":true}' "ready"
LOW='{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}'
expect_eq "$(code -X POST --data-binary "$LOW" "$POD/predict")" 401 "predict without a key: 401"
expect_eq "$(code -X POST -H 'Authorization: Bearer pod-key-s3cret' --data-binary "$LOW" "$POD/predict")" 200 "predict with the Secret's key: 200"
expect_match "$(find emptydir-pod -type f 2>/dev/null | head -1)" "^emptydir-pod/mlops/bundles/[0-9a-f]{64}/" "the bundle cache is in the emptyDir"
kill -TERM "$PODPID"
wait "$PODPID"
expect_eq "$?" 0 "SIGTERM: exit 0"

# The same manifest with an image that holds another bundle: live, never
# ready, and it says why.
sed 's/^version: .*/version: 1.0.1/' proj/mlops.yaml > proj/other.yaml
must "$MLOPS" -C proj package -f other.yaml -q -o "$SCRATCH/other.mlpkg"
start_pod other.mlpkg other
expect_eq "$(code "$POD/health/live")" 200 "another bundle: live"
expect_eq "$(code "$POD/health/ready")" 503 "another bundle: not ready (503)"
expect_eq "$($PY -c 'import json,sys; d=json.load(open("body.json")); print(d["ready"], d["expected_digest"], d["digest"] == sys.argv[2], sys.argv[1] in d["reason"])' "$D" "$(bundle_digest other.mlpkg)")" \
	"False $D True True" "the 503 names the digest expected and the one it has"
expect_match "$(cat other.log)" "not ready: the bundle served is sha256:[0-9a-f]{64}, not $D" "and the log says so"
kill -TERM "$PODPID"
wait "$PODPID"
expect_eq "$?" 0 "SIGTERM: exit 0"

run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s
expect_rc 2 "a kubernetes environment without --render: exit 2"
expect_match "$ERR" "write its manifests with --render DIR" "explained"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env staging --render out7
expect_rc 2 "--render for a local environment: exit 2"
run "$MLOPS" -C proj history --env k8s
expect_rc 2 "history of a kubernetes environment: exit 2 (it crashed)"
expect_match "$ERR" "kubectl rollout history" "the cluster has it"
done_testing
