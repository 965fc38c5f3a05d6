#!/bin/sh
# mlops feedback FILE.csv and mlops store prune|info on SQLite: labels
# checked against the bundle's task, unknown ids counted (exit 0),
# invalid labels not stored (exit 3), exit 4 for what cannot be read;
# pruning by age and by size. The store is read with sqlite3.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/credit.mlpkg"
mkdir hp
cp -R "$MLOPS_SRC/examples/house-prices/." hp/
rm -f hp/*.mlpkg
sed -i 's/^\(  latency_p95_ms: \).*/\1"<= 60000"/' hp/mlops.yaml
must "$MLOPS" -C hp package -q -o "$SCRATCH/hp.mlpkg"
DB=$SCRATCH/s.db
S=sqlite:$DB
sq() { sqlite3 -batch -noheader "$DB" "$1"; }

# A store made by serve, then rows of our own (ids, times) put in with
# sqlite3: what feedback and prune read is the store's schema.
PORT=$(free_port)
start_serve serve.err "$PORT" credit.mlpkg --store "$S" ||
	{ ok 1 "serve --store starts"; cat serve.err; done_testing; exit 1; }
kill -TERM "$SPID"
wait "$SPID"
now=$($PY -c 'import time; print(int(time.time() * 1000))')
$PY - "$DB" "$now" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
now = int(sys.argv[2])
rows = [("r%d" % i, "r%d" % i, now - (100 - i) * 86400000 // 2 + 3600000, "credit-risk", "1.0.0",
         "sha256:x", '{"income": %d, "note": "%s"}' % (i, "x" * 4000), '{"prediction": 1, "probability": 0.9}', 0.1)
        for i in range(100)]
db.executemany("INSERT INTO mlops_predictions (id, request_id, ts_ms, model, version, digest, inputs, outputs, latency_ms) VALUES (?,?,?,?,?,?,?,?,?)", rows)
db.commit()
EOF
expect_eq "$(sq 'SELECT count(*) FROM mlops_predictions')" 100 "setup: 100 predictions, one every 12 h back to 50 days"

printf 'id,label,note\nr1,1,a\nr2,0,b\nghost,1,c\nr3,yes,d\nr4,,e\n,1,f\nr5,1.0,g\nr1,0,h\n' > labels.csv
run "$MLOPS" feedback --store "$S" --bundle credit.mlpkg labels.csv
expect_rc 3 "invalid labels: exit 3 (bad input data), the valid ones stored"
expect_eq "$OUT" "4 labels stored, 1 unknown id, 3 invalid (of 8 rows)" "the counts on stdout"
expect_match "$ERR" "labels.csv:5: not one of the model's class labels, id r3" "an invalid row: its line and why"
expect_match "$ERR" "labels.csv:6: the label is empty, id r4" "an empty label"
expect_match "$ERR" "labels.csv:7: the id is empty" "an empty id"
expect_eq "$(sq 'SELECT id, label FROM mlops_feedback ORDER BY id' | tr '\n' ' ')" "r1|0 r2|0 r5|1 " \
	"stored as the model answers labels (1.0 is the class 1); the later label for r1 replaced the earlier"
printf 'label,id\n1,r7\n0,nope\n' > ok.csv
run "$MLOPS" feedback --store "$S" --json ok.csv
expect_rc 0 "unknown ids only: exit 0"
expect_eq "$(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["rows"], d["stored"], d["unknown"], d["invalid"])')" \
	"2 1 1 0" "--json: rows, stored, unknown, invalid; columns in any order"
run "$MLOPS" feedback --store "$S" - < ok.csv
expect_eq "$RC $OUT" "0 1 label stored, 1 unknown id, 0 invalid (of 2 rows)" "- reads standard input"
printf 'id,label\nr8,"free text, no bundle"\nr9,2.5\n' > any.csv
run "$MLOPS" feedback --store "$S" any.csv
expect_rc 0 "without --bundle any scalar label goes"
expect_eq "$(sq "SELECT label FROM mlops_feedback WHERE id IN ('r8', 'r9') ORDER BY id" | tr '\n' ' ')" \
	'"free text, no bundle" 2.5 ' "  a string stays a string, a number a number"
printf 'id,label\nr10,199000.5\nr11,cheap\nr12,inf\n' > hp.csv
run "$MLOPS" feedback --store "$S" --bundle hp.mlpkg hp.csv
expect_eq "$RC $OUT" "3 1 label stored, 0 unknown ids, 2 invalid (of 3 rows)" \
	"a regressor's labels must be finite numbers"
