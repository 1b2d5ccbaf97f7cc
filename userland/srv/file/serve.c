/*
 * file:'s requests: every scheme operation, on a policy record (paths resolved from
 * the root, as open) or a file record (file operations; path operations relative to
 * it when it is a directory, as openat).
 *
 * Input is the client's: every length is checked against the message before a byte
 * is read. A length field larger than the bytes the message (or its window) carries is
 * EINVAL, as dev.c answers; a path of SCHEME_PATH_MAX bytes or more is ENAMETOOLONG.
 * A request that carries a window (scheme.h, "Bulk data") has its bytes there, and a
 * read answers there: the client may change the window meanwhile, so paths are
 * copied out of it before they are looked at, and file data is copied once. Wrong kinds: file operations on a policy are EBADF (a policy
 * is no open file), opening relative to a file that is not a directory is ENOTDIR.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/mem.h>

#include "file.h"

#define FILE_STATS_RECORDS 0    /* STATS(which): records alive (after a sweep) */
#define FILE_STATS_CHECK   1    /* memfs_check: 0, or -EUCLEAN (and a line why) */
#define FILE_STATS_USED    2    /* bytes of the budget in use */
#define FILE_STATS_BUDGET  3
#define FILE_STATS_OFDS    4    /* open file descriptions alive */
#define FILE_STATS_OFDS_NOW 5   /* the same, without a sweep first */
#define FILE_STATS_WINDOWS 6    /* windows mapped (after a sweep) */

/* Two paths and their NULs. */
static uint8_t buf[2 * SCHEME_PATH_MAX];
/* The window the current request carries, or NULL (set by file_request, under the
 * server's lock). */
static struct srv_window *win;

/* How many bytes the request carries at most: its window's, or its message's. */
static size_t
req_room(const struct srv_req *req)
{
	unsigned words = writ_msginfo_length(req->m.info);

	if (win)
		return win->len;
	return words > SCHEME_DATA_WORD ? (words - SCHEME_DATA_WORD) * 8ul : 0;
}

/* The request's first `len` bytes (at most req_room), into buf. */
static int
get_bytes(struct srv_req *req, size_t len)
{
	if (win) {
		memcpy(buf, win->va, len);
		return srv_window_alive(win, len) ? 0 : ESTALE;
	}
	if (len > SCHEME_INLINE || srv_get_bytes(req, 0, buf, len) < 0)
		return EINVAL;
	return 0;
}

/* Where paths start for a request on this record, and who may veto steps. Part 2
 * puts the policy's glob check here (a veto: nothing runs between check and use). */
static int
policy_at(struct fpolicy *pol, struct ofd *o, struct memfs_at *at)
{
	*at = (struct memfs_at){ .dir = NULL, .veto = NULL, .ctx = pol };
	if (pol->revoked)
		return EACCES;
	if (o) {
		if (!memfs_is_dir(o->node))
			return ENOTDIR;
		at->dir = o->node;
	}
	return 0;
}

/* The request's path of `len` bytes (a NUL after it is not needed), into buf. */
static int
get_path(struct srv_req *req, writ_word_t len)
{
	if (len > req_room(req))
		return EINVAL;
	if (len >= SCHEME_PATH_MAX)
		return ENAMETOOLONG;
	return get_bytes(req, (size_t)len);
}

/* Two paths, each followed by a NUL: buf holds both, the second at l1 + 1. */
static int
get_two_paths(struct srv_req *req, writ_word_t l1, writ_word_t l2)
{
	size_t room = req_room(req);

	/* Each checked alone first, so the sum cannot wrap. */
	if (l1 > room || l2 > room || l1 + l2 + 2 > room)
		return EINVAL;
	if (l1 >= SCHEME_PATH_MAX || l2 >= SCHEME_PATH_MAX)
		return ENAMETOOLONG;
	return get_bytes(req, (size_t)(l1 + l2 + 2));
}

static void
put_stat(struct srv_req *req, struct memfs *fs, struct memfs_node *n)
{
	struct memfs_stat ms;
	struct scheme_stat st;

	memfs_stat(fs, n, &ms);
	st = (struct scheme_stat){ .ino = ms.ino, .mode = ms.mode, .nlink = ms.nlink,
				   .uid = ms.uid, .gid = ms.gid, .size = ms.size,
				   .blocks = ms.blocks, .atime_ns = ms.atime_ns,
				   .mtime_ns = ms.mtime_ns, .ctime_ns = ms.ctime_ns,
				   .blksize = ms.blksize };
	if (win) {
		memcpy(win->va, &st, sizeof(st));      /* a window holds at least a page */
		if (!srv_window_alive(win, sizeof(st)))
			return srv_result(req, -ESTALE);
	} else {
		srv_put_bytes(req, 0, &st, sizeof(st));
	}
	srv_result(req, sizeof(st));
}

