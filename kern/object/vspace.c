/*
 * Invocations on page tables and frames: decode, then kern/arch/x86_64/vspace.c maps.
 */
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/vspace.h>

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
			return WRIT_E_ILLEGAL_OPERATION;
		if ((err = inv_args_regs(iv, a, 3)) != WRIT_OK ||
		    (err = inv_lookup(iv, a[0], WRIT_OBJ_PML4, &pml4)) != WRIT_OK)
			return err;
		/* Its capabilities share one mapping word: the others would not see it. */
		if (!cdt_is_final(&kern_cspace, slot))
			return WRIT_E_REVOKE_FIRST;
		return vs_map_table(slot, pml4, a[1], (unsigned)a[2]);
	case WRIT_LABEL_PAGE_TABLE_UNMAP:
		if (frame || type == WRIT_OBJ_PML4)
			return WRIT_E_ILLEGAL_OPERATION;
		/* Unmapping empties the table, which every other capability shares. */
		if (!cdt_is_final(&kern_cspace, slot))
			return WRIT_E_REVOKE_FIRST;
		return vs_unmap_table(slot);
	case WRIT_LABEL_FRAME_MAP:
		if (!frame)
			return WRIT_E_ILLEGAL_OPERATION;
		if ((err = inv_args_regs(iv, a, 4)) != WRIT_OK ||
		    (err = inv_lookup(iv, a[0], WRIT_OBJ_PML4, &pml4)) != WRIT_OK)
			return err;
		return vs_map_frame(slot, pml4, a[1], (unsigned)a[2], (unsigned)a[3]);
	case WRIT_LABEL_FRAME_UNMAP:
		if (!frame)
			return WRIT_E_ILLEGAL_OPERATION;
		return vs_unmap_frame(slot);
	case WRIT_LABEL_FRAME_GET_ADDRESS:
		if (!frame)
			return WRIT_E_ILLEGAL_OPERATION;
		inv_ret(iv, vs_phys((void *)cap_addr(&slot->cap)));
		return WRIT_OK;
	default:
		return WRIT_E_ILLEGAL_OPERATION;
	}
}
