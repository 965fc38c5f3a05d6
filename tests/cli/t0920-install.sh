#!/bin/sh
# make install puts the binary, man pages, completions and templates under
# PREFIX inside DESTDIR; the installed binary runs.
. "$(dirname "$0")/lib.sh"

run make -s -C "$MLOPS_SRC" install DESTDIR="$SCRATCH/root" PREFIX=/usr \
	SANITIZE="${MLOPS_SANITIZE:-}"
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
run make -s -C "$MLOPS_SRC" uninstall DESTDIR="$SCRATCH/root" PREFIX=/usr \
	SANITIZE="${MLOPS_SANITIZE:-}"
expect_rc 0 "make uninstall"
expect_eq "$(find "$r" -type f | wc -l)" "0" "uninstall removes every file"
done_testing
