/*
 * ops.h - random operation sequences run against cspace/ and a reference model.
 *
 * The reference model is deliberately naive: one array entry per slot of the arena
 * holding the capability and the index of its parent slot, every question answered
 * by scanning the whole array. It shares nothing with the library but the capability
 * encoding (struct cap accessors), so a bug in the CDT, lookup, finality, teardown or
 * retype placement shows up as a difference.
 *
 * The same engine serves the model test (choices from a seeded PRNG) and the
 * libFuzzer harness (choices read from the input bytes).
 */
#ifndef CSPACE_TEST_OPS_H
#define CSPACE_TEST_OPS_H

#include "harness.h"

struct gen {
	/* A choice in [0, bound); bound >= 1. */
	uint64_t (*next)(struct gen *g, uint64_t bound);
	bool done;              /* the source ran dry (fuzzer input exhausted) */
};

struct mslot {
	struct cap cap;
	int parent;             /* slot index, or -1 */
};

struct sim {
	struct world w;
	struct mslot *m;        /* one per slot of the arena */
	size_t n;
	unsigned long m_finalised;
	bool verbose;
	unsigned long op;
	unsigned long ran[12], succeeded[12], teardowns;
	char last[160];         /* the last operation, for failure reports */
};

void sim_init(struct sim *s);
void sim_free(struct sim *s);
/* One random operation on both sides, then check + compare. False on a difference. */
bool sim_step(struct sim *s, struct gen *g);

#endif
