/*
 * The line discipline (see tty.h for the model). Every path that takes a byte into
 * buf keeps head - tail <= TTY_BUF - 1 while a line is edited, so a delimiter always
 * fits; every path that leaves keeps tail <= canon <= head.
 */
#include <tty/tty.h>

#include <string.h>

#define M_DELIM 1u              /* ends a line */
#define M_EOF   2u              /* the EOF character: ends a line, never read */
#define M_CTL   4u              /* echoed as two columns (^X) */
#define MASK (TTY_BUF - 1)

#define IF(t, f) (((t)->tio.c_iflag & (f)) != 0)
#define OF(t, f) (((t)->tio.c_oflag & (f)) != 0)
#define LF(t, f) (((t)->tio.c_lflag & (f)) != 0)

static const struct writ_termios defaults = {
	.c_iflag = TTY_ICRNL | TTY_IUTF8,
	.c_oflag = TTY_OPOST | TTY_ONLCR,
	.c_cflag = TTY_B38400 | TTY_CS8 | TTY_CREAD | TTY_HUPCL,
	.c_lflag = TTY_ISIG | TTY_ICANON | TTY_ECHO | TTY_ECHOE | TTY_ECHOK | TTY_ECHOCTL |
		   TTY_ECHOKE | TTY_IEXTEN,
	.c_cc = {
		[TTY_VINTR] = 003, [TTY_VQUIT] = 034, [TTY_VERASE] = 0177, [TTY_VKILL] = 025,
		[TTY_VEOF] = 004, [TTY_VTIME] = 0, [TTY_VMIN] = 1, [TTY_VSTART] = 021,
		[TTY_VSTOP] = 023, [TTY_VSUSP] = 032, [TTY_VREPRINT] = 022,
		[TTY_VDISCARD] = 017, [TTY_VWERASE] = 027, [TTY_VLNEXT] = 026,
	},
};

void
tty_init(struct tty *t, tty_emit_fn *emit, void *ctx, uint16_t rows, uint16_t cols)
{
	memset(t, 0, sizeof(*t));
	t->tio = defaults;
	t->ws.ws_row = rows;
	t->ws.ws_col = cols;
	t->emit = emit;
	t->ctx = ctx;
}

/* Is c the control character cc[i] (0 disables one, as Linux's _POSIX_VDISABLE)? */
static bool
is_cc(const struct tty *t, uint8_t c, unsigned i)
{
	return t->tio.c_cc[i] != 0 && t->tio.c_cc[i] == c;
}

/* ---- output ---- */

static void
track_column(struct tty *t, uint8_t c)
{
	if (c == '\r' || c == '\n')
		t->col = c == '\n' && !(OF(t, TTY_OPOST) && OF(t, TTY_ONLCR | TTY_ONLRET))
			 ? t->col : 0;
	else if (c == '\t')
		t->col = (t->col | 7) + 1;
	else if (c == '\b')
		t->col = t->col ? t->col - 1 : 0;
	else if (c >= 0x20 && c != 0x7f && (c & 0xc0) != 0x80)
		t->col++;               /* a UTF-8 continuation byte takes no column */
}

void
tty_write(struct tty *t, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t run = 0;                 /* bytes of s[0..i) not yet emitted */

	if (!OF(t, TTY_OPOST)) {
		for (size_t i = 0; i < n; i++)
			track_column(t, s[i]);
		if (n)
			t->emit(t->ctx, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '\n' && OF(t, TTY_ONLCR)) {
			if (run)
				t->emit(t->ctx, s + i - run, run);
			run = 0;
			t->emit(t->ctx, (const uint8_t *)"\r\n", 2);
			t->col = 0;
			continue;
		}
		if (c == '\r' && OF(t, TTY_OCRNL)) {
			if (run)
				t->emit(t->ctx, s + i - run, run);
			run = 0;
			t->emit(t->ctx, (const uint8_t *)"\n", 1);
			t->col = OF(t, TTY_ONLRET) ? 0 : t->col;
			continue;
		}
		track_column(t, c);
		run++;
	}
	if (run)
		t->emit(t->ctx, s + n - run, run);
}

static void
out_str(struct tty *t, const char *s)
{
	tty_write(t, s, strlen(s));
}

/* The echo of one input byte: control characters as ^X with ECHOCTL (but tab and
 * newline themselves). */
