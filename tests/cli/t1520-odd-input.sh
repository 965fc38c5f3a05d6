#!/bin/sh
# Bad input never crashes, hangs or destroys: one number policy in every
# reader (core/number.h), files that are not regular refused before they
# are opened, an output that is an input refused in every command that
# writes, and control characters from data shown escaped on a terminal.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
RC=$?
expect_rc 0 "the example packages"
HEAD=$(head -1 proj/data/golden.csv | cut -d, -f1-8)
ROW=$(sed -n 2p proj/data/golden.csv | cut -d, -f2-8)

# --- numbers: drift -------------------------------------------------------
{ echo x; seq 1 30; } > r.csv
for tok in Inf -Inf inf +infinity nan 1e400 -1e400 0x1p3 1e 1.2.3; do
	printf 'x\n1\n%s\n' "$tok" > c.csv
	for args in "" "--json" "--html h.html" "--test ks" "--test psi"; do
		# shellcheck disable=SC2086
		run "$MLOPS" drift --reference r.csv --current c.csv $args
		expect_rc 3 "drift, current value '$tok' ${args:-(default)}: exit 3, no crash"
	done
	expect_match "$OUT" "row 2: '.*' is (not a finite number|out of range for a double|not a number)" \
		"drift names the row and why '$tok' is refused"
	# Without a signature, text in the reference makes a column
	# categorical: the token is a category like any word.
	printf 'x\n%s\n2\n' "$tok" > c.csv
	run "$MLOPS" drift --reference c.csv --current r.csv
	expect_rc 0 "drift, reference value '$tok': a categorical column"
	expect_match "$OUT" "^x +categorical" "typed categorical"
done
printf 'x\n1\n40\0.5\n' > nul.csv
run "$MLOPS" drift --reference r.csv --current nul.csv
expect_rc 3 "drift: a NUL byte inside a field is refused, not read as 40"
expect_match "$OUT" "row 2: the value contains a NUL byte" "drift says NUL byte"
# The same in a categorical column, in the reference and the current
# data: refused, not counted as the category 'a'.
printf 'x\na\nb\n' > cat.csv
printf 'x\na\na\0z\n' > catnul.csv
for pair in "cat.csv catnul.csv" "catnul.csv cat.csv"; do
	set -- $pair
	run "$MLOPS" drift --reference "$1" --current "$2"
	expect_rc 3 "drift: a NUL byte inside a category ($2 current) is refused"
	expect_match "$OUT" "row 2: the value contains a NUL byte" "drift says NUL byte for a category"
done
printf '{"x": 1}\n{"x": 1e400}\n' > c.jsonl
run "$MLOPS" drift --reference r.csv --current c.jsonl
expect_rc 3 "drift, JSON lines 1e400: exit 3"
printf '{"x": 1}\n{"x": 123456789012345678901234567890}\n' > c.jsonl
run "$MLOPS" drift --reference r.csv --current c.jsonl
ok $([ "$RC" -le 1 ] && echo 0 || echo 1) "drift, JSON lines with 30 digits: a number, as in CSV (exit $RC)"
printf '{"x": 1}\n{"x": "Infinity"}\n' > c.jsonl
run "$MLOPS" drift --reference r.csv --current c.jsonl
expect_rc 3 "drift, JSON lines \"Infinity\" as text: exit 3"

# Finite extremes: their span is beyond the largest double.
printf 'x\n1.7e308\n-1.7e308\n5\n' > big.csv
for args in "" "--test ks" "--test psi" "--test wasserstein" "--test jensenshannon" \
	"--test hellinger" "--test chisquare" "--binning doane" "--binning quantile:4" \
	"--html big.html" "--json"; do
	# shellcheck disable=SC2086
	run "$MLOPS" drift --reference r.csv --current big.csv $args
	ok $([ "$RC" -le 1 ] && echo 0 || echo 1) "drift with +-1.7e308 ${args:-(default)}: a result (exit $RC)"
	# shellcheck disable=SC2086
	run "$MLOPS" drift --reference big.csv --current r.csv $args
	ok $([ "$RC" -le 1 ] && echo 0 || echo 1) "drift with a +-1.7e308 reference ${args:-(default)}: a result (exit $RC)"