static void
ofd_put(struct fserver *f, struct ofd *o)
{
	if (--o->refs)
		return;
	memfs_unref(f->fs, o->node);
	o->via->refs--;
	free(o->path);
	free(o);
	f->n_ofd--;
}

/* A new file record for o (which it then holds), with its capability in the reply. */
static void
reply_ofd(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	int i = srv_record_new(&f->srv, SCHEME_KIND_FILE, o);

	if (i < 0) {
		srv_result(req, -ENFILE);
		return;
	}
	o->refs++;
	srv_reply_record(req, &f->srv, i);
	srv_result(req, 0);
}

static unsigned
memfs_oflags(unsigned flags)
{
	return (flags & O_CREAT ? MEMFS_O_CREAT : 0) | (flags & O_EXCL ? MEMFS_O_EXCL : 0) |
	       (flags & O_TRUNC ? MEMFS_O_TRUNC : 0) |
	       (flags & O_DIRECTORY ? MEMFS_O_DIRECTORY : 0) |
	       (flags & O_NOFOLLOW ? MEMFS_O_NOFOLLOW : 0) |
	       ((flags & O_ACCMODE) != O_RDONLY ? MEMFS_O_WRITE : 0);
}

static void
do_open(struct fserver *f, struct srv_req *req, struct memfs_at *at, struct fpolicy *pol)
{
	unsigned flags = (unsigned)req->m.mr[0];
	struct memfs_attr attr = { .mode = (uint32_t)req->m.mr[1] & 07777 };
	static struct memfs_path canon;
	struct memfs_node *n;
	struct ofd *o;
	int r;

	if ((flags & O_ACCMODE) == O_ACCMODE) {
		srv_result(req, -EINVAL);
		return;
	}
	if ((r = get_path(req, req->m.mr[2])) != 0 ||
	    (r = memfs_open(f->fs, at, (const char *)buf, (size_t)req->m.mr[2],
			    memfs_oflags(flags), &attr, &n, &canon)) != 0) {
		srv_result(req, -r);
		return;
	}
	if (!(o = malloc(sizeof(*o))) || !(o->path = malloc(canon.len + 1))) {
		free(o);
		memfs_unref(f->fs, n);
		srv_result(req, -ENOMEM);
		return;
	}
	memcpy(o->path, canon.buf, canon.len + 1);
	o->node = n;
	o->off = 0;
	o->flags = flags & (O_ACCMODE | O_APPEND);
	o->refs = 0;
	o->via = pol;
	pol->refs++;
	f->n_ofd++;
	reply_ofd(f, req, o);
	if (!o->refs) {                 /* no record for it: it goes at once */
		o->refs = 1;
		ofd_put(f, o);
	}
}

/* ---- directory listings ---- */

struct dents {
	uint8_t *out;
	size_t cap, used;
	size_t ends[SCHEME_INLINE / 24 + 1];    /* where each emitted entry ended */
	unsigned n;
};

static bool
dent_put(struct dents *d, uint64_t ino, uint64_t next, uint8_t type, const char *name,
	 size_t len)
{
	size_t reclen = (offsetof(struct scheme_dirent, name) + len + 1 + 7) & ~(size_t)7;
	struct scheme_dirent *e = (struct scheme_dirent *)(d->out + d->used);

	if (d->used + reclen > d->cap)
		return false;
	memset(e, 0, reclen);
	e->ino = ino;
	e->cookie = next;
	e->reclen = (uint16_t)reclen;
	e->type = type;
	memcpy(e->name, name, len);
	d->used += reclen;
	d->ends[d->n++] = d->used;
	return true;
}

static bool
dent_emit(void *ctx, const struct memfs_dirent *de)
{
	return dent_put(ctx, de->ino, de->next, de->type, de->name, de->name_len);
}

