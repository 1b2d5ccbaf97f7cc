/*
 * Multiboot2 information parser. See mb2.h for the contract.
 *
 * Layout (multiboot2 spec, section 3.6): a u32 total_size, a u32 reserved, then tags,
 * each starting 8-byte aligned with a u32 type and a u32 size (header included), ending
 * with a type-0 tag of size 8 that ends exactly at total_size. Every read below is
 * preceded by a check that it lies inside the tag it belongs to, and every tag inside
 * total_size, which is itself checked against `avail`: so a malformed buffer can make the
 * parse fail but never read out of bounds. Reads go byte by byte, since a hostile buffer
 * is not obliged to align anything past the tag headers.
 */
#include "mb2.h"

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER_NAME 2
#define TAG_MODULE 3
#define TAG_BASIC_MEMINFO 4
#define TAG_MMAP 6
#define TAG_FRAMEBUFFER 8
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

#define TAG_HEADER 8
#define MMAP_HEADER 16		/* tag header, entry_size, entry_version */
#define MMAP_ENTRY_MIN 24
#define FB_HEADER 32		/* through the u16 reserved after framebuffer_type */
#define FB_RGB_SIZE 38		/* plus six colour-field bytes */
#define FB_COLOUR 32
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

struct cursor {
	const uint8_t *buf;
	struct mb2_info *out;
	struct mb2_diag *diag;
	uint32_t off;		/* of the current tag */
	uint32_t type;
	uint32_t size;
	uint32_t seen;		/* bit per tag type below 32 that may appear once */
};

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static enum mb2_error
fail(struct cursor *c, enum mb2_error e)
{
	c->diag->error = e;
	c->diag->offset = c->off;
	c->diag->tag_type = c->type;
	return e;
}

/* A NUL-terminated string that starts `at` bytes into the tag and ends inside it. */
static enum mb2_error
tag_string(struct cursor *c, uint32_t at, const char **s)
{
	const uint8_t *p = c->buf + c->off;

	for (uint32_t i = at; i < c->size; i++) {
		if (p[i] == 0) {
			*s = (const char *)p + at;
			return MB2_OK;
		}
	}
	return fail(c, MB2_E_STRING);
}

static enum mb2_error
parse_once(struct cursor *c, uint32_t min_size)
{
	if (c->size < min_size)
		return fail(c, MB2_E_TAG_SIZE);
	if (c->seen & (1u << c->type))
		return fail(c, MB2_E_DUPLICATE);
	c->seen |= 1u << c->type;
	return MB2_OK;
}

static enum mb2_error
parse_module(struct cursor *c)
{
	const uint8_t *p = c->buf + c->off;
	struct mb2_module *m;

	if (c->size < TAG_HEADER + 8 + 1)
		return fail(c, MB2_E_TAG_SIZE);
	if (c->out->n_modules == MB2_MAX_MODULES)
		return fail(c, MB2_E_TOO_MANY);
	m = &c->out->modules[c->out->n_modules];
	m->start = rd32(p + 8);
	m->end = rd32(p + 12);
	if (m->end < m->start)
		return fail(c, MB2_E_MODULE_RANGE);
	if (tag_string(c, 16, &m->cmdline) != MB2_OK)
		return c->diag->error;
	c->out->n_modules++;
	return MB2_OK;
}

static enum mb2_error
parse_mmap(struct cursor *c)
{
	const uint8_t *p = c->buf + c->off;
	uint32_t entry_size, n;

	if (parse_once(c, MMAP_HEADER) != MB2_OK)
		return c->diag->error;
	entry_size = rd32(p + 8);
	if (entry_size < MMAP_ENTRY_MIN || entry_size % 8 != 0 || rd32(p + 12) != 0)
		return fail(c, MB2_E_MMAP_ENTRY);
	if ((c->size - MMAP_HEADER) % entry_size != 0)
		return fail(c, MB2_E_MMAP_ENTRY);
	n = (c->size - MMAP_HEADER) / entry_size;
	if (n > MB2_MAX_REGIONS)
		return fail(c, MB2_E_TOO_MANY);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = p + MMAP_HEADER + i * entry_size;
		struct mb2_region *r = &c->out->regions[i];

		r->base = rd64(e);
		r->len = rd64(e + 8);
		r->type = rd32(e + 16);
		if (r->len > UINT64_MAX - r->base)
			return fail(c, MB2_E_MMAP_RANGE);
	}
	c->out->n_regions = n;
	return MB2_OK;
}

