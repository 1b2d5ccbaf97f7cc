/*
 * Carving memory into naturally aligned power-of-two blocks. See carve.h for the model.
 *
 * Normalisation without memory. The inputs are const and we may not allocate, so
 * instead of sorting and merging copies we sweep the address line: the set of bytes
 *     (in A and not in B) or in C
 * can only change at a range's base or end, so between two consecutive such boundaries
 * it is all in or all out. The sweep jumps from boundary to boundary, asks membership
 * at each, and joins consecutive "in" stretches into maximal runs, which are then cut
 * into blocks. With n ranges in all this is O(n^2) (n boundaries, O(n) each to find the
 * next and to test membership): a few hundred ranges at most, once at boot.
 *
 * Ends are computed as base + len, which must not wrap: the ranges are checked first,
 * and every sum below is of a checked range or of a block that lies inside a run.
 */
#include "carve.h"

#include <stdbool.h>

#define PAGE_MASK 0xfffull

struct carve_sets {
	const struct carve_range *in, *out, *force;
	unsigned n_in, n_out, n_force;
};

struct carve_sink {
	struct carve_block *blocks;
	unsigned max;
	unsigned n;		/* blocks the result needs, even past max */
};

static bool
ranges_ok(const struct carve_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].len > UINT64_MAX - r[i].base)
			return false;
	return true;
}

static bool
in_any(const struct carve_range *r, unsigned n, uint64_t x)
{
	for (unsigned i = 0; i < n; i++)
		if (x >= r[i].base && x - r[i].base < r[i].len)
			return true;
	return false;
}

static bool
is_member(const struct carve_sets *s, uint64_t x)
{
	return (in_any(s->in, s->n_in, x) && !in_any(s->out, s->n_out, x)) ||
	       in_any(s->force, s->n_force, x);
}

/* Lower *next to the smallest base or end in r[] above x. */
static void
next_in(const struct carve_range *r, unsigned n, uint64_t x, uint64_t *next)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = r[i].base + r[i].len;

		if (r[i].base > x && r[i].base < *next)
			*next = r[i].base;
		if (end > x && end < *next)
			*next = end;
	}
}

/* The first boundary above x, or UINT64_MAX when there is none (no range reaches it). */
static uint64_t
next_boundary(const struct carve_sets *s, uint64_t x)
{
	uint64_t next = UINT64_MAX;

	next_in(s->in, s->n_in, x, &next);
	next_in(s->out, s->n_out, x, &next);
	next_in(s->force, s->n_force, x, &next);
	return next;
}

static void
emit(struct carve_sink *k, uint64_t base, unsigned bits)
{
	if (k->n < k->max) {
		k->blocks[k->n].base = base;
		k->blocks[k->n].size_bits = bits;
	}
	k->n++;
}

/*
 * Split [lo, hi) greedily: from the low end, each time the largest block aligned to its
 * size that still fits. This takes the fewest blocks, and leaves no two buddies of one
 * size side by side (the first of them would have been taken at twice the size).
 */
static void
split_run(struct carve_sink *k, uint64_t lo, uint64_t hi)
{
	if (lo > UINT64_MAX - PAGE_MASK)
		return;		/* the run starts in the last page: no whole page in it */
	lo = (lo + PAGE_MASK) & ~PAGE_MASK;
	hi &= ~PAGE_MASK;
	while (lo < hi) {
		/* lo is page-aligned, so bits >= 12; ctz(0) is undefined, and 0 is aligned to all. */
		unsigned bits = lo ? (unsigned)__builtin_ctzll(lo) : CARVE_MAX_BITS;

		if (bits > CARVE_MAX_BITS)
			bits = CARVE_MAX_BITS;
		while ((1ull << bits) > hi - lo)
			bits--;		/* stops by CARVE_MIN_BITS: hi - lo >= one page */
		emit(k, lo, bits);
		lo += 1ull << bits;
	}
}

/* Sweep the boundaries, joining stretches that are in the set into maximal runs. */
static void
sweep(const struct carve_sets *s, struct carve_sink *k)
{
	uint64_t x = 0, run = 0;
	bool in_run = false;

	for (;;) {
		uint64_t next = next_boundary(s, x);
		bool member = is_member(s, x);

		if (member && !in_run)
			run = x;
		if (!member && in_run)
			split_run(k, run, x);
		in_run = member;
		if (next == UINT64_MAX)
			break;
		x = next;
	}
	/* No range holds UINT64_MAX itself (ends are <= it), but [x, UINT64_MAX) may be in. */
	if (in_run)
		split_run(k, run, UINT64_MAX);
}

static enum carve_error
carve(const struct carve_sets *s, struct carve_block *out, unsigned max_out, unsigned *n_out)
{
	struct carve_sink k = { .blocks = out, .max = max_out, .n = 0 };

	*n_out = 0;
	if (!ranges_ok(s->in, s->n_in) || !ranges_ok(s->out, s->n_out) ||
	    !ranges_ok(s->force, s->n_force))
		return CARVE_E_RANGE;
	sweep(s, &k);
	*n_out = k.n;
	return k.n > max_out ? CARVE_E_NO_ROOM : CARVE_OK;
}

enum carve_error
carve_ram(const struct carve_range *ram, unsigned n_ram, const struct carve_range *reserved,
	  unsigned n_reserved, struct carve_block *out, unsigned max_out, unsigned *n_out)
{
	struct carve_sets s = {
		.in = ram, .n_in = n_ram, .out = reserved, .n_out = n_reserved,
	};

	return carve(&s, out, max_out, n_out);
}

enum carve_error
carve_device(const struct carve_range *ram, unsigned n_ram, const struct carve_range *force,
	     unsigned n_force, uint64_t limit, struct carve_block *out, unsigned max_out,
	     unsigned *n_out)
{
	const struct carve_range below = { .base = 0, .len = limit };
	struct carve_sets s = {
		.in = &below, .n_in = 1, .out = ram, .n_out = n_ram,
		.force = force, .n_force = n_force,
	};

	return carve(&s, out, max_out, n_out);
}

const char *
carve_strerror(enum carve_error e)
{
	static const char *const text[] = {
#define E(name, t) [name] = t,
		CARVE_ERRORS(E)
#undef E
	};

	if ((unsigned)e >= sizeof(text) / sizeof(text[0]))
		return "unknown error";
	return text[e];
}
