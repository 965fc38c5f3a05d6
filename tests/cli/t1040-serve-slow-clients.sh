#!/bin/sh
# mlops serve under slow and greedy clients: deadlines for a request's
# headers and body (slowloris, slow bodies), connections over
# --max-connections answered 503 at once while health and metrics stay
# answerable, a per-address limit by default, HTTP/1.1 without Host, and
# JSON answers for oversized URLs and headers.
. "$(dirname "$0")/lib.sh"
. "$MLOPS_SRC/tests/cli/registry.sh" # free_port

copy_example proj
must "$MLOPS" -C proj package -q -o "$SCRATCH/b.mlpkg"
RC=$?
expect_rc 0 "packaged"

# clients.py PORT SCENARIO: raw sockets, each step bounded in time.
cat > clients.py <<'PY'
import json, socket, sys, time
port, what = int(sys.argv[1]), sys.argv[2]

def conn(source="127.0.0.1"):
    # Another client address: the same loopback server, another source.
    return socket.create_connection(("127.0.0.1", port), timeout=5,
                                    source_address=(source, 0))

def closed(s, wait=0.2):
    """True when the server has closed (or reset) the connection."""
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True

def request(data, host="127.0.0.1", limit=300000):
    s = conn(host)
    s.sendall(data)
    s.settimeout(5)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
            head, _, body = out.partition(b"\r\n\r\n")
            if b"\r\n\r\n" in out:
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(body) >= int(line.split(b":")[1]):
                            raise StopIteration
    except (StopIteration, socket.timeout, OSError):
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    ctype = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-type:")]
    return status, (ctype[0].split(b":", 1)[1].strip().decode() if ctype else ""), body

def get(path, host="127.0.0.1"):
    return request(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode(), host)

if what == "slowloris":
    # 8 clients send one header line every half second, never finishing.
    socks = [conn() for _ in range(8)]
    for s in socks:
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    while time.time() - t0 < 8:
        for s in socks:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass
        time.sleep(0.5)
        if all(closed(s, 0.01) for s in socks):
            break
    print("cut", sum(closed(s) for s in socks), "after", round(time.time() - t0))
elif what == "slowbody":
    s = conn()
    s.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    t0 = time.time()
    cut = False
    while time.time() - t0 < 8:
        try:
            s.sendall(b" ")
        except OSError:
            cut = True
            break
        if closed(s, 0.5):
            cut = True
            break
    print("cut" if cut else "kept", "after", round(time.time() - t0))
elif what == "fill":
    # max-connections idle connections, then others arrive.
    socks = [conn() for _ in range(int(sys.argv[3]))]
    time.sleep(0.3)
    t0 = time.time()
    st, ct, body = get("/model/info")
    print("info", st, ct, round(time.time() - t0, 1), json.loads(body).get("error", "") if body else "")
    st, ct, _ = get("/health/live")
    print("live", st)
    st, ct, _ = get("/metrics")
    print("metrics", st)
elif what == "flood":
    # One client opens many idle connections; another address still gets in.
    socks = []
    for _ in range(int(sys.argv[3])):
        try:
            socks.append(conn())
        except OSError:
            break
    time.sleep(0.5)
    t0 = time.time()
    st, _, _ = get("/health/live", "127.0.0.2")
    print("other", st, round(time.time() - t0, 1))
    print("closed", sum(closed(s, 0.01) for s in socks))
elif what == "admin":
    # 70 connections from another address, one byte each, then nothing.
    socks = []
    for _ in range(70):
        try:
            s = conn("127.0.0.2")
            s.sendall(b"G")
            socks.append(s)
        except OSError:
            break
    time.sleep(0.5)
    import urllib.request
    t0 = time.time()
    r = urllib.request.Request("http://127.0.0.1:%d/admin/state" % port,
                               headers={"Authorization": "Bearer " + sys.argv[3]})
    try:
        print("state", urllib.request.urlopen(r, timeout=10).status, round(time.time() - t0, 1))
    except Exception as e:
        print("state failed", e)
    time.sleep(12)
    print("open", sum(not closed(s, 0.01) for s in socks))
