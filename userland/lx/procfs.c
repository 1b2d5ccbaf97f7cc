/*
 * A small /proc, served here: what common programs read of it. Files are made when
 * opened and handed over as the read end of a pipe holding them (so they read to an end
 * and cannot seek, as many of Linux's cannot either); links are answered by readlink.
 *
 *   /proc/self (and /proc/<our pid>)  exe, cwd, fd/N links, and as any pid's:
 *   /proc/<pid>    stat, status, cmdline, comm: from init's process list
 *                  (WRIT_PROC_LIST), for every process init lets us see
 *   /proc/meminfo cpuinfo uptime loadavg stat mounts version
 *
 * The folders (/proc, /proc/<pid>, /proc/self/fd) are listed here too: opening one
 * gives an empty pipe's read end that getdents and fstat recognize (dir_of), and each
 * getdents lists again from init's list, from where the last one ended, so a process
 * that ends between two calls is simply not there (as on Linux).
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

/* "/proc/<pid>[/rest]" or "/proc/self[/rest]": the pid, and *rest at "rest" or "";
 * 0 when abs is not that form. */
static uint32_t
pid_rest(const char *abs, const char **rest)
{
	uint64_t pid = 0;
	const char *r;

	if (strncmp(abs, "/proc/", 6) != 0)
		return 0;
	if ((r = self_rest(abs))) {
		*rest = r;
		return lx_pid;
	}
	for (r = abs + 6; *r >= '0' && *r <= '9'; r++)
		if ((pid = pid * 10 + (uint64_t)(*r - '0')) > UINT32_MAX)
			return 0;
	if (r == abs + 6 || (*r && *r != '/'))
		return 0;
	*rest = *r ? r + 1 : r;
	return (uint32_t)pid;
}

