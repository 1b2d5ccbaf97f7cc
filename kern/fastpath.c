/*
 * The IPC fastpath: Call and ReplyRecv in their common case, in straight-line C, entered
 * straight from the syscall stub and left through a sysret (kernel_exit).
 *
 * It applies only when the outcome is exactly what the full path (kern/ipc.c) would
 * produce, and otherwise declines, leaving every thread untouched, so the full path
 * runs instead:
 *   - a message of at most WRIT_MSG_MAX_LENGTH words, no fault involved (words past
 *     the registers go IPC buffer to IPC buffer, clamped as the full path clamps them
 *     when a thread has no buffer); no capabilities, or exactly one: on a Call with
 *     Grant and an IPC buffer (the full path's errors otherwise), on a ReplyRecv as
 *     Reply takes it. A capability to the very endpoint called is unwrapped inline
 *     (a scheme client naming its window or identity); any other goes through the
 *     full path's own transfer (ipc_transfer_caps: copied or moved, or not, as there),
 *     called once every test that may decline has passed;
 *   - the capability found in one CNode level (the usual flat CSpace);
 *   - Call: a receiver is already waiting on the endpoint;
 *     ReplyRecv: the caller is waiting for this reply, no sender is queued on the
 *     endpoint (the full path would take it at once), and the thread has no bound
 *     notification (whose signal would come first);
 *   - the thread that gets the message is the one the scheduler would pick next: no
 *     queued thread above its priority (sched_may_hand_off: a tie goes to it).
 * Because the running thread sits in no ready queue (kern/sched.c), the switch itself
 * touches no queue: the sender blocks, the receiver runs. What it skips is the general
 * machinery: message buffers, capability transfer, the full CSpace walk, fault
 * messages. The command-line word `nofastpath` selects the syscall entry without it
 * (x86_syscall_entry_select); the IPC tests run both ways and must agree.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/endpoint.h>
#include <kern/fastpath.h>
#include <kern/ipc.h>
#include <kern/panic.h>
#include <kern/sched.h>

#include <arch/asm.h>

#include <portable/string.h>

#define FRAME_TCB(f) ((struct tcb *)((char *)(f) - __builtin_offsetof(struct tcb, frame)))

/* Message info that fits: no capabilities and at most WRIT_MSG_MAX_LENGTH words (the
 * lengths past it, which the full path clamps, go there). */
#define INFO_FAST_MASK (WRIT_MSGINFO_CAPS_MASK << WRIT_MSGINFO_CAPS_SHIFT | \
			WRIT_MSGINFO_LENGTH_MASK << WRIT_MSGINFO_LENGTH_SHIFT)
_Static_assert(WRIT_MSGINFO_LENGTH_SHIFT == 0 &&
	       WRIT_MSGINFO_CAPS_SHIFT == 7 && WRIT_MSGINFO_LENGTH_MASK == 0x7f &&
	       WRIT_MSG_MAX_LENGTH < 1u << WRIT_MSGINFO_CAPS_SHIFT,
	       "(info & INFO_FAST_MASK) <= WRIT_MSG_MAX_LENGTH tests both fields at once");

/* The endpoint capability's rights the path needs, tested with its type in one go. */
#define CAP_TYPE_AND(right) (CAP_TYPE_MASK | (uint64_t)(right) << CAP_RIGHTS_SHIFT)
#define CAP_IS_EP_WITH(right) (WRIT_OBJ_ENDPOINT | (uint64_t)(right) << CAP_RIGHTS_SHIFT)

/* The slot a cptr names in the usual flat CSpace (cspace.h), or NULL. */
static inline __attribute__((always_inline)) struct cte *
lookup_flat(const struct tcb *t, writ_cptr_t cptr)
{
	return cnode_flat_slot(&t->slots[TCB_SLOT_CSPACE].cap, cptr);
}

/*
 * The words of a message past the registers, from's IPC buffer to to's; the length to
 * gets. As in the full path, a thread without an IPC buffer sends or receives the
 * registers only. Buffers are 1 KiB, 1 KiB aligned: two coincide or do not overlap, so
 * a forward copy gives what the full path's copy through its own array gives. Out of
 * line: most messages fit the registers.
 */
static __attribute__((noinline)) unsigned
copy_buffer_words(struct tcb *from, struct tcb *to, unsigned len)
{
	struct writ_ipc_buffer *src = tcb_ipc_buffer(from), *dst = tcb_ipc_buffer(to);

	KASSERT(len <= WRIT_MSG_MAX_LENGTH);
	if (len <= WRIT_MSG_REGS)
		return len;
	if (!src || !dst)
		return WRIT_MSG_REGS;
	if (src != dst)
		memcpy(&dst->msg[WRIT_MSG_REGS], &src->msg[WRIT_MSG_REGS],
		       (len - WRIT_MSG_REGS) * sizeof(dst->msg[0]));
	return len;
}

