/*
 * fuzz.c - libFuzzer harness: the input bytes are the choices of the random-operation
 * engine (ops.c), so every input is an operation sequence run against the library and
 * the reference model, with the checker after every step. Any difference, broken
 * invariant, sanitizer report or assert is a crash.
 *
 *   build/host/bin/cspace_fuzz -max_total_time=3600 DIR     (run longer on demand)
 */
#include "ops.h"

#include <stdlib.h>

struct bytes {
	struct gen g;
	const uint8_t *p;
	size_t n;
};

static uint64_t
bytes_next(struct gen *g, uint64_t bound)
{
	struct bytes *b = (struct bytes *)g;
	uint64_t v = 0;
	unsigned need = bound <= 0x100 ? 1 : bound <= 0x10000 ? 2 : 8;

	for (unsigned i = 0; i < need; i++) {
		if (b->n == 0) {
			g->done = true;
			break;
		}
		v = v << 8 | *b->p++;
		b->n--;
	}
	return bound ? v % bound : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = { { bytes_next, false }, data, size };
	static struct sim s;
	bool ok = true;

	sim_init(&s);
	for (int i = 0; i < 400 && ok && !b.g.done; i++)
		ok = sim_step(&s, &b.g);
	sim_free(&s);
	if (!ok)
		abort();
	return 0;
}
