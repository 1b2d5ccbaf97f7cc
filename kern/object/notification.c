/*
 * Notifications: asynchronous signals, and binding them to threads.
 *
 * Model. A notification is a word of bits and a FIFO of waiting threads, never both at
 * once: while the word is non-zero nobody waits (a Wait takes the word at once), and
 * while threads wait the word is 0 (a signal hands its bits straight to the first
 * waiter). So a signal either ORs its badge into the word or wakes exactly one thread.
 * A signal through an unbadged capability ORs in 0: it wakes a waiter, but leaves
 * nothing behind when nobody waits; signallers should hold badged capabilities.
 *
 * A notification may be bound to one TCB and a TCB to one notification (n.bound and
 * t.bound_ntfn, always both or neither). The bound thread's Recv on an endpoint also
 * takes the notification's signals: a pending one before any message (ipc_recv asks
 * ntfn_recv_bound first), and one that arrives while it is blocked in that Recv pulls
 * it out of the endpoint queue. Only the bound thread may Wait on a bound notification,
 * since a second waiter would race it for the same signals.
 *
 * Waiters sit in n.waiters, a struct endpoint queue, with blocked_on pointing at it and
 * state TS_BLOCKED_NTFN, so ipc_cancel() removes them on suspend or delete like any
 * other blocked thread.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/invoke.h>
#include <kern/irq.h>
#include <kern/notification.h>
#include <kern/panic.h>
#include <kern/sched.h>

/* Hand a signal word to a thread that waited for it (directly or through its binding). */
static void
deliver_signal(struct tcb *t, uint64_t word)
{
	t->frame.rax = WRIT_OK;
	t->frame.rdi = word;
	t->frame.rsi = WRIT_MSGINFO_NOTIFICATION;
}

void
ntfn_signal(struct notification *n, uint64_t badge)
{
	struct tcb *t = n->waiters.head, *b = n->bound;

	if (t) {
		KASSERT(n->word == 0 && t->state == TS_BLOCKED_NTFN);
		ep_remove(&n->waiters, t);
		deliver_signal(t, badge);
		sched_make_runnable(t);
		return;
	}
	if (b && b->state == TS_BLOCKED_RECV && b->blocked_on) {
		/* The bound thread waits on an endpoint: the signal ends that receive. */
		KASSERT(n->word == 0);
		ep_remove(b->blocked_on, b);
		deliver_signal(b, badge);
		sched_make_runnable(b);
		return;
	}
	n->word |= badge;
}

void
ntfn_wait(struct tcb *t, struct notification *n, bool blocking)
{
	if (n->bound && n->bound != t) {
		t->frame.rax = WRIT_E_ILLEGAL_OPERATION;
		return;
	}
	if (n->word || !blocking) {
		deliver_signal(t, n->word);	/* a Poll of an idle notification reads 0 */
		n->word = 0;
		return;
	}
	sched_block(t, TS_BLOCKED_NTFN, false);
	ep_append(&n->waiters, t);
}

/* A bound thread is about to receive on an endpoint: take a pending signal instead. */
bool
ntfn_recv_bound(struct tcb *t)
{
	struct notification *n = t->bound_ntfn;

	if (!n || !n->word)
		return false;
	deliver_signal(t, n->word);
	n->word = 0;
	return true;
}

/* Recv or NBRecv on a notification capability (kern/syscall.c). */
void
ntfn_recv_cap(struct tcb *t, const struct cte *slot, bool blocking)
{
	if (!(cap_rights(&slot->cap) & WRIT_RIGHT_READ)) {
		t->frame.rax = WRIT_E_RIGHTS;
		return;
	}
	ntfn_wait(t, (struct notification *)cap_addr(&slot->cap), blocking);
}

/* The last capability is going: waiters wake with CANCELLED, the binding and IRQs let go. */
void
ntfn_finalise(struct notification *n)
{
	while (n->waiters.head) {
		struct tcb *t = n->waiters.head;

		ep_remove(&n->waiters, t);
		t->frame.rax = WRIT_E_CANCELLED;
		sched_make_runnable(t);
	}
	if (n->bound)
		ntfn_unbind_tcb(n->bound);
	irq_forget_ntfn(n);
}

void
ntfn_unbind_tcb(struct tcb *t)
{
	if (!t->bound_ntfn)
		return;
	t->bound_ntfn->bound = NULL;
	t->bound_ntfn = NULL;
}

/* Send, NBSend or Call on a notification capability: Signal. */
int
ntfn_invoke(struct inv *iv, struct cte *slot)
{
	if (!(cap_rights(&slot->cap) & WRIT_RIGHT_WRITE))
		return INV_FAIL(iv, WRIT_E_RIGHTS, "Signal needs Write");
	ntfn_signal((struct notification *)cap_addr(&slot->cap), cap_badge(&slot->cap));
	return WRIT_OK;
}

/* TCB_BIND_NOTIFICATION and TCB_UNBIND_NOTIFICATION, on TCB t. */
int
ntfn_tcb_invoke(struct inv *iv, struct tcb *t)
{
	struct notification *n;
	struct cte *slot;
	writ_word_t a;
	int err;

	if (iv->label == WRIT_LABEL_TCB_UNBIND_NOTIFICATION) {
		if (!t->bound_ntfn)
			return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "the TCB is not bound");
		ntfn_unbind_tcb(t);
		return WRIT_OK;
	}
	_Static_assert(WRIT_ARGC_TCB_BIND_NOTIFICATION == 1, "the notification alone");
	err = inv_args(iv, &a, WRIT_ARGC_TCB_BIND_NOTIFICATION);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "the notification cptr is needed");
	err = inv_lookup(iv, a, WRIT_OBJ_NOTIFICATION, &slot);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "notification 0x%lx", a);
	if (!(cap_rights(&slot->cap) & WRIT_RIGHT_READ))	/* binding is a way of receiving */
		return INV_FAIL(iv, WRIT_E_RIGHTS, "binding needs Read");
	n = (struct notification *)cap_addr(&slot->cap);
	if (t->bound_ntfn)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "the TCB is bound already");
	if (n->bound)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "the notification is bound already");
	if (n->waiters.head)
		return INV_FAIL(iv, WRIT_E_ILLEGAL_OPERATION, "threads wait on the notification");
	t->bound_ntfn = n;
	n->bound = t;
	/* A bound thread waiting in Recv never coexists with a pending word (ntfn_signal
	 * relies on it): bound while it waits, it takes the word now, as if the signal had
	 * come after the binding. */
	if (n->word && t->state == TS_BLOCKED_RECV && t->blocked_on) {
		ep_remove(t->blocked_on, t);
		deliver_signal(t, n->word);
		n->word = 0;
		sched_make_runnable(t);
	}
	return WRIT_OK;
}
