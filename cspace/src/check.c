/*
 * check.c - cspace_check(): the invariants of cspace.h, tested on a whole state.
 *
 * Walks every slot once for local facts (fields in their domain, links answered from
 * the other side), every parent's child list once for parent/child rules, and the
 * forest once to prove it has no cycle and reaches every capability. Cost is linear
 * except the overlap test among an untyped's children, which is linear when they lie
 * in address order (as Retype leaves them) and quadratic otherwise. Tests call it
 * after every operation; a debug kernel may call it on demand.
 */
#include "internal.h"

#define FAIL(s, msg) do { rep->slot = (s); rep->why = (msg); \
			  return WRIT_E_INVALID_ARGUMENT; } while (0)

static bool
check_link(const struct cspace *cs, uint32_t i)
{
	return i == 0 || (i <= cs->nslots && !cte_is_empty(cte_at(cs, i)));
}

/* Bytes of memory the object occupies, 0 for objects without memory. */
static uint64_t
check_obj_size(const struct cap *c)
{
	unsigned k = cap_object_kind(c);
	int bits;

	if (k == WRIT_OBJ_UNTYPED)
		bits = (int)cap_ut_size_bits(c);
	else if (k == WRIT_OBJ_CNODE)
		bits = (int)cap_cnode_radix(c) + WRIT_SLOT_BITS;
	else
		bits = ut_object_bits(k, 0);
	return bits < 0 ? 0 : 1ull << bits;
}

static const char *
check_fields(const struct cap *c)
{
	unsigned t = cap_type(c);

	if (t >= WRIT_OBJ_COUNT && t != CAP_ZOMBIE)
		return "I5: unknown capability type";
	if (t == WRIT_OBJ_CNODE || t == CAP_ZOMBIE) {
		if (cap_cnode_radix(c) < 1 || cap_cnode_radix(c) > WRIT_CNODE_MAX_RADIX)
			return "I5: CNode radix out of range";
		if (t == CAP_ZOMBIE && !cap_type_has_slots(cap_object_kind(c)))
			return "I6: zombie of an object without slots";
		if (t == CAP_ZOMBIE)
			return zombie_cursor(c) <= 1u << cap_cnode_radix(c) ? NULL :
			       "I6: zombie cursor past its slots";
		if (cap_cnode_guard_bits(c) + cap_cnode_radix(c) > 64)
			return "I5: CNode guard and radix exceed 64 bits";
		if ((cap_cnode_guard(c) & ~mask_bits(cap_cnode_guard_bits(c))) != 0)
			return "I5: CNode guard wider than its width";
	}
	if (t == WRIT_OBJ_UNTYPED) {
		if (cap_ut_size_bits(c) < WRIT_UNTYPED_MIN_BITS ||
		    cap_ut_size_bits(c) > WRIT_UNTYPED_MAX_BITS)
			return "I5: untyped size out of range";
		if (c->w1 > 1ull << cap_ut_size_bits(c))
			return "I5: watermark past the end of the untyped";
	}
	if (check_obj_size(c) != 0 && (cap_addr(c) & (check_obj_size(c) - 1)) != 0)
		return "I5: object not aligned to its size";
	return NULL;
}

/* Local facts of one slot: I5, I6 and I1's both-ways links. */
static int
check_slot(const struct cspace *cs, const struct cte *s, struct cspace_report *rep)
{
	uint32_t n = cte_index(cs, s);
	const char *why;

	if (cte_is_empty(s)) {
		if (s->prev || s->next || s->first || s->last || s->cap.w0 || s->cap.w1)
			FAIL(s, "I5: empty slot with links or fields");
		return WRIT_OK;
	}
	if ((why = check_fields(&s->cap)) != NULL)
		FAIL(s, why);
	if (!check_link(cs, s->prev) || !check_link(cs, s->next) ||
	    !check_link(cs, s->first) || !check_link(cs, s->last))
		FAIL(s, "I1: link to an empty slot or outside the window");
	if ((s->first == 0) != (s->last == 0))
		FAIL(s, "I1: first and last child disagree");
	if (s->prev && (cte_at(cs, s->prev)->first == n) == (cte_at(cs, s->prev)->next == n))
		FAIL(s, "I1: prev neighbour does not point back");
	if (s->next && (cte_at(cs, s->next)->last == n) == (cte_at(cs, s->next)->prev == n))
		FAIL(s, "I1: next neighbour does not point back");
	if (s->first && cte_at(cs, s->first)->prev != n)
		FAIL(s, "I1: first child does not point back");
	if (s->last && cte_at(cs, s->last)->next != n)
		FAIL(s, "I1: last child does not point back");
	if (cap_type(&s->cap) == CAP_ZOMBIE && s->first != 0)
		FAIL(s, "I6: zombie with children");
	return WRIT_OK;
}

