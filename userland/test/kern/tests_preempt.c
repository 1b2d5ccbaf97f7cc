/*
 * Long deletions against the timer (group `kern`, issue 18 E and H). Each test builds
 * something whose deletion takes several timer periods (16383 endpoints), deletes it
 * by one path (Delete, Revoke, TCB Configure, a revoke through a cycle of CNodes), and
 * counts the kernel entries that stopped with WRIT_E_PREEMPTED.
 *
 * The boot with `icount` on the command line runs under -icount shift=0, where the TSC
 * counts instructions and the 1 ms timer fires every PREEMPT_TICK of them: there each
 * kernel entry must end within one period (plus the slack of one step and the entry
 * and exit), which also proves every period that passed was answered. Other boots (wall
 * clock TCG) only count and print.
 */
#include <writ/writ.h>

#include "init.h"

#define PREEMPT_TICK 1000000ull		/* 1 ms of 1 ns instructions */
#define PREEMPT_SLACK 100000ull
#define FILL 16383u			/* endpoints: slots 1.. of a radix-14 CNode */
#define MAX_CALLS 100000u

struct run {
	unsigned calls, preempted;
	uint64_t longest, total;
	long err;
};

/* Invokes until the kernel stops answering PREEMPTED, timing every kernel entry. */
static struct run
run_to_end(writ_cptr_t cap, writ_word_t label, const writ_word_t *a, unsigned n,
	   void (*between)(void))
{
	struct run r = { 0, 0, 0, 0, WRIT_OK };

	while (r.calls < MAX_CALLS) {
		uint64_t t0 = rdtsc(), dt;

		r.err = writ_invoke(cap, label, a, n, NULL, 0);
		dt = rdtsc() - t0;
		r.total += dt;
		if (dt > r.longest)
			r.longest = dt;
		r.calls++;
		if (r.err != WRIT_E_PREEMPTED)
			break;
		r.preempted++;
		if (between)
			between();
	}
	return r;
}

/*
 * The verdicts on one run: it finished; and, under icount, it ran long enough to need
 * preempting (three periods) and no kernel entry outlived a period.
 */
static void
check_run(const struct run *r, const char *what)
{
	char name[80];

	writ_printf("# %s: %u calls, preempted %u times, longest entry %lu, total %lu\n",
		    what, r->calls, r->preempted, r->longest, r->total);
	writ_snprintf(name, sizeof(name), "kern/preempt-%s-completes", what);
	check(r->err == WRIT_OK, name, "%s after %u calls", writ_error_name((int)r->err),
	      r->calls);
	if (!cmdline_has("icount"))
		return;
	writ_snprintf(name, sizeof(name), "kern/preempt-%s-is-long", what);
	check(r->total > 3 * PREEMPT_TICK, name, "only %lu instructions in all", r->total);
	writ_snprintf(name, sizeof(name), "kern/preempt-%s-bounded", what);
	check(r->preempted > 0 && r->longest <= PREEMPT_TICK + PREEMPT_SLACK, name,
	      "an entry ran %lu instructions (period %llu), preempted %u times", r->longest,
	      PREEMPT_TICK, r->preempted);
}

/* A radix-14 CNode with FILL endpoints (from untyped *ut) in slots 1..FILL. */
static writ_cptr_t
full_cnode(writ_cptr_t *ut)
{
	writ_cptr_t cn = obj_new(WRIT_OBJ_CNODE, 14);
	unsigned made = 0;

	*ut = obj_new(WRIT_OBJ_UNTYPED, 18);
	for (unsigned i = 1; i <= FILL; i += 256) {
		unsigned n = FILL + 1 - i < 256 ? FILL + 1 - i : 256;

		if (writ_untyped_retype(*ut, WRIT_OBJ_ENDPOINT, 0, cn, 0, 0, i, n) == WRIT_OK)
			made += n;
	}
	if (made != FILL)
		writ_printf("# full_cnode: made %u of %u endpoints\n", made, FILL);
	return cn;
}

static void
test_delete_large_cnode(void)
{
	writ_cptr_t ut, cn = full_cnode(&ut);
	const writ_word_t a[] = { cn, FULL_DEPTH };
	struct run r = run_to_end(WRIT_SLOT_ROOT_CNODE, WRIT_LABEL_CNODE_DELETE, a, 2, NULL);

	check_run(&r, "delete-cnode");
}

static void
test_revoke_large(void)
{
	writ_cptr_t ut, cn = full_cnode(&ut);
	const writ_word_t a[] = { ut, FULL_DEPTH };
	struct run r = run_to_end(WRIT_SLOT_ROOT_CNODE, WRIT_LABEL_CNODE_REVOKE, a, 2, NULL);

	check_run(&r, "revoke-untyped");
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, cn, FULL_DEPTH);
}

