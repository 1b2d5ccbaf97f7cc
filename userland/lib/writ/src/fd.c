/*
 * File descriptors over scheme capabilities (see <writ/fd.h>).
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <stdarg.h>

#include "window.h"

static writ_cptr_t fds[WRIT_FD_MAX];

static void fd_forget(int fd);
static void later_flush(void);
static writ_cptr_t closer_of(uint64_t srv);
static void closer_forget(uint64_t srv);

/* What the server said of each fd's record when it made it (scheme.h, "One call
 * instead"): its badge and the server's identity; 0 when not known (an fd that came
 * from elsewhere). Cleared whenever the fd's capability changes (fd_set). */
struct fd_meta {
	writ_word_t badge;
	uint64_t srv;
	bool later;             /* its server takes the close later (SCHEME_OPEN_LATER) */
};

static struct fd_meta meta[WRIT_FD_MAX];

/* Closers kept from CLOSE replies, by server identity. */
#define CLOSERS 8

static struct {
	uint64_t srv;
	writ_cptr_t cap;
} closers[CLOSERS];
static unsigned closer_next;

/* fd names cap now: what was known of its last capability (window, origin, record)
 * is forgotten. */
static void
fd_set(int fd, writ_cptr_t cap)
{
	fd_forget(fd);
	fds[fd] = cap;
	meta[fd] = (struct fd_meta){ 0, 0, false };
}

static void
fd_set_known(int fd, writ_cptr_t cap, writ_word_t badge, uint64_t srv, bool later)
{
	fd_forget(fd);
	fds[fd] = cap;
	meta[fd] = (struct fd_meta){ badge, srv, later };
}

void
writ_fd_init(void)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (si->caps[i].kind == WRIT_SCAP_FD && si->caps[i].arg < WRIT_FD_MAX)
			fd_set((int)si->caps[i].arg, si->caps[i].slot);
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
		fd_set(fd, cap);
	return fd;
}

/*
 * Identities (srv/init's ident_caps): "<scheme>.id" names this process to the server
 * of <scheme>. It goes along with path operations, weakens and revokes on capabilities
 * known to be that server's: those init gave under the scheme's name and the policies
 * weakened from them (the server's own answers). Never with a capability of unknown
 * origin (received from another process): its endpoint could be anyone's, and the
 * kernel would hand our identity over to it instead of unwrapping it.
 */
#define IDENT_MAX 64
static struct { writ_cptr_t cap, ident; } idents[IDENT_MAX];
static unsigned n_idents;               /* idents[0, n_idents) are used */
static writ_cptr_t fd_origin[WRIT_FD_MAX];

void
writ_ident_set(writ_cptr_t cap, writ_cptr_t ident)
{
	for (unsigned i = 0; i < n_idents; i++)
		if (idents[i].cap == cap) {
			if (ident)
				idents[i].ident = ident;
			else
				idents[i] = idents[--n_idents];
			return;
		}
	if (ident && cap && n_idents < IDENT_MAX) {
		idents[n_idents].cap = cap;
		idents[n_idents++].ident = ident;
	}
}

writ_cptr_t
writ_ident_of(writ_cptr_t cap)
{
	for (unsigned i = 0; i < n_idents; i++)
		if (idents[i].cap == cap)
			return idents[i].ident;
	return 0;
}

/* Operations whose denials and effects the server records with the caller's name. */
static bool
identifies(unsigned op)
{
	switch (op) {
	case SCHEME_OP_OPEN: case SCHEME_OP_MKDIR: case SCHEME_OP_RMDIR:
	case SCHEME_OP_UNLINK: case SCHEME_OP_RENAME: case SCHEME_OP_LINK:
	case SCHEME_OP_SYMLINK: case SCHEME_OP_READLINK: case SCHEME_OP_STAT:
	case SCHEME_OP_WEAKEN: case SCHEME_OP_REVOKE:
		return true;
	default:
		return false;
	}
}

/* The capability to send with op on cap: its identity, or one of a directory fd's
 * origin (an fd opened through a capability of known origin). */
static writ_cptr_t
ident_for(writ_cptr_t cap, unsigned op)
{
	writ_cptr_t id;

	if (!identifies(op))
		return 0;
	if ((id = writ_ident_of(cap)))
		return id;
	for (int fd = 0; fd < WRIT_FD_MAX; fd++)
		if (fds[fd] == cap)
			return fd_origin[fd] ? writ_ident_of(fd_origin[fd]) : 0;
	return 0;
}

writ_cptr_t
writ_scheme_cap(const char *scheme)
{
	/* The last one found: opens mostly name one scheme after another (the start
	 * info's capabilities never change). */
	static const char *last_name;
	static writ_cptr_t last;
	static unsigned last_i;
	const struct writ_startinfo *si = writ_startinfo();

	if (last && writ_startinfo_held(last_i) && strncmp(last_name, scheme, WRIT_CAP_NAME) == 0)
		return last;
	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		if (si->caps[i].kind == WRIT_SCAP_SCHEME && writ_startinfo_held(i) &&
		    strncmp(si->caps[i].name, scheme, WRIT_CAP_NAME) == 0) {
			char id[WRIT_CAP_NAME + 4];

			last_i = i;
			last_name = si->caps[i].name;
			last = si->caps[i].slot;
			writ_snprintf(id, sizeof(id), "%s.id", si->caps[i].name);
			writ_ident_set(last, writ_cap_named(id));
			return last;
		}
	return 0;
}