/* The message of `from` (registers, with long_msg the buffer words, and info) to `to`,
 * as the full path delivers it: no capabilities yet (the caller adds what went). */
static inline __attribute__((always_inline)) void
copy_message(struct tcb *from_t, struct tcb *to_t, uint64_t badge, bool long_msg)
{
	const struct trap_frame *from = &from_t->frame;
	struct trap_frame *to = &to_t->frame;
	uint64_t info = from->rsi;
	unsigned len = writ_msginfo_length(info);

#define COPY_MSG_REG(i, reg) if (len > i) to->reg = from->reg;
	X86_MSG_REGS(COPY_MSG_REG)
#undef COPY_MSG_REG
	if (long_msg)
		info = (info & ~(WRIT_MSGINFO_LENGTH_MASK << WRIT_MSGINFO_LENGTH_SHIFT)) |
		       (uint64_t)copy_buffer_words(from_t, to_t, len) << WRIT_MSGINFO_LENGTH_SHIFT;
	/* label and length as they are: the capability and unwrapped (move) fields go */
	to->rsi = info & ~(WRIT_MSGINFO_UNWRAP_MASK << WRIT_MSGINFO_UNWRAP_SHIFT |
			   WRIT_MSGINFO_CAPS_MASK << WRIT_MSGINFO_CAPS_SHIFT);
	to->rdi = badge;
	to->rax = WRIT_OK;
}

/* Run `next` now: nothing queued may outrank it. */
static inline __attribute__((always_inline, noreturn)) void
switch_to(struct tcb *next)
{
	KASSERT(!next->in_ready_queue && !sched_outranked(next->priority + 1u));
	next->state = TS_RUNNABLE;
	sched_load(next);
	fastpath_debug_hook();
	kernel_exit(&next->frame);
}

/*
 * Call once the capability is known to be an endpoint's with Write; long_msg: words
 * past the registers go too; one_cap: the message names one capability (the Call has
 * Grant and the sender an IPC buffer). A capability to this very endpoint (a scheme
 * client naming its window or identity) is unwrapped here: the receiver gets its
 * badge. Any other, or one that is not found in one level, goes through
 * ipc_transfer_caps once nothing can decline any more. Written once, instantiated
 * three times (syscall_call and call_long) so the usual case carries no test or spill
 * for the others.
 */
static inline __attribute__((always_inline, noreturn)) void
call_fast(struct trap_frame *f, struct tcb *t, struct cte *slot, bool long_msg, bool one_cap)
{
	struct endpoint *ep = (struct endpoint *)cap_addr(&slot->cap);
	struct tcb *recv = ep->head;
	struct writ_ipc_buffer *dst = NULL;
	struct cte *c = NULL;
	bool unwrap = false;
	uint64_t w0 = slot->cap.w0;

	if (!recv || recv->state != TS_BLOCKED_RECV || !sched_may_hand_off(recv))
		syscall_call_slow(t, slot);
	if (one_cap) {
		dst = tcb_ipc_buffer(recv);
		c = lookup_flat(t, tcb_ipc_buffer(t)->caps_or_badges[0]);
		unwrap = dst && c && cap_type(&c->cap) == WRIT_OBJ_ENDPOINT &&
			 cap_addr(&c->cap) == (uintptr_t)ep;
	}

	ep_remove_head(ep, recv);

	copy_message(t, recv, cap_badge(&slot->cap), long_msg);
	if (unwrap) {
		dst->caps_or_badges[0] = cap_badge(&c->cap);
		recv->frame.rsi |= 1ull << WRIT_MSGINFO_CAPS_SHIFT | 1ull << WRIT_MSGINFO_UNWRAP_SHIFT;
	} else if (one_cap) {
		/* Copied or moved into recv's receive slot, or not (the count says);
		 * `slot` itself cannot go: a capability to ep is unwrapped, never moved. */
		recv->frame.rsi |= ipc_transfer_caps(t, recv, ep, f->rsi);
	}
	f->rax = WRIT_OK;
	if (recv->caller)	/* an unanswered earlier call loses its reply */
		recv->caller->replier = NULL;
	recv->caller = t;
	t->replier = recv;
	t->call_cap_w0 = w0;			/* its GrantReply, for a reply with caps */
	t->state = TS_BLOCKED_REPLY;		/* keeping its turn, as sched_block says */
	switch_to(recv);
}

/* A Call whose message info is not the usual few registers: longer, or naming one
 * capability. */
static __attribute__((noinline, noreturn)) void
call_long(struct trap_frame *f, struct tcb *t, struct cte *slot)
{
	uint64_t info = f->rsi;

	if (writ_msginfo_length(info) > WRIT_MSG_MAX_LENGTH)
		syscall_call_slow(t, slot);
	if (writ_msginfo_caps(info) == 0)
		call_fast(f, t, slot, true, false);
	/* Without Grant, or without a buffer to name it in, the full path's error. */
	if (writ_msginfo_caps(info) != 1 || !(cap_rights(&slot->cap) & WRIT_RIGHT_GRANT) ||
	    !tcb_ipc_buffer(t))
		syscall_call_slow(t, slot);
	call_fast(f, t, slot, true, true);
}