/* "." and ".." first (cookies 0 and 1), then the names in memfs's order. */
static void
do_getdents(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	static uint64_t out[SCHEME_INLINE / 8];
	static struct dents d;
	size_t cap = req->m.mr[0] < SCHEME_INLINE ? (size_t)req->m.mr[0] : SCHEME_INLINE;
	struct memfs_stat st;
	size_t keep = 0;
	int r = 0;

	if (!memfs_is_dir(o->node)) {
		srv_result(req, -ENOTDIR);
		return;
	}
	d = (struct dents){ .out = (uint8_t *)out, .cap = cap };
	memfs_stat(f->fs, o->node, &st);
	if (o->off == 0 && dent_put(&d, st.ino, 1, MEMFS_DT_DIR, ".", 1))
		o->off = 1;
	if (o->off == 1) {
		struct memfs_at at = { .dir = o->node };
		struct memfs_node *up;
		struct memfs_stat ust;

		ust.ino = st.ino;
		if (memfs_lookup(f->fs, &at, "..", 2, 0, &up, NULL) == 0)
			memfs_stat(f->fs, up, &ust);
		if (dent_put(&d, ust.ino, MEMFS_COOKIE_FIRST, MEMFS_DT_DIR, "..", 2))
			o->off = MEMFS_COOKIE_FIRST;
	}
	if (o->off >= MEMFS_COOKIE_FIRST && o->off != MEMFS_COOKIE_END) {
		unsigned before = d.n;

		r = memfs_readdir(f->fs, o->node, &o->off, dent_emit, &d, &keep);
		/* memfs keeps runs of alike-hashed names together: drop what it did not keep. */
		d.n = before + (unsigned)keep;
		d.used = d.n ? d.ends[d.n - 1] : 0;
	}
	if (r == EINVAL && d.used)
		r = 0;          /* the buffer is full of "." and "..": the names come next */
	if (r == 0 && d.used == 0 && o->off != MEMFS_COOKIE_END)
		r = EINVAL;     /* not even one entry fits */
	if (r) {
		srv_result(req, -r);
		return;
	}
	srv_put_bytes(req, 0, out, d.used);
	srv_result(req, (long)d.used);
}

/* ---- operations on open files ---- */

/* The offset an append writes at: the end. */
static uint64_t
append_at(struct fserver *f, struct ofd *o, uint64_t off, bool positional)
{
	struct memfs_stat st;

	if (positional || !(o->flags & O_APPEND))
		return off;
	memfs_stat(f->fs, o->node, &st);
	return st.size;
}

/* READ/WRITE/PREAD/PWRITE through the request's window: the file's bytes are copied
 * once, between the file and the client's memory. A read longer than the window reads
 * a window-full; a write longer than it is EINVAL (its bytes are not there). */
static void
do_rw_window(struct fserver *f, struct srv_req *req, struct ofd *o, bool write, uint64_t off)
{
	bool positional = req->op == SCHEME_OP_PREAD || req->op == SCHEME_OP_PWRITE;
	size_t len = req->m.mr[0] < win->len ? (size_t)req->m.mr[0] : win->len;
	size_t done = 0;
	int r;

	if (write && req->m.mr[0] > win->len)
		return srv_result(req, -EINVAL);
	if (write) {
		off = append_at(f, o, off, positional);
		r = len ? memfs_write(f->fs, o->node, off, win->va, len, &done) : 0;
	} else {
		r = memfs_read(f->fs, o->node, off, win->va, len, &done);
	}
	if (!srv_window_alive(win, len))
		return srv_result(req, -ESTALE);	/* its pages went: what moved is not its */
	if (r && !done)
		return srv_result(req, -r);
	if (!positional)
		o->off = off + done;
	srv_result(req, (long)done);
}

static void
do_rw(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	bool write = req->op == SCHEME_OP_WRITE || req->op == SCHEME_OP_PWRITE;
	bool positional = req->op == SCHEME_OP_PREAD || req->op == SCHEME_OP_PWRITE;
	unsigned acc = o->flags & O_ACCMODE;
	writ_word_t len = req->m.mr[0];
	uint64_t off = positional ? req->m.mr[1] : o->off;
	size_t done = 0;
	int r;

	if (write ? acc == O_RDONLY : acc == O_WRONLY) {
		srv_result(req, -EBADF);
		return;
	}
	if (positional && (int64_t)off < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	if (win)
		return do_rw_window(f, req, o, write, off);
	if (!write) {
		uint8_t *out;

		if (len > SCHEME_INLINE)
			len = SCHEME_INLINE;
		/* Straight into the reply: memfs_read makes no system call. */
		out = srv_reply_data(req, 0, (size_t)len);
		if ((r = memfs_read(f->fs, o->node, off, out, (size_t)len, &done)) != 0) {
			req->reply_len = 1;
			srv_result(req, -r);
			return;
		}
		if (done % 8)   /* the last word carries no bytes of an earlier message */
			memset(out + done, 0, 8 - done % 8);
		req->reply_len = SCHEME_DATA_WORD + (unsigned)((done + 7) / 8);
	} else {
		if (len > SCHEME_INLINE || (len && srv_get_bytes(req, 0, buf, (size_t)len) < 0)) {
			srv_result(req, -EINVAL);
			return;
		}
		off = append_at(f, o, off, positional);
		r = len ? memfs_write(f->fs, o->node, off, buf, (size_t)len, &done) : 0;
		if (r && !done) {
			srv_result(req, -r);
			return;
		}
	}
	if (!positional)
		o->off = off + done;
	srv_result(req, (long)done);
}

static void
do_seek(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	int64_t off = (int64_t)req->m.mr[0], base;
	struct memfs_stat st;

	if (memfs_is_dir(o->node)) {
		/* A directory's offset is a cookie: only where a listing left off, or 0. */
		if (req->m.mr[1] == SEEK_SET && off >= 0)
			o->off = (uint64_t)off;
		else if (!(req->m.mr[1] == SEEK_CUR && off == 0))
			return srv_result(req, -EINVAL);
		return srv_result(req, (long)o->off);
	}
	switch (req->m.mr[1]) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)o->off;
		break;
	case SEEK_END:
		memfs_stat(f->fs, o->node, &st);
		base = (int64_t)st.size;
		break;
	default:
		return srv_result(req, -EINVAL);
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return srv_result(req, -EINVAL);
	o->off = (uint64_t)(base + off);
	srv_result(req, (long)o->off);
}

