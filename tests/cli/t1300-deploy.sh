#!/bin/sh
# mlops deploy, rollback, history on a local environment with a real
# server (mlops serve --root): releases, the current link, reloads,
# smoke tests, automatic rollback, the ledger, the lock, and a deploy
# killed with -9 halfway, resolved by the next one.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
$PY - "$URL" <<'PY'
import sys
s = open("proj/mlops.yaml").read()
s = s.replace("    root: .mlops/staging", "    root: .mlops/staging\n    url: %s" % sys.argv[1])
open("proj/mlops.yaml", "w").write(s)
PY
ROOT=proj/.mlops/staging
must "$MLOPS" -C proj package -q -o "$SCRATCH/v1.mlpkg"
sed -i 's/^version: .*/version: 1.1.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v2.mlpkg"
# v3's own smoke tests expect what the model does not answer.
sed -i 's/^version: .*/version: 1.2.0/; s/probability: 0.0276/probability: 0.9/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v3.mlpkg"
sed -i 's/probability: 0.9/probability: 0.0276/' proj/mlops.yaml
D1=$(bundle_digest v1.mlpkg)
D2=$(bundle_digest v2.mlpkg)
version() { curl -s "$URL/model/info" | $PY -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>/dev/null; }
statuses() { "$MLOPS" -C proj history --env staging --json | $PY -c 'import json,sys; print(" ".join("%d:%s" % (r["revision"], r["status"]) for r in json.load(sys.stdin)))'; }

# Smoke tests required and no server: refused before anything changes.
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging --require-smoke
expect_rc 5 "--require-smoke, no server runs: exit 5"
expect_match "$ERR" "^mlops: error: no server runs for staging: its smoke tests cannot run, and they are required" "  says why"
expect_match "$ERR" "^hint: start .mlops serve --root .*staging., then deploy again" "  and how to start one"
ok $([ ! -s "$ROOT/ledger.jsonl" ] && [ ! -e "$ROOT/current" ] && echo 0 || echo 1) "  nothing changed: no revision, no current"
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env production --require-smoke
expect_rc 2 "--require-smoke, an environment without url: exit 2"
expect_match "$ERR" "environment production has no url: its smoke tests cannot run" "  says why"
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging --require-smoke --dry-run
expect_rc 5 "--require-smoke --dry-run checks it too"
cp -R proj nosmoke
$PY - <<'PY'
import re
p = "nosmoke/mlops.yaml"
s = open(p).read()
open(p, "w").write(re.sub(r"\nsmoke:\n(  .*\n|\n)*?(?=include:)", "\n", s))
PY
must "$MLOPS" -C nosmoke package -q -o "$SCRATCH/nosmoke.mlpkg"
run "$MLOPS" -C nosmoke deploy "$SCRATCH/nosmoke.mlpkg" --env staging --require-smoke
expect_rc 3 "--require-smoke, a bundle without smoke tests: exit 3"
expect_match "$ERR" "credit-risk [0-9.]+ declares no smoke tests, and they are required" "  says why"
rm -rf nosmoke

run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging
expect_rc 0 "the first deploy, before any server runs"
expect_match "$ERR" "no server runs for staging \\(start .mlops serve --root .*\\): smoke tests not run, the revision is unverified" "says how to start one, and that it is unverified"
expect_match "$OUT" "^deploy: revision 1 of staging is deployed \\(unverified: its smoke tests did not run\\)$" "the summary says unverified"
run "$MLOPS" -C proj history --env staging
expect_match "$OUT" "^1 .* deployed \\(unverified\\) +1\\.0\\.0 " "history: deployed (unverified)"
run "$MLOPS" -C proj history --env staging --json
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["status"], r["unverified"])')" \
	"deployed True" "history --json: status deployed, unverified"
expect_match "$(cat "$ROOT/ledger.jsonl")" '"unverified":true' "the ledger records it"
run "$MLOPS" -C proj status --env staging
expect_match "$OUT" "^  deployed  revision 1: credit-risk 1\\.0\\.0 \\(sha256:[0-9a-f]+\\), unverified: its smoke tests did not run$" "status: the deployed revision on its line, unverified"
expect_eq "$(readlink "$ROOT/current")" "releases/${D1#sha256:}" "current -> releases/<digest>"
ok $([ -f "$ROOT/releases/${D1#sha256:}/bundle.mlpkg" ] && echo 0 || echo 1) "the release holds the bundle"
expect_eq "$(stat -c %a "$ROOT/ledger.jsonl")" 600 "the ledger is 0600"

