/*
 * /test/console: the console: scheme (the serial driver), log: and rand:, seen from a
 * program. Lines come out straight on COM1 (init lends this program the port), so they
 * never wait behind the console's own queue.
 *
 * The host helps twice (tests/vm/scenarios.py, qemu.py): it types the bytes this
 * program asks for on a "# send on COM1: HEX" line, which come back through console:,
 * and it checks that the log line written here reached the serial log with its prefix.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/tty.h>
#include <writ/writ.h>

#include <errno.h>

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define S_IFMT 0170000
#define S_IFCHR 0020000

static long
stats(writ_cptr_t policy)
{
	return writ_scheme_call(policy, SCHEME_OP_STATS, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

/* ---- console: ---- */

static void
test_stdio(void)
{
	struct scheme_stat st;
	static const char line[] = "# console test: this line went through fd 1\n";
	long n;

	check(writ_fd_cap(0) && writ_fd_cap(1) && writ_fd_cap(2), "console/stdio-fds",
	      "fds 0, 1, 2 are %u %u %u", (unsigned)writ_fd_cap(0), (unsigned)writ_fd_cap(1),
	      (unsigned)writ_fd_cap(2));
	n = writ_write(1, line, sizeof(line) - 1);
	check(n == (long)sizeof(line) - 1, "console/stdout-write", "write gave %ld", n);
	n = writ_fstat(2, &st);
	check(n == 0 && (st.mode & S_IFMT) == S_IFCHR, "console/stderr-fstat",
	      "fstat gave %ld, mode %lo", n, (unsigned long)st.mode);
	check(writ_fsync(1) == 0, "console/fsync-drains", "fsync failed");
}

static void
test_open_close(void)
{
	writ_cptr_t pol = writ_scheme_cap("console");
	long before = stats(pol), after;
	int fd = writ_open("console:", O_RDWR, 0), fd2;
	char path[16];

	check(fd >= 0, "console/open", "open gave %d", fd);
	check(writ_open("console:/nothing", O_RDWR, 0) == -ENOENT, "console/open-bad-path",
	      "a path under console: opened");
	check(writ_seek(fd, 0, 0) == -ESPIPE, "console/seek-espipe", "seek did not say ESPIPE");
	check(writ_fpath(fd, path, sizeof(path)) == 8 && strcmp(path, "console:") == 0,
	      "console/fpath", "fpath gave '%s'", path);
	fd2 = writ_dup(fd);
	check(fd2 >= 0 && writ_write(fd2, "", 0) == 0, "console/dup", "dup gave %d", fd2);
	writ_close(fd2);
	writ_close(fd);
	after = stats(pol);
	check(before >= 2 && after == before, "console/close-frees-records",
	      "%ld records before the opens, %ld after the closes", before, after);
}

static void
test_bad_input(void)
{
	writ_cptr_t pol = writ_scheme_cap("console");
	int fd = writ_open("console:", O_RDWR, 0);
	writ_cptr_t cap = writ_fd_cap(fd);
	char buf[16] = "12345678";
	writ_word_t a[1];
	long r;

	a[0] = SCHEME_INLINE + 1;
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-too-long", "gave %ld", r);
	a[0] = ~0ull;
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-huge", "gave %ld", r);
	a[0] = 900;     /* more than the 8 bytes the message carries */
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-past-message", "gave %ld", r);
	a[0] = SCHEME_INLINE + 1;
	r = writ_scheme_call(cap, SCHEME_OP_READ, a, 1, NULL, 0, buf, sizeof(buf), NULL, 0);
	check(r == -EINVAL, "console/read-length-too-long", "gave %ld", r);
	a[0] = 8;
	r = writ_scheme_call(pol, SCHEME_OP_READ, a, 1, NULL, 0, buf, sizeof(buf), NULL, 0);
	check(r == -EBADF, "console/read-on-policy", "gave %ld", r);
	r = writ_scheme_call(pol, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EBADF, "console/write-on-policy", "gave %ld", r);
	r = writ_scheme_call(cap, SCHEME_OP_OPEN, a, 1, NULL, 0, NULL, 0, NULL, 0);
	check(r == -ENOSYS, "console/open-on-file", "gave %ld", r);
	writ_close(fd);
}

static void set_mode(int fd, bool canon, unsigned vmin, unsigned vtime);

