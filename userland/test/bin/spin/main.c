/* Runs until killed; with a count, yields that many times and exits with status 7. */
#include <writ/writ.h>

int
main(int argc, char **argv)
{
	unsigned long n = 0;

	if (argc < 2)
		for (volatile unsigned long i = 0;; i++)
			;
	for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	for (unsigned long i = 0; i < n; i++)
		writ_yield();
	return 7;
}
