/*
 * The kernel's side of cspace/env.h: how the portable capability code asks the kernel
 * to stop (a broken invariant), whether to pause a long revoke (an interrupt is
 * waiting), and to tear down an object whose last capability went away.
 */
#include <cspace/cspace.h>
#include <cspace/env.h>

#include <kern/endpoint.h>
#include <kern/object.h>
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
	return obj_preempt_pending();
}

void
cspace_env_finalise(void *env, const struct cap *cap)
{
	(void)env;
	obj_finalise(cap);
}

void
cspace_env_released(void *env, const struct cap *cap)
{
	(void)env;
	obj_cap_deleted(cap);
}

void
cspace_env_badge_gone(void *env, const struct cap *cap)
{
	(void)env;
	if (cap_type(cap) == WRIT_OBJ_ENDPOINT)
		ep_cancel_badged((struct endpoint *)cap_addr(cap), cap_badge(cap));
}