static void
put_bytes(unsigned word, const void *buf, size_t len)
{
	uint8_t *p = (uint8_t *)&writ_ipc_buffer()->msg[word];

	memcpy(p, buf, len);
	if (len % 8)
		memset(p + len, 0, 8 - len % 8);
}

static void
get_bytes(unsigned word, void *buf, size_t len)
{
	memcpy(buf, &writ_ipc_buffer()->msg[word], len);
}

/* One request: a dead server (or a capability revoked with it) is -EIO. Capabilities
 * that come back (at most ngot) land in got[] (fresh slots, 0 for none); *ngot_out
 * says how many came. */
static long
request_caps(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
	     const void *out, size_t out_len, void *in, size_t in_len, writ_word_t *res,
	     unsigned nres, writ_cptr_t *got, unsigned ngot, unsigned *ngot_out)
{
	struct writ_msg m = { 0 };
	unsigned words = SCHEME_DATA_WORD + (unsigned)((out_len + 7) / 8), came;
	writ_cptr_t slot = 0, id;
	long err, r;

	if (out_len > SCHEME_INLINE)
		return -E2BIG;
	if (op == SCHEME_OP_REVOKE || op == SCHEME_OP_REVOKE_ID)
		later_flush();
	for (unsigned i = 0; i < nargs && i < WRIT_MSG_REGS; i++)
		m.mr[i] = args[i];
	if (out_len)
		put_bytes(SCHEME_DATA_WORD, out, out_len);
	else
		words = nargs;
	if (ngot) {
		if (!(slot = ngot == 1 ? writ_slot_alloc() : writ_slot_alloc_run(ngot)))
			return -EMFILE;
		writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, 64);
	}
	if ((id = ident_for(cap, op)))
		writ_set_cap(0, id);
	m.info = writ_msginfo(op, id ? 1 : 0, words);
	err = writ_call(cap, &m);
	if (err != WRIT_OK) {
		for (unsigned k = 0; k < ngot; k++)
			writ_slot_free(slot + k);
		return -EIO;
	}
	r = (long)m.mr[0];
	for (unsigned i = 0; i < nres && i + 1 < WRIT_MSG_REGS; i++)
		res[i] = i + 1 < writ_msginfo_length(m.info) ? m.mr[i + 1] : 0;
	if (in && r > 0) {
		size_t n = (size_t)r < in_len ? (size_t)r : in_len;

		if (n > SCHEME_INLINE)
			n = SCHEME_INLINE;
		get_bytes(SCHEME_DATA_WORD, in, n);
	}
	came = writ_msginfo_caps(m.info);
	for (unsigned k = 0; k < ngot; k++) {
		got[k] = k < came ? slot + k : 0;
		if (k >= came)
			writ_slot_free(slot + k);
	}
	if (ngot_out)
		*ngot_out = came < ngot ? came : ngot;
	return r;
}

static long
request(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
	const void *out, size_t out_len, void *in, size_t in_len, writ_word_t *res,
	unsigned nres, writ_cptr_t *got)
{
	return request_caps(cap, op, args, nargs, out, out_len, in, in_len, res, nres, got,
			    got ? 1 : 0, NULL);
}

long
writ_scheme_call(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
		 const void *out, size_t out_len, void *in, size_t in_len, writ_word_t *results,
		 unsigned nresults)
{
	return request(cap, op, args, nargs, out, out_len, in, in_len, results, nresults, NULL);
}

/* ---- windows: bulk data through shared memory (scheme.h, "Bulk data") ----
 *
 * A window is per *connection*: one per scheme capability the process opens through
 * (its server's), shared by every file opened there and by long paths, made at the
 * first transfer longer than a message. Per open file would cost 64 KiB of quota and a
 * SHARE (about 16 capability moves) for every file read whole, and open + read + close
 * would pay it each time; one per connection is made once. A window goes only with
 * requests on capabilities of the server it was shared with: an fd that came from
 * elsewhere (inherited, received over cable:) is of a server we cannot name, so it gets
 * a window of its own, shared through it and closed with it. The kernel unwraps a
 * window sent to its own server; sent to another, it would be copied there, and that
 * server could use the window.
 */
static writ_cptr_t fd_origin[WRIT_FD_MAX];      /* the scheme capability, 0: unknown */
static struct win *fd_win[WRIT_FD_MAX];         /* an fd's own window */
static uint8_t fd_nowin[WRIT_FD_MAX];           /* its server has none */

static struct {
	writ_cptr_t base;
	struct win *w;                  /* NULL: its server has no windows */
} conns[WIN_MAX];

