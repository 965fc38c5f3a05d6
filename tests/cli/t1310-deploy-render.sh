#!/bin/sh
# mlops deploy --render: Kubernetes manifests for a kubernetes
# environment, checked for structure (parsed with python3-yaml): kinds,
# names, namespace, selectors that match, probes on the health
# endpoints, mlops serve as the command, resources, the bundle digest.
. "$(dirname "$0")/lib.sh"

copy_example proj
cat >> proj/mlops.yaml <<'YAML'
  k8s:
    kind: kubernetes
    namespace: ml
    image: registry.example.com/credit-risk:1.0.0
    replicas: 2
    cpu: 500m
    memory: 256Mi
YAML
"$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg" > /dev/null
D=$(bundle_digest b.mlpkg)
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s --render "$SCRATCH/out"
expect_rc 0 "--render"
expect_match "$OUT" "wrote 5 manifests for k8s" "five manifests"
res=$($PY - "$D" <<'PY'
import glob, sys, yaml
digest = sys.argv[1]
docs = {}
for f in sorted(glob.glob("out/*.yaml")):
    d = yaml.safe_load(open(f))
    docs[d["kind"]] = d
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
check(sorted(docs) == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"], "kinds %s" % sorted(docs))
for k, d in docs.items():
    check(d["metadata"]["namespace"] == "ml", k + " namespace")
    check(d["metadata"]["annotations"]["mlops.dev/bundle-digest"] == digest, k + " digest")
dep = docs["Deployment"]
labels = dep["spec"]["template"]["metadata"]["labels"]
check(dep["metadata"]["name"] == "credit-risk", "deployment name")
check(dep["spec"]["replicas"] == 2, "replicas")
check(all(labels.get(k) == v for k, v in dep["spec"]["selector"]["matchLabels"].items()), "deployment selector")
c = dep["spec"]["template"]["spec"]["containers"][0]
check(c["image"] == "registry.example.com/credit-risk:1.0.0", "image")
check(c["args"][0] == "serve", "runs mlops serve")
check(c["readinessProbe"]["httpGet"]["path"] == "/health/ready", "readiness probe")
check(c["livenessProbe"]["httpGet"]["path"] == "/health/live", "liveness probe")
check(c["resources"]["requests"] == {"cpu": "500m", "memory": "256Mi"}, "resources")
check(c["securityContext"]["readOnlyRootFilesystem"] is True, "read-only root")
check(dep["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True, "non-root")
cm = docs["ConfigMap"]
check(c["envFrom"][0]["configMapRef"]["name"] == cm["metadata"]["name"], "configmap used")
check(cm["data"]["MLOPS_BUNDLE_DIGEST"] == digest, "configmap digest")
svc = docs["Service"]
check(all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()), "service selects the pods")
check(svc["spec"]["ports"][0]["targetPort"] == c["ports"][0]["name"], "service port")
hpa = docs["HorizontalPodAutoscaler"]
check(hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "credit-risk"}, "hpa target")
check(hpa["spec"]["minReplicas"] == 2 and hpa["spec"]["maxReplicas"] >= 2, "hpa bounds")
pdb = docs["PodDisruptionBudget"]
check(all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items()), "pdb selects the pods")
print("ok" if not bad else "; ".join(bad))
PY
)
expect_eq "$res" ok "the manifests fit together"

run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env k8s
expect_rc 2 "a kubernetes environment without --render: exit 2"
expect_match "$ERR" "write its manifests with --render DIR" "explained"
run "$MLOPS" -C proj deploy "$SCRATCH/b.mlpkg" --env staging --render out2
expect_rc 2 "--render for a local environment: exit 2"
done_testing
