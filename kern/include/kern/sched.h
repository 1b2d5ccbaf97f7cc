/*
 * The scheduler (kern/sched.c): its calls, and the state that the IPC fastpath
 * (kern/fastpath.c) reads and writes inline: one priority test and the loading of a
 * thread's CPU state.
 */
#ifndef WRIT_KERN_SCHED_H
#define WRIT_KERN_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <kern/cpu_features.h>
#include <kern/tcb.h>
#include <kern/vspace.h>

#include <arch/thread.h>

#define SCHED_TIMESLICE_TICKS 2		/* timer ticks a thread runs before its equals */
extern struct tcb *sched_current;
void sched_enqueue(struct tcb *t);
void sched_dequeue(struct tcb *t);
void sched_yield_current(void);
void sched_set_priority(struct tcb *t, unsigned prio);
void sched_tick(void);
void sched_make_runnable(struct tcb *t);
void sched_hand_off(struct tcb *to);
bool sched_has_runnable(void);
void sched_block(struct tcb *t, enum thread_state st, bool keeps_turn);
/* The TCB is going away: forget it as the FPU owner, current or candidate thread. */
void sched_forget(struct tcb *t);
__attribute__((noreturn)) void sched_exit_to_user(void);
__attribute__((noreturn)) void sched_switch_to(struct tcb *next);

/* What the CPU holds now: whose FPU registers. */
struct sched_loaded {
	struct tcb *fpu_owner;
};

extern struct sched_loaded sched_loaded;
/* Bit p % 64 of word p / 64: the ready queue of priority p is not empty. A last word,
 * always 0, lets sched_queued_at_or_above(WRIT_PRIO_MAX + 1) answer without a test. */
extern uint64_t sched_ready_bits[(WRIT_PRIO_MAX + 1) / 64 + 1];
/* Bit w: sched_ready_bits[w] is not zero. */
extern unsigned sched_ready_words;


/* Is a thread of priority p or higher waiting in a ready queue? */
static inline __attribute__((always_inline)) bool
sched_queued_at_or_above(unsigned p)
{
	unsigned w = p / 64;

	return (sched_ready_words >> w >> 1) != 0 || (sched_ready_bits[w] >> (p % 64)) != 0;
}

/* Would a queued thread run before one of priority p made ready now? Mostly none is. */
static inline __attribute__((always_inline)) bool
sched_outranked(unsigned p)
{
	return sched_ready_words != 0 && sched_queued_at_or_above(p);
}

/*
 * `from`, running, gives `to` a message and will wait for the answer (a Call, or the
 * reply of a ReplyRecv): may `to` run next? Yes unless a queued thread has a higher
 * priority; a tie goes to `to`, ahead of the queued equals (seL4's rule: the partner
 * of an IPC runs at once if no ready thread outranks it), so that a client and a
 * server of one priority pass the CPU back and forth without a trip through the
 * queue. What keeps a third thread of their priority from waiting for ever is that a
 * caller keeps its turn while it waits for the answer (sched_block): the ticks a
 * client spends count against one timeslice, and when it runs out the client goes
 * behind the third.
 */
static inline __attribute__((always_inline)) bool
sched_may_hand_off(const struct tcb *to)
{
	return !sched_outranked(to->priority + 1u);
}

/* Its address space: CR3 is written only when it changes. */
static inline __attribute__((always_inline)) void
vs_load(const struct tcb *t)
{
	const struct cap *vs = &t->slots[TCB_SLOT_VSPACE].cap;
	uint64_t *pml4 = cap_type(vs) == WRIT_OBJ_PML4 ? (uint64_t *)cap_addr(vs) : boot_pml4;

	if (pml4 != vs_active_pml4)
		vs_switch(pml4);
}

static inline __attribute__((always_inline)) void
sched_load_fpu(struct tcb *next)
{
	if (sched_loaded.fpu_owner)
		x86_fpu_save(sched_loaded.fpu_owner->fpu);
	x86_fpu_load(next->fpu);
	sched_loaded.fpu_owner = next;
}

/*
 * Its FS and GS bases, written at every switch to another thread: no cache of which
 * bases the CPU holds can be trusted, because user code changes the live bases without
 * the kernel by loading a segment selector (`mov %ax, %fs` loads the base from the
 * descriptor, or clears it for a null selector). A thread's own load lasts until it is
 * next switched out; the next thread, of this address space or another, always starts
 * on its own bases. The price is two wrmsr per switch (proofs-notes/kernel.md, K12).
 */
static inline __attribute__((always_inline)) void
sched_load_tls(const struct tcb *next)
{
	x86_tls_load(next->fs_base, next->gs_base);
}

/* Make `next` the running thread: its FPU, address space, TLS bases and entry frame. */
static inline __attribute__((always_inline)) void
sched_load(struct tcb *next)
{
	if (sched_loaded.fpu_owner != next)
		sched_load_fpu(next);
	vs_load(next);
	/* The same thread again (a syscall that switched nothing): the live bases are
	 * still its own, as it left them; nobody else ran in user mode in between. */
	if (next != sched_current)
		sched_load_tls(next);
	x86_set_entry_frame(&next->frame + 1);
	sched_current = next;
}

#endif
