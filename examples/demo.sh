#!/bin/sh
# The guided tour of mlops on the credit-risk example (make demo).
set -eu
MLOPS=${MLOPS:-build/mlops}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${DEMO_OUT:-$here/build/demo}
rm -rf "$out"
mkdir -p "$out"
bundle="$out/credit-risk-1.0.0.mlpkg"

if [ -t 1 ]; then b=$(printf '\033[1m'); r=$(printf '\033[0m'); else b=; r=; fi
step() { printf '\n%s==> %s%s\n$ %s\n' "$b" "$1" "$r" "$2"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/health/ready" && return 0; sleep 0.05; done; return 1; }
# start_server ARGS...: mlops serve ARGS on a free port, bounded in time,
# waited for; sets port and spid.
start_server() {
	port=$(free_port)
	timeout 120 "$MLOPS" serve "$@" --listen "127.0.0.1:$port" -q &
	spid=$!
	wait_ready "$port"
}

step "Package the example: model, data, code and an SBOM in one reproducible file" \
	"mlops -C examples/credit-risk package -o $bundle"
"$MLOPS" -C "$here/examples/credit-risk" package -o "$bundle"

step "Look inside the bundle" "mlops inspect --files $bundle"
"$MLOPS" inspect --files "$bundle"

step "The bundle is an OCI artifact: other OCI tools read it" \
	"skopeo inspect --raw oci-archive:$bundle"
if command -v skopeo >/dev/null 2>&1; then
	skopeo inspect --raw "oci-archive:$bundle" | head -c 400
	echo " ..."
fi

step "Same inputs, same bytes: package again and compare" "sha256sum"
"$MLOPS" -q -C "$here/examples/credit-risk" package -o "$out/again.mlpkg" >/dev/null
sha256sum "$bundle" "$out/again.mlpkg"

step "Validate the bundle: integrity, the model, quality gates, golden predictions" \
	"mlops validate $bundle"
"$MLOPS" validate "$bundle"

step "Check this week's data against the data contract" \
	"mlops validate --data examples/credit-risk/data/current.csv --bundle $bundle"
"$MLOPS" validate --data "$here/examples/credit-risk/data/current.csv" --bundle "$bundle"

step "Score it (the batch-job pattern)" \
	"mlops predict $bundle --input examples/credit-risk/data/current.csv --output $out/scores.csv"
"$MLOPS" predict "$bundle" --input "$here/examples/credit-risk/data/current.csv" \
	--output "$out/scores.csv"
head -5 "$out/scores.csv"

step "Get the files back out, verified" "mlops unpack $bundle -o $out/unpacked --only model"
"$MLOPS" unpack "$bundle" -o "$out/unpacked" --only model
find "$out/unpacked" -type f

step "Serve it: health, a prediction, an invalid request (422), metrics; then SIGTERM" \
	"mlops serve $bundle --listen 127.0.0.1:PORT"
start_server "$bundle"
echo "GET /health/ready -> $(curl -s "http://127.0.0.1:$port/health/ready")"
echo "POST /predict -> $(curl -s "http://127.0.0.1:$port/predict" -d '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}')"
echo "POST /predict (credit_score 900) -> $(curl -s -w ' [HTTP %{http_code}]' "http://127.0.0.1:$port/predict" -d '{"features":{"income":50000,"debt_ratio":0.3,"credit_score":900,"age":40,"employment_years":5,"num_credit_lines":3,"loan_amount":10000,"has_prior_default":false}}')"
curl -s "http://127.0.0.1:$port/metrics" | grep '^mlops_requests_total'
curl -s "http://127.0.0.1:$port/docs" > "$out/docs.html"
echo "GET /docs -> $out/docs.html: $(grep -o '<div class=op>' "$out/docs.html" | wc -l) routes, the inputs and their bounds (GET /openapi.json: the OpenAPI 3.1 document)"
step "Smoke-test the running server with the golden requests of mlops.yaml" \
	"mlops smoke http://127.0.0.1:PORT --bundle $bundle"
"$MLOPS" smoke "http://127.0.0.1:$port" --bundle "$bundle"
kill -TERM "$spid"
wait "$spid" && echo "the server drained and exited 0"

step "Has this week's data drifted from the reference? (exit 1 fails a CI job)" \
	"mlops drift --bundle $bundle --current examples/credit-risk/data/current.csv --predictions --drift-share 0.2 --html $out/drift.html"
rc=0
"$MLOPS" drift --bundle "$bundle" --current "$here/examples/credit-risk/data/current.csv" \
	--predictions --drift-share 0.2 --html "$out/drift.html" || rc=$?
echo "exit status $rc: income and debt_ratio were shifted on purpose; the report is $out/drift.html"

step "The same, live: the server compares what it scores with the reference" \
	"mlops serve $bundle; POST current rows; GET /drift"
start_server "$bundle"
/usr/bin/python3 - "http://127.0.0.1:$port" "$here/examples/credit-risk/data/current.csv" <<'PY'
import csv, json, sys, urllib.request
url, path = sys.argv[1:3]
rows = [{k: (None if v == "" else (v == "1" if k == "has_prior_default" else float(v)))
         for k, v in r.items()} for r in csv.DictReader(open(path))][:1000]
for i in range(0, len(rows), 100):
    urllib.request.urlopen(urllib.request.Request(url + "/predict/batch", json.dumps(rows[i:i + 100]).encode(),
                                                  {"Content-Type": "application/json"}))
d = json.load(urllib.request.urlopen(url + "/drift"))
for f in d["features"] + [d["prediction"]]:
    print(f"  {f['feature']:<18} psi {f['psi']:.3f}  js {f['jensenshannon']:.3f}  {'DRIFT' if f['drifted'] else ''}")
PY
kill -TERM "$spid"
wait "$spid" || true

step "Deploy to a local environment, then the next version, then roll back" \
	"mlops deploy B --env staging; mlops deploy B2 --env staging; mlops rollback --env staging; mlops history --env staging"
proj="$out/project"
cp -r "$here/examples/credit-risk" "$proj"
rm -rf "$proj/.mlops" "$proj"/*.mlpkg
# Its own repository: the release tags go there, not into this one.
printf '.mlops/\n*.mlpkg\n' > "$proj/.gitignore"
git -C "$proj" init -q
git -C "$proj" config user.name "mlops demo"
git -C "$proj" config user.email demo@example.com
git -C "$proj" add -A
git -C "$proj" commit -q -m "credit-risk 1.0.0"
port=$(free_port)
sed -i "s|    root: .mlops/staging|    root: .mlops/staging\n    url: http://127.0.0.1:$port|" "$proj/mlops.yaml"
"$MLOPS" -q -C "$proj" package -o "$out/v1.mlpkg" >/dev/null
sed -i 's/^version: .*/version: 1.1.0/' "$proj/mlops.yaml"
git -C "$proj" commit -q -am "credit-risk 1.1.0"
"$MLOPS" -q -C "$proj" package -o "$out/v2.mlpkg" >/dev/null
"$MLOPS" -C "$proj" deploy "$out/v1.mlpkg" --env staging
timeout 120 "$MLOPS" serve --root "$proj/.mlops/staging" --listen "127.0.0.1:$port" -q &
spid=$!
wait_ready "$port"
"$MLOPS" -C "$proj" deploy "$out/v2.mlpkg" --env staging --reason "the next version"
"$MLOPS" -C "$proj" rollback --env staging
"$MLOPS" -C "$proj" history --env staging
"$MLOPS" -C "$proj" status --env staging
git -C "$proj" tag -l 'credit-risk*'
kill -TERM "$(pgrep -P "$spid" || echo "$spid")" 2>/dev/null
wait "$spid" || true

step "Push it to the default registry (a local OCI layout: no server needed), pull it back" \
	"mlops push $bundle && mlops pull credit-risk:1.0.0 -o $out/pulled.mlpkg"
export XDG_DATA_HOME="$out/share"
"$MLOPS" push "$bundle"
"$MLOPS" pull credit-risk:1.0.0 -o "$out/pulled.mlpkg"
"$MLOPS" tags credit-risk

printf '\nDone. The bundle is %s\n' "$bundle"
