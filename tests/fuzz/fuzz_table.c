/* The CSV and JSON-lines readers (the first byte picks the format), with
 * the data contract's conversions of each cell. */
#include "fuzz.h"

#include "lib/data/contract.h"
#include "lib/data/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a", "b", "c" };
	struct table_opts o = { 0 };
	struct table *t = NULL;
	struct cell cells[3];
	int present[3], rc, rows = 0;
	const char *path;

	if (!size)
		return 0;
	o.format = data[0] & 1 ? TABLE_JSONL : TABLE_CSV;
	path = fuzz_file(data + 1, size - 1, "t");
	if (table_open(&t, path, &o) == 0 &&
	    table_bind(t, names, 3, present) == 0) {
		while ((rc = table_next(t, cells)) == 0 && rows++ < 100000) {
			size_t i;

			for (i = 0; i < 3; i++) {
				double v;

				if (cells[i].kind == CELL_TEXT)
					contract_parse_number(cells[i].text, &v);
			}
		}
		(void)table_unbound(t);
	}
	table_close(t);
	mlops_error_clear();
	return 0;
}
