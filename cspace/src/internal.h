/*
 * cspace/src/internal.h - helpers shared by the cspace/ sources, not part of the API.
 *
 * CS_ASSERT is for facts cspace/ itself made true (a kernel-made slot lies in the
 * window, a final CNode cap has no children); never for caller input, which is
 * answered with an error instead. Define CSPACE_NDEBUG to compile the checks out.
 */
#ifndef CSPACE_INTERNAL_H
#define CSPACE_INTERNAL_H

#include <cspace/cspace.h>

#ifdef CSPACE_NDEBUG
#define CS_ASSERT(cs, x) ((void)(cs))
#else
#define CS_ASSERT(cs, x) \
	((x) ? (void)0 : cspace_env_assert_fail((cs)->env, #x, __FILE__, __LINE__))
#endif

/* Zombie fields: the next slot to empty, and its link (see delete.c). */
#define ZOMBIE_CURSOR_MASK 0x07ffffffu
#define ZOMBIE_KIND_SHIFT  27

_Static_assert(1u << WRIT_CNODE_MAX_RADIX <= ZOMBIE_CURSOR_MASK, "cursor fits");
_Static_assert(WRIT_OBJ_COUNT <= 32, "original type fits in 5 bits");

static inline uint32_t
zombie_cursor(const struct cap *z)
{
	return (uint32_t)z->w1 & ZOMBIE_CURSOR_MASK;
}

static inline uint32_t
zombie_link(const struct cap *z)
{
	return (uint32_t)(z->w1 >> 32);
}

static inline bool
zombie_is_top(const struct cap *z)
{
	return (cap_small(z) & CAP_ZOMBIE_TOP) != 0;
}

static inline void
zombie_set(struct cap *z, uint32_t cursor, uint32_t link)
{
	uint64_t kind = z->w1 & 0xffffffffu & ~(uint64_t)ZOMBIE_CURSOR_MASK;

	z->w1 = (uint64_t)link << 32 | kind | cursor;
}

/* Bits mask of width n, 0 <= n <= 64, without the undefined shift by 64. */
static inline uint64_t
mask_bits(unsigned n)
{
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/*
 * Slots come from lookups the kernel made: a stray pointer is a kernel bug. The test of
 * cspace_window_holds, inline and in fewer steps, as it runs on every capability
 * operation: the offset wraps for an address below the window, so one unsigned compare
 * covers both ends, and an aligned offset inside the window leaves room for a whole
 * slot (the window is whole slots).
 */
static inline bool
slot_in_window(const struct cspace *cs, const struct cte *s)
{
	uintptr_t off = (uintptr_t)s - cs->base;

	return off < ((uint64_t)cs->nslots << WRIT_SLOT_BITS) &&
	       (off & (sizeof(struct cte) - 1)) == 0;
}

#define CS_ASSERT_SLOT(cs, s) CS_ASSERT(cs, slot_in_window(cs, s))

/* CDT primitives (cdt.c). */
void cdt_insert_child(struct cspace *cs, struct cte *parent, struct cte *child);
void cdt_unlink(struct cspace *cs, struct cte *slot);
void cdt_swap(struct cspace *cs, struct cte *a, struct cte *b);
void cdt_move(struct cspace *cs, struct cte *a, struct cte *b);	/* b empty */

/* Empties a slot (no slots-holding object to tear down); finalises when asked. */
void cte_empty(struct cspace *cs, struct cte *slot, bool final);

#endif /* CSPACE_INTERNAL_H */
