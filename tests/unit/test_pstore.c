/* store: the backends through the interface, URL handling, durations.
 * SQLite always; PostgreSQL too when MLOPS_TEST_PG_URL names an empty
 * database (tests/cli/t1065-serve-store-postgres.sh runs this binary so
 * against the server it starts). Rows are checked through the interface
 * here; the CLI tests read them back with sqlite3 and psql. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/duration.h"
#include "lib/core/error.h"
#include "lib/store/label.h"
#include "lib/store/pstore.h"
#include "tap.h"

struct seen {
	size_t n, labelled;
	char last_label[64];
	char first_id[64];
};

static int count_outcome(void *ctx, const struct pstore_outcome *o)
{
	struct seen *s = ctx;

	if (!s->n)
		snprintf(s->first_id, sizeof(s->first_id), "%s", o->id);
	s->n++;
	if (o->label_json) {
		s->labelled++;
		snprintf(s->last_label, sizeof(s->last_label), "%s",
			 o->label_json);
	}
	return 0;
}

static int stop_early(void *ctx, const struct pstore_outcome *o)
{
	(void)o;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_durations(void)
{
	int64_t ms = 0;

	ok(!duration_parse_ms("30d", &ms) && ms == 30LL * 86400000,
	   "30d is 30 days");
	ok(!duration_parse_ms("500ms", &ms) && ms == 500, "500ms");
	ok(!duration_parse_ms("2w", &ms) && ms == 14LL * 86400000, "2w");
	ok(duration_parse_ms("30", &ms) < 0, "a count without a unit is refused");
	ok(duration_parse_ms("-1d", &ms) < 0, "a negative one too");
	ok(duration_parse_ms("1.5h", &ms) < 0, "and a fraction");
	ok(duration_parse_ms("99999999999999999999d", &ms) < 0,
	   "and an overflow");
	ok(duration_parse_ms("3y", &ms) < 0, "and an unknown unit");
}

static void test_urls(void)
{
	struct pstore *st = NULL;
	char *s = pstore_url_display("postgresql://u:secret@h:5/db?password="
				    "other&sslmode=disable");

	ok(!strstr(s, "secret") && !strstr(s, "other") &&
		   strstr(s, "sslmode=disable") && strstr(s, "u:***@h"),
	   "passwords are hidden in shown URLs: %s", s);
	free(s);
	/* Passwords someone did not percent-encode: libpq reads a piece
	 * as the host or the port; hidden whole all the same, and such a
	 * URL refused before anything connects. */
	s = pstore_url_display("postgresql://u:p@ss@h/db");
	is_str(s, "postgresql://u:***@h/db", "a password holding @ is hidden");
	free(s);
	s = pstore_url_display("postgresql://u:pa/ss@h:5/db?x=y@z");
	is_str(s, "postgresql://u:***@h:5/db?x=y@z",
	       "a password holding / is hidden");
	free(s);
	s = pstore_url_display("postgresql://u@h:5432/db");
	is_str(s, "postgresql://u@h:5432/db", "no password: as it is");
	free(s);
	is_int(pstore_open(&st, "postgresql://u:zq@xk@127.0.0.1:1/db", 0),
	       MLOPS_EUSAGE, "a password with a bare @: a usage error");
	ok(!strstr(mlops_error_last()->message, "xk"),
	   "  whose message holds no piece of it: %s",
	   mlops_error_last()->message);
	is_int(pstore_open(&st, "postgresql://u:zq/xk@127.0.0.1:1/db", 0),
	       MLOPS_EUSAGE, "a password with a bare /: a usage error");
	ok(!strstr(mlops_error_last()->message, "zq"),
	   "  whose message holds no piece of it: %s",
	   mlops_error_last()->message);
	is_int(pstore_open(&st, "postgresql://u:p%40ss@127.0.0.1:1/db", 0),
	       MLOPS_ENET, "percent-encoded, it is tried (nothing listens)");
	ok(!strstr(mlops_error_last()->message, "p%40ss") &&
		   !strstr(mlops_error_last()->message, "p@ss"),
	   "  and not shown: %s", mlops_error_last()->message);
	mlops_error_clear();
	is_int(pstore_open(&st, "mysql://x", PSTORE_CREATE), MLOPS_EUSAGE,
	       "an unknown scheme is a usage error");
	is_int(pstore_open(&st, "sqlite:", PSTORE_CREATE), MLOPS_EUSAGE,
	       "sqlite: needs a path");
	ok(pstore_open(&st, "sqlite:/nonexistent/dir/x.db", PSTORE_CREATE) < 0,
	   "a directory that is not there: an error");
	ok(pstore_open(&st, "sqlite:/tmp/no-such-mlops-store.db", 0) < 0,
	   "without PSTORE_CREATE a missing file is an error");
	ok(access("/tmp/no-such-mlops-store.db", F_OK) < 0,
	   "and none is created");
}

