/* The Open Inference Protocol v2 (KServe V2) over REST: server and model
 * metadata, health, readiness, infer and explain (infer's outputs and a
 * "contributions" tensor), for the one model being served
 * (by its name, and version when a path names one). Inputs come either as
 * one tensor per signature input (shape [n] or [n, 1]) or as one [n, k]
 * tensor in signature order; they go through the same data contract as
 * the simple REST endpoints. Errors are 400 {"error": "..."}, an unknown
 * model 404. */
#include "oip.h"

#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "../core/strbuf.h"

static const char *datatype(enum value_type t)
{
	switch (t) {
	case VT_FLOAT:
		return "FP64";
	case VT_INT:
		return "INT64";
	case VT_BOOL:
		return "BOOL";
	default:
		return "BYTES";
	}
}

static json_t *tensor_meta(const struct field *f, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:[i]}", "name",
						   f[i].name, "datatype",
						   datatype(f[i].type), "shape",
						   -1));
	return a;
}

static json_t *metadata(const struct serving *s)
{
	const struct descriptor *d = s->bm->d;
	char platform[32];

	const struct model *m = s->bm->m;
	json_t *outs = tensor_meta(d->outputs, d->noutputs);

	snprintf(platform, sizeof(platform), "mlops_%s",
		 runtime_name(d->model.runtime));
	/* Every class's probability, in the order /model/info's labels. */
	if (m->task != TASK_REGRESSION)
		json_array_append_new(outs, json_pack("{s:s, s:s, s:[i,i]}",
						      "name", "probabilities",
						      "datatype", "FP64",
						      "shape", -1,
						      (int)m->nlabels));
	return json_pack("{s:s, s:[s], s:s, s:o, s:o}", "name", d->name,
			 "versions", d->version, "platform", platform,
			 "inputs", tensor_meta(d->inputs, d->ninputs),
			 "outputs", outs);
}

/* A tensor's data, nested lists flattened in row-major order: pointers
 * into the request, no copies. */
struct flat {
	const json_t **v;
	size_t n, alloc;
};

static void flatten(const json_t *v, struct flat *out)
{
	size_t i;
	const json_t *x;

	if (!json_is_array(v)) {
		out->v = xgrow_array(out->v, out->n + 1, &out->alloc,
				     sizeof(*out->v));
		out->v[out->n++] = v;
		return;
	}
	json_array_foreach(v, i, x)
		flatten(x, out);
}

static size_t shape_rows(const json_t *shape, size_t *cols)
{
	const json_t *a = json_array_get(shape, 0), *b = json_array_get(shape, 1);

	*cols = 1;
	if (!json_is_integer(a) || json_integer_value(a) < 0)
		return (size_t)-1;
	if (json_array_size(shape) > 2)
		return (size_t)-1;
	if (b) {
		if (!json_is_integer(b) || json_integer_value(b) < 1)
			return (size_t)-1;
		*cols = (size_t)json_integer_value(b);
	}
	return (size_t)json_integer_value(a);
}

/* A 400 whose message is before + arg + after (arg may be NULL). */
static unsigned bad(json_t **out, const char *before, const char *arg,
		    const char *after)
{
	struct strbuf m = STRBUF_INIT;

	strbuf_addstr(&m, before);
	if (arg)
		strbuf_addstr(&m, arg);
	strbuf_addstr(&m, after);
	*out = error_json(m.buf);
	strbuf_release(&m);
	return 400;
}

/* The tensor datatypes of the protocol. */
static int known_datatype(const char *t)
{
	static const char *const types[] = {
		"BOOL",	 "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
		"INT32", "INT64", "FP16",   "FP32",   "FP64",   "BYTES", NULL,
	};
	size_t i;

	for (i = 0; types[i]; i++)
		if (!strcmp(types[i], t))
			return 1;
	return 0;
}

/* One input tensor as the protocol defines it: an object with a name,
 * a known datatype, a shape, data, and parameters that are an object
 * when present. seen holds the names so far: a name given twice is
 * refused (a set, so a request of many tensors costs linear time). */
