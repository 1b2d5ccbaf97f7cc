/*
 * CNode invocations: the decode half. Each operation names its slots as (index, depth)
 * in the invoked CNode, and a source as (CNode cptr in the caller's CSpace, index,
 * depth); every lookup and argument is checked here, then cspace/ does the work (and
 * checks the rules of derivation itself).
 */
#include <kern/cnode.h>
#include <kern/invoke.h>
#include <kern/object.h>

static int
dest_slot(struct inv *iv, struct cte *root, const writ_word_t *a, struct cte **slot)
{
	return inv_lookup_slot(iv, root, a[0], a[1], slot);
}

/* A slot given as (root cptr, index, depth) starting at argument i. */
static int
other_slot(struct inv *iv, const writ_word_t *a, unsigned i, struct cte **slot)
{
	struct cte *root;
	int err = inv_lookup(iv, a[i], WRIT_OBJ_CNODE, &root);

	if (err != WRIT_OK)
		return err;
	return inv_lookup_slot(iv, root, a[i + 1], a[i + 2], slot);
}

int
cnode_invoke(struct inv *iv, struct cte *cnode)
{
	struct cte *dest, *src, *pivot;
	writ_word_t a[10];
	int err;

	switch (iv->label) {
	case WRIT_LABEL_CNODE_DELETE:
	case WRIT_LABEL_CNODE_REVOKE:
		if ((err = inv_args(iv, a, 2)) != WRIT_OK ||
		    (err = dest_slot(iv, cnode, a, &dest)) != WRIT_OK)
			return err;
		return iv->label == WRIT_LABEL_CNODE_DELETE ? cte_delete(&kern_cspace, dest)
							     : cte_revoke(&kern_cspace, dest);
	case WRIT_LABEL_CNODE_COPY:
	case WRIT_LABEL_CNODE_MINT:
	case WRIT_LABEL_CNODE_MOVE:
	case WRIT_LABEL_CNODE_MUTATE:
		if ((err = inv_args(iv, a, iv->label == WRIT_LABEL_CNODE_MOVE ? 5 :
				    iv->label == WRIT_LABEL_CNODE_COPY ? 6 : 7)) != WRIT_OK)
			return err;
		if ((err = dest_slot(iv, cnode, a, &dest)) != WRIT_OK ||
		    (err = other_slot(iv, a, 2, &src)) != WRIT_OK)
			return err;
		if (cte_is_empty(src))
			return WRIT_E_LOOKUP_MISSING_CAP;
		if (iv->label == WRIT_LABEL_CNODE_COPY)
			return cte_copy(&kern_cspace, dest, src, (unsigned)a[5]);
		if (iv->label == WRIT_LABEL_CNODE_MINT)
			return cte_mint(&kern_cspace, dest, src, (unsigned)a[5], a[6]);
		if (iv->label == WRIT_LABEL_CNODE_MOVE)
			return cte_move(&kern_cspace, dest, src);
		return cte_mutate(&kern_cspace, dest, src, (unsigned)a[5], a[6]);
	case WRIT_LABEL_CNODE_ROTATE:
		if ((err = inv_args(iv, a, 10)) != WRIT_OK)
			return err;
		if ((err = dest_slot(iv, cnode, a, &dest)) != WRIT_OK ||
		    (err = other_slot(iv, a, 2, &pivot)) != WRIT_OK ||
		    (err = other_slot(iv, a, 5, &src)) != WRIT_OK)
			return err;
		return cte_rotate(&kern_cspace, dest, pivot, src, a[8], a[9]);
	default:
		return WRIT_E_ILLEGAL_OPERATION;
	}
}
