#!/bin/sh
# serve --store sqlite:PATH: every scored row of every protocol recorded
# (read back with Debian's sqlite3, not with mlops), row ids in answers,
# POST /feedback, --redact and --hash (Python's hmac says what the hash
# must be; the raw value is nowhere in the files), the drop counter when
# the queue is full, the flush on SIGTERM, retention, and refusals.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
D=$(bundle_digest b.mlpkg)
DB=$SCRATCH/p.db
F='"income":12345.67,"debt_ratio":0.3,"credit_score":700,"age":41,"employment_years":5,"num_credit_lines":3,"loan_amount":10000,"has_prior_default":false'
G='"income":88000,"debt_ratio":0.6,"credit_score":580,"age":33,"employment_years":null,"num_credit_lines":9,"loan_amount":30000,"has_prior_default":true'
KEY=k3y-for-the-test

sq() { sqlite3 -batch -noheader "$DB" "$1"; }
post() { # post PATH BODY [HEADER]: sets CODE, BODY (resp.txt)
	CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: application/json' \
		${3:+-H "$3"} --data-binary "$2" "$URL$1")
	BODY=$(cat resp.txt)
}

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
MLOPS_STORE_HASH_KEY=$KEY start_serve serve.err "$PORT" b.mlpkg \
	--store "sqlite:$DB" --redact age --hash income --max-batch 50 ||
	{ ok 1 "serve --store starts"; cat serve.err; done_testing; exit 1; }
ok 0 "serve --store sqlite:PATH starts"
expect_match "$(cat serve.err)" "recording predictions in sqlite:$DB" "says where it records"

# Every protocol, each row.
post /predict "{\"features\":{$F}}" 'X-Request-Id: req-single'
expect_eq "$CODE $(json_get resp.txt 'd["id"]')" "200 req-single" "/predict answers its row id (X-Request-Id)"
post /predict/batch "[{$F},{$G}]" 'X-Request-Id: req-batch'
expect_eq "$CODE $(json_get resp.txt 'd["ids"]')" "200 ['req-batch/0', 'req-batch/1']" \
	"/predict/batch answers REQID/N ids"
post /predict/batch "[{$G}]"
gen_id=$(json_get resp.txt 'd["ids"][0]')
expect_match "$gen_id" '^[0-9a-f]{16}-[0-9a-f]+$' "a made request id names a one-row batch's row"
post /v2/models/credit-risk/infer '{"inputs":[{"name":"income","shape":[2],"datatype":"FP64","data":[12345.67,88000]},{"name":"debt_ratio","shape":[2],"datatype":"FP64","data":[0.3,0.6]},{"name":"credit_score","shape":[2],"datatype":"INT64","data":[700,580]},{"name":"age","shape":[2],"datatype":"INT64","data":[41,33]},{"name":"employment_years","shape":[2],"datatype":"FP64","data":[5,1]},{"name":"num_credit_lines","shape":[2],"datatype":"INT64","data":[3,9]},{"name":"loan_amount","shape":[2],"datatype":"FP64","data":[10000,30000]},{"name":"has_prior_default","shape":[2],"datatype":"BOOL","data":[false,true]}]}' \
	'X-Request-Id: req-oip'
expect_eq "$CODE $(json_get resp.txt 'd["parameters"]["mlops_row_ids"]')" \
	"200 ['req-oip/0', 'req-oip/1']" "OIP answers the row ids in its parameters"
printf 'income,debt_ratio,credit_score,age,employment_years,num_credit_lines,loan_amount,has_prior_default\n12345.67,0.3,700,41,5,3,10000,false\n' > one.csv
CODE=$(curl -s -o resp.txt -w '%{http_code}' -H 'Content-Type: text/csv' -H 'X-Request-Id: req-mlflow' \
	--data-binary @one.csv "$URL/invocations")
expect_eq "$CODE" 200 "MLflow /invocations scores"
post /predict '{"features":{"income":-1}}' 'X-Request-Id: req-bad'
expect_eq "$CODE" 422 "a row the contract refuses"

# Feedback: a row of each shape, an unknown id, a bad label; at once
# after the predictions (the writer stores the rows queued before it).
post /feedback '{"id":"req-single","label":1}'
expect_eq "$CODE $BODY" '200 {"stored":1,"unknown":0,"invalid":0,"errors":[]}' "POST /feedback one label"
post /feedback '{"feedback":[{"id":"req-batch/1","label":"0"},{"id":"nope","label":1},{"id":"req-oip/0","label":"maybe"},{"id":"req-mlflow","label":0},{"label":1},7]}'
expect_eq "$CODE $(json_get resp.txt 'd["stored"], d["unknown"], d["invalid"], [e["index"] for e in d["errors"]]')" \
	"200 (2, 1, 3, [2, 4, 5])" "a batch: stored, unknown ids and invalid labels counted, never a failure of all"
