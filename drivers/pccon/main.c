/*
 * pccon: a PC's screen and PS/2 keyboard as a terminal, the `screen:` scheme (the
 * same console protocol and line discipline as the serial line's console:, through
 * lib/ttysrv and lib/tty).
 *
 * It holds the display's memory (boot.conf's devmem=framebuffer: device untyped
 * covering the framebuffer GRUB set up, or VGA text memory at 0xb8000, with the
 * geometry in WRIT_FB), the i8042's ports 0x60 and 0x64 and IRQ 1, nothing else.
 *
 * Output: what programs write goes through the line discipline's output processing
 * into lib/vt, which parses escape sequences into a grid of cells and marks the rows
 * it changed; those rows are drawn at once, as VGA text cells or as 8x16 glyphs of
 * GRUB's ASCII font on an RGB framebuffer. The screen is left as the kernel drew it
 * (its console mirrors the boot log there) until the first byte is written to
 * screen:, so boots that never use it keep the kernel's text.
 *
 * Input: an IRQ thread reads scan codes (set 1, translated by the i8042), lib/vt's
 * keymap turns them into the bytes a Linux console sends, and they go to the line
 * discipline as if typed on a serial line.
 *
 * The kernel's own console keeps writing its rare messages (panics) over the screen
 * too: they are for the moment it has nothing else.
 */
#include <ttysrv/ttysrv.h>
#include <vt/kbd.h>
#include <vt/vt.h>
#include <writ/mem.h>
#include <writ/proc.h>

#include <errno.h>

#define KBD_DATA 0x60
#define KBD_CMD 0x64                    /* write: command; read: status */
#define ST_OUT_FULL 0x01
#define ST_IN_FULL 0x02
#define ST_AUX 0x20                     /* the byte is the mouse's */
#define CFG_IRQ1 0x01
#define CFG_KBD_OFF 0x10
#define CFG_TRANSLATE 0x40
#define GLYPH_W 8
#define GLYPH_H 16
#define ANSWERS 64

extern const uint8_t fbcon_font[95][16];

static struct ttysrv ts;
static struct vt vt;
static struct kbd kbd;
static struct {
	unsigned type, width, height, pitch, bpp;
	unsigned rpos, rsize, gpos, gsize, bpos, bsize;
	uint64_t paddr;
} fb;
static uint8_t *screen;                 /* fb.paddr mapped */
static uint32_t palette[16];            /* pixel values (RGB) or VGA colour numbers */
static uint8_t answers[ANSWERS];        /* the terminal's replies (DSR), to type */
static unsigned n_answers;
static writ_cptr_t port60, port64;

static void
die(const char *why)
{
	writ_printf("pccon: %s\n", why);
	writ_exit(1);
}

/* ---- the display ---- */

/* WRIT_FB=TYPE,PADDR(hex),WIDTH,HEIGHT,PITCH,BPP,RPOS,RSIZE,GPOS,GSIZE,BPOS,BSIZE */
static bool
parse_geometry(const char *s)
{
	uint64_t v[12];
	unsigned n = 0;

	while (s && *s && n < 12) {
		uint64_t x = 0;
		unsigned base = n == 1 ? 16 : 10, digits = 0;

		for (;; s++, digits++) {
			unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
				   : *s >= 'a' && *s <= 'f' && base == 16 ? (unsigned)(*s - 'a' + 10)
				   : 99;

			if (d >= base)
				break;
			x = x * base + d;
		}
		if (!digits || (*s && *s != ','))
			return false;
		v[n++] = x;
		if (*s)
			s++;
	}
	if (n != 12)
		return false;
	fb.type = (unsigned)v[0];
	fb.paddr = v[1];
	fb.width = (unsigned)v[2];
	fb.height = (unsigned)v[3];
	fb.pitch = (unsigned)v[4];
	fb.bpp = (unsigned)v[5];
	fb.rpos = (unsigned)v[6];
	fb.rsize = (unsigned)v[7];
	fb.gpos = (unsigned)v[8];
	fb.gsize = (unsigned)v[9];
	fb.bpos = (unsigned)v[10];
	fb.bsize = (unsigned)v[11];
	if (fb.type == WRIT_FB_EGA_TEXT)
		return fb.bpp == 16 && fb.width && fb.height && fb.pitch >= fb.width * 2;
	return fb.type == WRIT_FB_RGB && (fb.bpp == 16 || fb.bpp == 24 || fb.bpp == 32) &&
	       fb.width >= GLYPH_W && fb.height >= GLYPH_H &&
	       fb.pitch >= fb.width * (fb.bpp / 8) && fb.rsize <= 8 && fb.gsize <= 8 &&
	       fb.bsize <= 8 && fb.rpos + fb.rsize <= fb.bpp && fb.gpos + fb.gsize <= fb.bpp &&
	       fb.bpos + fb.bsize <= fb.bpp;
}

