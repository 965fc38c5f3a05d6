#!/bin/sh
# The lightgbm runtime: LightGBM's own text models (tests/fixtures/lightgbm,
# made by make-lightgbm.sh with LightGBM 4.5.0) predict what LightGBM
# predicted, through predict, serve and validate. Categories come from the
# model (pandas_categorical): a signature in another order is refused.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

FIX=$MLOPS_SRC/tests/fixtures/lightgbm
CMP="$PY $MLOPS_SRC/tests/tools/compare-predictions.py"

# project NAME [SED]: a project around fixture NAME, packaged to NAME.mlpkg.
project() {
	fixture_project "$1" "$FIX/$1.txt" "$FIX/$1.yaml" \
		"lgbm-$(echo "$1" | tr _ -)" "${2:-}"
	"$MLOPS" -C "$1" package -q -o "$SCRATCH/$1.mlpkg" >/dev/null
}

# Unseen categories are missing values, as the Python package makes them.
UNSEEN='s/\(values: \[[^]]*\], nullable: true\)}/\1, unknown: missing}/'
for m in binary_pandas binary_codes multiclass multiclassova regression \
	regression_l1 huber poisson gamma tweedie rf_binary rf_regression \
	linear_tree zero_as_missing; do
	project $m "$UNSEEN"
	ok $? "$m: packages"
	run "$MLOPS" predict $m.mlpkg -i "$FIX/$m.rows.csv" -o $m.out.csv
	expect_rc 0 "$m: predicts"
	# rf models: LightGBM's raw score is the sum, its probability the mean.
	run $CMP $m.out.csv "$FIX/$m.expected.csv" --tol 1e-12 --skip raw
	expect_rc 0 "$m: equal to LightGBM within 1e-12 ($(printf '%s' "$OUT" | head -1))"
	[ "$RC" -ne 0 ] && diag "$OUT" "$ERR"
done

# The v3 text format (LightGBM 3.x) is the same model: same answers.
fixture_project v3 "$FIX/binary_codes.txt" "$FIX/binary_codes.yaml" v3
sed -i 's/^version=v4$/version=v3/' v3/binary_codes.txt
grep -q '^version=v3$' v3/binary_codes.txt
ok $? "a v3 model file"
run "$MLOPS" -C v3 package -q -o "$SCRATCH/v3.mlpkg"
expect_rc 0 "packages"
run "$MLOPS" predict v3.mlpkg -i "$FIX/binary_codes.rows.csv" -o v3.out.csv
expect_rc 0 "predicts"
run $CMP v3.out.csv "$FIX/binary_codes.expected.csv" --tol 1e-12 --skip raw
expect_rc 0 "equal to LightGBM"

# Rows spread over threads answer as one thread does, in input order.
{ head -1 "$FIX/multiclass.rows.csv"; for _ in $(seq 40); do tail -n +2 "$FIX/multiclass.rows.csv"; done; } > many.csv
run "$MLOPS" predict multiclass.mlpkg -i many.csv -o many1.csv --threads 1
expect_rc 0 "$(($(wc -l < many.csv) - 1)) rows on one thread"
run "$MLOPS" predict multiclass.mlpkg -i many.csv -o many4.csv --threads 4 --batch-size 8192
expect_rc 0 "and on four"
ok $(cmp -s many1.csv many4.csv && echo 0 || echo 1) "the same bytes"
expect_match "$(head -1 multiclass.out.csv)" \
	'^row,prediction,probability,probability_0,probability_1,probability_2$' \
	"multiclass: every class's probability"
run "$MLOPS" --json inspect multiclass.mlpkg
expect_rc 0 "inspect a lightgbm bundle"

# The model's categories, in the model's order.
mkdir -p reordered
run project binary_pandas 's/values: \[pro, basic, team\]/values: [basic, pro, team]/'
expect_rc 3 "categories in another order than the model's: exit 3"
expect_match "$ERR" "input 'plan': the model's categories are \[pro, basic, team\], the signature's values are \[basic, pro, team\]" \
	"both lists are shown"
run project binary_pandas 's/{name: city, type: category, values: \[[^]]*\]/{name: city, type: float/'
expect_rc 3 "a categorical feature declared as a number: exit 3"
expect_match "$ERR" "input 'city' is categorical in the model" "and why"
run project binary_codes 's/{name: score,/{name: points,/'
expect_rc 3 "a feature name the model does not have: exit 3"
expect_match "$ERR" "the model's features \[age, income, balance, plan, city, score\] are not the signature's inputs \[age, income, balance, plan, city, points\]" \
	"both lists are shown"
run project binary_codes '/{name: score,/d'
expect_rc 3 "a missing feature: exit 3"
run project regression 's/task: regression/task: binary-classification/; s/^  path:/  labels: [no, yes]\n  path:/'
expect_rc 3 "a regression model as a classifier: exit 3"
expect_match "$ERR" "objective 'regression' \\(1 output\\) does not fit the task binary-classification" "says so"
run project multiclass 's/labels: \[0, 1, 2\]/labels: [low, mid]/'
expect_rc 3 "two labels for three classes: exit 3"
expect_match "$ERR" "model.labels lists 2 labels, and the model has 3 classes" "says so"

# Class labels name the classes everywhere.
project multiclass 's/labels: \[0, 1, 2\]/labels: [low, mid, high]/' && mv multiclass.mlpkg labelled.mlpkg
run "$MLOPS" predict labelled.mlpkg -i "$FIX/multiclass.rows.csv" --format jsonl
expect_rc 0 "labelled multiclass predicts"
expect_match "$(echo "$OUT" | head -1)" '^\{"row":1,"prediction":"(low|mid|high)","probability":[0-9.e-]+,"probabilities":\{"low":[0-9.e-]+,"mid":[0-9.e-]+,"high":[0-9.e-]+\}\}$' \
	"JSON lines: the label, and every class's probability by label"