done
run "$MLOPS" drift profile big.csv -o big.json
expect_rc 0 "a profile of +-1.7e308"
run "$MLOPS" drift --reference big.json --current r.csv
ok $([ "$RC" -le 1 ] && echo 0 || echo 1) "drift against that profile: a result (exit $RC)"
must "$MLOPS" drift profile r.csv -o good.json
for edit in 'c["count"] = -5' 'c["missing"] = -1' 'del c["min"]' 'c["std"] = -1' \
	'c["histogram"][0] = -3'; do
	# An edit that fails must not leave the last one's bad.json to refuse.
	rm -f bad.json
	$PY - "$edit" <<'PY'
import json, sys
d = json.load(open("good.json"))
c = d["columns"][0]
exec(sys.argv[1])
json.dump(d, open("bad.json", "w"))
PY
	run "$MLOPS" drift --reference bad.json --current r.csv
	expect_rc 3 "a profile with $edit is refused (exit 3), not read"
done

# --- numbers: predict, validate --data ------------------------------------
for tok in Inf -inf NaN-not nan 1e400 0x10 "4e"; do
	printf '%s\n%s,%s\n' "$HEAD" "$tok" "$ROW" > p.csv
	run "$MLOPS" predict b.mlpkg -i p.csv
	expect_rc 3 "predict: income '$tok' stops the job (exit 3)"
	expect_match "$ERR" "income" "predict names the column for '$tok'"
	run "$MLOPS" validate --data p.csv --bundle b.mlpkg
	expect_rc 1 "validate --data: income '$tok' is a violation"
done
printf '%s\n40\0.5,%s\n' "$HEAD" "$ROW" > p.csv
run "$MLOPS" predict b.mlpkg -i p.csv
expect_rc 3 "predict: '40<NUL>.5' is refused, not scored as 40"
expect_match "$ERR" "NUL byte" "predict says NUL byte"
printf '%s\n-0,%s\n0,%s\n' "$HEAD" "$ROW" "$ROW" > z.csv
run "$MLOPS" predict b.mlpkg -i z.csv
expect_rc 0 "predict: -0 is a number"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p | cut -d, -f2-)" \
	"$(printf '%s\n' "$OUT" | sed -n 3p | cut -d, -f2-)" "-0 predicts as 0"
printf '{"income": 1e400}\n' > p.jsonl
run "$MLOPS" predict b.mlpkg -i p.jsonl
expect_rc 3 "predict: JSON lines 1e400 stops the job"

# --- numbers: request bodies ----------------------------------------------
PORT=$(free_port)
start_serve serve.err "$PORT" b.mlpkg
F='"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false'
for v in '"Inf"' '"NaN"' '"-infinity"' '"0x1p3"' '1e400' 'NaN' 'Infinity'; do
	code=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "{\"features\":{\"income\":$v,$F}}" "http://127.0.0.1:$PORT/predict")
	ok $([ "$code" = 422 ] || [ "$code" = 400 ] && echo 0 || echo 1) \
		"POST /predict with income $v: $code, not scored"
done
code=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "{\"features\":{\"income\":\"40\\u00005\",$F}}" "http://127.0.0.1:$PORT/predict")
ok $([ "$code" = 422 ] || [ "$code" = 400 ] && echo 0 || echo 1) "POST /predict with a NUL inside a value: $code"
code=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "{\"features\":{\"income\":-0.0,$F}}" "http://127.0.0.1:$PORT/predict")
expect_eq "$code" 200 "POST /predict with -0.0: 200"
kill $SPID 2>/dev/null

