#include "explain.h"

#include <stdlib.h>

#include "score.h"

static json_t *one_output(const struct descriptor *d, const double *phi)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < d->ninputs; i++)
		json_object_set_new(o, d->inputs[i].name, json_real(phi[i]));
	return o;
}

void explain_add(json_t *o, const struct serving *s, const double *e,
		 size_t top, size_t cls)
{
	const struct model *m = s->bm->m;
	const struct descriptor *d = s->bm->d;
	size_t nf = d->ninputs, k, i, n;
	int multi = m->task == TASK_MULTICLASS;

	if (!multi) {
		json_object_set_new(o, "contributions", one_output(d, e));
		json_object_set_new(o, "bias", json_real(e[nf]));
	} else {
		json_t *c = json_object(), *b = json_object();

		for (k = 0; k < m->noutputs; k++) {
			json_object_set_new(c, m->labels[k],
					    one_output(d, e + k * (nf + 1)));
			json_object_set_new(b, m->labels[k],
					    json_real(e[k * (nf + 1) + nf]));
		}
		json_object_set_new(o, "contributions", c);
		json_object_set_new(o, "bias", b);
	}
	if (top) {
		const double *phi = e + (multi ? cls : 0) * (nf + 1);
		size_t *idx = xcalloc(nf + 1, sizeof(size_t));
		json_t *r = json_array();

		n = model_explain_top(phi, nf, top, idx);
		for (i = 0; i < n; i++)
			json_array_append_new(r, json_pack(
				"{s:s, s:f}", "feature", d->inputs[idx[i]].name,
				"contribution", phi[idx[i]]));
		json_object_set_new(o, "reasons", r);
		free(idx);
	}
}

unsigned explain_top(const json_t *req, size_t *top, json_t **out)
{
	const json_t *t = json_is_object(req) ? json_object_get(req, "top")
					      : NULL;

	*top = 0;
	if (!t || json_is_null(t)) /* null: not given */
		return 0;
	/* request bodies decode integers as reals */
	if (!json_is_number(t) || json_number_value(t) < 1 ||
	    json_number_value(t) > 1e6 ||
	    json_number_value(t) != (double)(size_t)json_number_value(t)) {
		*out = error_json("\"top\" must be a whole number from 1 to "
				  "1000000");
		return 400;
	}
	*top = (size_t)json_number_value(t);
	return 0;
}
