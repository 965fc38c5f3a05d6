/* validate --data's rule: the golden set's label is a known column, and
 * the data passes with no violation, no required column missing and,
 * when unknown columns are errors, none of those. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/data/validate.h"
#include "tap.h"

static char *write_csv(const char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *f;

	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		exit(1);
	return path;
}

int main(void)
{
	char dir[] = "/tmp/mlops-test-data-XXXXXX";
	struct field inputs[2] = { { 0 } };
	struct descriptor d = { 0 };
	struct dataset_opts o = { 0 };
	struct data_check c;
	char *good, *extra, *bad, *missing;
	json_t *j;

	if (!mkdtemp(dir))
		return 1;
	inputs[0].name = "age";
	inputs[0].type = VT_FLOAT;
	inputs[0].required = 1;
	inputs[1].name = "income";
	inputs[1].type = VT_FLOAT;
	inputs[1].required = 1;
	d.inputs = inputs;
	d.ninputs = 2;
	d.datasets.golden_label = "default";
	good = write_csv(dir, "good.csv", "age,income,default\n30,1000,1\n");
	extra = write_csv(dir, "extra.csv",
			  "age,income,default,zip\n30,1000,0,12345\n");
	bad = write_csv(dir, "bad.csv", "age,income\nold,1000\n40,2000\n");
	missing = write_csv(dir, "missing.csv", "age\n30\n");

	o.unknown = UNKNOWN_ERROR;
	ok(data_validate_descriptor(&c, good, &d, &o, 0, NULL, NULL) == 0,
	   "good: read");
	is_int(c.report.nunknown, 0, "the label is no unknown column");
	ok(c.pass, "good: passes even when unknown columns are errors");
	j = data_check_json(&c, good, &d);
	ok(json_is_true(json_object_get(j, "pass")), "json: pass");
	is_str(json_string_value(json_object_get(j, "data")), good,
	       "json: the file");
	json_decref(j);
	data_check_free(&c);

	ok(data_validate_descriptor(&c, extra, &d, &o, 0, NULL, NULL) == 0,
	   "extra column: read");
	is_int(c.report.nunknown, 1, "one unknown column");
	is_str(c.report.unknown_columns[0], "zip", "the unknown one is zip");
	ok(!c.pass, "unknown columns as errors: fails");
	ok(data_check_passes(&c, UNKNOWN_WARN), "as warnings: passes");
	ok(data_check_passes(&c, UNKNOWN_IGNORE), "ignored: passes");
	data_check_free(&c);

	d.datasets.golden_label = NULL;
	ok(data_validate_descriptor(&c, good, &d, &o, 0, NULL, NULL) == 0,
	   "no golden label: read");
	is_int(c.report.nunknown, 1, "then 'default' is unknown");
	ok(!c.pass, "and an error");
	data_check_free(&c);

	o.unknown = UNKNOWN_WARN;
	ok(data_validate_descriptor(&c, bad, &d, &o, 0, NULL, NULL) == 0,
	   "a violation: read");
	is_int(c.report.total, 1, "one violation");
	is_int(c.report.rows, 2, "every row read");
	ok(!c.pass, "a violation fails");
	data_check_free(&c);

	ok(data_validate_descriptor(&c, missing, &d, &o, 0, NULL, NULL) == 0,
	   "a missing column: read");
	is_int(c.report.nmissing, 1, "one required column missing");
	ok(!c.pass, "a missing required column fails");
	data_check_free(&c);

	unlink(good);
	unlink(extra);
	unlink(bad);
	unlink(missing);
	rmdir(dir);
	free(good);
	free(extra);
	free(bad);
	free(missing);
	return done_testing();
}
