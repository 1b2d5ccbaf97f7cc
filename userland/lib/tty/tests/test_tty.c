/*
 * The line discipline on the host: every special character, canonical and raw modes,
 * VMIN/VTIME with a fake clock, echo and output processing, overlong lines. Each case
 * prints `ok - tty/NAME` or `not ok - tty/NAME: why`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tty/tty.h>

static char out[65536];
static size_t nout;
static int failed;
static struct tty t;

static void
emit(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (nout + n <= sizeof(out)) {
		memcpy(out + nout, p, n);
		nout += n;
	}
}

static void
fresh(void)
{
	tty_init(&t, emit, NULL, 25, 80);
	nout = 0;
}

static unsigned
type(const char *s)
{
	unsigned ev = 0;

	for (; *s; s++)
		ev |= tty_input(&t, (uint8_t)*s, 0);
	return ev;
}

static void
check(int ok, const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (ok) {
		printf("ok - tty/%s\n", name);
		return;
	}
	failed++;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("not ok - tty/%s: %s\n", name, why);
}

/* Read once with a big buffer; the bytes as a C string, or "<wait>". */
static const char *
rd(size_t len)
{
	static char b[TTY_BUF + 16];
	uint64_t due;
	long n = tty_read(&t, b, len, 0, 0, &due);

	if (n == TTY_READ_WAIT)
		return "<wait>";
	b[n] = 0;
	return b;
}

static const char *
echoed(void)
{
	out[nout] = 0;
	return out;
}

static void
test_defaults(void)
{
	fresh();
	check(t.tio.c_lflag & TTY_ICANON && t.tio.c_lflag & TTY_ECHO && t.tio.c_lflag & TTY_ISIG &&
	      t.tio.c_iflag & TTY_ICRNL && t.tio.c_oflag & TTY_ONLCR &&
	      t.tio.c_cc[TTY_VINTR] == 3 && t.tio.c_cc[TTY_VERASE] == 0x7f &&
	      t.tio.c_cc[TTY_VEOF] == 4 && t.tio.c_cc[TTY_VMIN] == 1 &&
	      t.ws.ws_row == 25 && t.ws.ws_col == 80, "defaults-as-linux",
	      "lflag %o iflag %o", t.tio.c_lflag, t.tio.c_iflag);
}

static void
test_canonical(void)
{
	const char *r;

	fresh();
	type("hello");
	check(strcmp(rd(64), "<wait>") == 0, "canon-waits-for-line", "read gave '%s'", rd(64));
	type("\r");
	r = rd(64);
	check(strcmp(r, "hello\n") == 0, "canon-cr-becomes-nl", "read gave '%s'", r);
	check(strcmp(echoed(), "hello\r\n") == 0, "canon-echo", "echo '%s'", echoed());
	type("one\rtwo\r");
	r = rd(64);
	check(strcmp(r, "one\n") == 0, "canon-one-line-per-read", "first read '%s'", r);
	r = rd(64);
	check(strcmp(r, "two\n") == 0, "canon-second-line", "second read '%s'", r);
	type("abcdef\r");
	r = rd(4);
	check(strcmp(r, "abcd") == 0 && strcmp(rd(64), "ef\n") == 0, "canon-short-reads",
	      "first '%s'", r);
}

static void
test_erase(void)
{
	const char *r;

	fresh();
	type("abc\x7f\x7f" "d\r");
	r = rd(64);
	check(strcmp(r, "ad\n") == 0, "erase-del", "read '%s'", r);
	check(strcmp(echoed(), "abc\b \b\b \bd\r\n") == 0, "erase-echo-bs-space-bs",
	      "echo '%s'", echoed());
	fresh();
	t.tio.c_cc[TTY_VERASE] = '\b';
	type("xy\by\r");
	r = rd(64);
	check(strcmp(r, "xy\n") == 0, "erase-backspace-char", "read '%s'", r);
	fresh();
	type("\x7f\x7f" "a\r");
	check(strcmp(rd(64), "a\n") == 0 && strcmp(echoed(), "a\r\n") == 0,
	      "erase-empty-line-nothing", "echo '%s'", echoed());
	fresh();
	type("a\tb\x7f\x7f");
	check(strcmp(echoed(), "a\tb\b \b" "\b\b\b\b\b\b\b") == 0, "erase-tab-to-its-column",
	      "echo '%s'", echoed());
	fresh();
	type("\xc3\xa9\x7f" "e\r");
	r = rd(64);
	check(strcmp(r, "e\n") == 0 && strcmp(echoed(), "\xc3\xa9\b \be\r\n") == 0,
	      "erase-utf8-whole", "read '%s' echo '%s'", r, echoed());
	fresh();
	type("a\x01\x7f" "b\r");
	check(strcmp(rd(64), "ab\n") == 0 && strcmp(echoed(), "a^A\b \b\b \bb\r\n") == 0,
	      "erase-control-two-columns", "echo '%s'", echoed());
	fresh();
	t.tio.c_lflag &= ~TTY_ECHOE;
	type("ab\x7f\r");
	check(strcmp(rd(64), "a\n") == 0 && strcmp(echoed(), "ab^?\r\n") == 0,
	      "erase-without-echoe-echoes-char", "echo '%s'", echoed());
}

