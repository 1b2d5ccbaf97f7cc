/*
 * Invocations on page tables and frames: decode, then kern/arch/x86_64/vspace.c maps.
 */
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/vspace.h>

/* Map arguments (<writ/invocations.def>): the address space, where, and (frames) the
 * rights, then caching. Both maps read them from registers alone (inv_args_regs). */
_Static_assert(WRIT_ARGC_PAGE_TABLE_MAP <= WRIT_MSG_REGS && WRIT_ARGC_FRAME_MAP <= WRIT_MSG_REGS,
	       "map arguments travel in registers");
_Static_assert((int)WRIT_ARG_PAGE_TABLE_MAP_VSPACE == (int)WRIT_ARG_FRAME_MAP_VSPACE,
	       "one vspace word for both maps");

int
vspace_invoke(struct inv *iv, struct cte *slot)
{
	unsigned type = cap_type(&slot->cap);
	bool frame = cap_type_is_frame(type);
	struct cte *pml4;
	writ_word_t a[WRIT_MSG_REGS];
	int err;

	switch (iv->label) {
	case WRIT_LABEL_PAGE_TABLE_MAP:
		if (frame || type == WRIT_OBJ_PML4)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a PDPT, PD or PT");
		err = inv_args_regs(iv, a, WRIT_ARGC_PAGE_TABLE_MAP);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_PAGE_TABLE_MAP);
		err = inv_lookup(iv, a[WRIT_ARG_PAGE_TABLE_MAP_VSPACE], WRIT_OBJ_PML4, &pml4);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "vspace 0x%lx is not a PML4",
					a[WRIT_ARG_PAGE_TABLE_MAP_VSPACE]);
		/* Its capabilities share one mapping word: the others would not see it. */
		if (!cdt_is_final(&kern_cspace, slot))
			return INV_FAIL(iv, WRIT_E_REVOKE_FIRST, "the table has other capabilities");
		return vs_map_table(slot, pml4, a[WRIT_ARG_PAGE_TABLE_MAP_VADDR],
				    (unsigned)a[WRIT_ARG_PAGE_TABLE_MAP_ATTR]);
	case WRIT_LABEL_PAGE_TABLE_UNMAP:
		if (frame || type == WRIT_OBJ_PML4)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a PDPT, PD or PT");
		/* Unmapping empties the table, which every other capability shares. */
		if (!cdt_is_final(&kern_cspace, slot))
			return INV_FAIL(iv, WRIT_E_REVOKE_FIRST, "the table has other capabilities");
		return vs_unmap_table(slot);
	case WRIT_LABEL_FRAME_MAP:
		if (!frame)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a frame");
		err = inv_args_regs(iv, a, WRIT_ARGC_FRAME_MAP);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_FRAME_MAP);
		err = inv_lookup(iv, a[WRIT_ARG_FRAME_MAP_VSPACE], WRIT_OBJ_PML4, &pml4);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "vspace 0x%lx is not a PML4",
					a[WRIT_ARG_FRAME_MAP_VSPACE]);
		return vs_map_frame(slot, pml4, a[WRIT_ARG_FRAME_MAP_VADDR],
				    (unsigned)a[WRIT_ARG_FRAME_MAP_RIGHTS],
				    (unsigned)a[WRIT_ARG_FRAME_MAP_ATTR]);
	case WRIT_LABEL_FRAME_UNMAP:
		if (!frame)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a frame");
		return vs_unmap_frame(slot);
	case WRIT_LABEL_FRAME_GET_ADDRESS:
		if (!frame)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a frame");
		inv_ret(iv, vs_phys((void *)cap_addr(&slot->cap)));
		return WRIT_OK;
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a VSpace invocation");
	}
}