/* Map the devmem blocks init gave (they cover the display exactly) in address order. */
static void
map_display(void)
{
	const struct writ_startinfo *si = writ_startinfo();
	uint64_t lo = fb.paddr & ~4095ull;
	uint64_t hi = (fb.paddr + (uint64_t)fb.pitch * fb.height + 4095) & ~4095ull;
	size_t pages = (size_t)((hi - lo) >> 12), mapped = 0;
	uint8_t *va = writ_va_reserve(pages);
	unsigned attr = fb.type == WRIT_FB_EGA_TEXT ? WRIT_MAP_UNCACHED : WRIT_MAP_WRITE_COMBINE;

	if (!va)
		die("no address space for the display");
	for (unsigned i = 0; si && i < si->n_caps; i++) {
		uint64_t base = si->caps[i].arg & ((1ull << 56) - 1);
		unsigned bits = (unsigned)(si->caps[i].arg >> 56);

		if (si->caps[i].kind != WRIT_SCAP_DEVMEM || bits < 12 || bits > 40)
			continue;
		for (uint64_t off = 0; off < 1ull << bits; off += 4096) {
			writ_cptr_t f;

			if (base + off < lo || base + off >= hi)
				continue;       /* init gives only blocks inside: never */
			f = writ_slot_alloc();
			if (!f || writ_untyped_retype(si->caps[i].slot, WRIT_OBJ_FRAME_4K, 0,
						      WRIT_PSLOT_CNODE, 0, 0, f, 1) != WRIT_OK ||
			    writ_map_frame(WRIT_PSLOT_VSPACE, f, (writ_word_t)(va + (base + off - lo)),
					   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, attr,
					   writ_own_table, NULL) != WRIT_OK)
				die("cannot map the display's frames");
			mapped++;
		}
	}
	if (mapped != pages)
		die("boot.conf gave it less than the whole display (devmem=framebuffer)");
	screen = va + (fb.paddr - lo);
}

static uint32_t
rgb(unsigned r, unsigned g, unsigned b)
{
	return (uint32_t)((r >> (8 - fb.rsize)) << fb.rpos) |
	       (uint32_t)((g >> (8 - fb.gsize)) << fb.gpos) |
	       (uint32_t)((b >> (8 - fb.bsize)) << fb.bpos);
}

static void
make_palette(void)
{
	/* The Linux console's colours; on VGA text, the card's numbers for them. */
	static const uint8_t vga[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };
	static const uint8_t lin[16][3] = {
		{ 0, 0, 0 }, { 170, 0, 0 }, { 0, 170, 0 }, { 170, 85, 0 },
		{ 0, 0, 170 }, { 170, 0, 170 }, { 0, 170, 170 }, { 170, 170, 170 },
		{ 85, 85, 85 }, { 255, 85, 85 }, { 85, 255, 85 }, { 255, 255, 85 },
		{ 85, 85, 255 }, { 255, 85, 255 }, { 85, 255, 255 }, { 255, 255, 255 },
	};

	for (unsigned i = 0; i < 16; i++)
		palette[i] = fb.type == WRIT_FB_EGA_TEXT ? (uint32_t)(vga[i & 7] | (i & 8))
			   : rgb(lin[i][0], lin[i][1], lin[i][2]);
}

