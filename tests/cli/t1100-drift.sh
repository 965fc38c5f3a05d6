#!/bin/sh
# mlops drift through the CLI: the example's planted drift, exit statuses
# (0 no finding, 1 drift by the --fail-on rule, 3 a column could not be
# tested, 4 unreadable), the label of mlops.yaml left out, the
# outputs (table, --json, --markdown, --html, GitHub step summary and
# annotations), per-column choices, binning, bad and missing data.
. "$(dirname "$0")/lib.sh"

copy_example proj
R=proj/data/reference.csv
C=proj/data/current.csv

run "$MLOPS" drift --reference "$R" --current "$R"
expect_rc 0 "the reference against itself: exit 0"
expect_match "$OUT" "^0 of 8 columns drifted \\(0%, dataset threshold 50%\\): no dataset drift$" "no column drifted"

run "$MLOPS" drift --reference "$R" --current "$C" --json
expect_rc 0 "the example's current data: 2 of 8 columns, under the 50% share: exit 0"
printf '%s' "$OUT" > d.json
expect_eq "$(json_get d.json '[c["column"] for c in d["columns"] if c["drifted"]]')" "['income', 'debt_ratio']" \
	"the planted drift is found: income and debt_ratio"
expect_eq "$(json_get d.json 'd["dataset"]["columns_drifted"], d["dataset"]["columns_tested"], d["dataset"]["drifted"]')" \
	"(2, 8, False)" "dataset summary"
expect_eq "$(json_get d.json '[c["test"] for c in d["columns"]][:2], d["columns"][0]["p_value"]')" \
	"(['wasserstein', 'wasserstein'], None)" "2000 reference rows: wasserstein by default, a distance has no p-value"
expect_eq "$(json_get d.json 'd["drift"], d["fail_on"]')" "(False, 'dataset')" \
	"--json: no finding, by the dataset rule"

# Drifted columns under the dataset threshold: exit 0, and the summary
# says by which rule; --fail-on column makes any drifted column a finding.
run "$MLOPS" drift --reference "$R" --current "$C"
expect_rc 0 "2 of 8 columns drifted, under the 50% share: exit 0"
expect_match "$OUT" "^2 of 8 columns drifted \\(25%, dataset threshold 50%\\): no dataset drift$" "the summary names the rule"
expect_match "$OUT" "^Exit 0: under the dataset threshold \\(--fail-on column: exit 1 on any\\)" "and why the exit status is 0"
run "$MLOPS" drift --reference "$R" --current "$C" --fail-on column
expect_rc 1 "--fail-on column: exit 1"
expect_match "$OUT" "^2 of 8 columns drifted \\(25%, failing on any drifted column\\): column drift$" "the summary names that rule"
run "$MLOPS" drift --reference "$R" --current "$C" --fail-on column --json
expect_rc 1 "--fail-on column --json: exit 1"
printf '%s' "$OUT" > fc.json
expect_eq "$(json_get fc.json 'd["drift"], d["fail_on"], d["dataset"]["drifted"]')" "(True, 'column', False)" \
	"--json: the finding, its rule, and the dataset verdict apart"
run "$MLOPS" drift --reference "$R" --current "$R" --fail-on column
expect_rc 0 "--fail-on column, nothing drifted: exit 0"
run "$MLOPS" drift --reference "$R" --current "$C" --fail-on dataset
expect_rc 0 "--fail-on dataset is the default"
run "$MLOPS" drift --reference "$R" --current "$C" --fail-on nonsense
expect_rc 2 "--fail-on nonsense: exit 2"
run "$MLOPS" drift --reference "$R" --current "$C" --fail-on column --markdown
expect_match "$OUT" '^### Data drift: \*\*detected\*\*' "--markdown follows the rule"
expect_match "$OUT" '^2 of 8 columns drifted \(25%, failing on any drifted column\): column drift\.' "  and states it"