static unsigned check_tensor(const json_t *t, size_t i, json_t *seen,
			     json_t **out)
{
	const json_t *dt = json_object_get(t, "datatype");
	const json_t *par = json_object_get(t, "parameters");
	const char *name = json_str(t, "name");
	char at[32];

	snprintf(at, sizeof(at), "inputs[%zu]", i);
	if (!json_is_object(t))
		return bad(out, at, NULL, " must be an object");
	if (!name)
		return bad(out, at, NULL, ": \"name\" (a string) is required");
	if (!json_is_string(dt))
		return bad(out, "tensor '", name, "': \"datatype\" (a string) "
			   "is required");
	if (!known_datatype(json_string_value(dt)))
		return bad(out, "tensor '", name, "': unknown datatype (BOOL, "
			   "INT8..INT64, UINT8..UINT64, FP16, FP32, FP64 or "
			   "BYTES)");
	if (!json_is_array(json_object_get(t, "shape")))
		return bad(out, "tensor '", name, "': \"shape\" (a list of "
			   "integers) is required");
	if (!json_object_get(t, "data") &&
	    !json_object_get(par, "binary_data_size"))
		return bad(out, "tensor '", name, "': \"data\" (or binary data) "
			   "is required");
	if (par && !json_is_object(par))
		return bad(out, "tensor '", name, "': \"parameters\" must be an "
			   "object");
	if (json_object_get(seen, name))
		return bad(out, "tensor '", name, "' is given twice");
	json_object_set_new(seen, name, json_true());
	return 0;
}

static unsigned check_tensors(const json_t *inputs, json_t **out)
{
	const json_t *t;
	json_t *seen = json_object();
	unsigned st = 0;
	size_t i;

	json_array_foreach(inputs, i, t) {
		st = check_tensor(t, i, seen, out);
		if (st)
			break;
	}
	json_decref(seen);
	return st;
}

/* Which outputs the request asks for (none listed: all). An unknown name
 * is a 400. want[0]: prediction, want[1]: probability, want[2]: every
 * class's probability ([n, k]), want[3]: contributions (explain). */
static unsigned requested_outputs(const json_t *req, int has_probability,
				  int explain, int want[4], json_t **out)
{
	const json_t *outs = json_object_get(req, "outputs"), *o;
	size_t i;

	want[0] = want[1] = want[2] = !outs;
	want[1] = want[2] = want[1] && has_probability;
	want[3] = explain && !outs;
	if (!outs)
		return 0;
	if (!json_is_array(outs))
		return bad(out, "\"outputs\" must be a list", NULL, "");
	json_array_foreach(outs, i, o) {
		const char *name = json_str(o, "name");
		const json_t *par = json_object_get(o, "parameters");

		if (!json_is_object(o) || !name)
			return bad(out, "every requested output needs a \"name\"",
				   NULL, "");
		if (par && !json_is_object(par))
			return bad(out, "output '", name, "': \"parameters\" "
				   "must be an object");
		if (!strcmp(name, "prediction"))
			want[0] = 1;
		else if (!strcmp(name, "probability") && has_probability)
			want[1] = 1;
		else if (!strcmp(name, "probabilities") && has_probability)
			want[2] = 1;
		else if (!strcmp(name, "contributions") && explain)
			want[3] = 1;
		else
			return bad(out, "'", name, has_probability
					   ? "' is not an output of this model "
					     "(prediction, probability, "
					     "probabilities)"
					   : "' is not an output of this model "
					     "(prediction)");
	}
	return 0;
}

/* Tensor t's n elements as cells (*cells, the caller's): its binary
 * data, or its "data" flattened. 0 or 400. */
static unsigned tensor_cells(struct oip_binary *b, const json_t *t, size_t n,
			     struct cell **cells, json_t **out)
{
	struct flat f = { 0 };
	unsigned st = 1;

