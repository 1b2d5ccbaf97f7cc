/*
 * The screen console: a mirror of the serial log on whatever display the boot loader
 * left us — the VGA text buffer (SeaBIOS) or a linear RGB framebuffer (UEFI GOP). It
 * only ever writes inside the rectangle the validated multiboot2 tag describes, and
 * does nothing at all when there is no display or its format is one we do not draw.
 */
#include <stdbool.h>

#include <kern/console.h>
#include <portable/string.h>

#include "boot/mb2.h"

#define GLYPH_W 8
#define GLYPH_H 16
#define VGA_ATTR 0x07	/* light grey on black */

static struct {
	bool on;
	bool text;		/* EGA text cells rather than pixels */
	uint8_t *base;		/* through the direct map */
	uint32_t pitch, bytes_pp;
	uint32_t cols, rows;
	uint32_t col, row;
	uint32_t fg;		/* pixel value for the foreground colour */
} con;

static uint32_t
rgb_pixel(const struct mb2_framebuffer *fb, unsigned r, unsigned g, unsigned b)
{
	return (uint32_t)((r >> (8 - fb->red_size)) << fb->red_pos) |
	       (uint32_t)((g >> (8 - fb->green_size)) << fb->green_pos) |
	       (uint32_t)((b >> (8 - fb->blue_size)) << fb->blue_pos);
}

void
fbcon_init(const struct mb2_framebuffer *fb, uint64_t direct_map)
{
	/* The boot page tables map only the low 4 GiB. */
	if (fb->addr + (uint64_t)fb->pitch * fb->height > (4ull << 30))
		return;
	con.base = (uint8_t *)(direct_map + fb->addr);
	con.pitch = fb->pitch;
	if (fb->type == MB2_FB_EGA_TEXT) {
		con.text = true;
		con.cols = fb->width;
		con.rows = fb->height;
	} else if (fb->type == MB2_FB_RGB && (fb->bpp == 32 || fb->bpp == 24 || fb->bpp == 16) &&
		   fb->red_size <= 8 && fb->green_size <= 8 && fb->blue_size <= 8) {
		con.bytes_pp = fb->bpp / 8;
		con.cols = fb->width / GLYPH_W;
		con.rows = fb->height / GLYPH_H;
		con.fg = rgb_pixel(fb, 0xc0, 0xc0, 0xc0);
	} else {
		return;
	}
	con.on = con.cols > 0 && con.rows > 0;
	for (uint32_t r = 0; con.on && r < (con.text ? con.rows : fb->height); r++)
		for (uint32_t x = 0; x < (con.text ? con.cols * 2 : fb->width * con.bytes_pp); x++)
			con.base[r * con.pitch + x] = con.text && x % 2 ? VGA_ATTR : 0;
}

static void
put_pixel(uint32_t x, uint32_t y, uint32_t v)
{
	uint8_t *p = con.base + y * con.pitch + x * con.bytes_pp;

	for (uint32_t i = 0; i < con.bytes_pp; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
draw_cell(uint32_t col, uint32_t row, char c)
{
	const uint8_t *glyph;

	if (con.text) {
		uint8_t *cell = con.base + row * con.pitch + col * 2;
		cell[0] = (uint8_t)c;
		cell[1] = VGA_ATTR;
		return;
	}
	glyph = fbcon_font[(c >= 0x20 && c < 0x7f ? c : '?') - 0x20];
	for (uint32_t y = 0; y < GLYPH_H; y++)
		for (uint32_t x = 0; x < GLYPH_W; x++)
			put_pixel(col * GLYPH_W + x, row * GLYPH_H + y,
				  glyph[y] & (0x80 >> x) ? con.fg : 0);
}

static void
scroll(void)
{
	uint32_t line = con.text ? con.pitch : con.pitch * GLYPH_H;

	memmove(con.base, con.base + line, (size_t)line * (con.rows - 1));
	for (uint32_t c = 0; c < con.cols; c++)
		draw_cell(c, con.rows - 1, ' ');
}

void
fbcon_putc(char c)
{
	if (!con.on)
		return;
	if (c == '\n') {
		con.col = 0;
		con.row++;
	} else if (c == '\r') {
		con.col = 0;
	} else {
		draw_cell(con.col, con.row, c);
		if (++con.col == con.cols) {
			con.col = 0;
			con.row++;
		}
	}
	if (con.row == con.rows) {
		scroll();
		con.row = con.rows - 1;
	}
}
