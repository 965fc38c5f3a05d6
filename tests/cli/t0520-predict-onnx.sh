#!/bin/sh
# The onnx runtime: scikit-learn models exported by skl2onnx
# (tests/fixtures/onnx, made by make-onnx.py) predict what scikit-learn
# predicted and what ONNX Runtime (onnxruntime-node, `make deps`)
# computes on the same file, through predict, serve (REST and OIP) and
# validate. Unsupported operators and malformed models are clear errors.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

FIX=$MLOPS_SRC/tests/fixtures/onnx
CMP="$PY $MLOPS_SRC/tests/tools/compare-predictions.py"
ORT="node $MLOPS_SRC/tests/tools/ort-predict.js"

# project NAME [SED]: a project around fixture NAME, packaged to NAME.mlpkg.
project() {
	fixture_project "$1" "$FIX/$1.onnx" "$FIX/$1.yaml" \
		"onnx-$(echo "$1" | tr _ -)" "${2:-}"
	"$MLOPS" -C "$1" package -q -o "$SCRATCH/$1.mlpkg" >/dev/null
}

# Plans the model never saw reach it as missing: OneHotEncoder(ignore)
# encodes them as zeros, as scikit-learn does.
UNSEEN='s/\(values: \[[^]]*\]\)}/\1, unknown: missing}/'
for m in rf_binary gbr_regression et_multiclass churn_pipeline churn_zipmap \
	mlp_multiclass linreg_normalizer linreg_binarizer hgb_binary; do
	project $m "$UNSEEN"
	ok $? "$m: packages"
	run "$MLOPS" predict $m.mlpkg -i "$FIX/$m.rows.csv" -o $m.out.csv
	expect_rc 0 "$m: predicts"
	run $CMP $m.out.csv "$FIX/$m.expected.csv" --tol 1e-6
	expect_rc 0 "$m: equal to scikit-learn within 1e-6 ($(printf '%s' "$OUT" | head -1))"
	[ "$RC" -ne 0 ] && diag "$OUT" "$ERR"
	run $ORT "$FIX/$m.onnx" "$FIX/$m.rows.csv"
	expect_rc 0 "$m: onnxruntime runs"
	printf '%s\n' "$OUT" > $m.ort.csv
	# The MLP's float32 MatMul sums in another order than ORT's MLAS
	# kernels: 1e-6 from scikit-learn, up to 2e-6 from ORT.
	tol=1e-6
	[ $m = mlp_multiclass ] && tol=2e-6
	run $CMP $m.out.csv $m.ort.csv --tol $tol
	expect_rc 0 "$m: equal to onnxruntime within $tol ($(printf '%s' "$OUT" | head -1))"
	[ "$RC" -ne 0 ] && diag "$OUT" "$ERR"
done

# Chunks of rows spread over threads answer as one thread does.
{ head -1 "$FIX/churn_pipeline.rows.csv"; for _ in $(seq 60); do tail -n +2 "$FIX/churn_pipeline.rows.csv"; done; } > many.csv
run "$MLOPS" predict churn_pipeline.mlpkg -i many.csv -o many1.csv --threads 1
expect_rc 0 "$(($(wc -l < many.csv) - 1)) rows on one thread"
run "$MLOPS" predict churn_pipeline.mlpkg -i many.csv -o many4.csv --threads 4
expect_rc 0 "and on four"
ok $(cmp -s many1.csv many4.csv && echo 0 || echo 1) "the same bytes"
expect_match "$(head -1 et_multiclass.out.csv)" \
	'^row,prediction,probability,probability_high,probability_low,probability_medium$' \
	"string class labels come from the model"
expect_match "$(sed -n 2p et_multiclass.out.csv)" '^1,(high|low|medium),' \
	"predictions are labels"

