/*
 * cnode.c - CNode addressing and the operations that create or move capabilities.
 *
 * Addressing: a cptr is read from its most significant resolved bit down. At each
 * level the CNode capability's guard must match the next guard_bits bits, then the
 * next radix bits index the CNode. The walk ends when exactly `depth` bits have been
 * used; anything else is a precise error carrying the bits still unresolved.
 *
 * Operations follow one ladder: look at every argument and return the first error,
 * changing nothing; then commit with steps that cannot fail. Rights may only narrow
 * and asking for more is WRIT_E_RIGHTS, never a silent mask. Badges are set once.
 */
#include "internal.h"

static int
cnode_fail(struct cnode_fault *f, int err, unsigned bits_left)
{
	f->err = err;
	f->bits_left = bits_left;
	return err;
}

int
cnode_lookup_slot(const struct cap *root, writ_cptr_t cptr, unsigned depth,
		  struct cte **slot, struct cnode_fault *fault)
{
	const struct cap *c = root;
	unsigned bits = depth;

	*fault = (struct cnode_fault){ WRIT_OK, depth, 0, 0 };
	if (depth < 1 || depth > WRIT_WORD_BITS)
		return cnode_fail(fault, WRIT_E_RANGE, depth);
	if (cap_type(root) != WRIT_OBJ_CNODE)
		return cnode_fail(fault, WRIT_E_LOOKUP_INVALID_ROOT, depth);
	for (;;) {
		unsigned gb = cap_cnode_guard_bits(c), radix = cap_cnode_radix(c);
		struct cte *s;

		/* radix >= 1 for every CNode, so each level consumes bits: no endless walk. */
		if (gb + radix > bits)
			return cnode_fail(fault, WRIT_E_LOOKUP_DEPTH_MISMATCH, bits);
		if (gb != 0) {
			uint64_t found = (cptr >> (bits - gb)) & mask_bits(gb);

			if (found != cap_cnode_guard(c)) {
				fault->guard_bits = gb;
				fault->guard_found = found;
				return cnode_fail(fault, WRIT_E_LOOKUP_GUARD_MISMATCH, bits);
			}
			bits -= gb;
		}
		bits -= radix;
		s = cnode_slots(c) + ((cptr >> bits) & mask_bits(radix));
		if (bits == 0) {
			*slot = s;
			return WRIT_OK;
		}
		if (cte_is_empty(s))
			return cnode_fail(fault, WRIT_E_LOOKUP_MISSING_CAP, bits);
		if (cap_type(&s->cap) != WRIT_OBJ_CNODE)
			return cnode_fail(fault, WRIT_E_LOOKUP_WRONG_TYPE, bits);
		c = &s->cap;
	}
}

int
cnode_lookup_cap_walk(const struct cap *root, writ_cptr_t cptr, unsigned depth,
		      struct cte **slot, struct cnode_fault *fault)
{
	int err = cnode_lookup_slot(root, cptr, depth, slot, fault);

	if (err != WRIT_OK)
		return err;
	if (cte_is_empty(*slot))
		return cnode_fail(fault, WRIT_E_LOOKUP_MISSING_CAP, 0);
	return WRIT_OK;
}

/* Validates a guard word for a CNode of the given radix. */
static int
cnode_guard_check(writ_word_t word, unsigned radix)
{
	unsigned gb = (unsigned)(word & WRIT_GUARD_BITS_MASK);
	uint64_t value = word >> WRIT_GUARD_VALUE_SHIFT;

	if (gb + radix > WRIT_WORD_BITS)
		return WRIT_E_RANGE;
	if ((value & ~mask_bits(gb)) != 0)
		return WRIT_E_RANGE;
	return WRIT_OK;
}

/*
 * Applies a badge word to a capability as Mint, Mutate and Rotate define it; `kids`
 * says whether the capability keeps children, which may not end up with a badge
 * their parent lacks.
 */
static int
cap_apply_word(struct cap *c, writ_word_t word, bool kids)
{
	unsigned t = cap_type(c);
	int err;

	if (t == WRIT_OBJ_CNODE) {
		if ((err = cnode_guard_check(word, cap_cnode_radix(c))) != WRIT_OK)
			return err;
		c->w1 = word;
		return WRIT_OK;
	}
	if (word == 0)
		return WRIT_OK;
	if (!cap_type_is_badged(t) || cap_badge(c) != 0)
		return WRIT_E_BADGE;
	if (kids)
		return WRIT_E_REVOKE_FIRST;
	c->w1 = word;
	return WRIT_OK;
}

