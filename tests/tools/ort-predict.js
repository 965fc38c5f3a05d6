#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node (the reference runtime) on the
// rows of a CSV file and prints the predictions as CSV on stdout.
//
//   node tests/tools/ort-predict.js [options] MODEL.onnx ROWS.csv
//
// Install onnxruntime-node first: scripts/install-npm (it goes to
// tests/node/node_modules, which this script finds by its own location).
//
// Rows: the header names the columns; an empty field is a missing value
// (NaN for float inputs, "" for string inputs); fields are not quoted.
// Columns go to the graph inputs by name: a graph with one float input of
// shape [N,k] takes all k columns in order; otherwise each input [N,1]
// takes the column of its name (string tensor for string inputs, float32
// for numeric ones).
//
// Output columns, in the layout of tests/fixtures/onnx/NAME.expected.csv:
//   classifiers: prediction, then PREFIX<label> for every class in the
//                model's order (PREFIX is probability_, or score_ when
//                the scores come straight from a LinearClassifier or
//                SVMClassifier with post_transform NONE)
//   regressors:  prediction (prediction_0.. when there are several targets)
// Floats are printed as the shortest decimal of the double that holds the
// float32 result (exact); labels as they are.
//
// Class labels come from --labels, else from the classlabels_* attribute
// of the graph's ZipMap / *Classifier node, else from the labels: line of
// MODEL.yaml beside the model, else 0..C-1.
// ZipMap outputs (sequences of maps) are not supported by onnxruntime-node,
// so a ZipMap's output is replaced in the graph outputs by its input tensor.
//
// Options:
//   --labels a,b,c   class labels, in output order
//   --prefix P       column prefix for the class scores
//   --each           run one row at a time (default: one batch)
'use strict';

const fs = require('fs');
const path = require('path');

function loadOrt() {
  const local = path.join(__dirname, '..', 'node', 'node_modules',
    'onnxruntime-node');
  try {
    return require(local);
  } catch (e) {
    try {
      return require('onnxruntime-node');
    } catch (e2) {
      process.stderr.write('ort-predict: cannot load onnxruntime-node from ' +
        local + ' (run scripts/install-npm): ' + e.message + '\n');
      process.exit(2);
    }
  }
}

// ---------------------------------------------------------------- protobuf

function readVarint(buf, pos) {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7n;
  }
  return [v, pos];
}

// Splits a message into [{field, wire, value (BigInt or Buffer), start, end}].
function fields(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 1) {
      value = buf.subarray(pos, pos + 8); pos += 8;
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      value = buf.subarray(pos, pos + Number(len)); pos += Number(len);
    } else if (wire === 5) {
      value = buf.subarray(pos, pos + 4); pos += 4;
    } else {
      throw new Error('unsupported wire type ' + wire);
    }
    if (pos > buf.length) throw new Error('truncated message');
    out.push({field, wire, value, start, end: pos});
  }
  return out;
}

function str(b) { return Buffer.from(b).toString('utf8'); }

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

