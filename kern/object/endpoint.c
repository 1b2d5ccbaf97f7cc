/*
 * Endpoints: the object behind synchronous IPC. An endpoint is idle, or holds a FIFO
 * queue of senders, or of receivers, never both (the state of its first thread says
 * which; the queue operations are inline in kern/endpoint.h, the IPC itself is
 * kern/ipc.c). Endpoints take no invocation. What is here is the end of waiting: when
 * the endpoint goes, or the last capability with a badge goes, the threads queued on it
 * are taken out and told.
 */
#include <kern/endpoint.h>
#include <kern/sched.h>
#include <kern/tcb.h>

/*
 * A thread taken out of an endpoint queue whose IPC will not happen. One in a syscall
 * wakes with WRIT_E_CANCELLED; one that faulted was in no syscall, so its registers stay
 * untouched (RAX included) and it stays stopped, its handler gone.
 */
static void
cancel_waiter(struct tcb *t)
{
	if (t->fault_type) {
		t->state = TS_INACTIVE;
		return;
	}
	t->frame.rax = WRIT_E_CANCELLED;
	sched_make_runnable(t);
}

/* An endpoint is going away: every waiter wakes with WRIT_E_CANCELLED. */
void
ep_cancel_all(struct endpoint *ep)
{
	while (ep->head) {
		struct tcb *t = ep->head;

		ep_remove(ep, t);
		cancel_waiter(t);
	}
}

/* The last capability with this badge is gone: its queued sends go with it. */
void
ep_cancel_badged(struct endpoint *ep, uint64_t badge)
{
	struct tcb *t = ep->head, *next;

	if (!ep_has_senders(ep))
		return;
	for (; t; t = next) {
		next = t->ep_next;
		if (t->send_badge != badge)
			continue;
		ep_remove(ep, t);
		cancel_waiter(t);
	}
}