post /feedback '{"id":"req-single","label":0}'
expect_eq "$CODE" 200 "a label sent again"
post /feedback '{"id":"req-single","label":3}'
expect_eq "$CODE $(json_get resp.txt 'd["invalid"], d["errors"][0]["problem"]')" \
	"422 (1, \"not one of the model's class labels\")" "a single invalid label: 422 saying why"
post /feedback '{"feedback":[{"id":"x","label":1}'
expect_match "$CODE $BODY" '^400 .*malformed JSON' "malformed JSON: 400"
post /feedback '{"labels":[]}'
expect_match "$CODE $BODY" '^400 .*feedback' "another shape: 400 saying which"
post /feedback '{"id":"x\u0001y","label":1}'
expect_match "$CODE $BODY" '^422 .*control character' "an id with a control character is refused"
big=$($PY -c 'import json; print(json.dumps({"feedback":[{"id":"r%d"%i,"label":1} for i in range(51)]}))')
post /feedback "$big"
expect_eq "$CODE" 413 "more labels than --max-batch: 413"
curl -s "$URL/metrics" > metrics.txt
expect_match "$(grep -E '^mlops_(store|requests_total)' metrics.txt)" '^mlops_store_queued_total 7$' "metrics: 7 rows queued"
expect_match "$(grep -E '^mlops_(store|requests_total)' metrics.txt)" '^mlops_store_dropped_total 0$' "metrics: none dropped"
expect_match "$(grep -E '^mlops_(store|requests_total)' metrics.txt)" 'mlops_requests_total\{route="/feedback"' "feedback requests counted"

kill -TERM "$SPID"
wait "$SPID"
RC=$?
expect_eq "$RC" 0 "SIGTERM: exit 0"
expect_match "$(cat serve.err)" "prediction store: 7 rows written, 0 dropped" "says what it wrote"

# What the store holds, read with sqlite3.
expect_eq "$(sq 'SELECT version FROM mlops_schema')" 1 "schema version 1 recorded"
expect_eq "$(sq 'SELECT journal_mode FROM pragma_journal_mode')" wal "WAL mode"
expect_eq "$(sq "SELECT id FROM mlops_predictions ORDER BY seq" | tr '\n' ' ')" \
	"req-single req-batch/0 req-batch/1 $gen_id req-oip/0 req-oip/1 req-mlflow " \
	"every scored row of every protocol, none of the refused one"
expect_eq "$(sq "SELECT request_id, model, version, digest FROM mlops_predictions WHERE id = 'req-batch/1'")" \
	"req-batch|credit-risk|1.0.0|$D" "request id, model, version, bundle digest"
sq "SELECT ts_ms, latency_ms, outputs, inputs FROM mlops_predictions WHERE id = 'req-batch/1'" > row.txt
expect_eq "$($PY -c '
import json, sys, time
ts, lat, out, inp = open("row.txt").read().strip().split("|", 3)
out = json.loads(out); inp = json.loads(inp)
print(abs(int(ts) / 1000 - time.time()) < 120, float(lat) >= 0,
      sorted(out), 0 <= out["probability"] <= 1, out["prediction"] in (0, 1),
      sorted(inp), inp["debt_ratio"], inp["employment_years"], inp["has_prior_default"])')" \
	"True True ['prediction', 'probability'] True True ['credit_score', 'debt_ratio', 'employment_years', 'has_prior_default', 'income', 'loan_amount', 'num_credit_lines'] 0.6 None True" \
	"a row: time in ms, latency, what the model answered, the inputs less the redacted one"
curl_prob=$(sq "SELECT json_extract(outputs, '\$.probability') FROM mlops_predictions WHERE id = 'req-single'")
expect_match "$curl_prob" '^0\.[0-9]+' "outputs are JSON sqlite reads"
want=$($PY -c 'import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), b"12345.67", hashlib.sha256).hexdigest())' "$KEY")
expect_eq "$(sq "SELECT DISTINCT json_extract(inputs, '\$.income') FROM mlops_predictions WHERE id IN ('req-single', 'req-batch/0', 'req-oip/0', 'req-mlflow')")" \
	"$want" "--hash: HMAC-SHA256 with the key, equal for equal values across protocols"
expect_eq "$(sq "SELECT count(*) FROM mlops_predictions WHERE json_extract(inputs, '\$.age') IS NOT NULL")" 0 \
	"--redact: the field is not stored"
ok $(cat "$DB"* | grep -c -a -e '12345\.67' -e '"age"' | grep -qx 0 && echo 0 || echo 1) \
	"the raw hashed and redacted values are nowhere in the database files"
expect_eq "$(sq "SELECT p.id, f.label FROM mlops_feedback f JOIN mlops_predictions p ON p.id = f.id ORDER BY p.seq" | tr '\n' ' ')" \
	"req-single|0 req-batch/1|0 req-mlflow|0 " "feedback joined by row id; the label sent again replaced the first"