function lenField(field, bytes) {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

const ELEM = {1: 'float', 7: 'int64', 8: 'string', 11: 'double', 6: 'int32'};

function parseValueInfo(b) {
  const vi = {name: '', elem: null, dims: null, kind: 'tensor'};
  for (const f of fields(b)) {
    if (f.field === 1) vi.name = str(f.value);
    if (f.field !== 2) continue;
    for (const t of fields(f.value)) {
      if (t.field !== 1) {
        vi.kind = 'other';
        continue;
      }
      for (const tt of fields(t.value)) {
        if (tt.field === 1) vi.elem = Number(tt.value);
        if (tt.field === 2) {
          vi.dims = [];
          for (const d of fields(tt.value)) {
            if (d.field !== 1) continue;
            let dim = null;
            for (const x of fields(d.value)) {
              if (x.field === 1) dim = Number(x.value);
              if (x.field === 2) dim = str(x.value);
            }
            vi.dims.push(dim);
          }
        }
      }
    }
  }
  return vi;
}

function parseAttribute(b) {
  const a = {name: '', ints: [], strings: [], s: null, i: null};
  for (const f of fields(b)) {
    if (f.field === 1) a.name = str(f.value);
    else if (f.field === 4) a.s = str(f.value);
    else if (f.field === 3 && f.wire === 0) a.i = f.value;
    else if (f.field === 8 && f.wire === 0) a.ints.push(f.value);
    else if (f.field === 8 && f.wire === 2) {   // packed
      let p = 0;
      while (p < f.value.length) {
        let v;
        [v, p] = readVarint(f.value, p);
        a.ints.push(BigInt.asIntN(64, v));
      }
    } else if (f.field === 9) a.strings.push(str(f.value));
  }
  a.ints = a.ints.map((v) => BigInt.asIntN(64, v));
  return a;
}

function parseModel(buf) {
  const model = {inputs: [], outputs: [], nodes: [], initializers: new Set()};
  const top = fields(buf);
  const g = top.find((f) => f.field === 7);
  if (!g) throw new Error('no graph in the model');
  for (const f of fields(g.value)) {
    if (f.field === 11) model.inputs.push(parseValueInfo(f.value));
    else if (f.field === 12) model.outputs.push(parseValueInfo(f.value));
    else if (f.field === 5) {
      for (const t of fields(f.value)) {
        if (t.field === 8) model.initializers.add(str(t.value));
      }
    } else if (f.field === 1) {
      const n = {inputs: [], outputs: [], op: '', attrs: {}};
      for (const x of fields(f.value)) {
        if (x.field === 1) n.inputs.push(str(x.value));
        if (x.field === 2) n.outputs.push(str(x.value));
        if (x.field === 4) n.op = str(x.value);
        if (x.field === 5) {
          const a = parseAttribute(x.value);
          n.attrs[a.name] = a;
        }
      }
      model.nodes.push(n);
    }
  }
  model.inputs = model.inputs.filter((i) => !model.initializers.has(i.name));
  return model;
}

// The model with extra float tensor graph outputs, and without the graph
// outputs named in drop.
function editOutputs(buf, names, drop) {
  const top = fields(buf);
  const parts = [];
  for (const f of top) {
    if (f.field !== 7) {
      parts.push(buf.subarray(f.start, f.end));
      continue;
    }
    const keep = fields(f.value).filter((x) => x.field !== 12 ||
      !drop.includes(parseValueInfo(x.value).name))
      .map((x) => f.value.subarray(x.start, x.end));
    const extra = names.map((n) => lenField(12, Buffer.concat([
      lenField(1, Buffer.from(n, 'utf8')),
      // type { tensor_type { elem_type: FLOAT } }
      lenField(2, lenField(1, Buffer.from([0x08, 0x01])))])));
    parts.push(lenField(7, Buffer.concat([...keep, ...extra])));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- CSV

function readCsv(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (!lines.length) throw new Error(file + ': empty');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l, k) => {
    const r = l.split(',');
    if (r.length !== header.length) {
      throw new Error(file + ':' + (k + 2) + ': ' + r.length +
        ' fields, header has ' + header.length);
    }
    return r;
  });
  return {header, rows};
}

function num(s) {
  if (s.trim() === '') return NaN;
  const v = Number(s);
  if (Number.isNaN(v) && !/^\s*nan\s*$/i.test(s)) {
    throw new Error('not a number: ' + JSON.stringify(s));
  }
  return v;
}

function fmt(v) {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

// ---------------------------------------------------------------- main

function yamlLabels(modelPath) {
  const y = modelPath.replace(/\.onnx$/, '') + '.yaml';
  if (!fs.existsSync(y)) return null;
  const m = /^\s*labels:\s*\[(.*)\]\s*$/m.exec(fs.readFileSync(y, 'utf8'));
  return m ? m[1].split(',').map((s) => s.trim()) : null;
}

async function main() {
  const args = process.argv.slice(2);
  let labels = null;
  let prefix = null;
  let each = false;
  const pos = [];
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--labels') labels = args[++k].split(',');
    else if (args[k] === '--prefix') prefix = args[++k];
    else if (args[k] === '--each') each = true;
    else pos.push(args[k]);
  }
  if (pos.length !== 2) {
    process.stderr.write('usage: ort-predict.js [--labels a,b] [--prefix P] ' +
      '[--each] MODEL.onnx ROWS.csv\n');
    process.exit(2);
  }
  const [modelPath, rowsPath] = pos;
  const ort = loadOrt();
  let buf = fs.readFileSync(modelPath);
  const model = parseModel(buf);
  const csv = readCsv(rowsPath);
  const n = csv.rows.length;

  // Outputs: the label (non-float tensor) and the scores (float tensor);
  // a ZipMap's sequence output is replaced by the ZipMap's input tensor.
  let labelOut = null;
  let scoreOut = null;
  let labelNode = null;
  const added = [];
  const dropped = [];
  for (const o of model.outputs) {
    const producer = model.nodes.find((x) => x.outputs.includes(o.name));
    if (o.kind !== 'tensor') {
      if (!producer || producer.op !== 'ZipMap') {
        throw new Error('output ' + o.name + ' is not a tensor');
      }
      scoreOut = producer.inputs[0];
      if (!model.outputs.some((x) => x.name === scoreOut)) added.push(scoreOut);
      labelNode = labelNode || producer;
      dropped.push(o.name);
    } else if (o.elem === 1 || o.elem === 11) {
      if (scoreOut === null) scoreOut = o.name;
    } else if (labelOut === null) {
      labelOut = o.name;
    }
  }
  // onnxruntime-node 1.17.0 mislabels the results of a run with a subset
  // of the outputs (keyed by the first names of outputNames): edit the
  // graph so that every output is wanted, and fetch them all.
  if (added.length || dropped.length) buf = editOutputs(buf, added, dropped);
  // the node that owns the class labels, and what the scores are
  let scoreKind = 'probability_';
  for (const x of model.nodes) {
    const a = x.attrs.classlabels_strings || x.attrs.classlabels_int64s ||
      x.attrs.classlabels_ints;
    if (a && !labelNode) labelNode = x;
    if ((x.op === 'LinearClassifier' || x.op === 'SVMClassifier') &&
        x.outputs.includes(scoreOut)) {
      const pt = x.attrs.post_transform;
      if (!pt || pt.s === 'NONE') scoreKind = 'score_';
    }
  }
  if (prefix !== null) scoreKind = prefix;
  if (!labels && labelNode) {
    const a = labelNode.attrs.classlabels_strings ||
      labelNode.attrs.classlabels_int64s || labelNode.attrs.classlabels_ints;
    if (a) labels = a.strings.length ? a.strings : a.ints.map(String);
  }
  if (!labels && labelOut) labels = yamlLabels(modelPath);

  // Inputs
  const feedsFor = (rows) => {
    const m = rows.length;
    const feeds = {};
    const ins = model.inputs;
    // one input and no column of its name: it takes all the columns
    if (ins.length === 1 && csv.header.indexOf(ins[0].name) < 0) {
      const k = csv.header.length;
      const want = ins[0].dims && ins[0].dims[1];
      if (typeof want === 'number' && want !== k) {
        throw new Error('input ' + ins[0].name + ' has ' + want +
          ' columns, the CSV ' + k);
      }
      if (ins[0].elem === 8) {
        feeds[ins[0].name] = new ort.Tensor('string', rows.flat(), [m, k]);
      } else {
        const a = new Float32Array(m * k);
        rows.forEach((r, i) => r.forEach((s, j) => { a[i * k + j] = num(s); }));
        feeds[ins[0].name] = new ort.Tensor('float32', a, [m, k]);
      }
      return feeds;
    }
    for (const inp of ins) {
      const c = csv.header.indexOf(inp.name);
      if (c < 0) throw new Error('no column for input ' + inp.name);
      if (inp.elem === 8) {
        feeds[inp.name] = new ort.Tensor('string', rows.map((r) => r[c]),
          [m, 1]);
      } else if (inp.elem === 1 || inp.elem === null) {
        feeds[inp.name] = new ort.Tensor('float32',
          Float32Array.from(rows.map((r) => num(r[c]))), [m, 1]);
      } else if (inp.elem === 11) {
        feeds[inp.name] = new ort.Tensor('float64',
          Float64Array.from(rows.map((r) => num(r[c]))), [m, 1]);
      } else if (inp.elem === 7) {
        feeds[inp.name] = new ort.Tensor('int64',
          BigInt64Array.from(rows.map((r) => BigInt(r[c]))), [m, 1]);
      } else {
        throw new Error('input ' + inp.name + ': unsupported type ' + inp.elem);
      }
    }
    return feeds;
  };

  const session = await ort.InferenceSession.create(buf);
  const results = [];
  const batches = each ? csv.rows.map((r) => [r]) : [csv.rows];
  for (const b of batches) {
    if (!b.length) continue;
    const r = await session.run(feedsFor(b));
    results.push({m: b.length, label: labelOut && r[labelOut],
      score: scoreOut && r[scoreOut]});
  }

  const out = [];
  let header;
  if (labelOut) {
    let c = 0;
    if (results.length && results[0].score) {
      const s = results[0].score;
      c = s.dims.length > 1 ? s.dims[s.dims.length - 1] : 1;
    }
    if (!labels || labels.length !== c) {
      labels = Array.from({length: c}, (_, k) => String(k));
    }
    header = ['prediction'].concat(labels.map((l) => scoreKind + l));
    for (const res of results) {
      for (let i = 0; i < res.m; i++) {
        const row = [fmt(res.label.data[i])];
        for (let j = 0; j < c; j++) row.push(fmt(res.score.data[i * c + j]));
        out.push(row.join(','));
      }
    }
  } else {
    const d = results.length ? results[0].score.dims : [n, 1];
    const k = d.length > 1 ? d[d.length - 1] : 1;
    header = k === 1 ? ['prediction'] :
      Array.from({length: k}, (_, j) => 'prediction_' + j);
    for (const res of results) {
      for (let i = 0; i < res.m; i++) {
        const row = [];
        for (let j = 0; j < k; j++) row.push(fmt(res.score.data[i * k + j]));
        out.push(row.join(','));
      }
    }
  }
  process.stdout.write(header.join(',') + '\n' +
    out.map((l) => l + '\n').join(''));
}

main().catch((e) => {
  process.stderr.write('ort-predict: ' + (e && e.message ? e.message : e) +
    '\n');
  process.exit(1);
});
