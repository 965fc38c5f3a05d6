/* Ground-truth labels as the prediction store keeps them, checked
 * against the model's task: a class label of the classifier (stored as
 * its answers show it: a number when the label is an integer, else a
 * string), a finite number for a regressor, any scalar when the task is
 * not known. */
#ifndef MLOPS_STORE_LABEL_H
#define MLOPS_STORE_LABEL_H

#include <jansson.h>
#include <stddef.h>

struct label_rules {
	int known;            /* 0: any scalar goes */
	int regression;       /* a number; else one of classes */
	char *const *classes; /* the classifier's labels */
	size_t nclasses;
};

/* From CSV text: 0 and *json (the caller frees), or -1 and *why (a
 * static message). */
int label_from_text(const struct label_rules *r, const char *text,
		    char **json, const char **why);
/* From a JSON value (a request body's "label"). */
int label_from_json(const struct label_rules *r, const json_t *v,
		    char **json, const char **why);

/* Feedback ids: non-empty, at most this long, no control characters. */
#define FEEDBACK_ID_MAX 256
/* 0 when id may name a row, else -1 and *why. */
int feedback_id_check(const char *id, size_t len, const char **why);

#endif
