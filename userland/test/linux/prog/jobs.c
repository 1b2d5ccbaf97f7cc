/* Stop and continue (issues 22 and 23): SIGSTOP and SIGTSTP stop a child, whether it
 * computes or sleeps in a call, until SIGCONT; wait4's WUNTRACED and WCONTINUED; SIGCHLD
 * with CLD_STOPPED and CLD_CONTINUED unless SA_NOCLDSTOP; handlers for SIGTSTP and
 * SIGCONT; SIGKILL on a stopped child; wait4 for any of several children; SIGCHLD
 * ignored or SA_NOCLDWAIT (no zombies, wait4 -> ECHILD); a stopped child whose parent
 * ends; bad targets. With arguments it is the child of one of those checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static char *self;
static volatile sig_atomic_t got, got_sig;
static volatile int chld_code, chld_status, chld_n;

static volatile int *volatile bad_ptr = (volatile int *)8;	/* volatile: no warning */

static void on_sig(int sig) { got++; got_sig = sig; }

static void
on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_n++;
}

static void
handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void
nap(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* ---- the children: argv[1] says what to do; fd 3 says "ready" ---- */

static void
ready(void)
{
	write(3, "r", 1);
}

static int
as_child(char **argv)
{
	const char *what = argv[1];

	if (strcmp(what, "pause") == 0) {
		ready();
		pause();
		return 1;
	}
	if (strcmp(what, "tick") == 0) {
		/* A byte to fd 3 every few milliseconds: a call's way out is where it stops. */
		for (;;) {
			write(3, "t", 1);
			nap(5);
		}
	}
	if (strcmp(what, "tstp-handler") == 0) {
		handle(SIGTSTP, on_sig, 0);
		ready();
		while (!got)
			;
		return got_sig == SIGTSTP ? 50 : 2;
	}
	if (strcmp(what, "cont-handler") == 0) {
		handle(SIGCONT, on_sig, 0);
		ready();
		while (!got)
			;
		return got_sig == SIGCONT ? 51 : 3;
	}
	if (strcmp(what, "self-stop") == 0) {
		ready();
		kill(getpid(), SIGSTOP);	/* not raise, which blocks signals: no signal thread yet */
		return 54;
	}
	if (strcmp(what, "segv") == 0)
		*bad_ptr = 1;	/* no handler, no signal thread: init's default */
	if (strcmp(what, "ill") == 0)
		__asm__ volatile("ud2");
	if (strcmp(what, "exit-after") == 0) {
		nap(atoi(argv[2]));
		return 52;
	}
	if (strcmp(what, "orphan") == 0) {
		/* Start a child, stop it, tell our parent its pid, and end. */
		char *args[] = { self, "pause", NULL };
		posix_spawn_file_actions_t fa;
		int p[2], s;
		pid_t pid;
		char c;

		if (pipe(p) != 0)
			return 4;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, p[1], 3);
		if (posix_spawn(&pid, self, &fa, NULL, args, environ) != 0 || read(p[0], &c, 1) != 1)
			return 5;
		kill(pid, SIGSTOP);
		if (waitpid(pid, &s, WUNTRACED) != pid || !WIFSTOPPED(s))
			return 6;
		write(3, &pid, sizeof(pid));
		return 53;
	}
	return 100;
}

/* ---- the parent's side ---- */

/* Start ourselves as `what` (an argument after it, or NULL) with fd 3 a pipe: -> its
 * pid once it said it is ready (*rd: the pipe, kept open when rd is not NULL), or -1. */
static pid_t
start(const char *what, const char *arg, int *rd)
{
	char *argv[] = { self, (char *)what, (char *)arg, NULL };
	posix_spawn_file_actions_t fa;
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 3);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (pid > 0 && !arg && read(p[0], &c, 1) != 1)
		pid = -1;
	if (rd)
		*rd = p[0];
	else
		close(p[0]);
	return pid;
}

static int
wait_for(pid_t pid, int flags)
{
	int s = -1;
	pid_t w;

	while ((w = waitpid(pid, &s, flags)) < 0 && errno == EINTR)
		;	/* a SIGCHLD handler's */
	return w == pid ? s : -1;
}

