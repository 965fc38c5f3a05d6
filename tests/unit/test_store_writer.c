/* The store's writer: its queue of rows copied into blocks (every field
 * back as it went in, rows larger than a block, the batch limit, blocks
 * reused), and the writer thread fed by several request threads at once
 * into a real SQLite file, read back with SQLite itself: every row
 * there once, a label sent right after its row finds it, a full queue
 * drops and counts. Run under TSan too (make SANITIZE=thread). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/error.h"
#include "lib/store/pstore.h"
#include "lib/store/rowqueue.h"
#include "lib/store/writer.h"
#include "tap.h"

#define NROWS 1000

struct texts {
	char id[32], rid[32], in[70000], out[64];
};

/* Row i: sizes vary; row 7's inputs are larger than a block, row 11
 * has NULL strings (stored as empty ones). */
static void make_row(size_t i, struct texts *t, struct pstore_prediction *p)
{
	size_t len = i == 7 ? 69000 : 10 + (i * 37) % 900;

	snprintf(t->id, sizeof(t->id), "row-%zu", i);
	snprintf(t->rid, sizeof(t->rid), "req-%zu", i / 3);
	memset(t->in, 'a' + (int)(i % 26), len);
	t->in[len] = '\0';
	snprintf(t->out, sizeof(t->out), "{\"prediction\":%zu}", i % 2);
	*p = (struct pstore_prediction){
		.id = t->id,
		.request_id = t->rid,
		.ts_ms = 1700000000000LL + (int64_t)i,
		.model = i == 11 ? NULL : "m",
		.version = i == 11 ? NULL : "1.2.3",
		.digest = "sha256:00",
		.inputs_json = t->in,
		.output_json = t->out,
		.latency_ms = (double)i / 8,
	};
}

static int same_row(const struct pstore_prediction *a,
		    const struct pstore_prediction *b)
{
	const char *x[7] = { a->id, a->request_id, a->model, a->version,
			     a->digest, a->inputs_json, a->output_json };
	const char *y[7] = { b->id, b->request_id, b->model, b->version,
			     b->digest, b->inputs_json, b->output_json };

	for (int i = 0; i < 7; i++)
		if (strcmp(x[i] ? x[i] : "", y[i] ? y[i] : ""))
			return 0;
	return a->ts_ms == b->ts_ms && a->latency_ms == b->latency_ms;
}

static void test_queue(void)
{
	static struct texts t;
	struct rowq q = ROWQ_INIT;
	struct pstore_prediction p, *got = calloc(NROWS, sizeof(*got));
	size_t len[7], n, n2, seen = 0, bad = 0;
	struct rowq_block *b;

	for (size_t i = 0; i < NROWS; i++) {
		make_row(i, &t, &p);
		rowq_measure(&p, len);
		rowq_push(&q, &p, len);
	}
	is_int(q.rows, NROWS, "every row queued");
	while ((b = rowq_take(&q, 100, &n))) {
		rowq_unpack(b, got);
		for (size_t i = 0; i < n; i++) {
			struct pstore_prediction want;

			make_row(seen + i, &t, &want);
			bad += !same_row(&got[i], &want);
		}
		seen += n;
		rowq_give_back(&q, b);
	}
	is_int(seen, NROWS, "every row taken, once, in order");
	is_int(bad, 0, "each field as it went in (a row larger than a "
		       "block, NULL strings as empty ones)");
	is_int(q.rows, 0, "the queue is empty");
	ok(q.nspare > 0 && q.nspare <= 8, "blocks given back are kept for "
	   "reuse, a few (%zu)", q.nspare);
	make_row(3, &t, &p);
	rowq_measure(&p, len);
	rowq_push(&q, &p, len);
	b = rowq_take(&q, 1, &n);
	rowq_unpack(b, got);
	ok(n == 1 && same_row(&got[0], &p), "a reused block holds a new row");
	rowq_give_back(&q, b);
	ok(!rowq_take(&q, 10, &n) && n == 0, "an empty queue gives nothing");

	/* Small rows, two blocks: whole blocks up to the limit. */
	p = (struct pstore_prediction){ .id = "x", .inputs_json = "{}" };
	rowq_measure(&p, len);
	for (size_t i = 0; i < 2000; i++)
		rowq_push(&q, &p, len);
	b = rowq_take(&q, 5000, &n);
	rowq_give_back(&q, b);
	is_int(n, 2000, "a take under the limit takes every block");
	for (size_t i = 0; i < 2000; i++)
		rowq_push(&q, &p, len);
	b = rowq_take(&q, 1500, &n);
	rowq_give_back(&q, b);
	b = rowq_take(&q, 5000, &n2);
	rowq_give_back(&q, b);
	ok(n > 0 && n <= 1500 && n + n2 == 2000, "a take stops before the "
	   "block that would pass the limit (%zu, then %zu)", n, n2);
	rowq_release(&q);
	free(got);
}

struct feeder {
	struct pstore_writer *w;
	int thread;
	size_t rows;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	char id[32], in[64];

