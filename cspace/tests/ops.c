/*
 * ops.c - the reference model and the random-operation engine (see ops.h).
 *
 * Model rules, in plain words:
 *  - a slot holds a capability and the index of its parent slot;
 *  - deleting a capability gives its children its parent; if no other capability
 *    names the same object it is finalised (untyped excepted), and if it was a CNode
 *    or a TCB every slot of that CNode, or the TCB's 8 slots, is deleted the same
 *    way, in slot order;
 *  - revoke deletes the descendants one by one while the revoked capability exists;
 *    the order is the library's child order (first child first), which the model
 *    takes from the library's tree before the call: it matters only when tearing a
 *    CNode down deletes the revoked capability itself midway;
 *  - Copy/Mint/Move/Mutate/Rotate/Retype validate their arguments in the documented
 *    order and change nothing on error.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UT_BITS 16
#define BOOT_RADIX 6

static struct mslot *
M(struct sim *s, int i)
{
	return &s->m[i];
}

static int
gidx(struct sim *s, const void *p)
{
	return (int)((const struct cte *)p - (const struct cte *)s->w.mem);
}

static bool
m_empty(struct sim *s, int i)
{
	return cap_type(&M(s, i)->cap) == WRIT_OBJ_NULL;
}

/* Same object, written independently of cap_same_object(). */
static bool
m_same(const struct cap *a, const struct cap *b)
{
	unsigned t = cap_type(a);

	if (t != cap_type(b) || t == WRIT_OBJ_NULL || cap_addr(a) != cap_addr(b))
		return false;
	if (t == WRIT_OBJ_CNODE)
		return cap_cnode_radix(a) == cap_cnode_radix(b);
	if (t == WRIT_OBJ_UNTYPED)
		return cap_ut_size_bits(a) == cap_ut_size_bits(b);
	if (t == WRIT_OBJ_IRQ_HANDLER || t == WRIT_OBJ_IOPORT)
		return a->w1 == b->w1;
	return true;
}

static bool
m_has_children(struct sim *s, int i)
{
	for (size_t j = 0; j < s->n; j++)
		if (!m_empty(s, (int)j) && M(s, (int)j)->parent == i)
			return true;
	return false;
}

static bool
m_final(struct sim *s, int i)
{
	for (size_t j = 0; j < s->n; j++)
		if ((int)j != i && m_same(&M(s, (int)j)->cap, &M(s, i)->cap))
			return false;
	return true;
}

static void
m_remove(struct sim *s, int i)
{
	for (size_t j = 0; j < s->n; j++)
		if (M(s, (int)j)->parent == i)
			M(s, (int)j)->parent = M(s, i)->parent;
	M(s, i)->cap = (struct cap){ 0, 0 };
	M(s, i)->parent = -1;
}

static void
m_delete(struct sim *s, int i)
{
	struct cap c = M(s, i)->cap;
	bool final;

	if (m_empty(s, i))
		return;
	final = m_final(s, i);
	m_remove(s, i);
	if (!final || cap_type(&c) == WRIT_OBJ_UNTYPED)
		return;
	if (cap_type(&c) == WRIT_OBJ_CNODE || cap_type(&c) == WRIT_OBJ_TCB) {
		int base = gidx(s, (void *)cap_addr(&c));
		int n = 1 << (cap_type(&c) == WRIT_OBJ_TCB ? CSPACE_TCB_SLOT_RADIX :
			       cap_cnode_radix(&c));

		for (int k = 0; k < n; k++)
			m_delete(s, base + k);
	}
	s->m_finalised++;
}

static bool
m_is_descendant(struct sim *s, int j, int i)
{
	for (int p = M(s, j)->parent, steps = 0; p >= 0 && steps < (int)s->n; steps++) {
		if (p == i)
			return true;
		p = M(s, p)->parent;
	}
	return false;
}

