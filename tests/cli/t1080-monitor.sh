#!/bin/sh
# mlops monitor: live performance from a prediction store, equal to
# scikit-learn's on the same rows; per version and per UTC day; judged
# against the bundle's golden set by its monitor: rules and gates (exit 1
# on a drop, 0 when it holds, windows under min_labels not judged); the
# table, --json, --markdown (and the step summary), --html with plots;
# bad stores, bundles and monitor: sections.
. "$(dirname "$0")/lib.sh"

copy_example proj
cat >> proj/mlops.yaml <<'EOF'

monitor:
  min_labels: 50
  accuracy: {max_drop: 0.05}
  auc: {max_drop: 5%}
  log_loss: {max_rise: 0.1}
EOF
(cd proj && must "$MLOPS" package -q)
B=proj/credit-risk-1.0.0.mlpkg
must "$MLOPS" predict "$B" --input proj/data/golden.csv --format jsonl -o golden.jsonl

# Three days of version 1.0.0 (UTC): the golden set answered and labelled
# truly on 2025-03-01 and 03-02, with 40% of its labels flipped on 03-03;
# unlabelled rows each day; version 1.1.0 (no baseline) on 03-02.
$PY - proj/data/golden.csv golden.jsonl > rows.jsonl <<'PY'
import csv, json, sys
labels = [int(r["default"]) for r in csv.DictReader(open(sys.argv[1]))]
answers = [json.loads(l) for l in open(sys.argv[2])]
day = 86400000
t0 = 1740787200000  # 2025-03-01T00:00:00Z
for d in range(3):
    for i, (a, y) in enumerate(zip(answers, labels)):
        out = {"prediction": a["prediction"], "probability": a["probability"]}
        ts = t0 + d * day + i * 60000
        if d == 2 and i % 5 < 2:
            y = 1 - y
        print(json.dumps({"ts_ms": ts, "model": "credit-risk", "version": "1.0.0",
                          "output": out, "label": y}))
        if i % 10 == 0:
            print(json.dumps({"ts_ms": ts + 1, "model": "credit-risk",
                              "version": "1.0.0", "output": out}))
for i, (a, y) in enumerate(zip(answers[:200], labels)):
    print(json.dumps({"ts_ms": t0 + day + 43200000 + i * 1000, "model": "credit-risk",
                      "version": "1.1.0", "output": {"prediction": a["prediction"],
                      "probability": a["probability"]}, "label": y}))
PY
must "$MLOPS_SRC/tests/tools/store-rows" store.db < rows.jsonl
S="--store sqlite:store.db --since 2025-03-01 --until 2025-03-04"

# Without a bundle: the numbers, equal to sklearn's, nothing judged.
run "$MLOPS" monitor $S --json
expect_rc 0 "monitor --json without a bundle: exit 0 (nothing judged)"
printf '%s\n' "$OUT" > all.json
$PY "$MLOPS_SRC/tests/tools/store-rows" --sklearn < rows.jsonl > sk.json
run $PY - all.json sk.json <<'PY'
import json, sys
m, sk = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
worst, n = 0.0, 0
for g in m["groups"]:
    want = sk[g["model"] + " " + g["version"]]
    for k, v in want.items():
        got = g["metrics"][k]
        assert (got is None) == (v is None), (k, got, v)
        if v is not None:
            worst = max(worst, abs(got - v) / max(abs(v), 1e-300))
            n += 1
print(n, worst)
assert n == 12 and worst <= 1e-12, worst
PY
expect_rc 0 "every metric equals scikit-learn's on the same rows (1e-12 relative): $OUT"
expect_eq "$(json_get all.json '[(g["version"], g["predictions"], g["labelled"]) for g in d["groups"]]')" \
	"[('1.0.0', 1650, 1500), ('1.1.0', 200, 200)]" "counts per version: predictions and labelled rows"
expect_eq "$(json_get all.json 'd["pass"], d["baseline"], d["groups"][0]["status"]')" \
	"(True, None, 'unchecked')" "no bundle: no baseline, unchecked"

# With the bundle, per day: 03-03 fell; the baseline is validate's.
run "$MLOPS" monitor $S --bundle "$B" --by day --json
expect_rc 1 "monitor --bundle --by day: a day fell more than allowed: exit 1"
printf '%s\n' "$OUT" > day.json
run "$MLOPS" validate "$B" --json
expect_rc 0 "validate the bundle"
printf '%s\n' "$OUT" > validate.json
expect_eq "$(json_get day.json 'round(d["baseline"]["metrics"]["auc"], 12)')" \
	"$(json_get validate.json 'round(d["evaluation"]["metrics"]["auc"], 12)')" \
	"the baseline is the golden-set evaluation validate reports"
