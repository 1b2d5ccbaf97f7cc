/*
 * Threads (kern/object/tcb.c): the TCB object as the kernel sees it, its states, and
 * the calls other files make on a thread.
 */
#ifndef WRIT_KERN_TCB_H
#define WRIT_KERN_TCB_H

#include <stdbool.h>
#include <stdint.h>

#include <cspace/cspace.h>
#include <writ/abi.h>

#include <arch/regs.h>
#include <arch/thread.h>
#include <arch/trap.h>

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
	uint8_t fpu[X86_FPU_STATE_BYTES] __attribute__((aligned(16)));  /* fxsave image */
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
	/* TCB_SET_UPCALL: where a non-negative syscall number sends the thread, 0: it
	 * faults. Last, off the IPC fastpath's lines: only the slow syscall path reads it. */
	uint64_t upcall;
};

_Static_assert(sizeof(struct tcb) <= (1u << WRIT_TCB_BITS), "a TCB fits its object size");
_Static_assert(__builtin_offsetof(struct tcb, slots) == 0 && TCB_SLOTS <= (1u << CSPACE_TCB_SLOT_RADIX),
	       "cspace/ finds a TCB's slots at its start");
_Static_assert(__builtin_offsetof(struct tcb, frame) % 16 == 0,
	       "the CPU pushes the interrupt frame 16-byte aligned into tcb.frame");

/* A user-context register (WRIT_CTX_* order) of a thread: its offset in the TCB. */
#define TCB_CTX_OFFSET_(index, where) [index] = (uint16_t)__builtin_offsetof(struct tcb, where),
static const uint16_t tcb_ctx_offset[WRIT_CTX_COUNT] = { X86_CTX_REGS(TCB_CTX_OFFSET_) };
#undef TCB_CTX_OFFSET_

static inline __attribute__((always_inline)) uint64_t
tcb_get_reg(struct tcb *t, unsigned i)
{
	return *(uint64_t *)((char *)t + tcb_ctx_offset[i]);
}

static inline __attribute__((always_inline)) void
tcb_set_reg(struct tcb *t, unsigned i, uint64_t v)
{
	/* Only the flags a user may change: no IOPL, no VM86, IF always on. */
	if (i == WRIT_CTX_RFLAGS)
		v = (v & X86_USER_RFLAGS_MASK) | X86_USER_RFLAGS_SET;
	/*
	 * A non-canonical RIP makes iretq itself fault, and a non-canonical base makes the
	 * wrmsr fault, both in the kernel: take only user addresses, and turn anything else
	 * into 0, which faults harmlessly in user mode on first use instead.
	 */
	if ((i == WRIT_CTX_RIP || i == WRIT_CTX_FS_BASE || i == WRIT_CTX_GS_BASE) &&
	    v >= WRIT_USER_HI)
		v = 0;
	*(uint64_t *)((char *)t + tcb_ctx_offset[i]) = v;
	t->frame.vector = TRAP_VECTOR_WRITTEN;	/* so RCX and R11 go back too */
}

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

	if (!cap_type_is_frame(type))
		return NULL;
	size = cap_frame_size(type);
	return (struct writ_ipc_buffer *)(cap_addr(c) + (t->ipc_buffer_vaddr & (size - 1)));
}

struct inv;

struct tcb *tcb_of_cap(const struct cap *c);
void tcb_init(struct tcb *t);
void tcb_suspend(struct tcb *t);
void tcb_resume(struct tcb *t);
void tcb_finalise(struct tcb *t);
int tcb_invoke(struct inv *iv, struct cte *slot);

#endif
