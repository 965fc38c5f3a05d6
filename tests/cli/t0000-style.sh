#!/bin/sh
# Source rules that a compiler does not check: banned functions, lib/
# never prints or exits, files stay small, headers include no circle.
. "$(dirname "$0")/lib.sh"

cd "$MLOPS_SRC"
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|gmtime|localtime|ctime|asctime|gets)[[:space:]]*\('
hits=$(grep -nE "$banned" lib/*/*.c lib/*/*/*.c cli/*.c subcommands/*.c 2>/dev/null)
expect_eq "$hits" "" "no banned functions (strcpy, sprintf, strtok, gmtime, ...)"

hits=$(grep -nE '\b(printf|puts|putchar|perror|exit|_exit)[[:space:]]*\(|\b(stdout|stderr)\b' lib/*/*.c lib/*/*/*.c 2>/dev/null | \
	grep -v 'snprintf\|vsnprintf\|fprintf(stderr, "mlops: fatal: out of memory')
expect_eq "$hits" "" "lib/ never prints and never exits"

big=$(wc -l lib/*/*.c lib/*/*.h lib/*/*/*.c lib/*/*/*.h cli/*.c subcommands/*.c | awk '$2 != "total" && $1 > 800 {print $2" "$1}')
expect_eq "$big" "" "no source file over 800 lines"

# The include graph has no circle but the deliberate one: a temporary
# file is made and renamed by fsutil, which uses it for atomic writes.
circles=$(ALLOW="lib/core/fsutil,lib/core/tempfile" /usr/bin/python3 \
	"$MLOPS_SRC/tests/tools/include-cycles" "$MLOPS_SRC")
rc=$?
expect_eq "$rc:$circles" "0:" "no include circle in lib/ (tests/tools/include-cycles)"
done_testing
