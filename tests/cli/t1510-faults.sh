#!/bin/sh
# Faults: a disk that fills up while packaging, unpacking, installing a
# release and filling the model cache (tests/tools/enospc.c, preloaded:
# writes under one directory get ENOSPC after N bytes), and a damaged
# model cache. Each ends in a clear error or a correct answer, nothing
# already stored is lost, and the next command recovers.
. "$(dirname "$0")/lib.sh"

# full DIR BYTES CMD...: CMD with DIR holding BYTES more bytes at most.
# (An ASan build must let the shim load after its runtime.)
full() {
	d=$1 n=$2
	shift 2
	MLOPS_ENOSPC_DIR="$d" MLOPS_ENOSPC_AFTER="$n" \
		LD_PRELOAD="$MLOPS_BUILD/tests/libenospc.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@"
}
# The shim itself must work, or every check below proves nothing.
mkdir -p disk
full "$SCRATCH/disk" 10 $PY -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)
print(os.write(fd, b"0123456789abcdef"))
os.write(fd, b"x")' "$SCRATCH/disk/probe" > probe.out 2> probe.err
expect_eq "$(cat disk/probe)" "0123456789" "the full-disk shim lets 10 bytes through"
expect_eq "$(cat probe.out)" 10 "as a short write"
expect_match "$(cat probe.err)" "No space left on device" "and then says ENOSPC"
rm -f disk/probe

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/good.mlpkg"
SIZE=$(stat -c %s good.mlpkg)
G=proj/data/golden.csv

# package: nothing half-written, an earlier bundle of that name kept.
mkdir -p out
cp good.mlpkg out/b.mlpkg
sed -i 's/^version: .*/version: 1.0.1/' proj/mlops.yaml
for n in 0 4096 300000 $((SIZE - 1000)); do
	run full "$SCRATCH/out" $n "$MLOPS" -C proj package -o "$SCRATCH/out/b.mlpkg"
	expect_rc 4 "package with $n bytes free: exit 4"
	expect_match "$ERR" "No space left on device" "says the disk is full ($n)"
	expect_eq "$(ls -A out)" "b.mlpkg" "no temporary file left ($n)"
	cmp -s good.mlpkg out/b.mlpkg
	ok $? "the bundle already there is untouched ($n)"
done
run "$MLOPS" -C proj package -o "$SCRATCH/out/b.mlpkg"
expect_rc 0 "with room again, package works"
sed -i 's/^version: .*/version: 1.0.0/' proj/mlops.yaml

# unpack: a clear error; the next run finishes the job.
mkdir -p disk2
for n in 0 50000; do
	rm -rf disk2/unpacked
	run full "$SCRATCH/disk2" $n "$MLOPS" unpack good.mlpkg -o "$SCRATCH/disk2/unpacked"
	expect_rc 4 "unpack with $n bytes free: exit 4"
	expect_match "$ERR" "No space left on device" "says the disk is full ($n)"
	expect_eq "$(ls -A disk2)" "" "nothing half-written is left ($n)"
	run "$MLOPS" unpack good.mlpkg -o "$SCRATCH/disk2/unpacked" --force
	expect_rc 0 "the next unpack, with room, works ($n)"
	cmp -s disk2/unpacked/model/model.json proj/model/model.json
	ok $? "and the model it wrote is whole ($n)"
done