/* The library's subtree of slot i in first-child order (what revoke will follow). */
static size_t
lib_preorder(struct sim *s, int i, int *out)
{
	const struct cspace *cs = &s->w.cs;
	const struct cte *root = (const struct cte *)s->w.mem + i, *cur;
	size_t n = 0;

	if (root->first == 0)
		return 0;
	cur = cte_at(cs, root->first);
	for (;;) {
		out[n++] = gidx(s, cur);
		if (cur->first) {
			cur = cte_at(cs, cur->first);
			continue;
		}
		while (cte_at(cs, cur->next)->last == cte_index(cs, cur)) {
			cur = cte_at(cs, cur->next);
			if (cur == root)
				return n;
		}
		cur = cte_at(cs, cur->next);
	}
}

static void
m_revoke(struct sim *s, int i, const int *order, size_t n)
{
	for (size_t k = 0; k < n && !m_empty(s, i); k++)
		if (!m_empty(s, order[k]) && m_is_descendant(s, order[k], i))
			m_delete(s, order[k]);
	if (!m_empty(s, i) && cap_type(&M(s, i)->cap) == WRIT_OBJ_UNTYPED)
		M(s, i)->cap.w1 = 0;
}

static int
m_apply_word(struct cap *c, writ_word_t word, bool kids)
{
	if (cap_type(c) == WRIT_OBJ_CNODE) {
		unsigned gb = word & 63;
		uint64_t v = word >> 6;

		if (gb + cap_cnode_radix(c) > 64 || (gb < 64 && (v >> gb) != 0))
			return WRIT_E_RANGE;
		c->w1 = word;
		return WRIT_OK;
	}
	if (word == 0)
		return WRIT_OK;
	if ((cap_type(c) != WRIT_OBJ_ENDPOINT && cap_type(c) != WRIT_OBJ_NOTIFICATION) ||
	    c->w1 != 0)
		return WRIT_E_BADGE;
	if (kids)
		return WRIT_E_REVOKE_FIRST;
	c->w1 = word;
	return WRIT_OK;
}

static struct cap
m_with_rights(struct cap c, unsigned rights)
{
	return cap_make(cap_type(&c), cap_addr(&c), rights, cap_small(&c), c.w1);
}

static int
m_derive(struct sim *s, int d, int src, unsigned rights, bool mint, writ_word_t word)
{
	struct cap c;
	unsigned t;
	int e;

	if (m_empty(s, src))
		return WRIT_E_INVALID_CAP;
	if (!m_empty(s, d))
		return WRIT_E_DELETE_FIRST;
	t = cap_type(&M(s, src)->cap);
	if (t == WRIT_OBJ_IRQ_CONTROL || t == WRIT_OBJ_IOPORT_CONTROL)
		return WRIT_E_ILLEGAL_OPERATION;
	if (rights > WRIT_RIGHTS_ALL)
		return WRIT_E_INVALID_ARGUMENT;
	if (rights & ~cap_rights(&M(s, src)->cap))
		return WRIT_E_RIGHTS;
	if (t == WRIT_OBJ_UNTYPED && m_has_children(s, src))
		return WRIT_E_REVOKE_FIRST;
	c = m_with_rights(M(s, src)->cap, rights);
	if (t == WRIT_OBJ_UNTYPED || t == WRIT_OBJ_PML4 || t == WRIT_OBJ_FRAME_4K ||
	    t == WRIT_OBJ_FRAME_2M)
		c.w1 = 0;
	if (mint && (e = m_apply_word(&c, word, false)) != WRIT_OK)
		return e;
	if (t == WRIT_OBJ_UNTYPED)
		M(s, src)->cap.w1 = 1ull << cap_ut_size_bits(&M(s, src)->cap);
	M(s, d)->cap = c;
	M(s, d)->parent = src;
	return WRIT_OK;
}

/* Exchanges slots a and b, renaming every parent reference. */
static void
m_swap(struct sim *s, int a, int b)
{
	struct mslot t;

	for (size_t j = 0; j < s->n; j++) {
		if (M(s, (int)j)->parent == a)
			M(s, (int)j)->parent = b;
		else if (M(s, (int)j)->parent == b)
			M(s, (int)j)->parent = a;
	}
	t = *M(s, a);
	*M(s, a) = *M(s, b);
	*M(s, b) = t;
}

