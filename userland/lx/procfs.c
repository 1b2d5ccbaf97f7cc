/*
 * A small /proc, served here: what common programs read of it. Files are made when
 * opened and handed over as the read end of a pipe holding them (so they read to an end
 * and cannot seek, as many of Linux's cannot either); links are answered by readlink.
 *
 *   /proc/self (and /proc/<our pid>)  exe, cwd, fd/N links; stat, status (a few lines)
 *   /proc/meminfo cpuinfo uptime mounts version
 *
 * A link is never a way around a capability. Opening /proc/self/fd/N gives a new fd on
 * N's own file, weakened to the access asked (never more than N's: writ_fd_weaken), and
 * a path through it, /proc/self/fd/N/rest, is opened relative to N by N's server.
 * /proc/self/cwd/rest is the relative path rest, through the process's own file: policy
 * as any relative path. Nothing here opens by a path that a link names.
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>

#include <errno.h>

#include "lx.h"

#define O_ACCMODE 03
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000

static char exe_path[256] = "/";

void
lx_proc_init(char **argv)
{
	const struct writ_startinfo *si = writ_startinfo();
	const char *p = si && si->name[0] == '/' ? si->name : argv && argv[0] ? argv[0] : "";

	if (p[0] == '/' && strlen(p) < sizeof(exe_path))
		memcpy(exe_path, p, strlen(p) + 1);
}

/* The path after "/proc/self/" (or "/proc/<our pid>/") in abs, or NULL. */
static const char *
self_rest(const char *abs)
{
	char pid[16];
	int n;

	if (strncmp(abs, "/proc/self", 10) == 0 && (abs[10] == '/' || abs[10] == 0))
		return abs[10] ? abs + 11 : abs + 10;
	n = writ_snprintf(pid, sizeof(pid), "/proc/%u", lx_pid);
	if (n > 0 && strncmp(abs, pid, (size_t)n) == 0 && (abs[n] == '/' || abs[n] == 0))
		return abs[n] ? abs + n + 1 : abs + n;
	return NULL;
}

/* "fd/N[/rest]": N, and *rest at "rest" or "" -> N, or -1 when it is not that form. */
static int
fd_link(const char *r, const char **rest)
{
	int fd = 0;

	if (strncmp(r, "fd/", 3) != 0 || r[3] < '0' || r[3] > '9')
		return -1;
	for (r += 3; *r >= '0' && *r <= '9'; r++)
		if ((fd = fd * 10 + (*r - '0')) >= WRIT_FD_MAX)
			return -1;
	if (*r && *r != '/')
		return -1;
	*rest = *r ? r + 1 : r;
	return fd;
}

/* ---- the files ---- */

static int
put(char *b, size_t n, size_t at, const char *fmt, uint64_t x, uint64_t y)
{
	int k = at < n ? writ_snprintf(b + at, n - at, fmt, x, y) : 0;

	return k > 0 ? k : 0;
}