/* A child that computes (fork, a shared counter) stops, does not run, continues. */
static void
check_spinning(void)
{
	volatile long *n = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long a, b;
	pid_t pid;
	int s;

	if (n == MAP_FAILED) {
		check(0, "linux/jobs-stop-spinning", "mmap: errno %d", errno);
		return;
	}
	*n = 0;
	if ((pid = fork()) == 0)
		for (;;)
			(*n)++;
	while (*n == 0)
		sched_yield();
	kill(pid, SIGSTOP);
	s = wait_for(pid, WUNTRACED);
	check(WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP, "linux/jobs-stop-wuntraced", "status %x", s);
	a = *n;
	nap(50);
	b = *n;
	check(a == b, "linux/jobs-stopped-does-not-run", "counter %ld then %ld", a, b);
	check(waitpid(pid, &s, WNOHANG | WUNTRACED) == 0, "linux/jobs-stop-reported-once",
	      "status %x", s);
	kill(pid, SIGCONT);
	s = wait_for(pid, WCONTINUED);
	check(WIFCONTINUED(s), "linux/jobs-wcontinued", "status %x", s);
	nap(20);
	check(*n != b, "linux/jobs-continued-runs", "counter %ld", b);
	kill(pid, SIGSTOP);
	s = wait_for(pid, WUNTRACED);
	kill(pid, SIGKILL);
	s = wait_for(pid, 0);
	check(WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL, "linux/jobs-kill-stopped", "status %x", s);
	munmap((void *)n, 4096);
}

/* A child that sleeps and writes: stopped on a call's way out; SIGTSTP's default. */
static void
check_in_call(void)
{
	char buf[256];
	ssize_t r;
	pid_t pid;
	int fd, s;

	pid = start("tick", NULL, &fd);
	kill(pid, SIGTSTP);
	s = wait_for(pid, WUNTRACED);
	check(WIFSTOPPED(s) && WSTOPSIG(s) == SIGTSTP, "linux/jobs-tstp-stops", "status %x", s);
	nap(20);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* what it wrote before it stopped */
	nap(50);
	r = read(fd, buf, 1);
	check(r == -1 && errno == EAGAIN, "linux/jobs-stopped-in-call-quiet", "read %zd", r);
	fcntl(fd, F_SETFL, 0);
	kill(pid, SIGCONT);
	r = read(fd, buf, 1);
	check(r == 1, "linux/jobs-tick-continues", "read %zd", r);
	kill(pid, SIGKILL);
	wait_for(pid, 0);
	close(fd);
}

static void
check_handlers(void)
{
	pid_t pid;
	int s;

	pid = start("tstp-handler", NULL, NULL);
	kill(pid, SIGTSTP);
	s = wait_for(pid, WUNTRACED);
	check(WIFEXITED(s) && WEXITSTATUS(s) == 50, "linux/jobs-tstp-handler-runs", "status %x", s);

	pid = start("cont-handler", NULL, NULL);
	kill(pid, SIGSTOP);
	s = wait_for(pid, WUNTRACED);
	kill(pid, SIGCONT);
	s = wait_for(pid, 0);
	check(WIFEXITED(s) && WEXITSTATUS(s) == 51, "linux/jobs-cont-handler-runs", "status %x", s);
}

static void
check_sigchld(void)
{
	struct sigaction sa;
	pid_t pid;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	pid = start("pause", NULL, NULL);
	chld_n = 0;
	kill(pid, SIGSTOP);
	s = wait_for(pid, WUNTRACED);
	for (int i = 0; i < 100 && !chld_n; i++)
		nap(2);
	check(chld_n == 1 && chld_code == CLD_STOPPED && chld_status == SIGSTOP,
	      "linux/jobs-sigchld-stopped", "n %d code %d status %d", chld_n, chld_code, chld_status);
	chld_n = 0;
	kill(pid, SIGCONT);
	for (int i = 0; i < 100 && !chld_n; i++)
		nap(2);
	check(chld_n == 1 && chld_code == CLD_CONTINUED && chld_status == SIGCONT,
	      "linux/jobs-sigchld-continued", "n %d code %d status %d", chld_n, chld_code, chld_status);
	sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	chld_n = 0;
	kill(pid, SIGSTOP);
	s = wait_for(pid, WUNTRACED);
	nap(20);
	check(WIFSTOPPED(s) && chld_n == 0, "linux/jobs-nocldstop", "n %d status %x", chld_n, s);
	kill(pid, SIGKILL);
	wait_for(pid, 0);
	signal(SIGCHLD, SIG_DFL);
}

