#!/bin/sh
# An example end to end: package (its quality gates), validate the bundle
# and the live data, batch predictions, serve + smoke tests, and drift on
# data/current.csv (each example plants some: --fail-on column makes one
# drifted column a finding, exit 1 expected). Exits
# non-zero at the first step that does not do what it should.
#   sh examples/check.sh examples/house-prices     (MLOPS names the binary)
set -eu
cd "$1"
MLOPS=${MLOPS:-mlops}
name=$(sed -n 's/^name: *//p' mlops.yaml)
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
bundle=$work/$name.mlpkg

echo "== $name: package (the golden set must pass the gates)"
"$MLOPS" package -o "$bundle"
echo "== validate the bundle, and the live data against the contract"
"$MLOPS" validate "$bundle"
"$MLOPS" validate --data data/current.csv --bundle "$bundle"
echo "== batch predictions"
"$MLOPS" predict "$bundle" --input data/golden.csv --output "$work/pred.csv"
head -3 "$work/pred.csv"
echo "== serve, and run the smoke tests against it"
"$MLOPS" serve "$bundle" --listen 127.0.0.1:0 --log-file "$work/access.log" 2> "$work/serve.log" &
pid=$!
for _ in $(seq 1200); do grep -q "; ready" "$work/serve.log" && break; kill -0 "$pid" || exit 1; sleep 0.05; done
url=$(sed -n 's|.*listening on \(http://[0-9.:]*\)$|\1|p' "$work/serve.log")
"$MLOPS" smoke "$url" --bundle "$bundle"
kill "$pid"; wait "$pid" || true; pid=
echo "== drift of data/current.csv from the bundle's reference"
set +e
"$MLOPS" drift --bundle "$bundle" --current data/current.csv --fail-on column
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "$name: expected drift (exit 1), got $rc" >&2; exit 1; }
echo "$name: ok"
