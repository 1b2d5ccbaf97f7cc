/* /bench/linux: the Linux personality's figures: Linux programs of /test/linux run
 * with their output caught, their `bench` lines passed on. */
#include <writ/writ.h>

#include "run.h"

static char out[16 * 1024];

int
main(void)
{
	const char *argv[] = { "/test/bin/lx-getppid", NULL };
	unsigned ok = 0, not_ok = 0;
	size_t len;
	long s = lx_run(argv[0], argv, out, sizeof(out), &len);

	lx_forward(out, len, &ok, &not_ok);
	if (s != 0)
		writ_printf("# /bench/linux: getppid ended with status %lx\n", s);
	return 0;
}
