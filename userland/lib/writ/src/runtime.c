/*
 * The runtime a spawned program gets before main: its memory, and a console.
 */
#include <writ/fd.h>
#include <writ/mem.h>

#include "runtime.h"

void
writ_runtime_init(const struct writ_startinfo *si)
{
	writ_mem_init(si);
	writ_fd_init();
	/* A program lent COM1's ports writes straight to them (the kernel test suite,
	 * which runs before any console server exists); the others to their fd 1. */
	writ_console_init(writ_cap_named("serial"), 0);
}

void
writ_console_flush(void)
{
}
