#!/bin/sh
# The prediction store against what a careless or hostile user gives it:
# files that are no store (left untouched), a store that may only be
# read (store info and monitor still read it), feedback CSV with blank
# lines and escape sequences in ids, --redact / --hash of a field the
# model has not, PostgreSQL passwords that would leak in pieces, and a
# PostgreSQL server that dies while serve runs and comes back (serve
# writes to it again, without a restart).
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port
. "$MLOPS_SRC/tests/cli/postgres.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/c.mlpkg"
F='"income":50000,"debt_ratio":0.3,"credit_score":700,"age":41,"employment_years":5,"num_credit_lines":3,"loan_amount":10000,"has_prior_default":false'
post() { # post URL BODY [HEADER]: sets CODE
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		${3:+-H "$3"} --data-binary "$2" "$1")
}

# A file that is no store is left as it was: an empty file (SQLite
# would take it as an empty database and the setup would write to it).
: > empty.db
run "$MLOPS" store info --store sqlite:empty.db
expect_eq "$RC $(stat -c %s empty.db)" "3 0" "store info on an empty file: exit 3, the file still empty"
expect_match "$ERR" "holds no prediction store" "  saying it holds no store"
printf 'id,label\nr1,1\n' > one.csv
run "$MLOPS" feedback --store sqlite:empty.db one.csv
expect_eq "$RC $(stat -c %s empty.db)" "3 0" "feedback to it: exit 3, still empty"
run "$MLOPS" store prune --store sqlite:empty.db --older-than 1d
expect_eq "$RC $(stat -c %s empty.db) $(ls | grep -c 'empty.db-')" "3 0 0" "prune: exit 3, still empty, no -wal or -shm"

# A store serve made, copied to a read-only directory (a backup, CI's
# copy): store info and monitor read it as a user who may not write
# there (nobody when the test runs as root, which ignores modes).
PORT=$(free_port)
start_serve serve.err "$PORT" c.mlpkg --store "sqlite:$SCRATCH/s.db" ||
	{ ok 1 "serve --store starts"; cat serve.err; done_testing; exit 1; }
post "http://127.0.0.1:$PORT/predict" "{\"features\":{$F}}" 'X-Request-Id: ro-1'
expect_eq "$CODE" 200 "a prediction recorded"
kill -TERM "$SPID"
wait "$SPID"
mkdir ro
cp s.db ro/
chmod 444 ro/s.db
chmod 555 ro
chmod 755 "$SCRATCH"
AS=
[ "$(id -u)" = 0 ] && AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
run $AS "$MLOPS" store info --json --store "sqlite:$SCRATCH/ro/s.db"
expect_eq "$RC $(printf '%s' "$OUT" | json_get /dev/stdin 'd["predictions"]' 2>/dev/null)" "0 1" \
	"store info reads a store in a read-only directory: 1 prediction"
run $AS "$MLOPS" monitor --json --since 2000-01-01 --store "sqlite:$SCRATCH/ro/s.db"
expect_eq "$RC $(printf '%s' "$OUT" | json_get /dev/stdin 'd["groups"][0]["predictions"]' 2>/dev/null)" "0 1" \
	"monitor reads it too" || diag "$OUT" "$ERR"
expect_eq "$(ls ro)" "s.db" "  and neither left a file beside it"
# A row of the current second counts: monitor's window ended at the
# whole second before it, and left such rows out. Three fresh rows, each
# read back at once (all three crossing a second is unlikely).
seen=
for i in 1 2 3; do
	$PY -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO mlops_predictions (id, request_id, ts_ms, model, version, digest, inputs, outputs, latency_ms) VALUES (?,?,?,?,?,?,?,?,?)", ("now-" + sys.argv[2], "now", int(time.time() * 1000), "credit-risk", "1.0.0", "sha256:x", "{}", "{\"prediction\":1}", 0.1))
db.commit()' "$SCRATCH/s.db" "$i"
	run "$MLOPS" monitor --json --since 1h --store "sqlite:$SCRATCH/s.db"
	seen="$seen $RC:$(printf '%s' "$OUT" | json_get /dev/stdin 'd["predictions"]' 2>/dev/null)"
done
expect_eq "$seen" " 0:2 0:3 0:4" "monitor counts a row stored this very second"
run $AS "$MLOPS" feedback --store "sqlite:$SCRATCH/ro/s.db" one.csv
expect_rc 4 "feedback, which must write, fails with exit 4 there"
chmod 755 ro

# Feedback CSV: blank lines are no rows; ids with control characters are
# refused and shown escaped, never sent raw to the terminal.
printf 'id,label\n\nro-1,1\n\na\033[2Jb,1\n\n' > blank.csv
run "$MLOPS" feedback --store "sqlite:$SCRATCH/s.db" blank.csv
expect_eq "$RC $OUT" "3 1 label stored, 0 unknown ids, 1 invalid (of 2 rows)" \
	"blank lines are not counted as rows (nor as invalid)"
expect_match "$ERR" 'blank.csv:5: the id holds a control character, id a\\x1b\[2Jb' \
	"an id with an escape sequence shown as \\\\x1b"
expect_eq "$(printf '%s' "$ERR" | tr -d '\n' | LC_ALL=C grep -c "$(printf '\033')")" 0 "  no raw ESC byte on stderr"

