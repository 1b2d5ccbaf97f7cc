/*
 * Bulk data through windows (scheme.h, "Bulk data"): large reads and writes byte-exact,
 * the one-copy window API, window reuse, long paths up to SCHEME_PATH_MAX - 1, a client
 * that dies holding a window, and bad SHAREs built by hand.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "ftest.h"

#define FULL 64
#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)
#define STATS_RECORDS 0
#define STATS_WINDOWS 6

static uint8_t
pat(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 131 + i * 7 + (i >> 12));
}

static void
fill(uint8_t *b, unsigned seed, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(seed, off + i);
}

static bool
is_pat(const uint8_t *b, unsigned seed, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat(seed, off + i))
			return false;
	return true;
}

/* Write n bytes of pattern seed to path with writ_write, read them back with writ_read. */
static bool
round_trip(const char *path, unsigned seed, size_t n, uint8_t *buf)
{
	int fd = writ_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	bool ok;

	if (fd < 0)
		return false;
	fill(buf, seed, 0, n);
	ok = writ_write(fd, buf, n) == (long)n;
	memset(buf, 0, n);
	ok = ok && writ_seek(fd, 0, SEEK_SET) == 0 && writ_read(fd, buf, n) == (long)n &&
	     is_pat(buf, seed, 0, n) && writ_read(fd, buf, n) == 0;
	writ_close(fd);
	return ok;
}

static void
test_round_trips(void)
{
	uint8_t *buf = malloc(1u << 20);
	int fd;
	long r;

	check(buf && round_trip("/ft/bulk64", 3, 65536, buf), "bulk-64k-round-trip",
	      "64 KiB differ");
	check(buf && round_trip("/ft/bulk1m", 4, 1u << 20, buf), "bulk-1m-round-trip",
	      "1 MiB differ");
	check(buf && round_trip("/ft/bulkodd", 5, 65536 * 3 + 4321, buf), "bulk-odd-size-round-trip",
	      "3 windows and a bit differ");
	/* From 1000 bytes before the end of the 1 MiB file: a short read, then 0. */
	fd = writ_open("/ft/bulk1m", O_RDONLY, 0);
	writ_seek(fd, (1 << 20) - 1000, SEEK_SET);
	r = buf ? writ_read(fd, buf, 100000) : -1;
	check(r == 1000 && is_pat(buf, 4, (1 << 20) - 1000, 1000) && writ_read(fd, buf, 70000) == 0,
	      "bulk-read-at-eof", "%ld", r);
	writ_close(fd);
	/* pwrite in the middle, pread across it; the offset stays. */
	fd = writ_open("/ft/bulk1m", O_RDWR, 0);
	writ_seek(fd, 77, SEEK_SET);
	fill(buf, 9, 0, 100000);
	r = writ_pwrite(fd, buf, 100000, 300001);
	check(r == 100000 && writ_pread(fd, buf, 200000, 250000) == 200000 &&
	      is_pat(buf, 4, 250000, 50001) && is_pat(buf + 50001, 9, 0, 100000) &&
	      is_pat(buf + 150001, 4, 400001, 49999) && writ_seek(fd, 0, SEEK_CUR) == 77,
	      "bulk-pread-pwrite-offsets", "%ld", r);
	r = writ_pread(fd, buf, 70000, (1 << 20) - 5);
	check(r == 5 && writ_pread(fd, buf, 70000, 1 << 21) == 0, "bulk-pread-past-eof", "%ld", r);
	writ_close(fd);
	free(buf);
	writ_unlink("/ft/bulk64");
	writ_unlink("/ft/bulkodd");
}