	*cells = NULL;
	/* Every element takes a byte of the body at least: a shape
	 * beyond that is refused before anything is allocated. */
	if (n <= b->body_len) {
		*cells = xcalloc(n + 1, sizeof(**cells));
		st = oip_binary_cells(b, t, n, *cells, out);
	}
	if (st != 1)
		return st;
	flatten(json_object_get(t, "data"), &f);
	if (f.n != n || !*cells) {
		st = bad(out, "tensor '", json_str(t, "name"),
			 "': data does not match its shape");
	} else {
		for (size_t k = 0; k < n; k++)
			cell_from_json(f.v[k], &(*cells)[k]);
		st = 0;
	}
	free(f.v);
	return st;
}

/* One [n, k] tensor with every feature in signature order, into r:
 * 0, 1 when the tensor is not that shape (try by name), or an error. */
static unsigned matrix_cells(const struct serving *s, struct oip_binary *b,
			     const json_t *t, struct score_rows *r,
			     json_t **out)
{
	const struct descriptor *d = s->bm->d;
	size_t cols, n = shape_rows(json_object_get(t, "shape"), &cols);
	struct cell *c = NULL;
	unsigned st;

	if (n == (size_t)-1 || cols != d->ninputs || d->ninputs < 2)
		return 1;
	/* n * cols may wrap: compare by division. */
	if (n > b->body_len / cols)
		st = bad(out, "tensor '", json_str(t, "name"),
			 "': data does not match its shape");
	else
		st = tensor_cells(b, t, n * cols, &c, out);
	if (!st && !(st = score_rows_start(r, s, n, out))) {
		score_rows_vals(r);
		memcpy(r->vals, c, n * cols * sizeof(*c));
	}
	free(c);
	return st;
}

/* One tensor per input, matched by name, into r. */
static unsigned named_cells(const struct serving *s, struct oip_binary *b,
			    const json_t *inputs, struct score_rows *r,
			    json_t **out)
{
	const struct descriptor *d = s->bm->d;
	const json_t *t;
	size_t i, k, n = (size_t)-1, *col = xcalloc(json_array_size(inputs),
						     sizeof(*col));
	unsigned st = 0;

	/* Names and shapes first: the rows are counted before any table. */
	json_array_foreach(inputs, i, t) {
		size_t cols, rn = shape_rows(json_object_get(t, "shape"), &cols);
		const char *name = json_str(t, "name");

		if (rn == (size_t)-1 || cols != 1) {
			st = bad(out, "tensor '", name, "': needs a shape [n] "
				 "or [n, 1]");
			goto done;
		}
		if (n != (size_t)-1 && rn != n) {
			st = bad(out, "tensor '", name, "': every input needs "
				 "the same number of rows");
			goto done;
		}
		n = rn;
		for (k = 0; k < d->ninputs && strcmp(d->inputs[k].name, name);
		     k++)
			;
		if (k == d->ninputs) {
			st = bad(out, "'", name, "' is not an input of this "
				 "model");
			goto done;
		}
		col[i] = k;
	}
	st = score_rows_start(r, s, n, out);
	if (!st)
		score_rows_vals(r);
	json_array_foreach(inputs, i, t) {
		struct cell *c = NULL;

		if (st)
			break;
		st = tensor_cells(b, t, n, &c, out);
		for (k = 0; !st && k < n; k++)
			r->vals[k * r->ninputs + col[i]] = c[k];
		free(c);
	}
done:
	free(col);
	return st;
}

/* OIP inputs into the scoring core's cell table. */
static unsigned input_cells(const struct serving *s, struct oip_binary *b,
			    const json_t *inputs, struct score_rows *r,
			    json_t **out)
{
	unsigned st;

	if (!json_is_array(inputs) || !json_array_size(inputs))
		return bad(out, "\"inputs\" must be a non-empty list of tensors",
			   NULL, "");
	st = check_tensors(inputs, out);
	if (!st && json_array_size(inputs) == 1)
		st = matrix_cells(s, b, json_array_get(inputs, 0), r, out);
	else if (!st)
		st = 1;
	if (st == 1) {
		score_rows_release(r);
		st = named_cells(s, b, inputs, r, out);
	}
	return st;
}