static void
do_fpath(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	static struct memfs_path p;
	const char *s = o->path;
	size_t n;

	/* A directory has one path, now; a file the one it was opened by. */
	if (memfs_is_dir(o->node) && memfs_dir_path(f->fs, o->node, &p) == 0)
		s = p.buf;
	n = strlen(s);
	if (n > SCHEME_INLINE)
		return srv_result(req, -ENAMETOOLONG);
	srv_put_bytes(req, 0, s, n);
	srv_result(req, (long)n);
}

static void
file_op(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	int r;

	switch (req->op) {
	case SCHEME_OP_READ:
	case SCHEME_OP_WRITE:
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
		return do_rw(f, req, o);
	case SCHEME_OP_SEEK:
		return do_seek(f, req, o);
	case SCHEME_OP_FSTAT:
		return put_stat(req, f->fs, o->node);
	case SCHEME_OP_FSYNC:
		return srv_result(req, 0);
	case SCHEME_OP_FTRUNCATE:
		if ((int64_t)req->m.mr[0] < 0 || (o->flags & O_ACCMODE) == O_RDONLY)
			return srv_result(req, -EINVAL);
		r = memfs_truncate(f->fs, o->node, req->m.mr[0]);
		return srv_result(req, -r);
	case SCHEME_OP_CLOSE:
		req->rec->closed = true;
		return srv_result(req, 0);
	case SCHEME_OP_DUP:
		return reply_ofd(f, req, o);
	case SCHEME_OP_FPATH:
		return do_fpath(f, req, o);
	case SCHEME_OP_GETDENTS:
		return do_getdents(f, req, o);
	default:
		return srv_result(req, -ENOSYS);
	}
}

/* ---- operations on paths ---- */

