/*
 * Debug-build checks: the cspace invariant checker over every capability reachable
 * from the root task, on request (WRIT_SYS_DEBUG_CHECK) and, with the command-line word
 * `check`, after every syscall (a broken invariant then stops the kernel at the syscall
 * that broke it). The checker needs every non-empty slot, so the walk starts at the
 * root task's TCB and follows CNode capabilities, and every TCB's slots on the way.
 */
#include <kern/console.h>
#include <kern/debug.h>
#include <kern/object.h>
#include <portable/string.h>
#include <kern/tcb.h>

#ifdef WRIT_DEBUG
#define MAX_RANGES 2048

static struct cspace_range ranges[MAX_RANGES];
static unsigned n_ranges;

/* Ranges already listed, by address: open addressing, twice as many entries as ranges,
 * so each check stays linear in the number of CNodes and TCBs however they nest. */
#define SEEN_BITS 12
static const struct cte *seen_tab[1u << SEEN_BITS];

_Static_assert((1u << SEEN_BITS) >= 2 * MAX_RANGES, "the table never fills");

static bool
seen(const struct cte *slots)
{
	unsigned h = (unsigned)(((uintptr_t)slots >> WRIT_SLOT_BITS) * 0x9e3779b97f4a7c15ull >>
				(64 - SEEN_BITS));

	for (;; h = (h + 1) & ((1u << SEEN_BITS) - 1)) {
		if (seen_tab[h] == slots)
			return true;
		if (!seen_tab[h]) {
			seen_tab[h] = slots;
			return false;
		}
	}
}

static void add_range(struct cte *slots, size_t count);

/* The slots of the object a capability names, if it has any. */
static void
add_object(const struct cap *c)
{
	/* A zombie (a CNode or TCB being torn down) still holds capabilities. */
	if (cap_type(c) == WRIT_OBJ_CNODE || cap_type(c) == CAP_ZOMBIE)
		add_range(cnode_slots(c), (size_t)1 << cap_cnode_radix(c));
	else if (cap_type(c) == WRIT_OBJ_TCB)
		add_range(tcb_of_cap(c)->slots, 1u << CSPACE_TCB_SLOT_RADIX);
}

/*
 * Objects retyped from an untyped, found through the derivation tree: a CNode whose
 * only capability was moved into itself is reachable from no CSpace, but its slots
 * still hold capabilities the checker must see.
 */
static void
add_children(const struct cte *ut)
{
	uint32_t self = cte_index(&kern_cspace, ut);

	for (uint32_t i = ut->first; i != 0 && i != self; i = cte_at(&kern_cspace, i)->next)
		add_object(&cte_at(&kern_cspace, i)->cap);
}

/* Queue a range for the walk (ranges[] is the work list as well as the result). */
static void
add_range(struct cte *slots, size_t count)
{
	if (n_ranges == MAX_RANGES || seen(slots))
		return;	/* past MAX_RANGES the rest goes unchecked */
	ranges[n_ranges++] = (struct cspace_range){ slots, count, false };
}

/*
 * The objects the slots of one range name join the list behind it. The walk is a loop
 * over the list, never a recursion: user space decides how deep CNodes nest (a chain of
 * hundreds of radix-1 CNodes is cheap to build), and the kernel stack is 16 KiB.
 */
static void
scan_range(const struct cspace_range *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct cap *c = &r->slots[i].cap;

		add_object(c);
		if (cap_type(c) == WRIT_OBJ_UNTYPED)
			add_children(&r->slots[i]);
	}
}

struct tcb *debug_root_tcb;
bool debug_check_every_syscall;

/* Every capability reachable from the root task, checked; WRIT_OK or the first break. */
int
debug_check_all(void)
{
	struct cspace_report rep;
	int err;

	if (!debug_root_tcb)
		return WRIT_OK;
	n_ranges = 0;
	memset(seen_tab, 0, sizeof(seen_tab));
	add_range(debug_root_tcb->slots, 1u << CSPACE_TCB_SLOT_RADIX);
	for (unsigned r = 0; r < n_ranges; r++)
		scan_range(&ranges[r]);
	err = cspace_check(&kern_cspace, ranges, n_ranges, &rep);
	if (err != WRIT_OK)
		kprintf("cspace check: %s at slot %p (type %u)\n", rep.why, (const void *)rep.slot,
			rep.slot ? cap_type(&rep.slot->cap) : 0);
	return err;
}

void
debug_check_invariants(struct tcb *t)
{
	t->frame.rax = (uint64_t)debug_check_all();
}
#endif
