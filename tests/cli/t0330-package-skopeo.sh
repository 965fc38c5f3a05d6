#!/bin/sh
# Interop: Debian's skopeo reads the bundle as an oci-archive.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
digest=$(bundle_digest b.mlpkg)

run skopeo inspect --raw oci-archive:b.mlpkg
expect_rc 0 "skopeo inspect --raw oci-archive:FILE"
printf '%s' "$OUT" > raw.json
expect_eq "sha256:$(sha256sum raw.json | cut -d' ' -f1)" "$digest" "skopeo sees the manifest mlops reports"
expect_eq "$(json_get raw.json 'd["artifactType"]')" "application/vnd.cncf.model.manifest.v1+json" "artifactType intact"

run skopeo copy --quiet oci-archive:b.mlpkg oci:"$SCRATCH/layout:1.0.0"
expect_rc 0 "skopeo copy oci-archive:FILE oci:DIR (verifies every blob)"
[ "$RC" -eq 0 ] || diag "$ERR"
expect_eq "$(json_get layout/index.json 'd["manifests"][0]["digest"]')" "$digest" "the copy has the same manifest digest"
expect_eq "$(ls layout/blobs/sha256 | wc -l)" "8" "all eight blobs copied"
done_testing
