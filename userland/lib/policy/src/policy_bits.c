/*
 * Bit-parallel matching: the automaton of policy_nfa.c, all states stepped at once.
 *
 * Model. A state set is a bitset (bit i = NFA state i). For a path byte c of glob
 * class k, the states that consume c are take[k]; consuming moves a state to i+1,
 * except STAR and DLOOP which stay (loop). Then the epsilon closure, which in these
 * automata has a simple shape: every epsilon edge goes forward to the next item
 * boundary through nullable items (STAR, the three states of a `**` group), plus
 * DLOOP's edge back to its group head, whose own forward edge DLOOP shares. So the
 * closure is "smear each live state upward through nullable items, keep the item
 * boundaries, add DLOOP heads": a carry-free prefix propagation done by doubling
 * (shifts 1, 2, 4, ... masked by "all positions in between pass"), O(words * log
 * states) per byte, with no chain-length loop.
 *
 * The tables come from policy_op_takes() and the op kinds only, so both matchers
 * are one automaton; test_match compares them on random globs of every size.
 */
#include <string.h>

#include "policy_internal.h"

#define LEVELS 11               /* 2^11 > POLICY_OPS_MAX */

static inline void
bit_on(uint64_t *m, unsigned i)
{
        m[i >> 6] |= 1ull << (i & 63);
}

/* Splits every class of cls_of into the bytes inside and outside set. */
unsigned
policy_refine(uint8_t cls_of[256], unsigned n, const uint64_t set[4])
{
        uint16_t size[256] = {0}, in[256] = {0};
        int16_t to[256];

        for (unsigned b = 1; b < 256; b++) {
                size[cls_of[b]]++;
                in[cls_of[b]] += policy_set_has(set, b);
        }
        for (unsigned c = 0; c < n; c++)
                to[c] = (in[c] > 0 && in[c] < size[c]) ? (int16_t)n++ : -1;
        for (unsigned b = 1; b < 256; b++)
                if (policy_set_has(set, b) && to[cls_of[b]] >= 0)
                        cls_of[b] = (uint8_t)to[cls_of[b]];
        return n;
}

/* Each byte of single becomes a class of its own, in one pass. */
unsigned
policy_refine_singletons(uint8_t cls_of[256], unsigned n, const uint64_t single[4])
{
        uint16_t size[256] = {0};

        for (unsigned b = 1; b < 256; b++)
                size[cls_of[b]]++;
        for (unsigned b = 1; b < 256; b++) {
                if (!policy_set_has(single, b) || size[cls_of[b]] == 1)
                        continue;
                size[cls_of[b]]--;
                cls_of[b] = (uint8_t)n;
                size[n++] = 1;
        }
        return n;
}

/* Byte classes of one glob: its class sets, its literal bytes, '/' and '.'. */
unsigned
policy_glob_classes(const struct policy_glob *g, uint8_t cls_of[256], unsigned n,
                    uint64_t single[4])
{
        for (unsigned k = 0; k < g->nsets; k++)
                n = policy_refine(cls_of, n, g->sets[k]);
        for (unsigned i = 0; i < g->nops; i++)
                if (g->ops[i].kind == POLICY_OP_LIT)
                        single[g->ops[i].arg >> 6] |= 1ull << (g->ops[i].arg & 63);
        single['/' >> 6] |= 1ull << ('/' & 63);
        single['.' >> 6] |= 1ull << ('.' & 63);
        return n;
}

static void
build_take(struct policy_glob *g, unsigned nw)
{
        struct policy_bits *t = &g->bits;
        uint8_t rep[256] = {0};

        for (unsigned b = 255; b >= 1; b--)
                rep[t->cls_of[b]] = (uint8_t)b;
        for (unsigned k = 0; k < t->nclasses; k++)
                for (unsigned i = 0; i < g->nops; i++)
                        if (policy_op_takes(g, &g->ops[i], rep[k]))
                                bit_on(&t->take[k * nw], i);
}

void
policy_glob_finish(struct policy_glob *g)
{
        struct policy_bits *t = &g->bits;
        uint64_t single[4] = {0, 0, 0, 0};
        unsigned nw = policy_nwords(g), n;

        /* Without `**` policy_match walks the items (simple_run) and never reads the
         * tables: building them was most of a weaken's cost. */
        g->simple = 1;
        for (unsigned i = 0; i < g->nops; i++)
                if (g->ops[i].kind == POLICY_OP_DSTAR)
                        g->simple = 0;
        t->nclasses = 0;
        if (g->simple)
                return;
        memset(t, 0, sizeof *t);
        n = policy_glob_classes(g, t->cls_of, 1, single);
        n = policy_refine_singletons(t->cls_of, n, single);
        if (n * nw <= POLICY_TAKE_WORDS) {
                t->nclasses = (uint16_t)n;
                build_take(g, nw);
        }
        for (unsigned i = 0; i < g->nops; i++) {
                unsigned k = g->ops[i].kind;

                if (k == POLICY_OP_STAR || k == POLICY_OP_DLOOP)
                        bit_on(t->loop, i);
                if (k != POLICY_OP_DFIRST && k != POLICY_OP_DLOOP)
                        bit_on(t->bound, i);
                if (k != POLICY_OP_DFIRST)
                        bit_on(t->seed, i);
                if (k == POLICY_OP_DLOOP)
                        bit_on(t->dloop, i);
                if (k == POLICY_OP_LIT && g->ops[i].arg == '.' &&
                    (g->ops[i].flags & POLICY_OPF_FIRST))
                        bit_on(t->dotlead, i);
                if (i + 1 < g->nops && (k == POLICY_OP_STAR || k == POLICY_OP_DSTAR ||
                                        k == POLICY_OP_DFIRST || k == POLICY_OP_DLOOP))
                        bit_on(t->pass, i + 1);
        }
        policy_nfa_start(g, t->start);
}

