/*
 * The kernel's side of cspace/env.h. Until the kernel makes objects of its own (the
 * kernel-core issue), nothing is ever finalised and nothing long-running needs to stop.
 */
#include <cspace/cspace.h>
#include <cspace/env.h>

#include <kern/panic.h>

void
cspace_env_assert_fail(void *env, const char *expr, const char *file, int line)
{
	(void)env;
	kpanic("cspace invariant broken: %s (%s:%d)", expr, file, line);
}

bool
cspace_env_preempt(void *env)
{
	(void)env;
	return false;
}

void
cspace_env_finalise(void *env, const struct cap *cap)
{
	(void)env;
	(void)cap;
}
