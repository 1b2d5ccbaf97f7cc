/*
 * The compiled glob as an automaton, and matching.
 *
 * Model. Instruction i of struct policy_glob is NFA state i ("about to match item
 * i"); the last instruction is END, the only accepting state. Paths are read as the
 * bytes of their segments, each preceded by '/', so the root "/" is the empty word:
 * a glob is the concatenation of its segments and `**` is zero or more whole
 * segments, '/' included. Transitions on a byte b:
 *
 *   SLASH   '/' -> i+1            LIT/ANY/CLASS  b in the item's set -> i+1
 *   STAR    b != '/' -> i, eps -> i+1
 *   DSTAR   '/' -> i+1, eps -> i+3 (after the group: zero segments)
 *   DFIRST  b not '/', not '.' -> i+1
 *   DLOOP   b != '/' -> i, eps -> i-2 (another segment) and eps -> i+1
 *
 * The dotfile rule: a '.' that starts a segment is consumed only by a LIT '.' that
 * is the first item of its segment (POLICY_OPF_FIRST). No wildcard ('*', '?', a
 * class, `**`) matches a leading '.'. Inclusion steps parents with this same code.
 *
 * Cost: each byte visits each live state once, so matching a compiled glob costs
 * O(len(path) * nops), never exponential. policy_match runs the same automaton
 * bit-parallel (policy_bits.c): O(len(path) * words * log nops); this file's
 * state-by-state run is what inclusion steps and what tests compare against.
 */
#include <string.h>

#include "policy_internal.h"

int
policy_set_count(const uint64_t set[4])
{
        return __builtin_popcountll(set[0]) + __builtin_popcountll(set[1]) +
               __builtin_popcountll(set[2]) + __builtin_popcountll(set[3]);
}

int
policy_set_first(const uint64_t set[4])
{
        for (int k = 0; k < 4; k++)
                if (set[k])
                        return k * 64 + __builtin_ctzll(set[k]);
        return -1;
}

uint16_t
policy_glob_intern_set(struct policy_glob *g, const uint64_t set[4])
{
        for (uint16_t k = 0; k < g->nsets; k++)
                if (memcmp(g->sets[k], set, sizeof g->sets[k]) == 0)
                        return k;
        /* Room is guaranteed: a class costs at least four canonical bytes. */
        memcpy(g->sets[g->nsets], set, sizeof g->sets[0]);
        return g->nsets++;
}

static inline void
bit_set(uint64_t *set, unsigned i)
{
        set[i >> 6] |= 1ull << (i & 63);
}

void
policy_nfa_closure(const struct policy_glob *g, uint64_t *set)
{
        unsigned nw = policy_nwords(g);

        /* Epsilon edges all point forward except DLOOP -> DSTAR, whose own epsilon
         * target (i+1) DLOOP sets itself; so one ascending pass is a fixpoint. */
        for (unsigned w = 0; w < nw; w++) {
                uint64_t done = 0, bits;

                while ((bits = set[w] & ~done) != 0) {
                        unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);

                        done |= bits & -bits;
                        switch (g->ops[i].kind) {
                        case POLICY_OP_STAR:
                                bit_set(set, i + 1);
                                break;
                        case POLICY_OP_DSTAR:
                                bit_set(set, i + 3);
                                break;
                        case POLICY_OP_DLOOP:
                                bit_set(set, i - 2);
                                bit_set(set, i + 1);
                                break;
                        default:
                                break;
                        }
                }
        }
}

void
policy_nfa_start(const struct policy_glob *g, uint64_t *set)
{
        memset(set, 0, policy_nwords(g) * sizeof *set);
        set[0] = 1;
        policy_nfa_closure(g, set);
}

/* The dotfile rule, in one place. */
static inline bool
dot_ok(const struct policy_op *op, unsigned b, bool seg_start)
{
        if (b != '.' || !seg_start)
                return true;
        return op->kind == POLICY_OP_LIT && (op->flags & POLICY_OPF_FIRST);
}

