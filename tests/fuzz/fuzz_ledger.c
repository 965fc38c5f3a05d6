/* An environment's ledger (JSON lines) and a fleet instance's state
 * file: what deploy, rollback, status and serve --state read back. */
#include "fuzz.h"

#include "lib/deploy/ledger.h"
#include "lib/server/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger l = { 0 };
	struct serve_state st;

	fuzz_file(data, size, LEDGER_FILE);
	if (ledger_read(fuzz_dir(), &l) == 0) {
		(void)ledger_last(&l, "deployed");
		ledger_free(&l);
	}
	mlops_error_clear();
	fuzz_file(data, size, STATE_FILE);
	if (state_load(fuzz_dir(), &st) == 0)
		state_release(&st);
	mlops_error_clear();
	return 0;
}
