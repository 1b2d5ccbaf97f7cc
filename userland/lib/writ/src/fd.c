/*
 * File descriptors over scheme capabilities (see <writ/fd.h>).
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

static writ_cptr_t fds[WRIT_FD_MAX];

void
writ_fd_init(void)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (si->caps[i].kind == WRIT_SCAP_FD && si->caps[i].arg < WRIT_FD_MAX)
			fds[si->caps[i].arg] = si->caps[i].slot;
}

writ_cptr_t
writ_fd_cap(int fd)
{
	return fd >= 0 && fd < WRIT_FD_MAX ? fds[fd] : 0;
}

static int
fd_lowest_free(int from)
{
	for (int fd = from; fd < WRIT_FD_MAX; fd++)
		if (!fds[fd])
			return fd;
	return -EMFILE;
}

int
writ_fd_install(writ_cptr_t cap)
{
	int fd = fd_lowest_free(0);

	if (fd >= 0)
		fds[fd] = cap;
	return fd;
}

writ_cptr_t
writ_scheme_cap(const char *scheme)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (si->caps[i].kind == WRIT_SCAP_SCHEME &&
		    strncmp(si->caps[i].name, scheme, WRIT_CAP_NAME) == 0)
			return si->caps[i].slot;
	return 0;
}

static void
put_bytes(unsigned word, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i += 8) {
		writ_word_t w = 0;

		memcpy(&w, p + i, len - i < 8 ? len - i : 8);
		writ_mr_set(word + (unsigned)(i / 8), w);
	}
}

static void
get_bytes(unsigned word, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i += 8) {
		writ_word_t w = writ_mr_get(word + (unsigned)(i / 8));

		memcpy(p + i, &w, len - i < 8 ? len - i : 8);
	}
}

/* One request: a dead server (or a capability revoked with it) is -EIO. A capability
 * that comes back lands in *got (a fresh slot) when got is not NULL. */
static long
request(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
	const void *out, size_t out_len, void *in, size_t in_len, writ_word_t *res,
	unsigned nres, writ_cptr_t *got)
{
	struct writ_msg m = { 0 };
	unsigned words = SCHEME_DATA_WORD + (unsigned)((out_len + 7) / 8);
	writ_cptr_t slot = 0;
	long err, r;

	if (out_len > SCHEME_INLINE)
		return -E2BIG;
	for (unsigned i = 0; i < nargs && i < WRIT_MSG_REGS; i++)
		m.mr[i] = args[i];
	if (out_len)
		put_bytes(SCHEME_DATA_WORD, out, out_len);
	else
		words = nargs;
	if (got) {
		if (!(slot = writ_slot_alloc()))
			return -EMFILE;
		writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, 64);
	}
	m.info = writ_msginfo(op, 0, words);
	err = writ_call(cap, &m);
	if (err != WRIT_OK) {
		writ_slot_free(slot);
		return -EIO;
	}
	r = (long)m.mr[0];
	for (unsigned i = 0; i < nres && i + 1 < WRIT_MSG_REGS; i++)
		res[i] = m.mr[i + 1];
	if (in && r > 0) {
		size_t n = (size_t)r < in_len ? (size_t)r : in_len;

		if (n > SCHEME_INLINE)
			n = SCHEME_INLINE;
		get_bytes(SCHEME_DATA_WORD, in, n);
	}
	if (got) {
		if (writ_msginfo_caps(m.info) == 1) {
			*got = slot;
		} else {
			writ_slot_free(slot);
			*got = 0;
		}
	}
	return r;
}

long
writ_scheme_call(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
		 const void *out, size_t out_len, void *in, size_t in_len, writ_word_t *results,
		 unsigned nresults)
{
	return request(cap, op, args, nargs, out, out_len, in, in_len, results, nresults, NULL);
}

/* Split `scheme:rest`; a path with no scheme is file:'s. */
static writ_cptr_t
resolve(const char *path, const char **rest)
{
	const char *colon = strchr(path, ':');
	const char *slash = strchr(path, '/');
	char scheme[WRIT_CAP_NAME];
	size_t n;

	if (!colon || (slash && slash < colon)) {
		*rest = path;
		return writ_scheme_cap("file");
	}
	n = (size_t)(colon - path);
	if (n == 0 || n >= sizeof(scheme))
		return 0;
	memcpy(scheme, path, n);
	scheme[n] = 0;
	*rest = colon + 1;
	return writ_scheme_cap(scheme);
}