# --- files that are not regular files -------------------------------------
mkfifo fifo
mkdir -p fproj
cp -R proj/. fproj/
rm fproj/model/model.json
mkfifo fproj/model/model.json
run timeout 20 "$MLOPS" -C fproj package -q -o "$SCRATCH/f.mlpkg"
expect_rc 4 "package: model.path naming a FIFO is refused, never read (exit 4, as a missing file)"
expect_match "$ERR" "not a regular file" "package says why"
cp proj/model/model.json fproj/model/model.json.real
rm fproj/model/model.json
ln -s /etc/hostname fproj/model/model.json
run timeout 20 "$MLOPS" -C fproj package -q -o "$SCRATCH/f.mlpkg"
expect_rc 3 "package: model.path leading outside the project is refused"
expect_match "$ERR" "outside the project" "package says outside the project"
for c in "package -f fifo" "inspect fifo" "validate fifo" "predict b.mlpkg -i fifo" \
	"predict fifo -i proj/data/golden.csv" "drift --reference fifo --current r.csv" \
	"drift --reference r.csv --current fifo" "validate --data fifo --bundle b.mlpkg" \
	"push fifo oci:$SCRATCH/lay" "unpack fifo -o un" "serve fifo" "drift profile fifo -o p.json" \
	"-C proj package --sign $SCRATCH/fifo" "deploy fifo --env staging -f proj/mlops.yaml"; do
	# shellcheck disable=SC2086
	run timeout 20 "$MLOPS" $c
	expect_rc 4 "$c: refused at once (exit 4), no hang"
	expect_match "$ERR" "FIFO" "$c: says FIFO"
done
run timeout 20 "$MLOPS" predict b.mlpkg -i /dev/null
expect_rc 4 "predict -i /dev/null: a device is refused"

# --- an output that is an input -------------------------------------------
cp proj/data/golden.csv g.csv
cp b.mlpkg keep.mlpkg
sha256sum g.csv b.mlpkg proj/model/model.json proj/mlops.yaml proj/data/golden.csv > sums
ln -s g.csv g-link.csv
for c in "predict b.mlpkg -i g.csv -o g.csv" "predict b.mlpkg -i g.csv -o g-link.csv" \
	"predict b.mlpkg -i g.csv -o b.mlpkg" \
	"drift --reference g.csv --current proj/data/reference.csv --html g.csv" \
	"drift --reference proj/data/reference.csv --current g.csv --html g-link.csv" \
	"-C proj package -o model/model.json" "-C proj package -o mlops.yaml" \
	"-C proj package -o data/golden.csv" "serve b.mlpkg --log-file b.mlpkg"; do
	# shellcheck disable=SC2086
	run timeout 20 "$MLOPS" $c
	expect_rc 2 "$c: refused (exit 2)"
	expect_match "$ERR" "the same file|would destroy" "$c: says why"
done
cp g.csv in.csv
sha256sum in.csv >> sums
run "$MLOPS" predict b.mlpkg -i - -o in.csv < in.csv
expect_rc 2 "predict -i - -o FILE < FILE: standard input is that file, refused"
run "$MLOPS" drift --reference proj/data/reference.csv --current - --html in.csv < in.csv
expect_rc 2 "drift --current - --html FILE < FILE: refused"
printf 'k1\n' > keys
sha256sum keys >> sums
for opt in --api-key-file "--tls-cert keys --tls-key"; do
	# shellcheck disable=SC2086
	run timeout 20 "$MLOPS" serve b.mlpkg $opt keys --log-file keys --listen 127.0.0.1:0
	expect_rc 2 "serve $opt keys --log-file keys: refused"
done
run sha256sum -c sums
expect_rc 0 "no input was changed"
must "$MLOPS" push b.mlpkg "oci:$SCRATCH/lay:1"
run "$MLOPS" pull "oci:$SCRATCH/lay:1" -o "$SCRATCH/lay/index.json"
expect_rc 2 "pull -o the layout's own index.json: refused"

