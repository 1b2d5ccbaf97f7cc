/*
 * cdt.c - the capability derivation tree: links between slots.
 *
 * Shape. Every non-empty slot has prev/next (its place among its siblings) and
 * first/last (its own children). The sibling list is doubly linked and its two ends
 * point at the parent slot; a parent's first/last point at the two end children. A
 * capability without a parent sits in a parentless sibling list whose ends are 0.
 *
 *      P.first -> C1 <-> C2 <-> C3 <- P.last      C1.prev == P, C3.next == P
 *
 * How to tell the parent from a sibling at the end of a link: a slot Q reached through
 * n.prev is n's parent exactly when Q.first == n (a sibling has Q.next == n instead; a
 * slot cannot be both its neighbour's parent and its sibling), and symmetrically
 * through n.next with Q.last.
 *
 * Consequence: every reference to a slot n is held by one of n.prev, n.next, n.first,
 * n.last. So relinking after a move or swap visits at most ten slots, and deleting n
 * puts its children in n's place with O(1) writes (none of them records its parent).
 */
#include "internal.h"

/* q held n as its "forward" neighbour (first child or next sibling); make it v. */
static void
cdt_set_forward(struct cspace *cs, uint32_t q, uint32_t n, uint32_t v)
{
	struct cte *Q;

	if (q == 0)
		return;
	Q = cte_at(cs, q);
	if (Q->first == n)
		Q->first = v == q ? 0 : v;
	else
		Q->next = v;
}

/* q held n as its "backward" neighbour (last child or previous sibling); make it v. */
static void
cdt_set_backward(struct cspace *cs, uint32_t q, uint32_t n, uint32_t v)
{
	struct cte *Q;

	if (q == 0)
		return;
	Q = cte_at(cs, q);
	if (Q->last == n)
		Q->last = v == q ? 0 : v;
	else
		Q->prev = v;
}

/* Makes the empty-linked slot child the first child of parent. */
void
cdt_insert_child(struct cspace *cs, struct cte *parent, struct cte *child)
{
	uint32_t p = cte_index(cs, parent), c = cte_index(cs, child);

	CS_ASSERT(cs, child->prev == 0 && child->next == 0);
	CS_ASSERT(cs, child->first == 0 && child->last == 0);
	child->prev = p;
	if (parent->first != 0) {
		child->next = parent->first;
		cte_at(cs, parent->first)->prev = c;
	} else {
		child->next = p;
		parent->last = c;
	}
	parent->first = c;
}

/*
 * Takes slot out of the tree; its children, in order, take its place among its
 * siblings, so each keeps every ancestor but slot.
 */
void
cdt_unlink(struct cspace *cs, struct cte *slot)
{
	uint32_t n = cte_index(cs, slot), left = slot->prev, right = slot->next;

	if (slot->first != 0) {
		struct cte *f = cte_at(cs, slot->first), *l = cte_at(cs, slot->last);

		cdt_set_forward(cs, left, n, slot->first);
		cdt_set_backward(cs, right, n, slot->last);
		f->prev = left;
		l->next = right;
	} else {
		cdt_set_forward(cs, left, n, right);
		cdt_set_backward(cs, right, n, left);
	}
	slot->prev = slot->next = slot->first = slot->last = 0;
}

static size_t
cdt_add_unique(uint32_t *set, size_t n, uint32_t v)
{
	if (v == 0)
		return n;
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return n;
	set[n] = v;
	return n + 1;
}

static uint32_t
cdt_swap_index(uint32_t v, uint32_t a, uint32_t b)
{
	return v == a ? b : v == b ? a : v;
}

/*
 * Exchanges the contents (capability and links) of slots a and b, rewriting every
 * reference so each capability keeps its place in the tree. b may be empty, which
 * makes this a move. Each slot that could refer to a or b is rewritten exactly once,
 * which is why the set is deduplicated: the mapping is its own inverse.
 */
