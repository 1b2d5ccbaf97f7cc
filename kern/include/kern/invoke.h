/*
 * Decoding an invocation: the message a thread sent to a kernel object, read one
 * argument at a time, every argument checked by the object code before use
 * (kern/syscall.c). Each object's invoke function is declared in its own header.
 */
#ifndef WRIT_KERN_INVOKE_H
#define WRIT_KERN_INVOKE_H

#include <stdbool.h>
#include <stdint.h>

#include <kern/panic.h>
#include <kern/tcb.h>

#include "arch/x86_64/regs.h"

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
 * it. The registers are the syscall ABI's (arch/x86_64/regs.h).
 */
static inline int
inv_args_regs(const struct inv *iv, writ_word_t a[WRIT_MSG_REGS], unsigned n)
{
	const struct trap_frame *f = &iv->t->frame;

	KASSERT(n <= WRIT_MSG_REGS);
	if (n > iv->len)
		return WRIT_E_TRUNCATED_MESSAGE;
#define READ_MSG_REG(i, reg) a[i] = f->reg;
	X86_MSG_REGS(READ_MSG_REG)
#undef READ_MSG_REG
	return WRIT_OK;
}

void inv_ret(struct inv *iv, writ_word_t v);
/* A capability in the invoker's CSpace (full depth); type WRIT_OBJ_NULL = any type. */
int inv_lookup(struct inv *iv, writ_cptr_t cptr, unsigned type, struct cte **slot);
/* A slot named by (root CNode cptr in the invoker's CSpace, index, depth). */
int inv_lookup_slot(struct inv *iv, struct cte *root, writ_word_t index, writ_word_t depth,
		    struct cte **slot);
bool inv_frame_is_device(const struct cte *frame);

#endif