static int
m_mutated(struct sim *s, int src, unsigned rights, writ_word_t word, struct cap *out)
{
	bool kids = m_has_children(s, src);

	if (rights > WRIT_RIGHTS_ALL)
		return WRIT_E_INVALID_ARGUMENT;
	if (rights & ~cap_rights(&M(s, src)->cap))
		return WRIT_E_RIGHTS;
	if (kids && rights != cap_rights(&M(s, src)->cap))
		return WRIT_E_REVOKE_FIRST;
	*out = m_with_rights(M(s, src)->cap, rights);
	return m_apply_word(out, word, kids);
}

static int
m_move(struct sim *s, int d, int src, bool mutate, unsigned rights, writ_word_t word)
{
	struct cap c;
	int e;

	if (m_empty(s, src))
		return WRIT_E_INVALID_CAP;
	if (!m_empty(s, d))
		return WRIT_E_DELETE_FIRST;
	if (mutate && (e = m_mutated(s, src, rights, word, &c)) != WRIT_OK)
		return e;
	m_swap(s, src, d);
	if (mutate)
		M(s, d)->cap = c;
	return WRIT_OK;
}

static int
m_rotate(struct sim *s, int d, int p, int src, writ_word_t db, writ_word_t pb)
{
	struct cap pc, sc;
	int e;

	if (m_empty(s, p) || m_empty(s, src))
		return WRIT_E_INVALID_CAP;
	if (p == src || p == d)
		return WRIT_E_INVALID_ARGUMENT;
	if (d != src && !m_empty(s, d))
		return WRIT_E_DELETE_FIRST;
	if ((e = m_mutated(s, p, cap_rights(&M(s, p)->cap), db, &pc)) != WRIT_OK)
		return e;
	if ((e = m_mutated(s, src, cap_rights(&M(s, src)->cap), pb, &sc)) != WRIT_OK)
		return e;
	if (d == src) {
		m_swap(s, p, src);
	} else {
		m_swap(s, p, d);
		m_swap(s, src, p);
	}
	M(s, d)->cap = pc;
	M(s, p)->cap = sc;
	return WRIT_OK;
}

static int
m_obj_bits(unsigned type, unsigned sb)
{
	static const int fixed[WRIT_OBJ_COUNT] = {
		[WRIT_OBJ_ENDPOINT] = 4, [WRIT_OBJ_NOTIFICATION] = 5, [WRIT_OBJ_TCB] = 11,
		[WRIT_OBJ_PML4] = 12, [WRIT_OBJ_PDPT] = 12, [WRIT_OBJ_PD] = 12,
		[WRIT_OBJ_PT] = 12, [WRIT_OBJ_FRAME_4K] = 12, [WRIT_OBJ_FRAME_2M] = 21,
	};

	if (type == WRIT_OBJ_UNTYPED)
		return sb >= 4 && sb <= 47 ? (int)sb : -1;
	if (type == WRIT_OBJ_CNODE)
		return sb >= 1 && sb <= 26 ? (int)sb + 5 : -1;
	return type < WRIT_OBJ_COUNT && fixed[type] ? fixed[type] : -1;
}

