/*
 * The scheduler: 256 priorities, round-robin within a priority, preemption by the timer.
 *
 * Model. A thread waits in the ready queue of its priority exactly when its state is
 * TS_RUNNABLE and it is not the running thread: the running thread (sched_current) is
 * in no queue while it runs, so that switching straight from one thread to another (the
 * IPC fastpath) touches no queue at all. It still behaves as if it headed its queue:
 * when the kernel is left and it may go on running, it keeps the CPU unless a queued
 * thread has a higher priority, and if one has, it goes back to the head of its queue,
 * not the tail. Yielding (or using up its timeslice) puts it at the tail instead. A
 * thread woken that outranks every queued one waits aside as the `candidate`, so that
 * the common wake-and-switch touches no queue either. The partner of an IPC that
 * hands it the CPU (a Call's receiver, a ReplyRecv's caller) also runs ahead of queued
 * equals, and a caller keeps its turn while it waits (sched_may_hand_off). A bitmap of non-empty queues, and
 * one of non-empty bitmap words, find the highest priority in two bit scans.
 * sched_current is NULL while the CPU idles.
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
#include <kern/panic.h>
#include <kern/sched.h>
#include <kern/vspace.h>

#include <arch/asm.h>
#include <arch/cpu.h>

struct tcb *sched_current;
struct sched_loaded sched_loaded;
uint64_t sched_ready_bits[(WRIT_PRIO_MAX + 1) / 64 + 1];	/* the last word stays 0 */
unsigned sched_ready_words;
static struct tcb *queue_head[WRIT_PRIO_MAX + 1], *queue_tail[WRIT_PRIO_MAX + 1];
/*
 * The thread woken last in this kernel entry, if it outranked every queued thread then:
 * it waits here instead of in its queue, because it is likely to run next, and then no
 * queue needs touching. It stands for the tail of its queue: the next wake-up puts it
 * there first, so threads woken in one entry keep their order.
 */
static struct tcb *candidate;

static void
mark_ready(unsigned p)
{
	sched_ready_bits[p / 64] |= 1ull << (p % 64);
	sched_ready_words |= 1u << (p / 64);
}

static void
mark_empty(unsigned p)
{
	sched_ready_bits[p / 64] &= ~(1ull << (p % 64));
	if (!sched_ready_bits[p / 64])
		sched_ready_words &= ~(1u << (p / 64));
}

void
sched_enqueue(struct tcb *t)
{
	unsigned p = t->priority;

	KASSERT(!t->in_ready_queue && t->state == TS_RUNNABLE);
	t->sched_next = NULL;
	t->sched_prev = queue_tail[p];
	if (queue_tail[p])
		queue_tail[p]->sched_next = t;
	else
		queue_head[p] = t;
	queue_tail[p] = t;
	mark_ready(p);
	t->in_ready_queue = 1;
}

/* The running thread, preempted before its turn is over, keeps its place. */
static void
enqueue_head(struct tcb *t)
{
	unsigned p = t->priority;

	KASSERT(!t->in_ready_queue && t->state == TS_RUNNABLE);
	t->sched_prev = NULL;
	t->sched_next = queue_head[p];
	if (queue_head[p])
		queue_head[p]->sched_prev = t;
	else
		queue_tail[p] = t;
	queue_head[p] = t;
	mark_ready(p);
	t->in_ready_queue = 1;
}

void
sched_dequeue(struct tcb *t)
{
	unsigned p = t->priority;

	if (t == candidate)
		candidate = NULL;
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
		mark_empty(p);
	t->sched_next = t->sched_prev = NULL;
	t->in_ready_queue = 0;
}

/* The candidate takes its place at the tail of its queue. */
static void
flush_candidate(void)
{
	if (candidate) {
		sched_enqueue(candidate);
		candidate = NULL;
	}
}

/* The running thread can go on running (it has not blocked or been stopped). */
static bool
running_ready(void)
{
	const struct tcb *cur = sched_current;

	return cur && cur->state == TS_RUNNABLE && !cur->in_ready_queue;
}

void
sched_make_runnable(struct tcb *t)
{
	t->state = TS_RUNNABLE;
	if (t->in_ready_queue || t == sched_current || t == candidate)
		return;
	flush_candidate();
	/* most wake-ups are of threads that do not outrank the one running */
	if ((running_ready() && t->priority <= sched_current->priority) ||
	    sched_queued_at_or_above(t->priority))
		sched_enqueue(t);
	else
		candidate = t;
}

/*
 * The full path's side of sched_may_hand_off: `to` waits aside as the candidate even
 * where equals are queued. Whether it runs is settled at the exit, when it is known
 * whether `from` stopped after all (a ReplyRecv that finds a sender waiting runs on;
 * `to` then goes to the tail of its queue, as any thread woken).
 */
