#!/bin/sh
# mlops drift equals scipy 1.10 (Debian python3-scipy) to 1e-9 on random
# cases made at test time: sizes 5 to 20000, ties, a constant column, one
# binary column, small one-sided shifts, exact and asymptotic KS and
# Cramér-von Mises (chisquare
# where there are at most 60 distinct values). Two
# seeds; every test by name over every case it applies to.
. "$(dirname "$0")/lib.sh"

for seed in 1 2; do
	mkdir "s$seed"
	"$MLOPS_SRC/tests/tools/drift-reference" "$seed" "s$seed" 2> "s$seed/gen.err"
	ok $? "seed $seed: cases and scipy's answers generated"
	for t in ks t_test mannw wasserstein psi kl_div jensenshannon hellinger chisquare z cramer_von_mises anderson; do
		"$MLOPS" drift --reference "s$seed/ref.csv" --current "s$seed/cur.csv" --test "$t" \
			--json > "s$seed/$t.json" 2> "s$seed/$t.err"
		rc=$?
		# 0 no drift, 1 drift; anything else is a failure to compare
		ok $([ $rc -le 1 ] && echo 0 || echo 1) "seed $seed, $t: ran (exit $rc)"
		res=$($PY - "s$seed/$t.json" "s$seed/expected.json" "$t" <<'PY'
import json, math, sys
got = {c["column"]: c for c in json.load(open(sys.argv[1]))["columns"]}
exp = json.load(open(sys.argv[2]))[sys.argv[3]]
bad, n = [], 0
for col, (stat, p) in exp.items():
    c = got[col]
    if c["error"]:
        bad.append(f"{col}: error {c['error']}")
        continue
    for name, want, have in (("statistic", stat, c["statistic"]), ("p", p, c["p_value"])):
        if want is None:
            continue
        n += 1
        if have is None or abs(have - want) > 1e-9 * max(1.0, abs(want)):
            bad.append(f"{col} {name}: mlops {have!r} scipy {want!r}")
# The z test must refuse columns that are not binary, with a reason.
for col, c in got.items():
    if sys.argv[3] == "z" and col not in exp and not c["error"]:
        bad.append(f"{col}: computed where it should be refused")
print(f"{n} values" if not bad else "; ".join(bad))
PY
)
		expect_match "$res" '^[1-9][0-9]* values$' "seed $seed, $t: equal to scipy to 1e-9 ($res)"
	done
done
done_testing