/* I2, I3 (containment), I4 for one parent/child pair. */
static const char *
check_pair(const struct cap *p, const struct cap *c)
{
	unsigned pk = cap_object_kind(p), ck = cap_object_kind(c);

	if (pk == WRIT_OBJ_UNTYPED) {
		uint64_t off, size = check_obj_size(c);

		if (size == 0)
			return "I4: child of untyped is not a memory object";
		if (cap_ut_is_device(p) && ck != WRIT_OBJ_UNTYPED && !cap_type_is_frame(ck))
			return "I3: device untyped holds a kernel object";
		if (cap_ut_is_device(p) && ck == WRIT_OBJ_UNTYPED && !cap_ut_is_device(c))
			return "I3: device memory became RAM untyped";
		if (cap_addr(c) < cap_addr(p))
			return "I3: object below its untyped";
		off = cap_addr(c) - cap_addr(p);
		if (off > p->w1 || size > p->w1 - off)
			return "I3: object past its untyped's watermark";
		return NULL;
	}
	if (pk == WRIT_OBJ_IRQ_CONTROL && ck != WRIT_OBJ_IRQ_HANDLER)
		return "I4: child of IRQ control is not an IRQ handler";
	if (pk == WRIT_OBJ_IOPORT_CONTROL && ck != WRIT_OBJ_IOPORT)
		return "I4: child of IOPort control is not an IOPort";
	if (pk != WRIT_OBJ_IRQ_CONTROL && pk != WRIT_OBJ_IOPORT_CONTROL &&
	    !cap_same_object(p, c))
		return "I4: child names another object than its parent";
	if (!rights_subset(cap_rights(c), cap_rights(p)))
		return "I2: child has rights its parent lacks";
	if (cap_type_is_badged(pk) && cap_badge(p) != 0 && cap_badge(c) != cap_badge(p))
		return "I2: child of a badged capability has another badge";
	return NULL;
}

static bool
check_disjoint(const struct cap *a, const struct cap *b)
{
	uint64_t aa = cap_addr(a), ba = cap_addr(b);

	if (cap_same_object(a, b))
		return true;
	return aa >= ba + check_obj_size(b) || ba >= aa + check_obj_size(a);
}

/* I3: no two distinct objects among an untyped's children overlap. */
static int
check_overlap(const struct cspace *cs, const struct cte *p, struct cspace_report *rep)
{
	bool ordered = true;
	const struct cte *prev = NULL;

	for (uint32_t i = p->first; i != cte_index(cs, p); i = cte_at(cs, i)->next) {
		const struct cte *c = cte_at(cs, i);

		if (prev && !cap_same_object(&prev->cap, &c->cap) &&
		    cap_addr(&c->cap) + check_obj_size(&c->cap) > cap_addr(&prev->cap))
			ordered = false;
		if (!prev || !cap_same_object(&prev->cap, &c->cap))
			prev = c;
	}
	if (ordered)
		return WRIT_OK;
	for (uint32_t i = p->first; i != cte_index(cs, p); i = cte_at(cs, i)->next)
		for (uint32_t j = cte_at(cs, i)->next; j != cte_index(cs, p);
		     j = cte_at(cs, j)->next)
			if (!check_disjoint(&cte_at(cs, i)->cap, &cte_at(cs, j)->cap))
				FAIL(cte_at(cs, j), "I3: two objects from one untyped overlap");
	return WRIT_OK;
}

static int
check_children(const struct cspace *cs, const struct cte *p, size_t total,
	       struct cspace_report *rep)
{
	uint32_t n = cte_index(cs, p), i = p->first;
	size_t steps = 0;
	const char *why;

