#!/bin/sh
# package --tag: GTO's register tag NAME@vVERSION, annotated, on HEAD.
. "$(dirname "$0")/lib.sh"

copy_example proj
cd proj
git init -q && git add -A && git commit -q -m "first"

run "$MLOPS" package --tag
expect_rc 0 "package --tag in a clean repository"
expect_match "$OUT" 'tag +credit-risk@v1\.0\.0' "reports the tag"
expect_eq "$(git cat-file -t credit-risk@v1.0.0)" "tag" "an annotated tag"
expect_eq "$(git rev-parse 'credit-risk@v1.0.0^{commit}')" "$(git rev-parse HEAD)" "on HEAD"
msg=$(git cat-file -p credit-risk@v1.0.0 | sed '1,/^$/d')
expect_eq "$(printf '%s\n' "$msg" | head -1)" "Registering artifact credit-risk version v1.0.0" "GTO's message"
digest=$(bundle_digest credit-risk-1.0.0.mlpkg)
expect_match "$msg" "^Bundle-Digest: $digest\$" "digest trailer names the bundle"
expect_match "$(git cat-file -p credit-risk@v1.0.0)" '^tagger Test Author <author@example.com>' "tagger from GIT_COMMITTER_*"
# GTO's grammar: ARTIFACT "@v" SEMVER with ARTIFACT = [a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?
expect_match "$(git tag)" '^[a-zA-Z0-9]([a-zA-Z0-9/_-]*[a-zA-Z0-9])?@v[0-9]+\.[0-9]+\.[0-9]+$' "tag parses with GTO's grammar"

run "$MLOPS" package --tag
expect_rc 0 "re-running on the same commit is fine"
expect_match "$OUT" 'already there' "says the tag was already there"

echo "# changed" >> train.py
run "$MLOPS" package --tag -o dirty.mlpkg
expect_rc 3 "dirty tree: exit 3"
expect_match "$ERR" "changes that are not committed" "dirty explained"
expect_match "$ERR" "hint: .*--allow-dirty" "hint names --allow-dirty"
ok $([ ! -e dirty.mlpkg ] && echo 0 || echo 1) "refused before writing a bundle"
git checkout -q train.py

git commit -q -m "second" --allow-empty
run "$MLOPS" package --tag -o other.mlpkg
expect_rc 3 "the tag exists on another commit: exit 3"
expect_match "$ERR" "tag 'credit-risk@v1.0.0' already exists on commit" "conflict explained"
expect_match "$ERR" "hint: .*raise 'version'" "hint to bump the version"

sed -i 's/^version: 1.0.0/version: 1.1.0/' mlops.yaml
git commit -qam "v1.1.0"
run "$MLOPS" package --tag
expect_rc 0 "a new version gets its tag"
expect_eq "$(git tag | sort | tr '\n' ' ')" "credit-risk@v1.0.0 credit-risk@v1.1.0 " "both versions registered"

echo "x" >> README.md
run "$MLOPS" package --tag --allow-dirty -o d2.mlpkg
expect_rc 3 "--allow-dirty: the same version's tag with another bundle is refused"
expect_match "$ERR" "already exists on this commit for bundle" "different bundle on the same commit explained"
git checkout -q README.md

cd "$SCRATCH" && mkdir nogit && cp -R proj/. nogit/ && rm -rf nogit/.git
run "$MLOPS" -C nogit package --tag
expect_rc 3 "--tag outside git: exit 3"
expect_match "$ERR" "needs a git repository" "explained"
done_testing
