/*
 * The escape-sequence parser and the screen grid (see vt.h). Invariants kept by every
 * path: row < rows, col < cols, top <= bottom < rows, nparams <= VT_MAX_PARAMS. A
 * parameter saturates at 9999, so a flood of digits only ever sets a large count,
 * which each operation clamps to the screen.
 */
#include <vt/vt.h>

#include <string.h>

enum { GROUND, ESC, CSI, CHARSET };

#define PARAM_MAX 9999

static void
mark(struct vt *v, unsigned r)
{
	v->dirty[r / 64] |= 1ull << (r % 64);
}

static void
mark_range(struct vt *v, unsigned from, unsigned to)
{
	for (unsigned r = from; r <= to; r++)
		mark(v, r);
}

bool
vt_take_dirty(struct vt *v, unsigned r)
{
	bool d = r < VT_MAX_ROWS && (v->dirty[r / 64] >> (r % 64)) & 1;

	if (d)
		v->dirty[r / 64] &= ~(1ull << (r % 64));
	return d;
}

static struct vt_cell
blank(const struct vt *v)
{
	/* Erasing paints the current background, as ECMA-48 terminals do. */
	return (struct vt_cell){ .ch = ' ', .fg = v->pen.fg, .bg = v->pen.bg };
}

static void
clear_cells(struct vt *v, unsigned r, unsigned c0, unsigned c1)
{
	struct vt_cell b = blank(v);

	for (unsigned c = c0; c < c1 && c < v->cols; c++)
		*vt_cell(v, r, c) = b;
	mark(v, r);
}

static void
reset(struct vt *v)
{
	v->row = v->col = 0;
	v->wrap_pending = false;
	v->cursor_visible = true;
	v->top = 0;
	v->bottom = v->rows - 1;
	v->pen = (struct vt_cell){ .ch = ' ', .fg = VT_DEFAULT_FG, .bg = VT_DEFAULT_BG };
	v->saved_row = v->saved_col = 0;
	v->saved_pen = v->pen;
	v->state = GROUND;
	v->utf8_left = 0;
	for (unsigned r = 0; r < v->rows; r++)
		clear_cells(v, r, 0, v->cols);
}

void
vt_init(struct vt *v, struct vt_cell *cells, uint16_t rows, uint16_t cols,
	vt_answer_fn *answer, void *ctx)
{
	memset(v, 0, sizeof(*v));
	v->cells = cells;
	v->rows = rows > VT_MAX_ROWS ? VT_MAX_ROWS : rows ? rows : 1;
	v->cols = cols ? cols : 1;
	v->answer = answer;
	v->ctx = ctx;
	reset(v);
}

/* ---- lines ---- */

/* Move rows [top, bottom] up by n (n > 0), blank lines coming in at the bottom. */
static void
scroll_up(struct vt *v, unsigned top, unsigned bottom, unsigned n)
{
	unsigned height = bottom - top + 1;

	if (n > height)
		n = height;
	if (n < height)
		memmove(vt_cell(v, top, 0), vt_cell(v, top + n, 0),
			sizeof(struct vt_cell) * v->cols * (height - n));
	for (unsigned r = bottom + 1 - n; r <= bottom; r++)
		clear_cells(v, r, 0, v->cols);
	mark_range(v, top, bottom);
}

static void
scroll_down(struct vt *v, unsigned top, unsigned bottom, unsigned n)
{
	unsigned height = bottom - top + 1;

	if (n > height)
		n = height;
	if (n < height)
		memmove(vt_cell(v, top + n, 0), vt_cell(v, top, 0),
			sizeof(struct vt_cell) * v->cols * (height - n));
	for (unsigned r = top; r < top + n; r++)
		clear_cells(v, r, 0, v->cols);
	mark_range(v, top, bottom);
}

static void
line_feed(struct vt *v)
{
	v->wrap_pending = false;
	if (v->row == v->bottom)
		scroll_up(v, v->top, v->bottom, 1);
	else if (v->row + 1 < v->rows)
		v->row++;
}

static void
reverse_index(struct vt *v)
{
	v->wrap_pending = false;
	if (v->row == v->top)
		scroll_down(v, v->top, v->bottom, 1);
	else if (v->row > 0)
		v->row--;
}

static void
put_glyph(struct vt *v, uint8_t ch)
{
	struct vt_cell *c;

	if (v->wrap_pending) {
		v->col = 0;
		line_feed(v);
	}
	c = vt_cell(v, v->row, v->col);
	*c = v->pen;
	c->ch = ch;
	mark(v, v->row);
	if (v->col + 1 < v->cols)
		v->col++;
	else
		v->wrap_pending = true;
}