/* The list entry of process pid, if init lets us see it. */
static bool
find_entry(uint32_t pid, struct writ_proc_entry *out)
{
	static struct writ_proc_entry e[WRIT_PROC_LIST_MAX];
	unsigned cursor = 0;
	long n;

	do {
		if ((n = writ_proc_list(&cursor, e, WRIT_PROC_LIST_MAX)) < 0)
			return false;
		for (long i = 0; i < n; i++)
			if (e[i].pid == pid) {
				*out = e[i];
				return true;
			}
	} while (cursor);
	return false;
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
	writ_word_t total = 0, free = 0, quotas = 0;
	size_t at = 0;

	/* The machine as init counts it: all it manages, what it has not handed out. What
	 * the processes' quotas hold is theirs, used or not: Linux's "used". */
	writ_proc_meminfo(&total, &free, &quotas);
	at += (size_t)put(b, n, at, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n",
			  total >> 10, free >> 10);
	at += (size_t)put(b, n, at, "MemAvailable:   %8lu kB\nBuffers:        %8lu kB\n", free >> 10, 0);
	at += (size_t)put(b, n, at, "Cached:         %8lu kB\nSwapCached:     %8lu kB\n", 0, 0);
	at += (size_t)put(b, n, at, "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\n", 0, 0);
	at += (size_t)put(b, n, at, "Shmem:          %8lu kB\nSReclaimable:   %8lu kB\n", 0, 0);
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

/* How many processes we may see, and the newest pid among them. */
static unsigned
count_procs(uint32_t *last)
{
	static struct writ_proc_entry e[WRIT_PROC_LIST_MAX];
	unsigned cursor = 0, count = 0;
	long k;

	*last = 0;
	do {
		if ((k = writ_proc_list(&cursor, e, WRIT_PROC_LIST_MAX)) < 0)
			break;
		for (long i = 0; i < k; i++, count++)
			*last = e[i].pid > *last ? e[i].pid : *last;
	} while (cursor);
	return count;
}

/* No run queue is counted yet: the loads are 0, the process count real. */
static size_t
loadavg(char *b, size_t n)
{
	uint32_t last;
	unsigned count = count_procs(&last);

	return (size_t)put(b, n, 0, "0.00 0.00 0.00 1/%lu %lu\n", count, last);
}

/* No CPU time is counted per process yet: the CPU was idle all along, which keeps
 * top's figures honest (0%) rather than invented. */
static size_t
cpu_stat(char *b, size_t n)
{
	uint64_t ticks = (uint64_t)lx_monotonic_ns() / 10000000;
	uint32_t last;
	unsigned count = count_procs(&last);
	size_t at = 0;

	at += (size_t)put(b, n, at, "cpu  0 0 0 %lu 0 0 0 0 0 0\ncpu0 0 0 0 %lu 0 0 0 0 0 0\n", ticks, ticks);
	at += (size_t)put(b, n, at, "intr 0\nctxt 0\nbtime %lu\nprocesses %lu\n",
			  (uint64_t)((lx_realtime_ns() - lx_monotonic_ns()) / 1000000000), last);
	at += (size_t)put(b, n, at, "procs_running 1\nprocs_blocked %lu\n", count ? count - 1 : 0, 0);
	return at;
}

/* The program's name as Linux's comm: the last part of the path it was started from
 * (init's name for it), not argv[0] ("-sh" for a login shell). */
static void
comm_of(const struct writ_proc_entry *e, char out[16])
{
	const char *s = e->name[0] ? e->name : e->cmdline, *slash = s;
	size_t k;

	for (const char *c = s; *c && c < s + WRIT_CAP_NAME; c++)
		if (*c == '/')
			slash = c + 1;
	if (strncmp(slash, "file:", 5) == 0)
		slash += 5;
	k = strnlen(slash, 15);
	memcpy(out, slash, k);
	out[k] = 0;
}

static uint64_t
start_ticks(const struct writ_proc_entry *e)
{
	return (uint64_t)lx_tsc_mono_ns(e->start_tsc) / 10000000;
}

/* One of /proc/<pid>'s files -> its length, or -ENOENT. */
static long
pid_file(uint32_t pid, const char *r, char *b, size_t n)
{
	struct writ_proc_entry e;
	char comm[16];
	size_t at;
	int k;

	if (strcmp(r, "stat") && strcmp(r, "status") && strcmp(r, "cmdline") && strcmp(r, "comm"))
		return -ENOENT;
	if (!find_entry(pid, &e))
		return -ENOENT;
	comm_of(&e, comm);
	if (strcmp(r, "cmdline") == 0) {
		at = e.cmdline_len < n ? e.cmdline_len : n;
		memcpy(b, e.cmdline, at);
		return (long)at;
	}
	if (strcmp(r, "comm") == 0)
		return writ_snprintf(b, n, "%s\n", comm);
	if (!e.pgid)
		e.pgid = e.pid;
	if (!e.sid)
		e.sid = e.pid;
	if (strcmp(r, "stat") == 0) {
		/* Linux's 52 fields; times and faults are not counted (0), vsize is the quota. */
		k = writ_snprintf(b, n, "%u (%s) %c %u %u %u 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %lu %lu 0 "
				  "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
				  e.pid, comm, e.state, e.ppid, e.pgid, e.sid, start_ticks(&e),
				  e.quota_bits < 48 ? 1ul << e.quota_bits : 0);
		return k > 0 ? k : 0;
	}
	k = writ_snprintf(b, n, "Name:\t%s\nState:\t%c (%s)\nTgid:\t%u\nPid:\t%u\nPPid:\t%u\n"
			  "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmSize:\t%lu kB\nThreads:\t1\n",
			  comm, e.state, e.state == 'R' ? "running" : e.state == 'Z' ? "zombie" : "sleeping",
			  e.pid, e.pid, e.ppid, e.quota_bits < 48 ? (1ul << e.quota_bits) >> 10 : 0);
	return k > 0 ? k : 0;
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
	const char *r;
	uint32_t pid = pid_rest(abs, &r);

	if (pid && strcmp(r, "mounts") == 0)
		return (long)text(b, n, "file / writ rw 0 0\n");
	if (pid)
		return pid_file(pid, r, b, n);
	if (strcmp(abs, "/proc/meminfo") == 0)
		return (long)meminfo(b, n);
	if (strcmp(abs, "/proc/cpuinfo") == 0)
		return (long)cpuinfo(b, n);
	if (strcmp(abs, "/proc/uptime") == 0)
		return (long)uptime(b, n);
	if (strcmp(abs, "/proc/loadavg") == 0)
		return (long)loadavg(b, n);
	if (strcmp(abs, "/proc/stat") == 0)
		return (long)cpu_stat(b, n);
	if (strcmp(abs, "/proc/mounts") == 0)
		return (long)text(b, n, "file / writ rw 0 0\n");
	if (strcmp(abs, "/proc/version") == 0)
		return (long)text(b, n, "Writ version 0 (the Linux personality)\n");
	return -ENOENT;
}

/* sysinfo's figures: the same as /proc/meminfo's and /proc/loadavg's. */
void
lx_proc_sysinfo(uint64_t *total, uint64_t *free, unsigned *procs)
{
	writ_word_t quotas = 0;
	uint32_t last;

	*total = *free = 0;
	writ_proc_meminfo(total, free, &quotas);
	*procs = count_procs(&last);
}

/*
 * syslog(2) (klogctl), what dmesg asks: the kernel's boot lines (init's
 * WRIT_PROC_KLOG), each as "[kernel] line", then the kept lines of log: (srv/log), read
 * with pread through the process's own log: identity. READ_ALL and READ_CLEAR copy them
 * (nothing is cleared: the log is not ours to clear), SIZE_BUFFER and SIZE_UNREAD
 * tell its size; the console-level calls are accepted; READ (which waits for new lines
 * and consumes them) and CLEAR are refused, as without CAP_SYSLOG.
 */
#define LOG_RING_SIZE 16384     /* srv/log's LOG_RING */
#define KLOG_SIZE 4096          /* WRIT_KLOG_VADDR's page */
#define KLOG_PREFIX "[kernel] "

/* The kernel's lines, each prefixed, into buf (len bytes at most) -> bytes. */
static size_t
kernel_lines(char *buf, size_t len)
{
	static char k[KLOG_SIZE];
	long n = writ_proc_klog(0, k, sizeof(k));
	size_t got = 0;
	bool line_start = true;

	for (long i = 0; i < n && got < len; i++) {
		if (line_start) {
			size_t p = sizeof(KLOG_PREFIX) - 1;

			if (len - got < p)
				break;
			memcpy(buf + got, KLOG_PREFIX, p);
			got += p;
		}
		if (got < len)
			buf[got++] = k[i];
		line_start = k[i] == '\n';
	}
	return got;
}

long
lx_syslog(const uint64_t *a)
{
	int type = (int)a[0], fd;
	char *buf = (char *)a[1];
	size_t len = (size_t)(int)a[2], got = 0;
	long k;

	switch (type) {
	case 0: case 1: case 6: case 7: case 8:	/* close, open, console off/on/level */
		return 0;
	case 9: case 10:			/* SIZE_UNREAD, SIZE_BUFFER */
		return LOG_RING_SIZE + 2 * KLOG_SIZE;	/* the kernel's: twice, with prefixes */
	case 3: case 4:				/* READ_ALL, READ_CLEAR */
		break;
	case 2: case 5:
		return -EPERM;
	default:
		return -EINVAL;
	}
	if ((int)a[2] < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!lx_writable(a[1], len))
		return -EFAULT;
	got = kernel_lines(buf, len);
	if ((fd = writ_open("log:", 0, 0)) < 0)
		return got ? (long)got : fd == -ENOENT ? -ENOSYS : fd;
	for (size_t off = 0; got < len && (k = writ_pread(fd, buf + got, len - got, (int64_t)off)) > 0;
	     off += (size_t)k)
		got += (size_t)k;
	writ_close(fd);
	return (long)got;
}

/* ---- the folders ---- */

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define DIR_FD_ALL 0xffffffffu  /* dirs[].pid of /proc itself */
#define DIR_FDS    0xfffffffeu  /* ...of /proc/self/fd */

/* The folders open now: the fd, its capability then (a closed fd's number reused for
 * another file must not list), which folder, and how many entries were given. */
static struct {
	int fd;
	writ_cptr_t cap;
	uint32_t pid;
	uint32_t pos;
} dirs[8];

static const char *const top_files[] = {
	"self", "meminfo", "cpuinfo", "uptime", "loadavg", "stat", "mounts", "version",
};
static const char *const pid_files[] = { "stat", "status", "cmdline", "comm" };
static const char *const self_files[] = { "exe", "cwd", "fd" };

/* The folder at abs: DIR_FD_ALL, DIR_FDS or a pid whose folder it is; 0 if none. */
static uint32_t
folder(const char *abs)
{
	struct writ_proc_entry e;
	const char *r;
	uint32_t pid;

	if (strcmp(abs, "/proc") == 0)
		return DIR_FD_ALL;
	if (!(pid = pid_rest(abs, &r)))
		return 0;
	if (pid == lx_pid && strcmp(r, "fd") == 0)
		return DIR_FDS;
	return !r[0] && find_entry(pid, &e) ? pid : 0;
}

static int
dir_of(int fd)
{
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i].cap && dirs[i].fd == fd) {
			if (dirs[i].cap == writ_fd_cap(fd))
				return (int)i;
			dirs[i].cap = 0;	/* closed behind our back: forget it */
		}
	return -1;
}