# A labelled reference: the label that ./mlops.yaml names is no feature,
# and is left out without a signature (current data seldom has it).
cp proj/data/golden.csv proj/labelled.csv
run "$MLOPS" -C proj drift --reference labelled.csv --current data/current.csv --json
expect_rc 0 "a labelled reference in a project: exit 0 (not 3 for a missing label)"
printf '%s' "$OUT" > lab.json
expect_eq "$(json_get lab.json '"default" in [c["column"] for c in d["columns"]], d["dataset"]["columns_tested"]')" \
	"(False, 8)" "the label 'default' is left out"
run "$MLOPS" -C proj drift --reference labelled.csv --current labelled.csv --columns default,income --json
printf '%s' "$OUT" > lab2.json
expect_eq "$(json_get lab2.json '[c["column"] for c in d["columns"]]')" "['income', 'default']" \
	"named with --columns, the label is compared"
mkdir elsewhere && cp proj/labelled.csv elsewhere/
run "$MLOPS" -C elsewhere drift --reference labelled.csv --current labelled.csv --json
printf '%s' "$OUT" > lab3.json
expect_eq "$(json_get lab3.json '"default" in [c["column"] for c in d["columns"]]')" "True" \
	"no mlops.yaml: every column is compared"

run "$MLOPS" drift --reference "$R" --current "$C" --drift-share 0.25
expect_rc 1 "--drift-share 0.25: dataset drift, exit 1"
expect_match "$OUT" "^2 of 8 columns drifted \\(25%, dataset threshold 25%\\): dataset drift$" "said so"

run "$MLOPS" drift --reference "$R" --current "$C" --test ks --columns income,age --json
expect_rc 1 "--test ks --columns income,age: one of two drifts: exit 1"
printf '%s' "$OUT" > ks.json
expect_eq "$(json_get ks.json '[(c["column"], c["test"], c["method"], c["drifted"]) for c in d["columns"]]')" \
	"[('income', 'ks', 'exact', True), ('age', 'ks', 'exact', False)]" "only those columns, exact KS"

run "$MLOPS" drift --reference "$R" --current "$C" --column-test income=psi:0.5 --column-test age=chisquare --json
printf '%s' "$OUT" > ov.json
expect_eq "$(json_get ov.json '[(c["test"], c["threshold"]) for c in d["columns"] if c["column"] in ("income", "age")]')" \
	"[('psi', 0.5), ('chisquare', 0.05)]" "--column-test sets a column's test and threshold"

# Typed by the signature: the bool column is categorical.
run "$MLOPS" -C proj drift --reference data/reference.csv --current data/current.csv --signature --json
printf '%s' "$OUT" > sig.json
expect_eq "$(json_get sig.json '[c["type"] for c in d["columns"] if c["column"] == "has_prior_default"]')" \
	"['categorical']" "--signature: has_prior_default is categorical"
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
run "$MLOPS" drift --reference "$R" --current "$C" --bundle b.mlpkg --json
printf '%s' "$OUT" > bun.json
expect_eq "$(json_get bun.json '[c["type"] for c in d["columns"] if c["column"] == "has_prior_default"]')" \
	"['categorical']" "--bundle types by the bundle's signature"

# The drift: section of mlops.yaml sets defaults; the command line wins.
cp -r proj projd
cat >> projd/mlops.yaml <<'YAML'

drift:
  test: ks
  drift_share: 0.25
  columns:
    income: {test: psi, threshold: 0.3}
    age: chisquare
YAML
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature --json
expect_rc 1 "drift_share 0.25 from mlops.yaml: exit 1"
printf '%s' "$OUT" > cfg.json
expect_eq "$(json_get cfg.json '[(c["column"], c["test"], c["threshold"]) for c in d["columns"][:4]]')" \
	"[('income', 'psi', 0.3), ('debt_ratio', 'ks', 0.05), ('credit_score', 'ks', 0.05), ('age', 'chisquare', 0.05)]" \
	"the section's test, and per-column tests and thresholds"
expect_eq "$(json_get cfg.json '[(c["test"], c["method"]) for c in d["columns"] if c["column"] == "has_prior_default"]')" \
	"[('jensenshannon', 'one bin per category, 2 categories; ks is for numeric columns')]" "a numeric-only test set for all leaves categorical columns to the automatic choice"
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature --test wasserstein --column-test income=ks --drift-share 0.9 --json
printf '%s' "$OUT" > cfg2.json
expect_eq "$(json_get cfg2.json '[c["test"] for c in d["columns"][:4]], d["dataset"]["drift_share"]')" \
	"(['ks', 'wasserstein', 'wasserstein', 'chisquare'], 0.9)" "flags override the section"
