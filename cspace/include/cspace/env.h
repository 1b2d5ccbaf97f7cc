/*
 * cspace/env.h - what cspace/ needs from whoever links it.
 *
 * cspace/ has no globals and calls no library: its only ties to the world are these
 * five functions, which the kernel implements one way (kpanic, "interrupt pending?",
 * object teardown) and the host tests another (abort with a message, "preempt at every
 * step" on demand, counting finalisations). Each receives the `env` pointer the caller
 * stored in struct cspace, so one process can host several independent cspaces.
 *
 * Re-entrancy: cspace_env_finalise() is called with the tree consistent (the slot
 * emptied and relinked, or turned into a zombie) and may read any capability, but
 * must not create, move or delete capabilities: a delete from inside a teardown could
 * adopt the zombie being driven. Capabilities an object holds live in its own slots
 * (CNode, TCB), which cspace/ empties itself.
 */
#ifndef CSPACE_ENV_H
#define CSPACE_ENV_H

#include <stdbool.h>

struct cap;

/* Called when a kernel-made invariant is broken; must not return. */
void cspace_env_assert_fail(void *env, const char *expr, const char *file, int line);

/*
 * Called by long operations (revoke, CNode teardown) after each bounded unit of work
 * when more work remains; true means "stop now and report WRIT_E_PREEMPTED".
 */
bool cspace_env_preempt(void *env);

/*
 * Called once when the last capability to an object is deleted, with a copy of that
 * capability (type, address and type-specific fields), so the kernel can tear the
 * object down. Not called for untyped memory, which has nothing to tear down.
 * For objects with capability slots (CNode, TCB) it is called when the last
 * capability becomes a zombie, before cspace/ empties those slots: stop the thread
 * here, but leave the slots alone; the memory stays reserved until they are empty.
 */
void cspace_env_finalise(void *env, const struct cap *cap);

/*
 * Called when a capability that is NOT the last to its object is deleted, with a copy
 * of it, for the types whose capabilities carry state of their own: frames, each
 * capability of which owns at most one mapping that must go with it. (Page tables do
 * not: a table's one mapping is shared by its capabilities and goes with the last.)
 */
void cspace_env_released(void *env, const struct cap *cap);

/*
 * Called when the last capability carrying a badge (on an endpoint or notification that
 * other capabilities still name) is deleted, with a copy of it: sends queued with that
 * badge can no longer be attributed to anyone, so the kernel cancels them.
 */
void cspace_env_badge_gone(void *env, const struct cap *cap);

#endif /* CSPACE_ENV_H */
