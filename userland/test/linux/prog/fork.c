/* fork and clone without CLONE_VM: the child is a copy (memory, registers, fds, cwd,
 * signal dispositions), MAP_SHARED memory is shared, wait4 sees it end, and running
 * out of memory for children is an error, never a stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Memory of each kind the program can write: after a fork each process sees only its
 * own writes, whoever writes first. */
static int data_global = 11;
static int bss_global;

struct kinds {
	volatile int *data, *bss, *brk, *map, *stack;
};

static void
kinds_set(const struct kinds *k, int base)
{
	*k->data = base + 1;
	*k->bss = base + 2;
	*k->brk = base + 3;
	*k->map = base + 4;
	*k->stack = base + 5;
}

static int
kinds_are(const struct kinds *k, int base)
{
	return *k->data == base + 1 && *k->bss == base + 2 && *k->brk == base + 3 &&
	       *k->map == base + 4 && *k->stack == base + 5;
}

static void
private_writes(void)
{
	volatile int on_stack = 0;
	/* brk itself: musl's sbrk refuses to move it. Nothing here has malloc'ed yet,
	 * whose own brk pages would overlap. */
	long cur = syscall(SYS_brk, 0);
	int *brk_page = syscall(SYS_brk, cur + 4096) == cur + 4096 ? (int *)cur : (void *)-1;
	int *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kinds k = { &data_global, &bss_global, brk_page, map, &on_stack };
	int a[2], b[2], st, before = 0, after = 0;
	char c = 0;
	pid_t pid;

	if (brk_page == (void *)-1 || map == MAP_FAILED || pipe(a) || pipe(b)) {
		check(0, "linux/fork-private-writes", "brk, mmap or pipe: errno %d", errno);
		return;
	}
	kinds_set(&k, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The child writes first, then looks again after the parent wrote. */
		kinds_set(&k, 100);
		write(a[1], "w", 1);
		read(b[0], &c, 1);
		_exit(kinds_are(&k, 100) ? 0 : 1);
	}
	if (pid > 0 && read(a[0], &c, 1) == 1)
		before = kinds_are(&k, 0);
	kinds_set(&k, 200);
	write(b[1], "w", 1);
	st = pid > 0 ? status_of(pid) : -1;
	after = kinds_are(&k, 200);
	check(pid > 0 && before && after && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "linux/fork-private-writes", "parent saw its own before %d after %d, child status %x",
	      before, after, st);
	/* And the other order: the parent writes first. */
	kinds_set(&k, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		read(b[0], &c, 1);
		if (!kinds_are(&k, 0))
			_exit(2);
		kinds_set(&k, 300);
		_exit(kinds_are(&k, 300) ? 0 : 1);
	}
	kinds_set(&k, 400);
	write(b[1], "w", 1);
	st = pid > 0 ? status_of(pid) : -1;
	check(pid > 0 && kinds_are(&k, 400) && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "linux/fork-parent-writes-first", "child status %x", st);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	munmap(map, 4096);
}

/* A child that rewrites every page of a large region and more of its own: the
 * parent's bytes stay. */
#define LOTS (1u << 20)

static void
child_writes_lots(void)
{
	uint32_t *big = mmap(NULL, LOTS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = 1, st;
	pid_t pid;

	if (big == MAP_FAILED) {
		check(0, "linux/fork-child-writes-lots", "mmap: errno %d", errno);
		return;
	}
	for (uint32_t i = 0; i < LOTS / 4; i++)
		big[i] = i;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint32_t *more = malloc(2 * LOTS);

		if (!more)
			_exit(2);
		for (uint32_t i = 0; i < LOTS / 4; i++)
			big[i] = ~i;
		for (uint32_t i = 0; i < LOTS / 2; i++)
			more[i] = i * 3;
		for (uint32_t i = 0; i < LOTS / 4; i++)
			if (big[i] != ~i || more[i] != i * 3)
				_exit(1);
		_exit(0);
	}
	st = pid > 0 ? status_of(pid) : -1;
	for (uint32_t i = 0; i < LOTS / 4; i++)
		ok &= big[i] == i;
	check(pid > 0 && ok && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "linux/fork-child-writes-lots", "parent's bytes kept %d, child status %x", ok, st);
	munmap(big, LOTS);
}

/* A fork from a forked child: each generation sees what its parent had at its fork
 * and keeps its own. */
