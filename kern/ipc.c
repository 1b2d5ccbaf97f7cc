/*
 * Synchronous IPC through endpoints, and fault delivery, which is IPC too.
 *
 * Model. An endpoint is idle, or holds a FIFO queue of senders, or of receivers, never
 * both (the state of the first thread in it says which). A thread is in at most one endpoint queue, recorded in
 * tcb.blocked_on; its state says why (TS_BLOCKED_SEND, _RECV, _FAULT). A Call pairs
 * the caller with the receiver: receiver.caller = caller and caller.replier = receiver,
 * always both or neither, so deleting or suspending either side can cut the pair in
 * O(1) and a later Reply finds nobody (WRIT_E_NO_REPLY) instead of a stale thread.
 *
 * A message is the sender's message info and message registers: the first
 * WRIT_MSG_REGS in CPU registers (saved in the TCB frame), the rest in its IPC buffer,
 * which the kernel reaches through the direct map of the frame the TCB holds, never
 * through a user pointer. A faulting thread's message is made from its fault record
 * and registers instead.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/console.h>
#include <kern/endpoint.h>
#include <kern/ipc.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/tcb.h>

#include <arch/cpu.h>

/* Words of the message a thread sends: its fault message, or its own registers. */
static inline __attribute__((always_inline)) unsigned
message_words(struct tcb *t, uint64_t *words, uint64_t *label)
{
	struct writ_ipc_buffer *buf = tcb_ipc_buffer(t);
	unsigned len;

	if (t->fault_type == WRIT_FAULT_UNKNOWN_SYSCALL ||
	    t->fault_type == WRIT_FAULT_USER_EXCEPTION) {
		for (unsigned i = 0; i < WRIT_CTX_COUNT; i++)
			words[i] = tcb_get_reg(t, i);
		*label = t->fault_type;
		if (t->fault_type == WRIT_FAULT_UNKNOWN_SYSCALL)
			return WRIT_CTX_COUNT;
		words[WRIT_CTX_COUNT] = t->fault_addr;		/* vector */
		words[WRIT_CTX_COUNT + 1] = t->fault_error;
		return WRIT_CTX_COUNT + 2;
	}
	if (t->fault_type == WRIT_FAULT_VM) {
		words[WRIT_VM_FAULT_ADDR] = t->fault_addr;
		words[WRIT_VM_FAULT_ERROR] = t->fault_error;
		words[WRIT_VM_FAULT_IP] = t->frame.rip;
		words[WRIT_VM_FAULT_FETCH] = (t->fault_error >> 4) & 1;
		*label = WRIT_FAULT_VM;
		return WRIT_VM_FAULT_LENGTH;
	}
	len = writ_msginfo_length(t->frame.rsi);
	if (len > WRIT_MSG_MAX_LENGTH)
		len = WRIT_MSG_MAX_LENGTH;
	if (!buf && len > WRIT_MSG_REGS)
		len = WRIT_MSG_REGS;
	for (unsigned i = 0; i < len; i++)
		words[i] = i < WRIT_MSG_REGS ? *x86_msg_reg(&t->frame, i) : buf->msg[i];
	*label = writ_msginfo_label(t->frame.rsi);
	return len;
}

/*
 * The receiver's slot for the k-th capability copied to it: (receive_cnode cptr in its
 * CSpace, receive_index + k, receive_depth) in its IPC buffer, so a message's copied
 * capabilities land in consecutive slots; NULL unless that names an empty slot (an
 * index that would carry past the depth names none).
 */
static struct cte *
receive_slot(struct tcb *to, const struct writ_ipc_buffer *buf, unsigned k)
{
	struct cnode_fault fault;
	struct cte *cn, *slot;
	uint64_t depth = buf->receive_depth, index = buf->receive_index + k;

	if (depth == 0 || depth > WRIT_WORD_BITS || index < buf->receive_index ||
	    (depth < WRIT_WORD_BITS && index >> depth != 0))
		return NULL;
	if (cnode_lookup_cap(&to->slots[TCB_SLOT_CSPACE].cap, buf->receive_cnode,
			     WRIT_WORD_BITS, &cn, &fault) != WRIT_OK ||
	    cap_type(&cn->cap) != WRIT_OBJ_CNODE ||
	    cnode_lookup_slot(&cn->cap, index, (unsigned)depth, &slot, &fault) != WRIT_OK ||
	    !cte_is_empty(slot))
		return NULL;
	return slot;
}

/*
 * Capabilities named in the sender's IPC buffer go to the receiver: a capability to the
 * very endpoint the message came through is unwrapped into its badge; the others are
 * copied, or moved where the sender's message info asks (<writ/abi.h>), into the
 * receiver's receive slots, one after another. Transfer stops at the first that cannot
 * go (lookup failed, no empty slot, derivation or move refused); the count says how far
 * it got. Returns the message-info caps and unwrap fields for the receiver.
 *
 * A move is CNode Move's, from a slot the sender can name to one the receiver chose:
 * O(1), never a deletion, so nothing is finalised here. The sender's IPC buffer, TCB
 * and CSpace are held by the TCB's own slots, not by the capabilities it moves away,
 * and each capability and receive slot is looked up afresh after the previous move.
 */