bool
policy_op_takes(const struct policy_glob *g, const struct policy_op *op, unsigned b)
{
        switch (op->kind) {
        case POLICY_OP_SLASH:
        case POLICY_OP_DSTAR:
                return b == '/';
        case POLICY_OP_LIT:
                return b == op->arg;
        case POLICY_OP_ANY:
        case POLICY_OP_STAR:
        case POLICY_OP_DLOOP:
                return b != '/';
        case POLICY_OP_DFIRST:
                return b != '/' && b != '.';
        case POLICY_OP_CLASS:
                return policy_set_has(g->sets[op->set], b);
        default:
                return false;
        }
}

unsigned
policy_nfa_step(const struct policy_glob *g, const uint64_t *in, uint64_t *out,
                unsigned b, bool seg_start)
{
        unsigned nw = policy_nwords(g), work = nw;

        memset(out, 0, nw * sizeof *out);
        for (unsigned w = 0; w < nw; w++) {
                for (uint64_t bits = in[w]; bits; bits &= bits - 1) {
                        unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);
                        const struct policy_op *op = &g->ops[i];

                        work++;
                        if (!policy_op_takes(g, op, b) || !dot_ok(op, b, seg_start))
                                continue;
                        /* STAR and DLOOP loop on themselves; the rest advance. */
                        if (op->kind == POLICY_OP_STAR || op->kind == POLICY_OP_DLOOP)
                                bit_set(out, i);
                        else
                                bit_set(out, i + 1);
                }
        }
        policy_nfa_closure(g, out);
        return work;
}

/*
 * Canonical paths only. This is a validation function: the matcher's answer is
 * meaningful only for the one spelling of a path, so do not loosen it to "fix up"
 * input (that is the server's job, done before any policy is consulted).
 */
int
policy_check_path(const char *path, size_t len, size_t *bad_offset)
{
        size_t seg = 1, dummy;

        if (bad_offset == NULL)
                bad_offset = &dummy;
        *bad_offset = 0;
        if (path == NULL || len == 0 || path[0] != '/')
                return POLICY_E_PATH_RELATIVE;
        if (len > POLICY_PATH_MAX) {
                *bad_offset = POLICY_PATH_MAX;
                return POLICY_E_PATH_TOO_LONG;
        }
        if (len == 1)
                return POLICY_OK;
        for (size_t i = 1; i <= len; i++) {
                if (i < len && path[i] == '\0') {
                        *bad_offset = i;
                        return POLICY_E_PATH_NUL;
                }
                if (i < len && path[i] != '/')
                        continue;
                if (i == seg) {         /* the second '/' of "//", or a trailing '/' */
                        *bad_offset = i < len ? i : i - 1;
                        return POLICY_E_PATH_EMPTY_SEG;
                }
                if (path[seg] == '.' && (i - seg == 1 ||
                                         (i - seg == 2 && path[seg + 1] == '.'))) {
                        *bad_offset = seg;
                        return POLICY_E_PATH_DOT;
                }
                seg = i + 1;
        }
        return POLICY_OK;
}

/* The general run, any size: each live state visited once per byte. */
bool
policy_nfa_run(const struct policy_glob *g, const unsigned char *p, size_t len)
{
        uint64_t a[POLICY_WORDS_MAX], b[POLICY_WORDS_MAX];
        uint64_t *cur = a, *next = b, *t;
        unsigned nw = policy_nwords(g);

        policy_nfa_start(g, cur);
        for (size_t i = 0; i < len; i++) {
                uint64_t live = 0;

                policy_nfa_step(g, cur, next, p[i], i > 0 && p[i - 1] == '/');
                t = cur, cur = next, next = t;
                for (unsigned w = 0; w < nw; w++)
                        live |= cur[w];
                if (!live)
                        return false;
        }
        return policy_nfa_accepts(g, cur);
}

/*
 * Matching a glob without `**` (simple): the items in order, one backtrack point.
 * Only STAR is not one byte; it never takes '/', and every '/' of the word must meet
 * a SLASH item, so once a SLASH has matched no earlier star could take more: on a
 * mismatch, only the last star since then may grow by one byte (not '/'). The
 * dotfile rule as the automaton has it: a '.' that starts a segment (the word's first
 * byte, or one after '/') is taken only by a LIT '.' first in its segment. A few
 * instructions a byte, where the bit-parallel run pays a dozen shift-and-mask steps;
 * test_match compares the two on random globs.
 */
