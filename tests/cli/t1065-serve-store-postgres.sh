#!/bin/sh
# serve --store postgresql://...: a real PostgreSQL 15 started by the test
# (as nobody when the test runs as root), two serve instances starting at
# once on one store (the schema is created once), feedback sent to one
# instance for the other's rows and by `mlops feedback`, joined in psql;
# retention and `mlops store prune` on PostgreSQL; a server that goes away
# while serve runs loses rows (counted), not predictions.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port
. "$MLOPS_SRC/tests/cli/postgres.sh"

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
start_postgres pg || { ok 1 "PostgreSQL starts"; done_testing; exit 1; }
ok 0 "PostgreSQL starts on 127.0.0.1:$PG_PORT"
F='"income":50000,"debt_ratio":0.3,"credit_score":700,"age":41,"employment_years":5,"num_credit_lines":3,"loan_amount":10000,"has_prior_default":false'

post() { # post URL BODY [HEADER]: sets CODE, BODY
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		${3:+-H "$3"} --data-binary "$2" "$1")
	BODY=$(cat resp.txt)
}

# Two instances starting together: both create the schema if missing.
PA=$(free_port)
PB=$(free_port)
timeout 300 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PA" --store "$PG_URL" 2> a.err &
APID=$!
timeout 300 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PB" --store "$PG_URL" 2> b.err &
BPID=$!
at_exit "kill $APID $BPID 2>/dev/null"
for _ in $(seq 600); do
	curl -s -o /dev/null "http://127.0.0.1:$PA/health/ready" &&
		curl -s -o /dev/null "http://127.0.0.1:$PB/health/ready" && break
	kill -0 $APID 2>/dev/null && kill -0 $BPID 2>/dev/null || break
	sleep 0.05
done
ok $(kill -0 $APID 2>/dev/null && kill -0 $BPID 2>/dev/null && echo 0 || echo 1) \
	"two instances started at once on one store"
expect_eq "$(psql_q 'SELECT version FROM mlops_schema')" 1 "the schema was created once (one version row)"

post "http://127.0.0.1:$PA/predict" "{\"features\":{$F}}" 'X-Request-Id: from-a'
expect_eq "$CODE" 200 "instance A predicts"
post "http://127.0.0.1:$PB/predict/batch" "[{$F},{$F},{$F}]" 'X-Request-Id: from-b'
expect_eq "$CODE" 200 "instance B predicts a batch"
# B's rows reach the store within its writer's flush interval.
for _ in $(seq 100); do
	[ "$(psql_q 'SELECT count(*) FROM mlops_predictions')" = 4 ] && break
	sleep 0.05
done
expect_eq "$(psql_q 'SELECT id FROM mlops_predictions ORDER BY id' | tr '\n' ' ')" \
	"from-a from-b/0 from-b/1 from-b/2 " "both instances' rows in one store"
post "http://127.0.0.1:$PA/feedback" '{"feedback":[{"id":"from-b/1","label":1},{"id":"from-a","label":0},{"id":"ghost","label":1}]}'
expect_eq "$CODE $(json_get resp.txt 'd["stored"], d["unknown"]')" "200 (2, 1)" \
	"feedback to A for B's row is stored; an unknown id counted"
printf 'id,label\nfrom-b/2,0\nfrom-b/1,0\nghost,1\n' > labels.csv
run "$MLOPS" feedback --store "$PG_URL" --bundle b.mlpkg labels.csv
expect_rc 0 "mlops feedback on PostgreSQL: exit 0 with an unknown id"
expect_eq "$OUT" "2 labels stored, 1 unknown id, 0 invalid (of 3 rows)" "  says what it stored"
expect_eq "$(psql_q "SELECT p.id, f.label::text, p.version FROM mlops_predictions p JOIN mlops_feedback f USING (id) ORDER BY p.id" | tr '\n' ' ')" \
	"from-a|0|1.0.0 from-b/1|0|1.0.0 from-b/2|0|1.0.0 " \
	"labels joined to predictions across instances; the later label replaced the earlier"
expect_eq "$(psql_q "SELECT outputs->>'prediction', inputs->>'age' FROM mlops_predictions WHERE id = 'from-a'")" \
	"0|41" "inputs and outputs are JSON PostgreSQL reads"
