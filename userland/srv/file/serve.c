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
#define FILE_STATS_POLICIES 7   /* (7, from): the policy tree, see policy_line */
#define FILE_STATS_SELF    8    /* the index of the record called (a policy's id) */
#define FILE_STATS_DENIALS 9    /* on a policy: its recent denials, see do_denials */
#define FILE_STATS_FILES   10   /* (10, from): the open files, see file_line */
#define FILE_STATS_REVOKED 11   /* (11, from): the last revokes, see revoked_line */

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

/*
 * The policy check (README, "Rights"). A path operation runs memfs with a veto that
 * sees the object each end of it reached, by its canonical path (after '.', '..', '//',
 * trailing slashes and every symlink): outside the policy's glob it is ENOENT (the
 * policy cannot see it), inside but wanting a right the policy lacks EACCES. '..' and
 * symlinks met on the way are not checked themselves: only where they lead counts.
 * The server is the only one who changes the tree and handles one request at a time
 * under its lock, and memfs runs the operation right after the veto said yes: nothing
 * can change the tree between the check and the use (no rename, link or symlink swap
 * by anyone can move an open outside the glob).
 */
struct pcheck {
	struct fpolicy *pol;
	unsigned op;
	unsigned flags;                 /* OPEN's Linux flags */
	bool hidden_link;               /* the walk followed a link the policy cannot see */
	int denied;                     /* the policy refused the object reached (errno) */
};

static struct pcheck pcheck;

/* Does pol let its holder reach path with the rights `need`? 0, ENOENT or EACCES. */
static int
policy_allows(const struct fpolicy *pol, const char *path, size_t len, uint8_t need)
{
	if (!pol->policy)
		return 0;                       /* the root: every path, every right */
	/* memfs's canonical paths (and listings' dir + "/" + name) are canonical. */
	if (!policy_match_canonical(&pol->policy->glob, path, len))
		return ENOENT;
	return (need & ~pol->rights) ? EACCES : 0;
}

/* The rights an open with Linux's flags wants on a file (not a directory). */
static uint8_t
open_rights(unsigned flags)
{
	unsigned acc = flags & O_ACCMODE;
	uint8_t need = acc == O_RDONLY ? POLICY_R_READ : acc == O_WRONLY ? POLICY_R_WRITE :
		       POLICY_R_READ | POLICY_R_WRITE;

	if ((flags & SCHEME_O_EXEC) && acc == O_RDONLY)
		need = POLICY_R_EXEC;
	if (flags & O_TRUNC)
		need |= POLICY_R_WRITE;
	return need;
}

/* What the object a request reached needs (scheme.h, "Rights"). */
static uint8_t
step_rights(const struct pcheck *c, const struct memfs_step *st)
{
	switch (c->op) {
	case SCHEME_OP_OPEN:
		if (!st->node)
			return POLICY_R_CREATE | open_rights(c->flags);
		if (memfs_is_dir(st->node))
			return POLICY_R_LIST;
		return open_rights(c->flags);
	case SCHEME_OP_MKDIR:
	case SCHEME_OP_SYMLINK:
		return POLICY_R_CREATE;
	case SCHEME_OP_RMDIR:
	case SCHEME_OP_UNLINK:
		return POLICY_R_DELETE;
	case SCHEME_OP_READLINK:
		return POLICY_R_READ;
	case SCHEME_OP_RENAME:
		if (st->which == 0)
			return POLICY_R_DELETE;
		return POLICY_R_CREATE | (st->node ? POLICY_R_DELETE : 0);
	case SCHEME_OP_LINK:
		return st->which == 0 ? 0 : POLICY_R_CREATE;
	default:                                /* STAT: seeing it is enough */
		return 0;
	}
}

/*
 * The walk's errors must not say more than the policy sees: a non-directory met
 * mid-path (or before a trailing slash) answers ENOTDIR only when the policy sees it,
 * ENOENT otherwise; a link the policy cannot see marks the walk (hidden_link), so a
 * loop through it answers ENOENT, not ELOOP (policy_hide).
 */
static int
policy_veto(void *ctx, const struct memfs_step *st)
{
	struct pcheck *c = ctx;

	switch (st->kind) {
	case MEMFS_STEP_FINAL:
		c->denied = policy_allows(c->pol, st->path, st->path_len, step_rights(c, st));
		return c->denied;
	case MEMFS_STEP_NOTDIR:
		c->denied = policy_allows(c->pol, st->path, st->path_len, 0) ? ENOENT : 0;
		return c->denied;
	case MEMFS_STEP_SYMLINK:
		if (!c->hidden_link && policy_allows(c->pol, st->path, st->path_len, 0))
			c->hidden_link = true;
		return 0;
	default:
		return 0;
	}
}