# --- a manifest the index names but the layout lacks (freed memory once) ---
idx_digest=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' lay/index.json)
rm "lay/blobs/sha256/${idx_digest#sha256:}"
run "$MLOPS" pull "oci:$SCRATCH/lay:1" -o x.mlpkg
expect_rc 3 "pull: a missing manifest is bad input"
expect_match "$ERR" "manifest $idx_digest is missing" "the message names the digest intact"

# --- an unusable cache directory is the machine's failure, not the bundle's -
printf 'x' > cachefile
for c in "validate b.mlpkg" "predict b.mlpkg -i proj/data/golden.csv" \
	"drift --bundle b.mlpkg --current proj/data/reference.csv --predictions" \
	"serve b.mlpkg --listen 127.0.0.1:0"; do
	# shellcheck disable=SC2086
	XDG_CACHE_HOME="$SCRATCH/cachefile" run timeout 20 "$MLOPS" $c
	expect_rc 4 "$c with an unusable cache directory: exit 4"
	expect_match "$ERR" "the bundle cache: cannot create" "$c: says it is the cache"
done

# --- usage errors name the option and the value, before any slow work ----
for c in "drift --bundle b.mlpkg --current r.csv --threshold abc|--threshold takes a number >= 0, not 'abc'" \
	"drift --bundle b.mlpkg --current r.csv --drift-share 0x1|--drift-share takes a number in \(0, 1\], not '0x1'" \
	"drift --bundle b.mlpkg --current r.csv --missing-threshold inf|--missing-threshold takes a number in \[0, 1\], not 'inf'" \
	"serve b.mlpkg --rate-limit inf/s|--rate-limit takes N/s, such as 100/s, not 'inf/s'" \
	"serve b.mlpkg --listen nope|--listen: 'nope' is not ADDRESS:PORT" \
	"serve b.mlpkg --threads 999|option '--threads' takes 1 to 256, not '999'" \
	"serve b.mlpkg --max-body -1|--max-body takes a size of at least 1K, not '-1'" \
	"serve b.mlpkg --max-body 17179869185G|--max-body takes a size of at least 1K" \
	"drift --reference r.csv --current r.csv --binning edges:1,inf|--binning takes"; do
	# shellcheck disable=SC2086
	run timeout 20 "$MLOPS" ${c%%|*}
	expect_rc 2 "${c%%|*}: a usage error"
	expect_match "$ERR" "${c#*|}" "${c%%|*}: names the option and the value"
	expect_no_match "$ERR" "serving|wrote" "${c%%|*}: found before any work"
done

# --- control characters from data on a terminal ---------------------------
printf 'x\n\033]0;pwned\007\033[2J\033[8mhid\rback\033[2K\n' > esc.csv
MLOPS_TERMSAFE=1 run "$MLOPS" drift --reference r.csv --current esc.csv
expect_rc 3 "drift with escape sequences in a value"
ok $(printf '%s%s' "$OUT" "$ERR" | grep -q "$(printf '\033')" && echo 1 || echo 0) \
	"no raw ESC reaches the terminal"
expect_match "$OUT" '\\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[8mhid\\x0dback\\x1b\[2K' \
	"shown escaped: OSC, erase, conceal and carriage return"
run "$MLOPS" drift --reference r.csv --current esc.csv --json
expect_rc 3 "the same in JSON"
# The real thing: a pseudo-terminal (script(1)), colour on.
script -qec "\"$MLOPS\" --color=always drift --reference r.csv --current esc.csv" /dev/null > tty.out 2>&1
ok $(grep -q "$(printf '\033')\]0;pwned" tty.out && echo 1 || echo 0) "on a pty: the OSC sequence is escaped"
ok $(grep -q "$(printf '\033')\[1m\|$(printf '\033')\[3[0-9]m\|$(printf '\033')\[0m" tty.out && echo 0 || echo 1) \
	"on a pty: mlops's own colours still pass"

done_testing
