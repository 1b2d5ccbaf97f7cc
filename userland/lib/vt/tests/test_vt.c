/*
 * The escape-sequence parser on the host: text, wrapping, scrolling, every cursor
 * move, erasing, insert/delete, scroll regions, SGR colours, save/restore, status
 * answers, UTF-8, and garbage (random bytes and huge parameters stay in bounds).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vt/vt.h>

#define R 5
#define C 10

static struct vt_cell cells[R * C];
static struct vt v;
static int failed;
static char answered[64];

static void
answer(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (n < sizeof(answered)) {
		memcpy(answered, p, n);
		answered[n] = 0;
	}
}

static void
fresh(void)
{
	vt_init(&v, cells, R, C, answer, NULL);
	answered[0] = 0;
}

static void
out(const char *s)
{
	vt_write(&v, s, strlen(s));
}

static const char *
row(unsigned r)
{
	static char b[C + 1];

	for (unsigned c = 0; c < C; c++)
		b[c] = (char)vt_cell(&v, r, c)->ch;
	b[C] = 0;
	return b;
}

static void
check(int ok, const char *name, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (ok) {
		printf("ok - screen/vt-%s\n", name);
		return;
	}
	failed++;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("not ok - screen/vt-%s: %s\n", name, why);
}

#define ROW(r, want, name) check(strcmp(row(r), want) == 0, name, "row %u is '%s'", r, row(r))
#define AT(r, c, name) check(v.row == (r) && v.col == (c), name, "cursor at %u,%u", v.row, v.col)

int
main(void)
{
	fresh();
	out("hi\r\nyou");
	ROW(0, "hi        ", "text");
	ROW(1, "you       ", "crlf");
	AT(1, 3, "cursor-after-text");
	out("\rX\n");
	AT(2, 0 + 1, "lf-keeps-column");
	ROW(1, "Xou       ", "cr");

	fresh();
	out("0123456789ab");
	ROW(0, "0123456789", "wrap-first-row");
	ROW(1, "ab        ", "wrap-next-row");
	fresh();
	out("0123456789");
	AT(0, 9, "wrap-pending-at-edge");
	out("\r\n");
	ROW(1, "          ", "no-double-wrap");
	AT(1, 0, "no-double-wrap-cursor");

	fresh();
	out("a\r\nb\r\nc\r\nd\r\ne\r\nf");
	ROW(0, "b         ", "scroll-up-top");
	ROW(4, "f         ", "scroll-up-bottom");

	fresh();
	out("\033[3;4HX");
	ROW(2, "   X      ", "cup");
	out("\033[2AY");
	ROW(0, "    Y     ", "cuu");
	out("\033[BZ");
	ROW(1, "     Z    ", "cud");
	out("\033[2CW");
	ROW(1, "     Z  W ", "cuf");
	out("\033[3DV");
	ROW(1, "     ZV W ", "cub");
	out("\033[99;99H");
	AT(4, 9, "cup-clamped");
	out("\033[H");
	AT(0, 0, "cup-home");
	out("\033[3G");
	AT(0, 2, "cha");
	out("\033[4d");
	AT(3, 2, "vpa");
	out("\033[2;5f");
	AT(1, 4, "hvp");
	out("\033[999999999999A");
	AT(0, 4, "huge-param-clamped");

	fresh();
	out("abcdefghij\r\nabcdefghij\r\nabcdefghij\033[2;5H\033[K");
	ROW(1, "abcd      ", "el-0");
	out("\033[1K");
	ROW(1, "          ", "el-1");
	out("\033[3;3H\033[2K");
	ROW(2, "          ", "el-2");
	fresh();
	out("abcdefghij\r\nabcdefghij\r\nabcdefghij\033[2;5H\033[J");
	ROW(1, "abcd      ", "ed-0-row");
	ROW(2, "          ", "ed-0-below");
	ROW(0, "abcdefghij", "ed-0-above-kept");
	out("\033[1J");
	ROW(0, "          ", "ed-1");
	out("xyz\033[2J");
	ROW(1, "          ", "ed-2");

	fresh();
	out("abcdef\033[1;3H\033[2@");
	ROW(0, "ab  cdef  ", "ich");
	out("\033[3P");
	ROW(0, "abdef     ", "dch");
	out("\033[2X");
	ROW(0, "ab  f     ", "ech");

	fresh();
	out("1\r\n2\r\n3\r\n4\r\n5\033[2;1H\033[L");
	ROW(1, "          ", "il-blank");
	ROW(2, "2         ", "il-shifted");
	ROW(4, "4         ", "il-bottom-lost");
	out("\033[2M");
	ROW(1, "3         ", "dl");
	ROW(4, "          ", "dl-blank-bottom");

	fresh();
	out("\033[2;4r");
	AT(0, 0, "decstbm-homes");
	out("top\033[2;1Ha\r\nb\r\nc\r\nd");
	ROW(0, "top       ", "region-outside-kept");
	ROW(1, "b         ", "region-scrolled");
	ROW(3, "d         ", "region-bottom");
	ROW(4, "          ", "region-below-kept");
	out("\033[2;1H\033M");
	ROW(1, "          ", "ri-at-top-scrolls-down");
	ROW(2, "b         ", "ri-shifted");
	out("\033[S");
	ROW(1, "b         ", "su");
	out("\033[T");
	ROW(1, "          ", "sd");
	out("\033[r\033[5;1H\n");
	ROW(0, "          ", "region-reset");

	fresh();
	out("\033[1;31;44mR\033[0mN\033[7mI\033[27;92;103mB");
	check(vt_cell(&v, 0, 0)->fg == 1 && vt_cell(&v, 0, 0)->bg == 4 &&
	      (vt_cell(&v, 0, 0)->flags & VT_BOLD), "sgr-colours-bold", "fg %u bg %u",
	      vt_cell(&v, 0, 0)->fg, vt_cell(&v, 0, 0)->bg);
	check(vt_cell(&v, 0, 1)->fg == VT_DEFAULT_FG && vt_cell(&v, 0, 1)->flags == 0,
	      "sgr-reset", "flags %u", vt_cell(&v, 0, 1)->flags);
	check(vt_cell(&v, 0, 2)->flags & VT_REVERSE, "sgr-reverse", "no reverse");
	check(vt_cell(&v, 0, 3)->fg == 10 && vt_cell(&v, 0, 3)->bg == 11 &&
	      !(vt_cell(&v, 0, 3)->flags & VT_REVERSE), "sgr-bright", "fg %u bg %u",
	      vt_cell(&v, 0, 3)->fg, vt_cell(&v, 0, 3)->bg);
	out("\033[38;5;196mA\033[48;2;0;0;255mB\033[mC");
	check(vt_cell(&v, 0, 4)->fg == 9 && vt_cell(&v, 0, 5)->bg == 12 &&
	      vt_cell(&v, 0, 6)->fg == 7, "sgr-256-and-rgb", "fg %u bg %u",
	      vt_cell(&v, 0, 4)->fg, vt_cell(&v, 0, 5)->bg);
	out("\033[41m\033[2K");
	check(vt_cell(&v, 0, 9)->bg == 1, "erase-uses-background", "bg %u",
	      vt_cell(&v, 0, 9)->bg);

	fresh();
	out("\033[2;3H\0337\033[31m\033[H\0338x");
	ROW(1, "  x       ", "decsc-decrc");
	check(vt_cell(&v, 1, 2)->fg == VT_DEFAULT_FG, "decrc-restores-pen", "fg %u",
	      vt_cell(&v, 1, 2)->fg);
	out("\033[4;6H\033[s\033[H\033[uy");
	ROW(3, "     y    ", "scp-rcp");

	fresh();
	out("\033[3;7H\033[6n");
	check(strcmp(answered, "\033[3;7R") == 0, "dsr-cursor-position", "answer '%s'",
	      answered + 1);
	out("\033[5n");
	check(strcmp(answered, "\033[0n") == 0, "dsr-status", "answer '%s'", answered + 1);
	out("\033[?25l");
	check(!v.cursor_visible, "cursor-hide", "still visible");
	out("\033[?25h\033[?1049h");
	check(v.cursor_visible, "cursor-show-other-modes-ignored", "hidden");

	fresh();
	out("a\tb");
	ROW(0, "a       b ", "tab");
	out("\b\bc");
	ROW(0, "a      cb ", "backspace");
	out("\033(B\033)0d");
	ROW(0, "a      cd ", "charset-designations-ignored");

	fresh();
	out("\xc3\xa9t\xe2\x82\xac\xff\x80z");
	ROW(0, "?t??z     ", "utf8-one-cell-each");
	fresh();
	out("\033[12;\033[mq\033[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20mr");
	ROW(0, "qr        ", "esc-restarts-sequence");
	out("\033c");
	ROW(0, "          ", "ris-resets");

	/* Garbage: whatever comes, the cursor and the region stay on the screen. */
	srand(1);
	fresh();
	for (int i = 0; i < 200000; i++) {
		char b = (char)(rand() % 5 == 0 ? "\033[;?0123456789HJKmrLM@P"[rand() % 23]
						 : rand() & 0xff);

		vt_write(&v, &b, 1);
		if (v.row >= R || v.col >= C || v.top > v.bottom || v.bottom >= R ||
		    v.nparams > VT_MAX_PARAMS) {
			check(0, "garbage-stays-in-bounds", "row %u col %u region %u..%u after %d",
			      v.row, v.col, v.top, v.bottom, i);
			break;
		}
		if (i == 199999)
			check(1, "garbage-stays-in-bounds", "");
	}
	return failed ? 1 : 0;
}
