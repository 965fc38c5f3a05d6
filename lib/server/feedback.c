#include "feedback.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../store/label.h"
#include "../store/pstore.h"
#include "record.h"
#include "score.h"
#include "serving.h"

/* Errors listed in an answer at most: the counts say the rest. */
#define MAX_ERRORS 100
/* How long a request waits for the writer to store its labels. */
#define FEEDBACK_WAIT_MS 10000

struct batch {
	struct pstore_feedback *f;
	char **labels;
	size_t n, invalid;
	json_t *errors;
};

static void refuse(struct batch *b, size_t i, const char *problem)
{
	b->invalid++;
	if (json_array_size(b->errors) < MAX_ERRORS)
		json_array_append_new(b->errors,
				      json_pack("{s:I, s:s}", "index",
						(json_int_t)i, "problem",
						problem));
}

/* Item i into the batch, or counted as invalid. */
static void take(struct batch *b, const struct label_rules *rules,
		 const json_t *item, size_t i, int64_t now)
{
	const json_t *id = json_object_get(item, "id");
	const char *why = NULL;
	char *label = NULL;

	if (!json_is_object(item)) {
		refuse(b, i, "must be an object {\"id\": ..., \"label\": ...}");
		return;
	}
	if (!json_is_string(id)) {
		refuse(b, i, "\"id\" must be a string: a row id of a "
			     "prediction answer");
		return;
	}
	if (feedback_id_check(json_string_value(id), json_string_length(id),
			      &why) < 0 ||
	    label_from_json(rules, json_object_get(item, "label"), &label,
			    &why) < 0) {
		refuse(b, i, why);
		return;
	}
	b->f[b->n].id = json_string_value(id);
	b->f[b->n].label_json = label;
	b->f[b->n].ts_ms = now;
	b->labels[b->n++] = label;
}

unsigned feedback_handle(struct recorder *rec, const struct serving *s,
			 const char *body, size_t len, json_t **out)
{
	const struct model *m = s->bm->m;
	struct label_rules rules = { 1, m->task == TASK_REGRESSION, m->labels,
				     m->nlabels };
	struct batch b = { 0 };
	json_error_t jerr;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *items = json_object_get(req, "feedback");
	size_t n, stored = 0, unknown = 0;
	unsigned status = 200;
	int single = 0;

	if (!req) {
		struct strbuf m2 = STRBUF_INIT;

		strbuf_addf(&m2, "malformed JSON: %s (line %d, column %d)",
			    jerr.text, jerr.line, jerr.column);
		*out = error_json(m2.buf);
		strbuf_release(&m2);
		return 400;
	}
	if (json_is_array(items)) {
		n = json_array_size(items);
	} else if (json_is_object(req) && !items &&
		   json_object_get(req, "id")) {
		single = 1;
		n = 1;
	} else {
		*out = error_json("send {\"id\": ID, \"label\": LABEL} or "
				  "{\"feedback\": [{\"id\": ID, \"label\": "
				  "LABEL}, ...]}");
		json_decref(req);
		return 400;
	}
	if (n > s->max_batch) {
		struct strbuf m2 = STRBUF_INIT;

		strbuf_addf(&m2, "at most %zu labels a request, not %zu",
			    s->max_batch, n);
		*out = error_json(m2.buf);
		strbuf_release(&m2);
		json_decref(req);
		return 413;
	}
	b.f = xcalloc(n + 1, sizeof(*b.f));
	b.labels = xcalloc(n + 1, sizeof(*b.labels));
	b.errors = json_array();
	{
		int64_t now = pstore_now_ms();

		for (size_t i = 0; i < n; i++)
			take(&b, &rules, single ? req : json_array_get(items, i),
			     i, now);
	}
	if (b.n && pstore_writer_feedback(recorder_writer(rec), b.f, b.n,
					  &stored, &unknown,
					  FEEDBACK_WAIT_MS) < 0) {
		struct strbuf m2 = STRBUF_INIT;

		strbuf_addf(&m2, "the prediction store failed: %s",
			    mlops_error_last()->message);
		mlops_error_clear();
		*out = error_json(m2.buf);
		strbuf_release(&m2);
		status = 503;
		goto done;
	}
	*out = json_pack("{s:I, s:I, s:I, s:O}", "stored", (json_int_t)stored,
			 "unknown", (json_int_t)unknown, "invalid",
			 (json_int_t)b.invalid, "errors", b.errors);
	if (single && b.invalid)
		status = 422;
done:
	for (size_t i = 0; i < b.n; i++)
		free(b.labels[i]);
	free(b.labels);
	free(b.f);
	json_decref(b.errors);
	json_decref(req);
	return status;
}
