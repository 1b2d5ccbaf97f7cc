/*
 * untyped.c - Retype: making objects out of untyped memory.
 *
 * Model. An untyped capability covers [addr, addr + 2^size_bits), naturally aligned,
 * and carries a watermark: every object made from it so far lies below. Objects are
 * placed from the watermark up, each aligned to its own size, and become children of
 * the untyped capability, so no two live objects made from it overlap (I3). When the
 * untyped has no children left, nothing lives in its memory and placement starts from
 * 0 again; Revoke, which deletes all children, resets the watermark explicitly.
 *
 * A copy of an untyped capability is a second view of the same memory. It is allowed
 * only while the source has no children, and it lends the whole region to the copy:
 * the source's watermark moves to the end, so the two views can never place objects
 * on top of each other. Deleting or revoking the copy gives it back.
 *
 * Device untyped (MMIO, not RAM) becomes only frames or smaller device untyped: the
 * kernel must never keep its own objects in device memory.
 */
#include "internal.h"

int
ut_object_bits(unsigned type, unsigned size_bits)
{
	switch (type) {
	case WRIT_OBJ_UNTYPED:
		if (size_bits < WRIT_UNTYPED_MIN_BITS || size_bits > WRIT_UNTYPED_MAX_BITS)
			return -1;
		return (int)size_bits;
	case WRIT_OBJ_CNODE:
		if (size_bits < 1 || size_bits > WRIT_CNODE_MAX_RADIX)
			return -1;
		return (int)size_bits + WRIT_SLOT_BITS;
	case WRIT_OBJ_ENDPOINT:     return WRIT_ENDPOINT_BITS;
	case WRIT_OBJ_NOTIFICATION: return WRIT_NOTIFICATION_BITS;
	case WRIT_OBJ_TCB:          return WRIT_TCB_BITS;
	case WRIT_OBJ_PML4:
	case WRIT_OBJ_PDPT:
	case WRIT_OBJ_PD:
	case WRIT_OBJ_PT:           return WRIT_PAGE_TABLE_BITS;
	case WRIT_OBJ_FRAME_4K:     return WRIT_FRAME_4K_BITS;
	case WRIT_OBJ_FRAME_2M:     return WRIT_FRAME_2M_BITS;
	default:                    return -1;
	}
}

static bool
ut_device_allows(unsigned type)
{
	return cap_type_is_frame(type) || type == WRIT_OBJ_UNTYPED;
}

/* The byte offset where the first object goes; no overflow: both are <= 2^47. */
static uint64_t
ut_start(const struct cte *ut, unsigned obj_bits)
{
	uint64_t from = ut->first != 0 ? ut->cap.w1 : 0;

	return (from + mask_bits(obj_bits)) & ~mask_bits(obj_bits);
}

/* The validation ladder: every argument, nothing changed. *start is the placement. */
static int
ut_retype_check(const struct cspace *cs, const struct cte *ut, unsigned type,
		unsigned size_bits, const struct cap *dest_cnode, uint64_t offset,
		uint64_t count, uint64_t *start)
{
	const struct cte *dest;
	uint64_t nslots, size, room;
	int obj_bits;

	if (cte_is_empty(ut) || cap_type(&ut->cap) != WRIT_OBJ_UNTYPED)
		return WRIT_E_INVALID_CAP;
	if (cap_type(dest_cnode) != WRIT_OBJ_CNODE)
		return WRIT_E_INVALID_CAP;
	if ((obj_bits = ut_object_bits(type, size_bits)) < 0)
		return type == WRIT_OBJ_UNTYPED || type == WRIT_OBJ_CNODE ?
		       WRIT_E_RANGE : WRIT_E_INVALID_ARGUMENT;
	if (cap_ut_is_device(&ut->cap) && !ut_device_allows(type))
		return WRIT_E_ILLEGAL_OPERATION;
	nslots = 1ull << cap_cnode_radix(dest_cnode);
	if (offset >= nslots)                   /* first, so nslots - offset cannot wrap */
		return WRIT_E_RANGE;
	if (count == 0 || count > nslots - offset || count > UT_RETYPE_MAX_COUNT)
		return WRIT_E_RANGE;
	size = 1ull << cap_ut_size_bits(&ut->cap);
	if ((unsigned)obj_bits > cap_ut_size_bits(&ut->cap))
		return WRIT_E_NOT_ENOUGH_MEMORY;
	*start = ut_start(ut, (unsigned)obj_bits);
	room = *start < size ? (size - *start) >> obj_bits : 0;
	if (count > room)
		return WRIT_E_NOT_ENOUGH_MEMORY;
	if (cap_type_has_slots(type) &&
	    !cspace_window_holds(cs, cap_addr(&ut->cap) + *start, count << obj_bits))
		return WRIT_E_RANGE;    /* its slots would be unaddressable */
	dest = cnode_slots(dest_cnode) + offset;
	for (uint64_t i = 0; i < count; i++)
		if (!cte_is_empty(&dest[i]))
			return WRIT_E_DELETE_FIRST;
	return WRIT_OK;
}

static struct cap
ut_new_cap(const struct cte *ut, unsigned type, unsigned size_bits, uintptr_t addr)
{
	unsigned small = 0;

	if (type == WRIT_OBJ_UNTYPED)
		small = size_bits | (cap_ut_is_device(&ut->cap) ? CAP_UT_DEVICE : 0);
	else if (type == WRIT_OBJ_CNODE)
		small = size_bits;
	else if (cap_type_is_frame(type) && cap_ut_is_device(&ut->cap))
		small = CAP_FRAME_DEVICE;
	return cap_make(type, addr, WRIT_RIGHTS_ALL, small, 0);
}

int
ut_retype(struct cspace *cs, struct cte *ut, unsigned type, unsigned size_bits,
	  const struct cap *dest_cnode, uint64_t offset, uint64_t count)
{
	uint64_t start;
	struct cte *dest;
	unsigned obj_bits;
	int err;

	CS_ASSERT_SLOT(cs, ut);
	err = ut_retype_check(cs, ut, type, size_bits, dest_cnode, offset, count, &start);
	if (err != WRIT_OK)
		return err;
	obj_bits = (unsigned)ut_object_bits(type, size_bits);
	dest = cnode_slots(dest_cnode) + offset;
	for (uint64_t i = 0; i < count; i++) {
		uintptr_t addr = cap_addr(&ut->cap) + start + (i << obj_bits);

		if (cap_type_has_slots(type)) {
			struct cte *slots = (struct cte *)addr;
			unsigned radix = type == WRIT_OBJ_CNODE ? size_bits :
					 CSPACE_TCB_SLOT_RADIX;

			/* Every slot empty (all zero bits): one memset (the kernel's is rep
			 * stosq) runs at half the instructions of a store per field. */
			__builtin_memset(slots, 0, sizeof(struct cte) << radix);
		}
		dest[i].cap = ut_new_cap(ut, type, size_bits, addr);
		cdt_insert_child(cs, ut, &dest[i]);
	}
	ut->cap.w1 = start + (count << obj_bits);
	return WRIT_OK;
}