/*
 * Records of who did what (README, "Records"): each path operation a policy denied and
 * each revoke, with the caller's pid and name. The caller is who init's identity
 * capability says (SCHEME_KIND_IDENT, unwrapped by the kernel: unforgeable); a request
 * without one names the process that made the policy instead ("holder unknown").
 */
/* The current request's caller (caller_of), for the records it makes. */
static unsigned caller_now;

static unsigned
caller_of(const struct fserver *f, const struct srv_req *req, unsigned *idents)
{
	unsigned pid = 0;

	*idents = 0;
	for (unsigned k = 0; k < req->n_unwrapped; k++) {
		writ_word_t b = req->unwrapped[k];

		if (scheme_badge_kind(b) != SCHEME_KIND_IDENT)
			continue;
		(*idents)++;            /* no window, whatever life it is of */
		/* One init minted for this life of the server; after a restart the
		 * process's identity is of a past one and says nothing. */
		if (scheme_badge_gen(b) == 0 && scheme_badge_index(b) &&
		    scheme_badge_epoch(b) == (f->srv.epoch & 0xffff))
			pid = scheme_badge_index(b);
	}
	return pid;
}

static const char *
op_name(unsigned op)
{
	static const char *const names[] = {
		[SCHEME_OP_OPEN] = "open", [SCHEME_OP_MKDIR] = "mkdir",
		[SCHEME_OP_RMDIR] = "rmdir", [SCHEME_OP_UNLINK] = "unlink",
		[SCHEME_OP_RENAME] = "rename", [SCHEME_OP_LINK] = "link",
		[SCHEME_OP_SYMLINK] = "symlink", [SCHEME_OP_READLINK] = "readlink",
		[SCHEME_OP_STAT] = "stat",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "op";
}

/* "pid N NAME", or who made the policy when the caller did not say. */
static void
who(char *out, size_t n, unsigned pid, const struct fpolicy *pol)
{
	char name[WRIT_CAP_NAME];

	if (pid) {
		if (writ_proc_name(pid, name, sizeof(name)) < 0)
			memcpy(name, "?", 2);
		writ_snprintf(out, n, "pid %u %s", pid, name);
	} else {
		writ_snprintf(out, n, "a holder unknown (policy made by pid %u)", pol->maker);
	}
}

/*
 * The last denials, for `sandbox --explain` (STATS DENIALS): which policy refused what.
 * A policy is named by its address and a serial number, so a policy freed and another
 * made at the same address do not share denials.
 */
#define DENIALS 16
static struct denial {
	const struct fpolicy *pol;
	uint64_t serial;
	char line[200];
} denials[DENIALS];
static unsigned next_denial;
static uint64_t policy_serial;

static void
log_denied(struct fserver *f, struct srv_req *req, struct fpolicy *pol, unsigned pid,
	   size_t path_len)
{
	struct denial *d = &denials[next_denial++ % DENIALS];

	char by[WRIT_CAP_NAME + 48], glob[96], path[160];
	size_t n = path_len < sizeof(path) - 1 ? path_len : sizeof(path) - 1;

	who(by, sizeof(by), pid, pol);
	policy_print_glob(&pol->policy->glob, glob, sizeof(glob));
	memcpy(path, buf, n);           /* the request's bytes: no NUL of their own */
	path[n] = 0;
	writ_printf("%s: denied %s %s (%s, policy %s) by %s\n", f->srv.name, op_name(req->op),
		    path, pcheck.denied == EACCES ? "EACCES" : "ENOENT", glob, by);
	d->pol = pol;
	d->serial = pol->serial;
	writ_snprintf(d->line, sizeof(d->line), "%s %s %s\n", op_name(req->op),
		      pcheck.denied == EACCES ? "EACCES" : "ENOENT", path);
}

/* The answer of a walk through pol, as the policy may tell it (see policy_veto). */
static void
policy_hide(const struct fpolicy *pol, struct srv_req *req)
{
	if ((long)req->m.mr[0] == -ELOOP && pol->policy && pcheck.hidden_link)
		srv_result(req, -ENOENT);
}

/* Where paths start for a request on this record, and the policy's veto. */
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
	if (pol->policy) {
		pcheck = (struct pcheck){ .pol = pol };
		at->veto = policy_veto;
		at->ctx = &pcheck;
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

/*
 * Compiled policies, shared: weakens to the same text (helpers handed the same narrow
 * policy, a tree of them) compile it once. Each is kept in policy_size bytes, not the
 * whole 22 KiB struct (a typical glob takes a few hundred: a weaken needs no fresh
 * pages, and 10,000 of them fit a server's quota). Keyed by the exact text (the
 * compiled form depends on nothing else); each goes with the last policy using it.
 */
struct cpolicy {
	struct cpolicy *next;           /* in its bucket */
	unsigned refs;
	uint32_t hash;
	uint32_t len;
	const char *text;               /* what it was compiled from: after p's bytes */
	struct policy p;                /* last, cut to policy_size: see alloc_cpolicy */
};

#define CPOL_BUCKETS 256
static struct cpolicy *cpols[CPOL_BUCKETS];

static struct cpolicy *
cpolicy_of(const struct policy *p)
{
	return (struct cpolicy *)((char *)p - offsetof(struct cpolicy, p));
}

/* A record for compiled policy p with its text, in one block sized to both. */
static struct cpolicy *
cpolicy_new(const struct policy *p, const uint8_t *text, size_t len, uint32_t hash)
{
	size_t size = policy_size(p), at = offsetof(struct cpolicy, p) + size;
	struct cpolicy *c = malloc(at + len);

	if (!c)
		return NULL;
	memcpy(&c->p, p, size);
	memcpy((char *)c + at, text, len);
	c->text = (const char *)c + at;
	c->refs = 0;
	c->hash = hash;
	c->len = (uint32_t)len;
	c->next = cpols[hash % CPOL_BUCKETS];
	cpols[hash % CPOL_BUCKETS] = c;
	return c;
}

static uint32_t
text_hash(const uint8_t *t, size_t n)
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	while (n--)
		h = (h ^ *t++) * 16777619u;
	return h;
}

static struct cpolicy *
cpolicy_find(uint32_t h, const uint8_t *t, size_t n)
{
	for (struct cpolicy *c = cpols[h % CPOL_BUCKETS]; c; c = c->next)
		if (c->hash == h && c->len == n && memcmp(c->text, t, n) == 0)
			return c;
	return NULL;
}

static void
cpolicy_put(struct policy *p)
{
	struct cpolicy *c = cpolicy_of(p), **pp;

	if (--c->refs)
		return;
	for (pp = &cpols[c->hash % CPOL_BUCKETS]; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	free(c);
}

/* A reference to a derived policy goes; the last one frees it (its parent's reference
 * with it). The root is never freed. */
static void
fpolicy_put(struct fpolicy *p)
{
	while (p && --p->refs == 0 && p->parent) {
		struct fpolicy *up = p->parent;

		cpolicy_put(p->policy);
		free(p);
		p = up;
	}
}

/*
 * Open file descriptions with a path of less than OFD_SHORT bytes are one block, and
 * up to OFD_SPARE freed ones wait for the next open (an open and close of a file is the
 * commonest pair of requests: no malloc or free then).
 */
#define OFD_SPARE 16
static struct ofd *ofd_spare[OFD_SPARE];
static unsigned n_ofd_spare;

/* A new open file description with room for the path of len bytes (and its NUL). */
static struct ofd *
ofd_new(size_t len)
{
	struct ofd *o = n_ofd_spare ? ofd_spare[--n_ofd_spare] : malloc(sizeof(*o));

	if (!o)
		return NULL;
	o->path = len < OFD_SHORT ? o->short_path : malloc(len + 1);
	if (!o->path) {
		free(o);
		return NULL;
	}
	return o;
}

static void
ofd_free(struct ofd *o)
{
	if (o->path != o->short_path)
		free(o->path);
	if (n_ofd_spare < OFD_SPARE)
		ofd_spare[n_ofd_spare++] = o;
	else
		free(o);
}

static void
ofd_put(struct fserver *f, struct ofd *o)
{
	if (--o->refs)
		return;
	memfs_unref(f->fs, o->node);
	fpolicy_put(o->via);
	ofd_free(o);
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
	if (req->op == SCHEME_OP_OPEN)
		req->m.mr[2] = SCHEME_OPEN_LATER;	/* no peer waits on a file's close */
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

	r = get_path(req, req->m.mr[2]);
	srv_closed_later(&f->srv, req);		/* the path is out of the IPC buffer */
	if (r == 0 && (flags & O_ACCMODE) == O_ACCMODE)
		r = EINVAL;
	if (r != 0 ||
	    (r = memfs_open(f->fs, at, (const char *)buf, (size_t)req->m.mr[2],
			    memfs_oflags(flags), &attr, &n, &canon)) != 0) {
		srv_result(req, -r);
		return;
	}
	if (!(o = ofd_new(canon.len))) {
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
	o->opener = caller_now;
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
	const struct fpolicy *pol;      /* list only the names it sees (NULL: all) */
	struct memfs_path *dir;         /* the directory's canonical path, when pol */
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

/* A name the policy cannot see is left out, as if it were not there: it still counts
 * as an emitted entry (memfs's `keep` counts emits), taking no room. */
static bool
dent_emit(void *ctx, const struct memfs_dirent *de)
{
	struct dents *d = ctx;
	struct memfs_path *p = d->dir;
	size_t base = p ? p->len : 0;

	if (d->pol && d->pol->policy) {
		if (d->n == sizeof(d->ends) / sizeof(d->ends[0]))
			return false;
		if (base == 1)
			base = 0;               /* "/" + "/name" would double the slash */
		if (base + 1 + de->name_len < sizeof(p->buf)) {
			p->buf[base] = '/';
			memcpy(p->buf + base + 1, de->name, de->name_len);
			if (policy_allows(d->pol, p->buf, base + 1 + de->name_len, 0) != 0) {
				d->ends[d->n++] = d->used;
				return true;
			}
		}
	}
	return dent_put(ctx, de->ino, de->next, de->type, de->name, de->name_len);
}

/* "." and ".." first (cookies 0 and 1), then the names in memfs's order. */
static void
do_getdents(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	static uint64_t out[SCHEME_INLINE / 8];
	static struct dents d;
	static struct memfs_path dir;
	size_t cap = req->m.mr[0] < SCHEME_INLINE ? (size_t)req->m.mr[0] : SCHEME_INLINE;
	struct memfs_stat st;
	size_t keep = 0;
	int r = 0;

	if (!memfs_is_dir(o->node)) {
		srv_result(req, -ENOTDIR);
		return;
	}
	d = (struct dents){ .out = (uint8_t *)out, .cap = cap };
	if (o->via->policy) {
		/* Listing needs `l` where the directory is now; names are filtered by the
		 * glob (a directory renamed out of it lists nothing it cannot see). */
		if (memfs_dir_path(f->fs, o->node, &dir) != 0)
			return srv_result(req, -ENOENT);
		if ((r = policy_allows(o->via, dir.buf, dir.len, POLICY_R_LIST)) != 0)
			return srv_result(req, -r);
		d.pol = o->via;
		d.dir = &dir;
	}
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

		uint64_t was;

		do {    /* a batch of names all hidden: on to the next */
			was = o->off;
			d.n = before;
			r = memfs_readdir(f->fs, o->node, &o->off, dent_emit, &d, &keep);
			/* memfs keeps runs of alike-hashed names together: drop what it
			 * did not keep. */
			d.n = before + (unsigned)keep;
			d.used = d.n ? d.ends[d.n - 1] : 0;
		} while (d.pol && d.used == 0 && keep && o->off != was &&
			 o->off != MEMFS_COOKIE_END && (r == 0 || r == EINVAL));
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

/* The length of the (first) path a path operation carried, now in buf. */
static size_t
path_len(const struct srv_req *req)
{
	switch (req->op) {
	case SCHEME_OP_OPEN:
		return (size_t)req->m.mr[2];
	case SCHEME_OP_RENAME: case SCHEME_OP_LINK: case SCHEME_OP_SYMLINK:
	case SCHEME_OP_MKDIR: case SCHEME_OP_RMDIR: case SCHEME_OP_UNLINK:
	case SCHEME_OP_READLINK: case SCHEME_OP_STAT:
	default:
		return (size_t)req->m.mr[1];
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

/* ---- weaken and revoke (scheme.h, "Policies") ---- */

/* policy_subset's workspace: about 5 MiB, taken at the first weaken (tmp:'s quota has
 * no room for it: ENOMEM there). */
static struct policy_work *work;

/* A new policy record for p (which it then holds), its capability in the reply. */
static void
reply_policy(struct fserver *f, struct srv_req *req, struct fpolicy *p)
{
	int i = srv_record_new(&f->srv, SCHEME_KIND_POLICY, p);

	if (i < 0) {
		fpolicy_put(p);
		return srv_result(req, -ENFILE);
	}
	srv_reply_record(req, &f->srv, i);
	srv_result(req, 0);
}

/* WEAKEN (text len) text on a policy: a child policy only when provably within it. */
static void
do_weaken(struct fserver *f, struct srv_req *req, struct fpolicy *parent, unsigned caller)
{
	/* A new text is compiled into one whole struct kept for that, then copied to a
	 * block its size. A text compiled before is only checked. */
	static struct policy *scratch;
	struct policy_verdict v = { 0 };
	struct policy_err err = { 0 };
	writ_word_t len = req->m.mr[0];
	struct cpolicy *c;
	struct fpolicy *p;
	uint32_t h;
	int r;

	if (parent->revoked)
		return srv_result(req, -EACCES);
	if (len == 0 || len > req_room(req) || len > SCHEME_INLINE || get_bytes(req, (size_t)len))
		return srv_result(req, -EINVAL);
	if (parent->policy && !work) {
		if (!(work = malloc(sizeof(*work))))
			return srv_result(req, -ENOMEM);
		policy_work_init(work);
	}
	h = text_hash(buf, (size_t)len);
	if ((c = cpolicy_find(h, buf, (size_t)len))) {
		r = parent->policy ? policy_subset(&c->p, parent->policy, work, &v) : POLICY_OK;
		if (r == POLICY_OK && parent->policy && !v.subset)
			r = POLICY_E_NOT_SUBSET;
	} else {
		if (!scratch && !(scratch = malloc(sizeof(*scratch))))
			return srv_result(req, -ENOMEM);
		if (!parent->policy)
			r = policy_parse(scratch, (const char *)buf, (size_t)len, &err);
		else
			r = policy_weaken(parent->policy, (const char *)buf, (size_t)len, scratch,
					  work, &v, &err);
		if (r == POLICY_OK && !(c = cpolicy_new(scratch, buf, (size_t)len, h)))
			return srv_result(req, -ENOMEM);
	}
	if (r == POLICY_E_NOT_SUBSET || r == POLICY_E_BUDGET) {
		size_t n = v.why == POLICY_WHY_GLOB ? v.ce_len : 0;

		if (n > SCHEME_INLINE)
			n = SCHEME_INLINE;
		srv_result(req, -EPERM);
		req->m.mr[1] = r == POLICY_E_BUDGET ? SCHEME_WEAKEN_BUDGET : (writ_word_t)v.why;
		req->m.mr[2] = v.extra_rights;
		req->m.mr[3] = n;
		req->reply_len = SCHEME_DATA_WORD;
		if (n)
			srv_put_bytes(req, 0, v.ce, n);
		return;
	}
	if (r != POLICY_OK) {
		srv_result(req, -EINVAL);
		req->m.mr[1] = (writ_word_t)err.code;
		req->m.mr[2] = err.offset;
		req->reply_len = 3;
		return;
	}
	if (!(p = malloc(sizeof(*p)))) {
		c->refs++;
		cpolicy_put(&c->p);             /* frees it if nothing else uses it */
		return srv_result(req, -ENOMEM);
	}
	c->refs++;
	p->policy = &c->p;
	p->rights = p->policy->rights;
	p->parent = parent;
	p->refs = 1;                    /* the record's */
	p->revoked = false;
	p->norevoke = (req->m.mr[1] & SCHEME_WEAKEN_NOREVOKE) != 0;
	p->maker = caller;
	p->serial = ++policy_serial;
	parent->refs++;
	reply_policy(f, req, p);
}

/* Access modes as rights: a weakened fd may only lose some. */
static unsigned
acc_bits(unsigned acc)
{
	return acc == O_RDONLY ? 1 : acc == O_WRONLY ? 2 : acc == O_RDWR ? 3 : 0;
}

/* WEAKEN (access mode) on a file: a new open file description of the same object with
 * fewer rights (its own offset, starting where o's is). */
static void
do_weaken_fd(struct fserver *f, struct srv_req *req, struct ofd *o)
{
	unsigned want = acc_bits((unsigned)req->m.mr[0]), have = acc_bits(o->flags & O_ACCMODE);
	struct ofd *n;

	if (req->m.mr[0] > O_RDWR || !want)
		return srv_result(req, -EINVAL);
	if (want & ~have)
		return srv_result(req, -EPERM);
	if (!(n = ofd_new(strlen(o->path))))
		return srv_result(req, -ENOMEM);
	memcpy(n->path, o->path, strlen(o->path) + 1);
	n->node = o->node;
	memfs_ref(f->fs, n->node);
	n->off = o->off;
	n->flags = (unsigned)req->m.mr[0] | (o->flags & O_APPEND);
	n->refs = 0;
	n->via = o->via;
	n->opener = caller_now;
	n->via->refs++;
	f->n_ofd++;
	reply_ofd(f, req, n);
	if (!n->refs) {
		n->refs = 1;
		ofd_put(f, n);
	}
}

static bool
policy_under(const struct fpolicy *p, const struct fpolicy *top)
{
	for (; p; p = p->parent)
		if (p == top)
			return true;
	return false;
}

/*
 * REVOKE on a policy: it and everything derived from it — policies, and every file
 * opened through any of them (dup'ed records too) — go now. Each record's original
 * capability is revoked (srv_record_free): the kernel deletes every copy clients hold,
 * in every process, before this returns, and requests already queued with their
 * badges find no record (EBADF). The root policy cannot be revoked (EPERM), nor one
 * made with SCHEME_WEAKEN_NOREVOKE (its giver revokes the policy it was made from). Answers
 * the number of records freed.
 */
static void remember_revoke(struct srv *s, struct fpolicy *top, unsigned by);
static void remember_freed(long freed);

static void
do_revoke(struct fserver *f, struct srv_req *req, struct fpolicy *top, unsigned caller)
{
	struct srv *s = &f->srv;
	char by[WRIT_CAP_NAME + 48], glob[96];
	long freed = 0;

	who(by, sizeof(by), caller, top);
	if (top->policy)
		policy_print_glob(&top->policy->glob, glob, sizeof(glob));
	else
		memcpy(glob, "(root)", 7);
	if (!top->parent || top->norevoke) {
		writ_printf("%s: refused revoke of policy %s by %s\n", s->name, glob, by);
		return srv_result(req, -EPERM);
	}
	top->revoked = true;
	remember_revoke(s, top, caller);
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 1; i < s->n_rec; i++) {
			struct srv_record *r = &s->rec[i];
			struct fpolicy *p;

			if (r->kind == SCHEME_KIND_POLICY && r->obj)
				p = r->obj;
			else if (r->kind == SCHEME_KIND_FILE && r->obj)
				p = ((struct ofd *)r->obj)->via;
			else
				continue;
			if (pass == 0) {
				if (policy_under(p, top))
					p->revoked = true;
			} else if (p->revoked) {
				srv_record_free(s, (int)i);
				freed++;
			}
		}
	}
	remember_freed(freed);
	writ_printf("%s: revoked policy %s (%ld records) by %s\n", s->name, glob, freed, by);
	srv_result(req, freed);     /* top may be gone now: its last record was freed */
}

/*
 * REVOKE_ID (index): the policy of record `index`, revoked through the caller's own
 * when that is it or an ancestor of it (captree's ids, for `revoke ID`).
 */
static void
do_revoke_id(struct fserver *f, struct srv_req *req, struct fpolicy *mine, unsigned caller)
{
	struct srv *s = &f->srv;
	writ_word_t index = req->m.mr[0];
	struct fpolicy *target;

	if (index == 0 || index >= s->n_rec || s->rec[index].kind != SCHEME_KIND_POLICY ||
	    !(target = s->rec[index].obj) || target->revoked)
		return srv_result(req, -ENOENT);
	if (!policy_under(target, mine))
		return srv_result(req, -EPERM);
	/* A giver-only policy stays the giver's to revoke: from an ancestor it goes. */
	if (target != mine && target->norevoke) {
		target->norevoke = false;
		do_revoke(f, req, target, caller);
		if ((long)req->m.mr[0] < 0)
			target->norevoke = true;
		return;
	}
	do_revoke(f, req, target, caller);
}

/* STATS (9) on a policy: "op errno path" lines, its denials among the last few. */
static void
do_denials(struct srv_req *req, const struct fpolicy *pol)
{
	static char out[SCHEME_INLINE];
	size_t used = 0;

	for (unsigned k = 0; pol && k < DENIALS; k++) {
		const struct denial *d = &denials[(next_denial + k) % DENIALS];
		size_t n = strlen(d->line);

		if (d->pol != pol || d->serial != pol->serial || used + n > sizeof(out))
			continue;
		memcpy(out + used, d->line, n);
		used += n;
	}
	if (used)
		srv_put_bytes(req, 0, out, used);
	srv_result(req, (long)used);
}

static unsigned
record_of_policy(struct srv *s, const struct fpolicy *p)
{
	for (unsigned i = 1; i < s->n_rec; i++)
		if (s->rec[i].kind == SCHEME_KIND_POLICY && s->rec[i].obj == p)
			return i;
	return 0;
}

/* The text line of one item a STATS listing pages through; 0: no item there. */
typedef int (*line_fn)(struct fserver *f, unsigned i, char *line, size_t cap);

/*
 * A STATS listing (7, 10, 11): the lines of items `from` .. end - 1, as many whole lines as
 * fit in the reply's bytes; register 1 says the item to go on from (0: done).
 */
static void
reply_lines(struct fserver *f, struct srv_req *req, unsigned from, unsigned end, line_fn fn)
{
	static char out[SCHEME_INLINE], line[POLICY_GLOB_MAX + MEMFS_PATH_MAX + 64];
	size_t used = 0;
	unsigned i = from;

	for (; i < end; i++) {
		int n = fn(f, i, line, sizeof(line));

		if (n <= 0)
			continue;
		if ((size_t)n >= sizeof(line))
			n = (int)sizeof(line) - 1;
		if (used + (size_t)n > sizeof(out)) {
			if (used)
				break;
			n = (int)sizeof(out);   /* a line too long for one reply: cut */
			line[n - 1] = '\n';
		}
		memcpy(out + used, line, (size_t)n);
		used += (size_t)n;
	}
	if (used)
		srv_put_bytes(req, 0, out, used);
	srv_result(req, (long)used);
	req->m.mr[1] = i < end ? i : 0;
	if (req->reply_len < 2)
		req->reply_len = 2;
}

static void
glob_of(const struct fpolicy *p, char *glob, size_t cap)
{
	if (p->policy)
		policy_print_glob(&p->policy->glob, glob, cap);
	else
		writ_snprintf(glob, cap, "(root)");
}

/*
 * STATS (7, from): the policy records from index `from` on (after a sweep), one line
 * each, "index parent rights flags fds maker openers glob\n": parent is the record of
 * the policy it was weakened from (0: none, or one no longer held), flags "n" for
 * revocable by its giver only, fds the file records opened through it, maker the pid
 * that weakened it and openers the pids that opened those files (comma-separated,
 * the first few; "-": none; 0: a caller that sent no identity). Who *holds* each
 * record's capabilities now the server cannot know (they move between processes
 * unseen): captree asks init (writ_proc_holders). captree reads it.
 */
static int
policy_line(struct fserver *f, unsigned i, char *line, size_t cap)
{
	static char glob[POLICY_GLOB_MAX + 1];
	struct srv *s = &f->srv;
	struct srv_record *r = &s->rec[i];
	struct fpolicy *p = r->obj;
	char rights[8], openers[64];
	unsigned fds = 0, last = 0;

	if (r->kind != SCHEME_KIND_POLICY || !p)
		return 0;
	openers[0] = '-';
	openers[1] = 0;
	for (unsigned k = 1, at = 0; k < s->n_rec; k++) {
		struct ofd *o = s->rec[k].obj;

		if (s->rec[k].kind != SCHEME_KIND_FILE || !o || o->via != p)
			continue;
		fds++;
		/* Who opened them: the first few pids, none twice in a row. */
		if (at + 12 < sizeof(openers) && (at == 0 || o->opener != last)) {
			at += (unsigned)writ_snprintf(openers + at, sizeof(openers) - at,
						      "%s%u", at ? "," : "", o->opener);
			last = o->opener;
		}
	}
	glob_of(p, glob, sizeof(glob));
	policy_print_rights(p->rights, rights, sizeof(rights));
	return writ_snprintf(line, cap, "%u %u %s %s %u %u %s %s\n", i,
			     p->parent ? record_of_policy(s, p->parent) : 0, rights,
			     p->norevoke ? "n" : "-", fds, p->maker, openers, glob);
}

/*
 * STATS (10, from): the file records (open files) from index `from` on (after a sweep),
 * "index policy access opener path\n": policy the record of the policy it was opened
 * through (0: none held), access r, w or rw, opener the pid that opened it, path the
 * file's canonical path when it was opened.
 */
static int
file_line(struct fserver *f, unsigned i, char *line, size_t cap)
{
	struct srv_record *r = &f->srv.rec[i];
	struct ofd *o = r->obj;
	unsigned acc;

	if (r->kind != SCHEME_KIND_FILE || !o)
		return 0;
	acc = o->flags & 3;
	return writ_snprintf(line, cap, "%u %u %s %u %s\n", i,
			     o->via ? record_of_policy(&f->srv, o->via) : 0,
			     acc == 0 ? "r" : acc == 1 ? "w" : "rw", o->opener,
			     o->path ? o->path : "?");
}

/*
 * The last REVOKED_KEEP revokes, for captree: what went, under which policy, by whom.
 * A revoked record is free at once (its index is reused), so they are kept by value.
 */
#define REVOKED_KEEP 32
static struct {
	unsigned record, parent, by, freed;
	char rights[8];
	char glob[96];
} revoked[REVOKED_KEEP];
static unsigned n_revoked;      /* revokes so far; the last REVOKED_KEEP are kept */

static void
remember_revoke(struct srv *s, struct fpolicy *top, unsigned by)
{
	unsigned k = n_revoked++ % REVOKED_KEEP;

	revoked[k].record = record_of_policy(s, top);
	revoked[k].parent = top->parent ? record_of_policy(s, top->parent) : 0;
	revoked[k].by = by;
	revoked[k].freed = 0;
	policy_print_rights(top->rights, revoked[k].rights, sizeof(revoked[k].rights));
	glob_of(top, revoked[k].glob, sizeof(revoked[k].glob));
}

/* How many records the revoke remember_revoke() noted took with it. */
static void
remember_freed(long freed)
{
	revoked[(n_revoked - 1) % REVOKED_KEEP].freed = (unsigned)freed;
}

/*
 * STATS (11, from): the revokes kept, oldest first, numbered from 1: "number record
 * parent rights by freed glob\n": the revoked policy's record and its parent's then,
 * by the pid that revoked, freed the records that went with it.
 */
static int
revoked_line(struct fserver *f, unsigned i, char *line, size_t cap)
{
	unsigned k = (i - 1) % REVOKED_KEEP;

	(void)f;
	if (i == 0 || i > n_revoked || n_revoked - i >= REVOKED_KEEP)
		return 0;
	return writ_snprintf(line, cap, "%u %u %u %s %u %u %s\n", i, revoked[k].record,
			     revoked[k].parent, revoked[k].rights, revoked[k].by,
			     revoked[k].freed, revoked[k].glob);
}

static void
do_listing(struct fserver *f, struct srv_req *req, line_fn fn)
{
	struct srv *s = &f->srv;
	writ_word_t from = req->m.mr[1] < 1 ? 1 : req->m.mr[1];
	unsigned end = fn == revoked_line ? n_revoked + 1 : s->n_rec;

	if (fn != revoked_line)
		srv_sweep(s);
	reply_lines(f, req, from > end ? end : (unsigned)from, end, fn);
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
	case FILE_STATS_POLICIES:
		return do_listing(f, req, policy_line);
	case FILE_STATS_FILES:
		return do_listing(f, req, file_line);
	case FILE_STATS_REVOKED:
		return do_listing(f, req, revoked_line);
	case FILE_STATS_SELF:
		return srv_result(req, req->rec ? (long)(req->rec - f->srv.rec) : -EBADF);
	case FILE_STATS_DENIALS:
		return do_denials(req, req->rec && req->rec->kind == SCHEME_KIND_POLICY ?
				  req->rec->obj : NULL);
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
	unsigned caller, idents;
	struct memfs_at at;
	int r;

	if (req->op == SCHEME_OP_STATS)
		return do_stats(f, req);
	if (req->op == SCHEME_OP_SHARE)
		return srv_window_share(s, req);
	caller = caller_now = caller_of(f, req, &idents);
	win = srv_req_window(s, req);
	if (!win && req->n_unwrapped > idents)
		return srv_result(req, -ESTALE);	/* a window of a past life, or gone */
	if (req->op == SCHEME_OP_WEAKEN)
		return o ? do_weaken_fd(f, req, o) : do_weaken(f, req, pol, caller);
	if (req->op == SCHEME_OP_REVOKE)
		return o ? srv_result(req, -EINVAL) : do_revoke(f, req, pol, caller);
	if (req->op == SCHEME_OP_REVOKE_ID)
		return o ? srv_result(req, -EINVAL) : do_revoke_id(f, req, pol, caller);
	if (is_path_op(req->op)) {
		if ((r = policy_at(pol, o, &at)) != 0) {
			if (req->op == SCHEME_OP_OPEN)
				srv_closed_later(s, req);	/* told even so */
			return srv_result(req, -r);
		}
		pcheck.op = req->op;
		pcheck.flags = (unsigned)req->m.mr[0];
		path_op(f, req, &at, pol);
		policy_hide(pol, req);
		if (pol->policy && pcheck.denied)
			log_denied(f, req, pol, caller, path_len(req));
		return;
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
	else if (rec->kind == SCHEME_KIND_POLICY && rec->obj && rec->obj != &f->root)
		fpolicy_put(rec->obj);
}
