/*
 * Kernel objects as the kernel sees them: the structs behind TCB, endpoint and
 * notification capabilities, and the calls between the object files.
 *
 * Every object lives in memory user space retyped from Untyped, reached through the
 * direct map; nothing here is allocated by the kernel after boot. Capabilities name
 * objects by direct-map address (cspace/ stores it in the capability).
 */
#ifndef WRIT_KERN_OBJECT_H
#define WRIT_KERN_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include <cspace/cspace.h>
#include <writ/abi.h>

#include "arch/x86_64/trap.h"

/* The capabilities a TCB holds, in slots inside the TCB object itself, so they take
 * part in the derivation tree like any other: deleting the VSpace's last capability
 * elsewhere does not leave the TCB pointing at freed memory, because this copy keeps
 * the object alive until the TCB itself lets go. */
enum tcb_slot {
	TCB_SLOT_CSPACE,
	TCB_SLOT_VSPACE,
	TCB_SLOT_IPC_BUFFER,
	TCB_SLOT_FAULT_EP,
	TCB_SLOTS
};

enum thread_state {
	TS_INACTIVE,            /* never resumed, or suspended */
	TS_RUNNABLE,
	TS_BLOCKED_SEND,        /* queued on an endpoint to send (or Call) */
	TS_BLOCKED_RECV,        /* queued on an endpoint to receive */
	TS_BLOCKED_REPLY,       /* called; waiting for the reply */
	TS_BLOCKED_FAULT,       /* faulted; queued on its fault endpoint */
	TS_BLOCKED_NTFN,        /* waiting on a notification (kern/object/notification.c) */
};

struct endpoint;
struct notification;

struct tcb {
	/* First, as cspace/ expects: it empties these when the TCB's last capability goes. */
	struct cte slots[1u << CSPACE_TCB_SLOT_RADIX];
	struct trap_frame frame;                /* user registers while not running */
	uint8_t fpu[512] __attribute__((aligned(16)));  /* fxsave image */
	uint64_t fs_base, gs_base;
	uint64_t ipc_buffer_vaddr;
	struct tcb *sched_next, *sched_prev;    /* ready queue */
	struct tcb *ep_next, *ep_prev;          /* endpoint queue */
	struct endpoint *blocked_on;
	struct tcb *caller;                     /* whom my Reply goes to */
	struct tcb *replier;                    /* who holds my reply (I called them) */
	uint64_t send_badge;                    /* badge of the cap a queued send used */
	uint32_t state;                         /* enum thread_state */
	uint8_t priority, mcp;
	uint8_t is_call;                        /* queued send is a Call */
	uint8_t in_ready_queue;
	uint8_t send_can_grant;                 /* the send's cap rights: Grant, GrantReply */
	uint8_t fault_type;                     /* pending fault */
	/* The first word of the capability my pending Call went through: a reply carries
	 * capabilities only if it had GrantReply. One store on the Call fastpath. */
	uint64_t call_cap_w0;
	uint64_t fault_addr, fault_error;       /* VM fault / exception details */
	uint32_t timeslice;                     /* ticks left */
	uint32_t id;                            /* for debug messages only */
	struct notification *bound_ntfn;        /* TCB_BIND_NOTIFICATION, or NULL */
};

_Static_assert(sizeof(struct tcb) <= (1u << WRIT_TCB_BITS), "a TCB fits its object size");
_Static_assert(__builtin_offsetof(struct tcb, slots) == 0 && TCB_SLOTS <= (1u << CSPACE_TCB_SLOT_RADIX),
	       "cspace/ finds a TCB's slots at its start");
_Static_assert(__builtin_offsetof(struct tcb, frame) % 16 == 0,
	       "the CPU pushes the interrupt frame 16-byte aligned into tcb.frame");

/* Whether the queue holds senders or receivers is the state of its first thread. */
struct endpoint {
	struct tcb *head, *tail;
};

