#!/bin/sh
# mlops predict: libxgboost's predictions equal Python's xgboost for every
# objective and model format; the GLM equals hand-computed values; the
# contract, input formats and invalid-row policies behave.
. "$(dirname "$0")/lib.sh"

FIX="$MLOPS_SRC/tests/fixtures"

# project DIR MODEL TASK [RUNTIME]: a packaged 4-feature project.
project() {
	mkdir -p "$1/model"
	cp "$2" "$1/model/"
	cat > "$1/mlops.yaml" <<YAML
name: fixture
version: 1.0.0
model: {path: model/$(basename "$2"), runtime: ${4:-xgboost}, task: $3}
signature:
  inputs:
    - {name: f0, type: float, nullable: true}
    - {name: f1, type: float, nullable: true}
    - {name: f2, type: float, nullable: true}
    - {name: f3, type: float, nullable: true}
YAML
	run "$MLOPS" -C "$1" package -q -o "$SCRATCH/$1.mlpkg"
}

# compare OURS.csv REF: prediction equal, probability within 1e-6.
compare() {
	$PY - "$1" "$2" <<'PY'
import csv, sys
ours = list(csv.DictReader(open(sys.argv[1])))
ref = [l.rstrip("\n").split(",") for l in open(sys.argv[2])]
assert len(ours) == len(ref), (len(ours), len(ref))
worst = 0.0
for o, (p, q) in zip(ours, ref):
    assert abs(float(o["prediction"]) - float(p)) <= 1e-6, (o, p)
    if q:
        worst = max(worst, abs(float(o["probability"]) - float(q)))
assert worst <= 1e-6, worst
print(worst)
PY
}

for m in binary.json:binary-classification logitraw.ubj:binary-classification \
	softprob.json:multiclass softmax.bin:multiclass reg.json:regression; do
	file=${m%%:*}
	task=${m#*:}
	name=${file%%.*}
	project "$name" "$FIX/models/$file" "$task"
	run "$MLOPS" predict "$name.mlpkg" --input "$FIX/models/rows.csv" --output "$name.csv"
	expect_rc 0 "predict with $file ($task)"
	$PY "$FIX/predict-reference.py" "$FIX/models/$file" "$FIX/models/rows.csv" "$task" > "$name.ref"
	run compare "$name.csv" "$name.ref"
	expect_rc 0 "$file: equal to Python's Booster.predict within 1e-6 (worst $OUT)"
	[ "$RC" -eq 0 ] || diag "$ERR"
done
expect_eq "$(head -1 reg.csv)" "row,prediction" "regression output has no probability column"
expect_eq "$(sed -n 2p binary.csv | cut -d, -f1)" "1" "row numbers start at 1"

# JSON models whose output is not the logistic, softmax or identity of
# the margin, or whose base score stays as it is (binary:logitraw): the
# same as Python's too, whichever evaluator mlops picks for them.
$PY - "$FIX/models/rows.csv" <<'PY'
import sys, warnings
import numpy as np, xgboost as xgb
warnings.simplefilter("ignore")
X = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1)
z = np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1])
for obj, y in (("binary:logitraw", z > 0), ("binary:hinge", z > 0),
               ("count:poisson", np.round(np.exp(z))),
               ("reg:gamma", np.exp(z) + 0.1)):
    b = xgb.train({"objective": obj, "max_depth": 3, "nthread": 1,
                   "base_score": 0.3 if obj == "binary:logitraw" else 0.5},
                  xgb.DMatrix(X, label=y.astype(float),
                              feature_names=["f0", "f1", "f2", "f3"]), 8)
    b.save_model(obj.split(":")[1] + ".json")
PY
for m in logitraw.json:binary-classification hinge.json:binary-classification \
	poisson.json:regression gamma.json:regression; do
	file=${m%%:*}
	project "json-${file%.json}" "$SCRATCH/$file" "${m#*:}"
	run "$MLOPS" predict "json-${file%.json}.mlpkg" --input "$FIX/models/rows.csv" --output "$file.csv"
	expect_rc 0 "predict with a JSON ${file%.json} model"
	$PY "$FIX/predict-reference.py" "$SCRATCH/$file" "$FIX/models/rows.csv" "${m#*:}" > "$file.ref"
	run compare "$file.csv" "$file.ref"
	expect_rc 0 "JSON ${file%.json}: equal to Python's Booster.predict within 1e-6 (worst $OUT)"
