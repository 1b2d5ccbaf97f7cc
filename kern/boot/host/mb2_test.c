/*
 * Host tests for the multiboot2 parser: a well-formed information block like GRUB's,
 * then one malformed variant per check, each expecting its exact error and offset. Every
 * buffer is allocated at exactly its size (ASan catches any read past it).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/mb2.h"

#define HOST_TAP_PREFIX "boot/mb2-"
#include "host_tap.h"

#define KSTART 0x100000
#define KEND 0x200000

/* A growable image of the information block. */
struct img {
	uint8_t b[4096];
	uint32_t len;
};

static void
put32(struct img *m, uint32_t at, uint32_t v)
{
	memcpy(m->b + at, &v, 4);
}

static void
put64(struct img *m, uint32_t at, uint64_t v)
{
	memcpy(m->b + at, &v, 8);
}

/* Append a tag with `size` header-inclusive bytes of payload space; returns its offset. */
static uint32_t
tag(struct img *m, uint32_t type, uint32_t size)
{
	uint32_t at = m->len;

	memset(m->b + at, 0, (size + 7) & ~7u);
	put32(m, at, type);
	put32(m, at + 4, size);
	m->len += (size + 7) & ~7u;
	return at;
}

static uint32_t
tag_string(struct img *m, uint32_t type, const char *s)
{
	uint32_t at = tag(m, type, 8 + (uint32_t)strlen(s) + 1);

	memcpy(m->b + at + 8, s, strlen(s) + 1);
	return at;
}

static uint32_t
tag_module(struct img *m, uint32_t start, uint32_t end, const char *s)
{
	uint32_t at = tag(m, 3, 16 + (uint32_t)strlen(s) + 1);

	put32(m, at + 8, start);
	put32(m, at + 12, end);
	memcpy(m->b + at + 16, s, strlen(s) + 1);
	return at;
}

static uint32_t
tag_mmap(struct img *m, const uint64_t (*r)[3], unsigned n)
{
	uint32_t at = tag(m, 6, 16 + 24 * n);

	put32(m, at + 8, 24);
	put32(m, at + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		put64(m, at + 16 + 24 * i, r[i][0]);
		put64(m, at + 16 + 24 * i + 8, r[i][1]);
		put32(m, at + 16 + 24 * i + 16, (uint32_t)r[i][2]);
	}
	return at;
}