# Malformed models: clear errors, exit 3, never a crash.
bad() { # bad NAME SED-ON-MODEL WHAT
	fixture_project "bad-$1" "$FIX/binary_codes.txt" "$FIX/binary_codes.yaml" bad
	sed -i "$2" "bad-$1/binary_codes.txt"
	run "$MLOPS" -C "bad-$1" package -q -o "$SCRATCH/bad.mlpkg"
	expect_rc 3 "$3: exit 3"
	expect_match "$ERR" "binary_codes.txt' line [0-9]+: not a LightGBM model: " "$3: named with its line"
}
bad cycle '0,/^left_child=/s/^left_child=[0-9]* /left_child=0 /' "a tree whose child is its root"
bad feature '0,/^split_feature=/s/^split_feature=[0-9]*/split_feature=99/' "a split on a feature the model lacks"
bad leaves '0,/^num_leaves=/s/^num_leaves=.*/num_leaves=400/' "num_leaves larger than the arrays"
bad cat '0,/^cat_boundaries=/s/^cat_boundaries=0 /cat_boundaries=5 /' "a broken cat_boundaries"
bad version 's/^version=v4/version=v9/' "an unknown version"
bad truncated '/^end of trees/,$d' "a truncated file"
bad number '0,/^threshold=/s/^threshold=[^ ]*/threshold=abc/' "a threshold that is not a number"

# serve: /predict and OIP carry every class.
PORT=$(free_port)
if start_serve serve.err "$PORT" labelled.mlpkg; then
	ok 0 "serve a lightgbm bundle"
else
	ok 1 "serve a lightgbm bundle"; cat serve.err
fi
body=$(curl -s -X POST -H 'Content-Type: application/json' \
	--data '{"features": {"age": 40, "income": 50000, "balance": 0, "plan": 1, "city": 2, "score": 0.5}}' \
	"http://127.0.0.1:$PORT/predict")
printf '%s' "$body" > one.json
expect_eq "$(json_get one.json 'sorted(d["probabilities"]) == ["high", "low", "mid"] and d["prediction"] == max(d["probabilities"], key=d["probabilities"].get) and abs(sum(d["probabilities"].values()) - 1) < 1e-6 and d["probability"] == max(d["probabilities"].values())')" \
	True "/predict: the label, its probability and every class's"
body=$(curl -s -X POST -H 'Content-Type: application/json' \
	--data '{"inputs": [{"name": "x", "shape": [1, 6], "datatype": "FP64", "data": [40, 50000, 0, 1, 2, 0.5]}]}' \
	"http://127.0.0.1:$PORT/v2/models/lgbm-multiclass/infer")
printf '%s' "$body" > oip.json
expect_eq "$(json_get oip.json '[(o["name"], o["shape"], o["datatype"]) for o in d["outputs"]]')" \
	"[('prediction', [1], 'BYTES'), ('probability', [1], 'FP64'), ('probabilities', [1, 3], 'FP64')]" \
	"OIP: string labels are BYTES, every class as a [n, k] tensor"
curl -s "http://127.0.0.1:$PORT/model/info" > info.json
expect_eq "$(json_get info.json 'd["labels"]')" "['low', 'mid', 'high']" "/model/info: the classes in output order"
curl -s "http://127.0.0.1:$PORT/v2/models/lgbm-multiclass" > meta.json
expect_eq "$(json_get meta.json '[o for o in d["outputs"] if o["name"] == "probabilities"]')" \
	"[{'name': 'probabilities', 'datatype': 'FP64', 'shape': [-1, 3]}]" "OIP metadata lists the probabilities output"
kill "$SPID"

# Inputs that overflow a linear leaf: an inf output is an error naming
# the row, never "inf" in a file or a crash of the server.
printf 'age,income,balance,plan,city,score\n40,50000,0,1,2,0.5\n1e308,1e308,1e308,1,1,1e308\n' > huge.csv
run "$MLOPS" predict linear_tree.mlpkg -i huge.csv
expect_rc 3 "a non-finite model output: exit 3"
expect_match "$ERR" "row 2: the model's output is not a finite number" "names the row"
run "$MLOPS" predict linear_tree.mlpkg -i huge.csv --format jsonl --on-invalid null
expect_rc 3 "whatever --on-invalid says"
PORT=$(free_port)
start_serve huge.err "$PORT" linear_tree.mlpkg
code=$(curl -s -o huge.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"features": {"age": 1e308, "income": 1e308, "balance": 1e308, "plan": 1, "city": 1, "score": 1e308}}' \
	"http://127.0.0.1:$PORT/predict")
expect_eq "$code" 500 "serve: a non-finite output is a 500"
expect_match "$(cat huge.json)" "not a finite number" "with the reason"
code=$(curl -s -o batch.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"instances": [{"age": 40, "income": 5e4, "balance": 0, "plan": 1, "city": 2, "score": 0.5}, {"age": 1e308, "income": 1e308, "balance": 1e308, "plan": 1, "city": 1, "score": 1e308}]}' \
	"http://127.0.0.1:$PORT/predict/batch")
expect_eq "$code" 500 "batch: no answer with a row missing"
code=$(curl -s -o ok.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"features": {"age": 40, "income": 5e4, "balance": 0, "plan": 1, "city": 2, "score": 0.5}}' \
	"http://127.0.0.1:$PORT/predict")
expect_eq "$code" 200 "and the server keeps serving"
kill "$SPID"
done_testing
