#!/bin/sh
# The guided tour of mlops on the credit-risk example (make demo).
set -eu
MLOPS=${MLOPS:-build/mlops}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build/demo"
rm -rf "$out"
mkdir -p "$out"
bundle="$out/credit-risk-1.0.0.mlpkg"

if [ -t 1 ]; then b=$(printf '\033[1m'); r=$(printf '\033[0m'); else b=; r=; fi
step() { printf '\n%s==> %s%s\n$ %s\n' "$b" "$1" "$r" "$2"; }

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

printf '\nDone. The bundle is %s\n' "$bundle"
