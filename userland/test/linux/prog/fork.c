/* fork and clone without CLONE_VM: the child is a copy (memory, registers, fds, cwd,
 * signal dispositions), MAP_SHARED memory is shared, wait4 sees it end, and running
 * out of memory for children is an error, never a stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int counter = 5;

static int
status_of(pid_t pid)
{
	int st = -1;

	return waitpid(pid, &st, 0) == pid ? st : -1;
}

static void
basics(void)
{
	pid_t me = getpid(), pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		counter++;
		_exit(getppid() == me && getpid() != me && counter == 6 ? 42 : 1);
	}
	st = status_of(pid);
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42 && counter == 5,
	      "linux/fork-child-copy", "pid %d status %x counter %d", pid, st, counter);
	check(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "linux/fork-reaped",
	      "errno %d", errno);
}

/* Every callee-saved register and a vector register survive in both processes, and
 * RAX is 0 in the child. */
static void
registers(void)
{
	unsigned long out[7];
	long ret;
	pid_t pid;
	int st;

	fflush(stdout);
	__asm__ volatile(
		"push %%rbp\n\t"
		"mov $0x1111, %%rbx\n\t"
		"mov $0x2222, %%rbp\n\t"
		"mov $0x3333, %%r12\n\t"
		"mov $0x4444, %%r13\n\t"
		"mov $0x5555, %%r14\n\t"
		"mov $0x6666, %%r15\n\t"
		"mov $0x7777, %%rax\n\t"
		"movq %%rax, %%xmm7\n\t"
		"mov $57, %%eax\n\t"
		"syscall\n\t"
		"mov %%rbx, 0(%1)\n\t"
		"mov %%rbp, 8(%1)\n\t"
		"mov %%r12, 16(%1)\n\t"
		"mov %%r13, 24(%1)\n\t"
		"mov %%r14, 32(%1)\n\t"
		"mov %%r15, 40(%1)\n\t"
		"movq %%xmm7, %%rcx\n\t"
		"mov %%rcx, 48(%1)\n\t"
		"pop %%rbp"
		: "=a"(ret)
		: "D"(out)
		: "rbx", "rcx", "r11", "r12", "r13", "r14", "r15", "xmm7", "memory");
	int ok = out[0] == 0x1111 && out[1] == 0x2222 && out[2] == 0x3333 && out[3] == 0x4444 &&
		 out[4] == 0x5555 && out[5] == 0x6666 && out[6] == 0x7777;
	if (ret == 0)
		_exit(ok ? 0 : 1);
	pid = (pid_t)ret;
	st = status_of(pid);
	check(ret > 0 && ok && WIFEXITED(st) && WEXITSTATUS(st) == 0, "linux/fork-registers",
	      "ret %ld parent ok %d child status %x", ret, ok, st);
}

/* glibc's fork: clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD). */
static void
clone_fork(void)
{
	static pid_t tid;
	pid_t pid;
	int st;

	fflush(stdout);
	pid = (pid_t)syscall(SYS_clone, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0,
			     NULL, &tid, 0);
	if (pid == 0)
		_exit(tid == getpid() ? 3 : 1);
	st = status_of(pid);
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3 && tid == 0, "linux/clone-fork",
	      "pid %d status %x tid %d", pid, st, tid);
}

static void
fds_and_state(void)
{
	int p[2], fd = open("/tmp/lx-fork.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[32] = "";
	pid_t pid;
	int st;

	signal(SIGUSR2, SIG_IGN);
	chdir("/tmp");
	if (pipe(p) != 0 || fd < 0) {
		check(0, "linux/fork-fds", "pipe or open: errno %d", errno);
		return;
	}
	write(fd, "ab", 2);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		char cwd[64];

		sigaction(SIGUSR2, NULL, &sa);
		write(fd, "cd", 2);
		write(p[1], "pipe", 4);
		_exit(sa.sa_handler == SIG_IGN && getcwd(cwd, sizeof(cwd)) &&
		      strcmp(cwd, "/tmp") == 0 ? 0 : 1);
	}
	close(p[1]);
	st = status_of(pid);
	check(read(p[0], buf, sizeof(buf)) == 4 && memcmp(buf, "pipe", 4) == 0 &&
	      read(p[0], buf, sizeof(buf)) == 0, "linux/fork-pipe", "buf %s", buf);
	check(lseek(fd, 0, SEEK_CUR) == 4 && pread(fd, buf, 4, 0) == 4 &&
	      memcmp(buf, "abcd", 4) == 0, "linux/fork-shared-offset", "at %ld",
	      (long)lseek(fd, 0, SEEK_CUR));
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "linux/fork-cwd-signals", "status %x", st);
	close(p[0]);
	close(fd);
	unlink("/tmp/lx-fork.txt");
	signal(SIGUSR2, SIG_DFL);
}

static void
shared(void)
{
	volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);
	pid_t pid;
	int st;

	sh[0] = 0;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		while (sh[0] != 1)
			sched_yield();
		sh[0] = 2;
		_exit(0);
	}
	sh[0] = 1;
	while (sh[0] != 2)
		sched_yield();
	st = status_of(pid);
	check(WIFEXITED(st) && sh[0] == 2, "linux/fork-map-shared", "status %x", st);
	munmap((void *)sh, 4096);
}

/* Children that wait on a pipe until there is no more memory for another: fork fails
 * with EAGAIN or ENOMEM, and once they are gone forking works again. */
static void
exhausted(void)
{
	pid_t kids[64];
	int p[2], n = 0, err = 0, st;
	pid_t pid;

	if (pipe(p) != 0)
		return;
	fflush(stdout);
	for (; n < 64; n++) {
		pid = fork();
		if (pid == 0) {
			char c;

			close(p[1]);
			read(p[0], &c, 1);
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n] = pid;
	}
	close(p[0]);
	close(p[1]);
	for (int i = 0; i < n; i++)
		status_of(kids[i]);
	check(n > 0 && n < 64 && (err == EAGAIN || err == ENOMEM), "linux/fork-out-of-memory",
	      "%d children, errno %d", n, err);
	pid = fork();
	if (pid == 0)
		_exit(9);
	st = status_of(pid);
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9, "linux/fork-after-out-of-memory",
	      "pid %d status %x", pid, st);
}

int
main(void)
{
	basics();
	registers();
	clone_fork();
	fds_and_state();
	shared();
	exhausted();
	return failures ? 1 : 0;
}
