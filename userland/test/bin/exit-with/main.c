/* Exits with the number given as its first argument. */
#include <writ/writ.h>

int
main(int argc, char **argv)
{
	int n = 0;

	for (const char *p = argc > 1 ? argv[1] : ""; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (*p - '0');
	return n;
}