static int
m_retype(struct sim *s, int ut, unsigned type, unsigned sb, const struct cap *dest,
	 uint64_t off, uint64_t count)
{
	const struct cap *u = &M(s, ut)->cap;
	uint64_t nslots, size, start, room;
	int ob, base;

	if (cap_type(u) != WRIT_OBJ_UNTYPED)
		return WRIT_E_INVALID_CAP;
	if (cap_type(dest) != WRIT_OBJ_CNODE)
		return WRIT_E_INVALID_CAP;
	if ((ob = m_obj_bits(type, sb)) < 0)
		return type == WRIT_OBJ_UNTYPED || type == WRIT_OBJ_CNODE ?
		       WRIT_E_RANGE : WRIT_E_INVALID_ARGUMENT;
	if (cap_ut_is_device(u) && type != WRIT_OBJ_FRAME_4K &&
	    type != WRIT_OBJ_FRAME_2M && type != WRIT_OBJ_UNTYPED)
		return WRIT_E_ILLEGAL_OPERATION;
	nslots = 1ull << cap_cnode_radix(dest);
	if (off >= nslots || count == 0 || count > nslots - off || count > 256)
		return WRIT_E_RANGE;
	if (ob > (int)cap_ut_size_bits(u))
		return WRIT_E_NOT_ENOUGH_MEMORY;
	size = 1ull << cap_ut_size_bits(u);
	start = m_has_children(s, ut) ? u->w1 : 0;
	start = (start + (1ull << ob) - 1) / (1ull << ob) * (1ull << ob);
	room = start < size ? (size - start) >> ob : 0;
	if (count > room)
		return WRIT_E_NOT_ENOUGH_MEMORY;
	base = gidx(s, (void *)cap_addr(dest)) + (int)off;
	for (uint64_t i = 0; i < count; i++)
		if (!m_empty(s, base + (int)i))
			return WRIT_E_DELETE_FIRST;
	for (uint64_t i = 0; i < count; i++) {
		unsigned small = type == WRIT_OBJ_UNTYPED ?
			sb | (cap_ut_is_device(u) ? CAP_UT_DEVICE : 0) :
			type == WRIT_OBJ_CNODE ? sb : 0;

		M(s, base + (int)i)->cap = cap_make(type, cap_addr(u) + start + (i << ob),
						    WRIT_RIGHTS_ALL, small, 0);
		M(s, base + (int)i)->parent = ut;
	}
	M(s, ut)->cap.w1 = start + (count << ob);
	return WRIT_OK;
}

/* Model lookup, written recursively (the library's is a loop). */
static int
m_lookup(struct sim *s, const struct cap *c, uint64_t cptr, unsigned bits, int *slot,
	 struct cnode_fault *f)
{
	unsigned gb = cap_cnode_guard_bits(c), r = cap_cnode_radix(c);
	int k;

	f->bits_left = bits;
	if (gb + r > bits)
		return WRIT_E_LOOKUP_DEPTH_MISMATCH;
	if (gb && ((cptr >> (bits - gb)) & ((1ull << gb) - 1)) != cap_cnode_guard(c)) {
		f->guard_found = (cptr >> (bits - gb)) & ((1ull << gb) - 1);
		return WRIT_E_LOOKUP_GUARD_MISMATCH;
	}
	bits -= gb + r;
	k = gidx(s, (void *)cap_addr(c)) + (int)((cptr >> bits) & ((1ull << r) - 1));
	f->bits_left = bits;
	if (bits == 0) {
		*slot = k;
		return WRIT_OK;
	}
	if (m_empty(s, k))
		return WRIT_E_LOOKUP_MISSING_CAP;
	if (cap_type(&M(s, k)->cap) != WRIT_OBJ_CNODE)
		return WRIT_E_LOOKUP_WRONG_TYPE;
	return m_lookup(s, &M(s, k)->cap, cptr, bits, slot, f);
}

void
sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	world_init(&s->w, UT_BITS, BOOT_RADIX);
	s->n = s->w.bytes >> WRIT_SLOT_BITS;
	s->m = calloc(s->n, sizeof(*s->m));
	for (size_t i = 0; i < s->n; i++)
		s->m[i].parent = -1;
	s->m[0].cap = s->w.ut->cap;
	/* IRQ control in boot slot 1, so issued handlers join the mix. */
	s->w.slots[1].cap = cap_make(WRIT_OBJ_IRQ_CONTROL, 0, WRIT_RIGHTS_ALL, 0, 0);
	s->m[1].cap = s->w.slots[1].cap;
}

void
sim_free(struct sim *s)
{
	world_free(&s->w);
	free(s->m);
}