static void
echo_byte(struct tty *t, uint8_t c)
{
	if (!LF(t, TTY_ECHO))
		return;
	if (LF(t, TTY_ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n') {
		uint8_t two[2] = { '^', (uint8_t)(c ^ 0x40) };

		tty_write(t, two, 2);
		return;
	}
	tty_write(t, &c, 1);
}

/* ---- the input ring ---- */

static uint32_t used(const struct tty *t) { return t->head - t->tail; }

static void
put(struct tty *t, uint8_t c, uint8_t mark)
{
	t->buf[t->head & MASK] = c;
	t->mark[t->head & MASK] = mark;
	t->head++;
}

size_t
tty_readable(const struct tty *t)
{
	return t->canon - t->tail;
}

void
tty_flush_input(struct tty *t)
{
	t->tail = t->canon = t->head;
	t->lnext = false;
}

unsigned
tty_take_events(struct tty *t)
{
	unsigned e = t->events;

	t->events = 0;
	return e;
}

/* ---- canonical editing ---- */

/* The columns the edited line's bytes [canon, upto) take from line_col on. */
static unsigned
line_width(const struct tty *t, uint32_t upto)
{
	unsigned col = t->line_col;

	for (uint32_t i = t->canon; i != upto; i++) {
		uint8_t c = t->buf[i & MASK];

		if (t->mark[i & MASK] & M_CTL)
			col += 2;
		else if (c == '\t')
			col = (col | 7) + 1;
		else if ((c & 0xc0) != 0x80)
			col++;
	}
	return col;
}

static void
backspaces(struct tty *t, unsigned n, bool blank)
{
	while (n--)
		out_str(t, blank ? "\b \b" : "\b");
}

/* Take the last character of the edited line away, and off the screen. */
static void
erase_one(struct tty *t, bool visual)
{
	uint32_t end = t->head, start;
	unsigned before, after;

	if (t->head == t->canon)
		return;
	start = end - 1;
	if (IF(t, TTY_IUTF8))
		while (start != t->canon && (t->buf[start & MASK] & 0xc0) == 0x80)
			start--;
	if (visual && LF(t, TTY_ECHO) && LF(t, TTY_ECHOE)) {
		after = line_width(t, start);
		before = line_width(t, end);
		/* A tab's width depends on where it began: step back to there, leave the
		 * tab's blank cells alone. */
		backspaces(t, before - after, t->buf[start & MASK] != '\t');
	}
	t->head = start;
}

static void
erase_char(struct tty *t, uint8_t c)
{
	if (t->head == t->canon)
		return;
	if (LF(t, TTY_ECHO) && !LF(t, TTY_ECHOE))
		echo_byte(t, c);
	erase_one(t, true);
}

static void
kill_line(struct tty *t, uint8_t c)
{
	if (t->head == t->canon)
		return;
	if (LF(t, TTY_ECHO) && LF(t, TTY_ECHOE) && LF(t, TTY_ECHOKE)) {
		while (t->head != t->canon)
			erase_one(t, true);
		return;
	}
	t->head = t->canon;
	if (LF(t, TTY_ECHO)) {
		echo_byte(t, c);
		if (LF(t, TTY_ECHOK))
			out_str(t, "\n");
	}
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void
erase_word(struct tty *t)
{
	while (t->head != t->canon && is_space(t->buf[(t->head - 1) & MASK]))
		erase_one(t, true);
	while (t->head != t->canon && !is_space(t->buf[(t->head - 1) & MASK]))
		erase_one(t, true);
}

static void
reprint(struct tty *t, uint8_t c)
{
	echo_byte(t, c);
	out_str(t, "\n");
	t->line_col = t->col;
	for (uint32_t i = t->canon; i != t->head; i++)
		echo_byte(t, t->buf[i & MASK]);
}

/* ---- input ---- */

static unsigned
raise_signal(struct tty *t, uint8_t c, unsigned ev)
{
	if (!LF(t, TTY_NOFLSH))
		tty_flush_input(t);
	echo_byte(t, c);
	t->events |= ev;
	return ev;
}

/* A byte into the line being edited (canonical) or straight to readers (raw). */
static unsigned
store(struct tty *t, uint8_t c, bool literal)
{
	bool ctl = (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && LF(t, TTY_ECHOCTL);

	if (!LF(t, TTY_ICANON)) {
		if (used(t) >= TTY_BUF)
			return 0;       /* nobody reads: the newest bytes go */
		put(t, c, 0);
		t->canon = t->head;
		echo_byte(t, c);
		return TTY_IN_READABLE;
	}
	if (!literal && (c == '\n' || is_cc(t, c, TTY_VEOL) || is_cc(t, c, TTY_VEOL2) ||
			 is_cc(t, c, TTY_VEOF))) {
		bool eof = is_cc(t, c, TTY_VEOF);

		if (used(t) >= TTY_BUF)
			return 0;
		put(t, c, M_DELIM | (eof ? M_EOF : 0));
		t->canon = t->head;
		if (!eof && LF(t, TTY_ECHO))
			echo_byte(t, c);
		else if (c == '\n' && LF(t, TTY_ECHONL))
			tty_write(t, &c, 1);
		return TTY_IN_READABLE;
	}
	if (used(t) >= TTY_BUF - 1)
		return 0;               /* the last slot is for the line's end */
	if (t->head == t->canon)
		t->line_col = t->col;
	put(t, c, ctl ? M_CTL : 0);
	echo_byte(t, c);
	return 0;
}

unsigned
tty_input(struct tty *t, uint8_t c, uint64_t now)
{
	t->last_input = now;
	if (IF(t, TTY_ISTRIP))
		c &= 0x7f;
	if (t->lnext) {
		t->lnext = false;
		if (LF(t, TTY_ECHO) && LF(t, TTY_ECHOCTL))
			out_str(t, "\b");      /* over the ^ shown meanwhile */
		return store(t, c, true);
	}
	if (c == '\r') {
		if (IF(t, TTY_IGNCR))
			return 0;
		if (IF(t, TTY_ICRNL))
			c = '\n';
	} else if (c == '\n' && IF(t, TTY_INLCR)) {
		c = '\r';
	}
	if (LF(t, TTY_ISIG)) {
		if (is_cc(t, c, TTY_VINTR))
			return raise_signal(t, c, TTY_EV_INT);
		if (is_cc(t, c, TTY_VQUIT))
			return raise_signal(t, c, TTY_EV_QUIT);
		if (is_cc(t, c, TTY_VSUSP))
			return raise_signal(t, c, TTY_EV_SUSP);
	}
	if (LF(t, TTY_IEXTEN) && is_cc(t, c, TTY_VLNEXT)) {
		t->lnext = true;
		if (LF(t, TTY_ECHO) && LF(t, TTY_ECHOCTL))
			out_str(t, "^");
		return 0;
	}
	if (LF(t, TTY_ICANON)) {
		if (is_cc(t, c, TTY_VERASE)) {
			erase_char(t, c);
			return 0;
		}
		if (is_cc(t, c, TTY_VKILL)) {
			kill_line(t, c);
			return 0;
		}
		if (LF(t, TTY_IEXTEN) && is_cc(t, c, TTY_VWERASE)) {
			erase_word(t);
			return 0;
		}
		if (LF(t, TTY_IEXTEN) && is_cc(t, c, TTY_VREPRINT)) {
			reprint(t, c);
			return 0;
		}
	}
	return store(t, c, false);
}

/* ---- reading ---- */

/* Canonical: up to len bytes of the first line, its delimiter included (but an EOF
 * character, which only ends it). */
static long
read_line(struct tty *t, uint8_t *dst, size_t len)
{
	size_t n = 0;

	while (t->tail != t->canon && n < len) {
		uint8_t m = t->mark[t->tail & MASK];

		if (m & M_EOF) {
			t->tail++;
			return (long)n;
		}
		dst[n++] = t->buf[t->tail++ & MASK];
		if (m & M_DELIM)
			break;
	}
	/* A line read to its last byte leaves its EOF mark to end it: take it too. */
	if (n && t->tail != t->canon && (t->mark[t->tail & MASK] & M_EOF) &&
	    !(t->mark[(t->tail - 1) & MASK] & M_DELIM))
		t->tail++;
	return (long)n;
}

static long
take(struct tty *t, uint8_t *dst, size_t len)
{
	size_t n = tty_readable(t);

	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		dst[i] = t->buf[t->tail++ & MASK];
	return (long)n;
}

long
tty_read(struct tty *t, void *dst, size_t len, uint64_t start, uint64_t now, uint64_t *due)
{
	size_t avail = tty_readable(t), need;
	unsigned vmin = t->tio.c_cc[TTY_VMIN], vtime = t->tio.c_cc[TTY_VTIME];

	*due = 0;
	if (len == 0)
		return 0;
	if (LF(t, TTY_ICANON))
		return avail ? read_line(t, dst, len) : TTY_READ_WAIT;
	if (vmin == 0) {
		if (avail || vtime == 0 || now >= start + vtime)
			return take(t, dst, len);
		*due = start + vtime;
		return TTY_READ_WAIT;
	}
	need = vmin < len ? vmin : len;
	if (avail >= need)
		return take(t, dst, len);
	if (avail && vtime) {
		/* The inter-byte timer: runs from the last byte that came. */
		if (now >= t->last_input + vtime)
			return take(t, dst, len);
		*due = t->last_input + vtime;
	}
	return TTY_READ_WAIT;
}

int
tty_setattr(struct tty *t, unsigned when, const struct writ_termios *tio)
{
	bool was_canon = LF(t, TTY_ICANON);

	if (when > TTY_TCSAFLUSH)
		return -22;
	t->tio = *tio;
	if (when == TTY_TCSAFLUSH)
		tty_flush_input(t);
	/* Leaving canonical mode hands the edited line to readers as it is. */
	if (was_canon && !LF(t, TTY_ICANON))
		t->canon = t->head;
	return 0;
}
