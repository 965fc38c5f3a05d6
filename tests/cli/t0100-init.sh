#!/bin/sh
# mlops init: writes a commented descriptor, never overwrites silently.
. "$(dirname "$0")/lib.sh"

mkdir "My Project" && cd "My Project"
run "$MLOPS" init
expect_rc 0 "init in an empty directory"
ok $([ -f mlops.yaml ] && echo 0 || echo 1) "mlops.yaml written"
expect_match "$(cat mlops.yaml)" '^name: my-project$' "name from the directory, made valid"
expect_match "$(cat mlops.yaml)" '^# ' "the file is commented"

cp mlops.yaml before.yaml
run "$MLOPS" init --name other
expect_rc 2 "init refuses to overwrite"
expect_match "$ERR" "already exists" "refusal explained"
expect_match "$ERR" "hint: pass --force" "hint names --force"
cmp -s mlops.yaml before.yaml
ok $? "the existing file is untouched"

run "$MLOPS" init --force --name churn --runtime glm
expect_rc 0 "init --force overwrites"
expect_match "$(cat mlops.yaml)" '^name: churn$' "--name used"
expect_match "$(cat mlops.yaml)" 'runtime: glm' "--runtime used"

run "$MLOPS" init --force --name 'bad name'
expect_rc 2 "invalid --name: exit 2"

run "$MLOPS" --json init -f other.yaml --name m2
expect_rc 0 "init -f FILE --json"
printf '%s' "$OUT" > o.json
expect_eq "$(json_get o.json 'd["path"]')" "other.yaml" "--json names the file"

# The template is a valid descriptor: packaging gets past parsing and stops
# at the missing model file (I/O, exit 4), not at the descriptor (exit 3).
run "$MLOPS" package -f other.yaml
expect_rc 4 "the template parses; the missing model is an I/O error"
expect_match "$ERR" "cannot open model.path 'model.json'" "names the missing model"

# Files are replaced by rename(2): never a device or a pipe in their place.
mkfifo fifo
run "$MLOPS" init -f fifo --force
expect_rc 2 "writing over a pipe: refused, exit 2"
expect_match "$ERR" "'fifo' is not a regular file" "says why"
ok $([ -p fifo ] && echo 0 || echo 1) "the pipe is still a pipe"
# A name init takes works for every later command: packaged, and pushed
# to the default registry with no REF (the name is the repository).
long=$(printf 'm%.0s' $(seq 128))
for n in a team/model foo__bar a--b v1.x "$long"; do
	rm -rf nm && mkdir nm
	run "$MLOPS" -C nm init --name "$n"
	case $n in
	v1.x) expect_rc 2 "init refuses '$n' (GTO has no dots)"; continue ;;
	esac
	expect_rc 0 "init takes '$(printf '%.20s' "$n")'"
	printf '{"mlops_glm": 1, "link": "identity", "intercept": 0.5, "coefficients": {"x": 1.0}}' > nm/glm.json
	sed -i 's|^  path: .*|  path: glm.json|; s|^  runtime: .*|  runtime: glm|' nm/mlops.yaml
	$PY - nm/mlops.yaml <<'PY'
import sys, yaml
p = sys.argv[1]
d = yaml.safe_load(open(p))
d["model"] = {"path": "glm.json", "runtime": "glm", "task": "regression"}
d["signature"] = {"inputs": [{"name": "x", "type": "float"}]}
for k in ("datasets", "gates", "smoke_tests", "files", "environments", "dependencies", "drift"):
    d.pop(k, None)
open(p, "w").write(yaml.safe_dump(d))
PY
	run "$MLOPS" -C nm package -q -o "$SCRATCH/nm.mlpkg"
	expect_rc 0 "'$(printf '%.20s' "$n")' packages"
	MLOPS_REGISTRY="oci:$SCRATCH/reg" run "$MLOPS" push "$SCRATCH/nm.mlpkg"
	expect_rc 0 "'$(printf '%.20s' "$n")' pushes with no REF"
done
for n in Foo foo___bar a-_b "${long}m" "-a" "a/"; do
	run "$MLOPS" init --name "$n" -f nm.yaml
	expect_rc 2 "init refuses '$(printf '%.20s' "$n")'"
	expect_match "$ERR" "lowercase letters and digits" "and says the rule"
done
printf 'name: Foo\nversion: 1.0.0\nmodel: {path: glm.json, runtime: glm, task: regression}\n' > up.yaml
run "$MLOPS" package -f up.yaml
expect_rc 3 "a descriptor named 'Foo' is refused at load"
expect_match "$ERR" "up.yaml:1:7: .*name 'Foo' is not valid" "with file:line:col"