static int
open_on(writ_cptr_t base, const char *rest, int flags, unsigned mode)
{
	size_t len = strlen(rest);
	writ_word_t args[3] = { (writ_word_t)(unsigned)flags, mode, len };
	writ_cptr_t got;
	long r;
	int fd;

	if (len + 1 > SCHEME_INLINE)
		return -ENAMETOOLONG;
	if ((fd = fd_lowest_free(0)) < 0)
		return fd;
	r = request(base, SCHEME_OP_OPEN, args, 3, rest, len + 1, NULL, 0, NULL, 0, &got);
	if (r < 0)
		return (int)r;
	if (!got)
		return -EIO;
	fds[fd] = got;
	return fd;
}

int
writ_open(const char *path, int flags, unsigned mode)
{
	const char *rest;
	writ_cptr_t cap = resolve(path, &rest);

	if (!cap)
		return -ENOENT;
	return open_on(cap, rest, flags, mode);
}

int
writ_openat(int dirfd, const char *path, int flags, unsigned mode)
{
	const char *colon = strchr(path, ':'), *slash = strchr(path, '/');

	if (path[0] == '/' || (colon && (!slash || colon < slash)))
		return writ_open(path, flags, mode);
	if (!writ_fd_cap(dirfd))
		return -EBADF;
	return open_on(writ_fd_cap(dirfd), path, flags, mode);
}

static long
fd_request(int fd, unsigned op, const writ_word_t *args, unsigned nargs, const void *out,
	   size_t out_len, void *in, size_t in_len, writ_word_t *res, unsigned nres)
{
	writ_cptr_t cap = writ_fd_cap(fd);

	if (!cap)
		return -EBADF;
	return request(cap, op, args, nargs, out, out_len, in, in_len, res, nres, NULL);
}