# A store that cannot be opened: serve refuses to start.
PORT2=$(free_port)
run timeout 60 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT2" --store sqlite:/nonexistent/dir/p.db
expect_rc 4 "a store path that cannot be created: exit 4, serve does not start"
expect_match "$ERR" "store '/nonexistent/dir/p.db'" "the error names the store"
printf 'not a database, just text, long enough to be read as a header......................................................\n' > junk.db
run timeout 60 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT2" --store sqlite:junk.db
expect_rc 3 "a file that is not SQLite: exit 3"
run timeout 60 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT2" --store mysql://h/db
expect_rc 2 "an unknown URL scheme: usage error"
expect_match "$ERR" "sqlite:PATH or postgresql://" "the hint names the kinds"
run timeout 60 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT2" --store postgresql://mlops:s3cret@127.0.0.1:1/db
expect_rc 5 "an unreachable PostgreSQL: exit 5, serve does not start"
expect_no_match "$ERR" "s3cret" "the password is not printed"
run env -u MLOPS_STORE_HASH_KEY timeout 60 "$MLOPS" serve b.mlpkg --store "sqlite:$DB" --hash income
expect_rc 2 "--hash without a key: refused"
expect_match "$ERR" "MLOPS_STORE_HASH_KEY" "saying where the key comes from"
run "$MLOPS" serve b.mlpkg --retain 30d
expect_rc 2 "--retain without --store: usage error"
run "$MLOPS" serve b.mlpkg --store "sqlite:$DB" --retain 30
expect_rc 2 "--retain without a unit: usage error"
run "$MLOPS" serve b.mlpkg --store "sqlite:$DB" --redact age --hash age
expect_rc 2 "a field both redacted and hashed: usage error"

# A full queue drops rows and counts them; the prediction still answers.
rm -f p2.db*
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve serve2.err "$PORT" b.mlpkg --store sqlite:p2.db --store-queue 1 ||
	{ ok 1 "serve --store-queue 1 starts"; cat serve2.err; done_testing; exit 1; }
rows=$($PY -c 'import sys; r = "{" + sys.argv[1] + "}"; print("[" + ",".join([r] * 40) + "]")' "$F")
post /predict/batch "$rows"
expect_eq "$CODE $(json_get resp.txt 'len(d["predictions"])')" "200 40" "40 rows answered with a queue of 1"
curl -s "$URL/metrics" > metrics.txt
dropped=$(sed -n 's/^mlops_store_dropped_total //p' metrics.txt)
queued=$(sed -n 's/^mlops_store_queued_total //p' metrics.txt)
ok $([ "$dropped" -ge 39 ] && [ $((dropped + queued)) -eq 40 ] && echo 0 || echo 1) \
	"mlops_store_dropped_total counts the rows the full queue refused ($dropped dropped, $queued queued)"
kill -TERM "$SPID"
wait "$SPID"
expect_eq "$(sqlite3 p2.db 'SELECT count(*) FROM mlops_predictions')" "$queued" "what was queued was written"

# SIGTERM while rows wait in the queue: they are written before exit.
rm -f p3.db*
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve serve3.err "$PORT" b.mlpkg --store sqlite:p3.db --store-flush 1h ||
	{ ok 1 "serve starts"; cat serve3.err; done_testing; exit 1; }
for i in 1 2 3 4 5; do post /predict/batch "$rows"; done
expect_eq "$(sqlite3 p3.db 'SELECT count(*) FROM mlops_predictions')" 0 \
	"--store-flush 1h: 200 rows (under a batch of 4096) wait in the queue"
kill -TERM "$SPID"
wait "$SPID"
expect_eq "$(sqlite3 p3.db 'SELECT count(*) FROM mlops_predictions')" 200 "SIGTERM: the 200 queued rows are flushed before exit"

# Retention, enforced while serving: rows past --retain go.
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
start_serve serve4.err "$PORT" b.mlpkg --store sqlite:p3.db --retain 2s --retain-every 200ms ||
	{ ok 1 "serve --retain starts"; cat serve4.err; done_testing; exit 1; }
post /predict "{\"features\":{$F}}" 'X-Request-Id: fresh'
for _ in $(seq 50); do
	[ "$(sqlite3 p3.db 'SELECT count(*) FROM mlops_predictions')" = 1 ] && break
	sleep 0.1
done
expect_eq "$(sqlite3 p3.db 'SELECT id FROM mlops_predictions')" fresh "--retain: the old rows were deleted while serving, the fresh one kept"
curl -s "$URL/metrics" > metrics.txt
expect_match "$(grep -E '^mlops_(store|requests_total)' metrics.txt)" '^mlops_store_pruned_total 200$' "mlops_store_pruned_total counts them"
kill -TERM "$SPID"
wait "$SPID"

done_testing
