/*
 * harness.h - the host environment for cspace/ tests, fuzzer and benchmark.
 *
 * A world is one arena of 2^(ut_bits+1) bytes: the lower half holds the boot CNode
 * (the lookup root, like the root task's CNode), the upper half is the one RAM
 * untyped the tests retype from. The whole arena is the cspace window, so a check
 * scans every slot that could hold a capability.
 */
#ifndef CSPACE_TEST_HARNESS_H
#define CSPACE_TEST_HARNESS_H

#include <cspace/cspace.h>

struct test_env {
	unsigned preempt_every;         /* 0: never; n: stop after every n-th step */
	unsigned long steps;
	unsigned long finalised;
	unsigned long finalised_type[64];
	unsigned long released;
	unsigned long badges_gone;
	uint64_t last_badge_gone;
	unsigned long released_type[64];
};

struct world {
	struct cspace cs;
	struct test_env env;
	void *mem;
	size_t bytes;
	unsigned ut_bits;
	struct cap boot;                /* the boot CNode cap (lookup root) */
	struct cte *slots;              /* the boot CNode's slots */
	struct cte *ut;                 /* boot slot 0: the RAM untyped */
};

void world_init(struct world *w, unsigned ut_bits, unsigned boot_radix);
void world_free(struct world *w);
/* The ranges world_check gives the checker (boot CNode, raw untyped memory). */
void world_ranges(const struct world *w, struct cspace_range r[2]);
/* Runs cspace_check on the whole arena; prints a not-ok line naming `what` if broken. */
bool world_check(struct world *w, const char *what);

/* Test lines; return cond. */
extern int t_failed;
bool t_check(bool cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int t_done(void);

#endif
