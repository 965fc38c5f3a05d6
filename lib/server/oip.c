/* The Open Inference Protocol v2 (KServe V2) over REST: server and model
 * metadata, health, readiness and infer, for the one model being served
 * (by its name, and version when a path names one). Inputs come either as
 * one tensor per signature input (shape [n] or [n, 1]) or as one [n, k]
 * tensor in signature order; they go through the same data contract as
 * the simple REST endpoints. Errors are 400 {"error": "..."}, an unknown
 * model 404. */
#include "oip.h"

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

/* Flattens nested arrays (row-major data) into out. */
static void flatten(const json_t *v, json_t *out)
{
	size_t i;
	const json_t *x;

	if (!json_is_array(v)) {
		json_array_append(out, (json_t *)v);
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
	if (!json_object_get(t, "data"))
		return bad(out, "tensor '", name, "': \"data\" is required");
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
 * class's probability ([n, k]). */
static unsigned requested_outputs(const json_t *req, int has_probability,
				  int want[3], json_t **out)
{
	const json_t *outs = json_object_get(req, "outputs"), *o;
	size_t i;

	want[0] = want[1] = want[2] = !outs;
	want[1] = want[2] = want[1] && has_probability;
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

/* OIP inputs -> an array of feature objects for handle_rows(). */
static unsigned to_rows(const struct serving *s, const json_t *inputs,
			json_t **rows, json_t **out)
{
	const struct descriptor *d = s->bm->d;
	const json_t *t;
	size_t i, n = (size_t)-1, k;
	unsigned st;

	*rows = NULL;
	if (!json_is_array(inputs) || !json_array_size(inputs))
		return bad(out, "\"inputs\" must be a non-empty list of tensors",
			   NULL, "");
	st = check_tensors(inputs, out);
	if (st)
		return st;
	/* One [n, k] tensor with every feature, in signature order. */
	if (json_array_size(inputs) == 1) {
		size_t cols;

		t = json_array_get(inputs, 0);
		n = shape_rows(json_object_get(t, "shape"), &cols);
		if (n != (size_t)-1 && cols == d->ninputs && d->ninputs > 1) {
			json_t *flat = json_array();

			flatten(json_object_get(t, "data"), flat);
			/* n * cols may wrap: compare by division. */
			if (json_array_size(flat) / cols != n ||
			    json_array_size(flat) % cols) {
				json_decref(flat);
				return bad(out, "tensor '", json_str(t, "name"),
					   "': data does not match its shape");
			}
			*rows = json_array();
			for (i = 0; i < n; i++) {
				json_t *r = json_object();

				for (k = 0; k < cols; k++)
					json_object_set(r, d->inputs[k].name,
							json_array_get(flat,
								       i * cols + k));
				json_array_append_new(*rows, r);
			}
			json_decref(flat);
			return 0;
		}
	}
	/* One tensor per input, matched by name. */
	n = (size_t)-1;
	json_array_foreach(inputs, i, t) {
		size_t cols, rn = shape_rows(json_object_get(t, "shape"), &cols);
		const char *name = json_str(t, "name");
		json_t *flat;

		if (!name || rn == (size_t)-1 || cols != 1)
			return bad(out, "tensor '", name, "': needs a name and a shape "
				   "[n] or [n, 1]");
		if (n != (size_t)-1 && rn != n)
			return bad(out, "tensor '", name, "': every input needs the "
				   "same number of rows");
		n = rn;
		for (k = 0; k < d->ninputs && strcmp(d->inputs[k].name, name); k++)
			;
		if (k == d->ninputs)
			return bad(out, "'", name, "' is not an input of this model");
		flat = json_array();
		flatten(json_object_get(t, "data"), flat);
		if (json_array_size(flat) != n) {
			json_decref(flat);
			return bad(out, "tensor '", name, "': data does not match its "
				   "shape");
		}
		if (!*rows) {
			*rows = json_array();
			for (k = 0; k < n; k++)
				json_array_append_new(*rows, json_object());
		}
		for (k = 0; k < n; k++)
			json_object_set(json_array_get(*rows, k), name,
					json_array_get(flat, k));
		json_decref(flat);
	}
	return 0;
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

/* Every class's probability, row-major [n, k]: multiclass answers carry
 * them by label; binary ones are (1 - p, p). */
static json_t *every_class(const struct serving *s, const json_t *preds)
{
	const struct model *m = s->bm->m;
	json_t *all = json_array();
	const json_t *p;
	size_t i, k;

	json_array_foreach(preds, i, p) {
		const json_t *by = json_object_get(p, "probabilities");
		double q = json_number_value(json_object_get(p, "probability"));

		if (m->task == TASK_BINARY) {
			json_array_append_new(all, json_real(1 - q));
			json_array_append_new(all, json_real(q));
		}
		for (k = 0; by && k < m->nlabels; k++)
			json_array_append(all, json_object_get(by,
							       m->labels[k]));
	}
	return all;
}

static unsigned infer(const struct serving *s, const char *body, size_t len,
		      json_t **out)
{
	const struct descriptor *d = s->bm->d;
	json_t *req, *rows = NULL, *res = NULL, *preds, *p, *pv, *pr, *all;
	json_error_t err;
	unsigned status;
	size_t i;

	int want[3];

	req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
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
	status = requested_outputs(req, d->model.task != TASK_REGRESSION, want,
				   out);
	if (status)
		goto done;
	status = to_rows(s, json_object_get(req, "inputs"), &rows, out);
	if (status)
		goto done;
	status = handle_rows(s, rows, &res);
	if (status != 200) {
		/* The contract's details, in OIP's error shape. */
		const json_t *det = json_object_get(res, "details");
		struct strbuf m = STRBUF_INIT;

		strbuf_addstr(&m, json_str(res, "error") ? json_str(res, "error")
							  : "invalid input");
		json_array_foreach(det, i, p)
			strbuf_addf(&m, "%s row %lld %s: %s", i ? ";" : ":",
				    (long long)json_integer_value(
					    json_object_get(p, "row")),
				    json_str(p, "field"), json_str(p, "problem"));
		*out = error_json(m.buf);
		strbuf_release(&m);
		status = status == 422 ? 400 : status;
		goto done;
	}
	preds = json_object_get(res, "predictions");
	pv = json_array();
	pr = json_array();
	json_array_foreach(preds, i, p) {
		json_array_append(pv, json_object_get(p, "prediction"));
		if (json_object_get(p, "probability"))
			json_array_append(pr, json_object_get(p, "probability"));
	}
	all = every_class(s, preds);
	*out = json_pack("{s:s, s:s, s:[]}", "model_name", d->name,
			 "model_version", d->version, "outputs");
	if (want[0])
		json_array_append_new(json_object_get(*out, "outputs"),
				      json_pack("{s:s, s:[I], s:s, s:o}", "name",
						"prediction", "shape",
						(json_int_t)json_array_size(pv),
						"datatype",
						prediction_type(s),
						"data", pv));
	else
		json_decref(pv);
	if (want[1] && json_array_size(pr))
		json_array_append_new(json_object_get(*out, "outputs"),
				      json_pack("{s:s, s:[I], s:s, s:o}", "name",
						"probability", "shape",
						(json_int_t)json_array_size(pr),
						"datatype", "FP64", "data", pr));
	else
		json_decref(pr);
	if (want[2] && json_array_size(all))
		json_array_append_new(json_object_get(*out, "outputs"),
				      json_pack("{s:s, s:[I,I], s:s, s:O}", "name",
						"probabilities", "shape",
						(json_int_t)json_array_size(pv),
						(json_int_t)s->bm->m->nlabels,
						"datatype", "FP64", "data", all));
	json_decref(all);
	if (json_object_get(req, "id"))
		json_object_set(*out, "id", json_object_get(req, "id"));
	status = 200;
done:
	json_decref(res);
	json_decref(rows);
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

unsigned oip_handle(const struct serving *s, int ready, const char *method,
		    const char *url, const char *body, size_t len,
		    json_t **out, const char **allow)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	const char *rest;

	*allow = NULL;
	if (!strcmp(url, "/v2") || !strcmp(url, "/v2/")) {
		*allow = "GET";
		if (!get)
			return 405;
		*out = json_pack("{s:s, s:s, s:[]}", "name", "mlops", "version",
				 MLOPS_LIB_VERSION, "extensions");
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
	if (!strcmp(rest, "/infer")) {
		*allow = "POST";
		if (strcmp(method, "POST"))
			return 405;
		return infer(s, body, len, out);
	}
	*out = error_json("no such endpoint");
	return 404;
}
