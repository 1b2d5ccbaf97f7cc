/*
 * Allocates pages until its quota runs out; exits 0 if that ended in a clean NULL
 * (ENOMEM to this process only), after using a little of what it got.
 */
#include <writ/mem.h>
#include <writ/writ.h>

int
main(void)
{
	unsigned got = 0;
	char *p;

	while ((p = writ_pages_alloc(1)) != NULL) {
		p[0] = 1;
		p[4095] = 2;
		if (++got > 1000000)
			return 2;	/* no quota at all: wrong */
	}
	return got > 0 ? 0 : 1;
}