timeout 300 "$MLOPS" serve --root "$ROOT" --listen "127.0.0.1:$PORT" -q &
SPID=$!
at_exit "kill $SPID 2>/dev/null"
for _ in $(seq 200); do curl -s -o /dev/null "$URL/health/ready" && break; sleep 0.05; done
MPID=$(pgrep -P "$SPID")
at_exit "kill $MPID 2>/dev/null"
expect_eq "$(version)" 1.0.0 "the server serves current"
expect_eq "$(cat "$ROOT/serve.pid")" "$MPID" "and wrote serve.pid"

run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging --reason "new model" --require-smoke --json
expect_rc 0 "deploy v2 (--require-smoke, a server runs)"
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["deployed"], d["unverified"])')" \
	"True False" "--json: deployed, verified"
expect_match "$ERR" "3 smoke tests passed" "smoke tests ran against the reloaded server"
expect_eq "$(version)" 1.1.0 "the server reloaded v2"
expect_eq "$(statuses)" "1:superseded 2:deployed" "ledger: 1 superseded, 2 deployed"
run "$MLOPS" -C proj status --env staging --json
expect_rc 0 "status: healthy"
printf '%s' "$OUT" > st.json
expect_eq "$(json_get st.json 'd["revision"], d["version"], d["served_digest"] == d["deployed_digest"] == d["current"], d["ready"], d["healthy"]')" \
	"(2, '1.1.0', True, True, True)" "status: the deployed revision is what current points to and what the server serves"

run "$MLOPS" -C proj deploy "$SCRATCH/v3.mlpkg" --env staging
expect_rc 1 "deploy v3, whose smoke tests fail: exit 1"
expect_match "$ERR" "smoke test 'low-risk applicant' failed: probability" "the reason"
expect_match "$ERR" "rolled back: revision 4 serves credit-risk 1.1.0" "rolled back by itself"
expect_eq "$(version)" 1.1.0 "v2 serves again"
expect_eq "$(statuses)" "1:superseded 2:superseded 3:failed 4:deployed" "3 failed, 4 deployed (a new revision)"
"$MLOPS" -C proj history --env staging --json > h.json
expect_eq "$(json_get h.json 'd[3]["description"], d[1]["description"], d[3]["digest"]')" \
	"('Rollback to 2', 'new model', '$D2')" "descriptions and digests"
run "$MLOPS" -C proj history --env staging
expect_match "$OUT" "REVISION +UPDATED +STATUS +VERSION +DIGEST +DESCRIPTION" "history's columns"

run "$MLOPS" -C proj rollback --env staging
expect_rc 0 "rollback: the version deployed before"
expect_eq "$(version)" 1.0.0 "v1 serves"
expect_eq "$(statuses | awk '{print $NF}')" "5:deployed" "a new revision"
run "$MLOPS" -C proj rollback --env staging --to 3
expect_rc 2 "rollback to a failed revision: exit 2"
run "$MLOPS" -C proj rollback --env staging --to 2 --dry-run
expect_rc 0 "--dry-run"
expect_match "$ERR" "would roll staging back to revision 2" "says what it would do"
expect_eq "$(statuses | awk '{print $NF}')" "5:deployed" "and changes nothing"

# The lock: a live deploy's is respected, a dead one's taken over.
printf '%s %s %s\n' "$MPID" "$(hostname)" "$(date +%s)" > "$ROOT/lock"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 4 "locked by a live process: exit 4"
expect_match "$ERR" "locked by pid $MPID on $(hostname)" "who holds it"
sh -c 'exit 0' & dead=$!; wait $dead
printf '%s %s %s\n' "$dead" "$(hostname)" "$(date +%s)" > "$ROOT/lock"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "a dead process's lock is taken over"
expect_match "$ERR" "took over the lock of pid $dead .*that process is gone" "and reported"
ok $([ ! -e "$ROOT/lock" ] && echo 0 || echo 1) "the lock is released"

# kill -9 halfway: the server is stopped so the deploy waits; the next
# deploy finds the pending revision and puts current back.
kill -STOP "$MPID"
timeout 120 "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging --timeout 60 2> killed.err &
DPID=$!
for _ in $(seq 400); do grep -q '"status":"pending"' "$ROOT/ledger.jsonl" && [ "$(tail -1 "$ROOT/ledger.jsonl" | grep -c pending)" = 1 ] && break; sleep 0.05; done
for _ in $(seq 400); do grep -q "told the server" killed.err && break; sleep 0.05; done
kill -9 "$(pgrep -P "$DPID" || echo "$DPID")" "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
kill -CONT "$MPID"
expect_eq "$(statuses | awk '{print $NF}')" "7:pending" "killed: revision 7 is left pending"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "the next deploy goes through"
expect_match "$ERR" "revision 7 was left pending by pid [0-9]+ .*marking it failed" "it resolved the pending revision"
expect_eq "$(statuses | awk '{print $(NF-1), $NF}')" "7:failed 8:deployed" "7 failed, 8 deployed"
expect_eq "$(version)" 1.1.0 "and v2 serves"