done

# The example: the committed credit-risk model, on its reference sample.
copy_example cr
must "$MLOPS" -C cr package -q -o "$SCRATCH/cr.mlpkg"
run "$MLOPS" predict cr.mlpkg -i cr/data/reference.csv -o cr.csv
expect_rc 0 "predict the example's reference sample"
$PY "$FIX/predict-reference.py" cr/model/model.json cr/data/reference.csv binary-classification > cr.ref
run compare cr.csv cr.ref
expect_rc 0 "the example equals Python within 1e-6 (worst $OUT)"

# stdout, JSON lines in and out, id column.
run "$MLOPS" predict cr.mlpkg -i cr/data/golden.csv
expect_rc 0 "predictions to stdout"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" "501" "a header and 500 rows"
$PY -c '
import csv, json, sys
for i, r in enumerate(csv.DictReader(open("cr/data/golden.csv"))):
    d = {k: (float(v) if v != "" else None) for k, v in r.items()}
    d["id"] = "app-%d" % i
    print(json.dumps(d))' > golden.jsonl
run "$MLOPS" predict cr.mlpkg -i golden.jsonl -o golden.out.jsonl --id-column id
expect_rc 0 "JSON lines in and out, with an id column"
expect_match "$(head -1 golden.out.jsonl)" '^\{"id":"app-0","prediction":[01],"probability":0\.[0-9]+\}$' "JSON lines output"
run "$MLOPS" predict cr.mlpkg -i cr/data/golden.csv -o from-csv.out
expect_rc 0 "CSV input"
run "$MLOPS" predict cr.mlpkg -i golden.jsonl --format csv --id-column id -o from-jsonl.out
expect_rc 0 "the same rows as JSON lines"
cut -d, -f2,3 from-csv.out > from-csv.txt
cut -d, -f2,3 from-jsonl.out > from-jsonl.txt
expect_eq "$(wc -l < from-csv.txt)" 501 "every row scored"
cmp -s from-csv.txt from-jsonl.txt
ok $? "JSON lines and CSV input give the same predictions"
run "$MLOPS" predict cr.mlpkg -i - -o stdin.csv < cr/data/golden.csv
expect_rc 0 "input from stdin"
expect_eq "$(wc -l < stdin.csv)" "501" "stdin rows scored"

# Invalid rows: never scored.
cp cr/data/golden.csv bad.csv
sed -i '3s/^[0-9.]*,[0-9.]*,[0-9]*,/1,0.5,900,/' bad.csv
sed -i '5s/^\([0-9.]*\),/\1,abc,/; 5s/,abc,[0-9.]*,/,abc,/' bad.csv
run "$MLOPS" predict cr.mlpkg -i bad.csv -o fail.csv
expect_rc 3 "an invalid row fails the job (exit 3)"
expect_match "$ERR" "bad.csv:3: row 2: credit_score: above maximum 850 \(900\)" "names file, line, row, column, problem, value"
ok $([ ! -e fail.csv ] && echo 0 || echo 1) "no partial output file"
run "$MLOPS" predict cr.mlpkg -i bad.csv -o skip.csv --on-invalid=skip
expect_rc 0 "--on-invalid=skip"
expect_eq "$(($(wc -l < skip.csv) - 1))" "498" "two rows skipped"
expect_match "$ERR" "2 invalid rows" "skipped rows reported"
run "$MLOPS" predict cr.mlpkg -i bad.csv -o null.csv --on-invalid=null
expect_rc 0 "--on-invalid=null"
expect_eq "$(sed -n 3p null.csv)" "2,,,credit_score: above maximum 850 (900)" "invalid row: empty prediction and the reason"
expect_eq "$(($(wc -l < null.csv) - 1))" "500" "every row in the output, in order"

