/*
 * cmdbench: how many TSC ticks (instructions under QEMU's -icount shift=0) a command
 * takes, from before its spawn to after its wait, as an ordinary static musl program so
 * that Writ's Linux personality and Linux itself run the same binary.
 *
 *   cmdbench NAME REPS -- PROG ARGS...   runs PROG REPS times (stdout and stderr to
 *                                        /dev/null) and prints `bench NAME MEDIAN
 *                                        instructions`
 *   cmdbench --mkfiles DIR N             makes DIR holding N empty files
 *   cmdbench --suite DIR                 the shell figures of issue 23, files in DIR
 *
 * As Linux's /init (pid 1, tests/tools/linux-shell-bench.sh) it mounts what the commands
 * need, runs the suite in /tmp/ls1000 and leaves QEMU through isa-debug-exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REPS 32

extern char **environ;

static unsigned long
tsc(void)
{
	unsigned lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long)hi << 32 | lo;
}

static int
cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * One run of argv, output dropped: its ticks, or 0 when it could not run or failed. The
 * output goes to /dev/null through our own stdout and stderr, switched around the run
 * rather than by posix_spawn's file actions: with those, Writ's personality ends every
 * child with status 127 (even /bench/bin/lx-tiny), which is a bug of its own.
 */
static unsigned long
run_once(char *const *argv)
{
	unsigned long t0, t1;
	int null, out, err, st, e;
	pid_t pid;

	fflush(stdout);
	null = open("/dev/null", O_WRONLY);
	out = dup(1);
	err = dup(2);
	if (null < 0 || out < 0 || err < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) {
		printf("# cmdbench: /dev/null: %s\n", strerror(errno));
		return 0;
	}
	t0 = tsc();
	e = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (e == 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	t1 = tsc();
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	if (e != 0) {
		printf("# cmdbench: spawn %s: %s\n", argv[0], strerror(e));
		return 0;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("# cmdbench: %s ended with status %#x\n", argv[0], st);
		return 0;
	}
	return t1 - t0;
}

/* REPS runs of argv; prints the median. -> 0, or 1 when a run failed. */
static int
bench(const char *name, int reps, char *const *argv)
{
	unsigned long t[MAX_REPS];
	int i;

	if (reps < 1 || reps > MAX_REPS) {
		printf("# cmdbench: %s: reps must be 1..%d\n", name, MAX_REPS);
		return 1;
	}
	for (i = 0; i < reps; i++) {
		t[i] = run_once(argv);
		if (t[i] == 0) {
			printf("# cmdbench: %s failed\n", name);
			fflush(stdout);
			return 1;
		}
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_ul);
	printf("bench %s %lu instructions\n", name, t[reps / 2]);
	fflush(stdout);
	return 0;
}

static int
mkfiles(const char *dir, long n)
{
	char path[4096];
	long i;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		printf("# cmdbench: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%04ld", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			printf("# cmdbench: create %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

/* Issue 23's two shell figures; the first run of each is a warm-up, not counted. */
static int
suite(const char *dir)
{
	char *ls[] = { "/bin/ls", "-l", (char *)dir, NULL };
	char *sh[] = { "/bin/sh", "-c", "for i in $(seq 100); do /bin/true; done", NULL };
	int fails = 0;

	if (mkfiles(dir, 1000) != 0)
		return 1;
	run_once(ls);
	fails += bench("shell/ls-l-1000", 3, ls);
	run_once(sh);
	fails += bench("shell/for-true-100", 3, sh);
	return fails;
}

/* Linux's /init: the file systems the commands use, the suite, then out of QEMU. */
static int
linux_init(void)
{
	int fails;

	printf("# init: first line\n");
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") != 0)
		printf("# cmdbench: mount /tmp: %s\n", strerror(errno));
	fails = suite("/tmp/ls1000");
	printf("# done: %d failed\n", fails);
	fflush(stdout);
	/* isa-debug-exit: QEMU exits with status (value << 1) | 1 */
	if (ioperm(0xf4, 4, 1) == 0)
		outb(fails ? 1 : 0, 0xf4);
	reboot(RB_POWER_OFF);
	return fails != 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getpid() == 1)
		return linux_init();
	if (argc == 4 && strcmp(argv[1], "--mkfiles") == 0)
		return mkfiles(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "--suite") == 0)
		return suite(argv[2]);
	if (argc >= 5 && strcmp(argv[3], "--") == 0)
		return bench(argv[1], atoi(argv[2]), argv + 4);
	fprintf(stderr, "usage: cmdbench NAME REPS -- PROG ARGS... | --mkfiles DIR N | --suite DIR\n");
	return 2;
}
