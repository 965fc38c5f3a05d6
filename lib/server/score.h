/* The one prediction path of the server. Whatever protocol brought the
 * rows (REST objects or columns, OIP tensors), its adapter points a cell
 * table at the request's JSON values; serving_score checks every cell
 * against the data contract, predicts, and counts the rows in the
 * metrics and live drift. The adapters then answer from the doubles:
 * nothing goes through JSON twice. */
#ifndef MLOPS_SERVER_SCORE_H
#define MLOPS_SERVER_SCORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "../data/table.h"
#include "serving.h"

struct score_rows {
	size_t n;             /* rows */
	size_t ninputs;       /* the signature's inputs: cells per row */
	const json_t **cells; /* n * ninputs, row-major; NULL: missing */
	/* Or, when an adapter has no JSON values (CSV, binary tensors),
	 * the cells themselves (score_rows_vals), read instead of cells. */
	struct cell *vals;
	unsigned char *bad;   /* rows an adapter refused (their detail
			       * is in details already) */
	json_t *details;      /* the contract violations, one object each */
	int single;           /* one row: details carry no "row" */
};

/* Sizes the table for n rows of s: 0, or 400 (no rows) / 413 (more than
 * s->max_batch) with the error body in *err. */
unsigned score_rows_start(struct score_rows *r, const struct serving *s,
			  size_t n, json_t **err);
/* {"name": [...], ...}: the rows when every value is a list as long as
 * the others, else (size_t)-1. */
size_t score_columns_rows(const json_t *cols);
/* Switches r to cells of its own (all absent until set): r->vals. */
void score_rows_vals(struct score_rows *r);
/* Refuses row i with a detail {field, problem, row}. */
void score_rows_refuse(struct score_rows *r, size_t i, const char *field,
		       const char *problem);
void score_rows_release(struct score_rows *r);

struct scores {
	size_t n, k;   /* rows; outputs per row (model->noutputs) */
	double *y;     /* n * k */
	uint64_t ns;   /* the model's time */
	double *e;     /* serving_explain: n * ew (model_explain) */
	size_t ew;
	uint64_t explain_ns;
};

/* 200 with sc filled; 422 {"error": "invalid input", "details": [...]}
 * when a cell breaks the contract (the details move into the body);
 * 500 when the model fails. */
unsigned serving_score(const struct serving *s, struct score_rows *r,
		       struct scores *sc, json_t **err);
/* The same, and each row's explanation (model_explain) in sc->e; 501
 * with the reason when the model cannot be explained. */
unsigned serving_explain(const struct serving *s, struct score_rows *r,
			 struct scores *sc, json_t **err);
void scores_release(struct scores *sc);

/* What a request's answers say of a row: the prediction, and the
 * class probabilities of a classifier. */
json_t *score_decision_json(const struct serving *s, const double *y);

/* The request this thread answers (server.c sets its id around a
 * handler, NULL after): its id names the rows the prediction store
 * records. NULL outside a request. */
void score_set_request(const char *id);
const char *score_request_id(void);
/* Row i of n's id: the request id when n is 1, else "REQID/i". */
void score_row_id(struct strbuf *sb, const char *rid, size_t i, size_t n);
/* The same, appended to sb. */
void score_row_id_add(struct strbuf *sb, const char *rid, size_t i,
		      size_t n);
/* The n rows' ids as a JSON array; NULL outside a request. */
json_t *score_row_ids(size_t n);

/* The rows and scores of a request, for its shadow (shadow.h): while a
 * capture is set on a thread, each serving_score there that predicts
 * leaves a copy of its inputs (n * ninputs) and outputs (n * k) in it
 * (a later one replacing an earlier one). */
struct score_capture {
	double *x, *y;
	size_t n, ninputs, k;
};

void score_capture_begin(struct score_capture *c);
void score_capture_end(void);
void score_capture_release(struct score_capture *c);

/* What the adapters answer with: a class label as JSON (a number when
 * it is an integer); {"error": message}. */
json_t *label_json(const char *label);
json_t *error_json(const char *message);

#endif
