#!/bin/sh
# Descriptor errors: file:line:col, exit 3, GitHub annotations.
. "$(dirname "$0")/lib.sh"

copy_example proj
cd proj

sed 's/^model:/modle:/' mlops.yaml > typo.yaml
run "$MLOPS" package -f typo.yaml
expect_rc 3 "unknown key: exit 3"
mline=$(grep -n "^modle:" typo.yaml | cut -d: -f1)
expect_match "$ERR" "error: typo.yaml:$mline:1: unknown key 'modle'" "file:line:col"
expect_match "$ERR" "hint: did you mean 'model'" "suggestion"
ok $([ ! -e credit-risk-1.0.0.mlpkg ] && echo 0 || echo 1) "no bundle written"

sed 's/^version: 1.0.0/version: 1.0/' mlops.yaml > v.yaml
run "$MLOPS" package -f v.yaml
expect_rc 3 "bad version: exit 3"
expect_match "$ERR" "v.yaml:[0-9]+:10: version '1.0' is not a semantic version" "version error located"

sed 's/^name: credit-risk/name: credit risk!/' mlops.yaml > n.yaml
run "$MLOPS" package -f n.yaml
expect_rc 3 "bad name: exit 3"
expect_match "$ERR" "name 'credit risk!' is not valid" "name error"

sed 's/      type: int$/      type: integer/' mlops.yaml > t.yaml
line=$(grep -n 'type: integer' t.yaml | head -1 | cut -d: -f1)
run "$MLOPS" package -f t.yaml
expect_rc 3 "bad type: exit 3"
expect_match "$ERR" "t.yaml:$line:13: .*unknown value 'integer'" "type error located"

printf 'name: x\nversion: 1.0.0\nmodel: [1\n' > broken.yaml
run "$MLOPS" package -f broken.yaml
expect_rc 3 "YAML syntax error: exit 3"
expect_match "$ERR" "broken.yaml:[0-9]+:[0-9]+: invalid YAML" "syntax error located"

run "$MLOPS" package -f missing.yaml
expect_rc 4 "missing descriptor: exit 4"
expect_match "$ERR" "cannot open 'missing.yaml': No such file" "missing file named"
expect_match "$ERR" "hint: run 'mlops init'" "hint to init"

GITHUB_ACTIONS=true run "$MLOPS" package -f typo.yaml
expect_rc 3 "in GitHub Actions: still exit 3"
expect_match "$ERR" "^::error file=typo.yaml,line=$mline,col=1::typo.yaml:$mline:1: unknown key" \
	"annotation with file, line, col"
done_testing
