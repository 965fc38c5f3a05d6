#!/bin/sh
# mlops validate BUNDLE: the checklist; validate --data: the contract.
. "$(dirname "$0")/lib.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/good.mlpkg"

run "$MLOPS" validate good.mlpkg
expect_rc 0 "a good bundle passes"
for c in archive blobs manifest config files sbom model gates golden; do
	expect_match "$OUT" "^  pass  $c " "check '$c' passes"
done
expect_match "$OUT" 'auc 0\.851[0-9]* >= 0\.8' "gates report the measured AUC"
expect_match "$OUT" 'golden +500 rows, largest difference' "golden predictions reproduced"
run "$MLOPS" --json validate good.mlpkg
printf '%s' "$OUT" > v.json
expect_eq "$(json_get v.json 'd["pass"], [c["name"] for c in d["checks"]]')" "(True, ['archive', 'blobs', 'manifest', 'config', 'signed', 'files', 'sbom', 'model', 'gates', 'golden'])" "--json: pass and the ten checks, in order"
expect_eq "$(json_get v.json 'round(d["evaluation"]["metrics"]["auc"], 4)')" \
	"$($PY -c '
import csv, xgboost as xgb, numpy as np
F="income debt_ratio credit_score age employment_years num_credit_lines loan_amount has_prior_default".split()
r=list(csv.DictReader(open("proj/data/golden.csv")))
X=np.array([[float(x[f]) if x[f] else np.nan for f in F] for x in r]); y=np.array([int(x["default"]) for x in r])
b=xgb.Booster(); b.load_model("proj/model/model.json"); p=b.predict(xgb.DMatrix(X, feature_names=F))
o=np.argsort(p); rk=np.empty(len(p)); rk[o]=np.arange(1,len(p)+1); n1=y.sum(); n0=len(y)-n1
print(round((rk[y==1].sum()-n1*(n1+1)/2)/(n1*n0), 4))')" "AUC equals numpy's rank-sum AUC"

# A byte flipped in a blob: the integrity check names it.
ds=$("$MLOPS" --json inspect good.mlpkg | $PY -c 'import json,sys; print([l["digest"] for l in json.load(sys.stdin)["layers"] if l.get("name")=="dataset.tar"][0])')
"$MLOPS_SRC/tests/tools/flip-byte" good.mlpkg "$ds" flipped.mlpkg
run "$MLOPS" validate flipped.mlpkg
expect_rc 1 "a flipped byte: exit 1"
expect_match "$OUT" "^  fail  blobs .*$ds" "the failing blob is named"
expect_match "$OUT" "^  skip  model " "later checks are skipped"

# Hostile and broken archives cannot be read: exit 3.
"$MLOPS_SRC/tests/tools/make-hostile-bundles" good.mlpkg hostile
for h in traversal absolute symlink hardlink device truncated gzip-bomb duplicate-blob missing-layer; do
	run "$MLOPS" validate "hostile/$h.mlpkg"
	expect_rc 3 "hostile bundle '$h': exit 3"
done
run "$MLOPS" validate nothere.mlpkg
expect_rc 4 "a missing bundle: exit 4"

# A gate just missed.
copy_example strict
sed -i 's/  auc: ">= 0.80"/  auc: ">= 0.86"/' strict/mlops.yaml
must "$MLOPS" -C strict package -q -o "$SCRATCH/strict.mlpkg"
run "$MLOPS" validate strict.mlpkg
expect_rc 1 "a gate just missed: exit 1"
expect_match "$OUT" '^  fail  gates .*auc 0\.851[0-9]* >= 0\.86 FAILED' "the missed gate is named with its value"

# The model does not fit the signature.
copy_example wrong
$PY - wrong/mlops.yaml <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
i = s.index("    - name: has_prior_default")
j = s.index("  outputs:")
open(p, "w").write(s[:i] + s[j:])
PY
run "$MLOPS" -C wrong package -o "$SCRATCH/wrong.mlpkg"
expect_rc 3 "package refuses a model that does not fit the signature: exit 3"
expect_match "$ERR" "the model takes 8 features, the signature declares 7" \
	"and says why"
ok $([ ! -e wrong.mlpkg ] && echo 0 || echo 1) "no bundle is written"

GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$SCRATCH/sum.md" run "$MLOPS" validate strict.mlpkg
expect_match "$ERR" '^::error file=strict.mlpkg::gates: ' "failed checks become annotations"
expect_match "$(cat sum.md)" '^\| gates \| fail \|' "checklist in the step summary"

