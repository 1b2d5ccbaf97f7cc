/*
 * Inclusion: is every canonical path the child's glob matches also matched by the
 * parent's? Decided exactly, on the automata of src/policy_nfa.c.
 *
 * Model. Three automata run side by side over path bytes:
 *  - the child NFA, tracked one state at a time (its nondeterminism is explored);
 *  - the parent NFA, tracked as the set of states it can be in (subset
 *    construction, built lazily; this is the deterministic parent whose complement
 *    we need);
 *  - CANON, a 5-state DFA accepting exactly the canonical paths (as the matcher
 *    validates them), because a glob of one `*` segment also describes words such as "/" or
 *    "/." that no canonical path spells and that must not count as counterexamples.
 * A product state (child state, CANON state, parent set) is bad when the child and
 * CANON accept and the parent set does not: its word is a canonical path the child
 * matches and the parent refuses. The child is a subset iff no bad state is
 * reachable. Breadth-first search makes the first bad state found the end of a
 * shortest counterexample.
 *
 * The alphabet is cut into byte classes first: bytes that every set in either glob,
 * '/' and '.' treat alike form one class, and one representative byte stands for
 * the class. This is exact because every transition of all three automata depends
 * only on membership in those sets (and on '/' and '.').
 *
 * Budget. The parent's subset construction can be exponential. The search stops
 * with POLICY_E_BUDGET when it would exceed max_states product states, the word
 * arena, or max_steps units of work (a unit: one word or one live state handled
 * by an NFA step, so the limit bounds time whatever the globs' sizes): "cannot
 * prove", never a guess.
 */
#include <string.h>

#include "policy_internal.h"

enum { C_ROOT, C_SLASH, C_DOT, C_DOTDOT, C_SEG, C_DEAD };

static unsigned
canon_step(unsigned q, unsigned b)
{
        switch (q) {
        case C_ROOT:
                return b == '/' ? C_SLASH : C_DEAD;
        case C_SLASH:
                return b == '/' ? C_DEAD : b == '.' ? C_DOT : C_SEG;
        case C_DOT:
                return b == '/' ? C_DEAD : b == '.' ? C_DOTDOT : C_SEG;
        case C_DOTDOT:
                return b == '/' ? C_DEAD : C_SEG;
        case C_SEG:
                return b == '/' ? C_SLASH : C_SEG;
        default:
                return C_DEAD;
        }
}

static bool
canon_accepts(unsigned q)
{
        return q == C_ROOT || q == C_SEG;
}

void
policy_work_init(struct policy_work *w)
{
        memset(w, 0, sizeof *w);
}

/* Lower is friendlier: representatives are what a counterexample shows people. */
static unsigned
byte_rank(unsigned b)
{
        if (b >= 'a' && b <= 'z')
                return b - 'a';
        if (b >= '0' && b <= '9')
                return 100 + b;
        if (b >= 'A' && b <= 'Z')
                return 200 + b;
        if (b > ' ' && b < 0x7f)
                return 300 + b;
        return 400 + b;
}

static void
classes(struct policy_work *w, const struct policy_glob *c, const struct policy_glob *p)
{
        unsigned n;

        uint64_t single[4] = {0, 0, 0, 0};

        memset(w->cls_of, 0, sizeof w->cls_of);
        n = policy_glob_classes(c, w->cls_of, 1, single);
        n = policy_glob_classes(p, w->cls_of, n, single);
        w->nclasses = policy_refine_singletons(w->cls_of, n, single);
        for (unsigned k = 0; k < w->nclasses; k++)
                w->cls_rep[k] = 0;
        for (unsigned b = 1; b < 256; b++) {
                unsigned k = w->cls_of[b];

                if (w->cls_rep[k] == 0 || byte_rank(b) < byte_rank(w->cls_rep[k]))
                        w->cls_rep[k] = (uint8_t)b;
        }
        /* Visit classes by their representative's rank, so ties between shortest
         * counterexamples resolve to the most readable one. */
        n = w->nclasses;
        for (unsigned k = 0; k < n; k++)
                w->cls_order[k] = (uint8_t)k;
        for (unsigned i = 1; i < n; i++)
                for (unsigned j = i; j > 0 && byte_rank(w->cls_rep[w->cls_order[j]]) <
                                     byte_rank(w->cls_rep[w->cls_order[j - 1]]); j--) {
                        uint8_t t = w->cls_order[j];
                        w->cls_order[j] = w->cls_order[j - 1];
                        w->cls_order[j - 1] = t;
                }
}