void
sched_hand_off(struct tcb *to)
{
	KASSERT(!to->in_ready_queue && to != sched_current && to != candidate);
	to->state = TS_RUNNABLE;
	flush_candidate();
	if (!sched_may_hand_off(to)) {
		sched_enqueue(to);
		return;
	}
	candidate = to;
}

/*
 * A thread that blocks gives up the rest of its turn and starts the next afresh, but
 * for a caller: it keeps its turn, to go on with it when the answer hands it the CPU
 * back (sched_may_hand_off says why).
 */
void
sched_block(struct tcb *t, enum thread_state st, bool keeps_turn)
{
	t->state = st;
	if (!keeps_turn)
		t->timeslice = SCHED_TIMESLICE_TICKS;
	sched_dequeue(t);
}

/* The running thread goes behind the others of its priority, if it has any. */
void
sched_yield_current(void)
{
	struct tcb *t = sched_current;

	if (!running_ready())
		return;
	flush_candidate();
	if (sched_queued_at_or_above(t->priority))
		sched_enqueue(t);
}

/* A new priority; a thread that can run goes to the tail of its new queue. */
void
sched_set_priority(struct tcb *t, unsigned prio)
{
	sched_dequeue(t);
	t->priority = (uint8_t)prio;
	if (t->state == TS_RUNNABLE)
		sched_enqueue(t);
}

void
sched_tick(void)
{
	struct tcb *t = sched_current;

	if (t && t->state == TS_RUNNABLE && --t->timeslice == 0) {
		t->timeslice = SCHED_TIMESLICE_TICKS;
		sched_yield_current();
	}
}

/* Out of its queue, which it heads: what sched_dequeue does, in fewer steps. */
static void
take_head(struct tcb *t)
{
	unsigned p = t->priority;
	struct tcb *n = t->sched_next;

	KASSERT(queue_head[p] == t && t->in_ready_queue && t != candidate);
	queue_head[p] = n;
	if (n) {
		n->sched_prev = NULL;
	} else {
		queue_tail[p] = NULL;
		mark_empty(p);
	}
	t->sched_next = NULL;
	t->in_ready_queue = 0;
}

/* The first thread of the highest non-empty queue, or NULL. */
static struct tcb *
pick(void)
{
	unsigned w;

	if (!sched_ready_words)
		return NULL;
	w = 31 - (unsigned)__builtin_clz(sched_ready_words);
	return queue_head[w * 64 + 63 - (unsigned)__builtin_clzll(sched_ready_bits[w])];
}

bool
sched_has_runnable(void)
{
	return pick() != NULL || candidate ||
	       (sched_current && sched_current->state == TS_RUNNABLE);
}

/* Nothing to run: halt with interrupts on until an interrupt makes a thread ready. */
static __attribute__((noreturn)) void
idle(void)
{
	sched_current = NULL;
	for (;;)
		__asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
}

/* The TCB is going away: its FPU image must not be saved into freed memory. */
void
sched_forget(struct tcb *t)
{
	if (sched_loaded.fpu_owner == t)
		sched_loaded.fpu_owner = NULL;
	if (sched_current == t)
		sched_current = NULL;
	if (candidate == t)
		candidate = NULL;
}

void
sched_exit_to_user(void)
{
	struct tcb *cur = sched_current, *next = candidate;
	bool cur_ready = running_ready();

	if (__builtin_expect(next != NULL, 1)) {
		KASSERT(next->state == TS_RUNNABLE && !next->in_ready_queue);
		candidate = NULL;
		/* It stands at the tail of its queue: anyone queued there, or the running
		 * thread at its priority, goes first. But where the running thread has
		 * stopped, it goes before its equals: only sched_hand_off makes such a
		 * candidate with equals queued (sched_may_hand_off says why). */
		if (!cur_ready) {
			if (!sched_outranked(next->priority + 1u))
				sched_switch_to(next);
		} else if (next->priority > cur->priority &&
			   !sched_queued_at_or_above(next->priority)) {
			enqueue_head(cur);
			sched_switch_to(next);
		}
		sched_enqueue(next);
	}
	if (cur_ready) {
		if (!sched_outranked(cur->priority + 1u))
			sched_switch_to(cur);
		enqueue_head(cur);
	}
	next = pick();
	if (!next)
		idle();
	take_head(next);
	sched_switch_to(next);
}

/* Run `next`, which is in no queue and has at least the priority of every queued thread. */
void
sched_switch_to(struct tcb *next)
{
	KASSERT(!next->in_ready_queue && next->state == TS_RUNNABLE);
	KASSERT(!sched_queued_at_or_above(next->priority + 1u) && !candidate);
	sched_load(next);
	kernel_exit(&next->frame);
}
