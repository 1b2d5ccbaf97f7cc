#ifndef WRIT_INIT_H
#define WRIT_INIT_H

#include <writ/writ.h>

#define FULL_DEPTH 64

/* The suite's state (named `init` because it ran as the root task until init became a
 * process manager; it still sees the machine as the root task does). */
struct init_state {
	const struct writ_bootinfo *bi;
	unsigned next_slot;
	unsigned failures;
	writ_cptr_t ram;		/* the largest RAM untyped */
	unsigned ram_bits;
	writ_cptr_t device;		/* some device untyped */
};

extern struct init_state init;

writ_cptr_t slot_alloc(void);
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_err(long got, long want, const char *name);
void tests_run(void);
void suite_init(void);

/* The TSC: under -icount shift=0 it counts instructions exactly. */
static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The median of v[0..n) (bench_ipc.c; reorders v). */
uint64_t median_of(uint64_t *v, unsigned n);
void bench_run(void);
bool cmdline_has(const char *word);

extern writ_cptr_t limbo_ep;
writ_cptr_t obj_new(unsigned type, unsigned size_bits);
uint64_t va_alloc(void);
void *page_new(writ_cptr_t *frame_out);
writ_cptr_t thread_new(void (*fn)(uint64_t), uint64_t arg, unsigned prio, writ_cptr_t fault_ep);
__attribute__((noreturn)) void thread_exit(void);
void root_yield_at(unsigned prio, unsigned n);

/* tests_ipc.c: the IPC tests (group ipc) and the worker threads bench_ipc.c uses too. */
void ipc_tests_run(void);
writ_cptr_t ipc_second_vspace(void);
bool ipc_worker_start(unsigned i, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
		      writ_cptr_t vspace, bool buffer);
void ipc_worker_stop(unsigned i);
void ipc_drain(void);

/* bench_ipc.c: the IPC benchmarks (bench ipc/...). */
void ipc_bench_run(void);
/* tests_ntfn.c: notifications, bound notifications and IRQs; their benchmarks. */
void tests_ntfn_run(void);
void bench_ntfn_run(void);

/* tests_msi.c: MSIs through QEMU's edu device (group irq), and kern/msi-latency. */
void msi_tests_run(void);
void msi_bench_run(void);

/* tests_sec.c: regressions for kernel-security bugs (group kern). */
void sec_tests_run(void);

/* tests_abi.c: every invocation of <writ/invocations.def> one argument short (kern). */
void abi_tests_run(void);

/* tests_upcall.c: the syscall upcall (kern), and its cost for bench kern/upcall-null. */
void upcall_tests_run(void);
bool upcall_bench(uint64_t *s, unsigned n);

/* tests_reply.c: replies with capabilities, callers of a deleted server. */
void reply_tests_run(void);

/* tests_vspace_sec.c: page tables emptied when they leave an address space (kern). */
void vspace_sec_tests_run(void);

/* tests_preempt.c: long deletions against the timer (kern; `icount`: bounded). */
void preempt_tests_run(void);

/* stress.c: the seeded random-syscall stress test (stress-seed=, stress-steps=). */
void stress_run(void);

#endif
