/* Feedback from outside: POST /feedback bodies (first byte even) and
 * mlops feedback's CSV files (odd) into an SQLite prediction store that
 * knows the ids "a", "b" and "r/0", labels checked against the tiny
 * bundle's classifier. */
#define FUZZ_SERVING
#include "fuzz.h"

#include "lib/server/feedback.h"
#include "lib/server/record.h"
#include "lib/server/serving.h"
#include "lib/store/ingest.h"
#include "lib/store/pstore.h"
#include "lib/store/writer.h"

static struct pstore *reader;

static struct serving *setup(void)
{
	static struct serving *sv;
	static struct pstore_prediction rows[3] = {
		{ "a", "a", 1, "m", "1", "d", "{}", "{}", 0 },
		{ "b", "b", 2, "m", "1", "d", "{}", "{}", 0 },
		{ "r/0", "r", 3, "m", "1", "d", "{}", "{}", 0 },
	};
	struct pstore_writer_opts wo = { 0 };
	struct recorder_opts ro = { 0 };
	struct pstore_writer *w = NULL;
	struct pstore *st = NULL;
	char url[512];

	if (sv)
		return sv;
	sv = fuzz_serving("fuzz_feedback", 50);
	snprintf(url, sizeof(url), "sqlite:%s/store.db", fuzz_dir());
	if (pstore_open(&st, url, PSTORE_CREATE) < 0 ||
	    pstore_write_predictions(st, rows, 3) < 0 ||
	    pstore_writer_start(&w, st, &wo) < 0 ||
	    pstore_open(&reader, url, 0) < 0) {
		fprintf(stderr, "fuzz_feedback: %s\n",
			mlops_error_last()->message);
		abort();
	}
	sv->recorder = recorder_new(w, &ro);
	sv->record = recorder_rows;
	return sv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serving *sv = setup();
	json_t *out = NULL;

	if (!size)
		return 0;
	if (data[0] % 2 == 0) {
		feedback_handle(sv->recorder, sv, (const char *)data + 1,
				size - 1, &out);
		json_decref(out);
	} else {
		const struct model *m = sv->bm->m;
		struct label_rules rules = { data[0] % 4 == 1,
					     m->task == TASK_REGRESSION,
					     m->labels, m->nlabels };
		struct feedback_report rep;

		feedback_ingest_csv(reader,
				    fuzz_file(data + 1, size - 1, "labels.csv"),
				    &rules, &rep, NULL, NULL);
	}
	mlops_error_clear();
	return 0;
}