uint64_t
ipc_transfer_caps(struct tcb *from, struct tcb *to, const struct endpoint *ep, uint64_t info)
{
	struct writ_ipc_buffer *src = tcb_ipc_buffer(from), *dst = tcb_ipc_buffer(to);
	unsigned done = 0, unwrapped = 0, copied = 0, n = writ_msginfo_caps(info);
	unsigned move = (unsigned)(info >> WRIT_MSGINFO_MOVE_SHIFT & WRIT_MSGINFO_MOVE_MASK);

	for (; src && dst && done < n; done++) {
		struct cnode_fault fault;
		struct cte *cap, *slot;

		if (cnode_lookup_cap(&from->slots[TCB_SLOT_CSPACE].cap, src->caps_or_badges[done],
				     WRIT_WORD_BITS, &cap, &fault) != WRIT_OK)
			break;
		if (cap_type(&cap->cap) == WRIT_OBJ_ENDPOINT && cap_addr(&cap->cap) == (uintptr_t)ep) {
			dst->caps_or_badges[done] = cap_badge(&cap->cap);
			unwrapped |= 1u << done;
			continue;
		}
		if (!(slot = receive_slot(to, dst, copied)) ||
		    ((move >> done & 1) ? cte_move(&kern_cspace, slot, cap)
				       : cte_copy(&kern_cspace, slot, cap, cap_rights(&cap->cap)))
		    != WRIT_OK)
			break;
		copied++;
	}
	return ((uint64_t)done & WRIT_MSGINFO_CAPS_MASK) << WRIT_MSGINFO_CAPS_SHIFT |
	       ((uint64_t)unwrapped & WRIT_MSGINFO_UNWRAP_MASK) << WRIT_MSGINFO_UNWRAP_SHIFT;
}

/* Deliver words to `to` as a received message with the given badge. */
static inline __attribute__((always_inline)) void
deliver(struct tcb *to, const uint64_t *words, unsigned len, uint64_t label, uint64_t badge)
{
	struct writ_ipc_buffer *buf = tcb_ipc_buffer(to);

	if (!buf && len > WRIT_MSG_REGS)
		len = WRIT_MSG_REGS;
	for (unsigned i = 0; i < len; i++) {
		if (i < WRIT_MSG_REGS)
			*x86_msg_reg(&to->frame, i) = words[i];
		else
			buf->msg[i] = words[i];
	}
	to->frame.rsi = writ_msginfo(label, 0, len);
	to->frame.rdi = badge;
	to->frame.rax = WRIT_OK;
}

static inline __attribute__((always_inline)) void
transfer(struct tcb *from, struct tcb *to, uint64_t badge, const struct endpoint *ep)
{
	uint64_t words[WRIT_MSG_MAX_LENGTH], label;
	unsigned len = message_words(from, words, &label), caps;

	deliver(to, words, len, label, badge);
	caps = from->fault_type ? 0 : writ_msginfo_caps(from->frame.rsi);
	if (caps && ep && (from->send_can_grant & WRIT_RIGHT_GRANT))
		to->frame.rsi |= ipc_transfer_caps(from, to, ep, from->frame.rsi);
}

/* A reply carries capabilities only when the caller's endpoint capability had
 * GrantReply: the caller chose to accept them (and set its receive slot). */
static void
transfer_reply(struct tcb *replier, struct tcb *caller)
{
	uint64_t words[WRIT_MSG_MAX_LENGTH], label;
	unsigned len = message_words(replier, words, &label), caps;

	deliver(caller, words, len, label, 0);
	caps = writ_msginfo_caps(replier->frame.rsi);
	if (caps && (caller->call_cap_w0 >> CAP_RIGHTS_SHIFT & WRIT_RIGHT_GRANT_REPLY))
		caller->frame.rsi |= ipc_transfer_caps(replier, caller, NULL, replier->frame.rsi);
	if (caps)
		ipc_replied_caps(replier, writ_msginfo_caps(caller->frame.rsi));
}

static void
pair(struct tcb *caller, struct tcb *server)
{
	if (server->caller)		/* an unanswered earlier call loses its reply */
		server->caller->replier = NULL;
	server->caller = caller;
	caller->replier = server;
	caller->call_cap_w0 = (uint64_t)(caller->send_can_grant & WRIT_RIGHT_GRANT_REPLY)
			      << CAP_RIGHTS_SHIFT;
	caller->state = TS_BLOCKED_REPLY;	/* keeping its turn (sched_block) */
}

