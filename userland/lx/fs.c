/*
 * Files, directories and paths, with Linux's semantics, over libwrit's fds.
 *
 * Paths. A Linux path names `file:` unless it is one of the devices below; a relative
 * one is joined to the working directory (or to the directory fd's own path), and
 * "." and ".." are resolved here, so the server always sees an absolute path. The
 * result always carries its scheme ("file:/a:b" stays one file name).
 *
 * fd flags. Close-on-exec and the status flags F_GETFL reports live here, per fd: the
 * servers know an fd's capability, not what the program asked of it.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/tty.h>

#include <errno.h>

#include "lx.h"

/* Copy the string s to d, NUL included. */
static void
copy_str(char *d, const char *s)
{
	memcpy(d, s, strlen(s) + 1);
}

#define LX_PATH 1024
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 03
#define O_RDWR 02
#define O_CREAT 0100
#define O_WRONLY 01
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define FD_CLOEXEC 1
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define POLLIN 0x001
#define POLLOUT 0x004
#define POLLNVAL 0x020

static char cwd[LX_PATH] = "/";
static uint32_t fd_status[WRIT_FD_MAX];      /* O_ACCMODE | O_APPEND | O_NONBLOCK */
static uint8_t fd_cloexec[WRIT_FD_MAX];

static bool
fd_ok(uint64_t fd)
{
	return fd < WRIT_FD_MAX && writ_fd_cap((int)fd);
}

void
lx_fs_init(void)
{
	for (int fd = 0; fd < 3; fd++)
		fd_status[fd] = O_RDWR;
}

/* fork: the working directory and every fd's flags go to the child. */
long
lx_fs_fork_io(bool send)
{
	long r;

	if ((r = lx_fork_io(cwd, sizeof(cwd), send)) < 0 ||
	    (r = lx_fork_io(fd_status, sizeof(fd_status), send)) < 0 ||
	    (r = lx_fork_io(fd_cloexec, sizeof(fd_cloexec), send)) < 0)
		return r;
	cwd[sizeof(cwd) - 1] = 0;
	return 0;
}

/* ---- paths ---- */

/* Whether the absolute path p needs normalize: a "." or ".." segment (or any segment
 * starting with a dot: the rare case pays the full pass), a doubled or trailing slash.
 * -> its length in *len. */
static bool
is_normal(const char *p, size_t *len)
{
	size_t i = 1;

	for (; p[i]; i++)
		if (p[i - 1] == '/' && (p[i] == '/' || p[i] == '.'))
			return false;
	*len = i;
	return i == 1 || p[i - 1] != '/';
}

