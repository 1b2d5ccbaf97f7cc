/*
 * A tiny static program for the ELF host tests, built with musl-gcc -static (and, with
 * glibc, as a dynamically linked non-PIE to be refused). It prints the address of its
 * entry point and its thread-local variable's initial value, which the test compares
 * with what elf_parse() reports for the same file.
 */
#include <stdio.h>

extern char _start[];

_Thread_local int elf_sample_tls = 0x5eed;

int
main(void)
{
	printf("%lx %x\n", (unsigned long)_start, elf_sample_tls);
	return 0;
}