expect_eq "$(json_get day.json '[(g["version"], g["window"], g["start"][:10], g["predictions"], g["used"], g["status"]) for g in d["groups"]]')" \
	"[('1.0.0', 'total', '2025-03-01', 1650, 1500, 'fail'), ('1.0.0', 'bucket', '2025-03-01', 550, 500, 'pass'), ('1.0.0', 'bucket', '2025-03-02', 550, 500, 'pass'), ('1.0.0', 'bucket', '2025-03-03', 550, 500, 'fail'), ('1.1.0', 'total', '2025-03-01', 200, 200, 'unchecked'), ('1.1.0', 'bucket', '2025-03-02', 200, 200, 'unchecked')]" \
	"--by day: UTC days, counts, the flipped day fails"
expect_eq "$(json_get day.json '[(c["kind"], c["metric"], c["pass"]) for c in d["groups"][3]["checks"]]')" \
	"[('max_drop', 'accuracy', False), ('max_drop', 'auc', False), ('max_rise', 'log_loss', False), ('gate', 'auc', False), ('gate', 'accuracy', False)]" \
	"the rules and the gates (latency_p95_ms left out) on 03-03, all failed"
expect_eq "$(json_get day.json '[c["pass"] for c in d["groups"][1]["checks"]]')" \
	"[True, True, True, True, True]" "a day equal to the golden set holds every rule"
expect_eq "$(json_get day.json 'd["groups"][1]["metrics"]["accuracy"] == d["baseline"]["metrics"]["accuracy"]')" \
	"True" "and its accuracy is the baseline's"

# The good days only: exit 0.
run "$MLOPS" monitor --store sqlite:store.db --since 2025-03-01 --until 2025-03-03 --bundle "$B"
expect_rc 0 "the days that hold: exit 0"
expect_match "$OUT" "credit-risk 1.0.0 +total +1100 +1000 .* pass" "the table shows the version passing"
expect_match "$OUT" "holds its monitor rules and gates" "and says so"

# The table names what failed.
run "$MLOPS" monitor $S --bundle "$B" --by day --color never
expect_rc 1 "the table: exit 1"
expect_match "$OUT" "^1\.0\.0 2025-03-03: accuracy 0\.[0-9]+ fell 0\.[0-9]+ from the baseline 0\.7600 \(max_drop 0\.0500\)" \
	"a failed rule in words"
expect_match "$OUT" "2 windows of 1\.0\.0 are failing" "the verdict"

# min_labels: windows with fewer labelled rows are not judged.
run "$MLOPS" monitor $S --bundle "$B" --by day --min-labels 600 --json
expect_rc 1 "--min-labels 600: the whole window (1500) is still judged"
printf '%s\n' "$OUT" > few.json
expect_eq "$(json_get few.json '[g["status"] for g in d["groups"] if g["version"] == "1.0.0"]')" \
	"['fail', 'not enough labels', 'not enough labels', 'not enough labels']" \
	"days of 500 labelled rows are not judged"
run "$MLOPS" monitor $S --bundle "$B" --min-labels 2000
expect_rc 0 "nothing with enough labels: exit 0"
expect_match "$OUT" "not enough labels" "and says why"

# --markdown, and the step summary in Actions.
run env GITHUB_STEP_SUMMARY="$SCRATCH/summary.md" "$MLOPS" monitor $S --bundle "$B" --by day --markdown
expect_rc 1 "--markdown: exit 1"
expect_match "$OUT" '^### Model performance: \*\*failing\*\*' "a Markdown heading"
expect_match "$OUT" '^\| 1\.0\.0 \| 2025-03-03 \| 550 \| 500 \| 0\.[0-9]+ .* \*\*fail\*\* \|$' "a table row per window"
expect_eq "$(cat summary.md)" "$OUT" "the same Markdown appended to \$GITHUB_STEP_SUMMARY"
run env GITHUB_STEP_SUMMARY="$SCRATCH/summary2.md" GITHUB_ACTIONS=true "$MLOPS" monitor $S --bundle "$B" --json
expect_rc 1 "--json in Actions"
expect_match "$(cat summary2.md)" '^### Model performance' "the summary is written with --json too"
expect_match "$ERR" '^::error::monitor: credit-risk 1\.0\.0 total: accuracy' "failed checks as annotations"

# --html: one page, a plot per metric, drawn.
run "$MLOPS" monitor $S --bundle "$B" --by day --html report.html -q
expect_rc 1 "--html: exit 1"
expect_eq "$(grep -o '<svg class="plot"' report.html | wc -l)" 6 "six plots, one per metric"
expect_no_match "$(cat report.html)" '<script|https?://' "self-contained: no script, nothing fetched"
CHROME=$(command -v chromium)
timeout 120 "$CHROME" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$SCRATCH/chrome" --window-size=1300,1400 \
	--screenshot="$SCRATCH/shot.png" "file://$SCRATCH/report.html" > chrome.log 2>&1
ok $? "chromium renders it"
counts=$("$MLOPS_SRC/tests/tools/png-colours" shot.png 2b7bb9 d95f02 | tr '\n' ' ')
v0=${counts%% *}
v1=$(echo "$counts" | cut -d' ' -f2)
ok $([ "$v0" -gt 200 ] && [ "$v1" -gt 20 ] && echo 0 || echo 1) \
	"the versions' lines are drawn ($v0 px, $v1 px)"