long
writ_read(int fd, void *buf, size_t n)
{
	size_t done = 0;

	/* Inline messages carry SCHEME_INLINE bytes a call; a short read ends it. */
	while (done < n) {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[1] = { k };
		long r = fd_request(fd, SCHEME_OP_READ, a, 1, NULL, 0, (char *)buf + done, k,
				    NULL, 0);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

long
writ_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	do {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[1] = { k };
		long r = fd_request(fd, SCHEME_OP_WRITE, a, 1, (const char *)buf + done, k, NULL, 0,
				    NULL, 0);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	} while (done < n);
	return (long)done;
}

long
writ_pread(int fd, void *buf, size_t n, int64_t off)
{
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[2] = { k, (writ_word_t)(off + (int64_t)done) };
		long r = fd_request(fd, SCHEME_OP_PREAD, a, 2, NULL, 0, (char *)buf + done, k,
				    NULL, 0);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

long
writ_pwrite(int fd, const void *buf, size_t n, int64_t off)
{
	size_t done = 0;

	do {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[2] = { k, (writ_word_t)(off + (int64_t)done) };
		long r = fd_request(fd, SCHEME_OP_PWRITE, a, 2, (const char *)buf + done, k, NULL,
				    0, NULL, 0);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	} while (done < n);
	return (long)done;
}

int64_t
writ_seek(int fd, int64_t off, int whence)
{
	writ_word_t a[2] = { (writ_word_t)off, (writ_word_t)whence };

	return fd_request(fd, SCHEME_OP_SEEK, a, 2, NULL, 0, NULL, 0, NULL, 0);
}

int
writ_fstat(int fd, struct scheme_stat *st)
{
	long r = fd_request(fd, SCHEME_OP_FSTAT, NULL, 0, NULL, 0, st, sizeof(*st), NULL, 0);

	return r < 0 ? (int)r : 0;
}

int
writ_fsync(int fd)
{
	return (int)fd_request(fd, SCHEME_OP_FSYNC, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

int
writ_ftruncate(int fd, int64_t len)
{
	writ_word_t a[1] = { (writ_word_t)len };

	return (int)fd_request(fd, SCHEME_OP_FTRUNCATE, a, 1, NULL, 0, NULL, 0, NULL, 0);
}

int
writ_close(int fd)
{
	writ_cptr_t cap = writ_fd_cap(fd);

	if (!cap)
		return -EBADF;
	/* The server frees the open file once no copy of the capability is left; telling
	 * it now lets it look at once. A dead server does not stop a close. */
	fds[fd] = 0;
	writ_cnode_delete(WRIT_PSLOT_CNODE, cap, 64);
	request(cap, SCHEME_OP_CLOSE, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL);
	writ_slot_free(cap);
	return 0;
}

int
writ_dup(int fd)
{
	writ_cptr_t cap = writ_fd_cap(fd), copy;
	int nfd;

	if (!cap)
		return -EBADF;
	if ((nfd = fd_lowest_free(0)) < 0)
		return nfd;
	if (!(copy = writ_slot_alloc()))
		return -EMFILE;
	if (writ_cnode_copy(WRIT_PSLOT_CNODE, copy, 64, WRIT_PSLOT_CNODE, cap, 64,
			    SCHEME_CAP_RIGHTS) != WRIT_OK) {
		writ_slot_free(copy);
		return -EIO;
	}
	fds[nfd] = copy;
	return nfd;
}

int
writ_dup2(int fd, int newfd)
{
	writ_cptr_t cap = writ_fd_cap(fd), copy;

	if (!cap || newfd < 0 || newfd >= WRIT_FD_MAX)
		return -EBADF;
	if (fd == newfd)
		return newfd;
	if (!(copy = writ_slot_alloc()))
		return -EMFILE;
	if (writ_cnode_copy(WRIT_PSLOT_CNODE, copy, 64, WRIT_PSLOT_CNODE, cap, 64,
			    SCHEME_CAP_RIGHTS) != WRIT_OK) {
		writ_slot_free(copy);
		return -EIO;
	}
	if (fds[newfd])
		writ_close(newfd);
	fds[newfd] = copy;
	return newfd;
}

long
writ_fpath(int fd, char *buf, size_t n)
{
	long r = fd_request(fd, SCHEME_OP_FPATH, NULL, 0, NULL, 0, buf, n ? n - 1 : 0, NULL, 0);

	if (r >= 0 && n)
		buf[(size_t)r < n - 1 ? (size_t)r : n - 1] = 0;
	return r;
}

long
writ_getdents(int fd, void *buf, size_t n)
{
	writ_word_t a[1] = { n < SCHEME_INLINE ? n : SCHEME_INLINE };

	return fd_request(fd, SCHEME_OP_GETDENTS, a, 1, NULL, 0, buf, n, NULL, 0);
}

/* A path operation on the scheme the path names. */
static long
path_op(unsigned op, const char *path, writ_word_t arg, void *in, size_t in_len)
{
	const char *rest;
	writ_cptr_t cap = resolve(path, &rest);
	size_t len = strlen(rest);
	writ_word_t a[2] = { arg, len };

	if (!cap)
		return -ENOENT;
	if (len + 1 > SCHEME_INLINE)
		return -ENAMETOOLONG;
	return request(cap, op, a, 2, rest, len + 1, in, in_len, NULL, 0, NULL);
}

/* Two paths, one after the other in the message, on the scheme of the first. */
static long
two_path_op(unsigned op, const char *p1, const char *p2, writ_word_t flags)
{
	const char *r1, *r2;
	writ_cptr_t c1 = resolve(p1, &r1), c2 = resolve(p2, &r2);
	size_t l1 = strlen(r1), l2 = strlen(r2);
	char buf[SCHEME_INLINE];
	writ_word_t a[3] = { flags, l1, l2 };

	if (!c1 || !c2)
		return -ENOENT;
	if (c1 != c2)
		return -EXDEV;
	if (l1 + l2 + 2 > sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, r1, l1 + 1);
	memcpy(buf + l1 + 1, r2, l2 + 1);
	return request(c1, op, a, 3, buf, l1 + l2 + 2, NULL, 0, NULL, 0, NULL);
}

int writ_mkdir(const char *path, unsigned mode) { return (int)path_op(SCHEME_OP_MKDIR, path, mode, NULL, 0); }
int writ_rmdir(const char *path) { return (int)path_op(SCHEME_OP_RMDIR, path, 0, NULL, 0); }
int writ_unlink(const char *path) { return (int)path_op(SCHEME_OP_UNLINK, path, 0, NULL, 0); }
int writ_rename(const char *from, const char *to) { return (int)two_path_op(SCHEME_OP_RENAME, from, to, 0); }
int writ_link(const char *from, const char *to) { return (int)two_path_op(SCHEME_OP_LINK, from, to, 0); }

int
writ_symlink(const char *target, const char *linkpath)
{
	const char *rest;
	writ_cptr_t cap = resolve(linkpath, &rest);
	size_t l1 = strlen(target), l2 = strlen(rest);
	char buf[SCHEME_INLINE];
	writ_word_t a[3] = { 0, l1, l2 };

	if (!cap)
		return -ENOENT;
	if (l1 + l2 + 2 > sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, target, l1 + 1);
	memcpy(buf + l1 + 1, rest, l2 + 1);
	return (int)request(cap, SCHEME_OP_SYMLINK, a, 3, buf, l1 + l2 + 2, NULL, 0, NULL, 0, NULL);
}

long
writ_readlink(const char *path, char *buf, size_t n)
{
	return path_op(SCHEME_OP_READLINK, path, n, buf, n);
}

int
writ_stat(const char *path, struct scheme_stat *st, int nofollow)
{
	long r = path_op(SCHEME_OP_STAT, path, (writ_word_t)nofollow, st, sizeof(*st));

	return r < 0 ? (int)r : 0;
}
