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
expect_match "$ERR" "cannot open 'model.json'" "names the missing model"

# Files are replaced by rename(2): never a device or a pipe in their place.
mkfifo fifo
run "$MLOPS" init -f fifo --force
expect_rc 2 "writing over a pipe: refused, exit 2"
expect_match "$ERR" "'fifo' is not a regular file" "says why"
ok $([ -p fifo ] && echo 0 || echo 1) "the pipe is still a pipe"
done_testing