static const uint64_t qemu_map[][3] = {
	{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
	{ 0x100000, 0xfee0000, 1 }, { 0xffe0000, 0x20000, 2 },
};

static void
begin(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

static void
finish(struct img *m)
{
	tag(m, 0, 8);
	put32(m, 0, m->len);
}

/* The information a QEMU + GRUB boot gives, with a cmdline, a module and a framebuffer. */
static void
build_good(struct img *m)
{
	uint32_t fb;

	begin(m);
	tag_string(m, 1, "test fault=pf");
	tag_string(m, 2, "GRUB 2.06");
	tag_module(m, 0x300000, 0x301000, "init");
	tag_mmap(m, qemu_map, 5);
	fb = tag(m, 8, 38);
	put64(m, fb + 8, 0xfd000000);
	put32(m, fb + 16, 4096);
	put32(m, fb + 20, 1024);
	put32(m, fb + 24, 768);
	m->b[fb + 28] = 32;
	m->b[fb + 29] = 1;
	/* GRUB's layout: a u16 reserved after the type, colour fields from byte 32. */
	m->b[fb + 32] = 16; m->b[fb + 33] = 8;
	m->b[fb + 34] = 8; m->b[fb + 35] = 8;
	m->b[fb + 36] = 0; m->b[fb + 37] = 8;
	tag(m, 14, 8 + 20);
	finish(m);
}

/* The info's strings point into the buffer, so it lives until the next parse. */
static enum mb2_error
parse_exact(const struct img *m, uint32_t avail, struct mb2_info *info, struct mb2_diag *d)
{
	static uint8_t *buf;

	free(buf);
	buf = malloc(avail ? avail : 1);
	memcpy(buf, m->b, avail);
	return mb2_parse(MB2_BOOT_MAGIC, buf, avail, KSTART, KEND, info, d);
}

static void
expect(const struct img *m, enum mb2_error want, int want_offset, const char *name)
{
	static struct mb2_info info;
	struct mb2_diag d;
	enum mb2_error e = parse_exact(m, m->len, &info, &d);

	check(e == want && d.error == want && (want_offset < 0 || d.offset == (uint32_t)want_offset),
	      name, "got '%s' at offset %u, want '%s' at %d", mb2_strerror(e), d.offset,
	      mb2_strerror(want), want_offset);
}

static void
test_good(void)
{
	static struct mb2_info info;
	struct mb2_diag d;
	struct img m;
	enum mb2_error e;

	build_good(&m);
	e = parse_exact(&m, m.len, &info, &d);
	check(e == MB2_OK, "good-parses", "error '%s' at %u", mb2_strerror(e), d.offset);
	check(strcmp(info.cmdline, "test fault=pf") == 0 && strcmp(info.loader_name, "GRUB 2.06") == 0,
	      "good-strings", "cmdline '%s' loader '%s'", info.cmdline, info.loader_name);
	check(info.n_regions == 5 && info.ram_bytes == 0x9fc00 + 0xfee0000, "good-ram",
	      "%u regions, %llu bytes", info.n_regions, (unsigned long long)info.ram_bytes);
	check(info.n_modules == 1 && info.modules[0].start == 0x300000 &&
	      info.modules[0].end == 0x301000 && strcmp(info.modules[0].cmdline, "init") == 0,
	      "good-module", "module not reported as given");
	check(info.has_framebuffer && info.fb.width == 1024 && info.fb.bpp == 32 &&
	      info.fb.red_pos == 16 && info.fb.red_size == 8 && info.fb.blue_pos == 0 &&
	      info.fb.blue_size == 8 && info.fb.type == MB2_FB_RGB, "good-framebuffer",
	      "framebuffer not reported as given");
	check(info.rsdp_version == 1 && info.rsdp_offset != 0, "good-rsdp", "no RSDP");
	e = mb2_parse(0x2badb002, m.b, m.len, KSTART, KEND, &info, &d);
	check(e == MB2_E_MAGIC, "bad-magic", "multiboot1 magic accepted");
	e = mb2_parse(MB2_BOOT_MAGIC, m.b + 4, m.len - 4, KSTART, KEND, &info, &d);
	check(e == MB2_E_ALIGN, "misaligned", "information at a 4-byte boundary accepted");
	/* Every prefix of a good block is truncated: none may parse or read past its end. */
	{
		bool all = true;
		for (uint32_t n = 0; n < m.len; n++)
			all &= parse_exact(&m, n, &info, &d) != MB2_OK;
		check(all, "every-truncation-rejected", "a truncated block parsed");
	}
}

static void
test_sizes(void)
{
	struct img m;
	uint32_t at;

	build_good(&m);
	put32(&m, 0, m.len + 8);
	expect(&m, MB2_E_TOTAL_SIZE, 0, "total-size-past-buffer");

	build_good(&m);
	put32(&m, 0, 4);
	expect(&m, MB2_E_TOTAL_SIZE, 0, "total-size-too-small");

	begin(&m);
	tag_string(&m, 1, "x");
	at = tag(&m, 99, 16);
	put32(&m, at + 4, 4096);	/* runs past the end */
	finish(&m);
	expect(&m, MB2_E_TAG_TRUNCATED, (int)at, "tag-runs-past-end");

	begin(&m);
	at = tag(&m, 99, 16);
	put32(&m, at + 4, 4);		/* smaller than a tag header: would loop */
	finish(&m);
	expect(&m, MB2_E_TAG_SIZE, (int)at, "tag-size-below-header");

	begin(&m);
	tag_mmap(&m, qemu_map, 5);
	put32(&m, 0, m.len);		/* no end tag at all */
	expect(&m, MB2_E_NO_END, -1, "no-end-tag");

	begin(&m);
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	tag(&m, 99, 8);			/* a tag after the end tag, counted in total_size */
	put32(&m, 0, m.len);
	expect(&m, MB2_E_END_MISPLACED, -1, "data-after-end-tag");
}

static void
test_tags(void)
{
	struct img m;
	uint32_t at;

	begin(&m);
	at = tag(&m, 1, 12);
	memcpy(m.b + at + 8, "abcd", 4);	/* no NUL inside the tag */
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_STRING, (int)at, "cmdline-unterminated");

	begin(&m);
	tag_string(&m, 1, "a");
	at = tag_string(&m, 1, "b");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_DUPLICATE, (int)at, "duplicate-cmdline");

	begin(&m);
	at = tag_mmap(&m, qemu_map, 5);
	put32(&m, at + 8, 20);			/* entry size below 24 */
	finish(&m);
	expect(&m, MB2_E_MMAP_ENTRY, (int)at, "mmap-entry-size");

	begin(&m);
	at = tag_mmap(&m, qemu_map, 5);
	put32(&m, at + 4, 16 + 24 * 5 - 8);	/* entries do not fill the tag exactly */
	finish(&m);
	expect(&m, MB2_E_MMAP_ENTRY, (int)at, "mmap-partial-entry");

	begin(&m);
	{
		const uint64_t wrap[][3] = { { 0xfffffffffffff000ull, 0x2000, 1 } };
		at = tag_mmap(&m, wrap, 1);
	}
	finish(&m);
	expect(&m, MB2_E_MMAP_RANGE, (int)at, "mmap-region-wraps");

	begin(&m);
	{
		const uint64_t overlap[][3] = { { 0, 0x200000, 1 }, { 0x100000, 0x200000, 1 } };
		tag_mmap(&m, overlap, 2);
	}
	finish(&m);
	expect(&m, MB2_E_MMAP_OVERLAP, -1, "mmap-regions-overlap");

	begin(&m);
	tag_string(&m, 1, "no map");
	finish(&m);
	expect(&m, MB2_E_NO_MMAP, -1, "no-memory-map");

	begin(&m);
	at = tag(&m, 8, 38);
	put64(&m, at + 8, 0xfd000000);
	put32(&m, at + 16, 100);		/* pitch smaller than a row */
	put32(&m, at + 20, 1024);
	put32(&m, at + 24, 768);
	m.b[at + 28] = 32;
	m.b[at + 29] = 1;
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_FRAMEBUFFER, (int)at, "framebuffer-pitch");

	begin(&m);
	at = tag(&m, 15, 8 + 20);		/* an XSDP tag too short for an XSDP */
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_TAG_SIZE, (int)at, "rsdp-v2-short");
}

