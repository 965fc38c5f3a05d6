#!/bin/sh
# mlops serve under pressure: --max-in-flight answers 503 with Retry-After
# (health and metrics still answer), --max-connections-per-ip refuses a
# client's extra connections, --timeout closes a client that stalls.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
BODY='{"features":{"income":85000,"debt_ratio":0.15,"credit_score":760,"age":45,"employment_years":12,"num_credit_lines":4,"loan_amount":15000,"has_prior_default":false}}'

# hold PORT: a client that sends half a request and waits (until the file
# "release" exists), keeping one request in flight on one connection.
hold() {
	timeout 60 $PY -c '
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"features\":")
open("held", "w").close()
while not os.path.exists("release"):
    time.sleep(0.02)
' "$1" &
	HOLD=$!
	at_exit "kill $HOLD 2>/dev/null"
	for _ in $(seq 200); do [ -e held ] && break; sleep 0.05; done
}
start() { # start ARGS...: a server on a free port; sets URL, SPID
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	timeout 120 "$MLOPS" serve b.mlpkg --listen "127.0.0.1:$PORT" -q "$@" 2> serve.err &
	SPID=$!
	at_exit "kill $SPID 2>/dev/null"
	for _ in $(seq 200); do curl -s -o /dev/null "$URL/health/ready" && break; sleep 0.05; done
}
in_flight() { curl -s "$URL/metrics" | sed -n 's/^mlops_requests_in_flight //p'; }

start --max-in-flight 1 --threads 2
hold "$PORT"
# The metrics request counts itself: 2 means the held one is under way.
for _ in $(seq 200); do [ "$(in_flight)" = 2 ] && break; sleep 0.05; done
expect_eq "$(in_flight)" 2 "a request is held in flight"
CODE=$(curl -s -D h.txt -o resp.txt -w '%{http_code}' -X POST --data-binary "$BODY" "$URL/predict")
expect_eq "$CODE" 503 "--max-in-flight 1: the next request gets 503"
expect_match "$(tr -d '\r' < h.txt)" 'Retry-After: [1-9]' "with Retry-After"
expect_eq "$(cat resp.txt)" '{"error":"overloaded; retry after Retry-After seconds"}' "and a JSON error"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/live")" 200 "health still answers under overload"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v2/models/credit-risk")" 503 "OIP endpoints shed load too"
touch release
wait "$HOLD"
for _ in $(seq 200); do [ "$(in_flight)" = 1 ] && break; sleep 0.05; done
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "$BODY" "$URL/predict")
expect_eq "$CODE" 200 "once it is answered, requests pass again"
expect_match "$(curl -s "$URL/metrics")" 'mlops_requests_total\{route="/predict",status="503",model="credit-risk",model_version="1.0.0"\} 1' "the 503 is counted"
kill "$SPID"
rm -f held release

start --max-connections-per-ip 1
hold "$PORT"
curl -s -o /dev/null -w '%{http_code}' "$URL/health/live" > code.txt
expect_eq "$(cat code.txt)" 000 "--max-connections-per-ip 1: a second connection is refused"
touch release
wait "$HOLD"
for _ in $(seq 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/live")" = 200 ] && break; sleep 0.05; done
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health/live")" 200 "after it closes, the client is served"
kill "$SPID"
rm -f held release

# A client that stalls mid-request is cut off after --timeout.
start --timeout 1
timeout 60 $PY -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
s.settimeout(30)
print("closed" if s.recv(1) == b"" else "answered")
' "$PORT" > stall.txt 2>&1
expect_eq "$(cat stall.txt)" closed "--timeout 1: a stalled client is disconnected"
kill "$SPID"

run "$MLOPS" serve b.mlpkg --max-connections 0
expect_rc 2 "--max-connections 0: exit 2"
run "$MLOPS" serve b.mlpkg --max-in-flight -1
expect_rc 2 "--max-in-flight -1: exit 2"
done_testing
