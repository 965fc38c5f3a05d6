#!/bin/sh
# mlops init --template: each template written with the project's name
# and version, never over existing files; the workflow and action parse,
# the alert rules pass promtool, every metric the rules and the dashboard
# use is one a real server exposes, and every mlops command the workflow
# and the runbook run is a real command with real options.
. "$(dirname "$0")/lib.sh"

copy_example proj
cd proj || exit 1

# check_commands FILE: each "mlops ..." line names a real command with
# real options.
check_commands() { $PY "$MLOPS_SRC/tests/tools/check-commands" "$MLOPS" "$1"; }

run "$MLOPS" init --template github-actions
expect_rc 0 "github-actions"
expect_eq "$OUT" "wrote .github/workflows/mlops.yml" "says what it wrote"
expect_eq "$($PY -c '
import yaml
d = yaml.safe_load(open(".github/workflows/mlops.yml"))
j = d["jobs"]
print(sorted(j), j["production"]["environment"], j["production"]["needs"], j["staging"]["environment"],
      [c["cron"] for c in d[True]["schedule"]], "schedule" in j["drift"]["if"])
')" "['build', 'drift', 'production', 'staging'] production ['build', 'staging'] staging ['17 6 * * *'] True" \
	"the workflow: build, staging, production behind its environment, a scheduled drift check"
expect_match "$(cat .github/workflows/mlops.yml)" 'mlops package -o credit-risk.mlpkg' "the project's name filled in"
expect_no_match "$(cat .github/workflows/mlops.yml)" '@[A-Z_]+@' "no placeholder left"
expect_match "$(check_commands .github/workflows/mlops.yml)" "^ok (1[0-9]|[2-9][0-9])$" "every mlops command in the workflow is real"
run "$MLOPS" init --template github-actions
expect_rc 2 "again: refused"
expect_match "$ERR" "'.github/workflows/mlops.yml' already exists" "names the file"
echo "# mine" >> .github/workflows/mlops.yml
run "$MLOPS" init --template github-actions --force
expect_rc 0 "--force overwrites"
expect_no_match "$(cat .github/workflows/mlops.yml)" "# mine" "the file is the template again"

# The composite action at the root of this repository.
expect_eq "$($PY -c '
import yaml, sys
d = yaml.safe_load(open(sys.argv[1]))
print(d["runs"]["using"], [s["shell"] for s in d["runs"]["steps"]])
' "$MLOPS_SRC/action.yml")" "composite ['sh', 'sh']" "action.yml: a composite action"
pkgs=$(sed -n '/^# build/,/^# tests/p' "$MLOPS_SRC/packages.txt" | grep -v '^#' | tr '\n' ' ')
expect_match "$pkgs" "libxgboost-dev .*scdoc" "the action installs the build section of packages.txt"
expect_no_match "$pkgs" "chromium|python3" "and not the test packages"

run "$MLOPS" init --template dockerfile
expect_rc 0 "dockerfile"
expect_eq "$(grep -c '^FROM ' Dockerfile)" 2 "multi-stage: two FROM"
expect_match "$(grep '^USER ' Dockerfile)" "^USER [1-9][0-9]*:[1-9][0-9]*$" "runs as a non-root user"
expect_match "$(grep -A1 '^HEALTHCHECK' Dockerfile)" "http://127.0.0.1:8080/health/live" "HEALTHCHECK on the live endpoint"
expect_match "$(grep '^COPY.*mlpkg' Dockerfile)" "credit-risk-1.0.0.mlpkg /srv/model/bundle.mlpkg" "copies the bundle mlops package writes"
expect_match "$(cat .dockerignore)" "^!credit-risk-1.0.0.mlpkg$" ".dockerignore lets only the bundle in"
expect_eq "$(grep '^ENTRYPOINT' Dockerfile)" 'ENTRYPOINT ["mlops", "serve"]' \
	"the entrypoint mlops image writes: the manifests' args run on either image"
expect_match "$(grep '^CMD' Dockerfile)" '^CMD \["/srv/model/bundle.mlpkg", "--listen", "0.0.0.0:8080"' "serves the bundle"
expect_eq "$(grep '^USER ' Dockerfile)" "USER 65532:65532" "the user mlops image and the manifests run as"
# The runtime packages exist in Debian 12 (this machine is one).
for p in $(sed -n '/^FROM debian:12-slim/,/rm -rf/p' Dockerfile | sed -n '/install -y/,/rm -rf/p' |
	tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(install|apt-get|rm|DEBIAN_FRONTEND.*)$'); do
	apt-cache show "$p" > /dev/null 2>&1 || echo "$p"
done > missing.txt
expect_eq "$(cat missing.txt)" "" "every runtime package of the image is a Debian 12 package"
# ... and they hold every library mlops links (what debian:12-slim has
# aside: libc6, libgcc-s1, libstdc++6).
runtime=" $(sed -n '/^FROM debian:12-slim/,/rm -rf/p' Dockerfile | tr ' \\' '\n\n' | tr '\n' ' ') libc6 libgcc-s1 libstdc++6 "
for so in $(objdump -p "$MLOPS" | awk '/NEEDED/ {print $2}'); do
	case $so in libasan*|libubsan*) continue ;; esac # sanitizer builds
	pkg=$(dpkg -S "*/x86_64-linux-gnu/$so" 2>/dev/null | head -1 | cut -d: -f1)
	case $runtime in *" $pkg "*) ;; *) echo "$so (${pkg:-no package})" ;; esac