/* One word: globs of at most 64 states, nearly all real ones. */
static bool
run_word(const struct policy_glob *g, const unsigned char *p, size_t len)
{
        const struct policy_bits *t = &g->bits;
        uint64_t d = t->start[0], lv[6];
        unsigned nlv = 1;

        /* Runs are shorter than the glob: levels up to 2^nlv >= nops suffice. */
        lv[0] = t->pass[0];
        for (; (1u << nlv) < g->nops; nlv++)
                lv[nlv] = lv[nlv - 1] & (lv[nlv - 1] << (1u << (nlv - 1)));
        for (size_t i = 0; i < len; i++) {
                uint64_t x = d & t->take[t->cls_of[p[i]]], n, s;

                if (p[i] == '.' && i > 0 && p[i - 1] == '/')
                        x &= t->dotlead[0];
                n = ((x & ~t->loop[0]) << 1) | (x & t->loop[0]);
                s = n & t->seed[0];
                for (unsigned j = 0; j < nlv; j++)
                        s |= (s << (1u << j)) & lv[j];
                n |= (s & t->bound[0]) | ((n & t->dloop[0]) >> 2);
                if (n == 0)
                        return false;
                d = n;
        }
        return (d >> (g->nops - 1)) & 1;
}

/* d = s << n over nw words (d and s distinct). */
static void
shl(uint64_t *d, const uint64_t *s, unsigned n, unsigned nw)
{
        unsigned ws = n >> 6, bs = n & 63;

        for (unsigned i = 0; i < nw; i++) {
                uint64_t v = 0;

                if (i >= ws) {
                        v = s[i - ws] << bs;
                        if (bs && i > ws)
                                v |= s[i - ws - 1] >> (64 - bs);
                }
                d[i] = v;
        }
}

struct wide {
        const struct policy_glob *g;
        unsigned nw, nlv;
        uint64_t lv[LEVELS][POLICY_WORDS_MAX];
};

/* One byte over many words: step, then the closure by doubling. */
static bool
step_wide(const struct wide *w, uint64_t *d, unsigned c, bool seg_start)
{
        const struct policy_bits *t = &w->g->bits;
        const uint64_t *take = &t->take[t->cls_of[c] * w->nw];
        uint64_t x[POLICY_WORDS_MAX], n[POLICY_WORDS_MAX], s[POLICY_WORDS_MAX];
        uint64_t tmp[POLICY_WORDS_MAX], live = 0;
        unsigned nw = w->nw;

        for (unsigned i = 0; i < nw; i++) {
                x[i] = d[i] & take[i];
                if (c == '.' && seg_start)
                        x[i] &= t->dotlead[i];
                tmp[i] = x[i] & ~t->loop[i];
        }
        shl(n, tmp, 1, nw);
        for (unsigned i = 0; i < nw; i++) {
                n[i] |= x[i] & t->loop[i];
                s[i] = n[i] & t->seed[i];
        }
        for (unsigned j = 0; j < w->nlv; j++) {
                shl(tmp, s, 1u << j, nw);
                for (unsigned i = 0; i < nw; i++)
                        s[i] |= tmp[i] & w->lv[j][i];
        }
        for (unsigned i = 0; i < nw; i++) {
                uint64_t heads = (n[i] & t->dloop[i]) >> 2;

                if (i + 1 < nw)
                        heads |= (n[i + 1] & t->dloop[i + 1]) << 62;
                d[i] = n[i] | (s[i] & t->bound[i]) | heads;
                live |= d[i];
        }
        return live != 0;
}

static bool
run_wide(const struct policy_glob *g, const unsigned char *p, size_t len)
{
        struct wide w;
        uint64_t d[POLICY_WORDS_MAX];

        w.g = g;
        w.nw = policy_nwords(g);
        w.nlv = 0;
        memcpy(d, g->bits.start, w.nw * sizeof d[0]);
        memcpy(w.lv[0], g->bits.pass, w.nw * sizeof d[0]);
        for (w.nlv = 1; (1u << w.nlv) < g->nops && w.nlv < LEVELS; w.nlv++) {
                uint64_t tmp[POLICY_WORDS_MAX];

                shl(tmp, w.lv[w.nlv - 1], 1u << (w.nlv - 1), w.nw);
                for (unsigned i = 0; i < w.nw; i++)
                        w.lv[w.nlv][i] = w.lv[w.nlv - 1][i] & tmp[i];
        }
        for (size_t i = 0; i < len; i++)
                if (!step_wide(&w, d, p[i], i > 0 && p[i - 1] == '/'))
                        return false;
        return policy_nfa_accepts(g, d);
}

bool
policy_bits_run(const struct policy_glob *g, const unsigned char *p, size_t len)
{
        if (g->bits.nclasses == 0)
                return policy_nfa_run(g, p, len);
        if (g->nops <= 64)
                return run_word(g, p, len);
        return run_wide(g, p, len);
}