# Labels go in without temporary files: an upsert's statement journal
# (16 KiB pages, 4 of them in memory by default) spilled to /var/tmp,
# two page writes a label (28 times slower), and failed where no temp
# file can be made. Seven descriptors (stdio, the CSV, the database, its
# -wal and -shm) leave none for one.
$PY - <<'EOF'
import sqlite3
db = sqlite3.connect("s.db")
db.executemany("INSERT INTO mlops_predictions (id, request_id, ts_ms, model, version, digest, inputs, outputs, latency_ms) VALUES (?,?,?,?,?,?,?,?,?)",
               (("fb-%d" % i, "fb-%d" % i, 1, "credit-risk", "1.0.0", "sha256:x", "{}", '{"prediction":1}', 0.1) for i in range(20000)))
db.commit()
with open("many.csv", "w") as f:
    f.write("id,label\n" + "".join("fb-%d,%d\n" % (i, i % 2) for i in range(20000)))
EOF
run sh -c 'ulimit -n 7 && exec "$0" feedback --store "sqlite:$1" many.csv' "$MLOPS" "$SCRATCH/s.db"
expect_eq "$RC $OUT" "0 20000 labels stored, 0 unknown ids, 0 invalid (of 20000 rows)" \
	"20000 labels with no descriptor left for a temporary file"

# --redact / --hash of a field the model has not: a typo would store
# what was meant to be hidden.
run timeout 20 "$MLOPS" serve c.mlpkg --listen "127.0.0.1:$(free_port)" --store "sqlite:$SCRATCH/t.db" --redact incom
expect_rc 2 "--redact of no input: exit 2 (usage), serve does not start"
expect_match "$ERR" "'incom' names no input of credit-risk" "  naming it"
expect_match "$ERR" "did you mean 'income'" "  and the input meant"
run env MLOPS_STORE_HASH_KEY=k timeout 20 "$MLOPS" serve c.mlpkg --listen "127.0.0.1:$(free_port)" --store "sqlite:$SCRATCH/t.db" --hash ssn
expect_rc 2 "--hash of no input: exit 2"

# Passwords in URLs: one with a bare @ or / is read by libpq in pieces
# (part of it as the host or the port, quoted in its messages): refused
# before connecting, no piece of it shown. Percent-encoded, it is used
# and never shown.
for url in "postgresql://u:zq@xk@127.0.0.1:1/db" "postgresql://u:zq/xk@127.0.0.1:1/db"; do
	run "$MLOPS" store info --store "$url"
	expect_rc 2 "a password with a bare @ or /: exit 2"
	expect_no_match "$ERR" "zq|xk" "  no piece of the password on stderr"
	expect_match "$ERR" "percent-encode" "  saying what to do"
done
run "$MLOPS" store info --store "postgresql://u:zq%40xk@127.0.0.1:1/db"
expect_rc 5 "percent-encoded: tried (nothing listens there): exit 5"
expect_no_match "$ERR" "zq|xk" "  the password not shown"

# PostgreSQL dies while serve runs, then comes back on the same port:
# the rows of the outage are counted failed; serve writes again after,
# without a restart.
start_postgres pg || { ok 1 "PostgreSQL starts"; done_testing; exit 1; }
PORT=$(free_port)
start_serve pgserve.err "$PORT" c.mlpkg --store "$PG_URL" --store-flush 50ms ||
	{ ok 1 "serve starts on PostgreSQL"; cat pgserve.err; done_testing; exit 1; }
post "http://127.0.0.1:$PORT/predict" "{\"features\":{$F}}" 'X-Request-Id: before'
stored() { for _ in $(seq 100); do [ "$(psql_q "SELECT count(*) FROM mlops_predictions WHERE id = '$1'" 2>/dev/null)" = 1 ] && return 0; sleep 0.1; done; return 1; }
stored before
expect_eq "$?" 0 "a row written while PostgreSQL runs"
stop_postgres
post "http://127.0.0.1:$PORT/predict" "{\"features\":{$F}}" 'X-Request-Id: during'
expect_eq "$CODE" 200 "a prediction answers while PostgreSQL is down"
for _ in $(seq 100); do
	curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^mlops_store_failed_total 1$' && break
	sleep 0.1
done
# The same data directory and port again.
timeout 600 $PG_AS "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" \
	-h 127.0.0.1 -p "$PG_PORT" -c fsync=off > "$PG_DIR/log2" 2>&1 &
PG_PID=$!
for _ in $(seq 100); do
	pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U mlops -d mlops && break
	sleep 0.1
done
post "http://127.0.0.1:$PORT/predict" "{\"features\":{$F}}" 'X-Request-Id: after'
stored after
expect_eq "$?" 0 "PostgreSQL back: serve writes to it again (same process)"
post "http://127.0.0.1:$PORT/feedback" '{"id": "after", "label": 1}'
expect_eq "$CODE $(json_get resp.txt 'd["stored"]')" "200 1" "  and takes feedback for it"
expect_match "$(curl -s "http://127.0.0.1:$PORT/metrics" | grep '^mlops_store_failed_total')" ' 1$' \
	"the one row of the outage counted as failed"
kill -TERM "$SPID"
wait "$SPID"
expect_eq "$?" 0 "serve stops on SIGTERM"
expect_no_match "$(cat pgserve.err)" "password" "nothing about passwords in serve's log"

done_testing
