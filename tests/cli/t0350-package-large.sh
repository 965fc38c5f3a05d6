#!/bin/sh
# Large model files: memory stays bounded (the file is streamed, hashed
# while copied), the digest is right, and a terminal gets a progress bar.
. "$(dirname "$0")/lib.sh"

copy_example proj
cd proj
# 1 GiB, sparse: cheap to make, as costly to package as any other.
dd if=/dev/zero of=model/big.bin bs=1M count=0 seek=1024 2>/dev/null
printf 'tail' >> model/big.bin
# The model stays model/model.json (package loads it); the big file
# travels beside it as a dataset.
sed 's|^include:|include:\n  - path: model/big.bin\n    kind: dataset|' mlops.yaml > big.yaml

/usr/bin/time -f '%M' -o rss.txt "$MLOPS" package -f big.yaml -o big.mlpkg > out.txt 2> err.txt
ok $? "a 1 GiB model packages"
expect_no_match "$(cat err.txt)" 'packaging \[' "no progress bar when stderr is not a terminal"
rss_kb=$(tail -1 rss.txt)
# Sanitizers add their own shadow memory and quarantine; the bound still
# proves the 1 GiB file is never held in memory.
limit_mb=64
[ -n "${MLOPS_SANITIZE:-}" ] && limit_mb=512
ok $([ "$rss_kb" -lt $((limit_mb * 1024)) ] && echo 0 || echo 1) \
	"peak memory under $limit_mb MiB (was ${rss_kb} KiB)"
want="sha256:$(openssl dgst -sha256 -r model/big.bin | cut -d' ' -f1)"
size=$(stat -c %s model/big.bin)
ok $([ "$(stat -c %s big.mlpkg)" -gt "$size" ] && echo 0 || echo 1) "the bundle holds the whole file"
run "$MLOPS" --json inspect big.mlpkg
expect_rc 0 "inspect reads a large bundle"
printf '%s' "$OUT" > info.json
expect_eq "$(json_get info.json '[f["digest"] for f in d["files"] if f["path"]=="model/big.bin"][0]')" \
	"$want" "the large file's digest is right"
expect_eq "$(json_get info.json '[l["size"] > '"$size"' for l in d["layers"] if l.get("name")=="dataset.tar"][0]')" "True" \
	"the dataset layer holds the whole file"

# Progress on a terminal (script(1) gives the command a pty), none otherwise.
MLOPS_PROGRESS_DELAY_MS=0 script -qec "$MLOPS package -f big.yaml -o tty.mlpkg" /dev/null > tty.txt 2>&1
expect_match "$(tr '\r' '\n' < tty.txt)" '^packaging \[[#.]+\] +[0-9]+%' "a progress bar on a terminal"
cmp -s tty.mlpkg big.mlpkg
ok $? "progress does not change the bundle"
done_testing