static void
put_pixel(uint8_t *p, uint32_t px)
{
	switch (fb.bpp) {
	case 32:
		*(volatile uint32_t *)p = px;
		break;
	case 24:
		p[0] = (uint8_t)px;
		p[1] = (uint8_t)(px >> 8);
		p[2] = (uint8_t)(px >> 16);
		break;
	default:
		*(volatile uint16_t *)p = (uint16_t)px;
		break;
	}
}

static void
draw_cell(unsigned r, unsigned c)
{
	const struct vt_cell *cell = vt_cell(&vt, r, c);
	unsigned fg = cell->fg & 15, bg = cell->bg & 15, t;
	bool cursor = vt.cursor_visible && r == vt.row && c == vt.col;

	if (cell->flags & VT_BOLD)
		fg |= 8;
	if (!(cell->flags & VT_REVERSE) != !cursor) {
		t = fg;
		fg = bg;
		bg = t;
	}
	if (fb.type == WRIT_FB_EGA_TEXT) {
		volatile uint8_t *p = screen + (size_t)r * fb.pitch + c * 2;

		p[0] = cell->ch;
		/* Bit 7 of the attribute is blink on most cards: backgrounds stay dark. */
		p[1] = (uint8_t)(palette[fg] | (palette[bg] & 7) << 4);
		return;
	}
	{
		const uint8_t *glyph = fbcon_font[cell->ch >= 0x20 && cell->ch < 0x7f ?
						  cell->ch - 0x20 : '?' - 0x20];
		unsigned bpp = fb.bpp / 8;
		uint8_t *row = screen + (size_t)r * GLYPH_H * fb.pitch + (size_t)c * GLYPH_W * bpp;

		for (unsigned y = 0; y < GLYPH_H; y++, row += fb.pitch) {
			uint8_t bits = y == GLYPH_H - 1 && (cell->flags & VT_UNDERLINE) ? 0xff
				     : glyph[y];

			for (unsigned x = 0; x < GLYPH_W; x++)
				put_pixel(row + x * bpp, palette[bits & (0x80 >> x) ? fg : bg]);
		}
	}
}

static void
render(void)
{
	for (unsigned r = 0; r < vt.rows; r++)
		if (vt_take_dirty(&vt, r))
			for (unsigned c = 0; c < vt.cols; c++)
				draw_cell(r, c);
}

/* ---- the device under the terminal ---- */

static void
vt_answer(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n && n_answers < ANSWERS; i++)
		answers[n_answers++] = p[i];
}

static size_t
dev_room(void *ctx)
{
	(void)ctx;
	return 1ul << 20;               /* drawing is done before a write answers */
}

static void
dev_put(void *ctx, const uint8_t *p, size_t n)
{
	uint8_t a[ANSWERS];
	unsigned na;

	(void)ctx;
	vt_write(&vt, p, n);
	render();
	/* Replies (a cursor position asked for) are typed once the write is done. */
	na = n_answers;
	memcpy(a, answers, na);
	n_answers = 0;
	for (unsigned i = 0; i < na; i++)
		ttysrv_input(&ts, a[i]);
}

static bool
dev_drained(void *ctx)
{
	(void)ctx;
	return true;
}

static const struct ttysrv_dev screen_dev = {
	.room = dev_room, .put = dev_put, .drained = dev_drained,
};

/* ---- the keyboard ---- */

static uint8_t
port_in(unsigned port)
{
	uint32_t v = 0xff;

	writ_ioport_in(port == KBD_DATA ? port60 : port64, 1, port, &v);
	return (uint8_t)v;
}

static void
port_out(unsigned port, uint8_t v)
{
	writ_ioport_out(port == KBD_DATA ? port60 : port64, 1, port, v);
}

static bool
wait_status(uint8_t mask, bool set)
{
	for (unsigned i = 0; i < 100000; i++)
		if (!(port_in(KBD_CMD) & mask) == !set)
			return true;
	return false;
}