# kill -9 at each step (MLOPS_TEST_KILL_AT), each resolved by the next
# command, all under load: no request fails.
printf '{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}' > body.json
timeout 280 "$MLOPS_SRC/tests/tools/load-gen" "$URL/predict" body.json stop count load.json 2 &
at_exit "touch $SCRATCH/stop"
for _ in $(seq 600); do [ "$(cat count 2>/dev/null || echo 0)" -ge 20 ] && break; sleep 0.05; done
next=v1
for step in pending installed switched signalled smoked; do
	run env MLOPS_TEST_KILL_AT=$step "$MLOPS" -C proj deploy "$SCRATCH/$next.mlpkg" --env staging
	expect_rc 137 "killed at '$step'"
	expect_match "$(statuses | awk '{print $NF}')" ":pending$" "left pending ($step)"
	if [ "$step" = pending ]; then
		# A live process holding the lock is a deploy under way: status
		# leaves its pending revision alone.
		printf '%s %s %s\n' "$MPID" "$(hostname)" "$(date +%s)" > "$ROOT/lock"
		run "$MLOPS" -C proj status --env staging
		expect_match "$ERR" "a deploy is under way: the environment is locked by pid $MPID" "status: a deploy under way is left alone"
		expect_match "$(statuses | awk '{print $NF}')" ":pending$" "its revision stays pending"
		rm -f "$ROOT/lock"
	fi
	run "$MLOPS" -C proj rollback --env staging --to 1
	expect_rc 0 "the next command recovers ($step)"
	expect_match "$ERR" "left pending by pid [0-9]+ .*marking it failed" "marks it failed ($step)"
	expect_eq "$(version)" 1.0.0 "the rolled-back version serves ($step)"
	run "$MLOPS" -C proj status --env staging
	expect_rc 0 "healthy again ($step)"
	next=v2
done
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "deploy under load"
run "$MLOPS" -C proj rollback --env staging
expect_rc 0 "rollback under load"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env staging
expect_rc 0 "and deploy again"
touch stop
for _ in $(seq 600); do [ -s load.json ] && break; sleep 0.05; done
expect_eq "$(json_get load.json 'd["failures"]')" 0 "no request failed through kills, deploys and rollbacks"
expect_match "$(json_get load.json 'sorted(d["versions"])')" "'1.0.0', '1.1.0'" "both versions answered"

run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg" --env nowhere
expect_rc 2 "an unknown environment: exit 2"
expect_match "$ERR" "no environment 'nowhere' in .*\\(staging, production\\)" "the names there are"
run "$MLOPS" -C proj deploy "$SCRATCH/v2.mlpkg"
expect_rc 2 "no --env: exit 2"
run "$MLOPS" -C proj deploy missing.mlpkg --env staging
expect_rc 4 "a missing bundle: exit 4"
kill -TERM "$MPID"
wait "$SPID"
ok $([ ! -e "$ROOT/serve.pid" ] && echo 0 || echo 1) "serve.pid is removed when the server stops"
run "$MLOPS" -C proj status --env staging
expect_rc 1 "status with the server down: exit 1"
expect_match "$OUT" "not answering" "says so"
run "$MLOPS" -C proj deploy "$SCRATCH/v1.mlpkg" --env staging
expect_match "$ERR" "not tagged: the bundle was not built from a git commit" "no git commit: no tag, said so"