static bool
sim_fail(struct sim *s, const char *fmt, int a, long b, long c)
{
	printf("# op %lu: %s\n# mismatch: ", s->op, s->last);
	printf(fmt, a, b, c);
	printf("\n");
	if (s->verbose)
		for (size_t i = 0; i < s->n; i++) {
			const struct cte *l = (const struct cte *)s->w.mem + i;
			const struct cte *p;

			if (cte_is_empty(l) && m_empty(s, (int)i))
				continue;
			p = cte_is_empty(l) ? NULL : cdt_parent(&s->w.cs, l);
			printf("#  slot %zu: lib type %u addr %#lx w1 %#llx parent %d | "
			       "model type %u addr %#lx parent %d\n", i, cap_type(&l->cap),
			       (unsigned long)cap_addr(&l->cap),
			       (unsigned long long)l->cap.w1, p ? gidx(s, p) : -1,
			       cap_type(&M(s, (int)i)->cap),
			       (unsigned long)cap_addr(&M(s, (int)i)->cap),
			       M(s, (int)i)->parent);
		}
	return false;
}

/* Whole-state comparison: every slot's capability and parent, and finalisations. */
static bool
sim_compare(struct sim *s)
{
	const struct cte *slots = s->w.mem;

	for (size_t i = 0; i < s->n; i++) {
		const struct cte *l = &slots[i];
		const struct cte *p;

		if (l->cap.w0 != M(s, (int)i)->cap.w0 || l->cap.w1 != M(s, (int)i)->cap.w1)
			return sim_fail(s, "slot %d: capability differs (%lx vs %lx)", (int)i,
					(long)l->cap.w0, (long)M(s, (int)i)->cap.w0);
		if (cte_is_empty(l))
			continue;
		p = cdt_parent(&s->w.cs, l);
		if ((p ? gidx(s, p) : -1) != M(s, (int)i)->parent)
			return sim_fail(s, "slot %d: parent %ld, model %ld", (int)i,
					p ? gidx(s, p) : -1, M(s, (int)i)->parent);
	}
	if (s->w.env.finalised != s->m_finalised)
		return sim_fail(s, "finalised %d vs model %ld", (int)s->w.env.finalised,
				(long)s->m_finalised, 0);
	return true;
}

/* A random slot through a random cptr, resolved on both sides. */
/* An index below 2^bits into the CNode at `base`, preferring full or empty slots. */
static uint64_t
sim_index(struct sim *s, struct gen *g, int base, unsigned bits, int want)
{
	uint64_t i = g->next(g, 1ull << bits);

	for (int tries = 0; want && tries < 6; tries++) {
		if (m_empty(s, base + (int)i) == (want == 2))
			break;
		i = g->next(g, 1ull << bits);
	}
	return i;
}

