/*
 * Debug-build checks that user space can ask for: the cspace invariant checker over
 * every capability the kernel can see (WRIT_SYS_DEBUG_CHECK). The checker needs every
 * non-empty slot, so the walk starts at the root task's CNode and follows CNode
 * capabilities, plus every TCB's own slots found on the way.
 */
#include <kern/console.h>
#include <kern/object.h>

#ifdef WRIT_DEBUG
#define MAX_RANGES 512

static struct cspace_range ranges[MAX_RANGES];
static unsigned n_ranges;

static bool
seen(const struct cte *slots)
{
	for (unsigned i = 0; i < n_ranges; i++)
		if (ranges[i].slots == slots)
			return true;
	return false;
}

static void
add_range(struct cte *slots, size_t count)
{
	if (n_ranges == MAX_RANGES || seen(slots))
		return;
	ranges[n_ranges++] = (struct cspace_range){ slots, count };
	for (size_t i = 0; i < count; i++) {
		const struct cap *c = &slots[i].cap;

		if (cap_type(c) == WRIT_OBJ_CNODE)
			add_range(cnode_slots(c), (size_t)1 << cap_cnode_radix(c));
		else if (cap_type(c) == WRIT_OBJ_TCB)
			add_range(tcb_of_cap(c)->slots, 1u << CSPACE_TCB_SLOT_RADIX);
	}
}

void
debug_check_invariants(struct tcb *t)
{
	struct cspace_report rep;
	int err;

	n_ranges = 0;
	add_range(t->slots, 1u << CSPACE_TCB_SLOT_RADIX);
	err = cspace_check(&kern_cspace, ranges, n_ranges, &rep);
	if (err != WRIT_OK)
		kprintf("cspace check: %s at slot %p\n", rep.why, (const void *)rep.slot);
	t->frame.rax = (uint64_t)err;
}
#endif
