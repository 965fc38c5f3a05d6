#!/bin/sh
# Every fuzz harness replays its seed corpus and every crasher found so
# far (tests/fuzz/corpus/NAME) without libFuzzer: what was once fixed
# stays fixed. `make fuzz SECONDS=N` runs the harnesses for real.
. "$(dirname "$0")/lib.sh"

for src in "$MLOPS_SRC"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	corpus="$MLOPS_SRC/tests/fuzz/corpus/$name"
	n=$(ls "$corpus" 2>/dev/null | wc -l)
	ok $([ "$n" -ge 1 ] && echo 0 || echo 1) "$name: a seed corpus ($n inputs)"
	run env MLOPS_FUZZ_BUNDLE="$MLOPS_SRC/tests/fuzz/corpus/bundle/tiny" "$MLOPS_BUILD/fuzz/replay_$name" "$corpus"
	expect_rc 0 "$name: the corpus replays without a crash or a leak"
	expect_eq "$OUT" "$n inputs" "$name: every input ran"
done
done_testing