/* Interrupts on, translation to set 1 on, the keyboard's clock on: what BIOSes leave,
 * made sure of, since UEFI firmware may leave the controller polled. */
static void
i8042_setup(void)
{
	uint8_t cfg;

	for (unsigned i = 0; i < 32 && (port_in(KBD_CMD) & ST_OUT_FULL); i++)
		port_in(KBD_DATA);
	if (!wait_status(ST_IN_FULL, false))
		return;
	port_out(KBD_CMD, 0x20);        /* read the configuration byte */
	if (!wait_status(ST_OUT_FULL, true))
		return;
	cfg = port_in(KBD_DATA);
	cfg = (uint8_t)((cfg | CFG_IRQ1 | CFG_TRANSLATE) & ~CFG_KBD_OFF);
	if (!wait_status(ST_IN_FULL, false))
		return;
	port_out(KBD_CMD, 0x60);        /* write it */
	if (!wait_status(ST_IN_FULL, false))
		return;
	port_out(KBD_DATA, cfg);
	if (wait_status(ST_IN_FULL, false))
		port_out(KBD_CMD, 0xae);        /* first port on */
}

static void
kbd_service(void)
{
	for (unsigned n = 0; n < 64; n++) {
		uint8_t st = port_in(KBD_CMD), out[KBD_OUT_MAX];
		size_t k;

		if (!(st & ST_OUT_FULL))
			break;
		if (st & ST_AUX) {
			port_in(KBD_DATA);      /* a mouse byte: not ours */
			continue;
		}
		k = kbd_scancode(&kbd, port_in(KBD_DATA), out);
		for (size_t i = 0; i < k; i++)
			ttysrv_input(&ts, out[i]);
	}
}

static struct srv_irq kbd_irq = { .s = &ts.s, .service = kbd_service };

static void
find_caps(void)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps; i++) {
		const struct writ_startinfo_cap *c = &si->caps[i];

		if (c->kind == WRIT_SCAP_IOPORT && (c->arg & 0xffff) == KBD_DATA)
			port60 = c->slot;
		else if (c->kind == WRIT_SCAP_IOPORT && (c->arg & 0xffff) == KBD_CMD)
			port64 = c->slot;
		else if (c->kind == WRIT_SCAP_IRQ && c->arg == 1)
			kbd_irq.irq = c->slot;
	}
}

int
main(void)
{
	static struct vt_cell *cells;
	unsigned rows, cols;

	if (!parse_geometry(writ_getenv("WRIT_FB")))
		die("no usable display (boot.conf: devmem=framebuffer gives it)");
	find_caps();
	if (!port60 || !port64 || !kbd_irq.irq)
		die("needs ioport=0x60, ioport=0x64 and irq=1 in boot.conf");
	map_display();
	make_palette();
	rows = fb.type == WRIT_FB_EGA_TEXT ? fb.height : fb.height / GLYPH_H;
	cols = fb.type == WRIT_FB_EGA_TEXT ? fb.width : fb.width / GLYPH_W;
	if (rows > VT_MAX_ROWS)
		rows = VT_MAX_ROWS;
	if (!(cells = malloc(sizeof(*cells) * rows * cols)))
		die("no memory for the screen's cells");
	vt_init(&vt, cells, (uint16_t)rows, (uint16_t)cols, vt_answer, NULL);
	if (ttysrv_init(&ts, "screen", "screen:", &screen_dev, NULL, (uint16_t)rows,
			(uint16_t)cols) != 0)
		die("cannot serve screen:");
	if (srv_irq_take(&kbd_irq) != WRIT_OK)
		die("cannot take IRQ 1");
	i8042_setup();
	if (srv_irq_start(&kbd_irq, 120) != WRIT_OK)
		die("cannot start the keyboard thread");
	writ_printf("pccon: %s %ux%u, %ux%u cells\n", fb.type == WRIT_FB_EGA_TEXT ?
		    "VGA text" : "framebuffer", fb.width, fb.height, cols, rows);
	ttysrv_run(&ts);
}