/* wait4(-1) reports whichever child ends first, not the first one started. */
static void
check_wait_any(void)
{
	pid_t slow = start("exit-after", "300", NULL), fast = start("exit-after", "10", NULL);
	pid_t first, second;
	int s1 = -1, s2 = -1;

	first = waitpid(-1, &s1, 0);
	second = waitpid(-1, &s2, 0);
	check(first == fast && second == slow && WIFEXITED(s1) && WEXITSTATUS(s1) == 52 &&
	      WIFEXITED(s2), "linux/jobs-wait-any-child", "first %d (fast %d) second %d", first,
	      fast, second);
	check(waitpid(-1, &s1, 0) == -1 && errno == ECHILD, "linux/jobs-wait-none-echild",
	      "errno %d", errno);
}

/* SIGCHLD ignored, or SA_NOCLDWAIT: no zombie; wait4 waits for them all, then ECHILD. */
static void
check_no_zombies(void)
{
	struct sigaction sa;
	pid_t a, b;
	int s, e;

	signal(SIGCHLD, SIG_IGN);
	a = start("exit-after", "10", NULL);
	b = start("exit-after", "60", NULL);
	s = waitpid(-1, NULL, 0);
	e = errno;
	check(a > 0 && b > 0 && s == -1 && e == ECHILD && kill(b, 0) == -1 && errno == ESRCH,
	      "linux/jobs-sigchld-ign-reaps", "wait %d errno %d", s, e);
	signal(SIGCHLD, SIG_DFL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	a = start("exit-after", "10", NULL);
	nap(60);
	s = waitpid(a, NULL, WNOHANG);
	e = errno;
	check(s == -1 && e == ECHILD, "linux/jobs-nocldwait-reaps", "wait %d errno %d", s, e);
	signal(SIGCHLD, SIG_DFL);
	/* Back to the default: a child is a zombie again until waited for. */
	a = start("exit-after", "1", NULL);
	nap(30);
	s = wait_for(a, 0);
	check(WIFEXITED(s) && WEXITSTATUS(s) == 52, "linux/jobs-sigchld-dfl-zombie", "status %x", s);
}

/* A stopped child whose parent ends is not left stopped: SIGHUP ends it. */
static void
check_orphan(void)
{
	pid_t pid, gc = -1;
	int fd, s, i;

	pid = start("orphan", "x", &fd);
	if (read(fd, &gc, sizeof(gc)) != (ssize_t)sizeof(gc))
		gc = -1;
	close(fd);
	s = wait_for(pid, 0);
	for (i = 0; i < 200 && gc > 0 && kill(gc, 0) == 0; i++)
		nap(5);
	check(WIFEXITED(s) && WEXITSTATUS(s) == 53 && gc > 0 && kill(gc, 0) == -1 && errno == ESRCH,
	      "linux/jobs-orphan-stopped-ends", "status %x grandchild %d", s, gc);
}

/* A SIGTERM sent while a child goes into execve ends it wherever it lands: before the
 * child's execve, during it, or after (a signal pending at execve is the new program's).
 * The child has a signal thread (a handler), so one that lands just before its execve
 * waits there for that thread: the program execve starts must still get it. The child
 * says it is about to execve, and each round the kill comes a little later, across the
 * execve. (`kill %1` just after `cmd &` at the shell.) */
static void
check_kill_as_child_execs(void)
{
	int rounds = 24, ended = 0, s = 0;

	for (int i = 0; i < rounds; i++) {
		int p[2];
		char c;
		pid_t pid;

		if (pipe(p) != 0)
			break;
		if ((pid = fork()) == 0) {
			handle(SIGUSR1, on_sig, 0);
			write(p[1], "x", 1);
			execl(self, self, "exit-after", "4000", (char *)NULL);
			_exit(9);
		}
		close(p[1]);
		if (pid < 0 || read(p[0], &c, 1) != 1)
			break;
		close(p[0]);
		for (volatile int spin = 0; spin < i * 1000; spin++)
			;
		kill(pid, SIGTERM);
		s = wait_for(pid, 0);
		if (!WIFSIGNALED(s) || WTERMSIG(s) != SIGTERM)
			break;
		ended++;
	}
	check(ended == rounds, "linux/jobs-kill-as-child-execs", "%d of %d rounds, then status %x",
	      ended, rounds, s);
}

/* A background job as an interactive shell makes one: the shell ignores SIGTERM and the
 * stop signals and handles SIGINT and SIGCHLD; the forked child puts itself in a group
 * of its own, puts those back to their defaults and sleeps (a NOEXEC applet: no
 * execve). A SIGTERM to the group a moment later ends it, every round. */
static void
check_kill_forked_job(void)
{
	int rounds = 16, ended = 0, s = 0;
	static const int reset[] = { SIGTERM, SIGINT, SIGQUIT, SIGTSTP, SIGTTOU, SIGTTIN };

	handle(SIGTERM, SIG_IGN, 0);
	handle(SIGQUIT, SIG_IGN, 0);
	handle(SIGTSTP, SIG_IGN, 0);
	handle(SIGTTOU, SIG_IGN, 0);
	handle(SIGTTIN, SIG_IGN, 0);
	handle(SIGINT, on_sig, 0);
	handle(SIGCHLD, on_sig, 0);
	for (int i = 0; i < rounds; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			setpgid(0, 0);
			for (unsigned k = 0; k < sizeof(reset) / sizeof(reset[0]); k++)
				handle(reset[k], SIG_DFL, 0);
			nap(8000);
			_exit(7);
		}
		if (pid < 0)
			break;
		setpgid(pid, pid);
		nap(i * 4);
		kill(-pid, SIGTERM);
		s = wait_for(pid, 0);
		if (!WIFSIGNALED(s) || WTERMSIG(s) != SIGTERM)
			break;
		ended++;
	}
	for (unsigned k = 0; k < sizeof(reset) / sizeof(reset[0]); k++)
		handle(reset[k], SIG_DFL, 0);
	handle(SIGCHLD, SIG_DFL, 0);
	check(ended == rounds, "linux/jobs-kill-forked-job", "%d of %d rounds, then status %x",
	      ended, rounds, s);
}