/* want: 0 any slot, 1 prefer a capability, 2 prefer an empty slot. */
static int
sim_pick(struct sim *s, struct gen *g, int *slot, bool *bad, int want)
{
	uint64_t mode = g->next(g, 13), cptr;
	unsigned depth = BOOT_RADIX;
	struct cnode_fault lf, mf = { 0, 0, 0, 0 };
	struct cte *ls = NULL;
	int le, me, ms = -1;

	cptr = sim_index(s, g, gidx(s, s->w.slots), BOOT_RADIX, mode >= 7 && mode != 11 ? 1 : want);
	if (mode >= 7 && mode <= 10 && cap_type(&M(s, (int)cptr)->cap) == WRIT_OBJ_CNODE) {
		const struct cap *c = &M(s, (int)cptr)->cap;
		unsigned gb = cap_cnode_guard_bits(c), r = cap_cnode_radix(c);

		if (gb + r + BOOT_RADIX <= 64) {
			cptr = cptr << (gb + r) | cap_cnode_guard(c) << r |
			       sim_index(s, g, gidx(s, cnode_slots(c)), r, want);
			depth += gb + r;
			if (g->next(g, 8) == 0)
				cptr ^= 1ull << g->next(g, depth);
		}
	} else if (mode == 11) {
		cptr = g->next(g, UINT64_MAX);
		depth = (unsigned)g->next(g, 66);
	}
	if (mode == 12 && cap_type(&M(s, gidx(s, s->w.slots) + (int)cptr)->cap) ==
	    WRIT_OBJ_TCB) {
		/* A TCB's own slots, as the kernel's TCB invocations reach them. */
		*slot = gidx(s, (void *)cap_addr(&M(s, gidx(s, s->w.slots) + (int)cptr)->cap)) +
			(int)g->next(g, 1u << CSPACE_TCB_SLOT_RADIX);
		return 1;
	}
	le = cnode_lookup_slot(&s->w.boot, cptr, depth, &ls, &lf);
	if (depth < 1 || depth > 64)
		me = WRIT_E_RANGE;
	else
		me = m_lookup(s, &s->w.boot, cptr, depth, &ms, &mf);
	if (le != me || (le == WRIT_OK && gidx(s, ls) != ms) ||
	    (le != WRIT_OK && le != WRIT_E_RANGE && lf.bits_left != mf.bits_left) ||
	    (le == WRIT_E_LOOKUP_GUARD_MISMATCH && lf.guard_found != mf.guard_found)) {
		snprintf(s->last, sizeof(s->last), "lookup cptr %#llx depth %u",
			 (unsigned long long)cptr, depth);
		*bad = true;
		sim_fail(s, "lookup %d vs model %ld (bits %ld)", le, me, (long)lf.bits_left);
		return -1;
	}
	/* The inline one-level lookup must answer exactly as the walk behind it. */
	{
		struct cnode_fault cf, wf;
		struct cte *cs_ = NULL, *ws = NULL;
		int ce = cnode_lookup_cap(&s->w.boot, cptr, depth, &cs_, &cf);
		int we = cnode_lookup_cap_walk(&s->w.boot, cptr, depth, &ws, &wf);

		if (ce != we || (ce == WRIT_OK && cs_ != ws) || cf.err != wf.err ||
		    (ce != WRIT_E_RANGE && cf.bits_left != wf.bits_left) ||
		    cf.guard_bits != wf.guard_bits || cf.guard_found != wf.guard_found) {
			snprintf(s->last, sizeof(s->last), "lookup cptr %#llx depth %u",
				 (unsigned long long)cptr, depth);
			*bad = true;
			sim_fail(s, "inline lookup %d vs walk %ld (bits %ld)", ce, we,
				 (long)cf.bits_left);
			return -1;
		}
	}
	*slot = ms;
	return le == WRIT_OK;
}

static unsigned
sim_rights(struct sim *s, struct gen *g, int src)
{
	if (g->next(g, 6) == 0)
		return (unsigned)g->next(g, 64);
	return cap_rights(&M(s, src)->cap) & (unsigned)g->next(g, 32);
}

static writ_word_t
sim_word(struct sim *s, struct gen *g, int src)
{
	if (g->next(g, 3) == 0)
		return 0;
	if (cap_type(&M(s, src)->cap) == WRIT_OBJ_CNODE)
		return g->next(g, 16) == 0 ? g->next(g, UINT64_MAX) :
		       WRIT_CNODE_GUARD(g->next(g, 4), g->next(g, 3));
	return g->next(g, 4);
}

/* Runs a possibly-preemptible library call to completion, checking between steps. */
static int
sim_finish(struct sim *s, int (*fn)(struct cspace *, struct cte *), struct cte *slot)
{
	int e, rounds = 0;

	while ((e = fn(&s->w.cs, slot)) == WRIT_E_PREEMPTED && rounds++ < 1000000)
		if (!world_check(&s->w, "model-step"))
			return -1;
	return e;
}

/*
 * A revoke whose own capability was deleted by a CNode teardown returns as soon as it
 * sees that, possibly leaving the teardown to a later Delete of the zombie's slot:
 * the model's revoke finishes teardowns at once, so finish the library's here.
 */
static int
sim_drain_zombies(struct sim *s)
{
	struct cte *L = s->w.mem;

	for (size_t i = 0; i < s->n; i++)
		if (cap_type(&L[i].cap) == CAP_ZOMBIE) {
			snprintf(s->last + strlen(s->last), sizeof(s->last) - strlen(s->last),
				 " +zombie %zu", i);
			if (sim_finish(s, cte_delete, &L[i]) != WRIT_OK)
				return -1;
		}
	return WRIT_OK;
}

