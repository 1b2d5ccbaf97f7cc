/*
 * CNode invocations: the decode half. Each operation names its slots as (index, depth)
 * in the invoked CNode, and a source as (CNode cptr in the caller's CSpace, index,
 * depth); every lookup and argument is checked here, then cspace/ does the work (and
 * checks the rules of derivation itself).
 */
#include <kern/cnode.h>
#include <kern/invoke.h>
#include <kern/object.h>

/* Argument positions (<writ/invocations.def>): a slot in the invoked CNode, then a
 * source (root cptr, index, depth), then rights and badge word; Rotate names a pivot
 * before its source. Copy, Mint, Move and Mutate share one decode, so they must put
 * each argument they share in the same word; Mutate takes them all. */
#define A_DEST_INDEX WRIT_ARG_CNODE_MUTATE_DEST_INDEX
#define A_DEST_DEPTH WRIT_ARG_CNODE_MUTATE_DEST_DEPTH
#define A_SRC_ROOT   WRIT_ARG_CNODE_MUTATE_SRC_ROOT
#define A_SRC_INDEX  WRIT_ARG_CNODE_MUTATE_SRC_INDEX
#define A_SRC_DEPTH  WRIT_ARG_CNODE_MUTATE_SRC_DEPTH
#define A_RIGHTS     WRIT_ARG_CNODE_MUTATE_RIGHTS
#define A_BADGE      WRIT_ARG_CNODE_MUTATE_BADGE

/* (Each invocation's positions are an enum of their own: compared as ints.) */
#define SAME_SLOT_ARGS(inv, what)                                                 \
	_Static_assert((int)WRIT_ARG_##inv##_##what##_INDEX == (int)A_##what##_INDEX && \
		       (int)WRIT_ARG_##inv##_##what##_DEPTH == (int)A_##what##_DEPTH, \
		       #inv ": " #what " slot where the shared decode reads it")
SAME_SLOT_ARGS(CNODE_REVOKE, DEST);
SAME_SLOT_ARGS(CNODE_DELETE, DEST);
SAME_SLOT_ARGS(CNODE_COPY, DEST);
SAME_SLOT_ARGS(CNODE_MINT, DEST);
SAME_SLOT_ARGS(CNODE_MOVE, DEST);
SAME_SLOT_ARGS(CNODE_ROTATE, DEST);
SAME_SLOT_ARGS(CNODE_COPY, SRC);
SAME_SLOT_ARGS(CNODE_MINT, SRC);
SAME_SLOT_ARGS(CNODE_MOVE, SRC);
SAME_SLOT_ARGS(CNODE_REMINT, DEST);
SAME_SLOT_ARGS(CNODE_REMINT, SRC);
_Static_assert((int)WRIT_ARG_CNODE_REMINT_SRC_ROOT == (int)A_SRC_ROOT &&
	       (int)WRIT_ARG_CNODE_REMINT_RIGHTS == (int)A_RIGHTS &&
	       (int)WRIT_ARG_CNODE_REMINT_BADGE == (int)A_BADGE &&
	       (int)WRIT_ARGC_CNODE_REMINT == (int)WRIT_ARGC_CNODE_MUTATE,
	       "Remint reads Mutate's words");
_Static_assert((int)WRIT_ARG_CNODE_COPY_SRC_ROOT == (int)A_SRC_ROOT &&
	       (int)WRIT_ARG_CNODE_MINT_SRC_ROOT == (int)A_SRC_ROOT &&
	       (int)WRIT_ARG_CNODE_MOVE_SRC_ROOT == (int)A_SRC_ROOT, "one source root word");
_Static_assert((int)WRIT_ARG_CNODE_COPY_RIGHTS == (int)A_RIGHTS &&
	       (int)WRIT_ARG_CNODE_MINT_RIGHTS == (int)A_RIGHTS, "one rights word");
_Static_assert((int)WRIT_ARG_CNODE_MINT_BADGE == (int)A_BADGE, "one badge word");
_Static_assert((int)WRIT_ARGC_CNODE_ROTATE >= (int)WRIT_ARGC_CNODE_MUTATE,
	       "a[] holds every CNode call");

/* The destination slot, in the invoked CNode. */
static int
dest_slot(struct inv *iv, struct cte *cnode, const writ_word_t *a, struct cte **slot)
{
	int err = inv_lookup_slot(iv, cnode, a[A_DEST_INDEX], a[A_DEST_DEPTH], slot);

	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "destination slot 0x%lx at depth %lu", a[A_DEST_INDEX],
				a[A_DEST_DEPTH]);
	return WRIT_OK;
}

