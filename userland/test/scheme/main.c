/*
 * /test/scheme: the scheme protocol through libwrit's fds, on the null: and zero:
 * servers (group scheme): open, read, write, seek, fstat, dup, close, bad input, and a
 * client that dies with open files leaving no record behind.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

static long
live_records(const char *scheme)
{
	return writ_scheme_call(writ_scheme_cap(scheme), SCHEME_OP_STATS, NULL, 0, NULL, 0, NULL, 0,
				NULL, 0);
}

static void
test_null_zero(void)
{
	char buf[2000];
	int n = writ_open("null:", O_RDWR, 0), z = writ_open("zero:", O_RDONLY, 0), d;
	struct scheme_stat st;
	long r;

	check(n >= 0 && z >= 0, "scheme/open-null-zero", "null %d zero %d", n, z);
	r = writ_read(n, buf, sizeof(buf));
	check(r == 0, "scheme/null-read-is-eof", "got %ld", r);
	r = writ_write(n, buf, sizeof(buf));
	check(r == (long)sizeof(buf), "scheme/null-write-takes-all", "got %ld", r);
	memset(buf, 0x55, sizeof(buf));
	r = writ_read(z, buf, sizeof(buf));
	{
		unsigned nonzero = 0;

		for (unsigned i = 0; i < sizeof(buf); i++)
			nonzero += buf[i] != 0;
		check(r == (long)sizeof(buf) && nonzero == 0, "scheme/zero-reads-zeros",
		      "got %ld, %u non-zero bytes", r, nonzero);
	}
	check(writ_fstat(z, &st) == 0 && (st.mode & 0170000) == 0020000, "scheme/fstat-char-device",
	      "mode %lo", st.mode);
	check(writ_seek(z, 0, 0) == 0, "scheme/seek-on-device", "seek failed");
	d = writ_dup(z);
	check(d >= 0 && d != z && writ_read(d, buf, 10) == 10, "scheme/dup-reads", "dup %d", d);
	check(writ_close(z) == 0 && writ_read(d, buf, 10) == 10, "scheme/close-one-copy-keeps-other",
	      "the dup stopped working");
	check(writ_read(z, buf, 10) == -EBADF, "scheme/read-after-close-ebadf", "closed fd works");
	writ_close(d);
	writ_close(n);
	check(writ_open("nosuch:", O_RDONLY, 0) == -ENOENT, "scheme/unknown-scheme-enoent",
	      "opened a scheme the process does not hold");
	check(writ_open("null:/x/y", O_RDONLY, 0) == -ENOENT, "scheme/null-has-no-paths",
	      "opened a path on null:");
}

static void
test_bad_input(void)
{
	writ_cptr_t policy = writ_scheme_cap("zero");
	writ_word_t args[3] = { 0, 0, 5000 };	/* a path length past the message */
	int fd = writ_open("zero:", O_RDONLY, 0);
	long r;

	r = writ_scheme_call(policy, SCHEME_OP_OPEN, args, 3, "x", 2, NULL, 0, NULL, 0);
	check(r == -ENOENT || r == -EINVAL, "scheme/open-length-past-message", "got %ld", r);
	r = writ_scheme_call(policy, SCHEME_OP_READ, (writ_word_t[]){ 10 }, 1, NULL, 0, NULL, 0,
			     NULL, 0);
	check(r == -ENOSYS || r == -EBADF, "scheme/read-on-a-policy", "got %ld", r);
	r = writ_scheme_call(writ_fd_cap(fd), 999, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
	check(r == -ENOSYS, "scheme/unknown-operation-enosys", "got %ld", r);
	r = writ_scheme_call(writ_fd_cap(fd), SCHEME_OP_WRITE, (writ_word_t[]){ 100000 }, 1, "ab",
			     2, NULL, 0, NULL, 0);
	check(r == -EINVAL, "scheme/write-length-past-message", "got %ld", r);
	check(writ_read(fd, &r, sizeof(r)) == sizeof(r), "scheme/server-fine-after-bad-input",
	      "the server stopped answering");
	writ_close(fd);
}