/* Configure replaces a TCB's CSpace slot that holds the last capability to a CNode. */
static void
test_configure_teardown(void)
{
	writ_cptr_t ut, cn = full_cnode(&ut), small = obj_new(WRIT_OBJ_CNODE, 2);
	writ_cptr_t tcb = obj_new(WRIT_OBJ_TCB, 0);
	const writ_word_t a[] = { 0, small, 0, 0, 0, 0 };
	struct run r;

	if (writ_tcb_configure(tcb, 0, cn, 0, 0, 0, 0) != WRIT_OK ||
	    writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, cn, FULL_DEPTH) != WRIT_OK) {
		check(false, "kern/preempt-configure-completes", "set-up failed");
		return;
	}
	r = run_to_end(tcb, WRIT_LABEL_TCB_CONFIGURE, a, 6, NULL);
	check_run(&r, "configure");
}

/*
 * A thread's Configure deletes its own CSpace, a full radix-14 CNode whose last slot
 * holds the thread's only TCB capability, so the teardown spans timer periods before it
 * reaches the TCB. After the first WRIT_E_PREEMPTED the thread's CSpace is a zombie and
 * its retry cannot even be looked up: the kernel must continue the teardown on that
 * retry (it used to answer a lookup error, and the thread ran on, holding its own TCB in
 * the zombie for ever). Had the TCB come first, the thread would be gone at once and the
 * rest of the teardown left to whoever revokes the untyped the CNode came from, as
 * after any deletion whose caller dies in it.
 */
static uint8_t own_stack[8192] __attribute__((aligned(16)));
static volatile unsigned own_preempted, own_returned;

static void
own_cspace_thread(uint64_t unused)
{
	static const writ_word_t none[6];	/* no CSpace, nothing else: delete them */

	(void)unused;
	while (writ_invoke(FILL, WRIT_LABEL_TCB_CONFIGURE, none, 6, NULL, 0) == WRIT_E_PREEMPTED)
		own_preempted++;
	own_returned = 1;			/* never: the TCB went with its CSpace */
	__asm__ volatile("ud2");		/* no CSpace left to yield by: be stopped */
}

static void
test_configure_own_cspace(void)
{
	writ_cptr_t ut, cn = full_cnode(&ut), t = obj_new(WRIT_OBJ_TCB, 0), frame;
	writ_cptr_t again = slot_alloc();
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	void *ipc = page_new(&frame);

	ctx[WRIT_CTX_RIP] = (writ_word_t)own_cspace_thread;
	ctx[WRIT_CTX_RSP] = (writ_word_t)(own_stack + sizeof(own_stack)) - 8;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = (writ_word_t)ipc;
	if (writ_cnode_delete(cn, FILL, 14) != WRIT_OK ||
	    writ_tcb_configure(t, 0, cn, WRIT_CNODE_GUARD(0, 50), WRIT_SLOT_ROOT_VSPACE,
			       (writ_word_t)ipc, frame) != WRIT_OK ||
	    writ_tcb_set_priority(t, WRIT_SLOT_ROOT_TCB, 100) != WRIT_OK ||
	    writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT) != WRIT_OK ||
	    writ_cnode_move(cn, FILL, 14, WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH) != WRIT_OK ||
	    writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, cn, FULL_DEPTH) != WRIT_OK) {
		check(false, "kern/preempt-configure-own-cspace-gone", "set-up failed");
		return;
	}
	root_yield_at(99, 1);	/* the thread, at 100, runs until it is gone */
	writ_printf("# configure-own-cspace: preempted %u times\n", own_preempted);
	check(!own_returned, "kern/preempt-configure-own-cspace-gone",
	      "the thread returned after %u preemptions", own_preempted);
	if (cmdline_has("icount"))
		check(own_preempted > 0, "kern/preempt-configure-own-cspace-preempted",
		      "%s", "the teardown never stopped for the timer");
	/* Every endpoint went with the CSpace: the untyped has no child left. */
	check_err(writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, 18, WRIT_SLOT_ROOT_CNODE, 0, 0,
				      again, 1), WRIT_OK, "kern/preempt-configure-own-cspace-freed");
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, frame, FULL_DEPTH);
}

/*
 * Issue 18 E in the kernel: CNodes A (radix 14, full) and B (radix 7) hold the last
 * capabilities to each other; revoking A's untyped tears both down, and at the first
 * preemption B's untyped is retyped at once. Before the fix the top zombie still lived
 * in B's memory then: the checker saw it (debug) and the retype wiped it while the tree
 * still linked to it, so the revoke never finished.
 */
static writ_cptr_t cycle_b_ut, cycle_b_again;
static bool cycle_b_checked, cycle_b_check_ok = true, cycle_b_reused;