# The signature against the graph.
run project churn_pipeline 's/{name: plan, type: category, values: \[basic, premium, pro\]}/{name: plan, type: float}/'
expect_rc 3 "a string graph input fed a number: exit 3"
run project churn_pipeline 's/{name: tenure,/{name: months,/'
expect_rc 3 "a feature the graph does not have: exit 3"
expect_match "$ERR" "tenure" "the graph's inputs are shown"
run project churn_pipeline 's/values: \[basic, premium, pro\]/values: [basic, pro]/'
expect_rc 3 "a category set other than the encoder's: exit 3"
expect_match "$ERR" "input 'plan': the model's categories are \\[basic, premium, pro\\], the signature's values are \\[basic, pro\\]" \
	"both lists are shown"
run project churn_pipeline 's/values: \[basic, premium, pro\]/values: [pro, basic, premium]/'
expect_rc 0 "the encoder's categories in another order: the model gets the text, so that is fine"
run project rf_binary '/{name: visits,/d'
expect_rc 3 "one input too few for an [N, 5] graph input: exit 3"
run project et_multiclass 's/labels: \[high, low, medium\]/labels: [low, medium, high]/'
expect_rc 3 "labels other than the model's: exit 3"
expect_match "$ERR" "model.labels \[low, medium, high\] are not the model's class labels \[high, low, medium\]" \
	"both lists are shown"
run project gbr_regression 's/task: regression/task: binary-classification/'
expect_rc 3 "a regressor as a classifier: exit 3"