static void
test_dead_client(void)
{
	const char *argv[] = { "/test/bin/exit-with", "0", NULL };
	long before = live_records("zero"), after;
	int fds[8];
	writ_cptr_t child;

	/* The records a client holds die with it: here, the copies a child gets of our fds,
	 * and the files it would have opened. We close ours first, so only its copies are
	 * left when it ends. */
	for (int i = 0; i < 8; i++)
		fds[i] = writ_open("zero:", O_RDONLY, 0);
	check(live_records("zero") == before + 8, "scheme/records-counted", "%ld live, wanted %ld",
	      live_records("zero"), before + 8);
	for (int i = 0; i < 8; i++)
		writ_close(fds[i]);
	after = live_records("zero");
	check(after == before, "scheme/closed-records-freed", "%ld live, wanted %ld", after, before);
	{
		struct writ_spawn_opts o = { .ncaps = 3 };
		long s;

		for (int i = 0; i < 3; i++) {
			fds[i] = writ_open("zero:", O_RDONLY, 0);
			o.caps[i].slot = (uint32_t)writ_fd_cap(fds[i]);
			o.caps[i].kind = WRIT_SCAP_FD;
			o.caps[i].arg = (writ_word_t)i;
		}
		s = writ_spawn(argv[0], argv, &o, &child);
		for (int i = 0; i < 3; i++)
			writ_close(fds[i]);	/* the child's copies keep them alive... */
		s = writ_proc_wait(child);
		after = live_records("zero");	/* ...until it ends */
		check(s == 0 && after == before, "scheme/dead-client-leaves-no-record",
		      "status %lx, %ld live, wanted %ld", s, after, before);
	}
}

/* file:'s open file descriptions alive: without the sweep STATS makes first (which), or
 * with it. */
static long
ofds(writ_word_t which)
{
	writ_word_t a[1] = { which };	/* FILE_STATS_OFDS_NOW (5), FILE_STATS_OFDS (4) */

	return writ_scheme_call(writ_scheme_cap("file"), SCHEME_OP_STATS, a, 1, NULL, 0, NULL, 0,
				NULL, 0);
}

static long ofds_now(void) { return ofds(5); }
static long ofds_swept(void) { return ofds(4); }

/* A close of a file: file: takes closes later (scheme.h, "Closing later"), so the record
 * goes at the next open (or sweep), told the badge; never while another copy is held. */
static void
test_close_one_call(void)
{
	const char *path = "/tmp/scheme-close-one-call";
	int f = writ_open(path, O_CREAT | O_RDWR, 0644), g, h;
	long n0, n1, n2, n3, r;
	char buf[4];

	if (f < 0 || !writ_scheme_cap("file")) {
		check(false, "scheme/close-one-call", "cannot open %s: %d", path, f);
		return;
	}
	writ_write(f, "abc", 3);
	writ_close(f);			/* the server's closer is kept from here on */
	n0 = ofds_swept();
	f = writ_open(path, O_RDONLY, 0);
	n1 = ofds_now();
	writ_close(f);
	n2 = ofds_now();
	f = writ_open(path, O_RDONLY, 0);
	n3 = ofds_now();
	check(n1 == n0 + 1 && n2 == n0 + 1 && n3 == n0 + 1, "scheme/close-later-frees-at-next-open",
	      "open files %ld, after open %ld, after close %ld, after the next open %ld", n0,
	      n1, n2, n3);
	/* An open that fails tells the close all the same. */
	writ_close(f);
	r = writ_open(path, O_ACCMODE, 0);
	n2 = ofds_now();
	check(r == -EINVAL && n2 == n0, "scheme/close-later-told-by-a-failed-open",
	      "open %ld, open files %ld, wanted %ld", r, n2, n0);
	f = writ_open(path, O_RDONLY, 0);
	g = writ_dup(f);
	writ_close(f);			/* g holds the record: the next open's look leaves it */
	h = writ_open(path, O_RDONLY, 0);
	n2 = ofds_now();
	r = writ_read(g, buf, 3);
	check(r == 3 && n2 == n0 + 2 && memcmp(buf, "abc", 3) == 0,
	      "scheme/close-keeps-a-held-record", "read %ld through the dup, open files %ld", r,
	      n2);
	writ_close(h);
	writ_close(g);
	n3 = ofds_swept();
	check(n3 == n0, "scheme/close-last-copy-frees", "open files %ld, wanted %ld", n3, n0);
	for (int i = 0; i < 50; i++) {
		f = writ_open(path, O_RDONLY, 0);
		g = writ_dup(f);
		writ_close(g);
		writ_close(f);
	}
	n3 = ofds_now();	/* the last close waits for an open */
	check(n3 == n0 + 1 && live_records("zero") >= 0, "scheme/close-one-call-no-leak",
	      "open files %ld, wanted %ld", n3, n0 + 1);
	writ_unlink(path);
}

int
main(void)
{
	test_null_zero();
	test_close_one_call();
	test_bad_input();
	test_dead_client();
	return test_done("scheme");
}
