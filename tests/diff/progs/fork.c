/* fork, vfork, posix_spawn, execve and wait4: what the child gets and what the parent
 * sees. Prints only what is the same on every run (no pids). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int global = 1;
static char bss[8192];

static int
wait_status(pid_t pid)
{
	int st = -1;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void
memory(void)
{
	char stack[64] = "stack";
	char *heap = malloc(100000);
	char *small = malloc(32);
	char *map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	strcpy(heap, "heap");
	strcpy(small, "small");
	strcpy(map + 4096, "map");
	strcpy(bss + 5000, "bss");
	global = 2;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		printf("child sees: %d %s %s %s %s %s\n", global, stack, heap, small, map + 4096,
		       bss + 5000);
		global = 3;
		strcpy(heap, "HEAP");
		strcpy(map + 4096, "MAP");
		fflush(stdout);
		_exit(7);
	}
	st = wait_status(pid);
	printf("child exited: %d %d\n", WIFEXITED(st), WEXITSTATUS(st));
	printf("parent still: %d %s %s\n", global, heap, map + 4096);
	free(heap);
	free(small);
	munmap(map, 3 * 4096);
}

static void
pipes(void)
{
	int p[2];
	char buf[64] = { 0 };
	pid_t pid;

	if (pipe(p) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		write(p[1], "through the pipe", 16);
		_exit(0);
	}
	close(p[1]);
	read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	wait_status(pid);
	printf("parent read: %s\n", buf);
}

static void
offsets(void)
{
	int fd = open("/tmp/writ-diff-fork/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[32] = { 0 };
	pid_t pid;

	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return;
	}
	write(fd, "parent1 ", 8);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		write(fd, "child ", 6);
		_exit(0);
	}
	wait_status(pid);
	write(fd, "parent2", 7);
	printf("offset now: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	pread(fd, buf, sizeof(buf) - 1, 0);
	printf("file: %s\n", buf);
	close(fd);
	unlink("/tmp/writ-diff-fork/f");
}

static void
inherited(void)
{
	pid_t me = getpid(), pid;
	int st;

	fflush(stdout);
	signal(SIGUSR1, SIG_IGN);
	chdir("/tmp/writ-diff-fork");
	pid = fork();
	if (pid == 0) {
		char cwd[256];
		struct sigaction sa;

		sigaction(SIGUSR1, NULL, &sa);
		getcwd(cwd, sizeof(cwd));
		printf("child: ppid ok %d, pid differs %d, cwd %s, SIGUSR1 ignored %d\n",
		       getppid() == me, getpid() != me, cwd, sa.sa_handler == SIG_IGN);
		fflush(stdout);
		_exit(0);
	}
	st = wait_status(pid);
	printf("wait4 status %d\n", st);
	signal(SIGUSR1, SIG_DFL);
	chdir("/");
}

static void
exits(void)
{
	pid_t a, b;
	int st, r;

	fflush(stdout);
	a = fork();
	if (a == 0)
		_exit(1);
	b = fork();
	if (b == 0)
		exit(2);
	st = wait_status(b);
	printf("second: %d\n", WEXITSTATUS(st));
	st = wait_status(a);
	printf("first: %d\n", WEXITSTATUS(st));
	r = wait(&st);
	printf("no more: %d %s\n", r, strerror(errno));
}

static void
execs(const char *self)
{
	pid_t pid;
	int st, fd;
	char *argv[] = { (char *)self, "child", NULL };

	fd = open("/tmp/writ-diff-fork/x", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && fd != 9) {
		dup2(fd, 9);
		close(fd);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve(self, argv, environ);
		_exit(99);
	}
	st = wait_status(pid);
	printf("fork+exec: %d\n", WEXITSTATUS(st));
	pid = vfork();
	if (pid == 0) {
		execve(self, argv, environ);
		_exit(99);
	}
	st = wait_status(pid);
	printf("vfork+exec: %d\n", WEXITSTATUS(st));
	if (posix_spawn(&pid, self, NULL, NULL, argv, environ) == 0) {
		st = wait_status(pid);
		printf("posix_spawn: %d\n", WEXITSTATUS(st));
	}
	close(9);
	{
		char buf[64] = { 0 };

		fd = open("/tmp/writ-diff-fork/x", O_RDONLY);
		read(fd, buf, sizeof(buf) - 1);
		close(fd);
		printf("fd 9 got: %s\n", buf);
	}
	unlink("/tmp/writ-diff-fork/x");
}

static void
shared(void)
{
	int *sh = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	sh[0] = 1;
	sh[1024] = 10;
	priv[0] = 100;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		while (__atomic_load_n(&sh[1], __ATOMIC_ACQUIRE) != 1)
			sched_yield();
		sh[0] = 2;
		sh[1024] += 1;
		priv[0] = 200;
		_exit(0);
	}
	__atomic_store_n(&sh[1], 1, __ATOMIC_RELEASE);
	wait_status(pid);
	printf("MAP_SHARED: %d %d, MAP_PRIVATE: %d\n", sh[0], sh[1024], priv[0]);
	munmap(sh, 8192);
	munmap(priv, 4096);
}

static void
sockets(void)
{
	int sv[2];
	char buf[16] = { 0 };
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;

		close(sv[0]);
		while (read(sv[1], &c, 1) == 1)
			write(sv[1], &c, 1);
		_exit(0);
	}
	close(sv[1]);
	write(sv[0], "e", 1);
	read(sv[0], buf, 1);
	write(sv[0], "f", 1);
	read(sv[0], buf + 1, 1);
	close(sv[0]);
	printf("socketpair echo: %s, child %d\n", buf, WEXITSTATUS(wait_status(pid)));
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		/* exec'd: fd 9 (no O_CLOEXEC) came along */
		write(9, "x", 1);
		return 5;
	}
	static char self[512];

	if (argv[0][0] != '/' && getcwd(self, 256)) {
		strcat(self, "/");
		strncat(self, argv[0], 250);
	} else {
		strncpy(self, argv[0], sizeof(self) - 1);
	}
	mkdir("/tmp", 0755);
	mkdir("/tmp/writ-diff-fork", 0755);
	memory();
	pipes();
	offsets();
	inherited();
	exits();
	shared();
	sockets();
	execs(self);
	printf("done\n");
	rmdir("/tmp/writ-diff-fork");
	return 0;
}
