/*
 * The scheduler: 256 priorities, round-robin within a priority, preemption by the timer.
 *
 * Model. A thread is in the ready queue of its priority exactly when its state is
 * TS_RUNNABLE (sched_check_invariants asserts it in debug builds); the running thread
 * stays at the head of its queue while it runs. A bitmap of non-empty queues finds the
 * highest priority in four word tests. sched_current is the thread whose registers the
 * next kernel entry saves, or NULL while the CPU idles.
 *
 * The kernel is entered and left as events: every path out of the kernel ends in
 * sched_exit_to_user(), which picks the thread to run, switches address space, FPU and
 * TLS base if they differ, points the entry frame at the thread's TCB and returns to
 * it. Nothing in the kernel blocks; there are no kernel threads.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/cpu_features.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/vspace.h>

#include "arch/x86_64/cpu.h"

#define TIMESLICE_TICKS 2

struct tcb *sched_current;
static struct tcb *fpu_owner;
static uint64_t loaded_fs_base, loaded_gs_base;	/* what the MSRs hold now */
static struct tcb *queue_head[WRIT_PRIO_MAX + 1], *queue_tail[WRIT_PRIO_MAX + 1];
static uint64_t ready_bits[4];

void kernel_exit(struct trap_frame *f) __attribute__((noreturn));

void
sched_enqueue(struct tcb *t)
{
	unsigned p = t->priority;

	KASSERT(!t->in_ready_queue);
	t->sched_next = NULL;
	t->sched_prev = queue_tail[p];
	if (queue_tail[p])
		queue_tail[p]->sched_next = t;
	else
		queue_head[p] = t;
	queue_tail[p] = t;
	ready_bits[p / 64] |= 1ull << (p % 64);
	t->in_ready_queue = 1;
}

void
sched_dequeue(struct tcb *t)
{
	unsigned p = t->priority;

	if (!t->in_ready_queue)
		return;
	if (t->sched_prev)
		t->sched_prev->sched_next = t->sched_next;
	else
		queue_head[p] = t->sched_next;
	if (t->sched_next)
		t->sched_next->sched_prev = t->sched_prev;
	else
		queue_tail[p] = t->sched_prev;
	if (!queue_head[p])
		ready_bits[p / 64] &= ~(1ull << (p % 64));
	t->sched_next = t->sched_prev = NULL;
	t->in_ready_queue = 0;
}

void
sched_make_runnable(struct tcb *t)
{
	t->state = TS_RUNNABLE;
	if (!t->in_ready_queue)
		sched_enqueue(t);
}

void
sched_block(struct tcb *t, enum thread_state st)
{
	t->state = st;
	sched_dequeue(t);
}

/* Move the current thread behind the others of its priority. */
void
sched_yield_current(void)
{
	struct tcb *t = sched_current;

	if (t && t->in_ready_queue) {
		sched_dequeue(t);
		sched_enqueue(t);
	}
}

void
sched_tick(void)
{
	struct tcb *t = sched_current;

	if (t && t->state == TS_RUNNABLE && --t->timeslice == 0) {
		t->timeslice = TIMESLICE_TICKS;
		sched_yield_current();
	}
}

static struct tcb *
pick(void)
{
	for (int w = 3; w >= 0; w--)
		if (ready_bits[w])
			return queue_head[w * 64 + 63 - __builtin_clzll(ready_bits[w])];
	return NULL;
}

/* The thread that would run next if `t` stopped being runnable, without any change. */
struct tcb *
sched_peek_other(const struct tcb *t)
{
	unsigned p = t->priority;

	/* t is running, so it heads the highest queue: every kernel exit picks again. */
	KASSERT(pick() == t);
	if (t->sched_next)
		return t->sched_next;
	/* t is alone at its priority: the highest non-empty queue below it. */
	for (int w = (int)(p / 64); w >= 0; w--) {
		uint64_t bits = ready_bits[w];

		if (w == (int)(p / 64))
			bits &= (1ull << (p % 64)) - 1;
		if (bits)
			return queue_head[w * 64 + 63 - __builtin_clzll(bits)];
	}
	return NULL;
}

bool
sched_has_runnable(void)
{
	return pick() != NULL;
}

/* Nothing to run: halt with interrupts on until an interrupt makes a thread ready. */
static __attribute__((noreturn)) void
idle(void)
{
	sched_current = NULL;
	for (;;)
		__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
}

static void
switch_fpu(struct tcb *next)
{
	if (fpu_owner == next)
		return;
	if (fpu_owner)
		x86_fxsave(fpu_owner->fpu);
	x86_fxrstor(next->fpu);
	fpu_owner = next;
}

/* The TCB is going away: its FPU image must not be saved into freed memory. */
void
sched_forget(struct tcb *t)
{
	if (fpu_owner == t)
		fpu_owner = NULL;
	if (sched_current == t)
		sched_current = NULL;
}

void
sched_exit_to_user(void)
{
	struct tcb *next = pick();

	if (!next)
		idle();
	sched_switch_to(next);
}

/* Run `next`, which the caller knows is the thread pick() would choose. */
void
sched_switch_to(struct tcb *next)
{
	KASSERT(next == pick());
	switch_fpu(next);
	vs_activate(next);
	if (next->fs_base != loaded_fs_base)
		x86_wrmsr(MSR_FS_BASE, loaded_fs_base = next->fs_base);
	if (next->gs_base != loaded_gs_base)
		x86_wrmsr(MSR_GS_BASE, loaded_gs_base = next->gs_base);
	x86_set_entry_frame(&next->frame + 1);
	sched_current = next;
	kernel_exit(&next->frame);
}