int
main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1)
		return as_child(argv);
	check_spinning();
	check_in_call();
	check_handlers();
	check_sigchld();
	check_wait_any();
	check_no_zombies();
	check_orphan();
	{
		pid_t pid = start("self-stop", NULL, NULL);
		int s = wait_for(pid, WUNTRACED), s2;

		kill(pid, SIGCONT);
		s2 = wait_for(pid, 0);
		check(WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP && WIFEXITED(s2) && WEXITSTATUS(s2) == 54,
		      "linux/jobs-raise-sigstop", "status %x then %x", s, s2);
	}
	{
		pid_t pid = start("segv", "x", NULL);
		int s = wait_for(pid, 0);

		check(WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s),
		      "linux/jobs-default-segv-core", "status %x", s);
		pid = start("ill", "x", NULL);
		s = wait_for(pid, 0);
		check(WIFSIGNALED(s) && WTERMSIG(s) == SIGILL && WCOREDUMP(s),
		      "linux/jobs-default-sigill-core", "status %x", s);
	}
	check_kill_as_child_execs();
	check_kill_forked_job();
	check(kill(30000, SIGSTOP) == -1 && errno == ESRCH, "linux/jobs-stop-unknown-esrch",
	      "errno %d", errno);
	check(kill(30000, SIGCONT) == -1 && errno == ESRCH, "linux/jobs-cont-unknown-esrch",
	      "errno %d", errno);
	check(kill(2, SIGSTOP) == -1 && errno == EPERM, "linux/jobs-stop-eperm", "errno %d", errno);
	check(kill(2, SIGCONT) == -1 && errno == EPERM, "linux/jobs-cont-eperm", "errno %d", errno);
	return failures ? 1 : 0;
}