# Missing-value tokens are configurable.
printf 'f0,f1,f2,f3\n-999,1,2,3\nNA,1,2,3\n' > na.csv
run "$MLOPS" predict binary.mlpkg -i na.csv --na-values=-999
expect_rc 3 "with --na-values=-999, NA is no longer missing: not a number"
expect_match "$ERR" 'row 2: f0: not a number \(NA\)' "NA read as text"
run "$MLOPS" predict binary.mlpkg -i na.csv
expect_rc 0 "by default NA is missing (and -999 a number)"

# CSV edge cases: BOM, CRLF, quoted fields with commas, quotes and newlines.
printf '\357\273\277id,f0,f1,f2,f3\r\n"a,1",0.1,0.2,0.3,0.4\r\n"say ""hi""",1,2,3,4\r\n"two\nlines",,,,\r\n' > edge.csv
run "$MLOPS" predict binary.mlpkg -i edge.csv --id-column id
expect_rc 0 "BOM, CRLF, quotes, embedded newline"
expect_match "$OUT" '^"a,1",[01],0\.' "quoted id with a comma round-trips"
expect_match "$OUT" '^"say ""hi""",' "doubled quotes round-trip"
expect_match "$OUT" '^"two$' "embedded newline kept in quotes"
printf 'f0,f1,f2,f3\n"unclosed,1,2,3\n' > broken.csv
run "$MLOPS" predict binary.mlpkg -i broken.csv
expect_rc 3 "an unclosed quote: exit 3"
expect_match "$ERR" "broken.csv:2: a quoted field is not closed" "located"
printf 'f0,f1,f2,f3\n1,2,3\n' > short.csv
run "$MLOPS" predict binary.mlpkg -i short.csv
expect_rc 3 "a short row: exit 3"
expect_match "$ERR" "short.csv:2: 3 fields, the header has 4" "field count explained"
printf 'f0,f1,f2\n1,2,3\n' > nocol.csv
run "$MLOPS" predict binary.mlpkg -i nocol.csv
expect_rc 3 "a missing required column: exit 3"
expect_match "$ERR" "f3: the column is missing" "the missing column is named"
run "$MLOPS" predict binary.mlpkg -i missing.csv
expect_rc 4 "a missing input file: exit 4"
run "$MLOPS" predict binary.mlpkg
expect_rc 2 "no --input: exit 2"

# Models that do not fit their descriptor: package refuses them.
mkdir -p m3/model && cp "$FIX/models/binary.json" m3/model/
printf 'name: m3\nversion: 1.0.0\nmodel: {path: model/binary.json, runtime: xgboost, task: binary-classification}\nsignature:\n  inputs:\n    - {name: f0, type: float}\n    - {name: f1, type: float}\n    - {name: f2, type: float}\n' > m3/mlops.yaml
run "$MLOPS" -C m3 package -q -o "$SCRATCH/m3.mlpkg"
expect_rc 3 "feature count mismatch: exit 3"
expect_match "$ERR" "the model takes 4 features, the signature declares 3 inputs" "explained"
sed -i 's/name: f2/name: f2x/; s/    - {name: f1, type: float}/    - {name: f1, type: float}\n    - {name: f3, type: float}/' m3/mlops.yaml
run "$MLOPS" -C m3 package -q -o "$SCRATCH/m3b.mlpkg"
expect_rc 3 "feature names out of order: exit 3"
expect_match "$ERR" "the model's feature 3 is 'f2', the signature's input 3 is 'f3'" "the first difference is named"
ok $([ ! -e m3.mlpkg ] && [ ! -e m3b.mlpkg ] && echo 0 || echo 1) "no bundle is written"
project wrongtask "$FIX/models/reg.json" binary-classification
expect_rc 3 "objective does not fit the task: exit 3"
expect_match "$ERR" "objective 'reg:squarederror' does not fit the task binary-classification" "explained"

# The GLM runtime against hand-computed values.
mkdir -p glm/model
cat > glm/model/model.glm.json <<'JSON'
{"mlops_glm": 1, "link": "logit", "intercept": 0.5,
 "coefficients": {"f0": 2.0, "f1": -1.0, "f3": 0.25}, "impute": {"f1": 1.0}}
