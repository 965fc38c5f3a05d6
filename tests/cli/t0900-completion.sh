#!/bin/sh
# Shell completion: bash completes commands, options and values; the zsh
# and fish scripts load and answer too. All from `mlops __complete`.
. "$(dirname "$0")/lib.sh"

mkdir bin && ln -s "$MLOPS" bin/mlops
export PATH="$SCRATCH/bin:$PATH"

# complete_bash WORDS...: the COMPREPLY for the last word.
complete_bash() {
	bash --norc -c '
		. /usr/share/bash-completion/bash_completion
		. "$0"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_mlops
		printf "%s\n" "${COMPREPLY[@]}"' \
		"$MLOPS_SRC/completions/mlops.bash" "$@" | sort | tr '\n' ' '
}

expect_eq "$(complete_bash mlops pa)" "package " "bash: a command"
expect_eq "$(complete_bash mlops i)" "image init inspect " "bash: commands by prefix"
all=$(complete_bash mlops '')
# The commands come from mlops help: a failed or changed help would leave
# nothing to loop over and nothing checked.
run "$MLOPS" help
expect_rc 0 "mlops help"
cmds=$(printf '%s\n' "$OUT" | awk '/^Commands:/{on=1; next} /^$/{on=0} on{print $1}')
ok $([ $(echo $cmds | wc -w) -ge 15 ] && echo 0 || echo 1) "mlops help lists the commands ($(echo $cmds | wc -w))"
for c in $cmds; do
	expect_match "$all" "(^| )$c " "bash: command '$c' completes"
done
expect_eq "$(complete_bash mlops package --t)" "--tag " "bash: a command's option"
expect_eq "$(complete_bash mlops package --al)" "--allow-dirty " "bash: another option"
expect_eq "$(complete_bash mlops predict --ex)" "--explain " "bash: predict --explain"
expect_eq "$(complete_bash mlops predict --to)" "--top " "bash: predict --top"
expect_match "$(complete_bash mlops inspect --)" "--files .*--json .*--sbom" "bash: options incl. common ones"
expect_eq "$(complete_bash mlops init --runtime '')" "glm lightgbm onnx xgboost " "bash: option values"
expect_eq "$(complete_bash mlops --color=a)" "--color=always --color=auto " "bash: --opt=value"
expect_eq "$(complete_bash mlops help pack)" "package " "bash: help takes a command"
expect_eq "$(complete_bash mlops help gl)" "glm " "bash: help takes a topic"
expect_eq "$(complete_bash mlops drift --test c)" "chisquare cramer_von_mises " "bash: drift tests by name"
expect_eq "$(complete_bash mlops drift pro)" "profile " "bash: drift's profile command"
expect_eq "$(complete_bash mlops drift profile --me)" "--merge " "bash: the options of drift profile"
expect_eq "$(complete_bash mlops alert '')" "test " "bash: alert's test subcommand"
expect_eq "$(complete_bash mlops alert test --bu)" "--bundle " "bash: the options of alert test"
expect_eq "$(complete_bash mlops drift --no)" "--notify " "bash: drift --notify"
expect_eq "$(complete_bash mlops validate --no)" "--notify " "bash: validate --notify"
expect_eq "$(complete_bash mlops store '')" "info prune " "bash: the verbs of store"
expect_eq "$(complete_bash mlops serve --ret)" "--retain --retain-every --retain-size " "bash: serve's retention options"
expect_eq "$(complete_bash mlops feedback --st)" "--store " "bash: the options of feedback"
expect_eq "$(complete_bash mlops init --template k)" "kubernetes " "bash: init's templates"
expect_eq "$(complete_bash mlops monitor --by '')" "day hour week " "bash: monitor's --by units"
expect_match "$(complete_bash mlops monitor --)" "--by=? .*--min-labels .*--notify .*--since .*--store " "bash: monitor's options"
copy_example envproj
expect_eq "$(cd envproj && complete_bash mlops deploy --env '')" "production staging " "bash: --env from ./mlops.yaml"
expect_eq "$(cd envproj && complete_bash mlops history --env st)" "staging " "bash: --env by prefix"
expect_eq "$(complete_bash mlops rollback --env '')" " " "bash: no mlops.yaml here, no environments (and no error)"
mkdir w && cd w && touch a.mlpkg b.txt && mkdir sub
expect_eq "$(complete_bash mlops inspect '')" "a.mlpkg sub " "bash: bundles (and folders) for inspect"
expect_eq "$(complete_bash mlops -C '')" "sub " "bash: directories for -C"
cd ..

# Every option in every command's --help can be completed.
for c in init package inspect image; do
	run "$MLOPS" $c --help
	expect_rc 0 "$c --help"
	for o in $(printf '%s\n' "$OUT" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		[ "$o" = "--help" ] && continue
		got=$(complete_bash mlops $c "$o")
		expect_match "$got" "^$o=? " "bash: $c $o completes"
	done
done

run zsh -n "$MLOPS_SRC/completions/_mlops"
expect_rc 0 "zsh: the script parses"
run zsh -fc "autoload -Uz compinit && compinit -u -d '$SCRATCH/zcd' && fpath=('$MLOPS_SRC/completions' \$fpath) && autoload -Uz _mlops && whence -w _mlops"
expect_match "$OUT" "_mlops: function" "zsh: the function loads"

run fish -n "$MLOPS_SRC/completions/mlops.fish"
expect_rc 0 "fish: the script parses"
run fish --no-config -c "source '$MLOPS_SRC/completions/mlops.fish'; complete -C 'mlops pa'; complete -C 'mlops package --al'"
expect_match "$OUT" '^package' "fish: completes a command"
expect_match "$OUT" '^--allow-dirty' "fish: completes an option"
done_testing
