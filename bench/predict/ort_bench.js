#!/usr/bin/env node
// The ONNX Runtime side of bench/predict: what a user writes by hand with
// onnxruntime-node to score a CSV file with an ONNX binary classifier.
//
//   node ort_bench.js MODEL.onnx INPUT.csv OUTPUT.csv [BATCH]
//
// Reads the whole CSV (a header; unquoted fields; empty = NaN), runs the
// session on batches of BATCH rows (default 65536; the session uses every
// core), and writes row,prediction,probability (probability of class 1).
// Columns go to the graph inputs by name; a graph with one float input
// [N,k] and no column of its name takes all the columns in order. Every
// graph output is fetched (onnxruntime-node 1.17.0 mislabels the results
// of a run with a subset of outputs): the float one is the probabilities
// [N,2], the other the labels. Prints the seconds of each phase on stdout:
//   read R load L predict P write W total T
// (read and parse; session creation; session.run; format and write).
// With SINGLE=N in the environment, it then also runs N sequential
// single-row session.run calls (after 200 warm-up ones), cycling through
// the first 256 rows, and prints "single_p50 U us" (the peer of the model
// time of one POST /predict in mlops serve); OUTPUT.csv may be /dev/null.
'use strict';

const fs = require('fs');
const path = require('path');

function loadOrt() {
  const dirs = [process.env.ORT_NODE_MODULES,
    path.join(__dirname, '..', '..', 'tests', 'node', 'node_modules')];
  for (const d of dirs) {
    if (!d) continue;
    try { return require(path.join(d, 'onnxruntime-node')); } catch (e) { /* next */ }
  }
  return require('onnxruntime-node');
}

async function main() {
  const [modelPath, inPath, outPath, batchArg] = process.argv.slice(2);
  if (!outPath) {
    process.stderr.write('usage: ort_bench.js MODEL.onnx IN.csv OUT.csv [BATCH]\n');
    process.exit(2);
  }
  const B = Number(batchArg || 65536);
  const ort = loadOrt();
  const now = () => Number(process.hrtime.bigint()) / 1e9;

  const t0 = now();
  const text = fs.readFileSync(inPath, 'latin1');
  let nl = text.indexOf('\n');
  const header = text.slice(0, nl).replace(/\r$/, '').split(',');
  const k = header.length;
  // one array per column: Float32Array for numbers, Array for strings
  // (decided by the graph's input types, so the session comes first)
  const t1a = now();
  const session = await ort.InferenceSession.create(modelPath);
  const t1b = now();
  const meta = session.inputNames;
  const inputType = {};
  // onnxruntime-node 1.17 has no input metadata: read the types from the
  // first row (a column whose first value is not a number is a string)
  let pos = nl + 1;
  let lines = text.length ? text.slice(pos).split('\n') : [];
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const n = lines.length;
  const isStr = new Array(k).fill(false);
  if (n) {
    const f = lines[0].split(',');
    for (let j = 0; j < k; j++) {
      isStr[j] = f[j] !== '' && Number.isNaN(Number(f[j])) &&
        !/^nan$/i.test(f[j]);
    }
  }
  const cols = header.map((h, j) => isStr[j] ? new Array(n) :
    new Float32Array(n));
  for (let i = 0; i < n; i++) {
    const l = lines[i];
    let s = 0;
    for (let j = 0; j < k; j++) {
      let e = l.indexOf(',', s);
      if (e < 0) e = l.length;
      const v = l.slice(s, e);
      if (isStr[j]) cols[j][i] = v;
      else cols[j][i] = v === '' ? NaN : +v;
      s = e + 1;
    }
  }
  lines = null;
  const t1 = now();

  const single = meta.length === 1 && header.indexOf(meta[0]) < 0;
  const probs = new Float32Array(n);
  for (let b = 0; b < n; b += B) {
    const m = Math.min(B, n - b);
    const feeds = {};
    if (single) {
      const a = new Float32Array(m * k);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < k; j++) a[i * k + j] = cols[j][b + i];
      }
      feeds[meta[0]] = new ort.Tensor('float32', a, [m, k]);
    } else {
      for (const name of meta) {
        const j = header.indexOf(name);
        if (j < 0) throw new Error('no column for input ' + name);
        feeds[name] = isStr[j] ?
          new ort.Tensor('string', cols[j].slice(b, b + m), [m, 1]) :
          new ort.Tensor('float32', cols[j].subarray(b, b + m), [m, 1]);
      }
    }
    const r = await session.run(feeds);
    let p = null;
    for (const o of session.outputNames) {
      if (r[o].type === 'float32') p = r[o];
    }
    const c = p.dims[p.dims.length - 1];
    for (let i = 0; i < m; i++) probs[b + i] = p.data[i * c + (c - 1)];
  }
  const t2 = now();

  const fd = fs.openSync(outPath, 'w');
  fs.writeSync(fd, 'row,prediction,probability\n');
  const CH = 65536;
  for (let b = 0; b < n; b += CH) {
    const e = Math.min(n, b + CH);
    let s = '';
    for (let i = b; i < e; i++) {
      const v = probs[i];
      s += (i + 1) + ',' + (v >= 0.5 ? 1 : 0) + ',' + v + '\n';
    }
    fs.writeSync(fd, s);
  }
  fs.closeSync(fd);
  const t3 = now();
  const single_n = Number(process.env.SINGLE || 0);
  let singleOut = '';
  if (single_n > 0 && n > 0) {
    const R = Math.min(n, 256);
    const feeds = [];
    for (let i = 0; i < R; i++) {
      const f = {};
      if (single) {
        const a = new Float32Array(k);
        for (let j = 0; j < k; j++) a[j] = cols[j][i];
        f[meta[0]] = new ort.Tensor('float32', a, [1, k]);
      } else {
        for (const name of meta) {
          const j = header.indexOf(name);
          f[name] = isStr[j] ? new ort.Tensor('string', [cols[j][i]], [1, 1]) :
            new ort.Tensor('float32', cols[j].subarray(i, i + 1), [1, 1]);
        }
      }
      feeds.push(f);
    }
    const lat = [];
    for (let i = 0; i < 200 + single_n; i++) {
      const s0 = process.hrtime.bigint();
      await session.run(feeds[i % R]);
      const s1 = process.hrtime.bigint();
      if (i >= 200) lat.push(Number(s1 - s0) / 1e3);
    }
    lat.sort((x, y) => x - y);
    singleOut = ` single_p50 ${lat[lat.length >> 1].toFixed(1)} us`;
  }
  const load = t1b - t1a;
  process.stdout.write(`read ${(t1 - t0 - load).toFixed(3)} load ${load.toFixed(3)} ` +
    `predict ${(t2 - t1).toFixed(3)} write ${(t3 - t2).toFixed(3)} ` +
    `total ${(t3 - t0).toFixed(3)}${singleOut}\n`);
}

main().catch((e) => {
  process.stderr.write('ort_bench: ' + (e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