/* Find: the slots of the CNode that name REF's object (cnode_find_same). */
static int
invoke_find(struct inv *iv, struct cte *cnode)
{
	struct cnode_match m[WRIT_CNODE_FIND_MAX_FOUND];
	writ_word_t a[WRIT_ARGC_CNODE_FIND];
	uint64_t size = 1ull << cap_cnode_radix(&cnode->cap), next;
	struct cte *ref;
	unsigned n;
	int err;

	_Static_assert(2 + 2 * WRIT_CNODE_FIND_MAX_FOUND <= INV_MAX_RESULTS, "a reply holds them");
	_Static_assert(WRIT_CNODE_MAX_RADIX < WRIT_CNODE_FIND_RIGHTS_SHIFT, "slots below rights");
	err = inv_args(iv, a, WRIT_ARGC_CNODE_FIND);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_CNODE_FIND);
	if (a[WRIT_ARG_CNODE_FIND_FIRST] >= size)
		return INV_FAIL(iv, WRIT_E_RANGE, "first slot %lu past the CNode's %lu",
				a[WRIT_ARG_CNODE_FIND_FIRST], size);
	if (a[WRIT_ARG_CNODE_FIND_COUNT] == 0 ||
	    a[WRIT_ARG_CNODE_FIND_COUNT] > WRIT_CNODE_FIND_MAX_SLOTS)
		return INV_FAIL(iv, WRIT_E_RANGE, "count %lu not in 1..%u",
				a[WRIT_ARG_CNODE_FIND_COUNT], WRIT_CNODE_FIND_MAX_SLOTS);
	err = inv_lookup(iv, a[WRIT_ARG_CNODE_FIND_REF], WRIT_OBJ_NULL, &ref);
	if (err != WRIT_OK)
		return err;
	n = cnode_find_same(&cnode->cap, &ref->cap, a[WRIT_ARG_CNODE_FIND_FIRST],
			    a[WRIT_ARG_CNODE_FIND_COUNT], m, WRIT_CNODE_FIND_MAX_FOUND, &next);
	inv_ret(iv, next);
	inv_ret(iv, n);
	for (unsigned i = 0; i < n; i++) {
		inv_ret(iv, m[i].slot | (writ_word_t)m[i].rights << WRIT_CNODE_FIND_RIGHTS_SHIFT);
		inv_ret(iv, m[i].badge);
	}
	return WRIT_OK;
}

int
cnode_invoke(struct inv *iv, struct cte *cnode)
{
	struct cte *dest, *src, *pivot;
	writ_word_t a[WRIT_ARGC_CNODE_ROTATE];
	unsigned n;
	int err;

	switch (iv->label) {
	case WRIT_LABEL_CNODE_DELETE:
	case WRIT_LABEL_CNODE_REVOKE:
		n = iv->label == WRIT_LABEL_CNODE_DELETE ? WRIT_ARGC_CNODE_DELETE
							  : WRIT_ARGC_CNODE_REVOKE;
		err = inv_args(iv, a, n);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", n);
		err = dest_slot(iv, cnode, a, &dest);
		if (err != WRIT_OK)
			return err;
		return iv->label == WRIT_LABEL_CNODE_DELETE ? cte_delete(&kern_cspace, dest)
							     : cte_revoke(&kern_cspace, dest);
	case WRIT_LABEL_CNODE_COPY:
	case WRIT_LABEL_CNODE_MINT:
	case WRIT_LABEL_CNODE_MOVE:
	case WRIT_LABEL_CNODE_MUTATE:
	case WRIT_LABEL_CNODE_REMINT:
		n = iv->label == WRIT_LABEL_CNODE_MOVE ? WRIT_ARGC_CNODE_MOVE :
		    iv->label == WRIT_LABEL_CNODE_COPY ? WRIT_ARGC_CNODE_COPY :
		    iv->label == WRIT_LABEL_CNODE_MINT ? WRIT_ARGC_CNODE_MINT :
		    WRIT_ARGC_CNODE_MUTATE;
		err = inv_args(iv, a, n);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", n);
		err = dest_slot(iv, cnode, a, &dest);
		if (err != WRIT_OK)
			return err;
		err = inv_lookup_triple(iv, &a[A_SRC_ROOT], "source", &src);
		if (err != WRIT_OK)
			return err;
		if (cte_is_empty(src))
			return INV_FAIL(iv, inv_missing(iv, a[A_SRC_INDEX]),
					"source slot 0x%lx is empty", a[A_SRC_INDEX]);
		if (iv->label == WRIT_LABEL_CNODE_COPY)
			return cte_copy(&kern_cspace, dest, src, (unsigned)a[A_RIGHTS]);
		if (iv->label == WRIT_LABEL_CNODE_MINT)
			return cte_mint(&kern_cspace, dest, src, (unsigned)a[A_RIGHTS], a[A_BADGE]);
		if (iv->label == WRIT_LABEL_CNODE_MOVE)
			return cte_move(&kern_cspace, dest, src);
		if (iv->label == WRIT_LABEL_CNODE_REMINT)
			return cte_remint(&kern_cspace, dest, src, (unsigned)a[A_RIGHTS], a[A_BADGE]);
		return cte_mutate(&kern_cspace, dest, src, (unsigned)a[A_RIGHTS], a[A_BADGE]);
	case WRIT_LABEL_CNODE_ROTATE:
		err = inv_args(iv, a, WRIT_ARGC_CNODE_ROTATE);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", WRIT_ARGC_CNODE_ROTATE);
		err = dest_slot(iv, cnode, a, &dest);
		if (err != WRIT_OK)
			return err;
		err = inv_lookup_triple(iv, &a[WRIT_ARG_CNODE_ROTATE_PIVOT_ROOT], "pivot", &pivot);
		if (err != WRIT_OK)
			return err;
		err = inv_lookup_triple(iv, &a[WRIT_ARG_CNODE_ROTATE_SRC_ROOT], "source", &src);
		if (err != WRIT_OK)
			return err;
		return cte_rotate(&kern_cspace, dest, pivot, src,
				  a[WRIT_ARG_CNODE_ROTATE_DEST_BADGE],
				  a[WRIT_ARG_CNODE_ROTATE_PIVOT_BADGE]);
	case WRIT_LABEL_CNODE_FIND:
		return invoke_find(iv, cnode);
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a CNode invocation");
	}
}
