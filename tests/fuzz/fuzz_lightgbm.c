/* LightGBM text models (model.txt): the parser, the signature checks of
 * package, and a prediction of a few rows, including missing values,
 * zeros and huge values, on whatever parses. */
#include "fuzz.h"

#include <math.h>

#include "lib/model/lgbm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double rows[][4] = {
		{ 0, 1, -1, 2.5 },
		{ NAN, NAN, NAN, NAN },
		{ 1e300, -1e300, 1e-36, 3e9 },
	};
	char *text = malloc(size + 1);
	struct lgbm *g;
	double *row, out[64];
	size_t r, i;

	memcpy(text, data, size);
	text[size] = '\0';
	if (lgbm_parse(&g, text, size, "fuzz.txt") == 0) {
		row = calloc(g->nfeatures, sizeof(double));
		for (r = 0; r < 3 && g->per_iter <= 64; r++) {
			for (i = 0; i < g->nfeatures; i++)
				row[i] = rows[r][i % 4];
			lgbm_raw(g, row, out);
		}
		free(row);
		lgbm_free(g);
	}
	mlops_error_clear();
	free(text);
	return 0;
}