/* The window API: the bytes are in the window, one copy. */
static void
test_window_api(void)
{
	size_t len = 0;
	uint8_t *w;
	int fd = writ_open("/ft/bulk1m", O_RDWR, 0);
	long r, before;
	bool ok = true;

	w = writ_fd_window(fd, &len);
	check(w && len == 65536, "window-api-window", "%p %lu", (void *)w, len);
	if (!w)
		return;
	r = writ_pread_window(fd, len, 65536);
	check(r == 65536 && is_pat(w, 4, 65536, 65536), "window-api-pread", "%ld", r);
	fill(w, 12, 0, 5000);
	r = writ_pwrite_window(fd, 5000, 10);
	check(r == 5000 && writ_pread_window(fd, 5010, 0) == 5010 && is_pat(w + 10, 12, 0, 5000) &&
	      is_pat(w, 4, 0, 10), "window-api-pwrite", "%ld", r);
	writ_seek(fd, (1 << 20) - 100, SEEK_SET);
	r = writ_read_window(fd, len);
	check(r == 100 && writ_read_window(fd, len) == 0, "window-api-read-eof", "%ld", r);
	check(writ_read_window(fd, len + 1) == -EINVAL, "window-api-longer-than-window",
	      "not EINVAL");
	writ_close(fd);
	/* Many opens and transfers reuse the one window of the file capability. */
	before = file_stats("file", STATS_WINDOWS);
	for (int i = 0; i < 40 && ok; i++) {
		static uint8_t b[8000];

		fd = writ_open("/ft/bulk1m", O_RDONLY, 0);
		ok = writ_pread(fd, b, sizeof(b), 500000 + i * 10000) == sizeof(b) &&
		     is_pat(b, 4, 500000 + (size_t)i * 10000, sizeof(b));
		writ_close(fd);
	}
	check(ok && before >= 1 && file_stats("file", STATS_WINDOWS) == before, "window-reuse",
	      "ok %d, windows %ld then %ld", ok, before, file_stats("file", STATS_WINDOWS));
}

/* A 4095-byte path: directories of 250-byte names under /ft/L, then a file name that
 * makes it 4095 bytes. Every directory on the way is made through the window once the
 * path is past a message. */
static void
test_long_paths(void)
{
	static char p[SCHEME_PATH_MAX + 8], q[SCHEME_PATH_MAX + 8], t[SCHEME_PATH_MAX + 8];
	static char r[SCHEME_PATH_MAX + 8];
	struct scheme_stat st;
	size_t n;
	int fd, bad = 0;
	long k;

	memcpy(p, "/ft/L", 6);
	writ_mkdir(p, 0755);
	while (strlen(p) + 251 + 20 < SCHEME_PATH_MAX) {
		n = strlen(p);
		p[n] = '/';
		memset(p + n + 1, 'd', 250);
		p[n + 251] = 0;
		if (writ_mkdir(p, 0755) != 0)
			bad++;
	}
	n = strlen(p);
	p[n] = '/';
	memset(p + n + 1, 'f', SCHEME_PATH_MAX - 1 - (n + 1));
	p[SCHEME_PATH_MAX - 1] = 0;
	check(bad == 0 && strlen(p) == 4095, "long-path-mkdir", "%d failed, %lu", bad, strlen(p));
	fd = writ_open(p, O_CREAT | O_RDWR, 0644);
	check(fd >= 0 && writ_write(fd, "long", 4) == 4, "long-path-4095-open", "%d", fd);
	writ_close(fd);
	check(writ_stat(p, &st, 0) == 0 && st.size == 4, "long-path-4095-stat", "size %lu",
	      st.size);
	/* rename and link with two 4095-byte paths (8 KiB of path in one request). */
	memcpy(q, p, SCHEME_PATH_MAX);
	q[SCHEME_PATH_MAX - 2] = 'g';
	check(writ_rename(p, q) == 0 && writ_stat(p, &st, 0) == -ENOENT &&
	      writ_link(q, p) == 0 && writ_stat(p, &st, 0) == 0 && st.nlink == 2,
	      "long-path-rename-link", "nlink %lu", st.nlink);
	/* A symbolic link at a 4095-byte path to a 4000-byte target, read back. */
	memcpy(t, q, SCHEME_PATH_MAX);
	t[SCHEME_PATH_MAX - 2] = 's';
	memset(r, 'x', 4000);
	r[0] = '/';
	r[4000] = 0;
	k = writ_symlink(r, t);
	memset(r, 0, sizeof(r));
	k = k ? k : writ_readlink(t, r, sizeof(r));
	check(k == 4000 && r[0] == '/' && r[3999] == 'x', "long-path-symlink-readlink", "%ld", k);
	check(writ_unlink(t) == 0 && writ_unlink(q) == 0 && writ_unlink(p) == 0,
	      "long-path-unlink", "not 0");
	/* 4096 and 4097 bytes: too long (PATH_MAX counts the NUL). */
	memset(p + 5, '/', SCHEME_PATH_MAX - 5);
	p[SCHEME_PATH_MAX] = 0;
	q[0] = 0;
	memcpy(q, p, SCHEME_PATH_MAX + 1);
	q[SCHEME_PATH_MAX] = '/';
	q[SCHEME_PATH_MAX + 1] = 0;
	check(strlen(p) == 4096 && writ_open(p, O_RDONLY, 0) == -ENAMETOOLONG &&
	      writ_stat(p, &st, 0) == -ENAMETOOLONG && writ_mkdir(p, 0755) == -ENAMETOOLONG,
	      "long-path-4096", "not ENAMETOOLONG");
	check(strlen(q) == 4097 && writ_open(q, O_RDONLY, 0) == -ENAMETOOLONG &&
	      writ_unlink(q) == -ENAMETOOLONG && writ_rename(q, "/ft/x") == -ENAMETOOLONG,
	      "long-path-4097", "not ENAMETOOLONG");
	/* The same 4096 bytes of slashes less one resolve to /ft/L: the server's walk takes it. */
	p[SCHEME_PATH_MAX - 1] = 0;
	check(writ_stat(p, &st, 0) == 0, "long-path-4095-slashes", "not found");
}

