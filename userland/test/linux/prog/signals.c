/* Signals as a Linux program sees them: handlers that run and return (the frame musl's
 * restorer gives back to rt_sigreturn), SA_SIGINFO's fields, masks, the alternate
 * stack, SIGPIPE, kill of a child, default deaths as wait4 reports them, getppid.
 * With an argument it is the child of one of those checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static volatile int hits, last_sig, blocked_inside;
static volatile siginfo_t got_info;
static volatile uint64_t got_rsp;
static volatile uintptr_t handler_local;

static void
on_sig(int sig)
{
	sigset_t now;

	hits++;
	last_sig = sig;
	sigprocmask(SIG_BLOCK, NULL, &now);
	blocked_inside = sigismember(&now, sig);
}

static void
on_info(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	hits++;
	last_sig = sig;
	memcpy((void *)&got_info, si, sizeof(*si));
	got_rsp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
}

static void
on_alt(int sig)
{
	volatile int here;

	last_sig = sig;
	handler_local = (uintptr_t)&here;
}

/* Run ourselves with arguments; -> the wait status, or -1. */
static int
child(const char *self, char *a1, char *a2, int do_kill)
{
	char *argv[] = { (char *)self, a1, a2, NULL };
	int status = -1;
	pid_t pid;

	if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
		return -1;
	if (do_kill && kill(pid, do_kill) != 0)
		return -2;
	if (waitpid(pid, &status, 0) != pid)
		return -3;
	return status;
}

static int
as_child(char **argv)
{
	int p[2];

	if (strcmp(argv[1], "raise") == 0) {
		raise(atoi(argv[2]));
		return 100;
	}
	if (strcmp(argv[1], "abort") == 0)
		abort();
	if (strcmp(argv[1], "spin") == 0)
		for (;;)
			sched_yield();
	if (strcmp(argv[1], "pipe") == 0) {
		if (pipe(p) != 0)
			return 101;
		close(p[0]);
		write(p[1], "x", 1);
		return 102;
	}
	if (strcmp(argv[1], "ppid") == 0)
		return getppid() == atoi(argv[2]) ? 0 : 103;
	return 104;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set, old;
	int r, status, p[2];
	long a = 6, b = 7;
	char pid_text[16];

	if (argc > 1)
		return as_child(argv);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	r = raise(SIGUSR1);
	check(r == 0 && hits == 1 && last_sig == SIGUSR1 && a * b == 42, "linux/signal-handler-runs",
	      "r %d hits %d sig %d", r, hits, last_sig);
	check(blocked_inside == 1, "linux/signal-blocked-in-handler", "%d", blocked_inside);
	sigprocmask(SIG_BLOCK, NULL, &set);
	check(!sigismember(&set, SIGUSR1), "linux/signal-mask-back-after-return", "still blocked");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	hits = 0;
	r = kill(getpid(), SIGUSR2);
	check(r == 0 && hits == 1 && got_info.si_signo == SIGUSR2 && got_info.si_code == SI_USER &&
	      got_info.si_pid == getpid() && got_rsp != 0, "linux/signal-siginfo",
	      "r %d hits %d signo %d code %d pid %d rsp %lx", r, hits, got_info.si_signo,
	      got_info.si_code, got_info.si_pid, (unsigned long)got_rsp);

	hits = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	r = hits;
	sigpending(&set);
	check(r == 0 && sigismember(&set, SIGUSR1), "linux/signal-mask-blocks", "hits %d", r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check(hits == 1, "linux/signal-delivered-on-unmask", "hits %d", hits);

	signal(SIGUSR1, SIG_IGN);
	hits = 0;
	raise(SIGUSR1);
	raise(SIGCHLD);     /* default: ignored */
	raise(SIGWINCH);
	check(hits == 0, "linux/signal-ignored", "hits %d", hits);

	{
		static char alt[16384];
		stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };

		sigaltstack(&ss, NULL);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alt;
		sa.sa_flags = SA_ONSTACK;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		check(handler_local >= (uintptr_t)alt && handler_local < (uintptr_t)alt + sizeof(alt),
		      "linux/signal-altstack", "local at %lx, stack %p", (unsigned long)handler_local,
		      (void *)alt);
	}

	signal(SIGPIPE, on_sig);
	hits = 0;
	r = pipe(p);
	close(p[0]);
	errno = 0;
	r = r == 0 ? (int)write(p[1], "x", 1) : -2;
	check(r == -1 && errno == EPIPE && hits == 1 && last_sig == SIGPIPE, "linux/sigpipe-handled",
	      "r %d errno %d hits %d", r, errno, hits);
	close(p[1]);

	status = child(argv[0], "spin", NULL, SIGTERM);
	check(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "linux/kill-child",
	      "status %x", status);
	status = child(argv[0], "raise", "10", 0);
	check(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1 &&
	      !WCOREDUMP(status), "linux/signal-default-terminates", "status %x", status);
	status = child(argv[0], "raise", "17", 0);
	check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 100,
	      "linux/signal-default-ignore", "status %x", status);
	status = child(argv[0], "abort", NULL, 0);
	check(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && WCOREDUMP(status),
	      "linux/abort-core", "status %x", status);
	status = child(argv[0], "pipe", NULL, 0);
	check(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
	      "linux/sigpipe-default", "status %x", status);
	snprintf(pid_text, sizeof(pid_text), "%d", getpid());
	status = child(argv[0], "ppid", pid_text, 0);
	check(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "linux/getppid-parent",
	      "status %x", status);
	return failures != 0;
}