done > unpackaged.txt
expect_eq "$(cat unpackaged.txt)" "" "the runtime stage installs the package of every library mlops links"

run "$MLOPS" init --template kubernetes
expect_rc 0 "kubernetes"
expect_eq "$OUT" "wrote 4 files to k8s/ (kubectl apply -k k8s)" "says how to apply them"
expect_eq "$(ls k8s | tr '\n' ' ')" "deployment.yaml kustomization.yaml pdb.yaml service.yaml " "the files deploy --render writes"
run $PY "$MLOPS_SRC/tests/tools/k8s-validate" k8s
expect_eq "$RC $OUT" "0 ok 3" "every object validates against the Kubernetes models"
expect_eq "$($PY -c '
import yaml
d = yaml.safe_load(open("k8s/deployment.yaml"))
c = d["spec"]["template"]["spec"]["containers"][0]
print(d["kind"], d["metadata"]["name"], d["metadata"]["namespace"], d["spec"]["replicas"], c["image"],
      c["readinessProbe"]["httpGet"]["path"], [e["name"] for e in c["env"]], c["args"][0])
')" "Deployment credit-risk-production default 2 registry.example.com/credit-risk:1.0.0 /health/ready ['XDG_CACHE_HOME'] /srv/model/bundle.mlpkg" \
	"a default environment when mlops.yaml has no kubernetes one; a template: no digest pinned yet"
expect_match "$(head -3 k8s/deployment.yaml)" "mlops deploy BUNDLE --env ENV --render DIR" "says what pins the digests"
run "$MLOPS" init --template kubernetes
expect_rc 2 "again: refused"

run "$MLOPS" init --template prometheus
expect_rc 0 "prometheus"
run promtool check rules mlops-alerts.yml
expect_rc 0 "promtool check rules accepts the alert rules"
expect_match "$OUT" "SUCCESS: 5 rules found" "five rules"
expect_eq "$($PY -c '
import json
d = json.load(open("grafana-dashboard.json"))
print(d["title"], len(d["panels"]), all(t["expr"] for p in d["panels"] for t in p["targets"]))
')" "mlops serve: credit-risk 10 True" "the Grafana dashboard parses, ten panels"
# Every metric the rules and the dashboard use, a real server exposes.
must "$MLOPS" package -q -o m.mlpkg
timeout 120 "$MLOPS" serve m.mlpkg --listen 127.0.0.1:0 --log-file access.log 2> serve.log &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
for _ in $(seq 1200); do grep -q "; ready" serve.log && break; kill -0 $SPID 2>/dev/null || break; sleep 0.05; done
URL=$(sed -n 's|.*listening on \(http://[0-9.:]*\)$|\1|p' serve.log)
curl -s -o /dev/null -d '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}' "$URL/predict"
curl -s "$URL/metrics" > metrics.txt
kill "$(pgrep -P $SPID)" 2>/dev/null
expect_eq "$($PY - <<'PY'
import json, re
exposed = set()
for line in open("metrics.txt"):
    if line.startswith("# TYPE "):
        exposed.add(line.split()[2])
text = open("mlops-alerts.yml").read() + json.dumps(json.load(open("grafana-dashboard.json")))
used = set(re.findall(r"\b((?:mlops|process)_[a-z_]+)", text))
missing = sorted(u for u in used if re.sub(r"_(bucket|sum|count)$", "", u) not in exposed)
print(len(used) > 8, missing)
PY
)" "True []" "every metric the rules and the dashboard use is one /metrics exposes"

run "$MLOPS" init --template runbook
expect_rc 0 "runbook"
for s in "## Deploy" "## Roll back" "## Drift alert fired" "## Latency or error alert fired" "## Restore a lost instance"; do
	expect_match "$(cat RUNBOOK.md)" "^$s\$" "runbook: $s"
done
expect_match "$(check_commands RUNBOOK.md)" "^ok (1[0-9]|[2-9][0-9])$" "every mlops command in the runbook is real"
expect_match "$(cat mlops-alerts.yml)" "RUNBOOK.md#drift-alert-fired" "the alerts link to the runbook's sections"

run "$MLOPS" --json init --template runbook --force
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["template"], d["name"], d["files"])')" \
	"runbook credit-risk 1" "--json"
run "$MLOPS" init --template nope
expect_rc 2 "an unknown template: exit 2"
expect_match "$ERR" "github-actions" "lists the templates"
done_testing
