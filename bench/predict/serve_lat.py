#!/usr/bin/python3
"""Single-row latency of mlops serve: N sequential POST /predict requests
(default 2000) on one keep-alive connection, cycling through the rows of a
CSV (its label column, if any, is left out; NaN and empty are null).

  serve_lat.py PORT ROWS.csv [N] [LABEL]

Prints "p50 P us p99 Q us model_p50 M us": the client's round trip
(HTTP + JSON + contract + model) and the median of the server's own
inference_time_ms (the model time) in microseconds. 200 warm-up requests
are not counted."""
import csv
import http.client
import json
import sys
import time


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    label = sys.argv[4] if len(sys.argv) > 4 else "label"
    bodies = []
    with open(path) as f:
        for r in csv.DictReader(f):
            feats = {}
            for k, v in r.items():
                if k == label:
                    continue
                if v in ("", "NaN", "nan"):
                    feats[k] = None
                else:
                    try:
                        feats[k] = float(v)
                    except ValueError:
                        feats[k] = v
            bodies.append(json.dumps({"features": feats}).encode())
            if len(bodies) >= 256:
                break
    c = http.client.HTTPConnection("127.0.0.1", port)
    hdr = {"Content-Type": "application/json"}
    lat, model = [], []
    for i in range(200 + n):
        b = bodies[i % len(bodies)]
        t0 = time.perf_counter()
        c.request("POST", "/predict", body=b, headers=hdr)
        r = c.getresponse()
        data = r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            sys.exit("serve_lat: HTTP %d: %s" % (r.status, data[:200]))
        if i >= 200:
            lat.append(t1 - t0)
            model.append(json.loads(data)["inference_time_ms"])
    lat.sort()
    model.sort()
    print("p50 %.0f us p99 %.0f us model_p50 %.1f us" % (
        1e6 * lat[len(lat) // 2], 1e6 * lat[int(len(lat) * 0.99)],
        1e3 * model[len(model) // 2]))


if __name__ == "__main__":
    main()
