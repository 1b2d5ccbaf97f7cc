/*
 * Object lifecycle: what happens when the last capability to an object goes, and the
 * kernel's side of long, preemptible capability operations.
 */
#include <kern/boot.h>
#include <kern/console.h>
#include <kern/irq.h>
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/vspace.h>

/* Every slot lives in the direct map of the low 4 GiB, the window cspace/ addresses. */
struct cspace kern_cspace = {
	.base = KERN_DIRECT_MAP,
	.nslots = (uint32_t)((4ull << 30) >> WRIT_SLOT_BITS),
};

/* Set while a teardown must finish in one go (inside a finaliser). */
static unsigned no_preempt;

bool
obj_preempt_pending(void)
{
	return !no_preempt && irq_timer_pending();
}

void
obj_finalise(const struct cap *cap)
{
	switch (cap_type(cap)) {
	case WRIT_OBJ_TCB:
		tcb_finalise(tcb_of_cap(cap));
		return;
	case WRIT_OBJ_ENDPOINT:
		ep_cancel_all((struct endpoint *)cap_addr(cap));
		return;
	case WRIT_OBJ_NOTIFICATION:
		ntfn_finalise((struct notification *)cap_addr(cap));
		return;
	case WRIT_OBJ_IRQ_HANDLER:
		irq_handler_finalise(cap);
		return;
	case WRIT_OBJ_PML4:
	case WRIT_OBJ_PDPT:
	case WRIT_OBJ_PD:
	case WRIT_OBJ_PT:
	case WRIT_OBJ_FRAME_4K:
	case WRIT_OBJ_FRAME_2M:
		vs_finalise(cap);
		return;
	default:
		return;
	}
}

void
obj_cap_deleted(const struct cap *cap)
{
	/* A frame or table capability that is not the last still owns its own mapping. */
	switch (cap_type(cap)) {
	case WRIT_OBJ_PDPT:
	case WRIT_OBJ_PD:
	case WRIT_OBJ_PT:
	case WRIT_OBJ_FRAME_4K:
	case WRIT_OBJ_FRAME_2M:
		vs_finalise(cap);
		return;
	default:
		return;
	}
}

int
obj_delete_fully(struct cte *slot)
{
	int err;

	no_preempt++;
	while ((err = cte_delete(&kern_cspace, slot)) == WRIT_E_PREEMPTED)
		;
	no_preempt--;
	return err;
}