/* An fd for the folder `which`: an empty pipe's read end, remembered. */
static long
open_folder(uint32_t which)
{
	unsigned i;
	int p[2];

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && dirs[i].cap && writ_fd_cap(dirs[i].fd) == dirs[i].cap; i++)
		;
	if (i == sizeof(dirs) / sizeof(dirs[0]))
		return -EMFILE;
	if (writ_pipe(p) < 0)
		return -ENOMEM;
	writ_close(p[1]);
	dirs[i].fd = p[0];
	dirs[i].cap = writ_fd_cap(p[0]);
	dirs[i].pid = which;
	dirs[i].pos = 0;
	return p[0];
}

void
lx_proc_closed(int fd)
{
	int i = dir_of(fd);

	if (i >= 0)
		dirs[i].cap = 0;
}

bool
lx_proc_fstat(int fd, struct scheme_stat *st)
{
	if (dir_of(fd) < 0)
		return false;
	memset(st, 0, sizeof(*st));
	st->nlink = 2;
	st->mode = S_IFDIR | 0555;
	st->blksize = 4096;
	return true;
}

/* Put one entry at out + *at if it fits in n: -> whether it did. */
static bool
dirent_put(char *out, size_t n, size_t *at, uint64_t ino, uint32_t pos, const char *name, unsigned type)
{
	size_t len = strlen(name), reclen = (19 + len + 1 + 7) & ~(size_t)7;
	struct scheme_dirent *d = (struct scheme_dirent *)(out + *at);

	if (*at + reclen > n)
		return false;
	memset(d, 0, reclen);
	d->ino = ino;
	d->cookie = pos + 1;
	d->reclen = (uint16_t)reclen;
	d->type = (uint8_t)type;
	memcpy(d->name, name, len);
	*at += reclen;
	return true;
}

