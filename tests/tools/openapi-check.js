// openapi-check.js DOC.json [ANSWERS.json]: validates DOC with a real
// OpenAPI 3.1 validator (@apidevtools/swagger-parser: the document against
// the 3.1 meta-schema, every $ref resolved). With ANSWERS, a list of
// {"path", "method", "status", "type", "body"}, checks each answer's body
// against the schema the document gives for that route, status and
// media type (its own small JSON Schema walker: type, const, enum,
// required, properties, items, oneOf, allOf, minimum / maximum); an
// answer with "request" also has that body checked against the route's
// JSON request body.
// Prints one line per failure; exit status 0 when none.
"use strict";
const path = require("path");
const fs = require("fs");
const SwaggerParser = require(path.join(__dirname, "../node/node_modules/@apidevtools/swagger-parser"));

function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function check(schema, v, at, errs) {
  if (!schema || typeof schema !== "object") return;
  if (schema.type !== undefined) {
    const types = [].concat(schema.type);
    const t = typeOf(v);
    if (!types.includes(t) && !(t === "integer" && types.includes("number")))
      errs.push(`${at}: ${JSON.stringify(v)} is not ${types.join(" or ")}`);
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(v))
    errs.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v)))
    errs.push(`${at}: ${JSON.stringify(v)} not in enum`);
  if (typeof v === "number") {
    if (schema.minimum !== undefined && v < schema.minimum) errs.push(`${at}: below minimum`);
    if (schema.maximum !== undefined && v > schema.maximum) errs.push(`${at}: above maximum`);
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const r of schema.required || [])
      if (!(r in v)) errs.push(`${at}: "${r}" is required`);
    for (const [k, s] of Object.entries(schema.properties || {}))
      if (k in v) check(s, v[k], `${at}.${k}`, errs);
    if (schema.additionalProperties && typeof schema.additionalProperties === "object")
      for (const [k, x] of Object.entries(v))
        if (!(schema.properties || {})[k]) check(schema.additionalProperties, x, `${at}.${k}`, errs);
  }
  if (Array.isArray(v) && schema.items) v.forEach((x, i) => check(schema.items, x, `${at}[${i}]`, errs));
  for (const s of schema.allOf || []) check(s, v, at, errs);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => { const e = []; check(s, v, at, e); return !e.length; });
    if (ok.length !== 1) errs.push(`${at}: matches ${ok.length} of oneOf`);
  }
}

(async () => {
  const [docFile, answersFile] = process.argv.slice(2);
  let failures = 0;
  const doc = await SwaggerParser.validate(docFile).catch((e) => {
    console.log(`invalid OpenAPI document: ${e.message}`);
    process.exit(1);
  });
  if (!doc.openapi.startsWith("3.1")) { console.log(`not 3.1: ${doc.openapi}`); process.exit(1); }
  for (const a of answersFile ? JSON.parse(fs.readFileSync(answersFile, "utf8")) : []) {
    const op = (doc.paths[a.path] || {})[a.method];
    const res = op && op.responses[String(a.status)];
    const media = res && res.content && res.content[a.type];
    if (!media) {
      console.log(`${a.method} ${a.path} ${a.status} ${a.type}: not in the document`);
      failures++;
      continue;
    }
    const errs = [];
    if (a.body !== undefined) check(media.schema, a.body, "body", errs);
    if (a.request !== undefined) {
      const req = op.requestBody && op.requestBody.content["application/json"];
      if (req) check(req.schema, a.request, "request", errs);
      else errs.push("no JSON request body in the document");
    }
    for (const e of errs) console.log(`${a.method} ${a.path} ${a.status}: ${e}`);
    failures += errs.length;
  }
  process.exit(failures ? 1 : 0);
})();
