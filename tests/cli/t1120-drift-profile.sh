#!/bin/sh
# Reference profiles: mlops drift profile, drift against a profile (exact
# when the profile holds every value, stated as approximate when it holds
# a sample), merging, the profile a bundle carries, prediction drift.
. "$(dirname "$0")/lib.sh"

copy_example proj
R=proj/data/reference.csv
C=proj/data/current.csv

run "$MLOPS" drift profile "$R" -o ref.profile.json
expect_rc 0 "drift profile"
expect_match "$ERR" "wrote ref.profile.json \\(8 columns, 2000 rows\\)" "said what it wrote"
expect_eq "$(json_get ref.profile.json 'd["mlops_profile"], d["rows"], [c["count"] for c in d["columns"]][:5], len(d["columns"][0]["sample"]), len(d["columns"][0]["quantiles"])')" \
	"(1, 2000, [2000, 2000, 2000, 2000, 1958], 2000, 101)" "counts, missing left out, every value kept, 101 quantiles"
expect_no_match "$(json_get ref.profile.json 'list(d["columns"][0])')" "rows" "no raw rows, only per-column summaries"

for t in ks wasserstein psi t_test; do
	# Both must answer: two failures are two empty documents, and equal.
	run "$MLOPS" drift --reference "$R" --current "$C" --test "$t" --json
	expect_rc 0 "$t against the data: 2 of 8 columns drifted, under the dataset's share"
	printf '%s' "$OUT" > csv.json
	run "$MLOPS" drift --reference ref.profile.json --current "$C" --test "$t" --json
	expect_rc 0 "$t against the profile: the same"
	printf '%s' "$OUT" > prof.json
	if [ "$t" = psi ]; then
		expect_match "$(json_get prof.json 'd["columns"][0]["method"]')" "the profile's [0-9]+ equal-width bins" \
			"psi against a profile: its own histogram, stated"
	else
		expect_eq "$(json_get prof.json '[round(c["statistic"], 12) for c in d["columns"][:7]]')" \
			"$(json_get csv.json '[round(c["statistic"], 12) for c in d["columns"][:7]]')" \
			"$t against a full profile equals $t against the data"
		expect_match "$(json_get prof.json 'd["columns"][0]["method"]')" "the profile holds every reference value" "and says it is exact"
	fi
done

run "$MLOPS" drift profile "$R" -o small.profile.json --sample 500
"$MLOPS" drift --reference small.profile.json --current "$C" --test ks --json > small.json
expect_match "$(json_get small.json 'd["columns"][0]["method"]')" "^approximate: a sample of 500 of 2000 reference values" \
	"a sampled profile: the test is stated as approximate"
expect_eq "$(json_get small.json '[c["column"] for c in d["columns"] if c["drifted"]]')" "['income', 'debt_ratio']" \
	"and still finds the planted drift"

# Merging: batches profiled with the same ranges add up.
head -1001 "$R" > a.csv
{ head -1 "$R"; tail -n +1002 "$R"; } > b.csv
must "$MLOPS" drift profile a.csv -o a.profile.json --like ref.profile.json -q
must "$MLOPS" drift profile b.csv -o b.profile.json --like ref.profile.json -q
run "$MLOPS" drift profile --merge a.profile.json b.profile.json -o ab.profile.json
expect_rc 0 "--merge"
expect_eq "$(json_get ab.profile.json '[c["count"] for c in d["columns"]], [c.get("histogram") for c in d["columns"]][:3], d["rows"]')" \
	"$(json_get ref.profile.json '[c["count"] for c in d["columns"]], [c.get("histogram") for c in d["columns"]][:3], d["rows"]')" \
	"two halves merged: the same counts and histograms as the whole"
expect_eq "$(json_get ab.profile.json 'round(d["columns"][0]["mean"], 6), round(d["columns"][0]["std"], 6)')" \
	"$(json_get ref.profile.json 'round(d["columns"][0]["mean"], 6), round(d["columns"][0]["std"], 6)')" "and the same mean and std"
must "$MLOPS" drift profile a.csv -o a2.profile.json -q
run "$MLOPS" drift profile --merge a2.profile.json b.profile.json -o bad.profile.json
expect_rc 3 "different histogram ranges do not merge: exit 3"
expect_match "$ERR" "histogram edges must match" "explained"
printf '{"hello": 1}' > not.json
run "$MLOPS" drift --reference not.json --current "$C"
expect_rc 3 "a .json that is not a profile: exit 3"
run "$MLOPS" drift profile "$R" -o out.txt
expect_rc 2 "-o must name a .json: exit 2"

# The bundle carries a profile of datasets.reference, with predictions.
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
run "$MLOPS" drift --bundle b.mlpkg --current "$C" --json
expect_rc 0 "drift against the bundle's own profile, no --reference"
printf '%s' "$OUT" > bun.json
expect_eq "$(json_get bun.json '[c["column"] for c in d["columns"] if c["drifted"]]')" "['income', 'debt_ratio']" "the planted drift"
run "$MLOPS" drift --bundle b.mlpkg --current "$C" --predictions --json
expect_rc 1 "--predictions: the predictions drifted: exit 1"
printf '%s' "$OUT" > pred.json
run "$MLOPS" drift --bundle b.mlpkg --reference "$R" --current "$C" --predictions --json
expect_rc 1 "--predictions against the reference data: exit 1"
printf '%s' "$OUT" > pred2.json
want=$($PY - "$R" "$C" <<'PY'
import sys, numpy as np, xgboost as xgb
from scipy import stats
b = xgb.Booster(); b.load_model("proj/model/model.json")
def preds(path):
    import csv
    rows = list(csv.DictReader(open(path)))
    F = b.feature_names or ["income","debt_ratio","credit_score","age","employment_years","num_credit_lines","loan_amount","has_prior_default"]
    x = np.array([[float(r[f]) if r[f] != "" else np.nan for f in F] for r in rows])
    return b.predict(xgb.DMatrix(x, feature_names=F))
r, c = preds(sys.argv[1]), preds(sys.argv[2])
print(round(stats.wasserstein_distance(r, c) / np.std(r), 4))
PY
)
expect_eq "$(json_get pred.json 'round([c for c in d["columns"] if c["column"] == "prediction"][0]["statistic"], 4), d["dataset"]["prediction_drifted"]')" \
	"($want, True)" "prediction drift from the bundle's profile equals Python's xgboost + scipy"
expect_eq "$(json_get pred2.json 'round([c for c in d["columns"] if c["column"] == "prediction"][0]["statistic"], 4)')" \
	"$want" "and from the reference data"
run "$MLOPS" drift --reference "$R" --current "$C" --predictions
expect_rc 2 "--predictions without --bundle: exit 2"
done_testing