/* Entry number k of a folder (the fixed names first, then pids or fds) -> 1 with its
 * name and type, 0 past the end. */
static int
folder_entry(uint32_t which, uint32_t k, char name[16], unsigned *type)
{
	static struct writ_proc_entry e[WRIT_PROC_LIST_MAX];
	const char *const *fixed = which == DIR_FD_ALL ? top_files : pid_files;
	uint32_t nfixed = which == DIR_FD_ALL ? 8 : which == DIR_FDS ? 0 : 4;
	unsigned cursor = 0;
	long got;

	if (k < 2) {
		memcpy(name, k ? ".." : ".", 3);
		*type = DT_DIR;
		return 1;
	}
	k -= 2;
	if (k < nfixed) {
		memcpy(name, fixed[k], strlen(fixed[k]) + 1);
		*type = which == DIR_FD_ALL && k == 0 ? DT_LNK : DT_REG;
		return 1;
	}
	k -= nfixed;
	if (which == DIR_FDS) {
		for (int fd = 0; fd < WRIT_FD_MAX; fd++)
			if (writ_fd_cap(fd) && k-- == 0) {
				writ_snprintf(name, 16, "%u", fd);
				*type = DT_LNK;
				return 1;
			}
		return 0;
	}
	if (which != DIR_FD_ALL) {
		if (which != lx_pid || k >= 3)
			return 0;
		memcpy(name, self_files[k], strlen(self_files[k]) + 1);
		*type = k == 2 ? DT_DIR : DT_LNK;
		return 1;
	}
	do {
		if ((got = writ_proc_list(&cursor, e, WRIT_PROC_LIST_MAX)) < 0)
			return 0;
		if ((uint32_t)got > k) {
			writ_snprintf(name, 16, "%u", e[k].pid);
			*type = DT_DIR;
			return 1;
		}
		k -= (uint32_t)got;
	} while (cursor);
	return 0;
}

long
lx_proc_getdents(int fd, void *out, size_t n)
{
	int i = dir_of(fd);
	size_t at = 0;
	unsigned type;
	char name[16];

	if (i < 0)
		return -ENOTDIR;
	while (folder_entry(dirs[i].pid, dirs[i].pos, name, &type)) {
		if (!dirent_put(out, n, &at, dirs[i].pos + 1, dirs[i].pos, name, type))
			return at ? (long)at : -EINVAL;
		dirs[i].pos++;
	}
	return (long)at;
}

bool
lx_proc_is_folder(int fd)
{
	return dir_of(fd) >= 0;
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
	uint32_t which;
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
	if ((which = folder(abs)))
		return (flags & O_ACCMODE) != 0 ? -EISDIR : open_folder(which);
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
	if (strcmp(abs, "/proc") == 0 || (r && (!r[0] || strcmp(r, "fd") == 0)) || folder(abs)) {
		st->mode = S_IFDIR | 0555;
		st->nlink = 2;
		return 0;
	}
	if (r && (strcmp(r, "exe") == 0 || strcmp(r, "cwd") == 0)) {
		st->mode = S_IFLNK | 0777;	/* lstat: lx_proc_path left the link itself */
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
