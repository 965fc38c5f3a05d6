#!/bin/sh
# Byte-identical bundles for identical inputs, whatever the file mtimes,
# umask, directory order or working directory; time from SOURCE_DATE_EPOCH,
# else the HEAD commit, else 0.
. "$(dirname "$0")/lib.sh"

# A missing bundle has no digest: two failed packages never look equal.
digest() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo "missing $1"; fi; }

# Two copies of one project, made differently: files created in opposite
# orders (so directory order differs), other mtimes, another umask.
copy_example a
mkdir b b/data b/model
for f in $(cd a && find . -type f | sort -r); do
	mkdir -p "b/$(dirname "$f")"
	(umask 077 && cp "a/$f" "b/$f")
done
chmod 755 b/train.py
touch -d '2001-02-03 04:05:06' $(find a -type f)
touch -d '2024-06-07 08:09:10' $(find b -type f)

(cd a && umask 022 && "$MLOPS" package -q -o "$SCRATCH/a.mlpkg" >/dev/null)
ok $? "package a"
(cd b && umask 077 && "$MLOPS" package -q -o "$SCRATCH/b.mlpkg" >/dev/null)
ok $? "package b"
expect_eq "$(digest b.mlpkg)" "$(digest a.mlpkg)" \
	"same bytes despite mtimes, umask and directory order"
must "$MLOPS" -C a package -q -o "$SCRATCH/c.mlpkg"
expect_eq "$(digest c.mlpkg)" "$(digest a.mlpkg)" "same bytes when run with -C"

tar tvf a.mlpkg | awk '{print $4" "$5}' | sort -u > times.txt
expect_eq "$(cat times.txt)" "1970-01-01 00:00" "no git, no SOURCE_DATE_EPOCH: time 0"

must env SOURCE_DATE_EPOCH=1700000000 "$MLOPS" -C a package -q -o "$SCRATCH/d.mlpkg"
tar tvf d.mlpkg | awk '{print $4" "$5}' | sort -u > times.txt
expect_eq "$(cat times.txt)" "2023-11-14 22:13" "SOURCE_DATE_EPOCH sets every time"
ok $([ "$(digest d.mlpkg)" != "$(digest a.mlpkg)" ] && echo 0 || echo 1) \
	"another time gives another bundle"

# In git: the HEAD commit's time, and identical bundles from two clones.
(cd a && git init -q && git add -A && \
	GIT_COMMITTER_DATE='2025-01-02T03:04:05Z' GIT_AUTHOR_DATE='2025-01-02T03:04:05Z' \
	git commit -q -m init)
git clone -q a a2
touch -d '2030-01-01' $(find a2 -type f -not -path '*/.git/*')
must "$MLOPS" -C a package -q -o "$SCRATCH/g1.mlpkg"
must "$MLOPS" -C a2 package -q -o "$SCRATCH/g2.mlpkg"
tar tvf g1.mlpkg | awk '{print $4" "$5}' | sort -u > times.txt
expect_eq "$(cat times.txt)" "2025-01-02 03:04" "in git: the commit's time"
# The clone's remote differs (a2 has origin, a has none), so compare the
# model layer and the config's createdAt instead of whole bundles.
m1=$("$MLOPS" --json inspect g1.mlpkg | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["layers"][0]["digest"], d["created"], d["provenance"]["commit"])')
m2=$("$MLOPS" --json inspect g2.mlpkg | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["layers"][0]["digest"], d["created"], d["provenance"]["commit"])')
expect_eq "$m2" "$m1" "two clones: same layers, time and commit"
must "$MLOPS" -C a2 package -q -o "$SCRATCH/g3.mlpkg"
expect_eq "$(digest g3.mlpkg)" "$(digest g2.mlpkg)" "same clone twice: same bytes"
done_testing