# Bad stores and bundles: their exit statuses.
run "$MLOPS" monitor --store mysql://db/x
expect_rc 2 "a URL that names no store: exit 2"
run "$MLOPS" monitor --store sqlite:missing.db
expect_rc 4 "a store file that is not there: exit 4"
expect_match "$ERR" "missing\.db" "the error names it"
$PY -c 'import sqlite3; sqlite3.connect("empty.db").execute("create table t (x)")'
run "$MLOPS" monitor --store sqlite:empty.db
expect_rc 3 "a database that holds no store: exit 3"
echo "not sqlite" > junk.db
run "$MLOPS" monitor --store sqlite:junk.db
ok $([ "$RC" -eq 3 ] || [ "$RC" -eq 4 ] && echo 0 || echo 1) "a file that is no database: exit 3 or 4 (got $RC)"
run "$MLOPS" monitor $S --bundle nothere.mlpkg
expect_rc 4 "a bundle that is not there: exit 4"
run "$MLOPS" monitor $S --bundle junk.db
expect_rc 3 "a file that is no bundle: exit 3"
run "$MLOPS" monitor $S --bundle "$B" --model other
expect_rc 2 "--model other than the bundle's: exit 2"
run "$MLOPS" monitor --store sqlite:store.db --since 2025-03-04 --until 2025-03-01
expect_rc 2 "--since after --until: exit 2"
expect_match "$ERR" "must come before --until" "saying so"
run "$MLOPS" monitor --store sqlite:store.db --since 2999-01-01
expect_rc 2 "--since in the future: exit 2"
expect_match "$ERR" "not in the past" "saying it is not in the past, not that it is after --until"
run "$MLOPS" monitor --store sqlite:store.db --since yesterday
expect_rc 2 "--since in no form it takes: exit 2"
run "$MLOPS" monitor --store sqlite:store.db --by month
expect_rc 2 "--by month: exit 2"
run "$MLOPS" monitor
expect_rc 2 "no --store: exit 2"

# Bad monitor: sections: file:line:col, exit 3.
bad_section() { # bad_section NAME SECTION REGEX
	rm -rf badproj
	copy_example badproj
	printf '\nmonitor:\n%s\n' "$2" >> badproj/mlops.yaml
	run sh -c "cd badproj && \"\$MLOPS\" package -o /dev/null"
	expect_rc 3 "$1: exit 3"
	expect_match "$ERR" "$3" "$1: file:line:col and why"
}
line=$(($(wc -l < proj/mlops.yaml) - 5 + 2))
bad_section "an unknown key" "  acuracy: {max_drop: 0.05}" \
	"mlops\.yaml:$line:3: unknown key 'acuracy' in monitor"
expect_match "$ERR" "did you mean 'accuracy'" "with a suggestion"
bad_section "max_rise on accuracy" "  accuracy: {max_rise: 0.05}" \
	"mlops\.yaml:$line:14: monitor\.accuracy: accuracy is better when larger: give max_drop"
bad_section "a regression metric on a classifier" "  rmse: {max_rise: 0.1}" \
	"mlops\.yaml:$line:10: monitor\.rmse: rmse is a regression metric"
bad_section "a negative drop" "  accuracy: {max_drop: -0.1}" \
	"mlops\.yaml:$line:24: monitor\.accuracy\.max_drop must be a number >= 0"
bad_section "a percentage that is no number" "  auc: {max_drop: five%}" \
	"mlops\.yaml:$line:19: monitor\.auc\.max_drop must be"
bad_section "both limits" "  auc: {max_drop: 0.1, max_rise: 0.1}" \
	"mlops\.yaml:$line:8: monitor\.auc takes one of max_drop or max_rise"
bad_section "a bad window" "  window: 7x" \
	"mlops\.yaml:$line:11: monitor\.window must be a duration"
bad_section "min_labels 0" "  min_labels: 0" \
	"mlops\.yaml:$line:15: monitor\.min_labels must be a whole number >= 1"
rm -rf badproj
copy_example badproj
sed -i '/^  golden:/,/^    label: default/d' badproj/mlops.yaml
printf '\nmonitor:\n  accuracy: {max_drop: 0.05}\n' >> badproj/mlops.yaml
run sh -c 'cd badproj && "$MLOPS" package -o /dev/null'
expect_rc 3 "a rule without a golden set: exit 3"
expect_match "$ERR" "monitor\.accuracy: accuracy needs a baseline: the golden set" "a rule needs the golden set"

# The section travels in the bundle: monitor.window is the default span.
expect_eq "$("$MLOPS" inspect "$B" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["monitor"])')" \
	"{'min_labels': 50, 'metrics': {'accuracy': {'max_drop': 0.05}, 'auc': {'max_drop': '5%'}, 'log_loss': {'max_rise': 0.1}}}" \
	"the resolved monitor section is in the bundle"
done_testing