	for (size_t i = 0; i < f->rows; i++) {
		struct pstore_prediction p = {
			.id = id, .request_id = id, .ts_ms = pstore_now_ms(),
			.model = "m", .version = "1", .digest = "sha256:00",
			.inputs_json = in, .output_json = "{\"prediction\":1}",
			.latency_ms = 0.5,
		};

		snprintf(id, sizeof(id), "t%d-%zu", f->thread, i);
		snprintf(in, sizeof(in), "{\"x\":%zu}", i);
		pstore_writer_put(f->w, &p);
	}
	return NULL;
}

static long long count(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_writer(const char *dir)
{
	char path[512], url[600];
	struct pstore *st = NULL;
	struct pstore_writer *w = NULL;
	struct pstore_writer_opts o = { .capacity = 1 << 20, .batch = 512 };
	struct feeder f[4];
	pthread_t th[4];
	struct pstore_writer_stats s;
	struct pstore_feedback fb[2] = {
		{ "t3-4999", "1", 1 },
		{ "no-such-row", "0", 1 },
	};
	size_t stored = 0, unknown = 0;

	snprintf(path, sizeof(path), "%s/w.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (!ok(pstore_open(&st, url, PSTORE_CREATE) == 0, "store opens") ||
	    !ok(pstore_writer_start(&w, st, &o) == 0, "writer starts"))
		return;
	for (int i = 0; i < 4; i++) {
		f[i] = (struct feeder){ w, i, 5000 };
		pthread_create(&th[i], NULL, feed, &f[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	{
		/* A row larger than a block, copied before the lock. */
		char *in = malloc(200001);
		struct pstore_prediction big = {
			.id = "big", .request_id = "big", .ts_ms = 1,
			.model = "m", .version = "1", .digest = "sha256:00",
			.inputs_json = in, .output_json = "{}",
		};

		memset(in, 'z', 200000);
		in[200000] = '\0';
		ok(pstore_writer_put(w, &big) == 0, "a 200 kB row is queued");
		free(in);
	}
	ok(pstore_writer_feedback(w, fb, 2, &stored, &unknown, 10000) == 0 &&
		   stored == 1 && unknown == 1,
	   "a label sent right after the rows finds its row (%zu stored, "
	   "%zu unknown)", stored, unknown);
	is_int(pstore_writer_stop(w, 10000, &s), 0, "stop: nothing left");
	ok(s.queued == 20001 && s.written == 20001 && !s.dropped &&
		   !s.failed,
	   "counters: 20001 queued, written (%llu, %llu)",
	   (unsigned long long)s.queued, (unsigned long long)s.written);
	is_int(count(path, "SELECT count(DISTINCT id) FROM mlops_predictions "
		     "WHERE id LIKE 't%'"),
	       20000, "SQLite holds 20000 distinct rows from 4 threads");
	is_int(count(path, "SELECT length(inputs) FROM mlops_predictions "
		     "WHERE id = 'big' AND inputs GLOB 'z*z' AND outputs = "
		     "'{}'"),
	       200000, "and the large row whole");
	is_int(count(path, "SELECT count(*) FROM mlops_predictions WHERE id "
		     "= 't2-1234' AND inputs = '{\"x\":1234}' AND model = 'm'"),
	       1, "a row's fields as put");
	is_int(count(path, "SELECT count(*) FROM mlops_feedback"), 1,
	       "the label stored");
}

/* A full queue: a writer waiting for a batch that never fills (flush in
 * an hour) keeps 10 rows and drops the rest; stop writes the 10. */
static void test_full(const char *dir)
{
	char path[512], url[600];
	struct pstore *st = NULL;
	struct pstore_writer *w = NULL;
	struct pstore_writer_opts o = { .capacity = 10, .batch = 4096,
					.flush_ms = 3600000 };
	struct feeder f = { NULL, 9, 15 };
	struct pstore_writer_stats s;

	snprintf(path, sizeof(path), "%s/full.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (pstore_open(&st, url, PSTORE_CREATE) ||
	    pstore_writer_start(&w, st, &o)) {
		ok(0, "store and writer start");
		return;
	}
	f.w = w;
	feed(&f);
	pstore_writer_stats(w, &s);
	ok(s.queued == 10 && s.dropped == 5 && s.depth == 10,
	   "capacity 10: 10 queued, 5 dropped (%llu, %llu)",
	   (unsigned long long)s.queued, (unsigned long long)s.dropped);
	{
		struct pstore_feedback fb = { "t9-3", "1", 1 };
		size_t stored = 0, unknown = 0;

		ok(pstore_writer_feedback(w, &fb, 1, &stored, &unknown,
					  10000) == 0 &&
			   stored == 1 && !unknown,
		   "a label for a row still queued: the rows are written "
		   "first, and it finds it");
	}
	is_int(pstore_writer_stop(w, 10000, &s), 0, "stop writes them");
	is_int(count(path, "SELECT count(*) FROM mlops_predictions"), 10,
	       "10 rows in SQLite");
}

int main(void)
{
	char dir[] = "/tmp/mlops-test-writer.XXXXXX";
	char cmd[64];

	test_queue();
	if (!mkdtemp(dir))
		return 1;
	test_writer(dir);
	test_full(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return done_testing();
}