/* The prediction tensor's type: classes are INT64 when every label is
 * an integer, else BYTES; values FP64. */
static const char *prediction_type(const struct serving *s)
{
	const struct model *m = s->bm->m;
	size_t k;

	if (m->task == TASK_REGRESSION)
		return "FP64";
	for (k = 0; k < m->nlabels; k++)
		if (!label_is_integer(m->labels[k]))
			return "BYTES";
	return "INT64";
}

static json_t *tensor(const char *name, const char *type, json_t *shape,
		      json_t *data)
{
	return json_pack("{s:s, s:o, s:s, s:o}", "name", name, "shape", shape,
			 "datatype", type, "data", data);
}

/* The explanations: FP64 [n, features + 1] (the bias last), or [n, k,
 * features + 1] per class for multiclass; its parameters name the
 * columns ("features", "bias" last) and the classes. */
static json_t *contributions(const struct serving *s, const struct scores *sc)
{
	const struct descriptor *d = s->bm->d;
	const struct model *m = s->bm->m;
	json_t *data = json_array(), *names = json_array(), *t, *shape;
	size_t i;

	for (i = 0; i < sc->n * sc->ew; i++)
		json_array_append_new(data, json_real(sc->e[i]));
	for (i = 0; i < d->ninputs; i++)
		json_array_append_new(names, json_string(d->inputs[i].name));
	json_array_append_new(names, json_string("bias"));
	shape = m->task == TASK_MULTICLASS
			? json_pack("[I,I,I]", (json_int_t)sc->n,
				    (json_int_t)m->noutputs,
				    (json_int_t)d->ninputs + 1)
			: json_pack("[I,I]", (json_int_t)sc->n,
				    (json_int_t)d->ninputs + 1);
	t = tensor("contributions", "FP64", shape, data);
	json_object_set_new(t, "parameters", json_pack("{s:o}", "features",
						       names));
	if (m->task == TASK_MULTICLASS) {
		json_t *l = json_array();

		for (i = 0; i < m->nlabels; i++)
			json_array_append_new(l, label_json(m->labels[i]));
		json_object_set_new(json_object_get(t, "parameters"),
				    "classes", l);
	}
	return t;
}

/* The requested output tensors from the scores: the prediction, the
 * decision's probability, and every class's probability, row-major
 * [n, k] (binary models: 1 - p, p). */
static json_t *output_tensors(const struct serving *s, const struct scores *sc,
			      const int want[4])
{
	const struct model *m = s->bm->m;
	json_t *outs = json_array(), *pv = json_array(), *pr = json_array(),
	       *all = json_array();
	size_t i, k;

	for (i = 0; i < sc->n; i++) {
		const double *y = sc->y + i * sc->k;
		struct decision dec;

		model_decide(m, y, s->bm->d->model.threshold, &dec);
		if (m->task == TASK_REGRESSION) {
			json_array_append_new(pv, json_real(dec.prediction));
			continue;
		}
		json_array_append_new(pv, label_json(
			m->labels[(size_t)dec.prediction]));
		json_array_append_new(pr, json_real(dec.probability));
		if (m->task == TASK_BINARY) {
			json_array_append_new(all, json_real(1 - y[0]));
			json_array_append_new(all, json_real(y[0]));
		}
		for (k = 0; m->task == TASK_MULTICLASS && k < m->nlabels; k++)
			json_array_append_new(all, json_real(y[k]));
	}
	if (want[0])
		json_array_append_new(outs, tensor("prediction",
						   prediction_type(s),
						   json_pack("[I]", (json_int_t)sc->n),
						   json_incref(pv)));
	if (want[1] && json_array_size(pr))
		json_array_append_new(outs, tensor("probability", "FP64",
						   json_pack("[I]", (json_int_t)sc->n),
						   json_incref(pr)));
	if (want[2] && json_array_size(all))
		json_array_append_new(outs, tensor("probabilities", "FP64",
						   json_pack("[I,I]", (json_int_t)sc->n,
							     (json_int_t)m->nlabels),
						   json_incref(all)));
	if (want[3])
		json_array_append_new(outs, contributions(s, sc));
	json_decref(pv);
	json_decref(pr);
	json_decref(all);
	return outs;
}