static void
cap_set_rights(struct cap *c, unsigned rights)
{
	c->w0 = (c->w0 & ~((uint64_t)WRIT_RIGHTS_ALL << CAP_RIGHTS_SHIFT)) |
		(uint64_t)rights << CAP_RIGHTS_SHIFT;
}

/* Types whose capabilities can be neither copied nor moved by user request. */
static bool
cap_type_is_pinned(unsigned t)
{
	return t == CAP_ZOMBIE;
}

static bool
cap_type_is_control(unsigned t)
{
	return t == WRIT_OBJ_IRQ_CONTROL || t == WRIT_OBJ_IOPORT_CONTROL;
}

/* The validation ladder shared by Copy and Mint; *out is the capability to insert. */
static int
cte_derive_check(struct cte *dest, struct cte *src, unsigned rights, bool mint,
		 writ_word_t word, struct cap *out)
{
	unsigned t;
	int err;

	if (cte_is_empty(src))
		return WRIT_E_INVALID_CAP;
	if (!cte_is_empty(dest))
		return WRIT_E_DELETE_FIRST;
	t = cap_type(&src->cap);
	if (cap_type_is_pinned(t) || cap_type_is_control(t))
		return WRIT_E_ILLEGAL_OPERATION;
	if (rights & ~WRIT_RIGHTS_ALL)
		return WRIT_E_INVALID_ARGUMENT;
	if (!rights_subset(rights, cap_rights(&src->cap)))
		return WRIT_E_RIGHTS;
	/* One view of untyped memory at a time: see the watermark note in untyped.c. */
	if (t == WRIT_OBJ_UNTYPED && src->first != 0)
		return WRIT_E_REVOKE_FIRST;
	*out = src->cap;
	cap_set_rights(out, rights);
	/*
	 * Untyped: a fresh watermark. A frame's mapping belongs to one capability, so a
	 * copied frame starts unmapped. A table's mapping is the table's: the copy keeps
	 * the word (and Map and Unmap of a table need its only capability, kern/). The
	 * hint keeps the frame path of an IPC transfer as short as before tables were
	 * excepted (bench kern/cap-transfer-one-way).
	 */
	if (__builtin_expect(t == WRIT_OBJ_UNTYPED || t == WRIT_OBJ_PML4 || cap_type_is_frame(t),
			     1))
		out->w1 = 0;
	if (mint && (err = cap_apply_word(out, word, false)) != WRIT_OK)
		return err;
	return WRIT_OK;
}

static int
cte_derive(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	   bool mint, writ_word_t word)
{
	struct cap c;
	int err;

	CS_ASSERT_SLOT(cs, dest);
	CS_ASSERT_SLOT(cs, src);
	err = cte_derive_check(dest, src, rights, mint, word, &c);
	if (err != WRIT_OK)
		return err;
	if (cap_type(&c) == WRIT_OBJ_UNTYPED)
		src->cap.w1 = 1ull << cap_ut_size_bits(&src->cap); /* lent to the copy */
	dest->cap = c;
	cdt_insert_child(cs, src, dest);
	return WRIT_OK;
}

int
cte_copy(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights)
{
	return cte_derive(cs, dest, src, rights, false, 0);
}

int
cte_mint(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	 writ_word_t badge)
{
	return cte_derive(cs, dest, src, rights, true, badge);
}

/*
 * Remint: Delete of dest and Mint of src into it, at once, when that deletes nothing
 * but dest itself: dest is a capability of a type that takes a badge, to src's object,
 * with no children. Its
 * holder could delete it anyway, and the new capability is what Mint of src makes, so
 * no authority is gained; the object keeps src, so dest is never final.
 */
