/* The first Linux program: printf, and an exit status from its argument. */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	printf("hello, world %d\n", 42);
	return argc > 1 ? atoi(argv[1]) : 0;
}
