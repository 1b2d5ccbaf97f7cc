/*
 * The IPC fastpath: Call and ReplyRecv in their common case, in straight-line C.
 *
 * It applies only when the outcome is exactly what the full path (kern/ipc.c) would
 * produce, and otherwise declines, leaving every thread untouched, so the full path
 * runs instead:
 *   - a message of at most WRIT_MSG_REGS words, no capabilities, no fault involved;
 *   - the capability found in one CNode level (the usual flat CSpace);
 *   - Call: a receiver is already waiting on the endpoint;
 *     ReplyRecv: the caller is waiting for this reply, no sender is queued on the
 *     endpoint (the full path would take it at once), and the thread has no bound
 *     notification (whose signal would come first);
 *   - the thread that gets the message is the one the scheduler would pick next: no
 *     other ready thread at or above its priority.
 * What it skips is the general machinery: message buffers, capability transfer, the
 * full CSpace walk, fault messages. `fastpath_enabled` is cleared by the command-line
 * word `nofastpath`; the IPC tests run both ways and must agree.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/fastpath.h>
#include <kern/object.h>

bool fastpath_enabled = true;

struct tcb *sched_peek_other(const struct tcb *t);

/* The slot a cptr names in a one-level CSpace whose guard and radix cover 64 bits. */
static struct cte *
lookup_flat(const struct tcb *t, writ_cptr_t cptr)
{
	const struct cap *root = &t->slots[TCB_SLOT_CSPACE].cap;
	unsigned radix, guard_bits;

	if (cap_type(root) != WRIT_OBJ_CNODE)
		return NULL;
	radix = cap_cnode_radix(root);
	guard_bits = cap_cnode_guard_bits(root);
	if (radix + guard_bits != WRIT_WORD_BITS || (cptr >> radix) != cap_cnode_guard(root))
		return NULL;
	return cnode_slots(root) + (cptr & ((1ull << radix) - 1));
}

/*
 * Would `next`, made runnable (at the tail of its queue) while `cur` blocks, be the
 * next to run? Only if every other ready thread has a lower priority.
 */
static bool
runs_next(const struct tcb *cur, const struct tcb *next)
{
	const struct tcb *top = sched_peek_other(cur);

	return !top || top->priority < next->priority;
}

static bool
simple_message(const struct tcb *t)
{
	return writ_msginfo_caps(t->frame.rsi) == 0 &&
	       writ_msginfo_length(t->frame.rsi) <= WRIT_MSG_REGS;
}

/* The message registers and info of `from` to `to`, as the full path delivers them. */
static void
copy_message(const struct tcb *from, struct tcb *to, uint64_t badge)
{
	unsigned len = writ_msginfo_length(from->frame.rsi);

	if (len > 0)
		to->frame.rdx = from->frame.rdx;
	if (len > 1)
		to->frame.r10 = from->frame.r10;
	if (len > 2)
		to->frame.r8 = from->frame.r8;
	if (len > 3)
		to->frame.r9 = from->frame.r9;
	to->frame.rsi = writ_msginfo(writ_msginfo_label(from->frame.rsi), 0, len);
	to->frame.rdi = badge;
	to->frame.rax = WRIT_OK;
}

struct tcb *
fastpath_call(struct tcb *t, struct cte **found)
{
	struct cte *slot;
	struct endpoint *ep;
	struct tcb *recv;

	*found = NULL;
	if (!fastpath_enabled || !(slot = lookup_flat(t, t->frame.rdi)) || cte_is_empty(slot))
		return NULL;
	*found = slot;		/* the full path need not look it up again */
	if (!simple_message(t) || cap_type(&slot->cap) != WRIT_OBJ_ENDPOINT ||
	    !(cap_rights(&slot->cap) & WRIT_RIGHT_WRITE))
		return NULL;
	ep = (struct endpoint *)cap_addr(&slot->cap);
	recv = ep->head;
	if (!recv || recv->state != TS_BLOCKED_RECV)
		return NULL;
	if (!runs_next(t, recv))
		return NULL;
	sched_dequeue(t);
	ep_remove(ep, recv);
	copy_message(t, recv, cap_badge(&slot->cap));
	t->frame.rax = WRIT_OK;
	if (recv->caller)
		recv->caller->replier = NULL;
	recv->caller = t;
	t->replier = recv;
	t->state = TS_BLOCKED_REPLY;
	sched_make_runnable(recv);
	return recv;
}

struct tcb *
fastpath_reply_recv(struct tcb *t)
{
	struct tcb *caller = t->caller;
	struct cte *slot;
	struct endpoint *ep;

	if (!fastpath_enabled || !caller || caller->fault_type || t->bound_ntfn ||
	    !simple_message(t) || !(slot = lookup_flat(t, t->frame.rdi)) ||
	    cap_type(&slot->cap) != WRIT_OBJ_ENDPOINT ||
	    !(cap_rights(&slot->cap) & WRIT_RIGHT_READ))
		return NULL;
	ep = (struct endpoint *)cap_addr(&slot->cap);
	if (ep->head && ep->head->state != TS_BLOCKED_RECV)
		return NULL;		/* a sender waits: the full path receives it */
	if (!runs_next(t, caller))
		return NULL;
	sched_dequeue(t);
	t->caller = NULL;
	caller->replier = NULL;
	copy_message(t, caller, 0);
	sched_make_runnable(caller);
	t->state = TS_BLOCKED_RECV;
	ep_append(ep, t);
	return caller;
}
