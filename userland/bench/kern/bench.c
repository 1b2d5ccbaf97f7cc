/*
 * Kernel-core benchmarks, run by the root task when the command line says `bench`.
 * Each figure is the median of many rounds of rdtsc deltas; under QEMU's
 * -icount shift=0 the TSC advances by one per instruction, so the figures are exact
 * instruction counts (kernel and user together). Lines read
 * `bench kern/NAME VALUE instructions`; the runner adds the accel= field it knows.
 */
#include <writ/writ.h>

#include "init.h"

#define ROUNDS 10001	/* medians of at least 10,000 rounds */

static uint64_t samples[ROUNDS];

static uint64_t tsc_overhead;

static void
report(const char *name, uint64_t *v, unsigned n)
{
	uint64_t m = median_of(v, n);

	writ_printf("bench kern/%s %lu instructions\n", name, m > tsc_overhead ? m - tsc_overhead : 0);
}

static void
bench_overhead(void)
{
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		samples[i] = rdtsc() - t0;
	}
	tsc_overhead = median_of(samples, ROUNDS);
}

static void
bench_null_syscall(void)
{
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		writ_yield();
		samples[i] = rdtsc() - t0;
	}
	report("null-syscall", samples, ROUNDS);
}

static void
bench_upcall(void)
{
	if (upcall_bench(samples, ROUNDS))
		report("upcall-null", samples, ROUNDS);
}

static void
bench_map(void)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0);
	uint64_t va = va_alloc();
	static uint64_t unmap[ROUNDS];

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc(), t1;

		writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, va, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
			       WRIT_MAP_WRITE_BACK);
		t1 = rdtsc();
		writ_frame_unmap(f);
		samples[i] = t1 - t0;
		unmap[i] = rdtsc() - t0;
	}
	report("map-4k-page", samples, ROUNDS);
	report("map-unmap-4k-page", unmap, ROUNDS);
}

static void
bench_thread_lifecycle(void)
{
	writ_cptr_t ut = obj_new(WRIT_OBJ_UNTYPED, 16), s = slot_alloc();
	unsigned n = 0;

	for (unsigned i = 0; i < 201; i++) {
		uint64_t t0 = rdtsc();

		writ_untyped_retype(ut, WRIT_OBJ_TCB, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1);
		writ_tcb_configure(s, 0, WRIT_SLOT_ROOT_CNODE, 0, WRIT_SLOT_ROOT_VSPACE, 0, 0);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, s, FULL_DEPTH);
		samples[n++] = rdtsc() - t0;
		writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, ut, FULL_DEPTH);	/* memory back */
	}
	report("thread-create-destroy", samples, n);
}

static void
yield_thread(uint64_t unused)
{
	(void)unused;
	for (;;)
		writ_yield();
}

static void
bench_context_switch(void)
{
	writ_cptr_t t = thread_new(yield_thread, 0, 100, 0);

	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		writ_yield();		/* to the other thread, which yields back */
		samples[i] = rdtsc() - t0;
	}
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	report("yield-round-trip-2-threads", samples, ROUNDS);
}

static volatile uint64_t fault_samples[ROUNDS];
static volatile unsigned fault_n;

static void
faulter_thread(uint64_t unused)
{
	(void)unused;
	for (;;) {
		uint64_t t0 = rdtsc();
		long r;

		__asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
		if (fault_n < ROUNDS)
			fault_samples[fault_n++] = rdtsc() - t0;
	}
}

static void
bench_fault_round_trip(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };
	writ_cptr_t t;

	t = thread_new(faulter_thread, 0, 200, ep);
	writ_recv(ep, &m);
	while (fault_n < ROUNDS) {
		/* Resume it unchanged: label 0, no registers written back. */
		m.info = writ_msginfo(0, 0, 0);
		writ_reply_recv(ep, &m);
	}
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	for (unsigned i = 0; i < ROUNDS; i++)
		samples[i] = fault_samples[i];
	report("fault-round-trip", samples, ROUNDS);
}

/*
 * The cheapest invocation there is (a frame's address): the syscall, one capability
 * lookup in the root CNode, the decode and the reply, so it bounds the in-kernel cost of
 * looking a capability up.
 */
static void
bench_lookup_invoke(void)
{
	writ_cptr_t f = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_word_t pa;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		writ_frame_get_address(f, &pa);
		samples[i] = rdtsc() - t0;
	}
	report("invoke-lookup-frame-address", samples, ROUNDS);
}

static void
bench_revoke(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), cn = obj_new(WRIT_OBJ_CNODE, 12);
	uint64_t t0;

	for (unsigned i = 0; i < 4096; i++)
		writ_cnode_copy(cn, i, 12, WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH,
				WRIT_RIGHT_READ | WRIT_RIGHT_WRITE);
	t0 = rdtsc();
	writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH);
	samples[0] = (rdtsc() - t0) / 4096;
	writ_printf("bench kern/revoke-per-cap %lu instructions\n", samples[0]);
}

static volatile uint64_t cap_wake_tsc;

/* Receives a capability into `slot` forever, noting the TSC when each arrives. */
static void
cap_sink(uint64_t arg)
{
	writ_cptr_t ep = (uint32_t)arg, slot = arg >> 32;
	struct writ_msg m = { 0 };

	for (;;) {
		writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, slot, FULL_DEPTH);
		writ_recv(ep, &m);
		cap_wake_tsc = rdtsc();
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, slot, FULL_DEPTH);
	}
}

/* One capability sent and received: Send -> the higher-priority receiver has it. */
static void
bench_cap_transfer(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), frame = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_cptr_t t = thread_new(cap_sink, ep | (uint64_t)slot_alloc() << 32, 200, 0);

	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct writ_msg m = { .info = writ_msginfo(1, 1, 0) };
		uint64_t t0;

		writ_set_cap(0, frame);
		t0 = rdtsc();
		writ_send(ep, &m);
		samples[i] = cap_wake_tsc - t0;
	}
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	report("cap-transfer-one-way", samples, ROUNDS);
}

void
bench_run(void)
{
	bench_overhead();
	bench_null_syscall();
	bench_upcall();
	bench_map();
	bench_thread_lifecycle();
	bench_context_switch();
	bench_fault_round_trip();
	bench_lookup_invoke();
	bench_revoke();
	bench_cap_transfer();
	ipc_bench_run();
	bench_ntfn_run();	/* tests_ntfn.c: signal -> wait, IRQ -> user thread */
	msi_bench_run();	/* tests_msi.c: MSI -> user thread */
}