# Old releases are pruned: the last keep_releases bundles that went live
# stay; a release that never went live goes at the next deploy.
expect_eq "$(ls "$ROOT/releases" | sort | tr '\n' ' ')" "$(printf '%s\n' "${D1#sha256:}" "${D2#sha256:}" | sort | tr '\n' ' ')" \
	"the failed v3's release is gone, v1 and v2 stay"
sed -i 's|^    root: .mlops/staging$|    root: .mlops/staging\n    keep_releases: 2|; s/^version: .*/version: 1.4.0/' proj/mlops.yaml
must "$MLOPS" -C proj package -q -o "$SCRATCH/v5.mlpkg"
run "$MLOPS" -C proj deploy "$SCRATCH/v5.mlpkg" --env staging
expect_rc 0 "deploy with keep_releases: 2"
expect_match "$ERR" "removed 1 old release \\(keep_releases: 2\\)" "one removed"
expect_eq "$(ls "$ROOT/releases" | wc -l)" 2 "two releases left"
ok $([ -f "$ROOT/current/bundle.mlpkg" ] && echo 0 || echo 1) "current still resolves"

# Git tags in GTO's grammar on the commit the bundle came from.
copy_example repo
printf '.mlops/\n*.mlpkg\n' > repo/.gitignore
git -C repo init -q && git -C repo add -A && git -C repo commit -q -m "model"
C1=$(git -C repo rev-parse HEAD)
must "$MLOPS" -C repo package -q -o "$SCRATCH/g1.mlpkg"
G1=$(bundle_digest g1.mlpkg)
git -C repo tag -a "credit-risk@v1.0.0#5" -m "Registering artifact credit-risk version v1.0.0"
run "$MLOPS" -C repo deploy "$SCRATCH/g1.mlpkg" --env staging
expect_rc 0 "deploy from a git project"
expect_match "$ERR" "tagged credit-risk#staging#6" "tagged, counting past the highest counter (#5)"
expect_eq "$(git -C repo rev-list -n1 'credit-risk#staging#6')" "$C1" "on the bundle's commit"
expect_eq "$(git -C repo cat-file -p 'credit-risk#staging#6' | sed -n '/^$/,$p' | sed 1d)" \
	"Assigning stage staging to artifact credit-risk version v1.0.0

Bundle-Digest: $G1" "GTO's message and the digest trailer"
run "$MLOPS" -C repo deploy "$SCRATCH/g1.mlpkg" --env production --json
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["tag"])')" "credit-risk#production#7" \
	"another environment: the next counter, in --json"
run "$MLOPS" -C repo deploy "$SCRATCH/g1.mlpkg" --env staging --no-tag
expect_eq "$(git -C repo tag -l 'credit-risk#*' | wc -l)" 2 "--no-tag writes none"

# --push-tags: to origin, with libgit2.
git init -q --bare origin.git
git -C repo remote add origin "$SCRATCH/origin.git"
run "$MLOPS" -C repo deploy "$SCRATCH/g1.mlpkg" --env staging --push-tags --json
expect_rc 0 "deploy --push-tags"
expect_match "$ERR" "pushed credit-risk#staging#8 to origin" "says it pushed"
expect_eq "$(git -C origin.git tag -l 'credit-risk#*')" "credit-risk#staging#8" "the tag is on origin, and only it"
expect_eq "$(git -C origin.git rev-list -n1 'credit-risk#staging#8')" "$C1" "pointing at the bundle's commit"
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["tag"], d["tag_pushed"])')" \
	"credit-risk#staging#8 True" "--json: tag_pushed"
git -C repo remote set-url origin "$SCRATCH/no-such-remote.git"
run "$MLOPS" -C repo rollback --env staging --to 1 --push-tags
expect_rc 0 "a tag that cannot be pushed does not fail the rollback"
expect_match "$ERR" "not pushed: cannot push credit-risk#staging#9 to origin .*no-such-remote" "says why it was not pushed"
git -C repo remote remove origin
run "$MLOPS" -C repo rollback --env staging --to 1 --push-tags
expect_match "$ERR" "not pushed: no remote to push the tag to" "no origin: said so"
git -C repo remote add origin "https://deployer:tok3n-s3cret@127.0.0.1:1/acme/model.git"
MLOPS_GIT_TOKEN=env-tok3n-s3cret run "$MLOPS" -C repo rollback --env staging --to 1 --push-tags
expect_rc 0 "a push to an unreachable https origin does not fail the rollback"
expect_match "$ERR" "not pushed: cannot push .* \\(https://127.0.0.1:1/acme/model.git\\)" "the remote is named without its credentials"
expect_no_match "$OUT$ERR" "tok3n" "no token from the URL or the environment appears"

# A bare NAME:TAG names a bundle of the default registry (a local store
# under XDG_DATA_HOME here); a name ending in .mlpkg is always a file.
must "$MLOPS" push v1.mlpkg credit-risk:1.0.0
run "$MLOPS" -C proj deploy credit-risk:1.0.0 --env staging --dry-run
expect_rc 0 "deploy NAME:TAG pulls from the default registry"
expect_match "$ERR" "would deploy credit-risk 1.0.0 \\($D1\\)" "the bundle that was pushed"
run "$MLOPS" -C proj deploy credit-risk:9.9.9 --env staging --dry-run
expect_rc 3 "an unknown tag: exit 3"
expect_match "$ERR" "there is no file 'credit-risk:9.9.9' either" "and says it is not a file either"
run "$MLOPS" -C proj deploy nothere.mlpkg --env staging --dry-run
expect_rc 4 "a missing .mlpkg file is a missing file, not a registry lookup"
done_testing
