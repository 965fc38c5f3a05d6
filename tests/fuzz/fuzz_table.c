/* The CSV and JSON-lines readers (the first byte picks the format), with
 * the data contract's conversions of each cell. */
#include "fuzz.h"

#include "lib/core/number.h"
#include "lib/data/contract.h"
#include "lib/data/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a", "b", "c" };
	static char *values[] = { "x", "y" };
	static struct field fields[3];
	int i0;
	struct table_opts o = { 0 };
	struct table *t = NULL;
	struct cell cells[3];
	int present[3], rc, rows = 0;
	const char *path;

	if (!size)
		return 0;
	for (i0 = 0; i0 < 3; i0++) {
		fields[i0].name = (char *)names[i0];
		fields[i0].nullable = 1;
	}
	fields[0].type = VT_FLOAT;
	fields[1].type = VT_INT;
	fields[1].has_min = 1;
	fields[2].type = VT_CATEGORY;
	fields[2].values = values;
	fields[2].nvalues = 2;
	o.format = data[0] & 1 ? TABLE_JSONL : TABLE_CSV;
	path = fuzz_file(data + 1, size - 1, "t");
	if (table_open(&t, path, &o) == 0 &&
	    table_bind(t, names, 3, present) == 0) {
		while ((rc = table_next(t, cells)) == 0 && rows++ < 100000) {
			size_t i;

			for (i = 0; i < 3; i++) {
				struct strbuf problem = STRBUF_INIT,
					      shown = STRBUF_INIT;
				double v;

				if (cells[i].kind == CELL_TEXT)
					number_parse(cells[i].text,
						     cells[i].len, &v);
				contract_convert(&fields[i], &cells[i], &v,
						 &problem, &shown);
				strbuf_release(&problem);
				strbuf_release(&shown);
			}
		}
		(void)table_unbound(t);
	}
	table_close(t);
	mlops_error_clear();
	return 0;
}
