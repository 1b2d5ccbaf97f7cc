/*
 * /test/harness: runs /bin/harness (app/harness, the derivation and revocation test
 * harness users run) in every test boot, with fewer race rounds where every system
 * call is slow (`check`). Its lines are the harness's; its status the harness's.
 */
#include <test/check.h>
#include <writ/proc.h>
#include <writ/writ.h>

int
main(void)
{
	const char *argv[] = { "/bin/harness", "--rounds", test_cmdline_has("check") ? "4" : "16",
			       NULL };
	writ_cptr_t child;
	long pid = writ_spawn(argv[0], argv, NULL, &child), st = -1;

	if (pid > 0)
		st = writ_proc_wait(child);
	if (pid <= 0 || !WRIT_WAIT_EXITED(st) || WRIT_WAIT_STATUS(st) != 0) {
		writ_printf("# /test/harness: /bin/harness pid %ld status %lx\n", pid, st);
		return 1;
	}
	return 0;
}
