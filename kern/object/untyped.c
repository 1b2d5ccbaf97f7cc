/*
 * Untyped Retype: decode the request, let cspace/ check and record it, then construct
 * the new objects in their memory. cspace/ knows the rules (sizes, alignment, the
 * watermark, device memory); the kernel knows what a fresh object must contain.
 */
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/string.h>
#include <kern/vspace.h>

_Static_assert(sizeof(struct cte) == 1u << WRIT_SLOT_BITS, "a CNode is its slots");

/* Make the object a fresh capability names usable: zeroed and constructed. */
void
obj_construct(const struct cap *c, bool device)
{
	void *p = (void *)cap_addr(c);
	unsigned type = cap_type(c);

	switch (type) {
	case WRIT_OBJ_FRAME_4K:
	case WRIT_OBJ_FRAME_2M:
		if (!device)	/* device memory is the device's: never written */
			memset(p, 0, 1ull << (type == WRIT_OBJ_FRAME_2M ? 21 : 12));
		return;
	case WRIT_OBJ_UNTYPED:
		return;		/* zeroed when it becomes something */
	case WRIT_OBJ_CNODE:
		return;		/* cspace's retype emptied each slot, all a CNode holds */
	case WRIT_OBJ_TCB:
		memset(p, 0, 1u << WRIT_TCB_BITS);
		tcb_init(p);
		return;
	case WRIT_OBJ_ENDPOINT:
		memset(p, 0, 1u << WRIT_ENDPOINT_BITS);
		return;
	case WRIT_OBJ_NOTIFICATION:
		memset(p, 0, 1u << WRIT_NOTIFICATION_BITS);
		return;
	case WRIT_OBJ_PML4:
		vs_init_pml4(p);
		return;
	default:		/* PDPT, PD, PT */
		memset(p, 0, 1u << WRIT_PAGE_TABLE_BITS);
		return;
	}
}

int
untyped_invoke(struct inv *iv, struct cte *ut)
{
	struct cte *root, *dest;
	writ_word_t a[7];
	int err, bits;

	if (iv->label != WRIT_LABEL_UNTYPED_RETYPE)
		return WRIT_E_ILLEGAL_OPERATION;
	if ((err = inv_args(iv, a, 7)) != WRIT_OK)
		return err;
	if (a[0] >= WRIT_OBJ_COUNT || a[1] > 63)
		return WRIT_E_INVALID_ARGUMENT;
	/* Zeroing happens in this one kernel entry (obj_construct): bounded per call. */
	bits = ut_object_bits((unsigned)a[0], (unsigned)a[1]);
	if (bits >= 0 && a[6] <= UT_RETYPE_MAX_COUNT && a[0] != WRIT_OBJ_UNTYPED &&
	    !cap_ut_is_device(&ut->cap) && a[6] << bits > WRIT_RETYPE_MAX_ZEROED)
		return WRIT_E_RANGE;
	if ((err = inv_lookup(iv, a[2], WRIT_OBJ_CNODE, &root)) != WRIT_OK)
		return err;
	if (a[4] == 0) {
		dest = root;
	} else {
		if ((err = inv_lookup_slot(iv, root, a[3], a[4], &dest)) != WRIT_OK)
			return err;
		if (cap_type(&dest->cap) != WRIT_OBJ_CNODE)
			return WRIT_E_INVALID_CAP;
	}
	err = ut_retype(&kern_cspace, ut, (unsigned)a[0], (unsigned)a[1], &dest->cap, a[5], a[6]);
	if (err != WRIT_OK)
		return err;
	for (uint64_t i = 0; i < a[6]; i++)
		obj_construct(&cnode_slots(&dest->cap)[a[5] + i].cap, cap_ut_is_device(&ut->cap));
	return WRIT_OK;
}