/* Opening what is no store, or a store that may not be written, to
 * read it (store info, monitor) writes nothing. */
static void test_read_only(void)
{
	char dir[] = "/tmp/mlops-store-XXXXXX", path[96], url[128];
	struct pstore *st = NULL;
	struct pstore_prediction row = { "r1", "r1", 1000, "m", "1.0.0",
					 "sha256:aa", "{}", "{}", 0.5 };
	uint64_t np = 0, nf = 0;
	struct stat sb;
	int fd;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/empty.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	is_int(pstore_open(&st, url, PSTORE_READ), MLOPS_EINPUT,
	       "an empty file holds no store");
	is_int(pstore_open(&st, url, 0), MLOPS_EINPUT, "  nor to write in");
	ok(stat(path, &sb) == 0 && sb.st_size == 0,
	   "  and is left empty (no pragma wrote to it)");
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	ok(pstore_open(&st, url, PSTORE_CREATE) == 0 &&
		   pstore_write_predictions(st, &row, 1) == 0,
	   "a store with a row");
	pstore_close(st);
	/* Read-only file in a read-only directory: no -shm can be made
	 * (root ignores modes: then it is simply readable). */
	chmod(path, 0444);
	chmod(dir, 0555);
	is_int(pstore_open(&st, url, PSTORE_READ), 0,
	       "read-only, it opens to read");
	ok(st && pstore_count(st, &np, &nf) == 0 && np == 1,
	   "  and reads the row: %s", mlops_error_last()->message);
	pstore_close(st);
	st = NULL;
	mlops_error_clear();
	chmod(dir, 0755);
	unlink(path);
	/* The reader's -wal and -shm, where it could make them. */
	snprintf(path, sizeof(path), "%s/p.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.db-shm", dir);
	unlink(path);
	ok(rmdir(dir) == 0, "nothing else is left in the directory");
}