expect_match "$ERR" "regressor's label must be a finite number" "  saying so"

# What cannot be read: exit 4; a file that is no CSV of id,label: 3.
run "$MLOPS" feedback --store "$S" missing.csv
expect_rc 4 "a missing file: exit 4"
printf 'ident,value\nr1,1\n' > cols.csv
run "$MLOPS" feedback --store "$S" cols.csv
expect_rc 3 "no id column: exit 3"
expect_match "$ERR" "no 'id' column" "  naming the column"
: > empty.csv
run "$MLOPS" feedback --store "$S" empty.csv
expect_rc 3 "an empty file: exit 3"
printf 'id,label\n"r1,1\n' > quote.csv
run "$MLOPS" feedback --store "$S" quote.csv
expect_rc 3 "an unterminated quote: exit 3"
run "$MLOPS" feedback --store sqlite:nope.db ok.csv
expect_rc 4 "a store that is not there: exit 4"
test ! -e nope.db
ok $? "  and none is created"
run "$MLOPS" feedback --store "sqlite:$SCRATCH/labels.csv" ok.csv
expect_rc 3 "a file that is no store: exit 3"
run "$MLOPS" feedback --store "$S" --bundle missing.mlpkg ok.csv
expect_rc 4 "a missing bundle: exit 4"
run "$MLOPS" feedback ok.csv
expect_rc 2 "no --store: usage error"
run env MLOPS_STORE="$S" "$MLOPS" feedback ok.csv
expect_rc 0 "MLOPS_STORE names the store"
run "$MLOPS" feedback --store "$S"
expect_rc 2 "no file: usage error"
run "$MLOPS" feedback --store ftp://x ok.csv
expect_rc 2 "not a store URL: usage error"
# Hostile ids: control characters, bytes that are not UTF-8, too long.
$PY -c '
import sys
sys.stdout.buffer.write(b"id,label\nr\x01x,1\n\xff\xfe,1\n" + b"a" * 300 + b",1\nr13,1\n")' > hostile.csv
run "$MLOPS" feedback --store "$S" hostile.csv
expect_eq "$RC $OUT" "3 1 label stored, 0 unknown ids, 3 invalid (of 4 rows)" "hostile ids are refused one by one"

# store info, prune by age then by size.
run "$MLOPS" store info --store "$S" --json
expect_eq "$RC $(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], d["predictions"], d["feedback"])')" \
	"0 sqlite 100 8" "store info --json"
run "$MLOPS" store prune --store "$S" --older-than 30d
expect_rc 0 "store prune --older-than 30d"
expect_match "$OUT" "^pruned 40 predictions and 8 labels" "  says what went"
expect_eq "$(sq 'SELECT count(*), min(id) FROM mlops_predictions')" "60|r40" "the 40 rows older than 30 days went"
expect_eq "$(sq 'SELECT count(*) FROM mlops_feedback WHERE id NOT IN (SELECT id FROM mlops_predictions)')" 0 \
	"with their labels"
run "$MLOPS" store prune --store "$S" --older-than 30d --json
expect_eq "$RC $(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["predictions"])')" \
	"0 0" "again: nothing more (safe to re-run)"
before=$(sq 'SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size')
run "$MLOPS" store prune --store "$S" --max-size 256K --json
expect_rc 0 "store prune --max-size 256K"
after=$(sq 'SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size')
file=$($PY -c 'import os, sys; print(os.path.getsize(sys.argv[1]))' "$DB")
left=$(sq 'SELECT count(*) FROM mlops_predictions')
ok $([ "$after" -le 262144 ] && [ "$file" -le 262144 ] && [ "$left" -gt 0 ] && [ "$left" -lt 60 ] && echo 0 || echo 1) \
	"the pages in use and the file are within 256K ($before -> $after, file $file), $left rows kept"
expect_eq "$(sq 'SELECT min(id) FROM mlops_predictions')" "r$((100 - left))" "the oldest went first"
run "$MLOPS" store prune --store "$S"
expect_rc 2 "prune without a limit: usage error"
run "$MLOPS" store prune --store "$S" --older-than 0d
expect_rc 2 "--older-than 0: usage error"
run "$MLOPS" store prune --store "$S" --max-size lots
expect_rc 2 "a size that is not one: usage error"
run "$MLOPS" store vacuum --store "$S"
expect_rc 2 "an unknown verb: usage error"
run "$MLOPS" store info --store "$S" --older-than 1d
expect_rc 2 "info takes no prune limit"

done_testing
