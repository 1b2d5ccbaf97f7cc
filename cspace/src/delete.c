/*
 * delete.c - Delete, Revoke and the teardown of CNodes.
 *
 * Delete takes a capability out of the tree (its children move up into its place) and,
 * when it was the last capability to its object, calls cspace_env_finalise(); a frame
 * capability that was not the last goes to cspace_env_released() instead, so the kernel
 * can remove the mapping that capability owned. (A page table's mapping is the table's,
 * shared by all its capabilities: it goes with the last one.)
 *
 * An object with capability slots (a CNode, or a TCB's first 2^CSPACE_TCB_SLOT_RADIX
 * slots) cannot simply vanish: its slots hold capabilities linked into the tree, and
 * its memory will be retyped again. So deleting the last capability to one finalises
 * the object (the kernel stops a thread there) and turns that capability, in place,
 * into a zombie: a capability that still names the object (so it is not final twice,
 * and its memory stays reserved under its untyped), has no children, cannot be
 * copied or moved, and records a cursor, the next slot to empty. Emptying a slot may
 * meet the last capability to another such object, which becomes a zombie in turn: a
 * chain of nested teardowns. Each zombie below the top records its parent zombie (the one whose CNode
 * holds it); the top zombie records the deepest one, so every step starts where the
 * work is, in O(1), with no stack:
 *
 *      top X (link = Z2) --cursor--> Z1 (link = X) --cursor--> Z2 (link = Z1)
 *
 * One step empties one slot or finishes one zombie; after each step the caller's
 * preemption hook may stop the work (WRIT_E_PREEMPTED), and the next Delete or Revoke
 * reaching the top zombie continues. A zombie found inside a CNode being emptied is
 * either the top one itself (skipped: its object holds its last capability, directly
 * or around a cycle of CNodes) or an abandoned top from an earlier, unfinished call,
 * adopted into the chain: its own chain is found again through the cursors.
 *
 * No capability outlives the memory it lives in: a zombie is removed only once its
 * slots are empty, and when the top zombie lives in a nested zombie's slots it moves
 * out, one level up, before that zombie goes (zombie_finish). The top zombie may so
 * change slots; it keeps its place in the tree, so a Revoke of its untyped finds it,
 * while a Delete restarted on its first slot finds that slot empty and returns: the
 * rest waits as an abandoned top, adopted or revoked later like any other.
 *
 * Revoke deletes first children until none is left, one per step; deleting a child
 * puts its children first, so the whole subtree goes in linear time.
 */
#include "internal.h"

/*
 * True when slot holds the last capability carrying its (non-zero) badge: copies of a
 * badged capability are its children and keep the badge, so it is the last one when it
 * has no children and its parent (the unbadged capability it was minted from) does not
 * carry that badge. O(siblings), for cdt_parent.
 */
static bool
cap_is_last_of_badge(const struct cspace *cs, const struct cte *slot)
{
	const struct cte *parent;

	if (!cap_type_is_badged(cap_type(&slot->cap)) || cap_badge(&slot->cap) == 0 ||
	    slot->first != 0)
		return false;
	parent = cdt_parent(cs, slot);
	return !parent || cap_type(&parent->cap) != cap_type(&slot->cap) ||
	       cap_badge(&parent->cap) != cap_badge(&slot->cap);
}

void
cte_empty(struct cspace *cs, struct cte *slot, bool final)
{
	struct cap c = slot->cap;
	bool badge_gone = !final && cap_is_last_of_badge(cs, slot);

	CS_ASSERT(cs, !final || !cap_type_has_slots(cap_type(&c)));
	cdt_unlink(cs, slot);
	slot->cap = (struct cap){ 0, 0 };
	if (!final && cap_type_is_frame(cap_type(&c)))
		cspace_env_released(cs->env, &c);
	if (badge_gone)
		cspace_env_badge_gone(cs->env, &c);
	if (final && cap_type(&c) != WRIT_OBJ_UNTYPED && cap_type(&c) != CAP_ZOMBIE)
		cspace_env_finalise(cs->env, &c);
}

/*
 * Finalises the object of the last capability in slot, which holds slots of its own,
 * and turns the capability into a zombie; link = parent zombie, or 0 for a top.
 */
static void
zombie_make(struct cspace *cs, struct cte *slot, bool top, uint32_t link)
{
	struct cap c = slot->cap;
	unsigned kind = cap_type(&c);
	unsigned radix = kind == WRIT_OBJ_CNODE ? cap_cnode_radix(&c) : CSPACE_TCB_SLOT_RADIX;

	CS_ASSERT(cs, slot->first == 0);
	slot->cap = cap_make(CAP_ZOMBIE, cap_addr(&c), cap_rights(&c),
			     radix | (top ? CAP_ZOMBIE_TOP : 0),
			     (uint64_t)kind << ZOMBIE_KIND_SHIFT);
	zombie_set(&slot->cap, 0, link);
	cspace_env_finalise(cs->env, &c);
}

/* Empty slots a teardown step may pass over at once (its bounded work). */
#define ZOMBIE_EMPTY_RUN 256u

/* Does the slot array zombie z is emptying contain slot s? */
static bool
zombie_holds(const struct cte *z, const struct cte *s)
{
	const struct cte *slots = cnode_slots(&z->cap);

	return s >= slots && s < slots + (1u << cap_cnode_radix(&z->cap));
}

