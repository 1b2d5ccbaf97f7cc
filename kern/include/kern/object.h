/*
 * Object types (kern/object/object.c): what the kernel does for each type of object:
 * construct, finalise, release, invoke; and the kernel's side of cspace/'s long,
 * preemptible operations. Each object's own structs and calls are in
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

#include <kern/cnode.h>
#include <kern/irq.h>
#include <kern/notification.h>
#include <kern/tcb.h>
#include <kern/untyped.h>
#include <kern/vspace.h>

#include <arch/ioport.h>

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

/*
 * An invocation on a kernel object: the object's own decode, by type. Endpoints take
 * none (the IPC syscalls act on them). Inline: every kernel invocation passes here, and
 * the figures of the hot ones (Frame Map, GetAddress) count it as part of the syscall.
 */
static inline int
obj_invoke(struct inv *iv, struct cte *slot)
{
	unsigned type = cap_type(&slot->cap);

	switch (type) {
	case WRIT_OBJ_UNTYPED:
		return untyped_invoke(iv, slot);
	case WRIT_OBJ_CNODE:
		return cnode_invoke(iv, slot);
	case WRIT_OBJ_TCB:
		return tcb_invoke(iv, slot);
	case WRIT_OBJ_PML4:
	case WRIT_OBJ_PDPT:
	case WRIT_OBJ_PD:
	case WRIT_OBJ_PT:
	case WRIT_OBJ_FRAME_4K:
	case WRIT_OBJ_FRAME_2M:
		return vspace_invoke(iv, slot);
	case WRIT_OBJ_IOPORT_CONTROL:
	case WRIT_OBJ_IOPORT:
		return ioport_invoke(iv, slot);
	case WRIT_OBJ_NOTIFICATION:
		return ntfn_invoke(iv, slot);
	case WRIT_OBJ_IRQ_CONTROL:
	case WRIT_OBJ_IRQ_HANDLER:
		return irq_invoke(iv, slot);
	default:
		return WRIT_E_ILLEGAL_OPERATION;
	}
}

#endif
