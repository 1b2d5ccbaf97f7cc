/* /bench/kern: the kernel's figures, 'bench group/name VALUE' lines. */
#include <writ/writ.h>

#include "init.h"

int
main(void)
{
	suite_init();
	bench_run();
	return 0;
}