int
cte_remint(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	   writ_word_t badge)
{
	struct cte empty = { 0 };
	struct cap c;
	int err;

	CS_ASSERT_SLOT(cs, dest);
	CS_ASSERT_SLOT(cs, src);
	if (cte_is_empty(src) || cte_is_empty(dest))
		return WRIT_E_INVALID_CAP;
	if (dest == src)
		return WRIT_E_INVALID_ARGUMENT;
	if (!cap_type_is_badged(cap_type(&dest->cap)) || cap_type(&dest->cap) != cap_type(&src->cap) ||
	    !cap_same_object(&dest->cap, &src->cap))
		return WRIT_E_INVALID_CAP;
	if (dest->first != 0)
		return WRIT_E_REVOKE_FIRST;
	if (badge == 0)
		return WRIT_E_BADGE;
	if ((err = cte_derive_check(&empty, src, rights, true, badge, &c)) != WRIT_OK)
		return err;
	cte_empty(cs, dest, false);
	dest->cap = c;
	cdt_insert_child(cs, src, dest);
	return WRIT_OK;
}

/* What Move and Mutate both require: a capability to move, somewhere empty to put it. */
static int
cte_move_check(struct cspace *cs, const struct cte *dest, const struct cte *src)
{
	CS_ASSERT_SLOT(cs, dest);
	CS_ASSERT_SLOT(cs, src);
	if (cte_is_empty(src))
		return WRIT_E_INVALID_CAP;
	if (!cte_is_empty(dest))
		return WRIT_E_DELETE_FIRST;
	if (cap_type_is_pinned(cap_type(&src->cap)))
		return WRIT_E_ILLEGAL_OPERATION;
	return WRIT_OK;
}

int
cte_move(struct cspace *cs, struct cte *dest, struct cte *src)
{
	int err = cte_move_check(cs, dest, src);

	if (err != WRIT_OK)
		return err;
	cdt_move(cs, src, dest);
	return WRIT_OK;
}

/* Mutate's new capability for src: narrower rights and/or a new badge word. */
static int
cte_mutated(const struct cte *src, unsigned rights, writ_word_t word, struct cap *out)
{
	bool kids = src->first != 0;
	int err;

	if (rights & ~WRIT_RIGHTS_ALL)
		return WRIT_E_INVALID_ARGUMENT;
	if (!rights_subset(rights, cap_rights(&src->cap)))
		return WRIT_E_RIGHTS;
	if (kids && rights != cap_rights(&src->cap))
		return WRIT_E_REVOKE_FIRST;
	*out = src->cap;
	cap_set_rights(out, rights);
	if ((err = cap_apply_word(out, word, kids)) != WRIT_OK)
		return err;
	return WRIT_OK;
}

int
cte_mutate(struct cspace *cs, struct cte *dest, struct cte *src, unsigned rights,
	   writ_word_t badge)
{
	struct cap c;
	int err;

	if ((err = cte_move_check(cs, dest, src)) != WRIT_OK ||
	    (err = cte_mutated(src, rights, badge, &c)) != WRIT_OK)
		return err;
	cdt_move(cs, src, dest);
	dest->cap = c;
	return WRIT_OK;
}

int
cte_rotate(struct cspace *cs, struct cte *dest, struct cte *pivot, struct cte *src,
	   writ_word_t dest_badge, writ_word_t pivot_badge)
{
	struct cap pc, sc;
	int err;

	CS_ASSERT_SLOT(cs, dest);
	CS_ASSERT_SLOT(cs, pivot);
	CS_ASSERT_SLOT(cs, src);
	if (cte_is_empty(pivot) || cte_is_empty(src))
		return WRIT_E_INVALID_CAP;
	if (pivot == src || pivot == dest)
		return WRIT_E_INVALID_ARGUMENT;
	if (dest != src && !cte_is_empty(dest))
		return WRIT_E_DELETE_FIRST;
	if (cap_type_is_pinned(cap_type(&pivot->cap)) ||
	    cap_type_is_pinned(cap_type(&src->cap)))
		return WRIT_E_ILLEGAL_OPERATION;
	if ((err = cte_mutated(pivot, cap_rights(&pivot->cap), dest_badge, &pc)) != WRIT_OK)
		return err;
	if ((err = cte_mutated(src, cap_rights(&src->cap), pivot_badge, &sc)) != WRIT_OK)
		return err;
	if (dest == src) {
		cdt_swap(cs, pivot, src);
	} else {
		cdt_swap(cs, pivot, dest);
		cdt_swap(cs, src, pivot);
	}
	dest->cap = pc;
	pivot->cap = sc;
	return WRIT_OK;
}

