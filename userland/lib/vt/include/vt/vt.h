/*
 * A text screen driven by the escape sequences programs send to a Linux console or a
 * VT100 (what busybox's tools, ash's line editing, vi and less emit). Pure C, no
 * globals: the screen is a grid of cells the caller owns; vt_write parses bytes into
 * it and marks the rows it changed, and a driver draws those rows its own way (VGA
 * text cells, or glyphs on a framebuffer).
 *
 * Understood:
 *   C0     BS HT LF VT FF CR (LF only moves down: the terminal's ONLCR adds the CR),
 *          BEL and the rest ignored
 *   ESC    7 8 (save/restore cursor and attributes), D (index), M (reverse index),
 *          E (next line), c (reset), ( ) X (character sets: consumed, ignored), [ (CSI)
 *   CSI    A B C D E F G H f d (cursor moves, 1-based), J K (erase in display/line,
 *          0 1 2 3), L M (insert/delete lines), @ P X (insert/delete/erase chars),
 *          S T (scroll), r (scroll region), s u (save/restore), m (SGR), n (5: status,
 *          6: cursor position: answered through `answer`), ?25h/?25l (cursor shown),
 *          other h/l modes ignored
 *   SGR    0 1 2 22 4 24 7 27 5 25 30-37 39 40-47 49 90-97 100-107, 38/48;5;N and
 *          38/48;2;R;G;B (mapped to the nearest of the 16 colours)
 * UTF-8 is decoded; code points outside ASCII show as '?', each one cell. A malformed
 * or overlong sequence of any kind never leaves the grid or the parser's bounds.
 */
#ifndef VT_VT_H
#define VT_VT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_MAX_ROWS 256
#define VT_MAX_PARAMS 16

/* Cell flags. Colours are 0..15: the eight ANSI colours, then their bright forms. */
#define VT_BOLD      1u
#define VT_UNDERLINE 2u
#define VT_REVERSE   4u
#define VT_DEFAULT_FG 7
#define VT_DEFAULT_BG 0

struct vt_cell {
	uint8_t ch, fg, bg, flags;
};

typedef void vt_answer_fn(void *ctx, const uint8_t *p, size_t n);

struct vt {
	uint16_t rows, cols;
	struct vt_cell *cells;          /* rows * cols, row-major, the caller's */
	uint16_t row, col;
	bool wrap_pending;              /* at the last column: the next glyph wraps first */
	bool cursor_visible;
	uint16_t top, bottom;           /* the scroll region, inclusive */
	struct vt_cell pen;             /* colours and flags of what is written next */
	uint16_t saved_row, saved_col;
	struct vt_cell saved_pen;
	/* The parser. */
	uint8_t state;
	bool private_mode;              /* CSI ? ... */
	unsigned nparams;
	unsigned params[VT_MAX_PARAMS];
	uint32_t utf8;                  /* the code point being gathered */
	uint8_t utf8_left;              /* continuation bytes still to come */
	uint64_t dirty[VT_MAX_ROWS / 64];       /* rows changed since vt_take_dirty */
	vt_answer_fn *answer;           /* replies (DSR) as if typed, or NULL */
	void *ctx;
};

/* A blank screen of rows x cols (at most VT_MAX_ROWS rows) on the caller's cells. */
void vt_init(struct vt *v, struct vt_cell *cells, uint16_t rows, uint16_t cols,
	     vt_answer_fn *answer, void *ctx);
void vt_write(struct vt *v, const void *p, size_t n);
/* Is row r changed since the last call? (And forget that it was.) */
bool vt_take_dirty(struct vt *v, unsigned r);
static inline struct vt_cell *
vt_cell(struct vt *v, unsigned r, unsigned c)
{
	return &v->cells[(size_t)r * v->cols + c];
}

#endif