must "$MLOPS" -C projd package -q -o "$SCRATCH/bd.mlpkg"
run "$MLOPS" drift --reference "$R" --current "$C" --bundle bd.mlpkg --json
printf '%s' "$OUT" > cfg3.json
expect_eq "$(json_get cfg3.json '[c["test"] for c in d["columns"][:4]]')" "['psi', 'ks', 'ks', 'chisquare']" \
	"the bundle carries the drift section"
# fail_on in the section; --fail-on wins.
sed -i 's/^  drift_share: 0.25$/  fail_on: column/' projd/mlops.yaml
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature --column-test income=wasserstein --column-test age=wasserstein --test wasserstein
expect_rc 1 "fail_on: column in mlops.yaml: a drifted column is a finding"
expect_match "$OUT" "failing on any drifted column" "  by that rule"
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature --column-test income=wasserstein --column-test age=wasserstein --test wasserstein --fail-on dataset
expect_rc 0 "--fail-on dataset overrides it"
sed -i 's/^  fail_on: column$/  fail_on: columns/' projd/mlops.yaml
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature
expect_rc 3 "fail_on: columns (a typo): exit 3"
expect_match "$ERR" "mlops.yaml:[0-9]+:[0-9]+: .*drift.fail_on must be dataset or column" "  with the place in mlops.yaml"
sed -i 's/^  fail_on: columns$/  drift_share: 0.25/' projd/mlops.yaml
sed -i 's/age: chisquare/age: nonsense/' projd/mlops.yaml
run "$MLOPS" -C projd drift --reference data/reference.csv --current data/current.csv --signature
expect_rc 3 "an unknown test in the drift section: exit 3"
expect_match "$ERR" "mlops.yaml:[0-9]+:[0-9]+: .*drift.columns.NAME takes a test name" "with the place in mlops.yaml"

# Markdown, step summary, annotations.
run "$MLOPS" drift --reference "$R" --current "$C" --markdown
expect_match "$OUT" '^### Data drift: none' "--markdown"
expect_match "$OUT" '\| income \| numeric \| wasserstein \| [0-9.]+ \| - \| 0\.1000 \| \*\*yes\*\* \|' "a Markdown table row"
: > summary.md
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$SCRATCH/summary.md run "$MLOPS" drift --reference "$R" --current "$C"
expect_match "$(cat summary.md)" '### Data drift' "in GitHub Actions the report goes to the step summary"
expect_match "$ERR" '::warning::drift: column income drifted \(wasserstein = [0-9.]+, threshold 0\.1\)' "and a warning annotation per drifted column"

# HTML: self-contained, a plot per column, no raw rows.
run "$MLOPS" drift --reference "$R" --current "$C" --html report.html -q
expect_rc 0 "--html"
expect_eq "$(grep -o '<svg class="plot"' report.html | wc -l)" 8 "one plot per column"
expect_no_match "$(cat report.html)" '<script|https?://|src=' "self-contained: no script, no links"
expect_no_match "$(cat report.html)" "$(sed -n 2p "$R" | cut -d, -f1)" "no raw value from the data is embedded"

# Bad data: one column bad, the others computed; exit 3.
$PY - <<'PY'
import random
random.seed(3)
with open("ref.csv", "w") as f:
    f.write("x,colour,empty,gone\n")
    for i in range(300):
        f.write(f"{random.gauss(0,1)},{random.choice(['red','green','blue'])},,{i}\n")
with open("cur.csv", "w") as f:
    f.write("x,colour,empty\n")
    for i in range(300):
        x = "oops" if i == 41 else random.gauss(0, 1)
        f.write(f"{x},{random.choice(['red','green','blue','violet'])},\n")