static enum mb2_error
parse_framebuffer(struct cursor *c)
{
	const uint8_t *p = c->buf + c->off;
	struct mb2_framebuffer *fb = &c->out->fb;
	uint64_t row_bits, bytes;

	if (parse_once(c, FB_HEADER) != MB2_OK)
		return c->diag->error;
	fb->addr = rd64(p + 8);
	fb->pitch = rd32(p + 16);
	fb->width = rd32(p + 20);
	fb->height = rd32(p + 24);
	fb->bpp = p[28];
	fb->type = p[29];
	switch (fb->type) {
	case MB2_FB_RGB:
		if (c->size < FB_RGB_SIZE)
			return fail(c, MB2_E_TAG_SIZE);
		fb->red_pos = p[FB_COLOUR + 0];
		fb->red_size = p[FB_COLOUR + 1];
		fb->green_pos = p[FB_COLOUR + 2];
		fb->green_size = p[FB_COLOUR + 3];
		fb->blue_pos = p[FB_COLOUR + 4];
		fb->blue_size = p[FB_COLOUR + 5];
		if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
			return fail(c, MB2_E_FRAMEBUFFER);
		if (fb->red_pos + fb->red_size > fb->bpp ||
		    fb->green_pos + fb->green_size > fb->bpp ||
		    fb->blue_pos + fb->blue_size > fb->bpp)
			return fail(c, MB2_E_FRAMEBUFFER);
		break;
	case MB2_FB_EGA_TEXT:
		if (fb->bpp != 16)
			return fail(c, MB2_E_FRAMEBUFFER);
		break;
	case MB2_FB_INDEXED:
		break;
	default:
		return fail(c, MB2_E_FRAMEBUFFER);
	}
	row_bits = (uint64_t)fb->width * (fb->bpp ? fb->bpp : 1);
	bytes = (uint64_t)fb->pitch * fb->height;
	if (fb->width == 0 || fb->height == 0 || row_bits > (uint64_t)fb->pitch * 8 ||
	    fb->addr == 0 || bytes > UINT64_MAX - fb->addr)
		return fail(c, MB2_E_FRAMEBUFFER);
	c->out->has_framebuffer = true;
	return MB2_OK;
}

static enum mb2_error
parse_rsdp(struct cursor *c, uint32_t need, uint8_t version)
{
	if (c->size < TAG_HEADER + need)
		return fail(c, MB2_E_TAG_SIZE);
	/* Prefer the ACPI 2.0 XSDP when the loader gives both, in whatever order. */
	if (version >= c->out->rsdp_version) {
		c->out->rsdp_offset = c->off + TAG_HEADER;
		c->out->rsdp_version = version;
	}
	return MB2_OK;
}

static enum mb2_error
parse_tag(struct cursor *c)
{
	switch (c->type) {
	case TAG_CMDLINE:
		if (parse_once(c, TAG_HEADER + 1) != MB2_OK)
			return c->diag->error;
		return tag_string(c, TAG_HEADER, &c->out->cmdline);
	case TAG_LOADER_NAME:
		if (parse_once(c, TAG_HEADER + 1) != MB2_OK)
			return c->diag->error;
		return tag_string(c, TAG_HEADER, &c->out->loader_name);
	case TAG_MODULE:
		return parse_module(c);
	case TAG_BASIC_MEMINFO:
		return parse_once(c, TAG_HEADER + 8);
	case TAG_MMAP:
		return parse_mmap(c);
	case TAG_FRAMEBUFFER:
		return parse_framebuffer(c);
	case TAG_ACPI_OLD:
		return parse_rsdp(c, RSDP_V1_SIZE, 1);
	case TAG_ACPI_NEW:
		return parse_rsdp(c, RSDP_V2_SIZE, 2);
	default:
		return MB2_OK;	/* tags we do not use are skipped, size-checked */
	}
}