static bool
sim_run(struct sim *s, struct gen *g, unsigned op, int a, int b, int c)
{
	struct cte *L = s->w.mem;
	int le = 0, me = 0, order_n;
	static int order[1 << (UT_BITS + 1 - WRIT_SLOT_BITS)];
	unsigned r;
	writ_word_t w1, w2;

	switch (op) {
	case 0: case 1:
		r = sim_rights(s, g, b);
		w1 = op ? sim_word(s, g, b) : 0;
		snprintf(s->last, sizeof(s->last), "%s %d <- %d rights %#x word %#llx",
			 op ? "mint" : "copy", a, b, r, (unsigned long long)w1);
		le = op ? cte_mint(&s->w.cs, &L[a], &L[b], r, w1) :
			  cte_copy(&s->w.cs, &L[a], &L[b], r);
		me = m_derive(s, a, b, r, op, w1);
		break;
	case 2: case 3:
		r = op == 3 ? sim_rights(s, g, b) : 0;
		w1 = op == 3 ? sim_word(s, g, b) : 0;
		snprintf(s->last, sizeof(s->last), "%s %d <- %d rights %#x word %#llx",
			 op == 3 ? "mutate" : "move", a, b, r, (unsigned long long)w1);
		le = op == 3 ? cte_mutate(&s->w.cs, &L[a], &L[b], r, w1) :
			       cte_move(&s->w.cs, &L[a], &L[b]);
		me = m_move(s, a, b, op == 3, r, w1);
		break;
	case 4:
		w1 = g->next(g, 2) ? 0 : sim_word(s, g, b);
		w2 = g->next(g, 2) ? 0 : sim_word(s, g, c);
		if (g->next(g, 3) == 0)
			a = c;
		snprintf(s->last, sizeof(s->last), "rotate %d <- %d <- %d", a, b, c);
		le = cte_rotate(&s->w.cs, &L[a], &L[b], &L[c], w1, w2);
		me = m_rotate(s, a, b, c, w1, w2);
		break;
	case 5:
		snprintf(s->last, sizeof(s->last), "delete %d", a);
		le = sim_finish(s, cte_delete, &L[a]);
		m_delete(s, a);
		me = WRIT_OK;
		break;
	case 6:
		snprintf(s->last, sizeof(s->last), "revoke %d", a);
		order_n = (int)lib_preorder(s, a, order);
		le = sim_finish(s, cte_revoke, &L[a]);
		if (le == WRIT_OK)
			le = sim_drain_zombies(s);
		m_revoke(s, a, order, (size_t)order_n);
		me = WRIT_OK;
		break;
	}
	if (le != me)
		return sim_fail(s, "library %d, model %ld", le, me, 0);
	s->ran[op]++;
	s->succeeded[op] += le == WRIT_OK;
	return true;
}

static bool
sim_retype(struct sim *s, struct gen *g, int ut, int dest)
{
	static const unsigned types[] = {
		WRIT_OBJ_ENDPOINT, WRIT_OBJ_NOTIFICATION, WRIT_OBJ_CNODE, WRIT_OBJ_CNODE,
		WRIT_OBJ_CNODE, WRIT_OBJ_UNTYPED, WRIT_OBJ_FRAME_4K, WRIT_OBJ_TCB,
		WRIT_OBJ_PT, WRIT_OBJ_NULL, WRIT_OBJ_IRQ_HANDLER, WRIT_OBJ_ENDPOINT,
	};
	unsigned type = types[g->next(g, sizeof(types) / sizeof(types[0]))], sb = 0;
	uint64_t off = g->next(g, 66), count = g->next(g, 20) ? 1 + g->next(g, 4) : 0;
	struct cap dc = g->next(g, 2) ? s->w.boot : M(s, dest)->cap;
	int le, me;

	if (g->next(g, 4)) {            /* mostly: some untyped in the boot CNode */
		int base = gidx(s, s->w.slots), k = (int)g->next(g, 1u << BOOT_RADIX);

		for (int i = 0; i < 1 << BOOT_RADIX; i++)
			if (cap_type(&M(s, base + (k + i) % 64)->cap) == WRIT_OBJ_UNTYPED) {
				ut = base + (k + i) % 64;
				break;
			}
	}

	if (type == WRIT_OBJ_CNODE)
		sb = (unsigned)g->next(g, 5);
	else if (type == WRIT_OBJ_UNTYPED)
		sb = 3 + (unsigned)g->next(g, 12);
	snprintf(s->last, sizeof(s->last), "retype %d type %u sb %u into %d off %llu n %llu",
		 ut, type, sb, dest, (unsigned long long)off, (unsigned long long)count);
	le = ut_retype(&s->w.cs, (struct cte *)s->w.mem + ut, type, sb, &dc, off, count);
	me = m_retype(s, ut, type, sb, &dc, off, count);
	if (le != me)
		return sim_fail(s, "library %d, model %ld", le, me, 0);
	s->ran[7]++;
	s->succeeded[7] += le == WRIT_OK;
	return true;
}

