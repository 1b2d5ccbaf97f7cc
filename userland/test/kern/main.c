/*
 * /test/kern: the kernel-core tests (groups kern, ipc, irq). Exit status 0 when every
 * check passed.
 */
#include <writ/writ.h>

#include "init.h"

int
main(void)
{
	suite_init();
	if (cmdline_has("preempt")) {	/* the -icount boot: only the timer tests */
		preempt_tests_run();
		writ_printf("# kernel suite: %u test failures\n", init.failures);
		return init.failures ? 1 : 0;
	}
	if (cmdline_has("stress-only"))	/* a long stress run: stress-steps=, stress-seed= */
		stress_run();
	else
		tests_run();
	writ_printf("# kernel suite: %u test failures\n", init.failures);
	return init.failures ? 1 : 0;
}
