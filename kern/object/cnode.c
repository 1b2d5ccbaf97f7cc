/*
 * CNode invocations: the decode half. Each operation names its slots as (index, depth)
 * in the invoked CNode, and a source as (CNode cptr in the caller's CSpace, index,
 * depth); every lookup and argument is checked here, then cspace/ does the work (and
 * checks the rules of derivation itself).
 */
#include <kern/cnode.h>
#include <kern/invoke.h>
#include <kern/object.h>

/* Argument positions: a slot in the invoked CNode, then a source (root cptr, index,
 * depth), then rights and badge word; Rotate names a pivot before its source. */
enum {
	A_DEST_INDEX, A_DEST_DEPTH,
	A_SRC_ROOT, A_SRC_INDEX, A_SRC_DEPTH,
	A_RIGHTS, A_BADGE,
};
enum {
	A_ROT_PIVOT_ROOT = 2, A_ROT_PIVOT_INDEX, A_ROT_PIVOT_DEPTH,
	A_ROT_SRC_ROOT, A_ROT_SRC_INDEX, A_ROT_SRC_DEPTH,
	A_ROT_DEST_BADGE, A_ROT_PIVOT_BADGE,
	A_ROT_COUNT
};

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

int
cnode_invoke(struct inv *iv, struct cte *cnode)
{
	struct cte *dest, *src, *pivot;
	writ_word_t a[A_ROT_COUNT];
	unsigned n;
	int err;

	switch (iv->label) {
	case WRIT_LABEL_CNODE_DELETE:
	case WRIT_LABEL_CNODE_REVOKE:
		err = inv_args(iv, a, A_DEST_DEPTH + 1);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "2 arguments needed");
		err = dest_slot(iv, cnode, a, &dest);
		if (err != WRIT_OK)
			return err;
		return iv->label == WRIT_LABEL_CNODE_DELETE ? cte_delete(&kern_cspace, dest)
							     : cte_revoke(&kern_cspace, dest);
	case WRIT_LABEL_CNODE_COPY:
	case WRIT_LABEL_CNODE_MINT:
	case WRIT_LABEL_CNODE_MOVE:
	case WRIT_LABEL_CNODE_MUTATE:
		n = iv->label == WRIT_LABEL_CNODE_MOVE ? A_SRC_DEPTH + 1 :
		    iv->label == WRIT_LABEL_CNODE_COPY ? A_RIGHTS + 1 : A_BADGE + 1;
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
		return cte_mutate(&kern_cspace, dest, src, (unsigned)a[A_RIGHTS], a[A_BADGE]);
	case WRIT_LABEL_CNODE_ROTATE:
		err = inv_args(iv, a, A_ROT_COUNT);
		if (err != WRIT_OK)
			return INV_FAIL(iv, err, "%u arguments needed", A_ROT_COUNT);
		err = dest_slot(iv, cnode, a, &dest);
		if (err != WRIT_OK)
			return err;
		err = inv_lookup_triple(iv, &a[A_ROT_PIVOT_ROOT], "pivot", &pivot);
		if (err != WRIT_OK)
			return err;
		err = inv_lookup_triple(iv, &a[A_ROT_SRC_ROOT], "source", &src);
		if (err != WRIT_OK)
			return err;
		return cte_rotate(&kern_cspace, dest, pivot, src, a[A_ROT_DEST_BADGE],
				  a[A_ROT_PIVOT_BADGE]);
	default:
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "not a CNode invocation");
	}
}