# --- validate --data ---
run "$MLOPS" validate --data proj/data/current.csv --bundle good.mlpkg
expect_rc 0 "clean data passes"
expect_match "$OUT" 'rows +2000' "rows counted"
run "$MLOPS" -C proj validate --data data/golden.csv
expect_rc 0 "against mlops.yaml; the golden label is not an unknown column"
expect_no_match "$ERR" "not in the signature" "no warning for the label"

cp proj/data/reference.csv bad.csv
$PY - bad.csv <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
def set_field(n, col, v):
    f = lines[n].split(","); f[col] = v; lines[n] = ",".join(f)
set_field(3, 2, "900")      # credit_score above max
set_field(5, 2, "abc")      # not an integer
set_field(7, 1, "-0.5")     # debt_ratio below min
set_field(9, 0, "")         # income missing, not nullable
set_field(11, 7, "maybe")   # not a boolean
set_field(13, 2, "700.5")   # not an integer
open(p, "w").write("\n".join(lines))
PY
run "$MLOPS" validate --data bad.csv --bundle good.mlpkg
expect_rc 1 "violations: exit 1"
expect_match "$OUT" 'invalid rows +6' "invalid rows counted"
expect_match "$OUT" '^  credit_score +3$' "per-column counts"
expect_match "$OUT" 'row 3 \(line 4\): credit_score: above maximum 850 \(900\)' "first example with row, line, value"
expect_match "$OUT" 'income: null or empty, and not nullable' "nullability"
expect_match "$OUT" 'has_prior_default: not a boolean \(maybe\)' "booleans"
expect_match "$OUT" 'credit_score: not an integer \(700\.5\)' "integers"
run "$MLOPS" --json validate --data bad.csv --bundle good.mlpkg
printf '%s' "$OUT" > d.json
expect_eq "$(json_get d.json 'd["violations"], d["by_column"]["credit_score"], d["pass"]')" "(6, 3, False)" "--json report"
expect_eq "$(json_get d.json 'd["examples"][0]')" \
	"{'row': 3, 'line': 4, 'column': 'credit_score', 'problem': 'above maximum 850', 'value': '900'}" \
	"--json example"
GITHUB_ACTIONS=true run "$MLOPS" validate --data bad.csv --bundle good.mlpkg
expect_match "$ERR" '^::error file=bad.csv,line=4::row 3: credit_score: above maximum 850 \(900\)' "annotations at the file's line"
run "$MLOPS" validate --data bad.csv --bundle good.mlpkg --max-errors 2
expect_rc 1 "--max-errors stops early"
expect_match "$OUT" 'stopped at --max-errors' "says it stopped"

cut -d, -f1,2,3,4,5,6,7 proj/data/reference.csv > nocol.csv
run "$MLOPS" validate --data nocol.csv --bundle good.mlpkg
expect_rc 1 "a missing required column: exit 1"
expect_match "$OUT" "missing column 'has_prior_default'" "named"
paste -d, proj/data/reference.csv proj/data/reference.csv | cut -d, -f1-9 | sed '1s/income$/extra/' > extra.csv
run "$MLOPS" validate --data extra.csv --bundle good.mlpkg
expect_rc 0 "an unknown column warns"
expect_match "$ERR" "warning: 1 column is not in the signature, such as 'extra'" "warned"
run "$MLOPS" validate --data extra.csv --bundle good.mlpkg --unknown-columns=error
expect_rc 1 "--unknown-columns=error: exit 1"
run "$MLOPS" validate --data extra.csv --bundle good.mlpkg --unknown-columns=ignore
expect_no_match "$ERR" "not in the signature" "--unknown-columns=ignore: silent"
printf 'income,debt_ratio\n"1,2\n' > broken.csv
run "$MLOPS" validate --data broken.csv --bundle good.mlpkg
expect_rc 3 "a file that cannot be parsed: exit 3"
run "$MLOPS" validate --data nothere.csv --bundle good.mlpkg
expect_rc 4 "a missing data file: exit 4"
printf '{"income": 5, "debt_ratio": 2}\n[1]\n' > bad.jsonl
run "$MLOPS" validate --data bad.jsonl --bundle good.mlpkg
expect_rc 3 "a JSON line that is not an object: exit 3"
expect_match "$ERR" "bad.jsonl:2: each line must be a JSON object" "located"
run "$MLOPS" validate --data x.csv good.mlpkg
expect_rc 2 "--data with a positional bundle: usage error"
done_testing