static void
path_op(struct fserver *f, struct srv_req *req, struct memfs_at *at, struct fpolicy *pol)
{
	struct memfs *fs = f->fs;
	const char *p = (const char *)buf;
	writ_word_t *a = req->m.mr;
	int r;

	switch (req->op) {
	case SCHEME_OP_OPEN:
		return do_open(f, req, at, pol);
	case SCHEME_OP_MKDIR: {
		struct memfs_attr attr = { .mode = (uint32_t)a[0] & 07777 };

		if (!(r = get_path(req, a[1])))
			r = memfs_mkdir(fs, at, p, (size_t)a[1], &attr);
		return srv_result(req, -r);
	}
	case SCHEME_OP_RMDIR:
		if (!(r = get_path(req, a[1])))
			r = memfs_rmdir(fs, at, p, (size_t)a[1]);
		return srv_result(req, -r);
	case SCHEME_OP_UNLINK:
		if (!(r = get_path(req, a[1])))
			r = memfs_unlink(fs, at, p, (size_t)a[1]);
		return srv_result(req, -r);
	case SCHEME_OP_RENAME:
		if (!(r = get_two_paths(req, a[1], a[2])))
			r = memfs_rename(fs, at, p, (size_t)a[1], at, p + a[1] + 1, (size_t)a[2],
					 (unsigned)a[0]);
		return srv_result(req, -r);
	case SCHEME_OP_LINK:
		if (!(r = get_two_paths(req, a[1], a[2])))
			r = memfs_link(fs, at, p, (size_t)a[1], at, p + a[1] + 1, (size_t)a[2],
				       a[0] & AT_SYMLINK_FOLLOW ? MEMFS_LOOKUP_FOLLOW : 0);
		return srv_result(req, -r);
	case SCHEME_OP_SYMLINK: {
		struct memfs_attr attr = { .mode = 0777 };

		if (!(r = get_two_paths(req, a[1], a[2])))
			r = memfs_symlink(fs, p, (size_t)a[1], at, p + a[1] + 1, (size_t)a[2],
					  &attr);
		return srv_result(req, -r);
	}
	case SCHEME_OP_READLINK: {
		static char body[MEMFS_PATH_MAX];
		size_t got = 0, n;

		if (!(r = get_path(req, a[1])))
			r = memfs_readlink(fs, at, p, (size_t)a[1], body, sizeof(body), &got);
		if (r)
			return srv_result(req, -r);
		n = got < a[0] ? got : (size_t)a[0];
		if (win) {
			n = n < win->len ? n : win->len;
			memcpy(win->va, body, n);
			if (!srv_window_alive(win, n))
				return srv_result(req, -ESTALE);
			return srv_result(req, (long)n);
		}
		if (n > SCHEME_INLINE)
			n = SCHEME_INLINE;
		srv_put_bytes(req, 0, body, n);
		return srv_result(req, (long)n);
	}
	case SCHEME_OP_STAT: {
		struct memfs_node *n;

		if (!(r = get_path(req, a[1])))
			r = memfs_lookup(fs, at, p, (size_t)a[1], a[0] ? 0 : MEMFS_LOOKUP_FOLLOW,
					 &n, NULL);
		if (r)
			return srv_result(req, -r);
		return put_stat(req, fs, n);
	}
	default:
		return srv_result(req, -ENOSYS);
	}
}

static bool
is_path_op(unsigned op)
{
	switch (op) {
	case SCHEME_OP_OPEN: case SCHEME_OP_MKDIR: case SCHEME_OP_RMDIR:
	case SCHEME_OP_UNLINK: case SCHEME_OP_RENAME: case SCHEME_OP_LINK:
	case SCHEME_OP_SYMLINK: case SCHEME_OP_READLINK: case SCHEME_OP_STAT:
		return true;
	default:
		return false;
	}
}

static void
do_stats(struct fserver *f, struct srv_req *req)
{
	const char *why;

	switch (req->m.mr[0]) {
	case FILE_STATS_RECORDS:
		srv_sweep(&f->srv);
		return srv_result(req, (long)f->srv.live);
	case FILE_STATS_CHECK:
		if ((why = memfs_check(f->fs))) {
			writ_printf("file: memfs_check: %s\n", why);
			return srv_result(req, -EUCLEAN);
		}
		return srv_result(req, 0);
	case FILE_STATS_USED:
		return srv_result(req, (long)memfs_used(f->fs));
	case FILE_STATS_BUDGET:
		return srv_result(req, (long)memfs_budget(f->fs));
	case FILE_STATS_OFDS:
		srv_sweep(&f->srv);
		return srv_result(req, (long)f->n_ofd);
	case FILE_STATS_OFDS_NOW:
		return srv_result(req, (long)f->n_ofd);
	case FILE_STATS_WINDOWS:
		srv_sweep(&f->srv);
		return srv_result(req, (long)srv_windows_live());
	default:
		return srv_result(req, -EINVAL);
	}
}

void
file_request(struct srv *s, struct srv_req *req)
{
	struct fserver *f = s->user;
	struct ofd *o = req->rec->kind == SCHEME_KIND_FILE ? req->rec->obj : NULL;
	struct fpolicy *pol = o ? o->via : req->rec->obj;
	struct memfs_at at;
	int r;

	if (req->op == SCHEME_OP_STATS)
		return do_stats(f, req);
	if (req->op == SCHEME_OP_SHARE)
		return srv_window_share(s, req);
	win = srv_req_window(s, req);
	if (!win && req->n_unwrapped)
		return srv_result(req, -ESTALE);	/* a window of a past life, or gone */
	if (is_path_op(req->op)) {
		if ((r = policy_at(pol, o, &at)) != 0)
			return srv_result(req, -r);
		return path_op(f, req, &at, pol);
	}
	if (!o)         /* a policy is no open file */
		return srv_result(req, req->op >= SCHEME_OP_READ && req->op <= SCHEME_OP_GETDENTS ?
					  -EBADF : -ENOSYS);
	file_op(f, req, o);
}

void
file_release(struct srv *s, struct srv_record *rec)
{
	struct fserver *f = s->user;

	if (rec->kind == SCHEME_KIND_FILE && rec->obj)
		ofd_put(f, rec->obj);
}
