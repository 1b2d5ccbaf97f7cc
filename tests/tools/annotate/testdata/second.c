/*
 * A second tiny ELF, linked at another address, so the tests can check that each
 * address is looked up in the ELF whose segments hold it.
 */
static volatile int sink;

__attribute__((noinline)) void
second_fault(int how)
{
	sink = how;
	__asm__ volatile("second_insn:\n\tud2");		/* SECOND FAULT LINE */
}

void
_start(void)
{
	second_fault(1);
	for (;;)
		;
}
