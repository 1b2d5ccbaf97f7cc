/*
 * IPC benchmarks (lines `bench ipc/NAME VALUE instructions`), run after the kernel-core
 * ones when the command line says `bench`. Medians of ROUNDS rounds of rdtsc deltas;
 * under -icount shift=0 one TSC tick is one instruction.
 *
 * Call + ReplyRecv: the client (the root task) reads the TSC right before its Call's
 * `syscall`, the server right after its Recv/ReplyRecv's `syscall` returns, and again
 * right before its ReplyRecv, and the client right after its Call returns. So
 *   one-way Call      = server after - client before,
 *   one-way ReplyRecv = client after - server before,
 *   round trip        = client after - client before,
 * each minus the same user sequence timed with a `nop` in place of the `syscall`
 * (as sel4bench does): what is left is the syscall and the kernel's path to sysret.
 * The round trip also includes the server's few user instructions between its two
 * reads (storing the samples).
 */
#include <writ/writ.h>

#include "init.h"

#define ROUNDS 10001
#define WARMUP 16

static uint64_t t_before_call[ROUNDS], t_after_recv[ROUNDS], t_before_reply[ROUNDS],
		t_after_call[ROUNDS], samples[ROUNDS];
static volatile unsigned server_round;
static writ_cptr_t bench_ep;
static volatile bool use_fpu;
static unsigned msg_len;

/* rdtsc into r, then the syscall (or nop) with rax = nr; rdtsc after into a. */
#define TIMED_SYSCALL(insn, nr, rdi, rsi, before, after)                                 \
	__asm__ volatile("rdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax\n\tmov %%rax, %1\n\t" \
			 "mov %4, %%rax\n\t" insn "\n\t"                                  \
			 "rdtsc\n\tshl $32, %%rdx\n\tor %%rdx, %%rax"                     \
			 : "=&a"(after), "=&r"(before), "+D"(rdi), "+S"(rsi)               \
			 : "r"((long)(nr))                                               \
			 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory")

static void
touch_fpu(void)
{
	double x = 1.5;

	__asm__ volatile("addsd %0, %0" : "+x"(x));
}

static void
report(const char *name, uint64_t value)
{
	writ_printf("bench ipc/%s %lu instructions\n", name, value);
}

/* The user-only cost of one TIMED_SYSCALL with `nop`: what every figure subtracts. */
static uint64_t
nop_overhead(void)
{
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t before, after, rdi = 0, rsi = 0;

		TIMED_SYSCALL("nop", 0, rdi, rsi, before, after);
		samples[i] = after - before;
	}
	return median_of(samples, ROUNDS);
}

static void
server(uint64_t unused)
{
	uint64_t before, after, rdi = bench_ep, rsi = writ_msginfo(0, 0, msg_len);
	long nr = WRIT_SYS_RECV;

	(void)unused;
	for (unsigned r = 0;; r++) {
		if (use_fpu)
			touch_fpu();
		rdi = bench_ep;
		rsi = writ_msginfo(0, 0, msg_len);
		TIMED_SYSCALL("syscall", nr, rdi, rsi, before, after);
		if (r > 0 && r - 1 < ROUNDS)
			t_before_reply[r - 1] = before;
		if (r < ROUNDS)
			t_after_recv[r] = after;
		server_round = r;
		nr = WRIT_SYS_REPLY_RECV;
	}
}

