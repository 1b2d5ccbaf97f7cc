/* /dev and /proc as programs read them: the devices' schemes, the personality's /proc,
 * and its links, which reach no more than the fd or the policy behind them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

/* The whole of a small file, NUL-terminated: -> its length, or -1. */
static long
slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	long total = 0, k;

	if (fd < 0)
		return -1;
	while ((size_t)total < n - 1 && (k = read(fd, buf + total, n - 1 - (size_t)total)) > 0)
		total += k;
	buf[total] = 0;
	close(fd);
	return total;
}

static long
link_of(const char *path, char *buf, size_t n)
{
	long k = readlink(path, buf, n - 1);

	buf[k > 0 ? k : 0] = 0;
	return k;
}

int
main(int argc, char **argv)
{
	char buf[4096], want[64];
	struct stat st;
	int fd, p[2];
	(void)argc;

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, 8);
	check(fd >= 0 && read(fd, buf, 8) == 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0,
	      "linux/procfs-dev-zero", "fd %d", fd);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0, "linux/procfs-dev-null",
	      "fd %d", fd);
	close(fd);
	check(slurp("/dev/urandom", buf, 17) == 16, "linux/procfs-dev-urandom", "errno %d", errno);

	check(link_of("/proc/self/exe", buf, sizeof(buf)) > 0 && strcmp(buf, argv[0]) == 0,
	      "linux/procfs-self-exe", "'%s' for '%s'", buf, argv[0]);
	check(chdir("/test") == 0 && link_of("/proc/self/cwd", buf, sizeof(buf)) == 5 &&
	      strcmp(buf, "/test") == 0 && stat("/proc/self/cwd/bin", &st) == 0 &&
	      S_ISDIR(st.st_mode), "linux/procfs-self-cwd", "'%s'", buf);
	fd = open("/test/bin", O_RDONLY | O_DIRECTORY);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	check(fd >= 0 && link_of(want, buf, sizeof(buf)) > 0 && strcmp(buf, "/test/bin") == 0,
	      "linux/procfs-fd-link", "'%s'", buf);
	close(fd);

	/* A read-only fd: its link opens for reading, never for writing. */
	fd = open(argv[0], O_RDONLY);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	{
		int r = open(want, O_RDONLY), w = open(want, O_RDWR);

		check(r >= 0 && read(r, buf, 4) == 4 && memcmp(buf, "\177ELF", 4) == 0 && w < 0,
		      "linux/procfs-fd-no-more-than-fd", "r %d w %d errno %d", r, w, errno);
		close(r);
	}
	close(fd);
	check(pipe(p) == 0 && write(p[1], "pi", 2) == 2, "linux/procfs-pipe", "errno %d", errno);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", p[0]);
	{
		int r = open(want, O_RDONLY);

		check(r >= 0 && read(r, buf, 2) == 2 && memcmp(buf, "pi", 2) == 0 &&
		      link_of(want, buf, sizeof(buf)) > 0 && strncmp(buf, "pipe:", 5) == 0,
		      "linux/procfs-fd-pipe", "r %d link '%s'", r, buf);
	}
	snprintf(want, sizeof(want), "/proc/self/fd/%d", 99);
	check(open(want, O_RDONLY) < 0 && errno == ENOENT, "linux/procfs-fd-closed", "errno %d",
	      errno);

	check(slurp("/proc/meminfo", buf, sizeof(buf)) > 0 && strncmp(buf, "MemTotal:", 9) == 0,
	      "linux/procfs-meminfo", "'%.40s'", buf);
	check(slurp("/proc/cpuinfo", buf, sizeof(buf)) > 0 && strstr(buf, "processor\t: 0") &&
	      sysconf(_SC_NPROCESSORS_ONLN) >= 1, "linux/procfs-cpuinfo", "'%.40s'", buf);
	{
		double up = -1;

		check(slurp("/proc/uptime", buf, sizeof(buf)) > 0 && sscanf(buf, "%lf", &up) == 1 &&
		      up > 0, "linux/procfs-uptime", "'%s'", buf);
	}
	check(slurp("/proc/mounts", buf, sizeof(buf)) > 0 && strstr(buf, " / "),
	      "linux/procfs-mounts", "'%s'", buf);
	check(open("/proc/meminfo", O_WRONLY) < 0 && open("/proc/nothing", O_RDONLY) < 0 &&
	      errno == ENOENT && stat("/proc/self/fd", &st) == 0 && S_ISDIR(st.st_mode),
	      "linux/procfs-misc", "errno %d", errno);

	/* Other processes, from init's list; pids that are not there. */
	snprintf(want, sizeof(want), "/proc/%d/stat", getpid());
	{
		char head[32];
		int n = snprintf(head, sizeof(head), "%d (", getpid());

		check(slurp(want, buf, sizeof(buf)) > 0 && strncmp(buf, head, (size_t)n) == 0 &&
		      strstr(buf, ") R "), "linux/procfs-pid-stat", "'%.60s'", buf);
	}
	snprintf(want, sizeof(want), "/proc/%d/status", getppid());
	check(slurp(want, buf, sizeof(buf)) > 0 && strstr(buf, "\nPid:\t"), "linux/procfs-parent-status",
	      "'%.60s' (%s)", buf, want);
	{
		static const char *const bad[] = {
			"/proc/999999/stat", "/proc/4294967297/stat", "/proc/12abc/stat",
			"/proc/0/stat", "/proc/1/nothing",
		};
		int ok = 1;

		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (open(bad[i], O_RDONLY) >= 0 || errno != ENOENT || stat(bad[i], &st) == 0)
				ok = 0, fprintf(stderr, "# %s: errno %d\n", bad[i], errno);
		check(ok, "linux/procfs-no-such-pid", "see above");
	}
	{
		DIR *d = opendir("/proc");
		struct dirent *e;
		int self = 0, mine = 0, n = 0;

		while (d && (e = readdir(d))) {
			n++;
			self |= strcmp(e->d_name, "self") == 0;
			mine |= atoi(e->d_name) == getpid();
		}
		check(d && self && mine && n > 10, "linux/procfs-list", "%d entries, self %d, ours %d",
		      n, self, mine);
		if (d)
			closedir(d);
	}
	fd = open("/proc", O_RDONLY | O_DIRECTORY);
	check(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && close(fd) == 0 &&
	      open("/proc", O_WRONLY) < 0 && errno == EISDIR, "linux/procfs-dir-fd", "errno %d", errno);

	/* syslog(2), what dmesg reads: log:'s kept lines. */
	{
		long size = syscall(SYS_syslog, 10, 0, 0), k = syscall(SYS_syslog, 3, buf, 64);

		check(size > 0 && k >= 0 && k <= 64, "linux/procfs-syslog-read", "size %ld read %ld errno %d",
		      size, k, errno);
		/* The kernel's lines come first, the banner among them. */
		static char all[64 * 1024];
		long n = syscall(SYS_syslog, 3, all, (long)sizeof(all) - 1);
		all[n > 0 ? n : 0] = 0;
		check(n > 0 && strncmp(all, "[kernel] ", 9) == 0 &&
		      strstr(all, "[kernel] Writ ") != NULL && strstr(all, "capability microkernel"),
		      "linux/procfs-syslog-kernel-lines", "read %ld: %.60s", n, all);
		check(syscall(SYS_syslog, 99, buf, 1) < 0 && errno == EINVAL &&
		      syscall(SYS_syslog, 3, buf, -1) < 0 && errno == EINVAL &&
		      syscall(SYS_syslog, 3, (char *)8, 64) < 0 && errno == EFAULT &&
		      syscall(SYS_syslog, 5, 0, 0) < 0 && errno == EPERM &&
		      syscall(SYS_syslog, 3, buf, 0) == 0, "linux/procfs-syslog-bad", "errno %d", errno);
	}
	return failures != 0;
}
