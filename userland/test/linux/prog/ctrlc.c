/* ^C on the console as SIGINT (issue 23): a child in a process group of its own reads
 * the console, which we give to that group (TIOCSPGRP); the host types ^C on the
 * serial line when it sees our prompt, and the child must end killed by SIGINT.
 * Runs only in the boot that types (`ctrlc` on the command line: tests/vm). */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

int
main(int argc, char **argv)
{
	const char *cl = getenv("WRIT_CMDLINE");
	char *args[] = { argv[0], "read", NULL };
	posix_spawnattr_t at;
	pid_t pid, fg = 0, mine = getpgrp();
	int s = -1;
	char c;

	if (!cl || !strstr(cl, "ctrlc"))
		return 0;
	if (argc > 1)
		return read(0, &c, 1) < 0 ? 4 : 3;	/* ended by ^C before either */
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	if (posix_spawn(&pid, argv[0], NULL, &at, args, environ) != 0)
		pid = -1;
	check(pid > 0 && getpgid(pid) == pid, "linux/ctrlc-child-own-group", "pid %d pgid %d",
	      pid, pid > 0 ? getpgid(pid) : -1);
	if (pid > 0 && tcsetpgrp(0, pid) == 0)
		fg = tcgetpgrp(0);
	check(pid > 0 && fg == pid, "linux/ctrlc-tcsetpgrp", "fg %d", fg);
	printf("# ready for ^C\n");
	fflush(stdout);
	if (pid > 0)
		waitpid(pid, &s, 0);
	check(WIFSIGNALED(s) && WTERMSIG(s) == SIGINT, "linux/ctrlc-sigint-ends-reader",
	      "status %x", s);
	tcsetpgrp(0, mine);
	return failures ? 1 : 0;
}
