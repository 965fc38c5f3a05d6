#!/bin/sh
# Every hostile or broken bundle (tests/tools/make-hostile-bundles: path
# traversal, absolute paths, links, devices, duplicates, huge declared
# sizes, a decompression bomb, tampered or missing blobs, non-UTF-8 names,
# ...) is refused by serve, a fleet instance's seed and admin upload, and
# deploy, with a clear error; nothing stored, nothing written outside.
# (inspect, validate and unpack have their own in t0400, t0600, t0700.)
. "$(dirname "$0")/lib.sh"

export MLOPS_ADMIN_KEY=hostile-admin-key
copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/good.mlpkg"
"$MLOPS_SRC/tests/tools/make-hostile-bundles" good.mlpkg hostile
n=$(ls hostile | wc -l)
ok $([ "$n" -ge 20 ] && echo 0 || echo 1) "$n hostile bundles"

# One fleet instance to upload to.
start_instance inst.log --state inst good.mlpkg --listen 127.0.0.1:0 \
	--admin-listen 127.0.0.1:0 --log-file access.log
ok $([ -n "$ADMIN" ] && echo 0 || echo 1) "the instance is up"
GOOD=$(bundle_digest good.mlpkg)

for f in hostile/*.mlpkg; do
	h=$(basename "$f" .mlpkg)
	run timeout 60 "$MLOPS" serve "$f" --listen 127.0.0.1:0 -q
	expect_rc 3 "serve refuses '$h' (exit 3)"
	expect_match "$ERR" "^mlops: error: " "serve says why ('$h')"
	run timeout 60 "$MLOPS" serve --state "seed-$h" "$f" --listen 127.0.0.1:0 -q
	ok $([ "$RC" -eq 3 ] || [ "$RC" -eq 4 ] && echo 0 || echo 1) "a fleet instance refuses '$h' as its seed (exit $RC)"
	expect_eq "$(ls "seed-$h/bundles" 2>/dev/null | wc -l)" 0 "and stores nothing ('$h')"
	code=$(curl -s -o up.json -w '%{http_code}' -X PUT -H "Authorization: Bearer $MLOPS_ADMIN_KEY" \
		--data-binary "@$f" "$ADMIN/admin/bundles/$GOOD")
	ok $(case $code in 400|413|422) echo 0 ;; *) echo 1 ;; esac) "the admin API refuses '$h' ($code)"
	run "$MLOPS" -C proj deploy "$SCRATCH/$f" --env staging --no-tag
	expect_rc 3 "deploy refuses '$h' (exit 3)"
done
expect_eq "$(ls inst/bundles)" "${GOOD#sha256:}.mlpkg" "the instance still holds only its good bundle"
expect_eq "$(ls -A inst/bundles | wc -l)" 1 "and no temporary file"
ok $([ ! -e proj/.mlops/staging/ledger.jsonl ] && echo 0 || echo 1) "no deploy reached the ledger"
ok $([ ! -d proj/.mlops/staging/releases ] || [ -z "$(ls proj/.mlops/staging/releases)" ] && echo 0 || echo 1) "no release was installed"
# Nothing escaped: the traversal and absolute-path members name these.
ok $([ ! -e "$SCRATCH/../evil.txt" ] && [ ! -e /tmp/mlops-evil.txt ] && [ ! -e "$SCRATCH/evil.txt" ] && echo 0 || echo 1) \
	"nothing written outside (../../evil.txt, /tmp/mlops-evil.txt)"
run curl -s -H "Authorization: Bearer $MLOPS_ADMIN_KEY" "$ADMIN/admin/state"
expect_match "$OUT" "\"stable\":\\{\"digest\":\"$GOOD\"" "the instance still serves the good bundle"
done_testing
