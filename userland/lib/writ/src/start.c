/*
 * The start of every program init spawns: read Linux's initial stack, find the start
 * info init mapped, set up the runtime, run main, leave with its status.
 */
#include <writ/proc.h>
#include <writ/writ.h>

#include "runtime.h"

#define AT_NULL 0

int main(int argc, char **argv, char **envp);

__attribute__((noreturn)) void writ_start(uint64_t *sp);

void
writ_start(uint64_t *sp)
{
	const struct writ_startinfo *startinfo = NULL;
	uint64_t *p;

	writ_argc = (int)sp[0];
	writ_argv = (char **)(sp + 1);
	writ_envp = writ_argv + writ_argc + 1;
	for (p = (uint64_t *)writ_envp; *p; p++)
		;
	for (p++; p[0] != AT_NULL; p += 2)
		if (p[0] == WRIT_AT_STARTINFO)
			startinfo = (const struct writ_startinfo *)p[1];
	if (startinfo && startinfo->magic == WRIT_STARTINFO_MAGIC) {
		writ_proc_init(startinfo);
		writ_runtime_init(startinfo);
	}
	writ_exit(main(writ_argc, writ_argv, writ_envp));
}