# init --model: the signature, task and categories read from the model.
mkdir -p frommodel && cp "$MLOPS_SRC/tests/fixtures/lightgbm/binary_pandas.txt" frommodel/model.txt
(cd frommodel && "$MLOPS" init --model model.txt > ../init.out 2>&1)
ok $? "init --model reads a LightGBM model"
$PY - frommodel/mlops.yaml > sig.txt <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print(d["model"]["runtime"], d["model"]["task"])
for f in d["signature"]["inputs"]:
    print(f["name"], f["type"], f.get("values"), f.get("unknown"), f.get("nullable"))
PY
expect_eq "$(cat sig.txt)" "lightgbm binary-classification
age float None None True
income float None None True
balance float None None True
plan category ['pro', 'basic', 'team'] missing True
city category ['oslo', 'lima', 'kyiv', 'rome', 'baku', 'doha', 'suva', 'apia'] missing True
score float None None True" "names, types, the model's categories in its order, the task"
run "$MLOPS" -C frommodel package -q -o "$SCRATCH/frommodel.mlpkg"
expect_rc 0 "what init --model wrote packages as it is"
# Category text YAML does not allow raw (a C1 control, DEL, U+FFFE) is
# escaped, and reads back as the model's: the bundle packages.
mkdir -p oddcats
sed 's/^pandas_categorical:\[\["pro", "basic", "team"\]/pandas_categorical:[["p\\u0086ro", "ba\\u007fsic", "te\\ufffeam"]/' \
	"$MLOPS_SRC/tests/fixtures/lightgbm/binary_pandas.txt" > oddcats/model.txt
grep -q 'p\\u0086ro' oddcats/model.txt
ok $? "a model whose categories hold controls"
(cd oddcats && "$MLOPS" init --model model.txt > /dev/null 2>&1)
ok $? "init --model reads it"
expect_match "$(grep 'values: \["p' oddcats/mlops.yaml)" 'values: \["p\\x86ro", "ba\\x7fsic", "te\\ufffeam"\]' "escaped in mlops.yaml"
run "$MLOPS" -C oddcats package -q -o "$SCRATCH/oddcats.mlpkg"
expect_rc 0 "and the escaped values are the model's: it packages"
mkdir -p badname
sed 's/^feature_names=age /feature_names=ag\xffe /' "$MLOPS_SRC/tests/fixtures/lightgbm/binary_codes.txt" > badname/model.txt
(cd badname && "$MLOPS" init --model model.txt > ../badname.out 2>&1)
ok $([ $? -eq 3 ] && echo 0 || echo 1) "a feature name that is not UTF-8: exit 3"
expect_match "$(cat badname.out)" "not UTF-8, which mlops.yaml cannot hold" "and why"
ok $([ ! -e badname/mlops.yaml ] && echo 0 || echo 1) "nothing written"
mkdir -p fromxgb/model && cp "$MLOPS_SRC/examples/credit-risk/model/model.json" fromxgb/model/
(cd fromxgb && "$MLOPS" --json init --model model/model.json > ../init.json)
ok $? "init --model reads an XGBoost model"
expect_eq "$(json_get init.json 'd["runtime"]')" xgboost "--json names the runtime found"
expect_eq "$($PY -c 'import yaml,sys; d=yaml.safe_load(open(sys.argv[1])); print(d["model"]["task"], [f["name"] for f in d["signature"]["inputs"]])' fromxgb/mlops.yaml)" \
	"binary-classification ['income', 'debt_ratio', 'credit_score', 'age', 'employment_years', 'num_credit_lines', 'loan_amount', 'has_prior_default']" \
	"the XGBoost model's feature names and task"
run "$MLOPS" -C fromxgb package -q -o "$SCRATCH/fromxgb.mlpkg"
expect_rc 0 "and it packages"
(cd fromxgb && "$MLOPS" init --model /etc/hostname -f other.yaml > ../abs.out 2>&1)
ok $([ $? -eq 2 ] && echo 0 || echo 1) "a model outside the project: exit 2"
expect_match "$(cat abs.out)" "must be a path inside the project" "and why"
(cd fromxgb && "$MLOPS" init --model mlops.yaml -f other.yaml > ../what.out 2>&1)
ok $([ $? -eq 3 ] && echo 0 || echo 1) "a file that is no model: exit 3"
expect_match "$(cat what.out)" "cannot tell which runtime 'mlops.yaml' is for" "and what to do"
ok $([ ! -e fromxgb/other.yaml ] && echo 0 || echo 1) "nothing is written when it fails"

done_testing
