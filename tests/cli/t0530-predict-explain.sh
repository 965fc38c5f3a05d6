#!/bin/sh
# mlops predict --explain and --top: per-feature contributions equal the
# owning library's (XGBoost's pred_contribs, the LightGBM CLI's
# pred_contrib, exact Shapley values for ONNX tree ensembles, numpy for
# GLMs), and contributions plus bias sum to the margin on every fixture.
. "$(dirname "$0")/lib.sh"

FIX=$MLOPS_SRC/tests/fixtures
CMP="$PY $MLOPS_SRC/tests/tools/compare-contribs.py"

# shap NAME: a project and bundle for tests/fixtures/shap/NAME.
shap() {
	model=$MLOPS_SRC/$(sed -n '1s/^# model: //p' "$FIX/shap/$1.yaml")
	fixture_project "$1" "$model" "$FIX/shap/$1.yaml" "$(echo "$1" | tr _ -)"
	must "$MLOPS" -C "$1" package -q -o "$SCRATCH/$1.mlpkg"
}

# XGBoost: Python's pred_contribs within 1e-6; the margin within float32.
for y in "$FIX"/shap/xgb_*.yaml "$FIX"/shap/onnx_*.yaml; do
	n=$(basename "$y" .yaml)
	shap "$n"
	run "$MLOPS" predict "$n.mlpkg" -i "$FIX/shap/$n.rows.csv" --explain -o "$n.csv"
	expect_rc 0 "$n: predict --explain"
	case $n in
	xgb_*) tol=1e-6 sum=1e-5 who="XGBoost's pred_contribs" ;;
	*) tol=1e-9 sum=1e-6 who="exact Shapley values" ;;
	esac
	run $CMP "$n.csv" --expect "$FIX/shap/$n.contrib.csv" --tol $tol \
		--margin "$FIX/shap/$n.margin.csv" --sum-tol $sum
	expect_rc 0 "$n: $who within $tol, the sum property ($OUT)"
done

# LightGBM: the CLI's pred_contrib; the margin by the objective's link.
UNSEEN='s/\(values: \[[^]]*\], nullable: true\)}/\1, unknown: missing}/'
for m in binary_pandas binary_codes multiclass multiclassova regression \
	regression_l1 huber poisson gamma tweedie rf_binary rf_regression \
	zero_as_missing; do
	fixture_project "$m" "$FIX/lightgbm/$m.txt" "$FIX/lightgbm/$m.yaml" \
		"lgbm-$(echo "$m" | tr _ -)" "$UNSEEN"
	must "$MLOPS" -C "$m" package -q -o "$SCRATCH/$m.mlpkg"
	run "$MLOPS" predict "$m.mlpkg" -i "$FIX/lightgbm/$m.rows.csv" --explain -o "$m.csv"
	expect_rc 0 "lightgbm $m: predict --explain"
	margin="$FIX/lightgbm/$m.expected.csv" link=identity scale=1
	case $m in
	binary*) margin="$margin:raw" ;;
	multiclass) link=softmax ;;
	multiclassova) link=sigmoid:1.5 ;;
	poisson|gamma|tweedie) link=exp ;;
	# an averaged forest: LightGBM's contributions sum the 10 trees
	rf_binary) scale=10 link=sigmoid:0.8 margin="$margin:probability" ;;
	rf_regression) scale=10 ;;
	esac
	run $CMP "$m.csv" --expect "$FIX/lightgbm/$m.contrib.csv" --scale $scale \
		--tol 1e-12 --margin "$margin" --link $link --sum-tol 1e-12
	expect_rc 0 "lightgbm $m: the CLI's pred_contrib within 1e-12, the sum property ($OUT)"
done