/* Field-domain checks for capabilities the kernel hands in at boot or issues. */
static int
cap_fields_check(const struct cap *c)
{
	uintptr_t a = cap_addr(c);

	switch (cap_type(c)) {
	case WRIT_OBJ_UNTYPED:
		if (cap_ut_size_bits(c) < WRIT_UNTYPED_MIN_BITS ||
		    cap_ut_size_bits(c) > WRIT_UNTYPED_MAX_BITS)
			return WRIT_E_RANGE;
		if ((a & mask_bits(cap_ut_size_bits(c))) != 0)
			return WRIT_E_ALIGNMENT;
		return c->w1 <= 1ull << cap_ut_size_bits(c) ? WRIT_OK : WRIT_E_RANGE;
	case WRIT_OBJ_IRQ_CONTROL:
	case WRIT_OBJ_IOPORT_CONTROL:
		return a == 0 && c->w1 == 0 ? WRIT_OK : WRIT_E_INVALID_ARGUMENT;
	case WRIT_OBJ_IRQ_HANDLER:
		return a == 0 && c->w1 < CAP_IRQ_LINES ? WRIT_OK : WRIT_E_RANGE;
	case WRIT_OBJ_IOPORT:
		if (a != 0 || c->w1 >> 32 != 0)
			return WRIT_E_INVALID_ARGUMENT;
		return (c->w1 & 0xffff) <= (c->w1 >> 16) ? WRIT_OK : WRIT_E_RANGE;
	default:
		return WRIT_E_INVALID_ARGUMENT;
	}
}

int
cte_insert_root(struct cspace *cs, struct cte *dest, const struct cap *cap)
{
	int err;

	CS_ASSERT_SLOT(cs, dest);
	if (!cte_is_empty(dest))
		return WRIT_E_DELETE_FIRST;
	if ((err = cap_fields_check(cap)) != WRIT_OK)
		return err;
	if (cap_type(cap) == WRIT_OBJ_IRQ_HANDLER || cap_type(cap) == WRIT_OBJ_IOPORT)
		return WRIT_E_INVALID_ARGUMENT;         /* these come from a control cap */
	CS_ASSERT(cs, dest->prev == 0 && dest->next == 0 && dest->first == 0);
	dest->cap = *cap;
	return WRIT_OK;
}

int
cte_insert_issued(struct cspace *cs, struct cte *dest, struct cte *control,
		  const struct cap *cap)
{
	unsigned want;
	int err;

	CS_ASSERT_SLOT(cs, dest);
	CS_ASSERT_SLOT(cs, control);
	if (cte_is_empty(control))
		return WRIT_E_INVALID_CAP;
	switch (cap_type(&control->cap)) {
	case WRIT_OBJ_IRQ_CONTROL:
		want = WRIT_OBJ_IRQ_HANDLER;
		break;
	case WRIT_OBJ_IOPORT_CONTROL:
		want = WRIT_OBJ_IOPORT;
		break;
	default:
		return WRIT_E_INVALID_CAP;
	}
	if (!cte_is_empty(dest))
		return WRIT_E_DELETE_FIRST;
	if (cap_type(cap) != want)
		return WRIT_E_INVALID_ARGUMENT;
	if ((err = cap_fields_check(cap)) != WRIT_OK)
		return err;
	if (!rights_subset(cap_rights(cap), cap_rights(&control->cap)))
		return WRIT_E_RIGHTS;
	dest->cap = *cap;
	cdt_insert_child(cs, control, dest);
	return WRIT_OK;
}

unsigned
cnode_find_same(const struct cap *cnode, const struct cap *ref, uint64_t first,
		uint64_t count, struct cnode_match *out, unsigned max, uint64_t *next)
{
	struct cte *slots = cnode_slots(cnode);
	uint64_t size = 1ull << cap_cnode_radix(cnode), i;
	uint64_t end = first < size && count < size - first ? first + count : size;
	unsigned n = 0;

	for (i = first; i < end; i++) {
		const struct cap *c = &slots[i].cap;

		if (!cap_same_object(c, ref))
			continue;
		if (n == max)
			break;	/* the caller goes on from here */
		out[n].slot = i;
		out[n].rights = cap_rights(c);
		out[n].badge = cap_type_is_badged(cap_type(c)) ? cap_badge(c) : 0;
		n++;
	}
	*next = i;
	return n;
}
