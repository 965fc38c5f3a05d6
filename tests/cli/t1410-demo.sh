#!/bin/sh
# `make demo`, the guided tour, runs through and shows what it promises:
# every step, the planted drift found, the smoke tests, a deploy, the next
# version, a rollback and the history, push and pull; nothing left running.
. "$(dirname "$0")/lib.sh"

run env MLOPS="$MLOPS" DEMO_OUT="$SCRATCH/demo" sh "$MLOPS_SRC/examples/demo.sh"
expect_rc 0 "the demo runs through"
expect_eq "$(printf "%s\n" "$OUT" | grep -c "^==> ")" 14 "fourteen narrated steps"
expect_match "$OUT" "All checks passed" "validate"
expect_match "$OUT" "2 of 2 smoke tests passed|3 of 3 smoke tests passed" "smoke"
expect_match "$OUT" "exit status 1: income and debt_ratio were shifted" "the planted drift is found (exit 1)"
ok $([ -s "$SCRATCH/demo/drift.html" ] && echo 0 || echo 1) "the HTML drift report is written"
expect_match "$OUT" "GET /docs -> .*: [0-9]+ routes" "the API docs page"
expect_match "$(cat "$SCRATCH/demo/docs.html" 2>/dev/null)" "<code>credit_score</code>" "docs.html lists the inputs"
expect_match "$OUT" "Rollback to 1" "deploy, the next version, a rollback"
expect_match "$OUT" "REVISION +UPDATED +STATUS" "the history"
expect_match "$OUT" "credit-risk#staging#3" "release tags in the demo's own repository"
expect_match "$OUT" "Done. The bundle is" "the end"
expect_eq "$(pgrep -f "$SCRATCH/demo" | wc -l)" 0 "no process left running"
done_testing