/* ---- CSI ---- */

static unsigned
param(const struct vt *v, unsigned i, unsigned dflt)
{
	return i < v->nparams && v->params[i] ? v->params[i] : dflt;
}

static unsigned
clamp(unsigned x, unsigned lo, unsigned hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static void
move_to(struct vt *v, unsigned row, unsigned col)
{
	v->row = (uint16_t)clamp(row, 0, v->rows - 1u);
	v->col = (uint16_t)clamp(col, 0, v->cols - 1u);
	v->wrap_pending = false;
}

static void
erase_display(struct vt *v, unsigned how)
{
	switch (how) {
	case 0:
		clear_cells(v, v->row, v->col, v->cols);
		for (unsigned r = v->row + 1u; r < v->rows; r++)
			clear_cells(v, r, 0, v->cols);
		break;
	case 1:
		for (unsigned r = 0; r < v->row; r++)
			clear_cells(v, r, 0, v->cols);
		clear_cells(v, v->row, 0, v->col + 1u);
		break;
	case 2:
	case 3:
		for (unsigned r = 0; r < v->rows; r++)
			clear_cells(v, r, 0, v->cols);
		break;
	}
}

static void
erase_line(struct vt *v, unsigned how)
{
	if (how == 0)
		clear_cells(v, v->row, v->col, v->cols);
	else if (how == 1)
		clear_cells(v, v->row, 0, v->col + 1u);
	else if (how == 2)
		clear_cells(v, v->row, 0, v->cols);
}

/* Characters of the cursor's row from the cursor on: n inserted (blank) or deleted. */
static void
shift_chars(struct vt *v, unsigned n, bool insert)
{
	struct vt_cell *line = vt_cell(v, v->row, 0);
	unsigned left = v->cols - v->col;

	if (n > left)
		n = left;
	if (insert)
		memmove(line + v->col + n, line + v->col, sizeof(*line) * (left - n));
	else
		memmove(line + v->col, line + v->col + n, sizeof(*line) * (left - n));
	if (insert)
		clear_cells(v, v->row, v->col, v->col + n);
	else
		clear_cells(v, v->row, v->cols - n, v->cols);
	v->wrap_pending = false;
}

/* The nearest of the 16 colours to an RGB value (each channel 0..255). */
static uint8_t
nearest16(unsigned r, unsigned g, unsigned b)
{
	unsigned bright = (r > 170 || g > 170 || b > 170) ? 8 : 0;
	unsigned lim = bright ? 170 : 64;

	return (uint8_t)(bright | (r >= lim ? 1 : 0) | (g >= lim ? 2 : 0) | (b >= lim ? 4 : 0));
}

static uint8_t
colour256(unsigned n)
{
	static const unsigned steps[6] = { 0, 95, 135, 175, 215, 255 };

	if (n < 16)
		return (uint8_t)n;
	if (n < 232) {
		n -= 16;
		return nearest16(steps[n / 36], steps[(n / 6) % 6], steps[n % 6]);
	}
	n = 8 + (n - 232) * 10;
	return n < 64 ? 0 : n < 128 ? 8 : n < 216 ? 7 : 15;
}

/* 38/48 ;5;N or ;2;R;G;B from params[i]: the colour, and how many parameters it took. */
static unsigned
extended_colour(const struct vt *v, unsigned i, uint8_t *out)
{
	if (param(v, i + 1, 0) == 5 && i + 2 < v->nparams) {
		*out = colour256(clamp(v->params[i + 2], 0, 255));
		return 3;
	}
	if (param(v, i + 1, 0) == 2 && i + 4 < v->nparams) {
		*out = nearest16(clamp(v->params[i + 2], 0, 255), clamp(v->params[i + 3], 0, 255),
				 clamp(v->params[i + 4], 0, 255));
		return 5;
	}
	return v->nparams - i;  /* malformed: the rest is its arguments */
}

static void
sgr(struct vt *v)
{
	if (v->nparams == 0)
		v->nparams = 1, v->params[0] = 0;
	for (unsigned i = 0; i < v->nparams;) {
		unsigned p = v->params[i];

		if (p == 38 || p == 48) {
			uint8_t c = p == 38 ? v->pen.fg : v->pen.bg;

			i += extended_colour(v, i, &c);
			if (p == 38)
				v->pen.fg = c;
			else
				v->pen.bg = c;
			continue;
		}
		if (p == 0) {
			v->pen.fg = VT_DEFAULT_FG;
			v->pen.bg = VT_DEFAULT_BG;
			v->pen.flags = 0;
		} else if (p == 1) {
			v->pen.flags |= VT_BOLD;
		} else if (p == 2 || p == 22) {
			v->pen.flags &= ~VT_BOLD;
		} else if (p == 4) {
			v->pen.flags |= VT_UNDERLINE;
		} else if (p == 24) {
			v->pen.flags &= ~VT_UNDERLINE;
		} else if (p == 7) {
			v->pen.flags |= VT_REVERSE;
		} else if (p == 27) {
			v->pen.flags &= ~VT_REVERSE;
		} else if (p >= 30 && p <= 37) {
			v->pen.fg = (uint8_t)(p - 30);
		} else if (p == 39) {
			v->pen.fg = VT_DEFAULT_FG;
		} else if (p >= 40 && p <= 47) {
			v->pen.bg = (uint8_t)(p - 40);
		} else if (p == 49) {
			v->pen.bg = VT_DEFAULT_BG;
		} else if (p >= 90 && p <= 97) {
			v->pen.fg = (uint8_t)(p - 90 + 8);
		} else if (p >= 100 && p <= 107) {
			v->pen.bg = (uint8_t)(p - 100 + 8);
		}
		i++;
	}
}

static void
answer_status(struct vt *v, unsigned what)
{
	char buf[32];
	unsigned n = 0, r = v->row + 1u, c = v->col + 1u;
	char digits[8];
	unsigned k;

	if (!v->answer)
		return;
	if (what == 5) {
		v->answer(v->ctx, (const uint8_t *)"\033[0n", 4);
		return;
	}
	buf[n++] = '\033';
	buf[n++] = '[';
	for (unsigned pass = 0; pass < 2; pass++) {
		unsigned x = pass ? c : r;

		k = 0;
		do
			digits[k++] = (char)('0' + x % 10);
		while ((x /= 10) && k < sizeof(digits));
		while (k)
			buf[n++] = digits[--k];
		buf[n++] = pass ? 'R' : ';';
	}
	v->answer(v->ctx, (const uint8_t *)buf, n);
}

static void
csi_dispatch(struct vt *v, uint8_t final)
{
	unsigned n = param(v, 0, 1);

	if (v->private_mode) {
		if ((final == 'h' || final == 'l') && param(v, 0, 0) == 25)
			v->cursor_visible = final == 'h';
		mark(v, v->row);
		return;
	}
	switch (final) {
	case 'A':
		move_to(v, v->row >= v->top && v->row - n < v->top ? v->top :
			   v->row > n ? v->row - n : 0, v->col);
		break;
	case 'B':
		move_to(v, v->row <= v->bottom && v->row + n > v->bottom ? v->bottom :
			   v->row + n, v->col);
		break;
	case 'C':
		move_to(v, v->row, v->col + n);
		break;
	case 'D':
		move_to(v, v->row, v->col > n ? v->col - n : 0);
		break;
	case 'E':
		move_to(v, v->row + n, 0);
		break;
	case 'F':
		move_to(v, v->row > n ? v->row - n : 0, 0);
		break;
	case 'G':
	case '`':
		move_to(v, v->row, n - 1);
		break;
	case 'H':
	case 'f':
		move_to(v, param(v, 0, 1) - 1, param(v, 1, 1) - 1);
		break;
	case 'd':
		move_to(v, n - 1, v->col);
		break;
	case 'J':
		erase_display(v, param(v, 0, 0));
		break;
	case 'K':
		erase_line(v, param(v, 0, 0));
		break;
	case 'L':
		if (v->row >= v->top && v->row <= v->bottom)
			scroll_down(v, v->row, v->bottom, n);
		break;
	case 'M':
		if (v->row >= v->top && v->row <= v->bottom)
			scroll_up(v, v->row, v->bottom, n);
		break;
	case '@':
		shift_chars(v, n, true);
		break;
	case 'P':
		shift_chars(v, n, false);
		break;
	case 'X':
		clear_cells(v, v->row, v->col, v->col + n);
		break;
	case 'S':
		scroll_up(v, v->top, v->bottom, n);
		break;
	case 'T':
		scroll_down(v, v->top, v->bottom, n);
		break;
	case 'r': {
		unsigned top = param(v, 0, 1), bottom = param(v, 1, v->rows);

		if (bottom > v->rows)
			bottom = v->rows;
		if (top < bottom) {
			v->top = (uint16_t)(top - 1);
			v->bottom = (uint16_t)(bottom - 1);
			move_to(v, 0, 0);
		}
		break;
	}
	case 's':
		v->saved_row = v->row;
		v->saved_col = v->col;
		v->saved_pen = v->pen;
		break;
	case 'u':
		move_to(v, v->saved_row, v->saved_col);
		v->pen = v->saved_pen;
		break;
	case 'm':
		sgr(v);
		break;
	case 'n':
		if (param(v, 0, 0) == 5 || param(v, 0, 0) == 6)
			answer_status(v, param(v, 0, 0));
		break;
	default:
		break;          /* unknown: ignored whole, as terminals do */
	}
}

/* ---- bytes ---- */

static void
control(struct vt *v, uint8_t c)
{
	switch (c) {
	case '\b':
		if (v->col > 0)
			v->col--;
		v->wrap_pending = false;
		break;
	case '\t':
		v->col = (uint16_t)clamp((v->col | 7u) + 1u, 0, v->cols - 1u);
		v->wrap_pending = false;
		break;
	case '\n':
	case '\v':
	case '\f':
		line_feed(v);
		break;
	case '\r':
		v->col = 0;
		v->wrap_pending = false;
		break;
	case 0x1b:
		v->state = ESC;
		break;
	case 0x18:
	case 0x1a:
		v->state = GROUND;      /* CAN, SUB: abandon a sequence */
		break;
	default:
		break;
	}
}

static void
esc(struct vt *v, uint8_t c)
{
	v->state = GROUND;
	switch (c) {
	case '[':
		v->state = CSI;
		v->nparams = 0;
		v->private_mode = false;
		memset(v->params, 0, sizeof(v->params));
		break;
	case '7':
		v->saved_row = v->row;
		v->saved_col = v->col;
		v->saved_pen = v->pen;
		break;
	case '8':
		move_to(v, v->saved_row, v->saved_col);
		v->pen = v->saved_pen;
		break;
	case 'D':
		line_feed(v);
		break;
	case 'E':
		v->col = 0;
		line_feed(v);
		break;
	case 'M':
		reverse_index(v);
		break;
	case 'c':
		reset(v);
		break;
	case '(':
	case ')':
	case '*':
	case '+':
		v->state = CHARSET;
		break;
	default:
		break;
	}
}

static void
csi(struct vt *v, uint8_t c)
{
	if (c >= '0' && c <= '9') {
		unsigned *p;

		if (v->nparams == 0)
			v->nparams = 1;
		p = &v->params[v->nparams - 1];
		*p = *p * 10 + (c - '0');
		if (*p > PARAM_MAX)
			*p = PARAM_MAX;
	} else if (c == ';' || c == ':') {
		if (v->nparams == 0)
			v->nparams = 1;
		if (v->nparams < VT_MAX_PARAMS)
			v->nparams++;   /* past the last: the rest land on it */
	} else if (c == '?' || c == '>' || c == '=') {
		v->private_mode = true;
	} else if (c >= 0x40 && c <= 0x7e) {
		v->state = GROUND;
		csi_dispatch(v, c);
	} else if (c < 0x20) {
		control(v, c);          /* C0 inside a sequence acts, as on a VT100 */
	}
	/* 0x20..0x2f intermediates: ignored */
}

static void
text(struct vt *v, uint8_t c)
{
	if (c < 0x80) {
		v->utf8_left = 0;
		if (c == 0x7f)
			return;
		if (c < 0x20)
			control(v, c);
		else
			put_glyph(v, c);
		return;
	}
	if ((c & 0xc0) == 0x80) {
		if (v->utf8_left && --v->utf8_left == 0)
			put_glyph(v, '?');      /* the font has ASCII only */
		return;                 /* a stray continuation byte: nothing */
	}
	if (v->utf8_left)
		put_glyph(v, '?');      /* the last one ended early */
	v->utf8_left = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
	if (!v->utf8_left)
		put_glyph(v, '?');      /* 0xf8..0xff: no UTF-8 at all */
}

void
vt_write(struct vt *v, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		unsigned row = v->row;

		switch (v->state) {
		case GROUND:
			text(v, c);
			break;
		case ESC:
			if (c < 0x20 && c != 0x1b)
				control(v, c);
			else
				esc(v, c);
			break;
		case CSI:
			csi(v, c);
			break;
		default:                /* CHARSET: its one designator byte */
			v->state = GROUND;
			break;
		}
		/* The cursor's old and new rows are drawn again (it is drawn as a cell). */
		if (row != v->row) {
			mark(v, row);
			mark(v, v->row);
		}
	}
	mark(v, v->row);
}