static struct win *
window_of_cap(writ_cptr_t base)
{
	long err;
	unsigned i;

	for (i = 0; i < WIN_MAX && conns[i].base; i++)
		if (conns[i].base == base)
			return conns[i].w;
	if (i == WIN_MAX)
		return NULL;
	conns[i].w = win_share(base, &err);
	conns[i].base = base;
	return conns[i].w;
}

static struct win *
window_of_fd(int fd)
{
	long err;

	if (!writ_fd_cap(fd))
		return NULL;
	if (fd_origin[fd])
		return window_of_cap(fd_origin[fd]);
	if (!fd_win[fd] && !fd_nowin[fd] && !(fd_win[fd] = win_share(fds[fd], &err)))
		fd_nowin[fd] = 1;
	return fd_win[fd];
}

/* The server no longer knows window w (it restarted: -ESTALE): forget it, so the next
 * transfer shares a new one. */
static void
window_forget(struct win *w)
{
	for (unsigned i = 0; i < WIN_MAX; i++)
		if (conns[i].w == w)
			conns[i].base = 0, conns[i].w = NULL;
	for (int fd = 0; fd < WRIT_FD_MAX; fd++)
		if (fd_win[fd] == w)
			fd_win[fd] = NULL;
	win_free(w);
}

/* An fd's slot is taken or emptied: what we knew of its server goes. */
static void
fd_forget(int fd)
{
	win_free(fd_win[fd]);
	fd_win[fd] = NULL;
	fd_nowin[fd] = 0;
	fd_origin[fd] = 0;
}

/*
 * READ/WRITE/PREAD/PWRITE of n bytes through fd's window, a window-full a Call: the
 * server copies between the file and the window, we between the window and buf.
 * -ENOSYS when the fd's server has no window (the caller goes inline).
 */
static long
window_rw(int fd, unsigned op, void *buf, size_t n, int64_t off)
{
	bool write = op == SCHEME_OP_WRITE || op == SCHEME_OP_PWRITE;
	bool positional = op == SCHEME_OP_PREAD || op == SCHEME_OP_PWRITE;
	struct win *w = window_of_fd(fd);
	size_t done = 0;

	if (!w)
		return -ENOSYS;
	do {
		size_t k = n - done < w->len ? n - done : w->len;
		writ_word_t a[2] = { k, positional ? (writ_word_t)(off + (int64_t)done) : 0 };
		long r;

		writ_mutex_lock(&w->lock);
		if (write)
			memcpy(w->va, (const char *)buf + done, k);
		r = win_call(w, fds[fd], op, a, 2, NULL);
		if (r > (long)k)
			r = (long)k;	/* more than asked: a server's mistake */
		if (!write && r > 0)
			memcpy((char *)buf + done, w->va, (size_t)r);
		writ_mutex_unlock(&w->lock);
		if (r == -ESTALE && done == 0) {
			window_forget(w);
			return -ENOSYS;
		}
		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	} while (done < n);
	return (long)done;
}

void *
writ_fd_window(int fd, size_t *len)
{
	struct win *w = window_of_fd(fd);

	if (len)
		*len = w ? w->len : 0;
	return w ? w->va : NULL;
}

/* One transfer of n bytes at the start of fd's window (writ_fd_window). */
static long
window_io(int fd, unsigned op, size_t n, int64_t off)
{
	struct win *w = window_of_fd(fd);
	writ_word_t a[2] = { n, (writ_word_t)off };

	if (!w)
		return writ_fd_cap(fd) ? -ENOSYS : -EBADF;
	if (n > w->len)
		return -EINVAL;
	return win_call(w, fds[fd], op, a, 2, NULL);
}

long writ_read_window(int fd, size_t n) { return window_io(fd, SCHEME_OP_READ, n, 0); }
long writ_write_window(int fd, size_t n) { return window_io(fd, SCHEME_OP_WRITE, n, 0); }
long writ_pread_window(int fd, size_t n, int64_t off) { return window_io(fd, SCHEME_OP_PREAD, n, off); }
long writ_pwrite_window(int fd, size_t n, int64_t off) { return window_io(fd, SCHEME_OP_PWRITE, n, off); }

/*
 * A path operation whose bytes do not fit in a message: they go through the window of
 * the capability it is made on (a scheme capability, or the fd dirfd when >= 0), and
 * the answer's bytes come back there. The bytes are out[0..out_len); in, if any, gets
 * at most in_len of the answer.
 */
static long
window_path(writ_cptr_t cap, int dirfd, unsigned op, const writ_word_t *args, unsigned nargs,
	    const void *out, size_t out_len, void *in, size_t in_len, writ_cptr_t *got)
{
	/* A second try when the server restarted since the window was shared (-ESTALE). */
	for (int tries = 0; tries < 2; tries++) {
		struct win *w = dirfd >= 0 ? window_of_fd(dirfd) : window_of_cap(cap);
		long r;

		if (!w)
			return -ENOSYS;
		if (out_len > w->len)
			return -ENAMETOOLONG;
		writ_mutex_lock(&w->lock);
		memcpy(w->va, out, out_len);
		r = win_call(w, cap, op, args, nargs, got);
		if (in && r > 0)
			memcpy(in, w->va, (size_t)r < in_len ? (size_t)r : in_len);
		writ_mutex_unlock(&w->lock);
		if (r != -ESTALE)
			return r;
		window_forget(w);
	}
	return -EIO;
}