/* Ask the host to type `bytes` on COM1 (tests/vm/qemu.py): they come to the terminal. */
static void
host_types(const char *bytes)
{
	char hex[2 * 64 + 1];
	size_t n = strlen(bytes);

	for (size_t i = 0; i < n && i < 64; i++)
		writ_snprintf(hex + 2 * i, 3, "%02x", (unsigned char)bytes[i]);
	writ_printf("# send on COM1: %s\n", hex);
}

/* What one read gave, as a C string (n < 0: empty). */
static long
read_once(int fd, char *buf, size_t len)
{
	long n = writ_read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* The host types `want` when it sees the line below; it comes back through console:,
 * a line the terminal ended with a newline (ICRNL made the typed CR one). */
static void
test_input(void)
{
	static const char want[] = "typed on COM1\r";
	char got[64];
	int fd = writ_open("console:", O_RDONLY, 0);
	struct writ_termios saved;
	long n;

	writ_tty_getattr(fd, &saved);
	set_mode(fd, true, 1, 0);
	host_types(want);
	n = read_once(fd, got, sizeof(got));
	check(n == (long)sizeof(want) - 1 && memcmp(got, "typed on COM1\n", (size_t)n) == 0,
	      "console/input", "read %ld bytes '%s'", n, got);
	writ_tty_setattr(fd, TTY_TCSANOW, &saved);
	writ_close(fd);
}

/* ---- the terminal (lib/tty through SCHEME_OP_TTY_*) ---- */

static void
test_tty_attrs(void)
{
	struct writ_termios t, u, saved;
	struct writ_winsize ws, ws2;
	writ_cptr_t pol = writ_scheme_cap("console");
	writ_word_t a[1];
	long r;
	int null = writ_open("null:", O_RDWR, 0);

	r = writ_tty_getattr(0, &t);
	saved = t;
	check(r == 0 && (t.c_lflag & (TTY_ICANON | TTY_ECHO | TTY_ISIG)) ==
	      (TTY_ICANON | TTY_ECHO | TTY_ISIG) && (t.c_iflag & TTY_ICRNL) &&
	      (t.c_oflag & (TTY_OPOST | TTY_ONLCR)) == (TTY_OPOST | TTY_ONLCR) &&
	      t.c_cc[TTY_VINTR] == 3 && t.c_cc[TTY_VERASE] == 0x7f && t.c_cc[TTY_VEOF] == 4 &&
	      t.c_cc[TTY_VMIN] == 1, "console/tty-defaults",
	      "getattr %ld, lflag %o iflag %o oflag %o", r, t.c_lflag, t.c_iflag, t.c_oflag);
	t.c_cc[TTY_VERASE] = '\b';
	t.c_lflag &= ~TTY_ECHOCTL;
	t.c_cc[TTY_VTIME] = 7;
	r = writ_tty_setattr(1, TTY_TCSADRAIN, &t);
	check(r == 0 && writ_tty_getattr(2, &u) == 0 && memcmp(&t, &u, sizeof(t)) == 0,
	      "console/tty-setattr-roundtrip", "setattr %ld, attributes differ", r);
	check(writ_tty_setattr(0, 3, &t) == -EINVAL, "console/tty-setattr-bad-when",
	      "when 3 accepted");
	a[0] = TTY_TCSANOW;
	r = writ_scheme_call(writ_fd_cap(0), SCHEME_OP_TTY_SETATTR, a, 1, &t, 8, NULL, 0, NULL,
			     0);
	check(r == -EINVAL, "console/tty-setattr-short", "8 bytes of termios gave %ld", r);
	writ_tty_setattr(0, TTY_TCSANOW, &saved);

	r = writ_tty_getwinsz(0, &ws);
	check(r == 0 && ws.ws_row == 24 && ws.ws_col == 80, "console/tty-winsize-default",
	      "%ld: %ux%u", r, ws.ws_row, ws.ws_col);
	ws2 = (struct writ_winsize){ .ws_row = 50, .ws_col = 132 };
	check(writ_tty_setwinsz(0, &ws2) == 0 && writ_tty_getwinsz(1, &ws2) == 0 &&
	      ws2.ws_row == 50 && ws2.ws_col == 132, "console/tty-winsize-set",
	      "%ux%u", ws2.ws_row, ws2.ws_col);
	writ_tty_setwinsz(0, &ws);

	check(writ_tty_getpgrp(0) == 0, "console/tty-pgrp-none", "pgrp %ld",
	      writ_tty_getpgrp(0));
	check(writ_tty_setpgrp(0, 4242) == 0 && writ_tty_getpgrp(2) == 4242,
	      "console/tty-pgrp-set", "pgrp %ld", writ_tty_getpgrp(2));
	check(writ_tty_setpgrp(0, -5) == -EINVAL && writ_tty_getpgrp(0) == 4242,
	      "console/tty-pgrp-bad", "a bad group was taken");
	check(writ_tty_setpgrp(0, 0) == 0 && writ_tty_getpgrp(0) == 0,
	      "console/tty-pgrp-cleared", "pgrp %ld after setting none", writ_tty_getpgrp(0));
	check(writ_tty_events(0, false, NULL) == 0, "console/tty-events-none",
	      "events before any key");

	r = writ_scheme_call(pol, SCHEME_OP_TTY_GETATTR, NULL, 0, NULL, 0, &t, sizeof(t), NULL,
			     0);
	check(r == -ENOTTY, "console/tty-on-policy-enotty", "gave %ld", r);
	check(writ_isatty(0) && writ_isatty(1) && null >= 0 && !writ_isatty(null),
	      "console/isatty", "isatty 0:%d null:%d", writ_isatty(0), writ_isatty(null));
	writ_close(null);
}

/* Echo stays off here: it goes out through the driver's queue while this program's
 * lines go straight to COM1, and the two would mix within a line. (The run boot checks
 * the echo, tests/vm/scenarios.py.) */
static void
set_mode(int fd, bool canon, unsigned vmin, unsigned vtime)
{
	struct writ_termios t;

	writ_tty_getattr(fd, &t);
	t.c_lflag &= ~TTY_ECHO;
	if (canon)
		t.c_lflag |= TTY_ICANON;
	else
		t.c_lflag &= ~TTY_ICANON;
	t.c_cc[TTY_VMIN] = (uint8_t)vmin;
	t.c_cc[TTY_VTIME] = (uint8_t)vtime;
	writ_tty_setattr(fd, TTY_TCSANOW, &t);
}

static void
test_tty_input(void)
{
	char got[64], more[64];
	long n, m, pgrp = 0, ev;
	struct writ_termios saved;

	writ_tty_getattr(0, &saved);
	set_mode(0, true, 1, 0);
	/* Editing: DEL erases, ^U kills the line, ^W a word; one line per read. */
	host_types("ab\x7f" "c\x15zz yy\x17" "xyz\rnext\r");
	n = read_once(0, got, sizeof(got));
	check(n == 7 && strcmp(got, "zz xyz\n") == 0, "console/tty-canon-editing",
	      "read %ld '%s'", n, got);
	n = read_once(0, got, sizeof(got));
	check(n == 5 && strcmp(got, "next\n") == 0, "console/tty-canon-one-line-per-read",
	      "read %ld '%s'", n, got);

	host_types("\x04");
	n = read_once(0, got, sizeof(got));
	check(n == 0, "console/tty-eof-reads-0", "read %ld '%s'", n, got);

	/* ^C: no input, an event for the foreground group. */
	writ_tty_setpgrp(0, 77);
	host_types("lost\x03");
	ev = writ_tty_events(0, true, &pgrp);
	check(ev == TTY_EV_INT && pgrp == 77, "console/tty-intr-event", "events %ld pgrp %ld",
	      ev, pgrp);
	host_types("\x1c\x1a");
	ev = 0;
	for (int i = 0; i < 2 && ev != (TTY_EV_QUIT | TTY_EV_SUSP); i++)
		ev |= writ_tty_events(0, true, NULL);
	check(ev == (TTY_EV_QUIT | TTY_EV_SUSP), "console/tty-quit-susp-events", "events %ld",
	      ev);
	check(writ_read(0, got, 0) == 0 && writ_scheme_call(writ_fd_cap(0), SCHEME_OP_READ,
	      (writ_word_t[]){ 8, SCHEME_READ_NOWAIT }, 2, NULL, 0, got, 8, NULL, 0) == -EAGAIN,
	      "console/tty-intr-flushed-line", "'lost' is still there to read");

	/* Raw: VMIN 3 waits for three bytes; no line, no echo, DEL is data. */
	set_mode(0, false, 3, 0);
	host_types("a\x7f" "cd");
	n = writ_read(0, got, sizeof(got));
	if (n == 3)
		set_mode(0, false, 1, 0);       /* one byte left: MIN 3 would wait for ever */
	m = n == 3 ? writ_read(0, more, sizeof(more)) : 0;
	if (n > 0 && m > 0)
		memcpy(got + n, more, (size_t)m);
	check(n >= 3 && n + m == 4 && memcmp(got, "a\x7f" "cd", 4) == 0,
	      "console/tty-raw-vmin", "reads of %ld and %ld bytes", n, m);
	set_mode(0, false, 0, 0);
	n = writ_read(0, got, sizeof(got));
	check(n == 0, "console/tty-raw-poll", "a VMIN 0 VTIME 0 read gave %ld", n);
	writ_tty_setattr(0, TTY_TCSANOW, &saved);
	writ_tty_setpgrp(0, 1);
}

/* ---- log: ---- */

/* The log capability names this process by its badge; a badge is set once, so no
 * copy of it can be made to name another process. */
static void
test_log_forge(void)
{
	writ_cptr_t mine = writ_scheme_cap("log"), copy = writ_slot_alloc();
	long err = writ_cnode_mint(WRIT_PSLOT_CNODE, copy, 64, WRIT_PSLOT_CNODE, mine, 64,
				   WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY,
				   scheme_badge(1, 0, SCHEME_KIND_IDENT, 0));

	check(mine && err != WRIT_OK, "log/identity-cannot-be-reminted",
	      "minting a new badge onto the log capability gave %ld", err);
	if (err == WRIT_OK)
		writ_cnode_delete(WRIT_PSLOT_CNODE, copy, 64);
	writ_slot_free(copy);
}

static void
test_log(void)
{
	static const char two[] = "log: second line\nlog: third line";
	int fd = writ_open("log:", O_WRONLY, 0);
	static const char line[] = "log: hello from the console test\n";
	char buf[8];

	check(fd >= 0, "log/open", "open gave %d", fd);
	check(writ_write(fd, line, sizeof(line) - 1) == (long)sizeof(line) - 1, "log/write",
	      "short write");
	check(writ_write(fd, two, sizeof(two) - 1) == (long)sizeof(two) - 1,
	      "log/write-two-lines", "short write");
	check(writ_read(fd, buf, sizeof(buf)) == -EBADF, "log/read-refused", "a read worked");
	test_log_forge();
	writ_close(fd);
	/* log: queued its lines on the console before answering: drain them. */
	check(writ_fsync(1) == 0, "log/drained", "fsync failed");
}

/* ---- rand: ---- */

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void
test_rand(void)
{
	static uint8_t big[65536];
	uint8_t a[32], b[32];
	int fd = writ_open("rand:", O_RDONLY, 0);
	unsigned long ones = 0;
	long n;

	check(fd >= 0, "rand/open", "open gave %d", fd);
	check(writ_read(fd, a, sizeof(a)) == 32 && writ_read(fd, b, sizeof(b)) == 32,
	      "rand/read", "short read");
	check(memcmp(a, b, sizeof(a)) != 0, "rand/reads-differ", "two reads gave the same bytes");
	check(!all_zero(a, sizeof(a)) && !all_zero(b, sizeof(b)), "rand/not-zero",
	      "a read gave only zeros");
	n = writ_read(fd, big, sizeof(big));
	for (size_t i = 0; i < sizeof(big); i++)
		ones += (unsigned long)__builtin_popcount(big[i]);
	check(n == (long)sizeof(big), "rand/large-read", "a 64 KiB read gave %ld", n);
	/* 524288 bits: a fair source stays within 1% of half (7 sigma). */
	check(ones > 259500 && ones < 264800, "rand/large-read-balanced", "%lu of %lu bits set",
	      ones, (unsigned long)sizeof(big) * 8);
	check(!all_zero(big + 60000, 5536), "rand/large-read-tail", "the tail is zeros");
	check(writ_write(fd, "more entropy", 12) == 12, "rand/write-mixes", "write refused");
	writ_close(fd);
}

int
main(void)
{
	int rc;

	test_stdio();
	test_open_close();
	test_bad_input();
	test_log();
	test_rand();
	test_tty_attrs();
	test_input();
	test_tty_input();
	rc = test_done("console");
	writ_fsync(1);
	return rc;
}