# deploy: the disk of the environment fills up. At 0 bytes not even the
# pending revision can be written; at 600 it is, and the release is not.
ROOT=proj/.mlops/staging
run "$MLOPS" -C proj deploy "$SCRATCH/good.mlpkg" --env staging --no-tag
expect_rc 0 "a first deploy (no server: nothing to reload)"
cp "$ROOT/ledger.jsonl" ledger.before
sed -i 's/^version: .*/version: 1.0.2/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/next.mlpkg"
sed -i 's/^version: .*/version: 1.0.0/' proj/mlops.yaml
D1=$(bundle_digest good.mlpkg)
D2=$(bundle_digest next.mlpkg)
for n in 0 600; do
	run full "$SCRATCH/$ROOT" $n "$MLOPS" -C proj deploy "$SCRATCH/next.mlpkg" --env staging --no-tag
	expect_rc 4 "deploy with $n bytes free: exit 4"
	expect_match "$ERR" "No space left on device" "says the disk is full ($n)"
	expect_eq "$(readlink "$ROOT/current")" "releases/${D1#sha256:}" "current still names the live release ($n)"
	cmp -s "$ROOT/releases/${D1#sha256:}/bundle.mlpkg" good.mlpkg
	ok $? "the live release is intact ($n)"
	head -c "$(stat -c %s ledger.before)" "$ROOT/ledger.jsonl" | cmp -s - ledger.before
	ok $? "the ledger's earlier lines are intact ($n)"
done
run "$MLOPS" -C proj status --env staging
expect_rc 0 "status with room again resolves what was left pending"
run "$MLOPS" -C proj deploy "$SCRATCH/next.mlpkg" --env staging --no-tag
expect_rc 0 "the next deploy works"
expect_eq "$(readlink "$ROOT/current")" "releases/${D2#sha256:}" "and the new release is live"
run "$MLOPS" -C proj history --env staging --json
echo "$OUT" > h.json
expect_eq "$(json_get h.json '[r["status"] for r in d][-1]')" "deployed" "the history ends deployed"
ok $(json_get h.json '"pending" in [r["status"] for r in d] and 1 or 0') \
	"no revision is left pending: $(json_get h.json '[r["status"] for r in d]')"

# The model cache fills up: the server cannot start, says why, and leaves
# no marked (trusted) entry behind; with room it starts.
export XDG_CACHE_HOME="$SCRATCH/cache"
mkdir -p cache
run full "$SCRATCH/cache" 20000 timeout 60 "$MLOPS" serve good.mlpkg --listen 127.0.0.1:0 -q
expect_rc 4 "serve with a full cache disk: exit 4"
expect_match "$ERR" "No space left on device" "says the disk is full"
expect_eq "$(find cache -name '.mlops-cache-*' | wc -l)" 0 "no cache entry is marked complete"
run "$MLOPS" predict good.mlpkg --input "$G" -o "$SCRATCH/p0.csv"
expect_rc 0 "with room, the cache is filled and used"

# A damaged cache: each damage is noticed and the bundle unpacked again;
# predictions stay those of the bundle.
E=$(ls -d cache/mlops/bundles/*)
damage() {
	case $1 in
	truncated) truncate -s 100 "$E/model/model.json" ;;
	altered) printf 'X' | dd of="$E/model/model.json" bs=1 seek=500 conv=notrunc 2>/dev/null ;;
	removed) rm "$E/model/model.json" ;;
	directory) rm "$E/model/model.json" && mkdir "$E/model/model.json" ;;
	symlink) rm "$E/model/model.json" && ln -s /etc/passwd "$E/model/model.json" ;;
	dataset) : > "$E/data/golden.csv" ;;
	emptied) find "$E" -mindepth 1 ! -name '.mlops-cache-*' -exec rm -rf {} + 2>/dev/null ;;
	file) rm -rf "$E" && echo junk > "$E" ;;
	esac
}
for how in truncated altered removed directory symlink dataset emptied file; do
	damage $how
	run "$MLOPS" predict good.mlpkg --input "$G" -o "$SCRATCH/p-$how.csv"
	expect_rc 0 "cache entry $how: predict still works"
	cmp -s p0.csv "p-$how.csv"
	ok $? "with the bundle's predictions ($how)"
	cmp -s "$E/model/model.json" proj/model/model.json
	ok $? "and the cache entry is whole again ($how)"
done
run "$MLOPS" validate good.mlpkg
expect_rc 0 "validate is content with the repaired cache"
done_testing