	if (i == 0)
		return WRIT_OK;
	for (;;) {
		const struct cte *c = cte_at(cs, i);

		if (++steps > total)
			FAIL(p, "I1: child list does not come back to its parent");
		if ((why = check_pair(&p->cap, &c->cap)) != NULL)
			FAIL(c, why);
		if (c->next == n)
			break;
		if (c->next == 0)
			FAIL(c, "I1: child list ends without its parent");
		i = c->next;
	}
	if (i != p->last)
		FAIL(p, "I1: child list does not end at the last child");
	return cap_type(&p->cap) == WRIT_OBJ_UNTYPED ? check_overlap(cs, p, rep) : WRIT_OK;
}

/* I1: following the links from every root reaches each capability exactly once. */
static int
check_forest(const struct cspace *cs, const struct cte *head, size_t total,
	     size_t *seen, struct cspace_report *rep)
{
	const struct cte *cur = head;
	size_t budget = 4 * total + 4;

	for (;;) {
		if (++*seen > total || budget-- == 0)
			FAIL(head, "I1/I7: derivation links form a cycle, or reach a capability "
				   "outside the ranges (in freed memory)");
		if (cur->first) {
			cur = cte_at(cs, cur->first);
			continue;
		}
		for (;;) {
			uint32_t nx = cur->next;

			if (budget-- == 0)
				FAIL(head, "I1: derivation links form a cycle");
			if (nx == 0)
				return WRIT_OK;
			if (cte_at(cs, nx)->last != cte_index(cs, cur)) {
				cur = cte_at(cs, nx);
				break;
			}
			cur = cte_at(cs, nx);
		}
	}
}

/* Does a capability in the ranges name a CNode, TCB or zombie whose slots hold s? */
static bool
check_housed(const struct cspace_range *ranges, size_t n, const struct cte *s)
{
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < ranges[r].count; i++) {
			const struct cap *h = &ranges[r].slots[i].cap;
			const struct cte *slots;
			unsigned radix;

			if (!cap_type_has_slots(cap_object_kind(h)))
				continue;
			slots = cnode_slots(h);
			radix = cap_type(h) == WRIT_OBJ_TCB ? CSPACE_TCB_SLOT_RADIX :
				cap_cnode_radix(h);
			if (s >= slots && s < slots + ((size_t)1 << radix))
				return true;
		}
	return false;
}

/*
 * I7 over the raw ranges. Quadratic (each capability there against every holder of
 * slots), which host worlds of a few thousand slots afford; a kernel passes the slot
 * arrays of live objects, which hold by construction, and needs no raw range.
 */
static int
check_raw_housed(const struct cspace_range *ranges, size_t n, struct cspace_report *rep)
{
	for (size_t r = 0; r < n; r++) {
		if (!ranges[r].raw)
			continue;
		for (size_t i = 0; i < ranges[r].count; i++) {
			const struct cte *s = &ranges[r].slots[i];

			if (!cte_is_empty(s) && !check_housed(ranges, n, s))
				FAIL(s, "I7: a capability lives in memory no object holds");
		}
	}
	return WRIT_OK;
}

int
cspace_check(const struct cspace *cs, const struct cspace_range *ranges, size_t n,
	     struct cspace_report *rep)
{
	size_t total = 0, seen = 0;
	int err;

	rep->slot = NULL;
	rep->why = NULL;
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < ranges[r].count; i++) {
			const struct cte *s = &ranges[r].slots[i];

			if ((err = check_slot(cs, s, rep)) != WRIT_OK)
				return err;
			total += !cte_is_empty(s);
		}
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < ranges[r].count; i++) {
			const struct cte *s = &ranges[r].slots[i];

			if (cte_is_empty(s))
				continue;
			if ((err = check_children(cs, s, total, rep)) != WRIT_OK)
				return err;
			if (s->prev == 0 &&
			    (err = check_forest(cs, s, total, &seen, rep)) != WRIT_OK)
				return err;
		}
	if (seen != total)
		FAIL(NULL, "I1: a capability is unreachable from any root (cycle)");
	return check_raw_housed(ranges, n, rep);
}