/* A child shares a window and ends without closing anything; the server is back. */
static void
test_client_dies(void)
{
	static const char *const how[2] = { "exit", "fault" };
	long recs = file_stats("file", STATS_RECORDS), wins = file_stats("file", STATS_WINDOWS);

	for (int i = 0; i < 2; i++) {
		const char *argv[] = { "/test/bin/bulk-peer", how[i], "/ft/bulk1m", NULL };
		writ_cptr_t child;
		long pid = writ_spawn(argv[0], argv, NULL, &child), st;
		char name[64];

		st = pid > 0 ? writ_proc_wait(child) : pid;
		writ_snprintf(name, sizeof(name), "window-client-%s", how[i]);
		check((i == 0 ? WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0
			      : WRIT_WAIT_SIGNAL(st) == WRIT_WAIT_FAULTED) &&
		      file_stats("file", STATS_RECORDS) == recs &&
		      file_stats("file", STATS_WINDOWS) == wins, name,
		      "status %lx, records %ld -> %ld, windows %ld -> %ld", st, recs,
		      file_stats("file", STATS_RECORDS), wins, file_stats("file", STATS_WINDOWS));
	}
}

/* ---- SHARE by hand ---- */

struct hand {
	writ_cptr_t cnode;
	writ_cptr_t frame[4];           /* the parents, moved to the server */
	writ_cptr_t child[4];           /* ours, mapped */
	uint8_t *va;
};