static inline __attribute__((always_inline)) bool
takes(const struct policy_glob *g, const struct policy_op *op, const unsigned char *w,
      size_t i)
{
        unsigned b = w[i];

        if (b == '.' && (i == 0 || w[i - 1] == '/'))
                return op->kind == POLICY_OP_LIT && op->arg == '.' &&
                       (op->flags & POLICY_OPF_FIRST);
        switch (op->kind) {
        case POLICY_OP_LIT:
                return b == op->arg;
        case POLICY_OP_SLASH:
                return b == '/';
        case POLICY_OP_ANY:
        case POLICY_OP_STAR:
                return b != '/';
        case POLICY_OP_CLASS:
                return policy_set_has(g->sets[op->set], b);
        default:
                return false;           /* END; `**` items are not in simple globs */
        }
}

static bool
simple_run(const struct policy_glob *g, const unsigned char *w, size_t len)
{
        size_t i = 0, star_i = 0;
        unsigned k = 0, star_k = 0;
        bool star = false;

        while (i < len) {
                const struct policy_op *op = &g->ops[k];

                if (op->kind == POLICY_OP_STAR) {
                        unsigned e = k + 1;

                        /* The commonest tail, `*` then literal bytes to the end
                         * ("*.txt"): the star takes what the tail leaves. */
                        while (g->ops[e].kind == POLICY_OP_LIT)
                                e++;
                        if (g->ops[e].kind == POLICY_OP_END) {
                                size_t tail = e - k - 1, end;

                                if (len - i < tail)
                                        return false;
                                end = len - tail;
                                for (size_t j = i; j < end; j++)
                                        if (!takes(g, op, w, j))
                                                return false;
                                for (size_t j = end; j < len; j++)
                                        if (!takes(g, &g->ops[k + 1 + (j - end)], w, j))
                                                return false;
                                return true;
                        }
                        star = true;            /* take nothing yet; grow on mismatch */
                        star_k = k++;
                        star_i = i;
                        continue;
                }
                if (op->kind != POLICY_OP_END && takes(g, op, w, i)) {
                        if (op->kind == POLICY_OP_SLASH)
                                star = false;   /* no star before it can grow now */
                        k++;
                        i++;
                        continue;
                }
                if (!star || w[star_i] == '/' || !takes(g, &g->ops[star_k], w, star_i))
                        return false;
                i = ++star_i;
                k = star_k + 1;
        }
        while (g->ops[k].kind == POLICY_OP_STAR)
                k++;
        return g->ops[k].kind == POLICY_OP_END;
}

bool
policy_match_canonical(const struct policy_glob *g, const char *path, size_t len)
{
        if (len == 1)           /* the root is the empty word */
                len = 0;
        return g->simple ? simple_run(g, (const unsigned char *)path, len) :
               policy_bits_run(g, (const unsigned char *)path, len);
}

int
policy_match(const struct policy_glob *g, const char *path, size_t len,
             bool *matched)
{
        int r;

        if (g == NULL || matched == NULL || g->nops == 0 || g->nops > POLICY_OPS_MAX)
                return POLICY_E_ARG;
        *matched = false;
        if ((r = policy_check_path(path, len, NULL)) != POLICY_OK)
                return r;
        if (len == 1)           /* the root is the empty word */
                len = 0;
        *matched = g->simple ? simple_run(g, (const unsigned char *)path, len) :
                   policy_bits_run(g, (const unsigned char *)path, len);
        return POLICY_OK;
}

int
policy_match_policy(const struct policy *p, const char *path, size_t len,
                    uint8_t want, bool *allowed)
{
        int r;

        if (p == NULL || allowed == NULL)
                return POLICY_E_ARG;
        *allowed = false;
        if ((r = policy_match(&p->glob, path, len, allowed)) != POLICY_OK)
                return r;
        *allowed = *allowed && policy_rights_subset(want, p->rights);
        return POLICY_OK;
}
