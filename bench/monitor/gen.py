"""Makes a SQLite prediction store of ROWS scored rows (what serve --store
writes: one binary classifier, versions 1.0.0 then 1.1.0, rows spread over
7 days) with a label fed back for 80% of them, straight through Python's
sqlite3 in the schema lib/store/sqlite.c makes (version 1).
    gen.py ROWS DB"""
import json
import random
import sqlite3
import sys

rows, path = int(sys.argv[1]), sys.argv[2]
random.seed(19)
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")
db.executescript("""
CREATE TABLE mlops_schema (version INTEGER NOT NULL);
INSERT INTO mlops_schema VALUES (1);
CREATE TABLE mlops_predictions (
 seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, request_id TEXT NOT NULL,
 ts_ms INTEGER NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
 digest TEXT NOT NULL, inputs TEXT NOT NULL, outputs TEXT NOT NULL,
 latency_ms REAL NOT NULL);
CREATE TABLE mlops_feedback (
 id TEXT PRIMARY KEY, label TEXT NOT NULL, ts_ms INTEGER NOT NULL);
""")
t0 = 1740787200000  # 2025-03-01T00:00:00Z
span = 7 * 86400000
digest = "sha256:" + "ab" * 32
inputs = '{"income":52000.5,"debt_ratio":0.31,"credit_score":690,"age":41}'
batch, fb = [], []
for i in range(rows):
    ts = t0 + i * span // rows
    p = random.random()
    rid = f"r{i}"
    version = "1.0.0" if i < rows * 0.6 else "1.1.0"
    out = '{"prediction":%d,"probability":%.15g}' % (p >= 0.5, p)
    batch.append((rid, rid, ts, "credit-risk", version, digest, inputs, out, 0.05))
    if random.random() < 0.8:
        fb.append((rid, "1" if random.random() < p else "0", ts + 3600000))
    if len(batch) == 100000:
        db.executemany("INSERT INTO mlops_predictions (id, request_id, ts_ms, model, version, digest, inputs, outputs, latency_ms) VALUES (?,?,?,?,?,?,?,?,?)", batch)
        db.executemany("INSERT INTO mlops_feedback VALUES (?,?,?)", fb)
        batch, fb = [], []
db.executemany("INSERT INTO mlops_predictions (id, request_id, ts_ms, model, version, digest, inputs, outputs, latency_ms) VALUES (?,?,?,?,?,?,?,?,?)", batch)
db.executemany("INSERT INTO mlops_feedback VALUES (?,?,?)", fb)
db.execute("CREATE INDEX mlops_predictions_ts ON mlops_predictions (ts_ms)")
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
