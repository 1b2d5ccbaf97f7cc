/*
 * Writes through a null pointer (no argument), or into its own code (`text`: a page it
 * shares read-only with every process of this program): init reports the fault and
 * ends the process.
 */
#include <stdint.h>

int main(int argc, char **argv);

int
main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == 't')
		*(volatile char *)(uintptr_t)main = 0;
	else
		*(volatile int *)0 = 1;
	return 0;
}