static void
test_modules(void)
{
	struct img m;
	uint32_t at;

	begin(&m);
	at = tag_module(&m, 0x301000, 0x300000, "backwards");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_MODULE_RANGE, (int)at, "module-backwards");

	begin(&m);
	tag_module(&m, 0xfd000000, 0xfd001000, "in the PCI hole");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_MODULE_OUTSIDE_RAM, -1, "module-outside-ram");

	begin(&m);
	tag_module(&m, 0x9f000, 0xa1000, "straddles RAM and reserved");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_MODULE_OUTSIDE_RAM, -1, "module-straddles-ram-end");

	begin(&m);
	tag_module(&m, 0x1ff000, 0x201000, "over the kernel");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_MODULE_OVERLAP, -1, "module-overlaps-kernel");

	begin(&m);
	tag_module(&m, 0x300000, 0x302000, "a");
	tag_module(&m, 0x301000, 0x303000, "b");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_MODULE_OVERLAP, -1, "modules-overlap");

	begin(&m);
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		at = tag_module(&m, 0x300000 + 0x1000 * i, 0x300000 + 0x1000 * i, "");
	tag_mmap(&m, qemu_map, 5);
	finish(&m);
	expect(&m, MB2_E_TOO_MANY, (int)at, "too-many-modules");
}

int
main(void)
{
	test_good();
	test_sizes();
	test_tags();
	test_modules();
	printf("# mb2: %d failed\n", tap.failures);
	return tap.failures ? 1 : 0;
}
