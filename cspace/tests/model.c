/*
 * model.c - model-based random test: random operation sequences run against cspace/
 * and the naive reference model of ops.c, states compared after every operation and
 * the invariant checker run after every step (preemption is forced at random, often
 * at every step).
 *
 *   cspace_model                 runs the default seeds
 *   cspace_model SEED [OPS] [-v] reproduces one seed (printed by every run)
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prng {
	struct gen g;
	uint64_t x;
};

static uint64_t
prng_next(struct gen *g, uint64_t bound)
{
	struct prng *p = (struct prng *)g;
	uint64_t z = (p->x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return bound ? z % bound : 0;
}

static bool
run_seed(uint64_t seed, unsigned long ops, bool verbose)
{
	struct prng p = { { prng_next, false }, seed };
	struct sim s;
	bool ok = true;
	char name[64];

	sim_init(&s);
	s.verbose = verbose;
	for (unsigned long i = 0; i < ops && ok; i++)
		ok = sim_step(&s, &p.g);
	snprintf(name, sizeof(name), "model-seed-%llu", (unsigned long long)seed);
	t_check(ok, name, "after %lu ops (rerun: cspace_model %llu %lu -v)", s.op,
		(unsigned long long)seed, ops);
	printf("# seed %llu: %lu ops, %lu finalised (%lu CNodes, %lu TCBs); ok/run: copy %lu/%lu "
	       "mint %lu/%lu move %lu/%lu mutate %lu/%lu rotate %lu/%lu delete %lu/%lu "
	       "revoke %lu/%lu retype %lu/%lu issue %lu/%lu\n",
	       (unsigned long long)seed, s.op, s.w.env.finalised,
	       s.w.env.finalised_type[WRIT_OBJ_CNODE], s.w.env.finalised_type[WRIT_OBJ_TCB],
	       s.succeeded[0], s.ran[0],
	       s.succeeded[1], s.ran[1], s.succeeded[2], s.ran[2], s.succeeded[3], s.ran[3],
	       s.succeeded[4], s.ran[4], s.succeeded[5], s.ran[5], s.succeeded[6], s.ran[6],
	       s.succeeded[7], s.ran[7], s.succeeded[10], s.ran[10]);
	sim_free(&s);
	return ok;
}

int
main(int argc, char **argv)
{
	bool verbose = argc > 3 && strcmp(argv[3], "-v") == 0;

	if (argc > 1) {
		unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 0) : 3000;

		run_seed(strtoull(argv[1], NULL, 0), ops, verbose);
		return t_done();
	}
	for (uint64_t seed = 1; seed <= 16; seed++)
		run_seed(seed, 3000, false);
	return t_done();
}
