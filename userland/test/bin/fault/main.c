/*
 * Writes through a null pointer (no argument), or into its own code (`text`: a page it
 * shares read-only with every process of this program): init reports the fault and
 * ends the process. `stack N`: writes a byte in every page of the N KiB below its stack
 * pointer, then exits with 0: init maps stack pages at their first touch, up to the
 * stack's end, past which it is a fault as any other.
 */
#include <stdint.h>

int main(int argc, char **argv);

static int
touch_stack(const char *kib)
{
	unsigned long n = 0;
	volatile char *p;

	for (; *kib >= '0' && *kib <= '9'; kib++)
		n = n * 10 + (unsigned long)(*kib - '0');
	p = __builtin_alloca(n * 1024);
	for (unsigned long off = 0; off < n * 1024; off += 4096)
		p[off] = 1;
	return p[0] == 1 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc > 2 && argv[1][0] == 's')
		return touch_stack(argv[2]);
	if (argc > 1 && argv[1][0] == 't')
		*(volatile char *)(uintptr_t)main = 0;
	else
		*(volatile int *)0 = 1;
	return 0;
}
