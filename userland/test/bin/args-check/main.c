/*
 * Checks its own start as Linux lays it out: argv = args-check a "b c" "", envp has
 * X=1 and Y=two, and the auxiliary vector has AT_PAGESZ 4096, AT_PHDR/AT_PHNUM that
 * point at this program's ELF program headers, AT_ENTRY = _start, 16 bytes at
 * AT_RANDOM. Exit status: 0, or the number of the first thing that was wrong.
 */
#include <writ/proc.h>
#include <writ/writ.h>

#define AT_PHDR 3
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_RANDOM 25

extern char _start[];
extern const unsigned char __executable_start[];

static unsigned long
aux(char **envp, unsigned long type)
{
	char **e = envp;
	unsigned long *p;

	while (*e)
		e++;
	for (p = (unsigned long *)(e + 1); p[0]; p += 2)
		if (p[0] == type)
			return p[1];
	return 0;
}

int
main(int argc, char **argv, char **envp)
{
	const unsigned char *ph;

	if (argc != 4)
		return 1;
	if (strcmp(argv[1], "a") || strcmp(argv[2], "b c") || strcmp(argv[3], "") || argv[4])
		return 2;
	if (!writ_getenv("X") || strcmp(writ_getenv("X"), "1") || !writ_getenv("Y") ||
	    strcmp(writ_getenv("Y"), "two"))
		return 3;
	if (aux(envp, AT_PAGESZ) != 4096)
		return 4;
	if (aux(envp, AT_ENTRY) != (unsigned long)_start)
		return 5;
	ph = (const unsigned char *)aux(envp, AT_PHDR);
	/* The ELF header says where the program headers are: they must be what AT_PHDR shows. */
	if (!ph || ph != __executable_start + *(const unsigned long *)(__executable_start + 32) ||
	    aux(envp, AT_PHNUM) != *(const unsigned short *)(__executable_start + 56))
		return 6;
	if (!aux(envp, AT_RANDOM))
		return 7;
	if (((unsigned long)argv - 8) % 16 != 0)
		return 8;	/* the stack pointer at _start was 16-byte aligned */
	return 0;
}