void
cdt_swap(struct cspace *cs, struct cte *a, struct cte *b)
{
	uint32_t ia = cte_index(cs, a), ib = cte_index(cs, b);
	uint32_t set[10];
	size_t n = 0;
	struct cte tmp;

	n = cdt_add_unique(set, n, ia);
	n = cdt_add_unique(set, n, ib);
	const struct cte *ends[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		n = cdt_add_unique(set, n, ends[k]->prev);
		n = cdt_add_unique(set, n, ends[k]->next);
		n = cdt_add_unique(set, n, ends[k]->first);
		n = cdt_add_unique(set, n, ends[k]->last);
	}
	for (size_t i = 0; i < n; i++) {
		struct cte *q = cte_at(cs, set[i]);

		q->prev = cdt_swap_index(q->prev, ia, ib);
		q->next = cdt_swap_index(q->next, ia, ib);
		q->first = cdt_swap_index(q->first, ia, ib);
		q->last = cdt_swap_index(q->last, ia, ib);
	}
	tmp = *a;
	*a = *b;
	*b = tmp;
}

/*
 * cdt_swap with an empty b, in fewer steps (Move and Mutate, and so every capability an
 * IPC moves): nothing refers to an empty slot, so each reference to a becomes one to b.
 * They are all in a's neighbours (its siblings, or its parent where a ends the run,
 * and its first and last children), and the rewrite is the same however often a
 * neighbour comes up (a first child that is also the last).
 */
void
cdt_move(struct cspace *cs, struct cte *a, struct cte *b)
{
	uint32_t ia = cte_index(cs, a), ib = cte_index(cs, b);
	const uint32_t nb[4] = { a->prev, a->next, a->first, a->last };
	struct cte empty = *b;

	CS_ASSERT(cs, cte_is_empty(b));
	for (int k = 0; k < 4; k++) {
		struct cte *q;

		if (nb[k] == 0)
			continue;
		q = cte_at(cs, nb[k]);
		if (q->prev == ia)
			q->prev = ib;
		if (q->next == ia)
			q->next = ib;
		if (q->first == ia)
			q->first = ib;
		if (q->last == ia)
			q->last = ib;
	}
	*b = *a;
	*a = empty;
}

/*
 * Both ways along the siblings at once: new children go first, so a young capability
 * meets its parent soon walking back, an old one walking forward, and a long sibling
 * list (a server's badged originals of every record, kept for reuse) costs the
 * shorter way, not the whole list. An end at 0 is a parentless list.
 */
struct cte *
cdt_parent(const struct cspace *cs, const struct cte *slot)
{
	uint32_t f = cte_index(cs, slot), b = f;

	for (;;) {
		uint32_t nx = cte_at(cs, f)->next, pv = cte_at(cs, b)->prev;

		if (nx == 0 || pv == 0)
			return NULL;
		if (cte_at(cs, nx)->last == f)
			return cte_at(cs, nx);
		if (cte_at(cs, pv)->first == b)
			return cte_at(cs, pv);
		f = nx;
		b = pv;
	}
}

/* The neighbour at index i, when it names the same object as c. */
static bool
cdt_neighbour_same(const struct cspace *cs, uint32_t i, const struct cap *c)
{
	return i != 0 && cap_same_object(&cte_at(cs, i)->cap, c);
}

/*
 * The capabilities to one object form one run of siblings plus their subtrees (a
 * retype makes one original; copies are its descendants; deletes splice children
 * into place), so if another exists, one is a neighbour. proofs-notes/cspace.md, F1.
 */
bool
cdt_is_final(const struct cspace *cs, const struct cte *slot)
{
	const struct cap *c = &slot->cap;

	return !cdt_neighbour_same(cs, slot->prev, c) &&
	       !cdt_neighbour_same(cs, slot->next, c) &&
	       !cdt_neighbour_same(cs, slot->first, c) &&
	       !cdt_neighbour_same(cs, slot->last, c);
}