/* A path that needs a window, to a server without: too long for it. */
static long
no_window(long r)
{
	return r == -ENOSYS ? -ENAMETOOLONG : r;
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

/*
 * Closes told later (scheme.h, "Closing later"): a closed fd's copy is deleted at once,
 * and its record's badge waits here for the next OPEN through the scheme capability it
 * was opened through, which carries it in register 3. A close that finds another badge
 * waiting for the same OPEN, or every place taken, tells its server through the
 * closer, as before.
 */
#define LATER 4

static struct {
	writ_cptr_t origin;
	writ_word_t badge;
	uint64_t srv;
} later[LATER];

static bool
later_keep(writ_cptr_t origin, writ_word_t badge, uint64_t srv)
{
	/* One a scheme capability: each OPEN carries one, so none waits past the next. */
	for (unsigned i = 0; i < LATER; i++)
		if (later[i].origin == origin)
			return later[i].badge == badge;	/* the same: another copy's close */
	for (unsigned i = 0; origin && i < LATER; i++)
		if (!later[i].origin) {
			later[i].origin = origin;
			later[i].badge = badge;
			later[i].srv = srv;
			return true;
		}
	return false;
}

/* Every waiting close told now, through the closers: a revoke answers how many records
 * it freed, and those a client closed must not be among them. */
static void
later_flush(void)
{
	for (unsigned i = 0; i < LATER; i++) {
		writ_cptr_t closer = later[i].origin ? closer_of(later[i].srv) : 0;
		writ_word_t a[1] = { later[i].badge };

		later[i].origin = 0;
		if (closer && request(closer, SCHEME_OP_CLOSE, a, 1, NULL, 0, NULL, 0, NULL, 0,
				      NULL) == -EIO)
			closer_forget(later[i].srv);
	}
}

/* A badge waiting for an OPEN through origin, taken; 0 for none. */
static writ_word_t
later_take(writ_cptr_t origin)
{
	for (unsigned i = 0; origin && i < LATER; i++)
		if (later[i].origin == origin) {
			later[i].origin = 0;
			return later[i].badge;
		}
	return 0;
}

/* OPEN on base: a scheme capability (dirfd -1) or the directory fd dirfd's. */
static int
open_on(writ_cptr_t base, int dirfd, const char *rest, int flags, unsigned mode)
{
	size_t len = strlen(rest);
	writ_word_t args[4] = { (writ_word_t)(unsigned)flags, mode, len, 0 };
	writ_word_t res[3] = { 0, 0, 0 };
	writ_cptr_t got;
	long r;
	int fd;

	if (len >= SCHEME_PATH_MAX)
		return -ENAMETOOLONG;
	if ((fd = fd_lowest_free(0)) < 0)
		return fd;
	args[3] = later_take(dirfd >= 0 ? fd_origin[dirfd] : base);	/* it goes now */
	if (len + 1 > SCHEME_INLINE)
		r = no_window(window_path(base, dirfd, SCHEME_OP_OPEN, args, 4, rest, len + 1,
					  NULL, 0, &got));
	else
		r = request(base, SCHEME_OP_OPEN, args, 4, rest, len + 1, NULL, 0, res, 3, &got);
	if (r < 0)
		return (int)r;
	if (!got)
		return -EIO;
	fd_set_known(fd, got, res[0], res[2], res[1] == SCHEME_OPEN_LATER);
	fd_origin[fd] = dirfd >= 0 ? fd_origin[dirfd] : base;
	return fd;
}

int
writ_open(const char *path, int flags, unsigned mode)
{
	const char *rest;
	writ_cptr_t cap = resolve(path, &rest);

	if (!cap)
		return -ENOENT;
	return open_on(cap, -1, rest, flags, mode);
}

int
writ_openat(int dirfd, const char *path, int flags, unsigned mode)
{
	const char *colon = strchr(path, ':'), *slash = strchr(path, '/');

	if (path[0] == '/' || (colon && (!slash || colon < slash)))
		return writ_open(path, flags, mode);
	if (!writ_fd_cap(dirfd))
		return -EBADF;
	return open_on(writ_fd_cap(dirfd), dirfd, path, flags, mode);
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

/* READ with SCHEME_READ_REGS: a short answer comes in registers 1..3. */
static long
read_regs(int fd, const writ_word_t a[2], void *buf, size_t k)
{
	writ_cptr_t cap = writ_fd_cap(fd);
	struct writ_msg m = { 0 };
	long r;

	if (!cap)
		return -EBADF;
	m.mr[0] = a[0];
	m.mr[1] = a[1];
	m.info = writ_msginfo(SCHEME_OP_READ, 0, 2);
	if (writ_call(cap, &m) != WRIT_OK)
		return -EIO;
	r = (long)m.mr[0];
	if (r <= 0)
		return r;
	if ((size_t)r > k)
		r = (long)k;
	if (writ_msginfo_length(m.info) <= WRIT_MSG_REGS && r <= SCHEME_REGS_BYTES)
		memcpy(buf, &m.mr[1], (size_t)r);
	else
		get_bytes(SCHEME_DATA_WORD, buf, (size_t)r < SCHEME_INLINE ? (size_t)r : SCHEME_INLINE);
	return r;
}

/* Servers that answered WRITE_REGS with -ENOSYS or -EINVAL, by fd: WRITE from then on. */
static uint8_t no_write_regs[WRIT_FD_MAX];

/* A write of at most 16 bytes in registers; -ENOSYS when the server has none. */
static long
write_regs(int fd, const void *buf, size_t n)
{
	writ_cptr_t cap = writ_fd_cap(fd);
	struct writ_msg m = { 0 };
	long r;

	if (!cap)
		return -EBADF;
	if (no_write_regs[fd])
		return -ENOSYS;
	m.mr[0] = n;
	memcpy(&m.mr[1], buf, n);
	m.info = writ_msginfo(SCHEME_OP_WRITE_REGS, 0, 3);
	if (writ_call(cap, &m) != WRIT_OK)
		return -EIO;
	r = (long)m.mr[0];
	if (r == -ENOSYS || r == -EINVAL) {
		no_write_regs[fd] = 1;
		return -ENOSYS;
	}
	return r;
}

long
writ_read(int fd, void *buf, size_t n)
{
	size_t done = 0;

	if (n > SCHEME_INLINE) {
		long r = window_rw(fd, SCHEME_OP_READ, buf, n, 0);

		if (r != -ENOSYS)
			return r;
	}

	/* Inline messages carry SCHEME_INLINE bytes a call; a short read ends it, and only
	 * the first part may wait (a pipe's read returns what it has once it has some). */
	while (done < n) {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[2] = { k, done ? SCHEME_READ_NOWAIT : SCHEME_READ_REGS };
		long r = done ? fd_request(fd, SCHEME_OP_READ, a, 2, NULL, 0, (char *)buf + done,
					   k, NULL, 0)
			      : read_regs(fd, a, buf, k);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

/*
 * Writes longer than a message go in parts. Up to SCHEME_PIPE_BUF bytes they form one
 * group that a pipe keeps whole (scheme.h, "Writes that stay whole"): the first part
 * says the total and gets a token the others carry. Longer writes may interleave.
 */
long
writ_write(int fd, const void *buf, size_t n)
{
	writ_word_t token = 0;
	size_t done = 0;

	if (n && n <= 16) {
		long r = write_regs(fd, buf, n);

		if (r != -ENOSYS)
			return r;
	}
	if (n > SCHEME_INLINE) {
		long r = window_rw(fd, SCHEME_OP_WRITE, (void *)buf, n, 0);

		if (r != -ENOSYS)
			return r;
	}
	do {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		writ_word_t a[2] = { k, 0 }, res = 0;
		long r;

		if (n > SCHEME_PIPE_BUF)
			a[1] = SCHEME_WRITE_PARTIAL;
		else if (n > SCHEME_INLINE)
			a[1] = done ? SCHEME_WRITE_MORE | token : SCHEME_WRITE_FIRST | n;
		r = fd_request(fd, SCHEME_OP_WRITE, a, 2, (const char *)buf + done, k, NULL, 0,
			       &res, 1);
		if (!done)
			token = res & SCHEME_WRITE_ARG_MASK;	/* the first part's answer */
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

	if (n > SCHEME_INLINE) {
		long r = window_rw(fd, SCHEME_OP_PREAD, buf, n, off);

		if (r != -ENOSYS)
			return r;
	}

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

	if (n > SCHEME_INLINE) {
		long r = window_rw(fd, SCHEME_OP_PWRITE, (void *)buf, n, off);

		if (r != -ENOSYS)
			return r;
	}

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

/* The closer kept for server `srv`, or 0. */
static writ_cptr_t
closer_of(uint64_t srv)
{
	for (unsigned i = 0; srv && i < CLOSERS; i++)
		if (closers[i].srv == srv)
			return closers[i].cap;
	return 0;
}

/* Keep `cap` as server srv's closer; false when it is not kept (the caller deletes it). */
static bool
closer_keep(uint64_t srv, writ_cptr_t cap)
{
	unsigned i = closer_next++ % CLOSERS;

	if (!srv || closer_of(srv))
		return false;
	if (closers[i].cap) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, closers[i].cap, 64);
		writ_slot_free(closers[i].cap);
	}
	closers[i].srv = srv;
	closers[i].cap = cap;
	return true;
}

/* Forget server srv's closer (its server died: a new life has another identity). */
static void
closer_forget(uint64_t srv)
{
	for (unsigned i = 0; i < CLOSERS; i++)
		if (closers[i].srv == srv && closers[i].cap) {
			writ_cnode_delete(WRIT_PSLOT_CNODE, closers[i].cap, 64);
			writ_slot_free(closers[i].cap);
			closers[i].srv = 0;
			closers[i].cap = 0;
		}
}

int
writ_close(int fd)
{
	writ_cptr_t cap = writ_fd_cap(fd), closer, origin;
	struct fd_meta fm = fd >= 0 && fd < WRIT_FD_MAX ? meta[fd] : (struct fd_meta){ 0, 0, false };

	if (!cap)
		return -EBADF;
	origin = fd_origin[fd];
	fd_set(fd, 0);
	no_write_regs[fd] = 0;
	/* One call (scheme.h, "One call instead"): this copy goes, then the closer kept
	 * from an earlier close lets the server look whether another copy is left; or
	 * none, the next OPEN telling it ("Closing later"). */
	if (fm.badge && (closer = closer_of(fm.srv))) {
		writ_word_t a[1] = { fm.badge };

		writ_cnode_delete(WRIT_PSLOT_CNODE, cap, 64);
		writ_slot_free(cap);
		if (fm.later && later_keep(origin, fm.badge, fm.srv))
			return 0;
		if (request(closer, SCHEME_OP_CLOSE, a, 1, NULL, 0, NULL, 0, NULL, 0, NULL) == -EIO)
			closer_forget(fm.srv);
		return 0;
	}
	fd_close_cap(cap);
	return 0;
}

/* Is any closer kept? */
static bool
closers_kept(void)
{
	for (unsigned i = 0; i < CLOSERS; i++)
		if (closers[i].cap)
			return true;
	return false;
}

/*
 * CLOSE of cap (an fd whose record we do not know: received, inherited) when its
 * server's closer may be one we keep: asked with no receive slot, so the closer the
 * server answers is not copied to us only to be deleted. True when that closed it;
 * false (cap untouched) when its server's closer is not among ours.
 */
static bool
close_with_kept_closer(writ_cptr_t cap)
{
	writ_word_t res[2] = { 0, 0 }, a[1];
	writ_cptr_t closer;
	long r;

	if (!closers_kept())
		return false;
	writ_set_receive_slot(WRIT_PSLOT_CNODE, 0, 0);
	r = request(cap, SCHEME_OP_CLOSE, NULL, 0, NULL, 0, NULL, 0, res, 2, NULL);
	if (r != 0 || !(closer = closer_of(res[1])))
		return false;
	writ_cnode_delete(WRIT_PSLOT_CNODE, cap, 64);
	writ_slot_free(cap);
	a[0] = res[0];
	if (request(closer, SCHEME_OP_CLOSE, a, 1, NULL, 0, NULL, 0, NULL, 0, NULL) == -EIO)
		closer_forget(res[1]);
	return true;
}

void
fd_close_cap(writ_cptr_t cap)
{
	writ_cptr_t closer = 0;
	writ_word_t res[2] = { 0, 0 };
	long r;

	if (close_with_kept_closer(cap))
		return;

	/* Two steps (scheme.h, "Closing"): the server answers the closer, this copy goes,
	 * then the closer lets the server look whether another copy is left. A dead
	 * server does not stop a close. */
	r = request(cap, SCHEME_OP_CLOSE, NULL, 0, NULL, 0, NULL, 0, res, 2, &closer);
	writ_cnode_delete(WRIT_PSLOT_CNODE, cap, 64);
	writ_slot_free(cap);
	if (r == 0 && closer) {
		writ_word_t a[1] = { res[0] };

		request(closer, SCHEME_OP_CLOSE, a, 1, NULL, 0, NULL, 0, NULL, 0, NULL);
	}
	if (closer && !(r == 0 && closer_keep(res[1], closer))) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, closer, 64);
		writ_slot_free(closer);
	}
}

/* A copy with the rights the original has: the kernel refuses to copy more rights
 * than a capability holds, and a scheme capability has no Read. */
static long
copy_cap(writ_cptr_t dest, writ_cptr_t src)
{
	static const unsigned tries[] = {
		WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY,
		WRIT_RIGHTS_ALL,
		WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT_REPLY,
		WRIT_RIGHT_WRITE,
	};
	long err = WRIT_E_RIGHTS;

	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]) && err == WRIT_E_RIGHTS; i++)
		err = writ_cnode_copy(WRIT_PSLOT_CNODE, dest, 64, WRIT_PSLOT_CNODE, src, 64,
				      tries[i]);
	return err;
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
	if (copy_cap(copy, cap) != WRIT_OK) {
		writ_slot_free(copy);
		return -EIO;
	}
	fd_set_known(nfd, copy, meta[fd].badge, meta[fd].srv, meta[fd].later);
	fd_origin[nfd] = fd_origin[fd];
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
	if (copy_cap(copy, cap) != WRIT_OK) {
		writ_slot_free(copy);
		return -EIO;
	}
	if (fds[newfd])
		writ_close(newfd);
	fd_set_known(newfd, copy, meta[fd].badge, meta[fd].srv, meta[fd].later);
	fd_origin[newfd] = fd_origin[fd];
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
	if (len >= SCHEME_PATH_MAX)
		return -ENAMETOOLONG;
	/* A long path goes through the window, and so does a long answer (readlink). */
	if (len + 1 > SCHEME_INLINE || in_len > SCHEME_INLINE) {
		long r = window_path(cap, -1, op, a, 2, rest, len + 1, in, in_len, NULL);

		if (r != -ENOSYS || len + 1 > SCHEME_INLINE)
			return no_window(r);
	}
	return request(cap, op, a, 2, rest, len + 1, in, in_len, NULL, 0, NULL);
}

