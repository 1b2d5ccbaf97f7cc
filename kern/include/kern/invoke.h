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

#include <arch/regs.h>

#define INV_MAX_RESULTS WRIT_CTX_COUNT

struct inv {
	struct tcb *t;                  /* the invoking thread */
	writ_word_t label;
	unsigned len;                   /* message words it sent */
	/* The results; when the invocation fails with a WRIT_E_LOOKUP_* error, the lookup
	 * fault the failed lookup wrote here (<writ/abi.h>, "Lookup faults"). Only
	 * out[0..nout) ever reaches the caller, and all of it was written. */
	writ_word_t out[INV_MAX_RESULTS];
	unsigned nout;
};

_Static_assert(INV_MAX_RESULTS >= WRIT_LOOKUP_FAULT_LENGTH, "a lookup fault fits the results");

/*
 * A decode check failed: the invocation returns err. In a debug kernel booted with
 * the command-line word `why`, it also prints one line naming the thread, the
 * invocation, the argument and the rule broken (and a lookup fault's detail), as
 * seL4's userError does; in release kernels the message is not even compiled.
 * Usage: return INV_FAIL(iv, WRIT_E_RANGE, "count %lu above %u", n, max);
 */
#ifdef WRIT_DEBUG
int inv_fail(const struct inv *iv, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define INV_FAIL(iv, err, ...) inv_fail((iv), (err), __VA_ARGS__)
#else
#define INV_FAIL(iv, err, ...) ((void)(iv), (err))
#endif

/* A lookup fault the invocation found itself: cptr resolved to nothing (an empty
 * source slot, a VSpace map's missing page table). Returns WRIT_E_LOOKUP_MISSING_CAP. */
int inv_missing(struct inv *iv, writ_word_t cptr);

/* The first n arguments, or WRIT_E_TRUNCATED_MESSAGE if the message is shorter. */
int inv_args(struct inv *iv, writ_word_t *a, unsigned n);

/*
 * inv_args() for an invocation whose arguments all travel in registers
 * (n <= WRIT_MSG_REGS): the same answer, without looking for an IPC buffer they cannot
 * be in, and inlined so that the hot invocations (Frame Map) pay no loop or call for
 * it. The registers are the syscall ABI's (<arch/regs.h>).
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
/* A lookup failed: its fault becomes the reply (unless a later check fails otherwise).
 * Out of line and cold: the lookups that succeed pay nothing for it. */
void inv_lookup_failed(struct inv *iv, writ_word_t cptr, const struct cnode_fault *fault)
	__attribute__((cold));

/* A slot named by (root CNode cptr in the invoker's CSpace, index, depth). Inline, so
 * that its caller, which holds iv and index anyway, keeps them for the failure. */
static inline int
inv_lookup_slot(struct inv *iv, struct cte *root, writ_word_t index, writ_word_t depth,
		struct cte **slot)
{
	struct cnode_fault fault;
	int err;

	if (depth > WRIT_WORD_BITS)
		return WRIT_E_RANGE;
	err = cnode_lookup_slot(&root->cap, index, (unsigned)depth, slot, &fault);
	if (err != WRIT_OK)
		inv_lookup_failed(iv, index, &fault);
	return err;
}
bool inv_frame_is_device(const struct cte *frame);

/* A slot named by three arguments (CNode cptr in the invoker's CSpace, index, depth),
 * as every invocation that makes or moves a capability names one; `what` names it in
 * the debug line. Inline, as the CNode invocations had it before it was shared. */
static inline int
inv_lookup_triple(struct inv *iv, const writ_word_t triple[3], const char *what,
		  struct cte **slot)
{
	struct cte *root;
	int err;

	(void)what;	/* for the debug line only */
	err = inv_lookup(iv, triple[0], WRIT_OBJ_CNODE, &root);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%s: CNode 0x%lx", what, triple[0]);
	err = inv_lookup_slot(iv, root, triple[1], triple[2], slot);
	if (err != WRIT_OK)
		return INV_FAIL(iv, err, "%s: slot 0x%lx at depth %lu", what, triple[1],
				triple[2]);
	return WRIT_OK;
}

#endif