/* The contract's details (422 from the core) in OIP's error shape: a
 * 400 with one message. */
static unsigned oip_error(unsigned status, json_t *res, json_t **out)
{
	const json_t *det = json_object_get(res, "details"), *p;
	struct strbuf m = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&m, json_str(res, "error") ? json_str(res, "error")
						  : "invalid input");
	json_array_foreach(det, i, p)
		strbuf_addf(&m, "%s row %lld %s: %s", i ? ";" : ":",
			    (long long)json_integer_value(
				    json_object_get(p, "row")),
			    json_str(p, "field"), json_str(p, "problem"));
	*out = error_json(m.buf);
	strbuf_release(&m);
	json_decref(res);
	return status == 422 ? 400 : status;
}

static unsigned infer(const struct serving *s, struct oip_binary *b,
		      const char *body, size_t len, json_t **out, int explain)
{
	const struct descriptor *d = s->bm->d;
	struct score_rows r = { 0 };
	struct scores sc = { 0 };
	json_t *req, *res = NULL;
	json_error_t err;
	unsigned status;
	int want[4];
	size_t jlen;

	status = oip_binary_split(b, body, len, &jlen, out);
	if (status)
		return status;
	req = json_loadb(body, jlen, JSON_REJECT_DUPLICATES, &err);
	if (!req)
		return bad(out, "malformed JSON: ", err.text, "");
	if (!json_is_object(req)) {
		status = bad(out, "the request must be a JSON object", NULL, "");
		goto done;
	}
	if (json_object_get(req, "id") && !json_is_string(json_object_get(req, "id"))) {
		status = bad(out, "\"id\" must be a string", NULL, "");
		goto done;
	}
	if (json_object_get(req, "parameters") &&
	    !json_is_object(json_object_get(req, "parameters"))) {
		status = bad(out, "\"parameters\" must be an object", NULL, "");
		goto done;
	}
	status = requested_outputs(req, d->model.task != TASK_REGRESSION,
				   explain, want, out);
	if (!status)
		status = input_cells(s, b, json_object_get(req, "inputs"), &r,
				     out);
	/* Bytes no tensor claimed: the sizes do not add up (Triton's 400). */
	if (!status && b && b->used != b->len)
		status = bad(out, "the binary data holds bytes no input's "
			     "binary_data_size accounts for", NULL, "");
	if (status)
		goto done;
	status = explain ? serving_explain(s, &r, &sc, &res)
			 : serving_score(s, &r, &sc, &res);
	if (status != 200) {
		status = oip_error(status, res, out);
		goto done;
	}
	*out = json_pack("{s:s, s:s, s:o}", "model_name", d->name,
			 "model_version", d->version, "outputs",
			 output_tensors(s, &sc, want));
	oip_binary_outputs(b, req, json_object_get(*out, "outputs"));
	if (json_object_get(req, "id"))
		json_object_set(*out, "id", json_object_get(req, "id"));
	/* The rows' ids in the prediction store (X-Request-Id based), in
	 * the response parameters OIP leaves to the server. */
	if (score_request_id())
		json_object_set_new(*out, "parameters",
				    json_pack("{s:o}", "mlops_row_ids",
					      score_row_ids(sc.n)));
done:
	scores_release(&sc);
	score_rows_release(&r);
	json_decref(req);
	return status;
}

/* "/v2/models/NAME[/versions/V]REST": REST after the model part, or NULL
 * when the path names another model. */