static void
test_kill_werase(void)
{
	const char *r;

	fresh();
	type("abc\x15xy\r");
	r = rd(64);
	check(strcmp(r, "xy\n") == 0, "kill-line", "read '%s'", r);
	check(strcmp(echoed(), "abc\b \b\b \b\b \bxy\r\n") == 0, "kill-echoke-erases",
	      "echo '%s'", echoed());
	fresh();
	t.tio.c_lflag &= ~TTY_ECHOKE;
	type("abc\x15z\r");
	check(strcmp(rd(64), "z\n") == 0 && strcmp(echoed(), "abc^U\r\nz\r\n") == 0,
	      "kill-echok-newline", "echo '%s'", echoed());
	fresh();
	type("one two  \x17" "three\r");
	r = rd(64);
	check(strcmp(r, "one three\n") == 0, "werase-word", "read '%s'", r);
	fresh();
	t.tio.c_lflag &= ~TTY_IEXTEN;
	type("ab\x17\r");
	check(strcmp(rd(64), "ab\x17\n") == 0, "werase-needs-iexten", "read differs");
	fresh();
	type("ab\x12");
	check(strcmp(echoed(), "ab^R\r\nab") == 0, "reprint-line", "echo '%s'", echoed());
	fresh();
	type("a\x16\x7f\x16\x03\r");
	r = rd(64);
	check(strcmp(r, "a\x7f\x03\n") == 0 && !tty_take_events(&t), "lnext-literal",
	      "read len %zu", strlen(r));
}

static void
test_eof(void)
{
	const char *r;
	char b[8];
	uint64_t due;

	fresh();
	type("\x04");
	check(tty_read(&t, b, sizeof(b), 0, 0, &due) == 0, "eof-at-line-start-reads-0",
	      "not 0");
	check(strcmp(echoed(), "") == 0, "eof-not-echoed", "echo '%s'", echoed());
	type("abc\x04");
	r = rd(64);
	check(strcmp(r, "abc") == 0 && strcmp(rd(64), "<wait>") == 0, "eof-mid-line-pushes",
	      "read '%s'", r);
	type("xyz\x04");
	r = rd(3);
	check(strcmp(r, "xyz") == 0 && strcmp(rd(64), "<wait>") == 0,
	      "eof-after-exact-read-no-spurious-0", "read '%s'", r);
	fresh();
	t.tio.c_cc[TTY_VEOL] = ';';
	type("a;b");
	check(strcmp(rd(64), "a;") == 0, "eol-char-ends-line", "EOL did not end the line");
}

static void
test_signals(void)
{
	unsigned ev;

	fresh();
	type("partial");
	ev = type("\x03");
	check((ev & TTY_EV_INT) && tty_take_events(&t) == TTY_EV_INT && !tty_take_events(&t),
	      "intr-raises-event", "events %x", ev);
	check(tty_readable(&t) == 0 && t.head == t.tail, "intr-flushes-line", "input kept");
	check(strcmp(echoed(), "partial^C") == 0, "intr-echo-ctl", "echo '%s'", echoed());
	ev = type("\x1c");
	check(ev & TTY_EV_QUIT, "quit-raises-event", "events %x", ev);
	ev = type("\x1a");
	check(ev & TTY_EV_SUSP, "susp-raises-event", "events %x", ev);
	fresh();
	t.tio.c_lflag |= TTY_NOFLSH;
	type("ab\x03" "c\r");
	check(strcmp(rd(64), "abc\n") == 0, "noflsh-keeps-line", "line lost");
	fresh();
	t.tio.c_lflag &= ~TTY_ISIG;
	ev = type("\x03\r");
	check(!(ev & TTY_EV_INT) && strcmp(rd(64), "\x03\n") == 0, "no-isig-is-input",
	      "events %x", ev);
	fresh();
	t.tio.c_cc[TTY_VINTR] = 0;
	check(!(type("\x03") & TTY_EV_INT), "disabled-cc", "a disabled INTR still fired");
}

