/* What a prediction store row says, read from its JSON text: the
 * answer serve gave for the row (lib/server's score_decision_json:
 * {"prediction": L, "probability": p} for a binary classifier, plus
 * "probabilities": {label: p, ...} in the model's class order for a
 * multiclass one, {"prediction": x} for a regressor) and the label fed
 * back for it (a JSON scalar). A small reader of its own, not jansson:
 * it runs once per stored row, ten million times in a monitor run, and
 * allocates nothing per row. */
#ifndef MLOPS_MONITOR_OUTCOME_H
#define MLOPS_MONITOR_OUTCOME_H

#include <stddef.h>

#include "../core/strbuf.h"

/* A JSON scalar as a class label is compared: a string's text, a number
 * as its shortest text (1, 1.0 and 1e0 are "1"), true / false. */
struct scalar {
	int is_number;
	double num;
	const char *text; /* into the reader's buffer; NUL-terminated */
};

#define OUTCOME_MAX_CLASSES 4096

struct outcome_output {
	int has_probability, has_probabilities;
	struct scalar prediction;
	double probability;
	size_t nclasses;
	const char **classes;  /* the probabilities' keys, in order */
	double *probabilities; /* their values */
};

/* The reader's buffers, reused from row to row. */
struct outcome_reader {
	struct strbuf text;   /* an output's strings, NUL-separated */
	struct strbuf label;  /* a label's text */
	struct strbuf key;    /* the key being read */
	size_t *offsets;      /* class key offsets into text */
	const char **classes;
	double *probs;
	size_t alloc;
};

void outcome_reader_release(struct outcome_reader *r);

/* 0, or -1 when json is not an object of that shape (a prediction
 * scalar, probability a number, probabilities an object of numbers; at
 * most OUTCOME_MAX_CLASSES). out points into r until the next output
 * read with r. */
int outcome_read_output(struct outcome_reader *r, const char *json,
			struct outcome_output *out);
/* A label: 0, or -1 when json is not one JSON scalar (null included).
 * s->text stays valid until the next label read with r. */
int outcome_read_label(struct outcome_reader *r, const char *json,
		       struct scalar *s);

#endif
