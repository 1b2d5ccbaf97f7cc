/*
 * A tiny ELF for writ-annotate's tests. It is built, read and never run: the test makes up
 * a fault dump from this file's `nm` addresses, as the kernel would print it had these
 * functions faulted, and checks that the annotator names them. The markers in comments
 * let the test find the expected line numbers without hard-coding them.
 */
static volatile int sink;

/* always_inline: the fault inside must be reported as inlined into crash_inline. */
static inline __attribute__((always_inline)) void
poke(int how)
{
	sink = how;
	__asm__ volatile("inline_insn:\n\tmovq $2, 0xbad000");	/* INLINE FAULT LINE */
}

__attribute__((noinline)) void
crash_here(int how)
{
	sink = how;
	__asm__ volatile("crash_insn:\n\tmovq $1, 0xdead000");	/* FAULT LINE */
	sink = how + 1;
}

__attribute__((noinline)) void
crash_inline(int how)
{
	poke(how);						/* POKE CALL LINE */
	sink = how * 3;
}

__attribute__((noinline)) void
crash_caller(int how)
{
	crash_here(how);
	crash_inline(how);
	sink = 0;
}

void
_start(void)
{
	crash_caller(3);
	for (;;)
		;
}