/* n pages in a CNode of radix 2, ours mapped at h->va through children. */
static bool
hand_make(struct hand *h, unsigned n, unsigned rights)
{
	if (writ_own_object(WRIT_OBJ_CNODE, 2, &h->cnode) != WRIT_OK ||
	    !(h->va = writ_va_reserve(4)))
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (writ_own_object(WRIT_OBJ_FRAME_4K, 0, &h->frame[i]) != WRIT_OK ||
		    !(h->child[i] = writ_slot_alloc()) ||
		    writ_cnode_copy(WRIT_PSLOT_CNODE, h->child[i], FULL, WRIT_PSLOT_CNODE,
				    h->frame[i], FULL, RW) != WRIT_OK ||
		    writ_map_frame(WRIT_PSLOT_VSPACE, h->child[i], (writ_word_t)(h->va + i * 4096),
				   RW, WRIT_MAP_WRITE_BACK, writ_own_table, NULL) != WRIT_OK)
			return false;
		if (rights != RW) {
			/* A narrower parent for the server: a copy of ours, then ours goes. */
			writ_cptr_t narrow = writ_slot_alloc();

			writ_cnode_copy(WRIT_PSLOT_CNODE, narrow, FULL, WRIT_PSLOT_CNODE,
					h->frame[i], FULL, rights);
			h->frame[i] = narrow;
		}
		if (writ_cnode_move(h->cnode, i, 2, WRIT_PSLOT_CNODE, h->frame[i], FULL) != WRIT_OK)
			return false;
	}
	return true;
}

/* SHARE (pages, radix) through cap with `carry` as its one capability (0: none). The
 * result, and the window capability in *win. */
static long
share(writ_cptr_t cap, writ_word_t pages, writ_word_t radix, writ_cptr_t carry,
      writ_cptr_t *win)
{
	struct writ_msg m = { 0 };
	writ_cptr_t slot = writ_slot_alloc();

	*win = 0;
	m.mr[0] = pages;
	m.mr[1] = radix;
	if (carry)
		writ_set_cap(0, carry);
	writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, FULL);
	m.info = writ_msginfo(SCHEME_OP_SHARE, carry ? 1 : 0, 2);
	if (writ_call(cap, &m) != WRIT_OK)
		return -EIO;
	if (writ_msginfo_caps(m.info))
		*win = slot;
	return (long)m.mr[0];
}

/* A Call of op (len, off) on cap carrying `with`. */
static long
call_with(writ_cptr_t cap, unsigned op, writ_word_t len, writ_word_t off, writ_cptr_t with)
{
	struct writ_msg m = { 0 };

	m.mr[0] = len;
	m.mr[1] = off;
	if (with)
		writ_set_cap(0, with);
	m.info = writ_msginfo(op, with ? 1 : 0, 2);
	if (writ_call(cap, &m) != WRIT_OK)
		return -EIO;
	return (long)m.mr[0];
}

static void
drop(writ_cptr_t c)
{
	if (c) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, c, FULL);
		writ_slot_free(c);
	}
}

/*
 * A window whose pages come from an untyped of the client's own, which it then revokes:
 * the kernel takes the pages from the server too. The server must find them gone
 * before it touches them (ESTALE), not fault.
 */
static void
test_revoked_untyped(int fd)
{
	const struct writ_startinfo *si = writ_startinfo();
	writ_cptr_t ut = writ_slot_alloc(), win = 0, f[2] = { writ_slot_alloc(), writ_slot_alloc() };
	struct hand h = { 0 };
	long r = -1;
	bool made = ut && si->n_untyped &&
		    writ_own_object(WRIT_OBJ_CNODE, 2, &h.cnode) == WRIT_OK;

	for (unsigned i = 0; made && i < si->n_untyped; i++)
		if (writ_untyped_retype(si->untyped[i].slot, WRIT_OBJ_UNTYPED, 14, WRIT_PSLOT_CNODE,
					0, 0, ut, 1) == WRIT_OK)
			break;
	for (unsigned i = 0; made && i < 2; i++)
		made = writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, WRIT_PSLOT_CNODE, 0, 0, f[i],
					   1) == WRIT_OK &&
		       writ_cnode_move(h.cnode, i, 2, WRIT_PSLOT_CNODE, f[i], FULL) == WRIT_OK;
	if (made)
		r = share(writ_fd_cap(fd), 2, 2, h.cnode, &win);
	check(r == 8192 && win, "window-from-own-untyped", "%ld", r);
	writ_cnode_revoke(WRIT_PSLOT_CNODE, ut, FULL);
	r = call_with(writ_fd_cap(fd), SCHEME_OP_PREAD, 8192, 0, win);
	check(r == -ESTALE && call_with(writ_fd_cap(fd), SCHEME_OP_PWRITE, 10, 0, win) == -ESTALE &&
	      file_stats("file", 1) == 0, "window-untyped-revoked-stale", "%ld", r);
	drop(win);
}