/* Resolve "." and ".." and repeated slashes of the absolute path p, in place. */
static void
normalize(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		char *seg;
		size_t len;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		len = (size_t)(in - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static const struct {
	const char *linux_path, *writ;
} devices[] = {
	{ "/dev/null", "null:" },	{ "/dev/zero", "zero:" },
	{ "/dev/urandom", "rand:" },	{ "/dev/random", "rand:" },
	{ "/dev/tty", "console:" },	{ "/dev/console", "console:" },
};

/*
 * The program's path at upath, relative to dirfd (AT_FDCWD: the working directory),
 * as "scheme:path" in out[LX_PATH]; "proc:/proc/..." for what procfs.c serves, whose
 * links follow names the path behind (unless follow is false). -> 0, or -EFAULT,
 * -ENOENT (empty), -ENAMETOOLONG, -EBADF, -ENOTDIR.
 */
static long
path_at_follow(int dirfd, uint64_t upath, char *out, bool follow)
{
	char raw[LX_PATH], abs[2 * LX_PATH];
	long len = lx_string_in(upath, raw, sizeof(raw));
	size_t alen;
	bool proc;

	if (len < 0)
		return len;
	if (len == 0)
		return -ENOENT;
	if (raw[0] == '/') {
		memcpy(abs, raw, (size_t)len + 1);
	} else {
		size_t base;

		if (dirfd == AT_FDCWD) {
			base = strlen(cwd);
			memcpy(abs, cwd, base + 1);
		} else {
			long r;

			if (!fd_ok((uint64_t)dirfd))
				return -EBADF;
			if ((r = writ_fpath(dirfd, abs, LX_PATH)) < 0)
				return r == -EBADF ? -ENOTDIR : r;
			base = (size_t)r;
			abs[base] = 0;
		}
		abs[base] = '/';
		memcpy(abs + base + 1, raw, (size_t)len + 1);
	}
	if (!is_normal(abs, &alen)) {
		normalize(abs);
		alen = strlen(abs);
	}
	proc = strncmp(abs, "/proc", 5) == 0;
	if (proc && lx_proc_path(abs, sizeof(abs), follow)) {
		if (strlen(abs) + 6 > LX_PATH)
			return -ENAMETOOLONG;
		memcpy(out, "proc:", 5);
		copy_str(out + 5, abs);
		return 0;
	}
	for (unsigned i = 0; strncmp(abs, "/dev/", 5) == 0 && i < sizeof(devices) / sizeof(devices[0]); i++)
		if (strcmp(abs, devices[i].linux_path) == 0) {
			copy_str(out, devices[i].writ);
			return 0;
		}
	if (proc)
		alen = strlen(abs);	/* lx_proc_path put a link's target there */
	if (alen + 6 > LX_PATH)
		return -ENAMETOOLONG;
	memcpy(out, "file:", 5);
	memcpy(out + 5, abs, alen + 1);
	return 0;
}

static long
path_at(int dirfd, uint64_t upath, char *out)
{
	return path_at_follow(dirfd, upath, out, true);
}

static bool
is_proc(const char *p)
{
	return strncmp(p, "proc:", 5) == 0;
}

/* ---- fds ---- */

static long
fd_opened(long fd, unsigned flags)
{
	if (fd >= 0 && fd < WRIT_FD_MAX) {
		fd_status[fd] = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
		fd_cloexec[fd] = (flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
	}
	return fd;
}

/* Policies as fds (cap.c): "policy:TEXT" makes one; a policy fd as dirfd opens
 * through it. Only a dirfd that is no directory, or an absolute path or "policy:"
 * beside a dirfd, costs the question whether dirfd is a policy. */
static long
open_policy(int dirfd, uint64_t upath, unsigned flags, unsigned mode, long err)
{
	char raw[LX_PATH];
	long n = lx_string_in(upath, raw, sizeof(raw));

	if (n < 0)
		return n;
	if (strncmp(raw, "policy:", 7) == 0)
		return lx_cap_open_policy(dirfd == AT_FDCWD ? -1 : dirfd, raw + 7, flags);
	/* path_at's ENOTDIR: dirfd's server said it has no path, as a policy says. */
	if (dirfd != AT_FDCWD && (err == -ENOTDIR || (raw[0] == '/' && lx_cap_is_policy(dirfd))))
		return lx_cap_open(dirfd, raw, flags, mode);
	return err;
}

static long
open_at(int dirfd, uint64_t upath, unsigned flags, unsigned mode)
{
	char p[LX_PATH];
	long r;

	if (dirfd != AT_FDCWD ||
	    (lx_readable(upath, 7) && memcmp((const void *)upath, "policy:", 7) == 0)) {
		if ((r = open_policy(dirfd, upath, flags, mode, 1)) != 1)
			return r;
	}
	r = path_at(dirfd, upath, p);
	if (r == -ENOTDIR && dirfd != AT_FDCWD)
		return open_policy(dirfd, upath, flags, mode, r);
	if (r < 0)
		return r;
	if (is_proc(p))
		return fd_opened(lx_proc_open(p + 5, flags), flags);
	/* /dev/stdin, stdout, stderr: the fd itself, as Linux's /proc/self/fd links give. */
	if (strncmp(p, "file:/dev/std", 13) == 0) {
		int fd = strcmp(p + 13, "in") == 0 ? 0 : strcmp(p + 13, "out") == 0 ? 1
			 : strcmp(p + 13, "err") == 0 ? 2 : -1;

		if (fd >= 0)
			return fd_ok((uint64_t)fd) ? fd_opened(writ_dup(fd), flags) : -ENXIO;
	}
	return fd_opened(writ_open(p, (int)(flags & ~O_CLOEXEC), mode), flags);
}

long lx_open(const uint64_t *a) { return open_at(AT_FDCWD, a[0], (unsigned)a[1], (unsigned)a[2]); }
long lx_openat(const uint64_t *a) { return open_at((int)a[0], a[1], (unsigned)a[2], (unsigned)a[3]); }
long lx_creat(const uint64_t *a) { return open_at(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (unsigned)a[1]); }

long
lx_close(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	lx_vfork_fd_touched((int)a[0]);
	fd_status[a[0]] = 0;
	fd_cloexec[a[0]] = 0;
	lx_sock_closed((int)a[0]);
	lx_proc_closed((int)a[0]);
	return writ_close((int)a[0]);
}

/* Bytes in and out of an fd: a socket's through sock.c, any other's to its server. */
static long
fd_read(int fd, void *buf, size_t n)
{
	return lx_sock_is(fd) ? lx_sock_read(fd, buf, n) : writ_read(fd, buf, n);
}

static long
fd_write(int fd, const void *buf, size_t n)
{
	return lx_sock_is(fd) ? lx_sock_write(fd, buf, n) : writ_write(fd, buf, n);
}

long
lx_read(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if (!lx_writable(a[1], a[2]))
		return -EFAULT;
	if (a[2] == 0)
		return 0;
	return fd_read((int)a[0], (void *)a[1], a[2]);
}

long
lx_write(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if (!lx_readable(a[1], a[2]))
		return -EFAULT;
	if (a[2] == 0)
		return 0;
	return fd_write((int)a[0], (const void *)a[1], a[2]);
}

long
lx_pread64(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!lx_writable(a[1], a[2]))
		return -EFAULT;
	return writ_pread((int)a[0], (void *)a[1], a[2], (int64_t)a[3]);
}

long
lx_pwrite64(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!lx_readable(a[1], a[2]))
		return -EFAULT;
	return writ_pwrite((int)a[0], (const void *)a[1], a[2], (int64_t)a[3]);
}

struct lx_iovec {
	uint64_t base, len;
};

/* The iovec array at a[1], a[2] entries, checked: -> the total, or -errno. */
static long
iov_check(const uint64_t *a, bool to_program)
{
	const struct lx_iovec *v = (const struct lx_iovec *)a[1];
	uint64_t total = 0;

	if (!fd_ok(a[0]))
		return -EBADF;
	if (a[2] > 1024)
		return -EINVAL;
	if (!lx_readable(a[1], a[2] * sizeof(*v)))
		return -EFAULT;
	for (uint64_t i = 0; i < a[2]; i++) {
		if (v[i].len > (1ull << 62) || (total += v[i].len) > (1ull << 62))
			return -EINVAL;
		if (to_program ? !lx_writable(v[i].base, v[i].len) : !lx_readable(v[i].base, v[i].len))
			return -EFAULT;
	}
	return (long)total;
}

long
lx_writev(const uint64_t *a)
{
	char gather[2048];	/* on the program's stack: threads may write at once */
	const struct lx_iovec *v = (const struct lx_iovec *)a[1];
	long total = iov_check(a, false), done = 0;

	if (total < 0)
		return total;
	/* A short one goes out as one write, as Linux's would (a line of stdio's is one). */
	if ((size_t)total <= sizeof(gather)) {
		for (uint64_t i = 0; i < a[2]; i++) {
			memcpy(gather + done, (const void *)v[i].base, v[i].len);
			done += (long)v[i].len;
		}
		return total ? fd_write((int)a[0], gather, (size_t)total) : 0;
	}
	for (uint64_t i = 0; i < a[2]; i++) {
		long r = fd_write((int)a[0], (const void *)v[i].base, v[i].len);

		if (r < 0)
			return done ? done : r;
		done += r;
		if ((uint64_t)r < v[i].len)
			break;
	}
	return done;
}

long
lx_readv(const uint64_t *a)
{
	const struct lx_iovec *v = (const struct lx_iovec *)a[1];
	long total = iov_check(a, true), done = 0;

	if (total < 0)
		return total;
	for (uint64_t i = 0; i < a[2]; i++) {
		long r;

		if (v[i].len == 0)
			continue;
		r = fd_read((int)a[0], (void *)v[i].base, v[i].len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((uint64_t)r < v[i].len)
			break;
	}
	return done;
}

long
lx_lseek(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if (a[2] > 2)
		return -EINVAL;
	return writ_seek((int)a[0], (int64_t)a[1], (int)a[2]);
}

/* ---- stat ---- */

struct lx_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};

_Static_assert(sizeof(struct lx_stat) == 144, "Linux's x86_64 struct stat");

static void
stat_out(const struct scheme_stat *s, struct lx_stat *o)
{
	*o = (struct lx_stat){
		.dev = s->dev, .ino = s->ino, .nlink = s->nlink, .mode = (uint32_t)s->mode,
		.uid = (uint32_t)s->uid, .gid = (uint32_t)s->gid, .rdev = s->rdev,
		.size = (int64_t)s->size, .blksize = s->blksize ? (int64_t)s->blksize : 4096,
		.blocks = (int64_t)s->blocks,
		.atime = s->atime_ns / 1000000000, .atime_ns = s->atime_ns % 1000000000,
		.mtime = s->mtime_ns / 1000000000, .mtime_ns = s->mtime_ns % 1000000000,
		.ctime = s->ctime_ns / 1000000000, .ctime_ns = s->ctime_ns % 1000000000,
	};
}

/* stat of (dirfd, path) or, with AT_EMPTY_PATH and "", of dirfd itself. */
static long
stat_at(int dirfd, uint64_t upath, unsigned flags, struct scheme_stat *st)
{
	char p[LX_PATH];
	long r;

	if ((flags & AT_EMPTY_PATH) && lx_readable(upath, 1) && *(const char *)upath == 0) {
		if (fd_ok((uint64_t)dirfd) && lx_proc_fstat(dirfd, st))
			return 0;
		return fd_ok((uint64_t)dirfd) ? writ_fstat(dirfd, st) : -EBADF;
	}
	if ((r = path_at_follow(dirfd, upath, p, !(flags & AT_SYMLINK_NOFOLLOW))) < 0)
		return r;
	if (is_proc(p))
		return lx_proc_stat(p + 5, st, (flags & AT_SYMLINK_NOFOLLOW) != 0);
	if (strchr(p, ':') != p + 4 || strncmp(p, "file", 4) != 0) {
		/* A device: its server's stat of an open fd. */
		int fd = writ_open(p, 0, 0);

		if (fd < 0)
			return fd;
		r = writ_fstat(fd, st);
		writ_close(fd);
		return r;
	}
	return writ_stat(p, st, (flags & AT_SYMLINK_NOFOLLOW) ? 1 : 0);
}

static long
stat_to(long r, const struct scheme_stat *st, uint64_t out)
{
	if (r < 0)
		return r;
	if (!lx_writable(out, sizeof(struct lx_stat)))
		return -EFAULT;
	stat_out(st, (struct lx_stat *)out);
	return 0;
}

long
lx_fstat(const uint64_t *a)
{
	struct scheme_stat st;

	if (!fd_ok(a[0]))
		return -EBADF;
	if (lx_proc_fstat((int)a[0], &st))
		return stat_to(0, &st, a[1]);
	return stat_to(writ_fstat((int)a[0], &st), &st, a[1]);
}

long
lx_stat(const uint64_t *a)
{
	struct scheme_stat st;

	return stat_to(stat_at(AT_FDCWD, a[0], 0, &st), &st, a[1]);
}

long
lx_lstat(const uint64_t *a)
{
	struct scheme_stat st;

	return stat_to(stat_at(AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &st), &st, a[1]);
}

long
lx_newfstatat(const uint64_t *a)
{
	struct scheme_stat st;

	return stat_to(stat_at((int)a[0], a[1], (unsigned)a[3], &st), &st, a[2]);
}

/* chmod, chown, utimes and their kin are accepted, not kept (the file server has no
 * owners, and keeps its own times), but only for a file that exists: `touch` tries
 * utimensat first and creates the file when that says ENOENT. */
static long
attr_exists(int dirfd, uint64_t upath, unsigned flags)
{
	struct scheme_stat st;

	return stat_at(dirfd, upath, flags, &st);
}

long lx_attr_path(const uint64_t *a) { return attr_exists(AT_FDCWD, a[0], 0); }
long lx_attr_lpath(const uint64_t *a) { return attr_exists(AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW); }
long lx_attr_fd(const uint64_t *a) { return fd_ok(a[0]) ? 0 : -EBADF; }

/* fchmodat(dirfd, path, mode): Linux's call has no flags. */
long lx_fchmodat(const uint64_t *a) { return attr_exists((int)a[0], a[1], 0); }

/* fchownat(dirfd, path, uid, gid, flags). */
long
lx_fchownat(const uint64_t *a)
{
	if (a[4] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return attr_exists((int)a[0], a[1], (unsigned)a[4]);
}

/* utimensat(dirfd, path, times, flags): a NULL path is the fd itself (futimens). */
long
lx_utimensat(const uint64_t *a)
{
	const int64_t *t = (const int64_t *)a[2];
	const int64_t utime_now = (1 << 30) - 1, utime_omit = (1 << 30) - 2;

	if (a[3] & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (t) {
		if (!lx_readable(a[2], 4 * sizeof(int64_t)))
			return -EFAULT;
		for (int i = 0; i < 2; i++)
			if (t[2 * i + 1] != utime_now && t[2 * i + 1] != utime_omit &&
			    (t[2 * i + 1] < 0 || t[2 * i + 1] >= 1000000000))
				return -EINVAL;
	}
	if (!a[1])
		return (int)a[0] == AT_FDCWD || fd_ok(a[0]) ? 0 : -EBADF;
	return attr_exists((int)a[0], a[1], (unsigned)a[3]);
}

struct lx_statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t pad;
};

struct lx_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct lx_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

_Static_assert(sizeof(struct lx_statx) == 256, "Linux's struct statx");

static struct lx_statx_ts
statx_ts(int64_t ns)
{
	return (struct lx_statx_ts){ ns / 1000000000, (uint32_t)(ns % 1000000000), 0 };
}

long
lx_statx(const uint64_t *a)
{
	struct scheme_stat st;
	long r = stat_at((int)a[0], a[1], (unsigned)a[2], &st);
	struct lx_statx *o = (struct lx_statx *)a[4];

	if (r < 0)
		return r;
	if (!lx_writable(a[4], sizeof(*o)))
		return -EFAULT;
	*o = (struct lx_statx){
		.mask = 0x7ff, .blksize = st.blksize ? (uint32_t)st.blksize : 4096,
		.nlink = (uint32_t)st.nlink, .uid = (uint32_t)st.uid, .gid = (uint32_t)st.gid,
		.mode = (uint16_t)st.mode, .ino = st.ino, .size = st.size, .blocks = st.blocks,
		.atime = statx_ts(st.atime_ns), .btime = statx_ts(st.ctime_ns),
		.ctime = statx_ts(st.ctime_ns), .mtime = statx_ts(st.mtime_ns),
		.rdev_major = (uint32_t)(st.rdev >> 8), .rdev_minor = (uint32_t)(st.rdev & 0xff),
		.dev_major = (uint32_t)(st.dev >> 8), .dev_minor = (uint32_t)(st.dev & 0xff),
	};
	return 0;
}

/* ---- the console ---- */

/* A terminal is what the console serves: a character device of mode 0620 (null:
 * and zero: are 0666). */
static bool
is_tty(int fd)
{
	struct scheme_stat st;

	return writ_fstat(fd, &st) == 0 && (st.mode & S_IFMT) == S_IFCHR &&
	       (st.mode & 0777) == 0620;
}

long
lx_ioctl(const uint64_t *a)
{
	unsigned req = (unsigned)a[1];

	if (!fd_ok(a[0]))
		return -EBADF;
	if (!is_tty((int)a[0]))
		return -ENOTTY;
	/* The console's own terminal layer (lib/tty) keeps the attributes, so a program's
	 * raw mode (busybox's line editing) is the terminal's, not a pretence here. */
	switch (req) {
	case TCGETS:
		if (!lx_writable(a[2], sizeof(struct writ_termios)))
			return -EFAULT;
		return writ_tty_getattr((int)a[0], (struct writ_termios *)a[2]);
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct writ_termios t;

		if (!lx_readable(a[2], sizeof(t)))
			return -EFAULT;
		memcpy(&t, (const void *)a[2], sizeof(t));
		return writ_tty_setattr((int)a[0], req - TCSETS, &t);
	}
	case TIOCGWINSZ:
		if (!lx_writable(a[2], sizeof(struct writ_winsize)))
			return -EFAULT;
		return writ_tty_getwinsz((int)a[0], (struct writ_winsize *)a[2]);
	case TIOCSWINSZ: {
		struct writ_winsize w;

		if (!lx_readable(a[2], sizeof(w)))
			return -EFAULT;
		memcpy(&w, (const void *)a[2], sizeof(w));
		return writ_tty_setwinsz((int)a[0], &w);
	}
	case TIOCGPGRP: {
		long g = writ_tty_getpgrp((int)a[0]);

		if (!lx_writable(a[2], 4))
			return -EFAULT;
		if (g == 0 || g == -ENOSYS)
			g = lx_getpgrp(NULL);	/* none set yet: ours, as a fresh session's */
		if (g < 0)
			return g;
		*(int32_t *)a[2] = (int32_t)g;
		return 0;
	}
	case TIOCSPGRP: {
		long r;

		if (!lx_readable(a[2], 4))
			return -EFAULT;
		if (*(const int32_t *)a[2] <= 0)
			return -EINVAL;
		if ((r = writ_tty_setpgrp((int)a[0], *(const int32_t *)a[2])) < 0)
			return r == -ENOSYS ? -ENOTTY : r;
		lx_sig_tty_watch((int)a[0]);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

/*
 * poll and ppoll, for what busybox's line editing asks before each key: every open fd
 * is said to be ready for what was asked, and the read or write that follows waits
 * as it would have. The schemes have no readiness query yet, so a timeout never
 * passes on an open fd (a lone Escape key waits for the next key); fds not open
 * answer POLLNVAL, as Linux does.
 */
struct lx_pollfd {
	int32_t fd;
	int16_t events, revents;
};

static long
poll_fds(uint64_t ufds, uint64_t n)
{
	struct lx_pollfd *p = (struct lx_pollfd *)ufds;
	long ready = 0;

	if (n > WRIT_FD_MAX)
		return -EINVAL;
	if (n && !lx_writable(ufds, n * sizeof(*p)))
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		if (!fd_ok((uint64_t)p[i].fd))
			p[i].revents = POLLNVAL;
		else
			p[i].revents = p[i].events & (POLLIN | POLLOUT);
		if (p[i].revents)
			ready++;
	}
	return ready;
}

/* Nothing to wait for but the time (no fd, or none open: poll(NULL, 0, ms) is a
 * sleep): until `ns` has passed (< 0: until a signal). -> 0 or -EINTR. */
static long
poll_sleep(int64_t ns)
{
	if (ns < 0)
		return lx_pause(NULL);
	return lx_sleep_until(CLOCK_MONOTONIC, lx_monotonic_ns() + ns);
}

long
lx_poll(const uint64_t *a)
{
	long r = poll_fds(a[0], a[1]);
	int ms = (int)a[2];

	if (r != 0 || ms == 0)
		return r;
	return poll_sleep(ms < 0 ? -1 : (int64_t)ms * 1000000);
}

long
lx_ppoll(const uint64_t *a)
{
	long r = poll_fds(a[0], a[1]);
	const int64_t *ts = (const int64_t *)a[2];

	if (r != 0)
		return r;
	if (!ts)
		return poll_sleep(-1);
	if (!lx_readable(a[2], 16))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	return ts[0] || ts[1] ? poll_sleep(ts[0] * 1000000000 + ts[1]) : 0;
}

/* ---- directories ---- */

long
lx_getdents64(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if (!lx_writable(a[1], a[2]))
		return -EFAULT;
	if (lx_proc_is_folder((int)a[0]))
		return lx_proc_getdents((int)a[0], (void *)a[1], a[2]);
	/* struct scheme_dirent is linux_dirent64, byte for byte (ino, off, reclen, type). */
	return writ_getdents((int)a[0], (void *)a[1], a[2]);
}

/* f(path) for one path argument at (dirfd, upath). */
static long
one_path(int dirfd, uint64_t upath, int (*f)(const char *))
{
	char p[LX_PATH];
	long r = path_at(dirfd, upath, p);

	return r < 0 ? r : f(p);
}

static int mkdir_mode;
static int mkdir_with_mode(const char *p) { return writ_mkdir(p, (unsigned)mkdir_mode); }

long
lx_mkdir(const uint64_t *a)
{
	mkdir_mode = (int)a[1];
	return one_path(AT_FDCWD, a[0], mkdir_with_mode);
}

long
lx_mkdirat(const uint64_t *a)
{
	mkdir_mode = (int)a[2];
	return one_path((int)a[0], a[1], mkdir_with_mode);
}

long lx_rmdir(const uint64_t *a) { return one_path(AT_FDCWD, a[0], writ_rmdir); }
long lx_unlink(const uint64_t *a) { return one_path(AT_FDCWD, a[0], writ_unlink); }

long
lx_unlinkat(const uint64_t *a)
{
	if (a[2] & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return one_path((int)a[0], a[1], (a[2] & AT_REMOVEDIR) ? writ_rmdir : writ_unlink);
}

/* f(from, to) for two path arguments. */
static long
two_paths(int d1, uint64_t p1, int d2, uint64_t p2, int (*f)(const char *, const char *))
{
	char from[LX_PATH], to[LX_PATH];
	long r;

	if ((r = path_at(d1, p1, from)) < 0 || (r = path_at(d2, p2, to)) < 0)
		return r;
	return f(from, to);
}

long lx_rename(const uint64_t *a) { return two_paths(AT_FDCWD, a[0], AT_FDCWD, a[1], writ_rename); }
long lx_renameat(const uint64_t *a) { return two_paths((int)a[0], a[1], (int)a[2], a[3], writ_rename); }
long lx_link(const uint64_t *a) { return two_paths(AT_FDCWD, a[0], AT_FDCWD, a[1], writ_link); }

long
lx_renameat2(const uint64_t *a)
{
	if (a[4])
		return -EINVAL;	/* RENAME_NOREPLACE and friends: not served */
	return lx_renameat(a);
}

long
lx_symlink(const uint64_t *a)
{
	char target[LX_PATH], to[LX_PATH];
	long r;

	/* The target is stored as written, not resolved. */
	if ((r = lx_string_in(a[0], target, sizeof(target))) < 0 ||
	    (r = path_at(AT_FDCWD, a[1], to)) < 0)
		return r;
	return writ_symlink(target, to);
}

static long
readlink_at(int dirfd, uint64_t upath, uint64_t buf, uint64_t n)
{
	char p[LX_PATH], t[LX_PATH];
	long r;

	if ((int64_t)n <= 0)
		return -EINVAL;
	if ((r = path_at_follow(dirfd, upath, p, false)) < 0)
		return r;
	if ((r = is_proc(p) ? lx_proc_readlink(p + 5, t, sizeof(t))
			    : writ_readlink(p, t, sizeof(t))) < 0)
		return r;
	if ((uint64_t)r > n)
		r = (long)n;
	if (!lx_writable(buf, (uint64_t)r))
		return -EFAULT;
	memcpy((void *)buf, t, (size_t)r);
	return r;
}

long lx_readlink(const uint64_t *a) { return readlink_at(AT_FDCWD, a[0], a[1], a[2]); }
long lx_readlinkat(const uint64_t *a) { return readlink_at((int)a[0], a[1], a[2], a[3]); }

/* ---- the working directory ---- */

long
lx_getcwd_str(char *out, size_t n)
{
	size_t k = strlen(cwd);

	if (k > n)
		return -ERANGE;
	memcpy(out, cwd, k);
	return (long)k;
}

long
lx_getcwd(const uint64_t *a)
{
	size_t n = strlen(cwd) + 1;

	if (a[1] < n)
		return -ERANGE;
	if (!lx_writable(a[0], n))
		return -EFAULT;
	memcpy((void *)a[0], cwd, n);
	return (long)n;
}

/* Make the directory at "file:/..." p the working directory. */
static long
cwd_set(const char *p)
{
	struct scheme_stat st;
	/* /proc's folders too (top works in /proc): relative paths join it as any. */
	long r = is_proc(p) ? lx_proc_stat(p + 5, &st, false) : writ_stat(p, &st, 0);

	if (r < 0)
		return r;
	if ((st.mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	if (strncmp(p, "file:", 5) != 0 && !is_proc(p))
		return -ENOENT;
	copy_str(cwd, p + 5);
	return 0;
}

long
lx_chdir(const uint64_t *a)
{
	char p[LX_PATH];
	long r = path_at(AT_FDCWD, a[0], p);

	return r < 0 ? r : cwd_set(p);
}

long
lx_fchdir(const uint64_t *a)
{
	char p[LX_PATH];
	long r;

	if (!fd_ok(a[0]))
		return -EBADF;
	memcpy(p, "file:", 5);
	if ((r = writ_fpath((int)a[0], p + 5, sizeof(p) - 5)) < 0)
		return r;
	p[5 + r] = 0;
	normalize(p + 5);
	return cwd_set(p);
}

/* ---- dup, fcntl, pipes ---- */

static long
dup_to(uint64_t fd, uint64_t to, bool cloexec)
{
	long r;

	if (!fd_ok(fd))
		return -EBADF;
	if (to >= WRIT_FD_MAX)
		return -EBADF;
	if (fd == to)
		return (long)to;
	lx_vfork_fd_touched((int)to);
	r = writ_dup2((int)fd, (int)to);
	if (r >= 0) {
		lx_proc_closed((int)r);
		lx_sock_closed((int)r);
		lx_sock_dup((int)fd, (int)r);
		fd_status[r] = fd_status[fd];
		fd_cloexec[r] = cloexec ? FD_CLOEXEC : 0;
	}
	return r;
}

long
lx_dup(const uint64_t *a)
{
	long r;

	if (!fd_ok(a[0]))
		return -EBADF;
	r = writ_dup((int)a[0]);
	if (r >= 0) {
		lx_proc_closed((int)r);
		lx_sock_closed((int)r);
		lx_sock_dup((int)a[0], (int)r);
		fd_status[r] = fd_status[a[0]];
		fd_cloexec[r] = 0;
	}
	return r;
}

long lx_dup2(const uint64_t *a) { return dup_to(a[0], a[1], false); }

long
lx_dup3(const uint64_t *a)
{
	if (a[0] == a[1] || (a[2] & ~(uint64_t)O_CLOEXEC))
		return -EINVAL;
	return dup_to(a[0], a[1], a[2] & O_CLOEXEC);
}

long
lx_fcntl(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	switch (a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= WRIT_FD_MAX)
			return -EINVAL;
		for (uint64_t to = a[2]; to < WRIT_FD_MAX; to++)
			if (!writ_fd_cap((int)to))
				return dup_to(a[0], to, a[1] == F_DUPFD_CLOEXEC);
		return -EMFILE;
	case F_GETFD:
		return fd_cloexec[a[0]];
	case F_SETFD:
		fd_cloexec[a[0]] = a[2] & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		return fd_status[a[0]];
	case F_SETFL:
		if ((fd_status[a[0]] ^ (uint32_t)a[2]) & O_NONBLOCK) {
			/* Whether calls wait is the server's to know; one that never waits
			 * (a file) has nothing to set. */
			long r = writ_fd_setfl((int)a[0], (int)(a[2] & O_NONBLOCK));

			if (r < 0 && r != -ENOSYS && r != -EINVAL)
				return r;
		}
		fd_status[a[0]] = (fd_status[a[0]] & O_ACCMODE) |
				  ((uint32_t)a[2] & (O_APPEND | O_NONBLOCK));
		return 0;
	default:
		return -EINVAL;
	}
}

long
lx_pipe2(const uint64_t *a)
{
	int fds[2];
	long r;

	if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!lx_writable(a[0], 8))
		return -EFAULT;
	if ((r = writ_pipe2(fds, (int)(a[1] & O_NONBLOCK))) < 0)
		return r;
	fd_opened(fds[0], (unsigned)a[1]);
	fd_opened(fds[1], (unsigned)a[1] | O_WRONLY);
	((int *)a[0])[0] = fds[0];
	((int *)a[0])[1] = fds[1];
	return 0;
}

long
lx_pipe(const uint64_t *a)
{
	const uint64_t b[2] = { a[0], 0 };

	return lx_pipe2(b);
}

/* ---- access, sizes, sync ---- */

static long
access_at(int dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
	struct scheme_stat st;
	long r;

	if (mode & ~7ull)
		return -EINVAL;
	if ((r = stat_at(dirfd, upath, (unsigned)flags, &st)) < 0)
		return r;
	/* The program runs as root: everything but executing what nobody may execute. */
	if ((mode & 1) && (st.mode & S_IFMT) != S_IFDIR && !(st.mode & 0111))
		return -EACCES;
	return 0;
}

long lx_access(const uint64_t *a) { return access_at(AT_FDCWD, a[0], a[1], 0); }
long lx_faccessat(const uint64_t *a) { return access_at((int)a[0], a[1], a[2], a[3]); }

long
lx_ftruncate(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	return writ_ftruncate((int)a[0], (int64_t)a[1]);
}

long
lx_truncate(const uint64_t *a)
{
	long fd = open_at(AT_FDCWD, a[0], O_WRONLY, 0), r;

	if (fd < 0)
		return fd;
	r = (int64_t)a[1] < 0 ? -EINVAL : writ_ftruncate((int)fd, (int64_t)a[1]);
	writ_close((int)fd);
	fd_status[fd] = 0;
	return r;
}

long
lx_fsync(const uint64_t *a)
{
	if (!fd_ok(a[0]))
		return -EBADF;
	return writ_fsync((int)a[0]);
}

/* ---- for proc.c and sock.c ---- */

long
lx_fd_opened(long fd, unsigned flags)
{
	return fd_opened(fd, flags);
}

int
lx_fd_accmode(int fd)
{
	return fd >= 0 && fd < WRIT_FD_MAX ? (int)(fd_status[fd] & O_ACCMODE) : 0;
}

bool
lx_fd_valid(int fd)
{
	return fd >= 0 && fd_ok((uint64_t)fd);
}

long
lx_path_of(uint64_t upath, char *out)
{
	return path_at(AT_FDCWD, upath, out);
}

bool
lx_fd_cloexec(int fd)
{
	return fd >= 0 && fd < WRIT_FD_MAX && fd_cloexec[fd];
}

void
lx_fd_flags_save(int from, int to)
{
	if (from < 0 || from >= WRIT_FD_MAX || to < 0 || to >= WRIT_FD_MAX)
		return;
	fd_status[to] = fd_status[from];
	fd_cloexec[to] = fd_cloexec[from];
}

void
lx_cwd_save(char *buf)
{
	copy_str(buf, cwd);
}

void
lx_cwd_restore(const char *buf)
{
	copy_str(cwd, buf);
}

/* ---- the personality's own messages ---- */

/*
 * A line about the program for log: (the system's log, not the program's stderr, which
 * is the program's own output). The fd lives only for this call, so the program never
 * sees it among its own; without log: the line is dropped.
 */
void
lx_log(const char *line, size_t n)
{
	int fd = writ_open("log:", O_WRONLY, 0);

	if (fd < 0)
		return;
	writ_write(fd, line, n);
	writ_close(fd);
}
