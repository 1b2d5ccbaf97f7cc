/*
 * Shared by the library's files only: byte sets and the NFA step used by both the
 * matcher and the inclusion check, so that what inclusion reasons about is exactly
 * what matching enforces.
 */
#ifndef POLICY_INTERNAL_H
#define POLICY_INTERNAL_H

#include <policy/policy.h>

/* Bytes a segment may contain: 1..255 except '/'. */
#define POLICY_SEG_BYTES 254

static inline bool
policy_set_has(const uint64_t set[4], unsigned b)
{
        return (set[b >> 6] >> (b & 63)) & 1;
}

int policy_set_count(const uint64_t set[4]);
int policy_set_first(const uint64_t set[4]);
uint16_t policy_glob_intern_set(struct policy_glob *g, const uint64_t set[4]);
size_t policy_op_print_len(const struct policy_glob *g, const struct policy_op *op);

/* State sets are bitsets over instruction indices, nwords(g) words long. */
static inline unsigned
policy_nwords(const struct policy_glob *g)
{
        return (g->nops + 63u) / 64u;
}

void policy_glob_finish(struct policy_glob *g);
bool policy_op_takes(const struct policy_glob *g, const struct policy_op *op, unsigned b);
bool policy_bits_run(const struct policy_glob *g, const unsigned char *p, size_t len);

/* Byte classes: bytes that every set in play treats alike (see policy_bits.c). */
unsigned policy_refine(uint8_t cls_of[256], unsigned n, const uint64_t set[4]);
unsigned policy_refine_singletons(uint8_t cls_of[256], unsigned n, const uint64_t single[4]);
unsigned policy_glob_classes(const struct policy_glob *g, uint8_t cls_of[256], unsigned n,
                             uint64_t single[4]);
void policy_nfa_start(const struct policy_glob *g, uint64_t *set);
/* One byte: out = closure(step(in, b)). seg_start: the previous byte was '/'.
 * Returns the work done (words plus live states), which the inclusion budget counts. */
unsigned policy_nfa_step(const struct policy_glob *g, const uint64_t *in, uint64_t *out,
                     unsigned b, bool seg_start);
void policy_nfa_closure(const struct policy_glob *g, uint64_t *set);
/* The general matcher on an already validated path (root as len 0); tests
 * compare it with the bit-parallel one. */
bool policy_nfa_run(const struct policy_glob *g, const unsigned char *p, size_t len);

static inline bool
policy_nfa_accepts(const struct policy_glob *g, const uint64_t *set)
{
        unsigned end = g->nops - 1u;

        return (set[end >> 6] >> (end & 63)) & 1;
}

#endif
