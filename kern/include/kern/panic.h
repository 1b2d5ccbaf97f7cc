#ifndef WRIT_KERN_PANIC_H
#define WRIT_KERN_PANIC_H

#include <stdint.h>

/*
 * Stop the machine: going on would corrupt memory. Prints the message and a backtrace;
 * in a test boot it then leaves QEMU with WRIT_EXIT_PANIC so the runner sees it at once.
 */
void kpanic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* One "PREFIX ADDRESS <function+offset>" line. */
void print_symbolic(const char *prefix, uint64_t addr);

/* After a register dump: stop, the same way kpanic does. */
void panic_halt(void) __attribute__((noreturn));

/* Walk the frame-pointer chain from `rbp` (after `rip` when not 0), one line per frame, names from ksyms. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#ifdef WRIT_DEBUG
#define KASSERT(x)                                                                 \
	do {                                                                       \
		if (!(x))                                                          \
			kpanic("assertion failed: %s (%s:%d)", #x, __FILE__, __LINE__); \
	} while (0)
#else
#define KASSERT(x) ((void)0)
#endif

#endif