PY
run "$MLOPS" drift --reference ref.csv --current cur.csv --json
expect_rc 1 "a bad value, an empty and a vanished column, and drift in the good one: drift wins, exit 1"
printf '%s' "$OUT" > bad.json
expect_eq "$(json_get bad.json '[(c["column"], c["error"]) for c in d["columns"]]')" \
	"[('x', \"cur.csv row 42: 'oops' is not a number\"), ('colour', None), ('empty', 'no values in the reference'), ('gone', \"no column 'gone' in cur.csv\")]" \
	"each bad column carries its error and its row; the good one is computed"
expect_eq "$(json_get bad.json '[(c["test"], c["statistic"] < 1e300) for c in d["columns"] if c["column"] == "colour"]')" \
	"[('chisquare', True)]" "a category unseen in the reference: a finite statistic"
run "$MLOPS" drift --reference ref.csv --current cur.csv --columns x,empty,gone
expect_rc 3 "only columns that cannot be tested: exit 3"
run "$MLOPS" drift --reference ref.csv --current cur.csv --columns colour --test psi --json
printf '%s' "$OUT" > psi.json
expect_eq "$(json_get psi.json 'd["columns"][0]["statistic"] < 100')" "True" "PSI with an unseen category stays finite"

# Missing share compared on its own.
$PY - <<'PY'
import random
random.seed(4)
for name, miss in (("m_ref.csv", 0.01), ("m_cur.csv", 0.30)):
    with open(name, "w") as f:
        f.write("v\n")
        for i in range(1000):
            f.write(("" if random.random() < miss else str(random.gauss(0, 1))) + "\n")
PY
run "$MLOPS" drift --reference m_ref.csv --current m_cur.csv --json
expect_rc 1 "the missing share went from 1% to 30%: exit 1"
printf '%s' "$OUT" > miss.json
expect_eq "$(json_get miss.json 'd["columns"][0]["drifted"], d["columns"][0]["missing"]["drifted"], round(d["columns"][0]["missing"]["current"], 1)')" \
	"(False, True, 0.3)" "the distribution did not drift; the missing share did, reported on its own"

# Binning choices are applied and stated.
for b in sturges doane quantile:5 edges:-1,0,1; do
	run "$MLOPS" drift --reference "$R" --current "$C" --columns income --test psi --binning "$b" --json
	printf '%s' "$OUT" > bin.json
	expect_match "$(json_get bin.json 'd["columns"][0]["method"]')" "binned" "--binning $b is stated in the report"
done
expect_eq "$(json_get bin.json 'len(d["columns"][0]["bins"])')" 4 "edges:-1,0,1: four bins, the outer ones open"

# JSON lines in, the same answer as CSV.
$PY -c '
import csv, json
for n in ("reference", "current"):
    with open(f"proj/data/{n}.csv") as f, open(f"{n}.jsonl", "w") as o:
        for row in csv.DictReader(f):
            o.write(json.dumps({k: (float(v) if v else None) for k, v in row.items()}) + "\n")'
run "$MLOPS" drift --reference reference.jsonl --current current.jsonl --json
printf '%s' "$OUT" > jl.json
expect_eq "$(json_get jl.json '[round(c["statistic"], 9) for c in d["columns"][:7]]')" \
	"$(json_get d.json '[round(c["statistic"], 9) for c in d["columns"][:7]]')" "JSON lines give the same statistics as CSV"

# Usage and I/O errors.
run "$MLOPS" drift --reference "$R"
expect_rc 2 "no --current: exit 2"
run "$MLOPS" drift --reference "$R" --current "$C" --test nonsense
expect_rc 2 "an unknown test: exit 2"
run "$MLOPS" drift --reference "$R" --current "$C" --binning quantile:1
expect_rc 2 "a bad --binning: exit 2"
run "$MLOPS" drift --reference "$R" --current "$C" --column-test income
expect_rc 2 "a bad --column-test: exit 2"
run "$MLOPS" drift --reference "$R" --current "$C" --columns nothere
expect_rc 2 "an unknown column: exit 2"
expect_match "$ERR" "no column 'nothere'" "named"
run "$MLOPS" drift --reference missing.csv --current "$C"
expect_rc 4 "a missing file: exit 4"
done_testing
