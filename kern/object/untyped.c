/*
 * Untyped Retype: decode the request, let cspace/ check and record it, then construct
 * the new objects in their memory. cspace/ knows the rules (sizes, alignment, the
 * watermark, device memory); the kernel knows what a fresh object must contain.
 */
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/untyped.h>
#include <kern/vspace.h>

/* Retype's arguments are UNTYPED_RETYPE's in <writ/invocations.def>: what to make, where
 * the slots are, how many. */
#define A_TYPE       WRIT_ARG_UNTYPED_RETYPE_TYPE
#define A_SIZE_BITS  WRIT_ARG_UNTYPED_RETYPE_SIZE_BITS
#define A_ROOT       WRIT_ARG_UNTYPED_RETYPE_ROOT
#define A_NODE_INDEX WRIT_ARG_UNTYPED_RETYPE_NODE_INDEX
#define A_NODE_DEPTH WRIT_ARG_UNTYPED_RETYPE_NODE_DEPTH
#define A_OFFSET     WRIT_ARG_UNTYPED_RETYPE_OFFSET
#define A_COUNT      WRIT_ARG_UNTYPED_RETYPE_COUNT

int
untyped_invoke(struct inv *iv, struct cte *ut)
{
	struct cte *root, *dest;
	writ_word_t a[WRIT_ARGC_UNTYPED_RETYPE];
	int err, bits;

	if (iv->label != WRIT_LABEL_UNTYPED_RETYPE)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "Untyped takes only Retype");
	err = inv_args(iv, a, WRIT_ARGC_UNTYPED_RETYPE);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_UNTYPED_RETYPE);
	if (a[A_TYPE] >= WRIT_OBJ_COUNT)
		return INV_FAIL(iv, WRIT_E_INVALID_ARGUMENT, "type %lu unknown", a[A_TYPE]);
	if (a[A_SIZE_BITS] > 63)
		return INV_FAIL(iv, WRIT_E_INVALID_ARGUMENT, "size_bits %lu above 63",
				a[A_SIZE_BITS]);
	/* Zeroing happens in this one kernel entry (obj_construct): bounded per call. */
	bits = ut_object_bits((unsigned)a[A_TYPE], (unsigned)a[A_SIZE_BITS]);
	if (bits >= 0 && a[A_COUNT] <= UT_RETYPE_MAX_COUNT && a[A_TYPE] != WRIT_OBJ_UNTYPED &&
	    !cap_ut_is_device(&ut->cap) && a[A_COUNT] << bits > WRIT_RETYPE_MAX_ZEROED)
		return INV_FAIL(iv, WRIT_E_RANGE, "count %lu: more than WRIT_RETYPE_MAX_ZEROED "
				"bytes to zero", a[A_COUNT]);
	err = inv_lookup(iv, a[A_ROOT], WRIT_OBJ_CNODE, &root);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "root 0x%lx is not a CNode", a[A_ROOT]);
	dest = root;
	if (a[A_NODE_DEPTH] != 0) {
		err = inv_lookup_slot(iv, root, a[A_NODE_INDEX], a[A_NODE_DEPTH], &dest);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "node index 0x%lx at depth %lu",
					a[A_NODE_INDEX], a[A_NODE_DEPTH]);
		if (cap_type(&dest->cap) != WRIT_OBJ_CNODE)
			return INV_FAIL(iv, WRIT_E_INVALID_CAP, "node 0x%lx is not a CNode",
					a[A_NODE_INDEX]);
	}
	err = ut_retype(&kern_cspace, ut, (unsigned)a[A_TYPE], (unsigned)a[A_SIZE_BITS],
			&dest->cap, a[A_OFFSET], a[A_COUNT]);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "refused by cspace/ (type %lu, size_bits %lu, offset "
				"%lu, count %lu)", a[A_TYPE], a[A_SIZE_BITS], a[A_OFFSET],
				a[A_COUNT]);
	for (uint64_t i = 0; i < a[A_COUNT]; i++)
		obj_construct(&cnode_slots(&dest->cap)[a[A_OFFSET] + i].cap,
			      cap_ut_is_device(&ut->cap));
	return WRIT_OK;
}