run "$MLOPS" store info --store "$PG_URL" --json
expect_eq "$RC $(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], d["predictions"], d["feedback"], d["bytes"] > 0)')" \
	"0 postgresql 4 3 True" "store info on PostgreSQL"

# The server goes away: predictions still answer, the rows are counted
# as failed, not silently lost; SIGTERM still exits 0.
kill -TERM "$BPID"
wait "$BPID"
expect_eq "$?" 0 "instance B stops on SIGTERM"
stop_postgres
post "http://127.0.0.1:$PA/predict" "{\"features\":{$F}}" 'X-Request-Id: while-down'
expect_eq "$CODE" 200 "a prediction answers while the store is down"
for _ in $(seq 100); do
	curl -s "http://127.0.0.1:$PA/metrics" > metrics.txt
	grep -q '^mlops_store_failed_total 1$' metrics.txt && break
	sleep 0.1
done
expect_match "$(grep '^mlops_store' metrics.txt)" '^mlops_store_failed_total 1$' "the row it could not write is counted"
kill -TERM "$APID"
wait "$APID"
expect_eq "$?" 0 "instance A stops on SIGTERM with the store gone"
expect_match "$(cat a.err)" "1 failed" "and says a row failed"

# Prune on a fresh server: by age, then by size, with --json.
start_postgres pg2 || { ok 1 "PostgreSQL starts again"; done_testing; exit 1; }
# The library's own tests of the interface (the scan monitoring reads,
# feedback upserts, chunked pruning) against this server too.
psql -q -h 127.0.0.1 -p "$PG_PORT" -U mlops -d postgres -c 'CREATE DATABASE unit' > /dev/null
run env MLOPS_TEST_PG_URL="postgresql://mlops@127.0.0.1:$PG_PORT/unit" "$MLOPS_BUILD/tests/test_pstore"
expect_rc 0 "test_pstore passes on PostgreSQL"
expect_no_match "$OUT" "^not ok" "  every check of it"
expect_eq "$(printf '%s\n' "$OUT" | grep -c ' - its kind$')" 2 "  it ran on SQLite, then on PostgreSQL"

PA=$(free_port)
start_serve a2.err "$PA" b.mlpkg --store "$PG_URL" ||
	{ ok 1 "serve starts"; cat a2.err; done_testing; exit 1; }
rows=$($PY -c 'import sys; r = "{" + sys.argv[1] + "}"; print("[" + ",".join([r] * 100) + "]")' "$F")
for i in 1 2 3; do post "http://127.0.0.1:$PA/predict/batch" "$rows" "X-Request-Id: b$i"; done
post "http://127.0.0.1:$PA/feedback" '{"feedback":[{"id":"b1/0","label":1},{"id":"b3/0","label":1}]}'
kill -TERM "$SPID"
wait "$SPID"
psql_q "UPDATE mlops_predictions SET ts_ms = ts_ms - 86400000::bigint * 40 WHERE request_id = 'b1'" > /dev/null
run "$MLOPS" store prune --store "$PG_URL" --older-than 30d --json
expect_eq "$RC $(printf '%s' "$OUT" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["predictions"], d["feedback"], d["bytes_after"] < d["bytes_before"])')" \
	"0 100 1 True" "prune --older-than 30d: the 100 old rows and their label"
expect_eq "$(psql_q "SELECT count(*), min(request_id) FROM mlops_predictions")" "200|b2" "the newer rows stay"
size=$(psql_q "SELECT sum(pg_column_size(p.*)) FROM mlops_predictions p")
half=$((size / 2))
run "$MLOPS" store prune --store "$PG_URL" --max-size "$half"
expect_rc 0 "prune --max-size"
left=$(psql_q "SELECT coalesce(sum(pg_column_size(p.*)), 0) + (SELECT coalesce(sum(pg_column_size(f.*)), 0) FROM mlops_feedback f) FROM mlops_predictions p")
ok $([ "$left" -le "$half" ] && [ "$left" -ge $((half / 2)) ] && echo 0 || echo 1) \
	"--max-size: the rows' bytes are within the limit ($left <= $half), not all gone"
expect_eq "$(psql_q "SELECT min(request_id) FROM mlops_predictions")" b3 "the oldest went first"

done_testing