struct search {
        struct policy_work *w;
        const struct policy_glob *c, *p;
        unsigned pw;            /* words per parent set */
        uint32_t max_states;
        uint64_t max_steps;
        uint32_t bad;           /* index of the first bad state, or UINT32_MAX */
};

/* The slot is taken from the high half: a product's low bits see only low bits. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
        h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        return h * 0xff51afd7ed558ccdull;
}

/* Interns a parent set; returns its word offset, or UINT32_MAX when full. */
static uint32_t
pset_intern(struct search *s, const uint64_t *set)
{
        struct policy_work *w = s->w;
        uint64_t h = 0;
        uint32_t slot, off;

        for (unsigned k = 0; k < s->pw; k++)
                h = mix(h, set[k]);
        for (slot = (uint32_t)(h >> 32) & (POLICY_WORK_HASH - 1);; slot = (slot + 1) & (POLICY_WORK_HASH - 1)) {
                struct policy_slot *e = &w->phash[slot];

                if (e->gen != w->gen)
                        break;
                if (memcmp(&w->words[e->val], set, s->pw * sizeof *set) == 0)
                        return e->val;
        }
        /* Keep the table at most half full so probes stay short. */
        if (w->nwords + s->pw > POLICY_WORK_WORDS || w->nwords / s->pw >= POLICY_WORK_HASH / 2)
                return UINT32_MAX;
        off = w->nwords;
        memcpy(&w->words[off], set, s->pw * sizeof *set);
        w->nwords += s->pw;
        w->phash[slot].gen = w->gen;
        w->phash[slot].val = off;
        return off;
}

/* Adds a product state unless known; -1 when over budget. */
static int
state_add(struct search *s, unsigned child, unsigned canon, uint32_t pset,
          uint32_t from, unsigned cls)
{
        struct policy_work *w = s->w;
        uint64_t h = mix(mix(mix(0, child), canon), pset);
        struct policy_pstate *st;
        uint32_t slot;

        for (slot = (uint32_t)(h >> 32) & (POLICY_WORK_HASH - 1);; slot = (slot + 1) & (POLICY_WORK_HASH - 1)) {
                struct policy_slot *e = &w->shash[slot];

                if (e->gen != w->gen)
                        break;
                st = &w->st[e->val];
                if (st->child == child && st->canon == canon && st->pset == pset)
                        return 0;
        }
        if (w->nstates >= s->max_states)
                return -1;
        st = &w->st[w->nstates];
        st->child = (uint16_t)child;
        st->canon = (uint8_t)canon;
        st->pset = pset;
        st->from = from;
        st->cls = (uint8_t)cls;
        w->shash[slot].gen = w->gen;
        w->shash[slot].val = w->nstates;
        if (s->bad == UINT32_MAX && child == s->c->nops - 1u && canon_accepts(canon) &&
            !policy_nfa_accepts(s->p, &w->words[pset]))
                s->bad = w->nstates;
        w->nstates++;
        return 0;
}

/* Adds (c, canon, pset) for every child state c in cset. */
static int
add_all(struct search *s, const uint64_t *cset, unsigned canon, uint32_t pset,
        uint32_t from, unsigned cls)
{
        unsigned nw = policy_nwords(s->c);

        for (unsigned k = 0; k < nw; k++)
                for (uint64_t bits = cset[k]; bits; bits &= bits - 1)
                        if (state_add(s, k * 64 + (unsigned)__builtin_ctzll(bits), canon,
                                      pset, from, cls) < 0)
                                return -1;
        return 0;
}

