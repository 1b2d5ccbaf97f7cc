/*
 * Object types: what the kernel does for each type of object, in one place.
 *
 *   type          size (log2)          construct      finalise (last cap gone)   invoke
 *   Untyped       its size_bits        nothing        nothing                    untyped.c
 *   CNode         radix + SLOT_BITS    zeroed (cspace)  cspace/ empties slots    cnode.c
 *   Endpoint      ENDPOINT_BITS        zeroed         waiters cancelled          (IPC)
 *   Notification  NOTIFICATION_BITS    zeroed         waiters, binding, IRQ go   notification.c
 *   TCB           TCB_BITS             tcb_init       stopped, unbound           tcb.c
 *   PML4          PAGE_TABLE_BITS      kernel half    ASID retired               vspace.c
 *   PDPT, PD, PT  PAGE_TABLE_BITS      zeroed         unmapped                   vspace.c
 *   Frame 4K, 2M  FRAME_*_BITS         zeroed (RAM)   unmapped                   vspace.c
 *   IRQHandler    (no memory)          -              line masked, freed         irq.c
 *   IOPort        (no memory)          -              nothing                    ioport.c
 *
 * Sizes, and which types may derive from which, are cspace/'s (ut_object_bits in
 * cspace/src/untyped.c, cte_derive in cspace/src/cnode.c); the dispatch of an invocation
 * by type is obj_invoke() in kern/object.h, inline for the syscall path's figures. A
 * frame capability that is not the last owns a mapping of its own, which goes with it
 * (obj_cap_deleted). And the kernel's side of long, preemptible capability operations.
 */
#include <kern/boot.h>
#include <kern/console.h>
#include <kern/endpoint.h>
#include <kern/irq.h>
#include <kern/invoke.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <portable/string.h>
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

_Static_assert(sizeof(struct cte) == 1u << WRIT_SLOT_BITS, "a CNode is its slots");

/* Make the object a fresh capability names usable: zeroed and constructed. */
void
obj_construct(const struct cap *c, bool device)
{
	void *p = (void *)cap_addr(c);
	unsigned type = cap_type(c);

	switch (type) {
	case WRIT_OBJ_FRAME_4K:
	case WRIT_OBJ_FRAME_2M:
		if (!device)	/* device memory is the device's: never written */
			memset(p, 0, cap_frame_size(type));
		return;
	case WRIT_OBJ_UNTYPED:
		return;		/* zeroed when it becomes something */
	case WRIT_OBJ_CNODE:
		return;		/* cspace's retype emptied each slot, all a CNode holds */
	case WRIT_OBJ_TCB:
		memset(p, 0, 1u << WRIT_TCB_BITS);
		tcb_init(p);
		return;
	case WRIT_OBJ_ENDPOINT:
		memset(p, 0, 1u << WRIT_ENDPOINT_BITS);
		return;
	case WRIT_OBJ_NOTIFICATION:
		memset(p, 0, 1u << WRIT_NOTIFICATION_BITS);
		return;
	case WRIT_OBJ_PML4:
		vs_init_pml4(p);
		return;
	default:		/* PDPT, PD, PT */
		memset(p, 0, 1u << WRIT_PAGE_TABLE_BITS);
		return;
	}
}

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
	else if (cap_type_is_vspace(type))
		vs_finalise(cap);
}

void
obj_cap_deleted(const struct cap *cap)
{
	/* A frame capability that is not the last still owns its own mapping. */
	KASSERT(cap_type_is_frame(cap_type(cap)));
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
