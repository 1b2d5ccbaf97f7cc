/* stdio: formatted output on stdout and stderr, buffering, and an exit status of 7. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(void)
{
	char small[8];
	const char *longer = getenv("WRIT_DIFF_NEVER_SET") ? "" : "a longer string";
	int n;

	printf("ints: %d %i %u %ld %lld\n", -42, 7, 4000000000u, -1234567890123L, 1LL << 62);
	printf("hex/oct: %x %X %#x %o %#o\n", 48879, 48879, 255, 8, 8);
	printf("floats: %.3f %e %g %g %10.2f|\n", 3.14159265, 12345.678, 0.0001, 1e20, -2.5);
	printf("strings: [%s] [%10s] [%-10s] [%.3s] [%c]\n", "writ", "right", "left", "truncate", 'x');
	printf("percent: 100%%\n");
	n = snprintf(small, sizeof(small), "%s", longer);
	printf("snprintf: %d [%s]\n", n, small);
	fputs("to stderr via fputs\n", stderr);
	fprintf(stderr, "stderr %d\n", 2);
	setvbuf(stdout, NULL, _IOFBF, 64);
	for (int i = 0; i < 20; i++)
		printf("line %02d of a fully buffered run\n", i);
	fflush(stdout);
	puts("puts adds a newline");
	fwrite("fwrite\n", 1, 7, stdout);
	return 7;
}