# validate: golden predictions recorded at package time and gates.
mkdir -p gated && cp "$FIX/et_multiclass.onnx" gated/
$PY - "$FIX/et_multiclass.rows.csv" "$FIX/et_multiclass.expected.csv" gated/golden.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
want = list(csv.DictReader(open(sys.argv[2])))
with open(sys.argv[3], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(rows[0] + ["label"])
    for r, e in zip(rows[1:], want):
        w.writerow(r + [e["prediction"]])
PY
{ printf 'name: gated\nversion: 1.0.0\n'; grep -v '^#' "$FIX/et_multiclass.yaml"
  printf 'datasets:\n  golden: {path: golden.csv, label: label}\ngates:\n  accuracy: ">= 0.999"\n  log_loss: "<= 5"\n'
  # scikit-learn's answer for the first row, by label
  printf 'smoke:\n  - name: by label\n    features: {temp: 1.09078074, humidity: 79.4520493, wind: 10.7711134, pressure: 1025.68262}\n    expect: {prediction: low, probability: 0.8853261596986154}\n    tolerance: 0.000001\n'; } > gated/mlops.yaml
run "$MLOPS" -C gated package -q -o "$SCRATCH/gated.mlpkg"
expect_rc 0 "a golden set labelled with class labels packages"
run "$MLOPS" validate gated.mlpkg
expect_rc 0 "validate: golden predictions reproduce, gates pass on labels"
expect_match "$OUT" "accuracy 1 >= 0.999" "sklearn's own predictions score accuracy 1"
# A golden label that is not a class label is left out, and said so.
mkdir -p byindex && cp gated/et_multiclass.onnx byindex/
tr -d '\r' < gated/golden.csv | sed 's/,[a-z]*$/,1/; 1s/,1$/,label/' > byindex/golden.csv
sed 's/^name: gated/name: byindex/' gated/mlops.yaml > byindex/mlops.yaml
must "$MLOPS" -C byindex package -q -o "$SCRATCH/byindex.mlpkg"
run "$MLOPS" validate byindex.mlpkg
expect_rc 1 "class indices for a model with labels [high, low, medium]: the gates fail"
expect_match "$OUT" "on 0 golden rows; 142 left out: invalid, or a label that is not a class label" \
	"and say why"
PORT=$(free_port)
if start_serve gated.err "$PORT" gated.mlpkg; then
	run "$MLOPS" smoke "http://127.0.0.1:$PORT" --bundle gated.mlpkg
	expect_rc 0 "a smoke test expecting a class label passes"
	sed -i 's/prediction: low,/prediction: high,/' gated/mlops.yaml
	run "$MLOPS" smoke "http://127.0.0.1:$PORT" -f gated/mlops.yaml
	expect_rc 1 "and fails on another label"
	expect_match "$OUT$ERR" 'prediction "low", expected "high"' "naming both"
	kill "$SPID"
else
	ok 1 "serve the multiclass model"; cat gated.err
fi

# serve: /predict and OIP on a pipeline with a string input.
PORT=$(free_port)
if start_serve serve.err "$PORT" churn_pipeline.mlpkg; then
	ok 0 "serve an onnx pipeline"
else
	ok 1 "serve an onnx pipeline"; cat serve.err
fi
head -6 "$FIX/churn_pipeline.rows.csv" > few.csv
run "$MLOPS" predict churn_pipeline.mlpkg -i few.csv -o few.out.csv
$PY - few.csv > few.json <<'PY'
import csv, json, sys
rows = []
for r in csv.DictReader(open(sys.argv[1])):
    rows.append({k: (None if v == "" else (v if k == "plan" else float(v))) for k, v in r.items()})
print(json.dumps({"instances": rows}))
PY
curl -s -X POST -H 'Content-Type: application/json' --data @few.json \
	"http://127.0.0.1:$PORT/predict/batch" > rest.json
expect_eq "$(json_get rest.json '[round(p["probability"], 6) for p in d["predictions"]]')" \
	"$($PY -c 'import csv,sys; print([round(float(r["probability"]), 6) for r in csv.DictReader(open(sys.argv[1]))])' few.out.csv)" \
	"/predict answers what predict wrote"
$PY - few.csv > oip-req.json <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
inputs = []
for k in rows[0]:
    if k == "plan":
        inputs.append({"name": k, "shape": [len(rows)], "datatype": "BYTES", "data": [r[k] for r in rows]})
    else:
        inputs.append({"name": k, "shape": [len(rows), 1], "datatype": "FP64",
                       "data": [float(r[k]) if r[k] else None for r in rows]})
print(json.dumps({"inputs": inputs}))
PY
curl -s -X POST -H 'Content-Type: application/json' --data @oip-req.json \
	"http://127.0.0.1:$PORT/v2/models/onnx-churn-pipeline/infer" > oip.json
expect_eq "$(json_get oip.json '[round(p, 6) for p in d["outputs"][1]["data"]]')" \
	"$(json_get rest.json '[round(p["probability"], 6) for p in d["predictions"]]')" \
	"OIP answers the same"
kill "$SPID"

# init --model: the graph's inputs, the encoder's categories, the task
# and the classifier's labels; what it writes packages and predicts.
mkdir -p fromgraph && cp "$FIX/churn_pipeline.onnx" "$FIX/et_multiclass.onnx" fromgraph/
(cd fromgraph && "$MLOPS" init --model churn_pipeline.onnx > /dev/null 2>&1 && "$MLOPS" init --model et_multiclass.onnx -f et.yaml > /dev/null 2>&1)
ok $? "init --model reads ONNX graphs"
sig() {
	$PY - "$1" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(d["model"]["runtime"], d["model"]["task"], d["model"].get("labels"))
print([(f["name"], f["type"], f.get("values")) for f in d["signature"]["inputs"]])
PY
}
expect_eq "$(sig fromgraph/mlops.yaml)" "onnx binary-classification None
[('tenure', 'float', None), ('monthly_charges', 'float', None), ('support_calls', 'float', None), ('plan', 'category', ['basic', 'premium', 'pro'])]" \
	"per-column inputs, the OneHotEncoder's categories"
expect_eq "$(sig fromgraph/et.yaml)" "onnx multiclass ['high', 'low', 'medium']
[('f0', 'float', None), ('f1', 'float', None), ('f2', 'float', None), ('f3', 'float', None)]" \
	"an [N, 4] input as four columns, the classifier's string labels"
run "$MLOPS" -C fromgraph package -q -o "$SCRATCH/fromgraph.mlpkg"
expect_rc 0 "what init wrote packages"
run "$MLOPS" predict fromgraph.mlpkg -i "$FIX/churn_pipeline.rows.csv" -o fromgraph.csv
expect_rc 0 "and predicts every row, unseen plans included"
run $CMP fromgraph.csv "$FIX/churn_pipeline.expected.csv" --tol 1e-6
expect_rc 0 "equal to scikit-learn ($(printf '%s' "$OUT" | head -1))"

# Malformed and unsupported models: exit 3, a clear message, no crash.
mkdir -p broken
printf 'name: broken\nversion: 1.0.0\nmodel: {path: m.onnx, runtime: onnx, task: binary-classification}\nsignature:\n  inputs:\n' > broken/mlops.yaml
for c in age income score balance visits; do
	printf '    - {name: %s, type: float}\n' $c >> broken/mlops.yaml
done
OPS=$MLOPS_SRC/tests/fixtures/onnx-ops
mkdir -p unsup
printf 'name: unsup\nversion: 1.0.0\nmodel: {path: m.onnx, runtime: onnx, task: regression}\nsignature:\n  inputs:\n    - {name: a, type: float}\n    - {name: b, type: float}\n    - {name: c, type: float}\n' > unsup/mlops.yaml
cp "$OPS/bad_unsupported_ml.onnx" unsup/m.onnx
run "$MLOPS" -C unsup package -q -o "$SCRATCH/unsup.mlpkg"
expect_rc 3 "an operator mlops does not evaluate: exit 3"
expect_match "$ERR" "operator SVMClassifier \\(domain ai.onnx.ml, opset 3\\) is not supported; supported in ai.onnx.ml: TreeEnsembleClassifier, .*FeatureVectorizer" \
	"names it, its domain and opset, and what is supported"
cp "$OPS/bad_unsupported_op.onnx" unsup/m.onnx
run "$MLOPS" -C unsup package -q -o "$SCRATCH/unsup.mlpkg"
expect_rc 3 "an ai.onnx operator mlops does not evaluate: exit 3"
expect_match "$ERR" "operator TopK \\(domain ai.onnx, opset 15\\) is not supported" "named"
cp "$OPS/bad_external.onnx" unsup/m.onnx
run "$MLOPS" -C unsup package -q -o "$SCRATCH/unsup.mlpkg"
expect_rc 3 "initializers kept outside the file: exit 3"
expect_match "$ERR" "external file" "said so"
# Hostile classifiers (hostile/make-hostile.py): one class, labels that
# repeat or are empty.
mkdir -p hostile
for h in "oneclass:rf_binary:needs 2 to 10000 class labels" \
	"duplabels:et_multiclass:names two classes 'a'" \
	"emptylabel:et_multiclass:class label 2 is empty"; do
	f=${h%%:*}; rest=${h#*:}; base=${rest%%:*}; why=${rest#*:}
	rm -rf hostile
	fixture_project hostile "$FIX/hostile/$f.onnx" "$FIX/$base.yaml" hostile \
		"s/$base.onnx/$f.onnx/; /labels:/d"
	run "$MLOPS" -C hostile package -q -o "$SCRATCH/hostile.mlpkg"
	expect_rc 3 "$f: refused, exit 3"
	expect_match "$ERR" "$why" "$f: $why"
done
head -c 3000 "$FIX/rf_binary.onnx" > broken/m.onnx
run "$MLOPS" -C broken package -q -o "$SCRATCH/broken.mlpkg"
expect_rc 3 "a truncated protobuf: exit 3"
expect_match "$ERR" "m.onnx" "names the file"
printf 'not a model at all' > broken/m.onnx
run "$MLOPS" -C broken package -q -o "$SCRATCH/broken.mlpkg"
expect_rc 3 "text that is no protobuf: exit 3"
: > broken/m.onnx
run "$MLOPS" -C broken package -q -o "$SCRATCH/broken.mlpkg"
expect_rc 3 "an empty file: exit 3"
done_testing