static bool
set_empty(const uint64_t *set, unsigned nw)
{
        uint64_t any = 0;

        for (unsigned k = 0; k < nw; k++)
                any |= set[k];
        return any == 0;
}

static int
expand(struct search *s, uint32_t i)
{
        uint64_t one[POLICY_WORDS_MAX], cnext[POLICY_WORDS_MAX], pnext[POLICY_WORDS_MAX];
        struct policy_work *w = s->w;
        struct policy_pstate st = w->st[i];
        bool seg_start = st.canon == C_SLASH;

        memset(one, 0, sizeof one);
        one[st.child >> 6] = 1ull << (st.child & 63);
        for (unsigned n = 0; n < w->nclasses && s->bad == UINT32_MAX; n++) {
                unsigned k = w->cls_order[n], b = w->cls_rep[k];
                unsigned q = canon_step(st.canon, b);
                uint32_t pset;

                if (w->steps > s->max_steps)
                        return -1;
                if (q == C_DEAD || b == 0)
                        continue;
                w->steps += policy_nfa_step(s->c, one, cnext, b, seg_start);
                if (set_empty(cnext, policy_nwords(s->c)))
                        continue;
                w->steps += policy_nfa_step(s->p, &w->words[st.pset], pnext, b, seg_start);
                if (w->steps > s->max_steps)
                        return -1;
                if ((pset = pset_intern(s, pnext)) == UINT32_MAX)
                        return -1;
                if (add_all(s, cnext, q, pset, i, k) < 0)
                        return -1;
        }
        return 0;
}

static void
counterexample(struct search *s, struct policy_verdict *v)
{
        struct policy_work *w = s->w;
        size_t n = 0;

        for (uint32_t i = s->bad; w->st[i].from != UINT32_MAX; i = w->st[i].from)
                n++;
        if (n == 0) {
                w->ce[0] = '/';
                n = 1;
        } else {
                size_t j = n;
                for (uint32_t i = s->bad; w->st[i].from != UINT32_MAX; i = w->st[i].from)
                        w->ce[--j] = (char)w->cls_rep[w->st[i].cls];
        }
        w->ce[n] = '\0';
        v->ce = w->ce;
        v->ce_len = n;
}

/* Same compiled form, same language: the one shortcut, and an exact one. */
static bool
same_glob(const struct policy_glob *c, const struct policy_glob *p)
{
        return c->nops == p->nops && c->nsets == p->nsets &&
               memcmp(c->ops, p->ops, c->nops * sizeof c->ops[0]) == 0 &&
               memcmp(c->sets, p->sets, c->nsets * sizeof c->sets[0]) == 0;
}

/*
 * A shortcut that proves the commonest weakenings without the product search (about a
 * tenth of its cost), and never refuses: whatever it cannot prove goes to the search,
 * which also finds the counterexample. Host tests check it against the search.
 *
 *  - A child without wildcards is one path: within the parent iff the parent
 *    matches it (policy_match, the same automaton).
 *  - Otherwise, when neither glob has `**` and both have the same number of
 *    segments, segment by segment (no wildcard crosses '/', so segments are
 *    independent: the child's paths are the parent's when each child segment's
 *    strings are the parent segment's). A child segment is within its parent's when
 *      - the two are the same items (sets compared by content);
 *      - the parent's is P '*' S (literal bytes around one star) and the child's is
 *        literal bytes L that start with P, end with S, are at least |P| + |S| long,
 *        and, when P is empty, do not start with '.' (a leading '*' never matches a
 *        leading '.');
 *      - both are P '*' S: the parent's P is a prefix of the child's and its S a
 *        suffix of the child's (so every P1 x S1 is P2 y S2, and long enough), and,
 *        when the parent's P is empty, the child's is empty too (its strings then do
 *        not start with '.') or does not start with '.'.
 */
struct seg_shape {
        const struct policy_op *op;     /* first item */
        unsigned n;                     /* items */
        int star;                       /* index of the one STAR, -1: none */
        bool simple;                    /* only LIT items and at most one STAR */
};

