/* Stop and continue as wait4 reports them: WUNTRACED, WCONTINUED, a stopped child
 * killed, SIGCHLD's si_code, SIGTSTP with and without a handler, and SIGCHLD ignored
 * (no zombies: wait4 -> ECHILD). Prints only statuses and codes. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld_code, chld_status, got;

static void
on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void on_tstp(int sig) { (void)sig; got = 1; }

static void
nap(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void
show(const char *what, int s)
{
	if (WIFEXITED(s))
		printf("%s: exited %d\n", what, WEXITSTATUS(s));
	else if (WIFSIGNALED(s))
		printf("%s: killed by %d\n", what, WTERMSIG(s));
	else if (WIFSTOPPED(s))
		printf("%s: stopped by %d\n", what, WSTOPSIG(s));
	else if (WIFCONTINUED(s))
		printf("%s: continued\n", what);
	else
		printf("%s: status %x\n", what, s);
}

/* A child that waits for signals; once it says so on the pipe. */
static pid_t
child(int tstp_handler)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		return -1;
	/* A group of its own, whose parent (we) is in another group of the session: Linux
	 * discards SIGTSTP's stop in an orphaned group, which ours may be (a test runner
	 * may start us in a session of our own). */
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		if (tstp_handler)
			signal(SIGTSTP, on_tstp);
		write(p[1], "r", 1);
		while (!got)
			nap(1);	/* not pause: the signal may come before it */
		_exit(50);
	}
	setpgid(pid, pid);
	read(p[0], &c, 1);
	close(p[0]);
	close(p[1]);
	return pid;
}

int
main(void)
{
	struct sigaction sa;
	pid_t pid;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);

	pid = child(0);
	kill(pid, SIGSTOP);
	waitpid(pid, &s, WUNTRACED);
	show("SIGSTOP", s);
	nap(20);
	printf("SIGCHLD code %d status %d\n", chld_code, chld_status);
	kill(pid, SIGCONT);
	waitpid(pid, &s, WCONTINUED);
	show("SIGCONT", s);
	nap(20);
	printf("SIGCHLD code %d status %d\n", chld_code, chld_status);
	kill(pid, SIGTSTP);
	waitpid(pid, &s, WUNTRACED);
	show("SIGTSTP", s);
	kill(pid, SIGKILL);
	waitpid(pid, &s, 0);
	show("SIGKILL when stopped", s);

	pid = child(1);
	kill(pid, SIGTSTP);
	waitpid(pid, &s, WUNTRACED);
	show("SIGTSTP with a handler", s);

	printf("kill of no such process: %s\n", kill(999999, SIGSTOP) == -1 && errno == ESRCH ? "ESRCH" : "?");

	signal(SIGCHLD, SIG_IGN);
	if ((pid = fork()) == 0)
		_exit(3);
	s = waitpid(-1, NULL, 0);
	printf("SIGCHLD ignored: wait %d %s\n", s, s == -1 && errno == ECHILD ? "ECHILD" : "?");
	return 0;
}