elif what == "errors":
    for name, data in [
        ("nohost", b"GET /health/live HTTP/1.1\r\n\r\n"),
        ("http10", b"GET /health/live HTTP/1.0\r\n\r\n"),
        ("longurl", b"GET /health/live?" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("bigheader", b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"),
        ("huge", b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 400000 + b"\r\n\r\n"),
        ("badjson", b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n{{{"),
        ("nopath", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("method", b"DELETE /predict HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]:
        st, ct, body = request(data)
        js = "json" if ct.startswith("application/json") and body.startswith(b"{") else "other"
        print(name, st, js)
PY

P=$(free_port)
start_serve serve.err "$P" b.mlpkg --request-timeout 2 --min-rate 100
RC=$?
expect_rc 0 "server up"
run timeout 30 $PY clients.py "$P" slowloris
expect_match "$OUT" "^cut 8 after [2-6]$" "slowloris: 8 clients trickling headers are cut within the deadline ($OUT)"
run timeout 30 $PY clients.py "$P" slowbody
expect_match "$OUT" "^cut after [2-6]$" "a body at 1 byte a second is cut ($OUT)"
run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/health/live"
expect_eq "$OUT" 200 "the server answers others afterwards"
curl -s "http://127.0.0.1:$P/metrics" > metrics.txt
run promtool check metrics < metrics.txt
expect_rc 0 "promtool accepts the connection metrics"
expect_match "$(cat metrics.txt)" "^mlops_connections_cut_total (9|[1-9][0-9])$" "the 9 cut connections are counted"
run timeout 60 $PY clients.py "$P" errors
expect_eq "$OUT" "nohost 400 json
http10 200 json
longurl 414 json
bigheader 431 json
huge 431 other
badjson 400 json
nopath 404 json
method 405 json" "error answers are JSON; only headers beyond the 64 KiB pool get the HTTP library's page"
kill "$SPID" 2>/dev/null

P=$(free_port)
start_serve serve.err "$P" b.mlpkg --max-connections 4
run timeout 30 $PY clients.py "$P" fill 4
expect_match "$OUT" "^info 503 application/json 0\.[0-9] too many connections" \
	"over --max-connections: 503 at once, JSON ($OUT)"
expect_match "$OUT" "live 200" "health still answers over the limit"
expect_match "$OUT" "metrics 200" "metrics still answer over the limit"
run curl -s "http://127.0.0.1:$P/metrics"
expect_match "$OUT" "^mlops_connections_refused_total [1-9]" "the refusal is counted"
kill "$SPID" 2>/dev/null

P=$(free_port)
start_serve serve.err "$P" b.mlpkg
run timeout 60 $PY clients.py "$P" flood 1100
expect_match "$OUT" "^other 200 [0-1]\.[0-9]" "1,100 connections from one address: another address still gets /health/live ($OUT)"
expect_match "$OUT" "closed (8[0-9][0-9]|9[0-9][0-9]|1[0-9][0-9][0-9])" "connections beyond the default per-address limit (256) are closed"
kill "$SPID" 2>/dev/null

# The admin API: the same deadlines, and a per-address limit of its own.
export MLOPS_ADMIN_KEY=slow-admin-key-1
P=$(free_port)
start_instance admin.err --state st --admin-listen "127.0.0.1:$P" b.mlpkg --listen 127.0.0.1:0
ok $([ -n "$ADMIN" ] && echo 0 || echo 1) "a fleet instance with its admin API"
run timeout 60 $PY clients.py "$P" admin "$MLOPS_ADMIN_KEY"
expect_match "$OUT" "^state 200 [0-2]\.[0-9]" "70 stalled connections from another address: the admin API still answers ($OUT)"
expect_match "$OUT" "open 0$" "and the stalled connections are cut"
kill "$IPID" 2>/dev/null

run "$MLOPS" serve b.mlpkg --threads 0
expect_rc 2 "--threads 0: a usage error"
expect_match "$ERR" "option '--threads' takes 1 to 256, not '0'" "naming the option, its range and the value"
run "$MLOPS" serve b.mlpkg --max-body 10
expect_match "$ERR" "--max-body takes a size of at least 1K, not '10'" "--max-body names its value"
run "$MLOPS" serve b.mlpkg --request-timeout 0
expect_rc 2 "--request-timeout 0: a usage error"

done_testing
