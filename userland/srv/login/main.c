/*
 * /sbin/login: the console's login session, what boot.conf runs last.
 *
 *   /sbin/login [-- SHELL]        (default /bin/sh)
 *
 * Starts SHELL as a login shell, the way getty and login leave one on Linux: argv[0] is
 * "-sh" (so busybox's ash reads /etc/profile), the environment names the user (HOME,
 * USER, LOGNAME, SHELL), PATH=/bin:/sbin and TERM; the shell gets our namespace (every
 * scheme init gave us) and our fds 0, 1 and 2 (the console). When it ends, a new one
 * starts: `exit` or ^D at the prompt gives a fresh shell rather than a dead console.
 *
 * /etc/motd is shown once, before the first shell. There are no passwords on Writ: the user is yoric (/etc/passwd: uid 1000), whose
 * authority is the namespace itself.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/tty.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

#define SHELL_QUOTA_BITS 25     /* 32 MiB: the shell is small; what it runs gets quotas of its own */
#define SHELL_QUOTA_MIN_BITS 23 /* 8 MiB: room for busybox and what it runs */
#define MAX_QUICK_FAILS 5

static const char *const env[] = {
	"HOME=/home/yoric", "USER=yoric", "LOGNAME=yoric", "SHELL=/bin/sh",
	"PATH=/bin:/sbin", "TERM=vt100", NULL,
};

static void
say(const char *a, const char *b)
{
	char line[200];
	int n = writ_snprintf(line, sizeof(line), "login: %s%s\n", a, b);

	writ_write(2, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void
show_motd(void)
{
	char buf[512];
	long n;
	int fd = writ_open("file:/etc/motd", O_RDONLY, 0);

	if (fd < 0)
		return;
	while ((n = writ_read(fd, buf, sizeof(buf))) > 0)
		writ_write(1, buf, (size_t)n);
	writ_close(fd);
}

static struct writ_termios sane;
static bool have_sane;

/* One shell, from start to end. -> its wait status, or -errno when it did not start. */
static long
run_shell(const char *path)
{
	static struct writ_spawn_opts o;
	const char *argv[] = { "-sh", NULL };
	writ_cptr_t child;
	long pid;

	/* A new session: the terminal as it was at boot, and no foreground group (ash
	 * waits for the terminal while another group has it, as the last shell's does). */
	if (have_sane)
		writ_tty_setattr(0, TTY_TCSAFLUSH, &sane);
	writ_tty_setpgrp(0, 0);
	memset(&o, 0, sizeof(o));
	o.envp = env;
	writ_spawn_opts_inherit(&o);
	for (int fd = 0; fd < 3; fd++)
		writ_spawn_opts_fd(&o, fd, fd);
	/* A quota is one aligned block of free memory: on a small machine (128 MiB) no
	 * 64 MiB block is left once the servers run, so a smaller one must do. */
	o.quota_bits = SHELL_QUOTA_BITS;
	while ((pid = writ_spawn(path, argv, &o, &child)) == -ENOMEM &&
	       o.quota_bits > SHELL_QUOTA_MIN_BITS)
		o.quota_bits--;
	if (pid < 0)
		return pid;
	return writ_proc_wait(child);
}

int
main(int argc, char **argv)
{
	const char *shell = argc == 3 && strcmp(argv[1], "--") == 0 ? argv[2] : "/bin/sh";
	unsigned fails = 0;

	have_sane = writ_tty_getattr(0, &sane) == 0;
	show_motd();

	/* A shell that cannot start would otherwise be restarted forever, flooding the
	 * console: a few failures in a row end the session instead. */
	while (fails < MAX_QUICK_FAILS) {
		long status = run_shell(shell);
		char why[48];

		if (status >= 0) {
			fails = 0;
			say(shell, " ended; starting a new shell");
			continue;
		}
		fails++;
		writ_snprintf(why, sizeof(why), " cannot be started (errno %ld)", -status);
		say(shell, why);
	}
	say("giving up on ", shell);
	return 1;
}
