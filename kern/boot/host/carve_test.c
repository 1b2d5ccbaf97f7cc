/*
 * Host tests for the untyped carver (kern/boot/carve.c, the file the kernel links).
 *
 * Table cases with blocks worked out by hand (QEMU's memory map with the kernel, a module
 * and the boot information reserved; unaligned edges; touching, overlapping, unsorted and
 * empty ranges; reserved covering everything; the size cap; errors), then a random
 * property test against a byte-by-byte model of a small address space: every page whose
 * bytes are all in the set is covered exactly once, no other byte is covered, blocks are
 * sorted, aligned to their size, within the size limits, and maximal (a block and its
 * buddy are never both wholly in the set).
 *
 * Usage: carve_test [SEED [ITERATIONS]]   (the seed is printed; pass it to reproduce)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot/carve.h"

#define HOST_TAP_PREFIX "kern/carve-"
#include "host_tap.h"

#define MAX_BLOCKS 256

struct want {
	uint64_t base;
	unsigned bits;
};

/* The blocks must be exactly `want` (n_want of them), and the call must succeed. */
static void
expect_blocks(const char *name, enum carve_error e, const struct carve_block *got,
	      unsigned n_got, const struct want *want, unsigned n_want)
{
	unsigned i = 0;

	if (e != CARVE_OK) {
		check(false, name, "error '%s'", carve_strerror(e));
		return;
	}
	while (i < n_got && i < n_want && got[i].base == want[i].base &&
	       got[i].size_bits == want[i].bits)
		i++;
	if (i == n_got && i == n_want) {
		check(true, name, "");
		return;
	}
	if (i < n_got && i < n_want)
		check(false, name, "block %u is 2^%u at %#llx, want 2^%u at %#llx", i,
		      got[i].size_bits, (unsigned long long)got[i].base, want[i].bits,
		      (unsigned long long)want[i].base);
	else
		check(false, name, "%u blocks, want %u", n_got, n_want);
}

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct carve_block blocks[MAX_BLOCKS];
static unsigned n_blocks;

static enum carve_error
ram(const struct carve_range *r, unsigned nr, const struct carve_range *res, unsigned nres)
{
	return carve_ram(r, nr, res, nres, blocks, MAX_BLOCKS, &n_blocks);
}

/* QEMU's BIOS map for -m 256M (types 1 and 2), as GRUB reports it. */
static const struct carve_range qemu_ram[] = {
	{ 0x100000, 0xfee0000 }, { 0, 0x9fc00 },	/* unsorted on purpose */
};

static void
test_qemu(void)
{
	const struct carve_range reserved[] = {
		{ 0x100000, 0x120000 },			/* kernel image */
		{ 0, CARVE_LOW_RESERVED },
		{ 0x220000, 0x145ab },			/* root task module, ends mid-page */
		{ 0x235000, 0xa10 },			/* multiboot information */
		{ 0x236000, 0x4000 },			/* kernel's boot allocations */
	};
	const struct want want[] = {
		{ 0x23a000, 13 }, { 0x23c000, 14 }, { 0x240000, 18 }, { 0x280000, 19 },
		{ 0x300000, 20 }, { 0x400000, 22 }, { 0x800000, 23 }, { 0x1000000, 24 },
		{ 0x2000000, 25 }, { 0x4000000, 26 }, { 0x8000000, 26 }, { 0xc000000, 25 },
		{ 0xe000000, 24 }, { 0xf000000, 23 }, { 0xf800000, 22 }, { 0xfc00000, 21 },
		{ 0xfe00000, 20 }, { 0xff00000, 19 }, { 0xff80000, 18 }, { 0xffc0000, 17 },
	};
	const struct want want_dev[] = {
		{ 0xa0000, 17 }, { 0xc0000, 18 },
		{ 0xffe0000, 17 }, { 0x10000000, 28 }, { 0x20000000, 29 }, { 0x40000000, 30 },
		{ 0x80000000, 31 },
	};
	const struct carve_range fb = { 0xfd000000, 1024 * 768 * 4 };
	struct carve_block few[5];
	unsigned n;
	enum carve_error e;

	e = ram(qemu_ram, N(qemu_ram), reserved, N(reserved));
	expect_blocks("qemu-map", e, blocks, n_blocks, want, N(want));

	e = carve_ram(qemu_ram, N(qemu_ram), reserved, N(reserved), few, N(few), &n);
	check(e == CARVE_E_NO_ROOM && n == N(want) && few[4].base == 0x300000, "no-room",
	      "got '%s', %u needed (want %u)", carve_strerror(e), n, N(want));

	/* Devices: the holes below 4 GiB; the framebuffer lies in the PCI hole. */
	e = carve_device(qemu_ram, N(qemu_ram), NULL, 0, 1ull << 32, blocks, MAX_BLOCKS,
			 &n_blocks);
	expect_blocks("qemu-device", e, blocks, n_blocks, want_dev, N(want_dev));
	{
		bool covered = false;

		for (unsigned i = 0; e == CARVE_OK && i < n_blocks; i++)
			covered |= blocks[i].base <= fb.base &&
				   fb.base + fb.len <= blocks[i].base + (1ull << blocks[i].size_bits);
		check(covered, "qemu-framebuffer-is-device", "no device block covers it");
	}
}