/* At each preemption until B's memory is free: check, then retype it at once. */
static void
cycle_at_preemption(void)
{
	struct writ_msg m = { 0 };

	if (cycle_b_reused)
		return;
	cycle_b_checked = true;
	if ((init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL) &&
	    writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m) != WRIT_OK)
		cycle_b_check_ok = false;
	cycle_b_reused = writ_untyped_retype(cycle_b_ut, WRIT_OBJ_CNODE, 7,
					     WRIT_SLOT_ROOT_CNODE, 0, 0, cycle_b_again, 1) ==
			 WRIT_OK;
}

static void
test_zombie_cycle(void)
{
	writ_cptr_t ut_a = obj_new(WRIT_OBJ_UNTYPED, 19), ut_e;
	writ_cptr_t a = slot_alloc(), a2 = slot_alloc(), b = slot_alloc();
	const writ_word_t args[] = { ut_a, FULL_DEPTH };
	struct writ_msg m = { 0 };
	struct run r;
	unsigned made = 0;

	cycle_b_ut = obj_new(WRIT_OBJ_UNTYPED, 12);
	cycle_b_again = slot_alloc();
	ut_e = obj_new(WRIT_OBJ_UNTYPED, 18);
	if (writ_untyped_retype(ut_a, WRIT_OBJ_CNODE, 14, WRIT_SLOT_ROOT_CNODE, 0, 0, a, 1) ||
	    writ_untyped_retype(cycle_b_ut, WRIT_OBJ_CNODE, 7, WRIT_SLOT_ROOT_CNODE, 0, 0, b,
				1)) {
		check(false, "kern/zombie-cycle-set-up", "retype failed");
		return;
	}
	for (unsigned i = 1; i <= FILL; i += 256) {
		unsigned n = FILL + 1 - i < 256 ? FILL + 1 - i : 256;

		if (writ_untyped_retype(ut_e, WRIT_OBJ_ENDPOINT, 0, a, 0, 0, i, n) == WRIT_OK)
			made += n;
	}
	/*
	 * A's capability into B[0], then (through a copy of it) B's into A[0], then the
	 * copy goes: only the cycle holds them.
	 */
	check(made == FILL &&
	      writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, a2, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, a,
			      FULL_DEPTH, WRIT_RIGHTS_ALL) == WRIT_OK &&
	      writ_cnode_move(b, 0, 7, WRIT_SLOT_ROOT_CNODE, a, FULL_DEPTH) == WRIT_OK &&
	      writ_cnode_move(a2, 0, 14, WRIT_SLOT_ROOT_CNODE, b, FULL_DEPTH) == WRIT_OK &&
	      writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, a2, FULL_DEPTH) == WRIT_OK,
	      "kern/zombie-cycle-set-up", "made %u endpoints", made);
	r = run_to_end(WRIT_SLOT_ROOT_CNODE, WRIT_LABEL_CNODE_REVOKE, args, 2,
		       cycle_at_preemption);
	check_run(&r, "zombie-cycle");
	check(cycle_b_checked && cycle_b_check_ok, "kern/zombie-cycle-checked-while-preempted",
	      "%s", cycle_b_checked ? "the checker failed" : "never preempted");
	check(cycle_b_reused, "kern/zombie-cycle-freed-memory-reused",
	      "B's untyped could not be retyped at the preemption");
	if (init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL)
		check_err(writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m), WRIT_OK,
			  "kern/zombie-cycle-invariants-after");
	check_err(writ_untyped_retype(ut_a, WRIT_OBJ_CNODE, 14, WRIT_SLOT_ROOT_CNODE, 0, 0, a, 1),
		  WRIT_OK, "kern/zombie-cycle-memory-reusable");
}

/* Retype zeroes what it makes in one kernel entry: it refuses more than it can bound. */
static void
test_retype_bounded(void)
{
	writ_cptr_t ut = obj_new(WRIT_OBJ_UNTYPED, 23), s = slot_alloc(), s2 = slot_alloc();

	slot_alloc();
	check_err(writ_untyped_retype(ut, WRIT_OBJ_CNODE, 17, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_E_RANGE, "kern/retype-cnode-over-bound");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_2M, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s2,
				      2), WRIT_E_RANGE, "kern/retype-frames-over-bound");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_CNODE, 16, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1),
		  WRIT_OK, "kern/retype-cnode-at-bound");
	check_err(writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, 22, WRIT_SLOT_ROOT_CNODE, 0, 0, s2,
				      1), WRIT_OK, "kern/retype-untyped-not-zeroed");
}

void
preempt_tests_run(void)
{
	/* Under `check` every syscall runs the checker over 16K capabilities: too slow. */
	if (cmdline_has("check"))
		return;
	test_delete_large_cnode();
	test_revoke_large();
	test_configure_teardown();
	test_configure_own_cspace();
	test_zombie_cycle();
	test_retype_bounded();
}
