/*
 * cap.c - what a capability names.
 *
 * Two capabilities name the same object when their kinds match (a zombie still names
 * its CNode or TCB), their addresses match, and so do the fields that tell objects apart at
 * one address: CNode radix, untyped size, IRQ number, IOPort range. Rights, badges,
 * guards, watermarks and mapping words are properties of the capability, not of the
 * object.
 */
#include "internal.h"

bool
cap_same_object(const struct cap *a, const struct cap *b)
{
	unsigned kind = cap_object_kind(a);

	if (kind != cap_object_kind(b) || kind == WRIT_OBJ_NULL)
		return false;
	if (cap_addr(a) != cap_addr(b))
		return false;
	switch (kind) {
	case WRIT_OBJ_CNODE:
		return cap_cnode_radix(a) == cap_cnode_radix(b);
	case WRIT_OBJ_UNTYPED:
		return cap_ut_size_bits(a) == cap_ut_size_bits(b);
	case WRIT_OBJ_IRQ_HANDLER:
	case WRIT_OBJ_IOPORT:
		return a->w1 == b->w1;
	default:
		return true;
	}
}

bool
cspace_window_holds(const struct cspace *cs, uintptr_t addr, uint64_t size)
{
	uint64_t window = (uint64_t)cs->nslots << WRIT_SLOT_BITS;

	/* Subtractions ordered so nothing wraps: see STYLE.md section 4. */
	if (addr < cs->base)
		return false;
	if (addr - cs->base >= window)
		return false;
	return size <= window - (addr - cs->base);
}