/* Call + ReplyRecv with the server in vspace; prints three figures under `tag`. */
static void
bench_call(const char *tag, writ_cptr_t vspace, unsigned len, bool fpu, uint64_t overhead)
{
	char name[80];

	if (!vspace) {
		writ_printf("# bench ipc/%s: no second address space\n", tag);
		return;
	}
	use_fpu = fpu;
	msg_len = len;
	for (unsigned i = 0; i < len; i++)
		if (i >= WRIT_MSG_REGS)
			writ_mr_set(i, i);
	/* The server above us: it waits first, and each Call switches straight to it. */
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	ipc_worker_start(0, server, 0, 101, vspace, true);
	for (unsigned i = 0; i < WARMUP + ROUNDS; i++) {
		uint64_t before, after, rdi = bench_ep, rsi = writ_msginfo(0, 0, len);

		if (fpu)
			touch_fpu();
		TIMED_SYSCALL("syscall", WRIT_SYS_CALL, rdi, rsi, before, after);
		if (i >= WARMUP) {
			t_before_call[i - WARMUP] = before;
			t_after_call[i - WARMUP] = after;
		}
	}
	ipc_worker_stop(0);
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	/* Server rounds WARMUP.. answer our timed calls 0... */
	for (unsigned i = 0; i + WARMUP < ROUNDS; i++)
		samples[i] = t_after_recv[i + WARMUP] - t_before_call[i] - overhead;
	writ_snprintf(name, sizeof(name), "call-one-way-%s", tag);
	report(name, median_of(samples, ROUNDS - WARMUP));
	for (unsigned i = 0; i + WARMUP < ROUNDS; i++)
		samples[i] = t_after_call[i] - t_before_reply[i + WARMUP] - overhead;
	writ_snprintf(name, sizeof(name), "reply-recv-one-way-%s", tag);
	report(name, median_of(samples, ROUNDS - WARMUP));
	for (unsigned i = 0; i < ROUNDS; i++)
		samples[i] = t_after_call[i] - t_before_call[i] - overhead;
	writ_snprintf(name, sizeof(name), "call-reply-recv-round-trip-%s", tag);
	report(name, median_of(samples, ROUNDS));
}

static volatile uint64_t recv_after[ROUNDS];

static void
high_receiver(uint64_t unused)
{
	(void)unused;
	for (unsigned r = 0;; r++) {
		uint64_t before, after, rdi = bench_ep, rsi = 0;

		TIMED_SYSCALL("syscall", WRIT_SYS_RECV, rdi, rsi, before, after);
		(void)before;
		if (r < ROUNDS)
			recv_after[r] = after;		/* the arrival of send r */
	}
}

/* Send from a low-priority thread (the root task) to a waiting high-priority one. */
static void
bench_send_low_to_high(uint64_t overhead)
{
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	ipc_worker_start(0, high_receiver, 0, 200, WRIT_SLOT_ROOT_VSPACE, true);
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t before, after, rdi = bench_ep, rsi = writ_msginfo(0, 0, 0);

		TIMED_SYSCALL("syscall", WRIT_SYS_SEND, rdi, rsi, before, after);
		(void)after;
		t_before_call[i] = before;
	}
	ipc_worker_stop(0);
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	for (unsigned i = 0; i < ROUNDS; i++)
		samples[i] = recv_after[i] - t_before_call[i] - overhead;
	report("send-low-to-high-one-way", median_of(samples, ROUNDS));
}

void
ipc_bench_run(void)
{
	uint64_t overhead = nop_overhead();
	writ_cptr_t vs2 = ipc_second_vspace();
	static const struct { const char *tag; bool cross; unsigned len; bool fpu; } cases[] = {
		{ "0w-same-as", false, 0, false },
		{ "0w-cross-as", true, 0, false },
		{ "0w-same-as-fpu", false, 0, true },
		{ "0w-cross-as-fpu", true, 0, true },
		{ "10w-same-as", false, 10, false },
		{ "10w-cross-as", true, 10, false },
		{ "10w-same-as-fpu", false, 10, true },
		{ "10w-cross-as-fpu", true, 10, true },
	};

	bench_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_printf("# bench ipc: user overhead of a timed nop %lu instructions, subtracted\n",
		    overhead);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_call(cases[i].tag, cases[i].cross ? vs2 : WRIT_SLOT_ROOT_VSPACE,
			   cases[i].len, cases[i].fpu, overhead);
	bench_send_low_to_high(overhead);
	/* A capability-transfer figure comes with capability transfer (issue 13). */
}