/* Two paths and their NULs as one request, inline or through the window. */
static long
two_path_request(writ_cptr_t cap, unsigned op, writ_word_t arg, const char *p1, size_t l1,
		 const char *p2, size_t l2)
{
	char buf[2 * SCHEME_PATH_MAX];
	writ_word_t a[3] = { arg, l1, l2 };

	if (l1 >= SCHEME_PATH_MAX || l2 >= SCHEME_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, p1, l1 + 1);
	memcpy(buf + l1 + 1, p2, l2 + 1);
	if (l1 + l2 + 2 > SCHEME_INLINE)
		return no_window(window_path(cap, -1, op, a, 3, buf, l1 + l2 + 2, NULL, 0, NULL));
	return request(cap, op, a, 3, buf, l1 + l2 + 2, NULL, 0, NULL, 0, NULL);
}

/* Two paths, one after the other in the message, on the scheme of the first. */
static long
two_path_op(unsigned op, const char *p1, const char *p2, writ_word_t flags)
{
	const char *r1, *r2;
	writ_cptr_t c1 = resolve(p1, &r1), c2 = resolve(p2, &r2);
	size_t l1 = strlen(r1), l2 = strlen(r2);

	if (!c1 || !c2)
		return -ENOENT;
	if (c1 != c2)
		return -EXDEV;
	return two_path_request(c1, op, flags, r1, l1, r2, l2);
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

	if (!cap)
		return -ENOENT;
	return (int)two_path_request(cap, SCHEME_OP_SYMLINK, 0, target, l1, rest, l2);
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

/* ---- pipes and cables ---- */

/* PAIR on a scheme: two new fds (fds[0] first). */
static int
scheme_pair(const char *scheme, int flags, int fds_out[2])
{
	writ_cptr_t base = writ_scheme_cap(scheme), got[2];
	writ_word_t a[1] = { (writ_word_t)(unsigned)flags }, res[3];
	unsigned came = 0;
	long r;
	int f0, f1;

	if (!base)
		return -ENOENT;
	if ((f0 = fd_lowest_free(0)) < 0 || (f1 = fd_lowest_free(f0 + 1)) < 0)
		return -EMFILE;
	r = request_caps(base, SCHEME_OP_PAIR, a, 1, NULL, 0, NULL, 0, res, 3, got, 2, &came);
	if (r >= 0 && came != 2)
		r = -EIO;
	if (r < 0) {
		for (unsigned k = 0; k < came; k++) {
			writ_cnode_delete(WRIT_PSLOT_CNODE, got[k], 64);
			writ_slot_free(got[k]);
		}
		return (int)r;
	}
	fd_set_known(f0, got[0], res[0], res[2], false);
	fd_set_known(f1, got[1], res[1], res[2], false);
	fd_origin[f0] = fd_origin[f1] = base;
	fds_out[0] = f0;
	fds_out[1] = f1;
	return 0;
}

int
writ_pipe2(int fds_out[2], int flags)
{
	return scheme_pair("pipe", flags, fds_out);
}

int
writ_fd_setfl(int fd, int flags)
{
	writ_word_t arg = (writ_word_t)(unsigned)flags;

	return (int)fd_request(fd, SCHEME_OP_SETFL, &arg, 1, NULL, 0, NULL, 0, NULL, 0);
}

int
writ_pipe(int fds_out[2])
{
	return scheme_pair("pipe", 0, fds_out);
}

int
writ_cable_pair(int fds_out[2])
{
	return scheme_pair("cable", 0, fds_out);
}

/* SEND on cable fd; the fds sent go by move, or are copied and kept (keep). */
static inline __attribute__((always_inline)) long
cable_send(int fd, uint64_t key, const void *data, size_t len, const int *send_fds,
	   unsigned nfds, bool keep)
{
	writ_cptr_t cap = writ_fd_cap(fd), one = 0;
	writ_word_t a[3] = { len, key, 0 };
	long r;

	if (!cap)
		return -EBADF;
	if (nfds > SCHEME_CABLE_FDS || len > SCHEME_INLINE)
		return -EINVAL;
	for (unsigned i = 0; i < nfds; i++) {
		if (!writ_fd_cap(send_fds[i]))
			return -EBADF;
		writ_set_cap(i, writ_fd_cap(send_fds[i]));
	}
	/* One fd moves (<writ/abi.h>): no delete after. A refused SEND moves it back, into
	 * its own slot, named as the receive slot. (Several go as copies, deleted after:
	 * their slots are not consecutive, and the same fd may come twice.) */
	if (nfds == 1 && !keep) {
		one = writ_fd_cap(send_fds[0]);
		writ_set_receive_slot(WRIT_PSLOT_CNODE, one, 64);
	} else if (keep && nfds) {
		/* Copies a refused SEND gives back have nowhere to land: the server's go. */
		writ_set_receive_slot(WRIT_PSLOT_CNODE, 0, 0);
	}
	{
		struct writ_msg m = { 0 };

		m.mr[0] = a[0];
		m.mr[1] = a[1];
		m.mr[2] = a[2];
		if (len)
			put_bytes(SCHEME_DATA_WORD, data, len);
		m.info = writ_msginfo_move(writ_msginfo(SCHEME_OP_SEND, nfds,
							SCHEME_DATA_WORD + (len + 7) / 8),
					   one ? 1 : 0);
		if (writ_call(cap, &m) != WRIT_OK)
			return -EIO;
		r = (long)m.mr[0];
		if (r >= 0 && one && m.mr[1] == 1) {	/* the server has it: our slot is empty */
			fd_set(send_fds[0], 0);
			writ_slot_free(one);
			return r;
		}
	}
	/* The fds travel by move: the server holds its own copies now, so deleting ours
	 * frees nothing there and needs no CLOSE. */
	if (r >= 0 && !keep)
		for (unsigned i = 0; i < nfds; i++) {
			writ_cptr_t c = fds[send_fds[i]];

			if (!c)
				continue;	/* the same fd twice */
			fd_set(send_fds[i], 0);
			writ_cnode_delete(WRIT_PSLOT_CNODE, c, 64);
			writ_slot_free(c);
		}
	return r;
}

long
writ_cable_send(int fd, uint64_t key, const void *data, size_t len, const int *send_fds,
		unsigned nfds)
{
	return cable_send(fd, key, data, len, send_fds, nfds, false);
}

long
writ_cable_send_copy(int fd, uint64_t key, const void *data, size_t len, const int *send_fds,
		     unsigned nfds)
{
	return cable_send(fd, key, data, len, send_fds, nfds, true);
}

long
writ_cable_recv(int fd, uint64_t *key, void *buf, size_t len, int *fds_out, unsigned *nfds)
{
	writ_cptr_t cap = writ_fd_cap(fd), got[SCHEME_CABLE_FDS];
	writ_word_t a[2] = { len < SCHEME_INLINE ? len : SCHEME_INLINE, 0 }, res[2] = { 0, 0 };
	unsigned came = 0, want = nfds ? *nfds : 0;
	long r;

	if (!cap)
		return -EBADF;
	r = request_caps(cap, SCHEME_OP_RECV, a, 2, NULL, 0, buf, len, res, 2, got,
			 SCHEME_CABLE_FDS, &came);
	if (key)
		*key = r >= 0 ? res[0] : 0;
	for (unsigned k = 0; k < came; k++) {
		int nfd = writ_fd_install(got[k]);

		if (nfd >= 0 && k < want && fds_out) {
			fds_out[k] = nfd;
			continue;
		}
		/* No room for it: it is closed, as an unread fd would be. */
		if (nfd >= 0) {
			writ_close(nfd);
		} else {
			writ_cnode_delete(WRIT_PSLOT_CNODE, got[k], 64);
			writ_slot_free(got[k]);
		}
	}
	if (nfds)
		*nfds = came < want ? came : want;
	return r;
}

/* ---- policies (writ/policy.h) ---- */

long
writ_scheme_call_cap(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
		     const void *out, size_t out_len, void *in, size_t in_len,
		     writ_word_t *results, unsigned nresults, writ_cptr_t *got)
{
	return request(cap, op, args, nargs, out, out_len, in, in_len, results, nresults, got);
}

int
writ_open_via(writ_cptr_t policy, const char *path, int flags, unsigned mode)
{
	if (!policy)
		return -EBADF;
	return open_on(policy, -1, path, flags, mode);
}

int
writ_fd_weaken(int fd, int acc)
{
	writ_cptr_t cap = writ_fd_cap(fd), got = 0;
	writ_word_t arg = (writ_word_t)(unsigned)acc;
	int nfd;
	long r;

	if (!cap)
		return -EBADF;
	if ((nfd = fd_lowest_free(0)) < 0)
		return nfd;
	r = request(cap, SCHEME_OP_WEAKEN, &arg, 1, NULL, 0, NULL, 0, NULL, 0, &got);
	if (r < 0)
		return (int)r;
	if (!got)
		return -EIO;
	fd_set(nfd, got);	/* a record of its own, whose badge the reply did not say */
	fd_origin[nfd] = fd_origin[fd];
	return nfd;
}

int
writ_dprintf(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = writ_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	return n < 0 ? n : (int)writ_write(fd, line, (size_t)n);
}