# GLM: coefficient times (value - the reference mean), by hand in numpy.
mkdir hp
cp -R "$MLOPS_SRC/examples/house-prices/." hp/
rm -rf hp/*.mlpkg hp/.mlops
must "$MLOPS" -C hp package -q -o "$SCRATCH/hp.mlpkg"
run "$MLOPS" predict hp.mlpkg -i hp/data/golden.csv --explain -o hp.csv
expect_rc 0 "glm: predict --explain"
cat > glm-check.py <<'PY'
import csv, json, sys
import numpy as np
ours, proj = sys.argv[1:3]
model = json.load(open(f"{proj}/model/model.glm.json"))
beta = model["coefficients"]
import re
codes = {m.group(1): [v.strip() for v in m.group(2).split(",")]
         for m in re.finditer(r"name: (\w+)\n\s+type: category\n\s+values: \[([^]]*)\]",
                              open(f"{proj}/mlops.yaml").read())}
assert codes == {"energy_class": ["A", "B", "C", "D"]}, codes
def value(name, text):
    if text == "":
        return np.nan
    if name in codes:
        return float(codes[name].index(text))
    if text in ("true", "false"):
        return 1.0 if text == "true" else 0.0
    return float(text)
ref = list(csv.DictReader(open(f"{proj}/data/reference.csv")))
means = {f: np.nanmean([value(f, r[f]) for r in ref]) for f in beta}
rows = list(csv.DictReader(open(f"{proj}/data/golden.csv")))
out = list(csv.DictReader(open(ours)))
assert len(rows) == len(out), (len(rows), len(out))
worst = 0.0
for r, o in zip(rows, out):
    bias = model["intercept"] + sum(beta[f] * means[f] for f in beta)
    total = bias
    for f in beta:
        want = beta[f] * (value(f, r[f]) - means[f])
        total += want
        worst = max(worst, abs(float(o["contrib_" + f]) - want) / max(1, abs(want)))
    worst = max(worst, abs(float(o["contrib_bias"]) - bias) / abs(bias))
    worst = max(worst, abs(float(o["prediction"]) - total) / abs(total))
print(f"worst relative difference {worst:.3g}")
sys.exit(1 if worst > 1e-9 else 0)
PY
run $PY glm-check.py hp.csv hp
expect_rc 0 "glm: numpy's beta * (x - reference mean) within 1e-9, and they sum to the prediction ($OUT)"

# A softmax GLM: one contribution vector per class, from the profile.
mkdir -p soft/model soft/data
cat > soft/model/m.json <<'JSON'
{"mlops_glm": 1, "link": "softmax", "classes": 3, "intercept": [0.1, -0.2, 0.3],
 "coefficients": {"a": [1.5, -0.5, 0.25], "b": [-2, 0.75, 1]}, "impute": {"b": 0.5}}
JSON
printf 'a,b\n1,2\n3,\n-1,0.5\n2.5,4\n' > soft/data/ref.csv
printf 'a,b\n0.5,1\n2,\n' > soft/rows.csv
cat > soft/mlops.yaml <<'YAML'
name: soft
version: 1.0.0
model: {path: model/m.json, runtime: glm, task: multiclass, labels: [x, y, z]}
signature:
  inputs:
    - {name: a, type: float}
    - {name: b, type: float, nullable: true}
datasets:
  reference: {path: data/ref.csv}
YAML
must "$MLOPS" -C soft package -q -o "$SCRATCH/soft.mlpkg"
run "$MLOPS" predict soft.mlpkg -i soft/rows.csv --explain --format jsonl
expect_rc 0 "softmax glm: --explain in JSON lines"
printf '%s\n' "$OUT" | head -2 > soft.jsonl
run $PY - soft.jsonl <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
beta = {"a": [1.5, -0.5, 0.25], "b": [-2, 0.75, 1]}
icpt = [0.1, -0.2, 0.3]
mean = {"a": (1 + 3 - 1 + 2.5) / 4, "b": (2 + 0.5 + 4) / 3}
x = [{"a": 0.5, "b": 1}, {"a": 2, "b": 0.5}]
for r, v in zip(rows, x):
    assert sorted(r["contributions"]) == ["x", "y", "z"], r
    eta = []
    for k, lab in enumerate("xyz"):
        c = r["contributions"][lab]
        assert list(c) == ["a", "b"], c
        for f in "ab":
            assert abs(c[f] - beta[f][k] * (v[f] - mean[f])) < 1e-12, (lab, f, c)
        bias = icpt[k] + sum(beta[f][k] * mean[f] for f in "ab")
        assert abs(r["bias"][lab] - bias) < 1e-12, (r["bias"], bias)
        eta.append(sum(c.values()) + r["bias"][lab])
    p = [math.exp(e - max(eta)) for e in eta]
    p = [q / sum(p) for q in p]
    assert abs(r["probabilities"][r["prediction"]] - max(p)) < 1e-12, (r, p)
print("ok")
PY
expect_rc 0 "softmax glm: per class, beta * (x - mean) and the bias; softmax of the sums is the probability"
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR"

# --top N: the N largest by size, with their signs, from the same numbers.
run "$MLOPS" predict xgb_credit_risk.mlpkg -i "$FIX/shap/xgb_credit_risk.rows.csv" --top 3 -o top.csv
expect_rc 0 "--top 3"
expect_eq "$(head -1 top.csv)" "row,prediction,probability,reason_1,reason_1_value,reason_2,reason_2_value,reason_3,reason_3_value" \
	"--top: reason_<i> and reason_<i>_value columns"
run $PY - xgb_credit_risk.csv top.csv <<'PY'
import csv, sys
full = list(csv.DictReader(open(sys.argv[1])))
top = list(csv.DictReader(open(sys.argv[2])))
assert len(full) == len(top) and full
neg = 0
for f, t in zip(full, top):
    c = {k[8:]: float(v) for k, v in f.items() if k.startswith("contrib_") and k != "contrib_bias"}
    want = sorted(c, key=lambda k: (-abs(c[k]), list(c).index(k)))[:3]
    got = [t[f"reason_{i}"] for i in (1, 2, 3)]
    assert got == want, (got, want)
    for i, k in enumerate(got, 1):
        assert float(t[f"reason_{i}_value"]) == c[k], (k, t)
        neg += c[k] < 0
assert neg > 0, "no negative reason: signs untested"
print("ok")
PY
expect_rc 0 "--top: the largest |contribution| first, signs kept ($OUT)"
run "$MLOPS" predict xgb_softprob.mlpkg -i "$FIX/shap/xgb_softprob.rows.csv" --top 2 --format jsonl
expect_rc 0 "--top in JSON lines, multiclass"
printf '%s\n' "$OUT" > top.jsonl
run "$MLOPS" predict xgb_softprob.mlpkg -i "$FIX/shap/xgb_softprob.rows.csv" --explain --format jsonl
printf '%s\n' "$OUT" > full.jsonl
run $PY - top.jsonl full.jsonl <<'PY'
import json, sys
top = [json.loads(l) for l in open(sys.argv[1])]
full = [json.loads(l) for l in open(sys.argv[2])]
for t, f in zip(top, full):
    c = f["contributions"][str(t["prediction"])]
    want = sorted(c, key=lambda k: (-abs(c[k]), list(c).index(k)))[:2]
    assert [r["feature"] for r in t["reasons"]] == want, (t, c)
    assert [r["contribution"] for r in t["reasons"]] == [c[k] for k in want]
print("ok")
PY
expect_rc 0 "multiclass --top: the predicted class's reasons"
run "$MLOPS" predict xgb_reg.mlpkg -i "$FIX/shap/xgb_reg.rows.csv" --top 10 -o top10.csv
expect_rc 0 "--top larger than the features"
expect_eq "$(head -1 top10.csv)" "row,prediction,reason_1,reason_1_value,reason_2,reason_2_value,reason_3,reason_3_value,reason_4,reason_4_value" \
	"as many reasons as features"

# Threads: the same bytes on one thread and on four.
{ head -1 "$FIX/shap/xgb_missing.rows.csv"; for _ in $(seq 30); do tail -n +2 "$FIX/shap/xgb_missing.rows.csv"; done; } > many.csv
run "$MLOPS" predict xgb_missing.mlpkg -i many.csv --explain -o many1.csv --threads 1
expect_rc 0 "$(($(wc -l < many.csv) - 1)) rows explained on one thread"
run "$MLOPS" predict xgb_missing.mlpkg -i many.csv --explain -o many4.csv --threads 4 --batch-size 500
expect_rc 0 "and on four"
ok "$(cmp -s many1.csv many4.csv && echo 0 || echo 1)" "the same bytes"

# Invalid rows with --on-invalid=null: empty explanation cells.
printf 'f0,f1,f2,f3\n1,2,3,4\nx,2,3,4\n' > bad.csv
run "$MLOPS" predict xgb_reg.mlpkg -i bad.csv --explain --on-invalid=null -o bad.out.csv
expect_rc 0 "--explain --on-invalid=null"
expect_match "$(sed -n 3p bad.out.csv)" '^2,,,,,,,f0: not a number' "an invalid row: empty contributions, then why"
run "$MLOPS" predict xgb_reg.mlpkg -i bad.csv --explain --on-invalid=null --format jsonl
expect_match "$(printf '%s\n' "$OUT" | sed -n 2p)" '"contributions":null,"bias":null,"error":' "JSON lines: null contributions"

# What cannot be explained says why, exit 3.
fixture_project lt "$FIX/lightgbm/linear_tree.txt" "$FIX/lightgbm/linear_tree.yaml" lt
must "$MLOPS" -C lt package -q -o "$SCRATCH/lt.mlpkg"
run "$MLOPS" predict lt.mlpkg -i "$FIX/lightgbm/linear_tree.rows.csv" --explain
expect_rc 3 "linear leaves: exit 3"
expect_match "$ERR" "cannot explain this model: tree 0 has linear leaves" "says why"
run "$MLOPS" predict lt.mlpkg -i "$FIX/lightgbm/linear_tree.rows.csv" -o lt.csv
expect_rc 0 "and it still predicts without --explain"
fixture_project nocover "$FIX/onnx/gbr_regression.onnx" "$FIX/onnx/gbr_regression.yaml" nocover
must "$MLOPS" -C nocover package -q -o "$SCRATCH/nocover.mlpkg"
run "$MLOPS" predict nocover.mlpkg -i "$FIX/onnx/gbr_regression.rows.csv" --explain
expect_rc 3 "an ONNX ensemble without covers: exit 3"
expect_match "$ERR" "no cover statistics: its nodes_hitrates are not node covers" "says so"
expect_match "$ERR" "weighted_n_node_samples" "and how to give them"
sed -i '/^datasets:/,$d' hp/mlops.yaml
must "$MLOPS" -C hp package -q -o "$SCRATCH/noref.mlpkg"
run "$MLOPS" predict noref.mlpkg -i hp/data/golden.csv --explain
expect_rc 3 "a GLM without a reference profile: exit 3"
expect_match "$ERR" "the bundle has no reference profile" "says so"
expect_match "$ERR" "datasets.reference" "and what to set"
run "$MLOPS" predict xgb_reg.mlpkg -i bad.csv --top 0
expect_rc 2 "--top 0: usage error"

done_testing