static void
test_share_bad_input(void)
{
	writ_cptr_t pol = writ_scheme_cap("file"), win, ntfn = 0;
	long wins = file_stats("file", STATS_WINDOWS), r;
	struct hand h = { 0 };
	int fd = writ_open("/ft/bulk1m", O_RDWR, 0);

	r = share(pol, 1, 2, 0, &win);
	check(r == -EINVAL && !win, "share-no-cnode", "%ld", r);
	writ_own_notification(&ntfn);
	r = share(pol, 1, 2, ntfn, &win);
	check(r == -EINVAL && !win, "share-not-a-cnode", "%ld", r);
	check(hand_make(&h, 2, RW), "share-hand-made", "no memory");
	r = share(pol, 4, 2, h.cnode, &win);
	check(r == -EINVAL && !win, "share-too-few-frames", "%ld", r);
	r = share(pol, 65, 7, h.cnode, &win);
	check(r == -EINVAL && share(pol, 0, 2, h.cnode, &win) == -EINVAL &&
	      share(pol, 1, 17, h.cnode, &win) == -EINVAL && share(pol, 8, 2, h.cnode, &win) == -EINVAL,
	      "share-pages-radix-out-of-range", "%ld", r);
	/* The failed SHARE took and dropped the frames: a fresh CNode for the rest. */
	h = (struct hand){ 0 };
	hand_make(&h, 1, WRIT_RIGHT_READ);
	r = share(pol, 1, 2, h.cnode, &win);
	check(r == -EINVAL && !win, "share-read-only-frame", "%ld", r);
	h = (struct hand){ 0 };
	hand_make(&h, 1, RW);
	writ_cnode_move(h.cnode, 1, 2, WRIT_PSLOT_CNODE, ntfn, FULL);
	r = share(pol, 2, 2, h.cnode, &win);
	check(r == -EINVAL && !win, "share-not-a-frame", "%ld", r);
	/* Endpoints where frames should be: the server's own (a copy of our fd) and one of
	 * ours nobody receives on. Invoked blindly, the second would hold the server for
	 * ever in a Call; it must answer EINVAL and go on serving. */
	{
		writ_cptr_t ep = 0, fdcopy = writ_slot_alloc();

		h = (struct hand){ 0 };
		hand_make(&h, 1, RW);
		writ_own_object(WRIT_OBJ_ENDPOINT, 0, &ep);
		writ_cnode_copy(h.cnode, 1, 2, WRIT_PSLOT_CNODE, ep, FULL, WRIT_RIGHTS_ALL);
		r = share(pol, 2, 2, h.cnode, &win);
		writ_cnode_copy(WRIT_PSLOT_CNODE, fdcopy, FULL, WRIT_PSLOT_CNODE, writ_fd_cap(fd),
				FULL, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY);
		h = (struct hand){ 0 };
		hand_make(&h, 1, RW);
		writ_cnode_move(h.cnode, 1, 2, WRIT_PSLOT_CNODE, fdcopy, FULL);
		check(r == -EINVAL && !win && share(pol, 2, 2, h.cnode, &win) == -EINVAL && !win &&
		      file_stats("file", 1) == 0, "share-endpoint-not-a-frame", "%ld", r);
	}
	/* A 2 MiB frame would cover other windows: refused wherever it would go. */
	{
		writ_cptr_t big = 0;

		h = (struct hand){ 0 };
		writ_own_object(WRIT_OBJ_CNODE, 2, &h.cnode);
		r = writ_own_object(WRIT_OBJ_FRAME_2M, 0, &big);
		if (r == WRIT_OK)
			writ_cnode_move(h.cnode, 0, 2, WRIT_PSLOT_CNODE, big, FULL);
		r = r == WRIT_OK ? share(pol, 1, 2, h.cnode, &win) : -ENOMEM;
		check(r == -EINVAL && !win && file_stats("file", 1) == 0, "share-2m-frame-refused",
		      "%ld", r);
	}
	r = share(pol, 0, 0, 0, &win);
	check(r == 0 && !win && share(writ_scheme_cap("pipe"), 0, 0, 0, &win) < 0,
	      "share-probe", "file %ld", r);
	check(file_stats("file", STATS_WINDOWS) == wins, "share-refused-keeps-nothing",
	      "windows %ld -> %ld", wins, file_stats("file", STATS_WINDOWS));

	/* A good one, twice: each SHARE is a window of its own. */
	h = (struct hand){ 0 };
	hand_make(&h, 2, RW);
	r = share(writ_fd_cap(fd), 2, 2, h.cnode, &win);
	check(r == 8192 && win && file_stats("file", STATS_WINDOWS) == wins + 1, "share-by-hand",
	      "%ld", r);
	{
		struct hand h2 = { 0 };
		writ_cptr_t win2;

		hand_make(&h2, 1, RW);
		r = share(pol, 1, 2, h2.cnode, &win2);
		check(r == 4096 && win2 && file_stats("file", STATS_WINDOWS) == wins + 2,
		      "share-second", "%ld", r);
		drop(win2);
		check(file_stats("file", STATS_WINDOWS) == wins + 1, "share-dropped-swept",
		      "windows %ld", file_stats("file", STATS_WINDOWS));
	}
	/* The window is no file; a file capability is no window. */
	r = call_with(win, SCHEME_OP_READ, 10, 0, 0);
	check(r == -EBADF, "window-is-no-file", "%ld", r);
	r = call_with(writ_fd_cap(fd), SCHEME_OP_PREAD, 10, 0, writ_fd_cap(fd));
	check(r == -ESTALE, "window-forged", "%ld", r);
	/* Our capabilities go (deleted, revoked): the server's mapping stays, and so does
	 * the server. */
	for (int i = 0; i < 2; i++) {
		writ_cnode_revoke(WRIT_PSLOT_CNODE, h.child[i], FULL);
		drop(h.child[i]);
	}
	r = call_with(writ_fd_cap(fd), SCHEME_OP_PREAD, 8192, 0, win);
	check(r == 8192 && call_with(writ_fd_cap(fd), SCHEME_OP_PWRITE, 8192, 0, win) == 8192,
	      "window-client-revoked-own-caps", "%ld", r);
	check(file_stats("file", 1) == 0, "window-server-alive", "STATS failed");
	test_revoked_untyped(fd);
	writ_close(fd);
	drop(win);
	check(file_stats("file", STATS_WINDOWS) == wins, "window-closed", "windows %ld -> %ld",
	      wins, file_stats("file", STATS_WINDOWS));
}

/* tmp: restarts: the window libwrit shared with it is of a past life (ESTALE); the next
 * transfers still work, through a new one. */
static void
test_restart(void)
{
	uint8_t *buf = malloc(65536 * 2);
	long r;

	check(buf && round_trip("tmp:/w1", 21, 65536 * 2, buf), "window-tmp-before-restart",
	      "128 KiB differ");
	r = writ_proc_kill_service("tmp");
	check(r == 0 && buf && round_trip("tmp:/w2", 22, 65536 * 2, buf) &&
	      round_trip("tmp:/w3", 23, 65536 * 2, buf), "window-after-server-restart",
	      "kill %ld", r);
	writ_unlink("tmp:/w2");
	writ_unlink("tmp:/w3");
	free(buf);
}

void
test_bulk(void)
{
	test_round_trips();
	test_window_api();
	test_long_paths();
	test_client_dies();
	test_share_bad_input();
	test_restart();
	writ_unlink("/ft/bulk1m");
}
