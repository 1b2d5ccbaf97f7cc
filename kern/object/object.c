/*
 * Object lifecycle: what happens when the last capability to an object goes, and the
 * kernel's side of long, preemptible capability operations.
 */
#include <kern/boot.h>
#include <kern/console.h>
#include <kern/endpoint.h>
#include <kern/irq.h>
#include <kern/invoke.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/tcb.h>
#include <kern/vspace.h>

/* Every slot lives in the direct map, the window cspace/ addresses (32-bit slot
 * numbers reach 128 GiB; the direct map stops at VS_DIRECT_MAP_MAX_GIB). */
struct cspace kern_cspace = {
	.base = KERN_DIRECT_MAP,
	.nslots = (uint32_t)(((uint64_t)VS_DIRECT_MAP_MAX_GIB << 30) >> WRIT_SLOT_BITS),
};
_Static_assert(((uint64_t)VS_DIRECT_MAP_MAX_GIB << 30) >> WRIT_SLOT_BITS <= UINT32_MAX,
	       "slot numbers cover the direct map");

bool
obj_preempt_pending(void)
{
	return irq_timer_pending();
}

void
obj_finalise(const struct cap *cap)
{
	unsigned type = cap_type(cap);

	if (type == WRIT_OBJ_TCB)
		tcb_finalise(tcb_of_cap(cap));
	else if (type == WRIT_OBJ_ENDPOINT)
		ep_cancel_all((struct endpoint *)cap_addr(cap));
	else if (type == WRIT_OBJ_NOTIFICATION)
		ntfn_finalise((struct notification *)cap_addr(cap));
	else if (type == WRIT_OBJ_IRQ_HANDLER)
		irq_handler_finalise(cap);
	else if (type >= WRIT_OBJ_PML4 && type <= WRIT_OBJ_FRAME_2M)
		vs_finalise(cap);
}

void
obj_cap_deleted(const struct cap *cap)
{
	/* A frame capability that is not the last still owns its own mapping. */
	vs_finalise(cap);
}

/*
 * The deletion an invocation does on its own behalf (TCB Configure replacing a slot).
 * It used to run a teardown to its end with preemption off, one kernel entry for a
 * CNode of any size (issue 18 H); now it stops like Delete does, the slot keeps the
 * zombie, and the caller returns WRIT_E_PREEMPTED before touching anything else, so
 * the restarted invocation continues the teardown. (The name stays for its callers.)
 */
int
obj_delete_fully(struct cte *slot)
{
	return cte_delete(&kern_cspace, slot);
}