static void
chain(void)
{
	volatile int gen = 1;
	pid_t pid;
	int st;

	data_global = 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pid_t grandchild;
		int gst = -1;

		if (gen != 1 || data_global != 1)
			_exit(1);
		gen = 2;
		data_global = 2;
		grandchild = fork();
		if (grandchild == 0) {
			if (gen != 2 || data_global != 2)
				_exit(1);
			gen = 3;
			data_global = 3;
			_exit(gen == 3 && data_global == 3 ? 33 : 1);
		}
		gst = grandchild > 0 ? status_of(grandchild) : -1;
		_exit(WIFEXITED(gst) && WEXITSTATUS(gst) == 33 && gen == 2 && data_global == 2
		      ? 22 : 1);
	}
	st = pid > 0 ? status_of(pid) : -1;
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 22 && gen == 1 && data_global == 1,
	      "linux/fork-chain-of-three", "status %x gen %d global %d", st, gen, data_global);
}

/* A child that wrote its memory, then runs another program (this one, told to end
 * with a status). */
static void
then_exec(const char *self)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *av[] = { (char *)self, "--exit", "7", NULL };

		data_global = 99;
		execv(self, av);
		_exit(126);
	}
	st = pid > 0 ? status_of(pid) : -1;
	check(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7 && data_global != 99,
	      "linux/fork-then-exec", "status %x", st);
}

/* A child whose parent has ended before it writes anything: its memory is its own. */
static void
parent_gone(void)
{
	int go[2], res[2], st;
	pid_t mid;
	char c = 0;

	if (pipe(go) || pipe(res)) {
		check(0, "linux/fork-parent-ended-first", "pipe: errno %d", errno);
		return;
	}
	data_global = 5;
	fflush(stdout);
	mid = fork();
	if (mid == 0) {
		int *heap = malloc(64 * 1024);
		volatile int local = 6;
		pid_t pid;

		if (!heap)
			_exit(1);
		for (int i = 0; i < 16 * 1024; i++)
			heap[i] = i;
		data_global = 7;
		pid = fork();
		if (pid == 0) {
			int ok;

			read(go[0], &c, 1);	/* its parent has been waited for by now */
			ok = data_global == 7 && local == 6;
			for (int i = 0; i < 16 * 1024; i++)
				ok &= heap[i] == i;
			data_global = 8;
			local = 9;
			for (int i = 0; i < 16 * 1024; i++)
				heap[i] = -i;
			for (int i = 0; i < 16 * 1024; i++)
				ok &= heap[i] == -i;
			ok &= data_global == 8 && local == 9;
			write(res[1], ok ? "y" : "n", 1);
			_exit(0);
		}
		_exit(pid > 0 ? 0 : 1);
	}
	close(res[1]);
	st = mid > 0 ? status_of(mid) : -1;
	write(go[1], "g", 1);
	if (read(res[0], &c, 1) != 1)
		c = 0;
	check(mid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && c == 'y' && data_global == 5,
	      "linux/fork-parent-ended-first", "status %x grandchild said %c", st, c ? c : '-');
	close(go[0]);
	close(go[1]);
	close(res[0]);
}

/* A fork from a handler on an alternate stack: the parent's stack pointer is outside
 * its stack, so all of the stack goes to the child (which runs elsewhere meanwhile). */
static volatile pid_t alt_pid;

static void
fork_in_handler(int sig)
{
	volatile int here = 77;
	pid_t pid;

	(void)sig;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(here == 77 && data_global == 12345 ? 0 : 1);
	alt_pid = pid;
}

static void
from_alt_stack(void)
{
	stack_t ss = { .ss_sp = malloc(64 * 1024), .ss_size = 64 * 1024 };
	struct sigaction sa = { .sa_handler = fork_in_handler, .sa_flags = SA_ONSTACK };
	int st;

	if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) {
		check(0, "linux/fork-on-alt-stack", "sigaltstack or sigaction: errno %d", errno);
		return;
	}
	data_global = 12345;
	alt_pid = -1;
	raise(SIGUSR1);
	st = alt_pid > 0 ? status_of(alt_pid) : -1;
	check(alt_pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "linux/fork-on-alt-stack",
	      "pid %d status %x", alt_pid, st);
	signal(SIGUSR1, SIG_DFL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
}

int
main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--exit") == 0)
		return atoi(argv[2]);
	basics();
	registers();
	clone_fork();
	fds_and_state();
	shared();
	private_writes();
	child_writes_lots();
	chain();
	then_exec(argv[0]);
	parent_gone();
	from_alt_stack();
	exhausted();
	return failures ? 1 : 0;
}