static void
test_edges(void)
{
	enum carve_error e;

	{
		const struct carve_range r[] = { { 0x1234, 0x5678 - 0x1234 } };
		const struct want w[] = { { 0x2000, 13 }, { 0x4000, 12 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("unaligned-edges", e, blocks, n_blocks, w, N(w));
	}
	{
		const struct carve_range r[] = { { 0x3000, 0x6000 }, { 0x1000, 0x2000 } };
		const struct want w[] = { { 0x1000, 12 }, { 0x2000, 13 }, { 0x4000, 14 },
					  { 0x8000, 12 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("adjacent-ranges-merge", e, blocks, n_blocks, w, N(w));
	}
	{	/* Touching mid-page: joined before rounding, so the page at 0x2000 survives. */
		const struct carve_range r[] = { { 0x2800, 0x1800 }, { 0x1000, 0x1800 } };
		const struct want w[] = { { 0x1000, 12 }, { 0x2000, 13 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("adjacent-mid-page", e, blocks, n_blocks, w, N(w));
	}
	{
		const struct carve_range r[] = { { 0x8000, 0x18000 }, { 0, 0x10000 } };
		const struct want w[] = { { 0, 17 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("overlapping-ranges", e, blocks, n_blocks, w, N(w));
	}
	{
		const struct carve_range r[] = { { 0x1000, 0xff000 } };
		const struct carve_range res[] = { { 0x80000, 0x180000 }, { 0, 0x90000 } };

		e = ram(r, N(r), res, N(res));
		expect_blocks("reserved-covers-all", e, blocks, n_blocks, NULL, 0);
	}
	{
		const struct carve_range r[] = { { 0x1000, 0 }, { 0, 0x10000 } };
		const struct carve_range res[] = { { 0x8000, 0 } };
		const struct want w[] = { { 0, 16 } };

		e = ram(r, N(r), res, N(res));
		expect_blocks("zero-length-ranges", e, blocks, n_blocks, w, N(w));
		e = ram(NULL, 0, NULL, 0);
		expect_blocks("no-ram", e, blocks, n_blocks, NULL, 0);
	}
	{	/* A reserved byte spoils its whole page, and only that page. */
		const struct carve_range r[] = { { 0, 0x4000 } };
		const struct carve_range res[] = { { 0x2fff, 1 } };
		const struct want w[] = { { 0, 13 }, { 0x3000, 12 } };

		e = ram(r, N(r), res, N(res));
		expect_blocks("one-reserved-byte", e, blocks, n_blocks, w, N(w));
	}
}

static void
test_limits(void)
{
	enum carve_error e;

	{
		const struct carve_range r[] = { { 0, 1ull << 49 } };
		const struct want w[] = { { 0, 47 }, { 1ull << 47, 47 }, { 2ull << 47, 47 },
					  { 3ull << 47, 47 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("max-size-cap", e, blocks, n_blocks, w, N(w));
	}
	{
		const struct carve_range r[] = { { 0xfffffffffffff000ull, 0x2000 } };

		e = ram(r, N(r), NULL, 0);
		check(e == CARVE_E_RANGE && n_blocks == 0, "range-wraps", "got '%s'",
		      carve_strerror(e));
		e = ram(qemu_ram, N(qemu_ram), r, N(r));
		check(e == CARVE_E_RANGE, "reserved-range-wraps", "got '%s'", carve_strerror(e));
	}
	{	/* Up to the last byte of the address space: its partial last page is dropped. */
		const struct carve_range r[] = { { 0xffffffffffffe000ull, 0x1fff } };
		const struct want w[] = { { 0xffffffffffffe000ull, 12 } };

		e = ram(r, N(r), NULL, 0);
		expect_blocks("top-of-address-space", e, blocks, n_blocks, w, N(w));
	}
	{	/* Framebuffer in what firmware calls RAM: forced to device anyway. */
		const struct carve_range r[] = { { 0, 0x20000000 } };
		const struct carve_range fb[] = { { 0x1f000000, 0x400000 } };
		const struct want w[] = { { 0x1f000000, 22 }, { 0x20000000, 29 },
					  { 0x40000000, 30 } };

		e = carve_device(r, N(r), fb, N(fb), 0x80000000, blocks, MAX_BLOCKS, &n_blocks);
		expect_blocks("forced-framebuffer", e, blocks, n_blocks, w, N(w));
		e = carve_device(r, N(r), NULL, 0, 0, blocks, MAX_BLOCKS, &n_blocks);
		expect_blocks("device-limit-zero", e, blocks, n_blocks, NULL, 0);
	}
}

/* ---- Random property test against a byte model ---- */

#define SPACE (1u << 18)	/* 64 pages */
#define PAGES (SPACE / 4096)

static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t
rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A range inside the space: edges byte-, 256-byte- or page-granular, sometimes empty. */
static struct carve_range
rnd_range(void)
{
	static const uint64_t grain[] = { 1, 256, 4096, 4096 };
	uint64_t g = grain[rnd_below(4)];
	uint64_t base = rnd_below(SPACE / g) * g;
	uint64_t len = rnd_below(4) == 0 ? 0 : rnd_below((SPACE - base) / g + 1) * g;

	if (rnd_below(3) == 0)
		len /= 4;	/* small ranges make more holes */
	return (struct carve_range){ base, len };
}

static void
mark(uint8_t *map, const struct carve_range *r, unsigned n, uint8_t v)
{
	for (unsigned i = 0; i < n; i++)
		memset(map + r[i].base, v, r[i].len);
}

/* Check one carve result against `in` (1 = byte in the set). Returns why, or NULL. */
static const char *
verify(const uint8_t *in, const struct carve_block *b, unsigned n)
{
	static uint8_t covered[PAGES];
	bool whole[PAGES];

	memset(covered, 0, sizeof(covered));
	for (unsigned p = 0; p < PAGES; p++)
		whole[p] = memchr(in + p * 4096, 0, 4096) == NULL;
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = 1ull << b[i].size_bits, buddy = b[i].base ^ size;
		bool buddy_whole = buddy + size <= SPACE;

		if (b[i].size_bits < CARVE_MIN_BITS || b[i].size_bits > CARVE_MAX_BITS)
			return "block size out of limits";
		if (b[i].base % size != 0)
			return "block not aligned to its size";
		if (i > 0 && b[i].base < b[i - 1].base + (1ull << b[i - 1].size_bits))
			return "blocks not sorted or overlapping";
		if (b[i].base + size > SPACE)
			return "block outside the set";
		for (uint64_t p = b[i].base / 4096; p < (b[i].base + size) / 4096; p++) {
			if (!whole[p])
				return "block covers a byte outside the set";
			covered[p]++;
		}
		for (uint64_t p = buddy / 4096; buddy_whole && p < (buddy + size) / 4096; p++)
			buddy_whole = whole[p];
		if (buddy_whole)
			return "block and its buddy could merge";
	}
	for (unsigned p = 0; p < PAGES; p++)
		if (covered[p] != whole[p])
			return "a page of the set not covered exactly once";
	return NULL;
}

static void
test_random(uint64_t seed, unsigned iterations)
{
	static uint8_t map[SPACE];
	struct carve_range a[8], b[8], c[2];
	const char *why = NULL;
	unsigned it;

	rng = seed ? seed : 1;
	for (it = 0; it < iterations && !why; it++) {
		unsigned na = (unsigned)rnd_below(8), nb = (unsigned)rnd_below(8);
		unsigned nc = (unsigned)rnd_below(3);
		bool device = it % 2;
		uint64_t limit = rnd_below(2) ? SPACE : rnd_below(SPACE + 1);
		enum carve_error e;

		for (unsigned i = 0; i < 8; i++) {
			a[i] = rnd_range();
			b[i] = rnd_range();
		}
		c[0] = rnd_range();
		c[1] = rnd_range();
		memset(map, 0, sizeof(map));
		if (device) {
			memset(map, 1, limit);
			mark(map, a, na, 0);
			mark(map, c, nc, 1);
			e = carve_device(a, na, c, nc, limit, blocks, MAX_BLOCKS, &n_blocks);
		} else {
			mark(map, a, na, 1);
			mark(map, b, nb, 0);
			e = carve_ram(a, na, b, nb, blocks, MAX_BLOCKS, &n_blocks);
		}
		why = e != CARVE_OK ? carve_strerror(e) : verify(map, blocks, n_blocks);
	}
	printf("# carve: property seed %llu, %u iterations\n", (unsigned long long)seed, it);
	check(!why, "random-vs-byte-model", "%s at iteration %u (rerun: carve_test %llu %u)",
	      why, it - 1, (unsigned long long)seed, iterations);
}

int
main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (uint64_t)time(NULL);
	unsigned iterations = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 3000;

	test_qemu();
	test_edges();
	test_limits();
	test_random(seed, iterations);
	printf("# carve: %d failed\n", tap.failures);
	return tap.failures ? 1 : 0;
}