/* url NULL: a new SQLite file. */
static void test_backend(const char *pg_url)
{
	char dir[] = "/tmp/mlops-store-XXXXXX", url[1024], path[96];
	struct pstore *st = NULL, *again = NULL;
	struct pstore_prediction rows[3] = {
		{ "r1", "r1", 1000, "m", "1.0.0", "sha256:aa", "{\"x\":1}",
		  "{\"prediction\":1}", 0.5 },
		{ "r2/0", "r2", 2000, "m", "1.0.0", "sha256:aa", "{\"x\":2}",
		  "{\"prediction\":0}", 0.5 },
		{ "r2/1", "r2", 3000, "other", "2.0.0", "sha256:bb",
		  "{\"x\":3}", "{\"prediction\":1}", 0.5 },
	};
	struct pstore_feedback fb[3] = {
		{ "r1", "1", 5000 }, { "nope", "0", 5000 }, { "r2/1", "0", 5000 },
	};
	struct pstore_pruned pr = { 0 };
	struct seen seen = { 0 };
	uint64_t np = 0, nf = 0, size = 0;
	size_t stored = 0, unknown = 0;
	int stops = 0;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/p.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (pg_url)
		snprintf(url, sizeof(url), "%s", pg_url);
	ok(pstore_open(&st, url, PSTORE_CREATE) == 0, "a new store opens");
	is_str(pstore_kind(st), pg_url ? "postgresql" : "sqlite", "its kind");
	ok(pstore_open(&again, url, PSTORE_CREATE) == 0,
	   "a second handle on it opens (schema creation is idempotent)");
	pstore_close(again);
	ok(pstore_write_predictions(st, rows, 3) == 0, "three rows written");
	ok(pstore_write_feedback(st, fb, 3, &stored, &unknown) == 0,
	   "feedback written");
	is_int(stored, 2, "two labels stored");
	is_int(unknown, 1, "one id unknown");
	fb[0].label_json = "0";
	ok(pstore_write_feedback(st, fb, 1, &stored, &unknown) == 0 &&
		   stored == 1,
	   "feedback sent again for an id");
	ok(pstore_count(st, &np, &nf) == 0 && np == 3 && nf == 2,
	   "it replaced the label: 3 predictions, 2 labels");
	ok(pstore_scan_outcomes(st, 0, 0, NULL, 0, count_outcome, &seen) == 0,
	   "scan all");
	is_int(seen.n, 3, "all three rows");
	is_int(seen.labelled, 2, "two labelled");
	is_str(seen.first_id, "r1", "oldest first");
	memset(&seen, 0, sizeof(seen));
	pstore_scan_outcomes(st, 0, 0, "m", 1, count_outcome, &seen);
	ok(seen.n == 1 && !strcmp(seen.last_label, "0"),
	   "model m, labelled only: r1 with its new label");
	memset(&seen, 0, sizeof(seen));
	pstore_scan_outcomes(st, 2000, 3000, NULL, 0, count_outcome, &seen);
	ok(seen.n == 1 && !strcmp(seen.first_id, "r2/0"),
	   "a window: since inclusive, until exclusive");
	is_int(pstore_scan_outcomes(st, 0, 0, NULL, 0, stop_early, &stops), 7,
	       "a callback's non-zero stops the scan and is returned");
	ok(pstore_size(st, &size) == 0 && size > 0, "a size");
	ok(pstore_prune(st, 3500, 3500, 0, 1, &pr) == 0 && !pr.predictions,
	   "a cut-off at 1970 (now - older == 0) prunes nothing, not all");
	ok(pstore_prune(st, 3500, 1000, 0, 1, &pr) == 0,
	   "prune what is older than 1 s at t=3.5 s");
	ok(pr.predictions == 2 && pr.feedback == 1,
	   "two rows and one label went (%llu, %llu)",
	   (unsigned long long)pr.predictions,
	   (unsigned long long)pr.feedback);
	ok(pstore_count(st, &np, &nf) == 0 && np == 1 && nf == 1,
	   "r2/1 and its label stay");
	memset(&pr, 0, sizeof(pr));
	ok(pstore_prune(st, 3500, 0, 1, 10, &pr) == 0 && pr.predictions == 1,
	   "a size limit below any row prunes them all");
	pstore_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* Labels against a classifier's classes: as mlops answers them. */
static const char *label(const struct label_rules *r, json_t *v)
{
	static char out[64];
	char *json = NULL;
	const char *why = NULL;

	out[0] = '\0';
	if (!label_from_json(r, v, &json, &why))
		snprintf(out, sizeof(out), "%s", json);
	else
		snprintf(out, sizeof(out), "refused");
	free(json);
	json_decref(v);
	return out;
}

static void test_labels(void)
{
	char *const zero_one[] = { "0", "1" };
	char *const words[] = { "False", "True" };
	char *const animals[] = { "cat", "dog" };
	struct label_rules bin = { 1, 0, zero_one, 2 };
	struct label_rules named = { 1, 0, words, 2 };
	struct label_rules other = { 1, 0, animals, 2 };
	struct label_rules reg = { 1, 1, NULL, 0 };
	char *json = NULL;
	const char *why = NULL;

	is_str(label(&bin, json_true()), "1", "true names the class 1");
	is_str(label(&bin, json_false()), "0", "false names the class 0");
	is_str(label(&bin, json_string("True")), "1",
	       "\"True\" (pandas' CSV) names the class 1");
	is_str(label(&bin, json_string("FALSE")), "0", "any case");
	is_str(label(&bin, json_integer(2)), "refused", "2 is no class");
	is_str(label(&named, json_true()), "\"True\"",
	       "true names a class True when there is one");
	is_str(label(&named, json_string("false")), "\"False\"",
	       "false, the class False");
	is_str(label(&other, json_true()), "refused",
	       "true is no class of cat and dog");
	{
		char *const both[] = { "TRUE", "true" };
		char *const one_two[] = { "1", "2" };
		char *const three[] = { "0", "1", "2" };
		struct label_rules r1 = { 1, 0, both, 2 };
		struct label_rules r2 = { 1, 0, one_two, 2 };
		struct label_rules r3 = { 1, 0, three, 3 };

		is_str(label(&r1, json_true()), "\"true\"",
		       "the class in the label's own case first");
		is_str(label(&r2, json_true()), "refused",
		       "true is no class of 1 and 2");
		is_str(label(&r3, json_false()), "refused",
		       "nor of three classes");
	}
	is_str(label(&reg, json_true()), "refused",
	       "a regressor takes no true");
	ok(!label_from_text(&bin, "true", &json, &why) && !strcmp(json, "1"),
	   "a CSV's true too");
	free(json);
}

int main(void)
{
	test_labels();
	test_durations();
	test_urls();
	test_read_only();
	test_backend(NULL);
	if (getenv("MLOPS_TEST_PG_URL"))
		test_backend(getenv("MLOPS_TEST_PG_URL"));
	return done_testing();
}