JSON
project glmb glm/model/model.glm.json binary-classification glm
printf 'f0,f1,f2,f3\n1,2,9,0\n0,,0,4\n' > glm.csv
run "$MLOPS" predict glmb.mlpkg -i glm.csv
expect_rc 0 "GLM logit"
# z = 0.5 + 2*1 - 1*2 + 0 = 0.5 -> 0.6224593312018546; z = 0.5 - 1 + 1 = 0.5
expect_match "$OUT" '^1,1,0\.62245933120185[0-9]+$' "logit: hand-computed value"
expect_match "$OUT" '^2,1,0\.62245933120185[0-9]+$' "missing value takes its impute value"
cat > glm/model/model.glm.json <<'JSON'
{"mlops_glm": 1, "link": "softmax", "classes": 3, "intercept": [0, 1, 0],
 "coefficients": {"f0": [1, 0, 0], "f2": [0, 0, 2]}}
JSON
project glmm glm/model/model.glm.json multiclass glm
run "$MLOPS" predict glmm.mlpkg -i glm.csv
# row 1: scores (1, 1, 18) -> class 2, p = e^18/(2e+e^18) = 0.99999993886...
expect_match "$OUT" '^1,2,0\.9999999[0-9]+,4\.13993[0-9]+e-08,4\.13993[0-9]+e-08,0\.9999999[0-9]+$' "softmax: hand-computed class and every class's probability"
expect_match "$OUT" '^row,prediction,probability,probability_0,probability_1,probability_2$' "multiclass: one probability column per class"
run "$MLOPS" predict glmm.mlpkg -i glm.csv --format jsonl
expect_rc 0 "multiclass as JSON lines"
expect_match "$OUT" '^\{"row":2,"prediction":1,"probability":0\.576[0-9]+,"probabilities":\{"0":0\.2119[0-9]+,"1":0\.576[0-9]+,"2":0\.2119[0-9]+\}\}$' "JSON lines: every class's probability as an object"
cat > glm/model/model.glm.json <<'JSON'
{"mlops_glm": 1, "link": "identity", "intercept": 1.5, "coefficients": {"f0": 0.5, "f3": -2}}
JSON
project glmr glm/model/model.glm.json regression glm
run "$MLOPS" predict glmr.mlpkg -i glm.csv
expect_match "$OUT" '^1,2$' "identity: 1.5 + 0.5*1 - 2*0 = 2"
expect_match "$OUT" '^2,-6\.5$' "identity: 1.5 + 0 - 2*4 = -6.5"
cat > glm/model/model.glm.json <<'JSON'
{"mlops_glm": 1, "link": "logit", "intercept": 0, "coefficients": {"nope": 1}}
JSON
# A JSON number sent for a category is compared as its shortest text:
# 1000002 is "1000002" (not "1e+06"), 2.5 is "2.5".
mkdir -p numcat
printf '{"mlops_glm": 1, "link": "identity", "intercept": 0, "coefficients": {"c": 1}}' > numcat/m.json
printf 'name: numcat\nversion: 1.0.0\nmodel: {path: m.json, runtime: glm, task: regression}\nsignature:\n  inputs:\n    - {name: c, type: category, values: ["1000001", "1000002", "2.5", "1e+21"]}\n' > numcat/mlops.yaml
must "$MLOPS" -C numcat package -q -o "$SCRATCH/numcat.mlpkg"
printf '{"c": 1000002}\n{"c": 2.5}\n{"c": 1e21}\n{"c": 1000001.0}\n' > numcat.jsonl
run "$MLOPS" predict numcat.mlpkg -i numcat.jsonl
expect_rc 0 "numbers for a category"
expect_eq "$OUT" "row,prediction
1,1
2,2
3,3
4,0" "each matched to its value by its shortest text"
mkdir -p glmbad/model && cp glm/model/model.glm.json glmbad/model/
project glmbad glm/model/model.glm.json binary-classification glm
expect_rc 3 "a GLM coefficient for an unknown input: exit 3"
expect_match "$ERR" "coefficient for 'nope'" "named"
done_testing