static bool
ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static bool
inside_ram(const struct mb2_info *info, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < info->n_regions; i++) {
		const struct mb2_region *r = &info->regions[i];

		if (r->type == MB2_MEM_AVAILABLE && start >= r->base &&
		    end - r->base <= r->len)
			return true;
	}
	return false;
}

/* Checks that need the whole information: usable RAM, and where modules lie in it. */
static enum mb2_error
check_layout(struct cursor *c, uint64_t kernel_start, uint64_t kernel_end)
{
	struct mb2_info *info = c->out;

	c->off = 0;
	c->type = TAG_MMAP;
	if (info->n_regions == 0)
		return fail(c, MB2_E_NO_MMAP);
	for (unsigned i = 0; i < info->n_regions; i++) {
		const struct mb2_region *a = &info->regions[i];

		if (a->type != MB2_MEM_AVAILABLE)
			continue;
		info->ram_bytes += a->len;
		for (unsigned j = i + 1; j < info->n_regions; j++) {
			const struct mb2_region *b = &info->regions[j];

			if (b->type == MB2_MEM_AVAILABLE &&
			    ranges_overlap(a->base, a->base + a->len, b->base, b->base + b->len))
				return fail(c, MB2_E_MMAP_OVERLAP);
		}
	}
	c->type = TAG_MODULE;
	for (unsigned i = 0; i < info->n_modules; i++) {
		const struct mb2_module *m = &info->modules[i];

		if (!inside_ram(info, m->start, m->end))
			return fail(c, MB2_E_MODULE_OUTSIDE_RAM);
		if (ranges_overlap(m->start, m->end, kernel_start, kernel_end))
			return fail(c, MB2_E_MODULE_OVERLAP);
		for (unsigned j = 0; j < i; j++)
			if (ranges_overlap(m->start, m->end, info->modules[j].start,
					   info->modules[j].end))
				return fail(c, MB2_E_MODULE_OVERLAP);
	}
	return MB2_OK;
}

static void
info_clear(struct mb2_info *info)
{
	uint8_t *p = (uint8_t *)info;

	for (size_t i = 0; i < sizeof(*info); i++)
		p[i] = 0;
	info->cmdline = "";
	info->loader_name = "";
}

enum mb2_error
mb2_parse(uint32_t magic, const void *buf, size_t avail, uint64_t kernel_start,
	  uint64_t kernel_end, struct mb2_info *out, struct mb2_diag *diag)
{
	struct cursor c = { .buf = buf, .out = out, .diag = diag };
	uint32_t total;

	info_clear(out);
	if (magic != MB2_BOOT_MAGIC)
		return fail(&c, MB2_E_MAGIC);
	if ((uintptr_t)buf % 8 != 0)
		return fail(&c, MB2_E_ALIGN);
	if (avail < 8)
		return fail(&c, MB2_E_TOTAL_SIZE);
	total = rd32(c.buf);
	if (total < 8 + TAG_HEADER || total > avail || total % 8 != 0)
		return fail(&c, MB2_E_TOTAL_SIZE);
	out->total_size = total;

	for (c.off = 8;; c.off += (c.size + 7) & ~7u) {
		if (c.off >= total || total - c.off < TAG_HEADER) {
			c.type = 0;
			return fail(&c, MB2_E_NO_END);
		}
		c.type = rd32(c.buf + c.off);
		c.size = rd32(c.buf + c.off + 4);
		if (c.size < TAG_HEADER)
			return fail(&c, MB2_E_TAG_SIZE);
		if (c.size > total - c.off)
			return fail(&c, MB2_E_TAG_TRUNCATED);
		if (c.type == TAG_END) {
			if (c.size != TAG_HEADER || c.off + TAG_HEADER != total)
				return fail(&c, MB2_E_END_MISPLACED);
			break;
		}
		if (parse_tag(&c) != MB2_OK)
			return diag->error;
	}
	if (check_layout(&c, kernel_start, kernel_end) != MB2_OK)
		return diag->error;
	diag->error = MB2_OK;
	return MB2_OK;
}

const char *
mb2_strerror(enum mb2_error e)
{
	static const char *const text[] = {
#define E(name, t) [name] = t,
		MB2_ERRORS(E)
#undef E
	};

	if ((unsigned)e >= sizeof(text) / sizeof(text[0]))
		return "unknown error";
	return text[e];
}