static unsigned
seg_read(const struct policy_glob *g, unsigned i, struct seg_shape *sh)
{
        unsigned stars = 0;

        *sh = (struct seg_shape){ &g->ops[i], 0, -1, true };
        for (; g->ops[i].kind != POLICY_OP_SLASH && g->ops[i].kind != POLICY_OP_END; i++) {
                if (g->ops[i].kind == POLICY_OP_STAR) {
                        sh->star = (int)sh->n;
                        stars++;
                } else if (g->ops[i].kind != POLICY_OP_LIT) {
                        sh->simple = false;
                }
                sh->n++;
        }
        if (stars > 1)
                sh->simple = false;
        return i;
}

static bool
seg_same(const struct policy_glob *c, const struct seg_shape *a,
         const struct policy_glob *p, const struct seg_shape *b)
{
        if (a->n != b->n)
                return false;
        for (unsigned k = 0; k < a->n; k++) {
                const struct policy_op *x = &a->op[k], *y = &b->op[k];

                if (x->kind != y->kind || x->flags != y->flags || x->arg != y->arg)
                        return false;
                if (x->kind == POLICY_OP_CLASS &&
                    memcmp(c->sets[x->set], p->sets[y->set], sizeof c->sets[0]) != 0)
                        return false;
        }
        return true;
}

/* Do the literal items a[from, from + n) equal b's [bfrom, bfrom + n)? */
static bool
lits_equal(const struct policy_op *a, unsigned from, const struct policy_op *b,
           unsigned bfrom, unsigned n)
{
        for (unsigned k = 0; k < n; k++)
                if (a[from + k].arg != b[bfrom + k].arg)
                        return false;
        return true;
}

/* Child segment c within parent segment p, both simple, p with a star. */
static bool
seg_within_star(const struct seg_shape *c, const struct seg_shape *p)
{
        unsigned pp = (unsigned)p->star, ps = p->n - pp - 1;
        unsigned cp = c->star < 0 ? c->n : (unsigned)c->star;
        unsigned cs = c->star < 0 ? c->n : c->n - cp - 1;

        if (c->star < 0) {              /* literal: L starts with P, ends with S */
                if (c->n < pp + ps || !lits_equal(c->op, 0, p->op, 0, pp) ||
                    !lits_equal(c->op, c->n - ps, p->op, pp + 1, ps))
                        return false;
                return pp > 0 || c->n == 0 || c->op[0].arg != '.';
        }
        if (cp < pp || cs < ps || !lits_equal(c->op, 0, p->op, 0, pp) ||
            !lits_equal(c->op, c->n - ps, p->op, pp + 1, ps))
                return false;
        return pp > 0 || cp == 0 || c->op[0].arg != '.';
}

static bool
has_dstar(const struct policy_glob *g)
{
        for (unsigned i = 0; i < g->nops; i++)
                if (g->ops[i].kind == POLICY_OP_DSTAR)
                        return true;
        return false;
}

static bool
fast_subset(const struct policy_glob *c, const struct policy_glob *p)
{
        char path[POLICY_GLOB_MAX + 2];
        unsigned i = 0, j = 0, n = 0;
        bool literal = true, matched = false;

        for (unsigned k = 0; k + 1 < c->nops && literal; k++)
                if (c->ops[k].kind == POLICY_OP_SLASH || c->ops[k].kind == POLICY_OP_LIT)
                        path[n++] = c->ops[k].kind == POLICY_OP_SLASH ? '/' : (char)c->ops[k].arg;
                else
                        literal = false;
        if (literal && n > 0 && n <= POLICY_GLOB_MAX)
                return policy_match(p, path, n, &matched) == POLICY_OK && matched;
        if (has_dstar(c) || has_dstar(p))
                return false;
        while (c->ops[i].kind == POLICY_OP_SLASH && p->ops[j].kind == POLICY_OP_SLASH) {
                struct seg_shape cs, ps;

                i = seg_read(c, i + 1, &cs);
                j = seg_read(p, j + 1, &ps);
                if (seg_same(c, &cs, p, &ps))
                        continue;
                if (!cs.simple || !ps.simple || ps.star < 0 || !seg_within_star(&cs, &ps))
                        return false;
        }
        return c->ops[i].kind == POLICY_OP_END && p->ops[j].kind == POLICY_OP_END;
}

