/*
 * harness.c - host implementation of cspace/env.h and the test world.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portable/tap.h>

int t_failed;

static void
write_stdout(const char *line)
{
	fputs(line, stdout);
}

/* The test-output format every Writ test shares (portable/tap.h). */
static struct tap t_tap = { .vformat = vsnprintf, .write = write_stdout, .prefix = "cspace/" };

void
cspace_env_assert_fail(void *env, const char *expr, const char *file, int line)
{
	(void)env;
	tap_check(&t_tap, false, "assert", "%s at %s:%d", expr, file, line);
	fflush(stdout);
	abort();
}

bool
cspace_env_preempt(void *env)
{
	struct test_env *e = env;

	e->steps++;
	return e->preempt_every != 0 && e->steps % e->preempt_every == 0;
}

void
cspace_env_finalise(void *env, const struct cap *cap)
{
	struct test_env *e = env;

	e->finalised++;
	e->finalised_type[cap_type(cap) & 63]++;
}

void
cspace_env_released(void *env, const struct cap *cap)
{
	struct test_env *e = env;

	e->released++;
	e->released_type[cap_type(cap) & 63]++;
}

void
cspace_env_badge_gone(void *env, const struct cap *cap)
{
	struct test_env *e = env;

	e->badges_gone++;
	e->last_badge_gone = cap_badge(cap);
}

void
world_init(struct world *w, unsigned ut_bits, unsigned boot_radix)
{
	struct cap ut;

	memset(w, 0, sizeof(*w));
	w->ut_bits = ut_bits;
	w->bytes = (size_t)2 << ut_bits;
	w->mem = aligned_alloc(w->bytes, w->bytes);
	if (w->mem == NULL || (32ull << boot_radix) > (1ull << ut_bits)) {
		tap_check(&t_tap, false, "world", "cannot allocate %zu bytes", w->bytes);
		exit(1);
	}
	memset(w->mem, 0, w->bytes);
	w->cs.base = (uintptr_t)w->mem;
	w->cs.nslots = (uint32_t)(w->bytes >> WRIT_SLOT_BITS);
	w->cs.env = &w->env;
	w->boot = cap_make(WRIT_OBJ_CNODE, (uintptr_t)w->mem, WRIT_RIGHTS_ALL, boot_radix, 0);
	w->slots = cnode_slots(&w->boot);
	w->ut = &w->slots[0];
	ut = cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)w->mem + (1ull << ut_bits),
		      WRIT_RIGHTS_ALL, ut_bits, 0);
	if (cte_insert_root(&w->cs, w->ut, &ut) != WRIT_OK) {
		tap_check(&t_tap, false, "world", "boot untyped refused");
		exit(1);
	}
}

void
world_free(struct world *w)
{
	free(w->mem);
	w->mem = NULL;
}

/*
 * The boot half (its CNode, and slots tests use past it), and the untyped half as raw
 * memory where every capability
 * must live in a CNode, TCB or zombie still named (I7).
 */
void
world_ranges(const struct world *w, struct cspace_range r[2])
{
	r[0] = (struct cspace_range){ w->slots, w->bytes >> 1 >> WRIT_SLOT_BITS, false };
	r[1] = (struct cspace_range){ (struct cte *)((char *)w->mem + (w->bytes >> 1)),
				      w->bytes >> 1 >> WRIT_SLOT_BITS, true };
}

bool
world_check(struct world *w, const char *what)
{
	struct cspace_range r[2];
	struct cspace_report rep;
	char name[64];

	world_ranges(w, r);
	if (cspace_check(&w->cs, r, 2, &rep) == WRIT_OK)
		return true;
	snprintf(name, sizeof(name), "check-%s", what);
	tap_check(&t_tap, false, name, "%s (slot %ld)", rep.why,
		  rep.slot ? (long)(rep.slot - (struct cte *)w->mem) : -1L);
	t_failed++;
	return false;
}

bool
t_check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cond = tap_vcheck(&t_tap, cond, name, fmt, ap);
	va_end(ap);
	if (!cond)
		t_failed++;
	return cond;
}

int
t_done(void)
{
	printf("# %s\n", t_failed ? "some checks failed" : "all checks passed");
	return t_failed ? 1 : 0;
}
