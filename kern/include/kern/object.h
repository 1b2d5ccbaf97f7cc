/*
 * Kernel objects in general (kern/object/object.c): what happens when the last
 * capability to an object goes, the construction of fresh objects, and the kernel's side
 * of cspace/'s long, preemptible operations. Each object's own structs and calls are in
 * its header: tcb.h, endpoint.h, notification.h, cnode.h, untyped.h, vspace.h, irq.h,
 * ioport.h.
 *
 * Every object lives in memory user space retyped from Untyped, reached through the
 * direct map; nothing here is allocated by the kernel after boot. Capabilities name
 * objects by direct-map address (cspace/ stores it in the capability).
 */
#ifndef WRIT_KERN_OBJECT_H
#define WRIT_KERN_OBJECT_H

#include <stdbool.h>

#include <cspace/cspace.h>

/* The kernel's cspace context: the direct map as cspace/ addresses it. */
extern struct cspace kern_cspace;

void obj_finalise(const struct cap *cap);
bool obj_preempt_pending(void);
void obj_cap_deleted(const struct cap *cap);
/* Zero and construct the object a fresh capability names (device frames untouched). */
void obj_construct(const struct cap *c, bool device);
/*
 * Delete a capability for an invocation: WRIT_OK when the slot is empty, or
 * WRIT_E_PREEMPTED when a teardown stopped for the timer (the slot then holds its
 * zombie; the invocation returns at once and is restarted by the caller).
 */
int obj_delete_fully(struct cte *slot);

#endif
