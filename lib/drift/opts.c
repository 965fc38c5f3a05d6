#include "opts.h"

#include <math.h>
#include <string.h>

static const struct {
	const char *name;
	int pvalue;
	double threshold;
} tests[DT_COUNT] = {
	[DT_AUTO] = { "auto", 0, NAN },
	[DT_KS] = { "ks", 1, 0.05 },
	[DT_CHISQUARE] = { "chisquare", 1, 0.05 },
	[DT_Z] = { "z", 1, 0.05 },
	[DT_PSI] = { "psi", 0, 0.1 },
	[DT_JENSENSHANNON] = { "jensenshannon", 0, 0.1 },
	[DT_WASSERSTEIN] = { "wasserstein", 0, 0.1 },
	[DT_HELLINGER] = { "hellinger", 0, 0.1 },
	[DT_KL_DIV] = { "kl_div", 0, 0.1 },
	[DT_MANNW] = { "mannw", 1, 0.05 },
	[DT_T_TEST] = { "t_test", 1, 0.05 },
	[DT_CVM] = { "cramer_von_mises", 1, 0.1 },
	[DT_ANDERSON] = { "anderson", 1, 0.1 },
};

const char *drift_test_name(enum drift_test t)
{
	return t < DT_COUNT ? tests[t].name : "?";
}

int drift_test_from_name(const char *name, enum drift_test *t)
{
	int i;

	for (i = 0; i < DT_COUNT; i++)
		if (!strcmp(name, tests[i].name)) {
			*t = (enum drift_test)i;
			return 0;
		}
	return -1;
}

int drift_test_is_pvalue(enum drift_test t)
{
	return t < DT_COUNT && tests[t].pvalue;
}

double drift_test_default_threshold(enum drift_test t)
{
	return t < DT_COUNT ? tests[t].threshold : NAN;
}