void
ipc_send(struct tcb *sender, struct endpoint *ep, uint64_t badge, bool blocking,
	 bool is_call, unsigned grants)
{
	struct tcb *recv;

	if (!sender->fault_type)	/* a fault message is made from these registers */
		sender->frame.rax = WRIT_OK;
	if (ep_has_receivers(ep)) {
		recv = ep->head;
		ep_remove(ep, recv);
		sender->send_can_grant = (uint8_t)grants;
		transfer(sender, recv, badge, ep);
		if (is_call) {
			sched_hand_off(recv);
			sched_dequeue(sender);
			pair(sender, recv);
			return;
		}
		sched_make_runnable(recv);
		return;
	}
	if (!blocking)
		return;		/* NBSend with no receiver: dropped, as documented */
	sched_block(sender, sender->fault_type ? TS_BLOCKED_FAULT : TS_BLOCKED_SEND, is_call);
	sender->send_badge = badge;
	sender->is_call = is_call;
	sender->send_can_grant = (uint8_t)grants;
	ep_append(ep, sender);
}

void
ipc_recv(struct tcb *receiver, struct endpoint *ep, bool blocking)
{
	struct tcb *snd;

	if (receiver->bound_ntfn && ntfn_recv_bound(receiver))
		return;		/* a pending signal comes before any message */
	if (ep_has_senders(ep)) {
		snd = ep->head;
		ep_remove(ep, snd);
		transfer(snd, receiver, snd->send_badge, ep);
		if (snd->is_call)
			pair(snd, receiver);
		else
			sched_make_runnable(snd);
		return;
	}
	if (!blocking) {
		receiver->frame.rax = WRIT_E_WOULD_BLOCK;
		return;
	}
	sched_block(receiver, TS_BLOCKED_RECV, false);
	ep_append(ep, receiver);
}

/* The handler answered a fault: write back registers if it sent them, then resume. */
static void
fault_reply(struct tcb *replier, struct tcb *caller)
{
	uint64_t words[WRIT_MSG_MAX_LENGTH], label;
	unsigned len = message_words(replier, words, &label);

	if ((caller->fault_type == WRIT_FAULT_UNKNOWN_SYSCALL ||
	     caller->fault_type == WRIT_FAULT_USER_EXCEPTION) && len >= WRIT_CTX_COUNT)
		for (unsigned i = 0; i < WRIT_CTX_COUNT; i++)
			tcb_set_reg(caller, i, words[i]);
	caller->fault_type = WRIT_FAULT_NONE;
	if (label == 0)
		sched_make_runnable(caller);
	else
		caller->state = TS_INACTIVE;
}

int
ipc_reply(struct tcb *replier, bool then_wait)
{
	struct tcb *caller = replier->caller;

	/* Without a caller, or to a fault, capabilities named go nowhere: the replier
	 * keeps them all. */
	if (!caller) {
		if (writ_msginfo_caps(replier->frame.rsi))
			ipc_replied_caps(replier, 0);
		return WRIT_E_NO_REPLY;
	}
	replier->caller = NULL;
	caller->replier = NULL;
	if (caller->fault_type) {
		if (writ_msginfo_caps(replier->frame.rsi))
			ipc_replied_caps(replier, 0);
		fault_reply(replier, caller);
		return WRIT_OK;
	}
	transfer_reply(replier, caller);
	if (then_wait)
		sched_hand_off(caller);
	else
		sched_make_runnable(caller);
	return WRIT_OK;
}

/* Take t out of any IPC it is part of; it keeps no promise of a reply. */
void
ipc_cancel(struct tcb *t)
{
	if (t->blocked_on)
		ep_remove(t->blocked_on, t);
	if (t->replier) {
		t->replier->caller = NULL;
		t->replier = NULL;
	}
	if (t->caller) {
		struct tcb *c = t->caller;

		c->replier = NULL;
		t->caller = NULL;
		/* The caller learns its server is gone (a fault waits on, stopped). */
		if (!c->fault_type && c->state == TS_BLOCKED_REPLY) {
			c->frame.rax = WRIT_E_CANCELLED;
			sched_make_runnable(c);
		}
	}
}

void
fault_raise(struct tcb *t, unsigned type, uint64_t addr, uint64_t error)
{
	struct cte *ep = &t->slots[TCB_SLOT_FAULT_EP];

	t->fault_type = (uint8_t)type;
	t->fault_addr = addr;
	t->fault_error = error;
	/* Configure puts only endpoint capabilities with Write and Grant or GrantReply in
	 * this slot, and nothing else fills it (proofs-notes/kernel.md, K14). */
	KASSERT(cap_type(&ep->cap) != WRIT_OBJ_ENDPOINT ||
		((cap_rights(&ep->cap) & WRIT_RIGHT_WRITE) &&
		 (cap_rights(&ep->cap) & (WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY))));
	if (cap_type(&ep->cap) != WRIT_OBJ_ENDPOINT) {
#ifdef WRIT_DEBUG
		/* The shape of a kernel dump, so ./writ's annotator names the code too. */
		kprintf("*** user fault: thread %u, %s (addr %lx, error %lx); no handler, "
			"suspended\nRIP %016lx\n", t->id,
			type == WRIT_FAULT_VM ? "VM fault" : type == WRIT_FAULT_UNKNOWN_SYSCALL ?
			"unknown syscall" : "user exception", addr, error, t->frame.rip);
#endif
		tcb_suspend(t);
		return;
	}
	ipc_send(t, (struct endpoint *)cap_addr(&ep->cap), cap_badge(&ep->cap), true, true,
		 false);
}