static void
test_crnl(void)
{
	fresh();
	t.tio.c_iflag &= ~TTY_ICRNL;
	type("a\rb\n");
	check(strcmp(rd(64), "a\rb\n") == 0, "no-icrnl-keeps-cr", "read differs");
	fresh();
	t.tio.c_iflag |= TTY_IGNCR;
	type("a\r\n");
	check(strcmp(rd(64), "a\n") == 0, "igncr", "read differs");
	fresh();
	t.tio.c_lflag &= ~TTY_ICANON;
	t.tio.c_iflag |= TTY_INLCR;
	t.tio.c_iflag &= ~TTY_ICRNL;
	type("\n");
	check(strcmp(rd(64), "\r") == 0, "inlcr", "read differs");
	fresh();
	tty_write(&t, "a\nb\n", 4);
	check(strcmp(echoed(), "a\r\nb\r\n") == 0, "onlcr", "out '%s'", echoed());
	fresh();
	t.tio.c_oflag &= ~TTY_OPOST;
	tty_write(&t, "a\nb", 3);
	check(strcmp(echoed(), "a\nb") == 0, "no-opost-raw-output", "out '%s'", echoed());
	fresh();
	t.tio.c_oflag |= TTY_OCRNL;
	tty_write(&t, "a\r", 2);
	check(strcmp(echoed(), "a\n") == 0, "ocrnl", "out '%s'", echoed());
	fresh();
	t.tio.c_iflag |= TTY_ISTRIP;
	t.tio.c_lflag &= ~TTY_ICANON;
	type("\xc1");
	check(strcmp(rd(64), "A") == 0, "istrip", "read differs");
}

static void
test_echo_modes(void)
{
	fresh();
	t.tio.c_lflag &= ~TTY_ECHO;
	type("secret\r");
	check(strcmp(rd(64), "secret\n") == 0 && nout == 0, "no-echo", "echo '%s'", echoed());
	fresh();
	t.tio.c_lflag &= ~TTY_ECHO;
	t.tio.c_lflag |= TTY_ECHONL;
	type("pw\r");
	check(strcmp(echoed(), "\r\n") == 0, "echonl", "echo '%s'", echoed());
	fresh();
	t.tio.c_lflag &= ~TTY_ECHOCTL;
	type("\x01\r");
	check(strcmp(echoed(), "\x01\r\n") == 0, "no-echoctl-raw-control", "echo differs");
}

static void
raw(unsigned vmin, unsigned vtime)
{
	fresh();
	t.tio.c_lflag &= ~(TTY_ICANON | TTY_ECHO);
	t.tio.c_cc[TTY_VMIN] = (uint8_t)vmin;
	t.tio.c_cc[TTY_VTIME] = (uint8_t)vtime;
}