static bool
sim_issue(struct sim *s, struct gen *g, int d)
{
	struct cap h = cap_make(WRIT_OBJ_IRQ_HANDLER, 0, (unsigned)g->next(g, 32), 0,
				g->next(g, 4));
	int le, me;

	/* Like the kernel's IRQ table: one handler per line, however many copies. */
	for (size_t j = 0; j < s->n; j++)
		if (cap_type(&M(s, (int)j)->cap) == WRIT_OBJ_IRQ_HANDLER &&
		    M(s, (int)j)->cap.w1 == h.w1)
			return true;
	snprintf(s->last, sizeof(s->last), "issue irq %llu into %d",
		 (unsigned long long)h.w1, d);
	le = cte_insert_issued(&s->w.cs, (struct cte *)s->w.mem + d, &s->w.slots[1], &h);
	if (cap_type(&M(s, 1)->cap) != WRIT_OBJ_IRQ_CONTROL) {
		me = WRIT_E_INVALID_CAP;
	} else if (!m_empty(s, d)) {
		me = WRIT_E_DELETE_FIRST;
	} else if (cap_rights(&h) & ~cap_rights(&M(s, 1)->cap)) {
		me = WRIT_E_RIGHTS;
	} else {
		M(s, d)->cap = h;
		M(s, d)->parent = 1;
		me = WRIT_OK;
	}
	if (le != me)
		return sim_fail(s, "library %d, model %ld", le, me, 0);
	s->ran[10]++;
	s->succeeded[10] += le == WRIT_OK;
	return true;
}

bool
sim_step(struct sim *s, struct gen *g)
{
	/* copy x3, mint x2, move, mutate, rotate, delete x2, revoke, retype x4, issue */
	static const unsigned char ops[] = { 0, 0, 0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 7, 7, 7, 10 };
	unsigned op = ops[g->next(g, sizeof(ops))];
	int a = -1, b = -1, c = -1;
	bool bad = false, ok = true;

	s->op++;
	s->w.env.preempt_every = (unsigned)g->next(g, 3);
	if (sim_pick(s, g, &a, &bad, op <= 4 ? 2 : 1) <= 0 || sim_pick(s, g, &b, &bad, 1) <= 0 ||
	    sim_pick(s, g, &c, &bad, 1) <= 0)
		return !bad;
	if (g->done)
		return true;
	/* Deleting the one boot untyped ends all growth: let it happen, but rarely. */
	if ((op == 5 || op == 2 || op == 3) && cap_type(&M(s, op == 5 ? a : b)->cap) ==
	    WRIT_OBJ_UNTYPED && M(s, op == 5 ? a : b)->parent < 0 && g->next(g, 16) != 0)
		return true;
	if (op <= 6)
		ok = sim_run(s, g, op, a, b, c);
	else if (op == 7)
		ok = sim_retype(s, g, b, a);
	else
		ok = sim_issue(s, g, a);
	if (s->verbose)
		printf("# %lu: %s\n", s->op, s->last);
	if (ok && !world_check(&s->w, "model"))
		ok = sim_fail(s, "checker failed", 0, 0, 0);
	return ok && sim_compare(s);
}