/* Built without frame pointers (kern/CMakeLists.txt): neither function returns. */
void
syscall_call(struct trap_frame *f)
{
	struct tcb *t = FRAME_TCB(f);
	struct cte *slot = lookup_flat(t, f->rdi);

	KASSERT(t == sched_current);
	if (!slot ||
	    (slot->cap.w0 & CAP_TYPE_AND(WRIT_RIGHT_WRITE)) != CAP_IS_EP_WITH(WRIT_RIGHT_WRITE))
		syscall_call_slow(t, slot);
	if ((f->rsi & INFO_FAST_MASK) > WRIT_MSG_REGS)
		call_long(f, t, slot);
	call_fast(f, t, slot, false, false);
}

/*
 * ReplyRecv once the message is known to fit (long_msg as for call_fast); one_cap: it
 * names one capability, which goes as Reply's transfer takes it (only to a caller
 * whose Call had GrantReply) after every test that may decline.
 */
static inline __attribute__((always_inline, noreturn)) void
reply_recv_fast(struct trap_frame *f, bool long_msg, bool one_cap)
{
	struct tcb *t = FRAME_TCB(f), *caller = t->caller, *head;
	struct cte *slot;
	struct endpoint *ep;

	KASSERT(t == sched_current);
	/* the cheap tests first: the full path looks the capability up again anyway */
	if (!caller || caller->fault_type ||
	    t->bound_ntfn || !(slot = lookup_flat(t, f->rdi)) ||
	    (slot->cap.w0 & CAP_TYPE_AND(WRIT_RIGHT_READ)) != CAP_IS_EP_WITH(WRIT_RIGHT_READ))
		syscall_reply_recv_slow(t);
	ep = (struct endpoint *)cap_addr(&slot->cap);
	head = ep->head;
	/* a sender waits (the full path receives it), or the caller must wait its turn */
	if ((head && head->state != TS_BLOCKED_RECV) || !sched_may_hand_off(caller))
		syscall_reply_recv_slow(t);
	/* The full path replies first, then looks up what to receive on: a reply that
	 * moves that very capability away leaves nothing to receive on (its error). In a
	 * flat CSpace a lookup that succeeds finds the flat slot, so comparing the
	 * two slots is the whole test. */
	if (one_cap && (f->rsi >> WRIT_MSGINFO_MOVE_SHIFT & 1) && tcb_ipc_buffer(t) &&
	    lookup_flat(t, tcb_ipc_buffer(t)->caps_or_badges[0]) == slot)
		syscall_reply_recv_slow(t);

	KASSERT(caller->state == TS_BLOCKED_REPLY && caller->replier == t);
	t->caller = NULL;
	caller->replier = NULL;
	copy_message(t, caller, 0, long_msg);
	if (one_cap) {
		if (caller->call_cap_w0 >> CAP_RIGHTS_SHIFT & WRIT_RIGHT_GRANT_REPLY)
			caller->frame.rsi |= ipc_transfer_caps(t, caller, NULL, f->rsi);
		ipc_replied_caps(t, writ_msginfo_caps(caller->frame.rsi));
	}

	/* t waits at the tail of the endpoint's receivers: ep_append(), written out to test
	 * the head already loaded instead of loading the tail (the ReplyRecv figures) */
	t->state = TS_BLOCKED_RECV;
	t->timeslice = SCHED_TIMESLICE_TICKS;
	t->ep_next = NULL;
	t->ep_prev = ep->tail;
	if (head)
		ep->tail->ep_next = t;
	else
		ep->head = t;
	ep->tail = t;
	t->blocked_on = ep;
	switch_to(caller);
}

/* A ReplyRecv naming capabilities: one, in a message that fits, or the full path. */
static __attribute__((noinline, noreturn)) void
reply_recv_caps(struct trap_frame *f)
{
	uint64_t info = f->rsi;

	if (writ_msginfo_length(info) > WRIT_MSG_MAX_LENGTH || writ_msginfo_caps(info) != 1)
		syscall_reply_recv_slow(FRAME_TCB(f));
	reply_recv_fast(f, true, true);
}

static __attribute__((noinline, noreturn)) void
reply_recv_long(struct trap_frame *f)
{
	if ((f->rsi & INFO_FAST_MASK) > WRIT_MSG_MAX_LENGTH)
		reply_recv_caps(f);	/* or a length past the maximum: the full path */
	reply_recv_fast(f, true, false);
}

void
syscall_reply_recv(struct trap_frame *f)
{
	if ((f->rsi & INFO_FAST_MASK) > WRIT_MSG_REGS)
		reply_recv_long(f);
	reply_recv_fast(f, false, false);
}