static void
test_raw(void)
{
	char b[16];
	uint64_t due;
	long n;

	raw(1, 0);
	check(tty_read(&t, b, 16, 0, 0, &due) == TTY_READ_WAIT && due == 0, "raw-min1-waits",
	      "did not wait");
	tty_input(&t, 'x', 0);
	n = tty_read(&t, b, 16, 0, 0, &due);
	check(n == 1 && b[0] == 'x', "raw-min1-byte-at-once", "read %ld", n);
	tty_input(&t, '\x7f', 0);
	tty_input(&t, '\x04', 0);
	n = tty_read(&t, b, 16, 0, 0, &due);
	check(n == 2 && b[0] == 0x7f && b[1] == 4, "raw-erase-eof-are-data", "read %ld", n);

	raw(0, 0);
	check(tty_read(&t, b, 16, 0, 0, &due) == 0, "raw-min0-time0-polls", "did not return 0");

	raw(3, 0);
	type("ab");
	check(tty_read(&t, b, 16, 0, 0, &due) == TTY_READ_WAIT, "raw-min3-waits-for-3",
	      "returned early");
	check(tty_read(&t, b, 2, 0, 0, &due) == 2, "raw-min-capped-by-len",
	      "len 2 did not satisfy MIN 3");
	type("cdef");
	check(tty_read(&t, b, 16, 0, 0, &due) == 4, "raw-min-takes-all-there", "");

	raw(0, 5);
	n = tty_read(&t, b, 16, 100, 102, &due);
	check(n == TTY_READ_WAIT && due == 105, "raw-time-waits-until-due", "n %ld due %lu", n,
	      (unsigned long)due);
	check(tty_read(&t, b, 16, 100, 105, &due) == 0, "raw-time-expires-0", "no 0 at expiry");
	tty_input(&t, 'q', 103);
	check(tty_read(&t, b, 16, 100, 103, &due) == 1, "raw-time-byte-before-expiry", "");

	raw(4, 2);
	check(tty_read(&t, b, 16, 0, 50, &due) == TTY_READ_WAIT && due == 0,
	      "raw-min-time-no-timer-before-first-byte", "due %lu", (unsigned long)due);
	tty_input(&t, 'a', 60);
	n = tty_read(&t, b, 16, 0, 61, &due);
	check(n == TTY_READ_WAIT && due == 62, "raw-min-time-interbyte-timer", "n %ld due %lu",
	      n, (unsigned long)due);
	tty_input(&t, 'b', 61);
	n = tty_read(&t, b, 16, 0, 63, &due);
	check(n == 2, "raw-min-time-expires-with-bytes", "n %ld", n);

	raw(1, 0);
	t.tio.c_lflag |= TTY_ECHO;
	type("k");
	check(strcmp(echoed(), "k") == 0, "raw-echo", "echo '%s'", echoed());
}

static void
test_modes_switch(void)
{
	struct writ_termios tio;

	fresh();
	type("half");
	tio = t.tio;
	tio.c_lflag &= ~TTY_ICANON;
	tty_setattr(&t, TTY_TCSANOW, &tio);
	check(strcmp(rd(64), "half") == 0, "canon-to-raw-hands-line-over", "line kept back");
	fresh();
	type("x\r");
	tio = t.tio;
	check(tty_setattr(&t, TTY_TCSAFLUSH, &tio) == 0 && tty_readable(&t) == 0,
	      "tcsaflush-drops-input", "input kept");
	check(tty_setattr(&t, 7, &tio) == -22, "setattr-bad-when", "accepted");
}

static void
test_overlong(void)
{
	static char line[TTY_BUF + 100];
	const char *r;
	size_t n;

	fresh();
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	type(line);
	type("\r");
	r = rd(sizeof(line));
	n = strlen(r);
	check(n == TTY_BUF && r[n - 1] == '\n' && r[n - 2] == 'a', "overlong-line-cut-keeps-nl",
	      "read %zu bytes", n);
	type("b\r");
	check(strcmp(rd(64), "b\n") == 0, "after-overlong-usable", "next line lost");
	/* Lines waiting unread fill the buffer: the rest is dropped, nothing breaks. */
	fresh();
	for (int i = 0; i < 3000; i++)
		type("xy\r");
	n = 0;
	while (strcmp(rd(64), "xy\n") == 0)
		n++;
	check(n > 1000 && n < 1400 && tty_readable(&t) == 0, "full-buffer-drops-lines",
	      "%zu lines came", n);
	fresh();
	t.tio.c_lflag &= ~TTY_ICANON;
	for (int i = 0; i < TTY_BUF + 50; i++)
		tty_input(&t, 'r', 0);
	check(tty_readable(&t) == TTY_BUF, "raw-full-buffer-bounded", "%zu readable",
	      tty_readable(&t));
}

int
main(void)
{
	test_defaults();
	test_canonical();
	test_erase();
	test_kill_werase();
	test_eof();
	test_signals();
	test_crnl();
	test_echo_modes();
	test_raw();
	test_modes_switch();
	test_overlong();
	return failed ? 1 : 0;
}
