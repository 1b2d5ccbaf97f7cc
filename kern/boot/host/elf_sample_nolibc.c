/*
 * A static program with no C library (gcc -static -nostdlib, and -static-pie to get a
 * position-independent one the parser must refuse): _start exits with a value read from
 * writable data, so the file has text, read-only and data segments.
 */
static volatile long elf_sample_status = 0;

void _start(void);

void
_start(void)
{
	long rax = 60;	/* exit */

	__asm__ volatile("syscall" : "+a"(rax) : "D"(elf_sample_status) : "rcx", "r11", "memory");
	for (;;)
		;
}
