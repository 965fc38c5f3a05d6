#!/bin/sh
# make install puts the binary, man pages, completions and templates under
# PREFIX inside DESTDIR; the installed binary runs.
. "$(dirname "$0")/lib.sh"

# The build under test (make B=...), not a fresh one in build/.
case ${MLOPS_BUILD:-} in
"$MLOPS_SRC"/*) set -- B="${MLOPS_BUILD#"$MLOPS_SRC"/}" ;;
*) set -- ;;
esac
run make -s -C "$MLOPS_SRC" install DESTDIR="$SCRATCH/root" PREFIX=/usr \
	SANITIZE="${MLOPS_SANITIZE:-}" "$@"
expect_rc 0 "make install DESTDIR=... PREFIX=/usr"
[ "$RC" -eq 0 ] || diag "$ERR"
r="$SCRATCH/root/usr"
for f in bin/mlops share/man/man1/mlops.1 share/man/man1/mlops-package.1 \
	share/man/man5/mlops.yaml.5 share/bash-completion/completions/mlops \
	share/zsh/vendor-completions/_mlops \
	share/fish/vendor_completions.d/mlops.fish \
	share/mlops/templates/mlops.yaml; do
	ok $([ -s "$r/$f" ] && echo 0 || echo 1) "installs $f"
done
run "$r/bin/mlops" --version
expect_rc 0 "the installed binary runs"
ok $([ -x "$r/bin/mlops" ] && echo 0 || echo 1) "the binary is executable"

# mlops help finds the installed pages under its own prefix
# (PREFIX/share/man), whatever man(1)'s path says.
mkdir emptyman
for t in "mlops.yaml:MLOPS\\.YAML\\(5\\):single source of truth" \
	"glm:MLOPS-GLM\\(5\\):generalized linear model format" \
	"deploy:MLOPS-DEPLOY\\(1\\):canary analysis"; do
	topic=${t%%:*}; rest=${t#*:}; title=${rest%%:*}; text=${rest#*:}
	run env MANPAGER=cat PAGER=cat MANPATH="$SCRATCH/emptyman" \
		"$r/bin/mlops" help "$topic"
	expect_rc 0 "installed: mlops help $topic"
	expect_match "$OUT" "$title" "installed: mlops help $topic: the page's title"
	expect_match "$OUT" "$text" "installed: mlops help $topic: the page's text"
done
run env PATH=/nonexistent "$r/bin/mlops" help mlops.yaml
expect_rc 4 "installed, no man(1): exit 4"
expect_match "$ERR" "man\\(1\\) is not installed" "  says so"
expect_match "$ERR" "hint: the page is $r/bin/\\.\\./share/man/man5/mlops\\.yaml\\.5" "  names the installed page"
run make -s -C "$MLOPS_SRC" uninstall DESTDIR="$SCRATCH/root" PREFIX=/usr \
	SANITIZE="${MLOPS_SANITIZE:-}"
expect_rc 0 "make uninstall"
expect_eq "$(find "$r" -type f | wc -l)" "0" "uninstall removes every file"
done_testing