static int
glob_subset(const struct policy_glob *c, const struct policy_glob *p,
            struct policy_work *w, struct policy_verdict *v)
{
        uint64_t cset[POLICY_WORDS_MAX], pset[POLICY_WORDS_MAX];
        struct search s = {w, c, p, policy_nwords(p), 0, 0, UINT32_MAX};
        uint32_t p0;

        s.max_states = w->max_states && w->max_states < POLICY_WORK_STATES ?
                       w->max_states : POLICY_WORK_STATES;
        s.max_steps = w->max_steps ? w->max_steps : POLICY_WORK_STEPS;
        if (++w->gen == 0) {    /* wrapped: old slots could look current */
                memset(w->shash, 0, sizeof w->shash);
                memset(w->phash, 0, sizeof w->phash);
                w->gen = 1;
        }
        w->nstates = 0;
        w->nwords = 0;
        w->steps = 0;
        if (same_glob(c, p) || (!w->exhaustive && fast_subset(c, p))) {
                v->subset = true;
                v->why = POLICY_WHY_SUBSET;
                return POLICY_OK;
        }
        classes(w, c, p);
        policy_nfa_start(c, cset);
        policy_nfa_start(p, pset);
        if ((p0 = pset_intern(&s, pset)) == UINT32_MAX ||
            add_all(&s, cset, C_ROOT, p0, UINT32_MAX, 0) < 0)
                return POLICY_E_BUDGET;
        for (uint32_t i = 0; i < w->nstates && s.bad == UINT32_MAX; i++)
                if (expand(&s, i) < 0)
                        return POLICY_E_BUDGET;
        if (s.bad == UINT32_MAX) {
                v->subset = true;
                v->why = POLICY_WHY_SUBSET;
                return POLICY_OK;
        }
        v->why = POLICY_WHY_GLOB;
        counterexample(&s, v);
        return POLICY_OK;
}

static bool
glob_ok(const struct policy_glob *g)
{
        return g->nops >= 1 && g->nops <= POLICY_OPS_MAX &&
               g->ops[g->nops - 1].kind == POLICY_OP_END && g->nsets <= POLICY_SETS_MAX;
}

int
policy_subset(const struct policy *child, const struct policy *parent,
              struct policy_work *w, struct policy_verdict *v)
{
        if (child == NULL || parent == NULL || w == NULL || v == NULL ||
            !glob_ok(&child->glob) || !glob_ok(&parent->glob))
                return POLICY_E_ARG;
        memset(v, 0, sizeof *v);
        if (strncmp(child->scheme, parent->scheme, sizeof child->scheme) != 0) {
                v->why = POLICY_WHY_SCHEME;
                return POLICY_OK;
        }
        if (!policy_rights_subset(child->rights, parent->rights)) {
                v->why = POLICY_WHY_RIGHTS;
                v->extra_rights = child->rights & ~parent->rights;
                return POLICY_OK;
        }
        return glob_subset(&child->glob, &parent->glob, w, v);
}

/*
 * Weaken: the only way a new policy is derived from a held one. It must never
 * return a policy that is not provably within the parent: any failure to decide
 * (budget) refuses the weakening.
 */
int
policy_weaken(const struct policy *parent, const char *text, size_t len,
              struct policy *out, struct policy_work *w, struct policy_verdict *v,
              struct policy_err *err)
{
        int r;

        if (parent == NULL || out == NULL || w == NULL || v == NULL || err == NULL)
                return POLICY_E_ARG;
        memset(v, 0, sizeof *v);
        if ((r = policy_parse(out, text, len, err)) != POLICY_OK)
                return r;
        if ((r = policy_subset(out, parent, w, v)) != POLICY_OK)
                return r;
        return v->subset ? POLICY_OK : POLICY_E_NOT_SUBSET;
}
