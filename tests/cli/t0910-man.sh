#!/bin/sh
# Man pages: built, lint-clean, one per command, every option documented.
. "$(dirname "$0")/lib.sh"

MAN="${MLOPS_BUILD:-$MLOPS_SRC/build}/man"
for page in mlops.1 mlops-init.1 mlops-package.1 mlops-inspect.1 \
	mlops-validate.1 mlops-unpack.1 mlops-predict.1 mlops-push.1 \
	mlops-pull.1 mlops-tags.1 mlops-login.1 mlops-serve.1 mlops-image.1 mlops.yaml.5 \
	mlops-alert.1 mlops-monitor.1 \
	mlops-glm.5; do
	ok $([ -s "$MAN/$page" ] && echo 0 || echo 1) "$page is built"
	run mandoc -T lint "$MAN/$page"
	expect_rc 0 "$page: mandoc -T lint is clean"
	[ -z "$OUT$ERR" ] || diag "$OUT" "$ERR"
done

# Each visible command has a page, and the page names each of its options.
# A failed or changed help would leave nothing to loop over.
run "$MLOPS" help
expect_rc 0 "mlops help"
cmds=$(printf '%s\n' "$OUT" | awk '/^Commands:/{on=1; next} /^$/{on=0} on{print $1}')
ok $([ $(echo $cmds | wc -w) -ge 15 ] && echo 0 || echo 1) "mlops help lists the commands ($(echo $cmds | wc -w))"
for c in $cmds; do
	case $c in help|version) continue ;; logout) c=login ;; esac
	page="$MAN/mlops-$c.1"
	ok $([ -s "$page" ] && echo 0 || echo 1) "mlops-$c(1) exists"
	text=$(mandoc -T utf8 "$page" 2>/dev/null | col -b)
	run "$MLOPS" $c --help
	expect_match "$OUT" "^Options:" "mlops $c --help lists its options"
	for o in $(printf '%s\n' "$OUT" | awk '/^Options:/{on=1; next} /^$/{on=0} on' | grep -oE -- '--[a-z][a-z-]+'); do
		expect_match "$text" "$o" "mlops-$c(1) documents $o"
	done
	expect_match "$text" "EXIT STATUS" "mlops-$c(1) has an EXIT STATUS section"
done
text=$(mandoc -T utf8 "$MAN/mlops.1" | col -b)
for s in 0 1 2 3 4 5 6; do
	expect_match "$text" "^ +$s\$" "mlops(1) documents exit status $s"
done
# Every top-level descriptor key is documented in mlops.yaml(5).
text=$(mandoc -T utf8 "$MAN/mlops.yaml.5" | col -b)
for k in name version description license authors model signature datasets \
	gates smoke include dependencies environments threshold nullable \
	admin_key_env max_latency_ms tolerance alerts evaluate_every retry_for \
	dead_letter secret_env url_file X-Mlops-Signature \
	monitor max_drop max_rise min_labels; do
	expect_match "$text" "$k" "mlops.yaml(5) documents '$k'"
done

# mlops help COMMAND: the man page; its short help without man(1).
run "$MLOPS" help deploy
expect_rc 0 "mlops help deploy"
expect_match "$OUT" "MLOPS-DEPLOY\\(1\\)" "shows mlops-deploy(1)"
expect_match "$OUT" "canary analysis" "the whole page"
run "$MLOPS" help deploy --text
expect_match "$OUT" "^usage: mlops deploy" "--text: the short help"
run env PATH=/nonexistent "$MLOPS" help serve
expect_rc 0 "without man(1)"
expect_match "$OUT" "^usage: mlops serve" "falls back to the short help"
run "$MLOPS" help nosuch
expect_rc 2 "an unknown command: exit 2"

# mlops help TOPIC: the section-5 pages, from the build tree (build/man
# beside the binary), with man(1) non-interactive.
export MANPAGER=cat PAGER=cat
mkdir emptyman
for t in "mlops.yaml:MLOPS\\.YAML\\(5\\):single source of truth" \
	"glm:MLOPS-GLM\\(5\\):generalized linear model format" \
	"mlops-glm:MLOPS-GLM\\(5\\):generalized linear" \
	"mlops:MLOPS\\(1\\):model release lifecycle"; do
	topic=${t%%:*}; rest=${t#*:}; title=${rest%%:*}; text=${rest#*:}
	run env MANPATH="$SCRATCH/emptyman" "$MLOPS" help "$topic"
	expect_rc 0 "mlops help $topic: exit 0 from the build tree"
	expect_match "$OUT" "$title" "mlops help $topic: the page's title"
	expect_match "$OUT" "$text" "mlops help $topic: the page's text"
done
run "$MLOPS" help
expect_match "$OUT" "^  mlops\.yaml " "mlops help lists the topics"

# No man(1): a topic has no short help to fall back on, so an error
# naming the page and where it is; exit 4.
run env PATH=/nonexistent "$MLOPS" help mlops.yaml
expect_rc 4 "help mlops.yaml without man(1): exit 4"
expect_eq "$OUT" "" "  and nothing on stdout"
expect_match "$ERR" "^mlops: error: cannot show mlops\.yaml\(5\): man\(1\) is not installed" "  the error names the page"
expect_match "$ERR" "^hint: the page is .*/man/mlops\.yaml\.5 " "  the hint names the file"

# A binary with no pages beside it: man(1)'s own path (MANPATH), else an
# error naming the page.
mkdir -p alone/bin mp/man5
cp "$MLOPS" alone/bin/mlops
run env MANPATH="$SCRATCH/emptyman" alone/bin/mlops help glm
expect_rc 4 "no page beside the binary nor on the man path: exit 4"
expect_match "$ERR" "no man page mlops-glm\(5\)" "  the error names the page"
cp "$MAN/mlops-glm.5" mp/man5/
run env MANPATH="$SCRATCH/mp" alone/bin/mlops help glm
expect_rc 0 "a page on MANPATH: exit 0"
expect_match "$OUT" "MLOPS-GLM\(5\)" "  shows it"
run env MANPATH="$SCRATCH/emptyman" alone/bin/mlops help deploy
expect_rc 0 "a command without its page: exit 0"
expect_match "$OUT" "^usage: mlops deploy" "  its short help"

# Each command's page has the sections a reader looks for, and every
# command of its EXAMPLES is a real command with real options.
for f in "$MLOPS_SRC"/man/mlops-*.1.scd "$MLOPS_SRC/man/mlops.1.scd"; do
	page=$(basename "$f" .1.scd)
	for sec in SYNOPSIS OPTIONS "EXIT STATUS" EXAMPLES; do
		grep -Eq "^# ([A-Z]+ )?$sec" "$f" || echo "$page: no $sec"
	done
	r=$($PY "$MLOPS_SRC/tests/tools/check-commands" "$MLOPS" "$f" --code-only)
	case $r in "ok 0") echo "$page: no mlops command in EXAMPLES" ;; ok*) ;; *) echo "${r:-$page: check-commands printed nothing}" ;; esac
done > pages.txt
expect_eq "$(cat pages.txt)" "" "every page: synopsis, options, exit status, examples whose commands are real"
done_testing
