/*
 * Decoding an invocation: the message a thread sent to a kernel object, read one
 * argument at a time, every argument checked by the object code before use.
 */
#ifndef WRIT_KERN_INVOKE_H
#define WRIT_KERN_INVOKE_H

#include <stdbool.h>
#include <stdint.h>

#include <kern/object.h>
#include <kern/panic.h>

#define INV_MAX_RESULTS WRIT_CTX_COUNT

struct inv {
	struct tcb *t;                  /* the invoking thread */
	writ_word_t label;
	unsigned len;                   /* message words it sent */
	writ_word_t out[INV_MAX_RESULTS];
	unsigned nout;
};

/* The first n arguments, or WRIT_E_TRUNCATED_MESSAGE if the message is shorter. */
int inv_args(struct inv *iv, writ_word_t *a, unsigned n);

/*
 * inv_args() for an invocation whose arguments all travel in registers
 * (n <= WRIT_MSG_REGS): the same answer, without looking for an IPC buffer they cannot
 * be in, and inlined so that the hot invocations (Frame Map) pay no loop or call for
 * it. The register order is the syscall ABI's (<writ/abi.h>), as in syscall.c.
 */
static inline int
inv_args_regs(const struct inv *iv, writ_word_t a[WRIT_MSG_REGS], unsigned n)
{
	const struct trap_frame *f = &iv->t->frame;

	_Static_assert(WRIT_MSG_REGS == 4, "four message registers: rdx, r10, r8, r9");
	KASSERT(n <= WRIT_MSG_REGS);
	if (n > iv->len)
		return WRIT_E_TRUNCATED_MESSAGE;
	a[0] = f->rdx;
	a[1] = f->r10;
	a[2] = f->r8;
	a[3] = f->r9;
	return WRIT_OK;
}

void inv_ret(struct inv *iv, writ_word_t v);
/* A capability in the invoker's CSpace (full depth); type WRIT_OBJ_NULL = any type. */
int inv_lookup(struct inv *iv, writ_cptr_t cptr, unsigned type, struct cte **slot);
/* A slot named by (root CNode cptr in the invoker's CSpace, index, depth). */
int inv_lookup_slot(struct inv *iv, struct cte *root, writ_word_t index, writ_word_t depth,
		    struct cte **slot);
bool inv_frame_is_device(const struct cte *frame);

int tcb_invoke(struct inv *iv, struct cte *slot);
int cnode_invoke(struct inv *iv, struct cte *slot);
int untyped_invoke(struct inv *iv, struct cte *slot);
int vspace_invoke(struct inv *iv, struct cte *slot);
int ioport_invoke(struct inv *iv, struct cte *slot);

/* Notifications and IRQs (kern/object/notification.c, irq.c). */
int ntfn_invoke(struct inv *iv, struct cte *slot);
int ntfn_tcb_invoke(struct inv *iv, struct tcb *t);
int irq_invoke(struct inv *iv, struct cte *slot);
void irq_handler_finalise(const struct cap *cap);

/*
 * Delete a capability for an invocation: WRIT_OK when the slot is empty, or
 * WRIT_E_PREEMPTED when a teardown stopped for the timer (the slot then holds its
 * zombie; the invocation returns at once and is restarted by the caller).
 */
int obj_delete_fully(struct cte *slot);
void tcb_init(struct tcb *t);
/* Zero and construct the object a fresh capability names (device frames untouched). */
void obj_construct(const struct cap *c, bool device);
void tcb_finalise(struct tcb *t);

#endif