/*
 * Zombie z has emptied its CNode: remove it and resume its parent p (or finish).
 *
 * The top zombie x may live inside z's CNode (x's object held the last capability to
 * z's, and z's the last to x's): the emptying skipped it, and removing z would free
 * memory that x still lives in, linked into the tree. So x first trades places with z:
 * x moves into z's slot, inside p's CNode, whose memory stays reserved until p is
 * done; z lands inside its own, now otherwise empty, CNode and goes. The one zombie
 * whose link names x (x's child in the chain, in the slot x's cursor is at) is told
 * where x went.
 */
static bool
zombie_finish(struct cspace *cs, struct cte **xp, struct cte *z)
{
	struct cte *x = *xp, *p, *child, *t;
	bool parent_is_top;

	if (z == x) {
		cte_empty(cs, x, false);
		return true;
	}
	p = cte_at(cs, zombie_link(&z->cap));
	parent_is_top = p == x;
	if (zombie_holds(z, x)) {
		child = parent_is_top ? NULL : cnode_slots(&x->cap) + zombie_cursor(&x->cap);
		cdt_swap(cs, x, z);
		t = x;
		x = z;
		z = t;
		if (parent_is_top)
			p = x;
		else
			zombie_set(&child->cap, zombie_cursor(&child->cap), cte_index(cs, x));
		*xp = x;
	}
	cte_empty(cs, z, false);
	zombie_set(&p->cap, zombie_cursor(&p->cap) + 1, zombie_link(&p->cap));
	zombie_set(&x->cap, zombie_cursor(&x->cap), parent_is_top ? 0 : cte_index(cs, p));
	return false;
}

/*
 * One bounded step of the teardown whose top zombie is *xp; true when it is gone.
 * The top zombie may move (zombie_finish): *xp follows it.
 */
static bool
zombie_step(struct cspace *cs, struct cte **xp)
{
	struct cte *x = *xp;
	uint32_t deepest = zombie_link(&x->cap);
	struct cte *z = deepest != 0 ? cte_at(cs, deepest) : x;
	uint32_t cursor = zombie_cursor(&z->cap);
	struct cte *s;

	if (cursor == 1u << cap_cnode_radix(&z->cap))
		return zombie_finish(cs, xp, z);
	s = cnode_slots(&z->cap) + cursor;
	if (cte_is_empty(s) || s == x) {
		/* A run of empty slots, up to a bound, is one step: most of a process's
		 * CNode is empty, and one step a slot made a 1,024-slot CNode's teardown
		 * cost 54,000 instructions. */
		uint32_t end = 1u << cap_cnode_radix(&z->cap), stop = cursor + ZOMBIE_EMPTY_RUN;

		do {
			cursor++;
			s++;
		} while (cursor < end && cursor < stop && (cte_is_empty(s) || s == x));
		zombie_set(&z->cap, cursor, zombie_link(&z->cap));
	} else if (cap_type(&s->cap) == CAP_ZOMBIE) {
		s->cap.w0 &= ~((uint64_t)CAP_ZOMBIE_TOP << CAP_SMALL_SHIFT);
		zombie_set(&s->cap, zombie_cursor(&s->cap), cte_index(cs, z));
		zombie_set(&x->cap, zombie_cursor(&x->cap), cte_index(cs, s));
	} else if (cap_type_has_slots(cap_type(&s->cap)) && cdt_is_final(cs, s)) {
		zombie_make(cs, s, false, cte_index(cs, z));
		zombie_set(&x->cap, zombie_cursor(&x->cap), cte_index(cs, s));
	} else {
		cte_empty(cs, s, cdt_is_final(cs, s));
		zombie_set(&z->cap, cursor + 1, zombie_link(&z->cap));
	}
	return false;
}

static int
zombie_run(struct cspace *cs, struct cte *x)
{
	for (;;) {
		if (zombie_step(cs, &x))
			return WRIT_OK;
		if (cspace_env_preempt(cs->env))
			return WRIT_E_PREEMPTED;
	}
}

int
cte_delete(struct cspace *cs, struct cte *slot)
{
	bool final;

	CS_ASSERT_SLOT(cs, slot);
	if (cte_is_empty(slot))
		return WRIT_OK;
	if (cap_type(&slot->cap) == CAP_ZOMBIE) {
		/*
		 * Only the top of a chain may drive it (its link names the deepest
		 * zombie); a nested one is reached through its parents' links.
		 */
		while (!zombie_is_top(&slot->cap))
			slot = cte_at(cs, zombie_link(&slot->cap));
		return zombie_run(cs, slot);
	}
	final = cdt_is_final(cs, slot);
	if (final && cap_type_has_slots(cap_type(&slot->cap))) {
		zombie_make(cs, slot, true, 0);
		return zombie_run(cs, slot);
	}
	cte_empty(cs, slot, final);
	return WRIT_OK;
}

int
cte_revoke(struct cspace *cs, struct cte *slot)
{
	CS_ASSERT_SLOT(cs, slot);
	if (cte_is_empty(slot))
		return WRIT_OK;
	while (slot->first != 0) {
		int err = cte_delete(cs, cte_at(cs, slot->first));

		if (err != WRIT_OK)
			return err;
		/* Tearing a CNode down may have deleted this very slot. */
		if (cte_is_empty(slot))
			return WRIT_OK;
		if (slot->first != 0 && cspace_env_preempt(cs->env))
			return WRIT_E_PREEMPTED;
	}
	if (cap_type(&slot->cap) == WRIT_OBJ_UNTYPED)
		slot->cap.w1 = 0;
	return WRIT_OK;
}