static size_t
meminfo(char *b, size_t n)
{
	size_t at = 0;

	/* The same figures as sysinfo: what the process may count on, not the machine. */
	at += (size_t)put(b, n, at, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n", 262144, 131072);
	at += (size_t)put(b, n, at, "MemAvailable:   %8lu kB\nBuffers:        %8lu kB\n", 131072, 0);
	at += (size_t)put(b, n, at, "Cached:         %8lu kB\nSwapTotal:      %8lu kB\n", 0, 0);
	at += (size_t)put(b, n, at, "SwapFree:       %8lu kB\n", 0, 0);
	return at;
}

static void
cpu_brand(char out[49])
{
	uint32_t r[12];

	memset(r, 0, sizeof(r));
	for (uint32_t i = 0; i < 3; i++)
		__asm__ volatile("cpuid" : "=a"(r[i * 4]), "=b"(r[i * 4 + 1]), "=c"(r[i * 4 + 2]),
				 "=d"(r[i * 4 + 3]) : "a"(0x80000002u + i), "c"(0));
	memcpy(out, r, 48);
	out[48] = 0;
}

static size_t
cpuinfo(char *b, size_t n)
{
	uint32_t v[4], f[4];
	char vendor[13], brand[49];
	size_t at = 0;
	int k;

	__asm__ volatile("cpuid" : "=a"(v[0]), "=b"(v[1]), "=c"(v[2]), "=d"(v[3]) : "a"(0), "c"(0));
	__asm__ volatile("cpuid" : "=a"(f[0]), "=b"(f[1]), "=c"(f[2]), "=d"(f[3]) : "a"(1), "c"(0));
	memcpy(vendor, &v[1], 4);
	memcpy(vendor + 4, &v[3], 4);
	memcpy(vendor + 8, &v[2], 4);
	vendor[12] = 0;
	cpu_brand(brand);
	/* One CPU: the personality runs every thread of the program on one. */
	k = writ_snprintf(b, n, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			  "model name\t: %s\nstepping\t: %u\ncpu cores\t: 1\n"
			  "flags\t\t: fpu tsc%s%s%s\n\n",
			  vendor, (f[0] >> 8) & 0xf, ((f[0] >> 4) & 0xf) | ((f[0] >> 12) & 0xf0),
			  brand, f[0] & 0xf, (f[3] & (1u << 25)) ? " sse" : "",
			  (f[3] & (1u << 26)) ? " sse2" : "", (f[2] & 1) ? " pni" : "");
	if (k > 0)
		at = (size_t)k < n ? (size_t)k : n - 1;
	return at;
}

static size_t
uptime(char *b, size_t n)
{
	uint64_t cs = (uint64_t)lx_monotonic_ns() / 10000000;

	return (size_t)put(b, n, 0, "%lu.%02lu 0.00\n", cs / 100, cs % 100);
}

static size_t
text(char *b, size_t n, const char *s)
{
	size_t k = strlen(s) < n ? strlen(s) : n;

	memcpy(b, s, k);
	return k;
}

/* The contents of the /proc file at abs into b -> its length, or -ENOENT. */
static long
contents(const char *abs, char *b, size_t n)
{
	const char *r = self_rest(abs);

	if (r && strcmp(r, "stat") == 0)
		return put(b, n, 0, "%lu (prog) R 1 %lu 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n",
			   lx_pid, lx_pid);
	if (r && strcmp(r, "status") == 0) {
		size_t at = (size_t)put(b, n, 0, "State:\tR (running)\nPid:\t%lu\nPPid:\t%lu\n", lx_pid, 1);

		return (long)(at + (size_t)put(b, n, at, "Uid:\t%lu\t0\t0\t0\nGid:\t%lu\t0\t0\t0\n", 0, 0));
	}
	if (r)
		return -ENOENT;
	if (strcmp(abs, "/proc/meminfo") == 0)
		return (long)meminfo(b, n);
	if (strcmp(abs, "/proc/cpuinfo") == 0)
		return (long)cpuinfo(b, n);
	if (strcmp(abs, "/proc/uptime") == 0)
		return (long)uptime(b, n);
	if (strcmp(abs, "/proc/mounts") == 0 || strcmp(abs, "/proc/self/mounts") == 0)
		return (long)text(b, n, "file / writ rw 0 0\n");
	if (strcmp(abs, "/proc/version") == 0)
		return (long)text(b, n, "Writ version 0 (the Linux personality)\n");
	return -ENOENT;
}

/* ---- the calls ---- */

/* Whether access mode want (O_RDONLY, O_WRONLY, O_RDWR) is within have. */
static bool
access_within(unsigned have, unsigned want)
{
	return have == want || have == 2;
}

/* Writ's name of a device file as Linux names it, or NULL. */
static const char *
linux_name(const char *p)
{
	static const char *const names[][2] = {
		{ "null", "/dev/null" }, { "zero", "/dev/zero" }, { "rand", "/dev/urandom" },
		{ "console", "/dev/tty" },
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t k = strlen(names[i][0]);

		if (strncmp(p, names[i][0], k) == 0 && (p[k] == 0 || (p[k] == ':' && !p[k + 1])))
			return names[i][1];
	}
	return NULL;
}

long
lx_proc_readlink(const char *abs, char *out, size_t n)
{
	const char *r = self_rest(abs), *rest;
	char p[1024];
	long k;
	int fd;

	if (!r)
		return strcmp(abs, "/proc/self") == 0 ? -EINVAL : -ENOENT;
	if (strcmp(r, "exe") == 0)
		return (long)text(out, n, exe_path);
	if (strcmp(r, "cwd") == 0)
		return lx_getcwd_str(out, n);
	if ((fd = fd_link(r, &rest)) < 0 || *rest)
		return -ENOENT;
	if (!writ_fd_cap(fd))
		return -ENOENT;
	if ((k = writ_fpath(fd, p, sizeof(p) - 1)) < 0)
		return k;
	p[k] = 0;
	/* A file's path as Linux names it, and a device's; any other as Writ does
	 * ("pipe:[3]"). */
	if (linux_name(p))
		return (long)text(out, n, linux_name(p));
	return (long)text(out, n, strncmp(p, "file:", 5) == 0 ? p + 5 : p);
}

/*
 * open of the /proc path abs -> an fd, or -errno. Links are followed to what is behind
 * them, never by their path (see the top).
 */
long
lx_proc_open(const char *abs, unsigned flags)
{
	const char *r = self_rest(abs), *rest;
	char b[4096];
	int fd, p[2];
	long n;

	if (r && (fd = fd_link(r, &rest)) >= 0) {
		if (!writ_fd_cap(fd))
			return -ENOENT;
		if (*rest)
			return writ_openat(fd, rest, (int)flags, 0);
		n = writ_fd_weaken(fd, (int)(flags & O_ACCMODE));
		if (n != -ENOSYS && n != -EINVAL)
			return n == -EPERM ? -EACCES : n;
		/* A server without weakened fds (null:, zero:...): a dup, when it is no more
		 * than the fd's own access. */
		if (!access_within((unsigned)lx_fd_accmode(fd), flags & O_ACCMODE))
			return -EACCES;
		return writ_dup(fd);
	}
	if ((n = contents(abs, b, sizeof(b))) < 0)
		return n;
	if ((flags & O_ACCMODE) != 0)
		return -EACCES;
	if (writ_pipe(p) < 0)
		return -ENOMEM;
	writ_write(p[1], b, (size_t)n);
	writ_close(p[1]);
	return p[0];
}

/* stat of a /proc path: -> 0 with *st, or -errno. exe and cwd never get here
 * (lx_proc_path made them their targets' paths). */
long
lx_proc_stat(const char *abs, struct scheme_stat *st, bool nofollow)
{
	const char *r = self_rest(abs), *rest = "";
	char b[4096];
	int fd = r ? fd_link(r, &rest) : -1;

	memset(st, 0, sizeof(*st));
	st->nlink = 1;
	if (strcmp(abs, "/proc") == 0 || (r && (!r[0] || strcmp(r, "fd") == 0))) {
		st->mode = S_IFDIR | 0555;
		return 0;
	}
	if (fd >= 0) {
		if (!writ_fd_cap(fd) || *rest)
			return -ENOENT;
		if (nofollow) {
			st->mode = S_IFLNK | 0777;
			return 0;
		}
		return writ_fstat(fd, st);
	}
	if (contents(abs, b, sizeof(b)) < 0)
		return -ENOENT;
	st->mode = S_IFREG | 0444;
	return 0;
}

/*
 * Whether the absolute, normalized path abs (room for n bytes) is one served here. The
 * links that name a path the program could name itself are made that path instead:
 * /proc/self/exe the program's, /proc/self/cwd[/rest] the working directory's (through
 * file: as any path), unless follow is false and the link itself is meant.
 */
bool
lx_proc_path(char *abs, size_t n, bool follow)
{
	const char *r;
	char t[1024];
	long k;

	if (strncmp(abs, "/proc", 5) != 0 || (abs[5] && abs[5] != '/'))
		return false;
	r = self_rest(abs);
	if (r && strcmp(r, "exe") == 0 && follow) {
		if (strlen(exe_path) < n)
			memcpy(abs, exe_path, strlen(exe_path) + 1);
		return false;
	}
	if (r && strncmp(r, "cwd", 3) == 0 && (r[3] == '/' || (r[3] == 0 && follow))) {
		if ((k = lx_getcwd_str(t, sizeof(t) - 1)) < 0)
			return true;
		t[k] = 0;
		if ((size_t)k + strlen(r + 3) + 2 > n)
			return true;
		memmove(abs + k, r + 3, strlen(r + 3) + 1);
		memcpy(abs, t, (size_t)k);
		return false;
	}
	return true;
}