static const char *model_path(const struct serving *s, const char *url)
{
	const struct descriptor *d = s->bm->d;
	const char *p = url + strlen("/v2/models/");
	size_t n = strlen(d->name), v = strlen(d->version);

	if (strncmp(p, d->name, n) || (p[n] && p[n] != '/'))
		return NULL;
	p += n;
	if (!strncmp(p, "/versions/", 10)) {
		if (strncmp(p + 10, d->version, v) || (p[10 + v] && p[10 + v] != '/'))
			return NULL;
		p += 10 + v;
	}
	return p;
}

enum route oip_model_route(const char *rest, const char **version,
			   size_t *vlen)
{
	size_t n;

	*version = NULL;
	*vlen = 0;
	if (!strncmp(rest, "/versions/", 10)) {
		n = strcspn(rest + 10, "/");
		if (!n)
			return ROUTE_OTHER;
		*version = rest + 10;
		*vlen = n;
		rest += 10 + n;
	}
	if (!*rest)
		return ROUTE_OIP_MODEL;
	if (!strcmp(rest, "/ready"))
		return ROUTE_OIP_MODEL_READY;
	if (!strcmp(rest, "/explain"))
		return ROUTE_OIP_EXPLAIN;
	return !strcmp(rest, "/infer") ? ROUTE_OIP_INFER : ROUTE_OTHER;
}

enum route oip_route(const char *url)
{
	const char *p, *v;
	size_t k, vlen;

	if (!strcmp(url, "/v2") || !strcmp(url, "/v2/"))
		return ROUTE_OIP;
	if (!strcmp(url, "/v2/health/live"))
		return ROUTE_OIP_LIVE;
	if (!strcmp(url, "/v2/health/ready"))
		return ROUTE_OIP_READY;
	if (strncmp(url, "/v2/models/", 11))
		return ROUTE_OTHER;
	p = url + 11;
	if (!*p || *p == '/')
		return ROUTE_OTHER;
	/* A model name may hold '/': the first split whose rest is a
	 * route (the server picks among them by the models it serves). */
	for (k = 1;; k++) {
		if (!p[k] || p[k] == '/') {
			enum route r = oip_model_route(p + k, &v, &vlen);

			if (r != ROUTE_OTHER)
				return r;
		}
		if (!p[k])
			return ROUTE_OTHER;
	}
}

unsigned oip_handle(const struct serving *s, int ready, const char *method,
		    const char *url, const char *body, size_t len,
		    struct oip_binary *bin, json_t **out, const char **allow)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	const char *rest;

	*allow = NULL;
	if (!strcmp(url, "/v2") || !strcmp(url, "/v2/")) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = json_pack("{s:s, s:s, s:[s]}", "name", "mlops", "version",
				 MLOPS_LIB_VERSION, "extensions",
				 "binary_tensor_data");
		return 200;
	}
	if (!strcmp(url, "/v2/health/live")) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = json_pack("{s:b}", "live", 1);
		return 200;
	}
	if (!strcmp(url, "/v2/health/ready")) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = json_pack("{s:b}", "ready", ready);
		return ready ? 200 : 503;
	}
	if (strncmp(url, "/v2/models/", 11))
		return 0;
	rest = model_path(s, url);
	if (!rest) {
		*out = error_json("no such model (or version) here");
		return 404;
	}
	if (!*rest) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = metadata(s);
		return 200;
	}
	if (!strcmp(rest, "/ready")) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = json_pack("{s:s, s:b}", "name", s->bm->d->name, "ready",
				 ready);
		return ready ? 200 : 503;
	}
	if (!strcmp(rest, "/infer") || !strcmp(rest, "/explain")) {
		int explain = !strcmp(rest, "/explain");

		*allow = "POST";
		if (strcmp(method, "POST"))
			return 405;
		if (bin)
			return infer(s, bin, body, len, out, explain);
		else {
			struct oip_binary none = { 0 };
			unsigned st = infer(s, &none, body, len, out, explain);

			oip_binary_release(&none);
			return st;
		}
	}
	*out = error_json("no such endpoint");
	return 404;
}