_Static_assert(sizeof(struct endpoint) <= (1u << WRIT_ENDPOINT_BITS), "endpoint size");

/*
 * A notification: the signal word and a FIFO of waiting threads. The queue is a struct
 * endpoint so a waiter's blocked_on can point at it and ipc_cancel() (suspend, delete)
 * takes a waiter out the same way it takes one out of an endpoint; the waiter's state,
 * TS_BLOCKED_NTFN, says which kind of queue it is in.
 */
struct notification {
	struct endpoint waiters;
	uint64_t word;
	struct tcb *bound;                      /* the TCB bound to it, or NULL */
};

_Static_assert(sizeof(struct notification) <= (1u << WRIT_NOTIFICATION_BITS),
	       "notification size");

/* ---- object lifecycle (kern/object/) ---- */
void obj_finalise(const struct cap *cap);
bool obj_preempt_pending(void);
void obj_cap_deleted(const struct cap *cap);

/* ---- the kernel's cspace context ---- */
extern struct cspace kern_cspace;

/* ---- scheduler (kern/sched.c) ---- */
#define SCHED_TIMESLICE_TICKS 2		/* timer ticks a thread runs before its equals */
extern struct tcb *sched_current;
void sched_enqueue(struct tcb *t);
void sched_dequeue(struct tcb *t);
void sched_yield_current(void);
void sched_set_priority(struct tcb *t, unsigned prio);
void sched_tick(void);
void sched_make_runnable(struct tcb *t);
bool sched_has_runnable(void);
void sched_block(struct tcb *t, enum thread_state st);
__attribute__((noreturn)) void sched_exit_to_user(void);
__attribute__((noreturn)) void sched_switch_to(struct tcb *next);

/* ---- threads (kern/object/tcb.c) ---- */
void tcb_suspend(struct tcb *t);
void tcb_resume(struct tcb *t);
struct tcb *tcb_of_cap(const struct cap *c);

/* ---- IPC (kern/ipc.c) ---- */
void ipc_send(struct tcb *sender, struct endpoint *ep, uint64_t badge, bool blocking,
	      bool is_call, unsigned grants);
void ipc_recv(struct tcb *receiver, struct endpoint *ep, bool blocking);
int ipc_reply(struct tcb *replier);
void ipc_cancel(struct tcb *t);
void ep_cancel_all(struct endpoint *ep);
void ep_cancel_badged(struct endpoint *ep, uint64_t badge);
void fault_raise(struct tcb *t, unsigned type, uint64_t addr, uint64_t error);
void ep_append(struct endpoint *ep, struct tcb *t);
void ep_remove(struct endpoint *ep, struct tcb *t);

/* ---- notifications (kern/object/notification.c) ---- */
void ntfn_signal(struct notification *n, uint64_t badge);
void ntfn_wait(struct tcb *t, struct notification *n, bool blocking);
bool ntfn_recv_bound(struct tcb *t);
void ntfn_finalise(struct notification *n);
void ntfn_unbind_tcb(struct tcb *t);
void ntfn_recv_cap(struct tcb *t, const struct cte *slot, bool blocking);

/* ---- user memory ---- */

/*
 * The kernel address of a thread's IPC buffer, or NULL without one. Inline: every
 * invocation's reply asks, usually only to learn that the registers suffice.
 */
static inline struct writ_ipc_buffer *
tcb_ipc_buffer(struct tcb *t)
{
	const struct cap *c = &t->slots[TCB_SLOT_IPC_BUFFER].cap;
	unsigned type = cap_type(c);
	uint64_t size;

	if (type != WRIT_OBJ_FRAME_4K && type != WRIT_OBJ_FRAME_2M)
		return NULL;
	size = type == WRIT_OBJ_FRAME_2M ? 1ull << 21 : 1ull << 12;
	return (struct writ_ipc_buffer *)(cap_addr(c) + (t->ipc_buffer_vaddr & (size - 1)));
}

#endif
