/*
 * The syscall upcall (TCB_SET_UPCALL): a thread with an upcall address that runs
 * `syscall` with a non-negative number goes on at that address with every register as
 * it left them, RCX the address after the instruction and R11 its RFLAGS; without one
 * (or with a negative number) the kernel handles it as before.
 *
 * upcall_run loads a known value into every general register, executes `syscall`, and
 * records what it gets back; upcall_probe, the upcall target, records what it got and
 * returns as the Linux personality does: RFLAGS from R11, a jump to RCX.
 */
#include <writ/writ.h>

#include "init.h"

#define NREGS 16	/* rax rbx rcx rdx rsi rdi rbp rsp r8..r15, in that order */
enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_RSP, R_R8, R_R9, R_R10, R_R11 };

uint64_t upcall_at[NREGS];	/* what upcall_probe found */
uint64_t upcall_after[NREGS];	/* what upcall_run had after the syscall */
uint64_t upcall_flags_before, upcall_rsp_before, upcall_ret_addr, upcall_calls;
void upcall_probe(void);
void upcall_run(uint64_t nr);
void upcall_null(void);

/* Stores every register but RSP's bits the probe does not change, in NREGS order. */
#define STORE_ALL(to)                                                               \
	"mov %rax, " to "+0(%rip)\n\tmov %rbx, " to "+8(%rip)\n\t"                   \
	"mov %rcx, " to "+16(%rip)\n\tmov %rdx, " to "+24(%rip)\n\t"                 \
	"mov %rsi, " to "+32(%rip)\n\tmov %rdi, " to "+40(%rip)\n\t"                 \
	"mov %rbp, " to "+48(%rip)\n\tmov %rsp, " to "+56(%rip)\n\t"                 \
	"mov %r8, " to "+64(%rip)\n\tmov %r9, " to "+72(%rip)\n\t"                   \
	"mov %r10, " to "+80(%rip)\n\tmov %r11, " to "+88(%rip)\n\t"                 \
	"mov %r12, " to "+96(%rip)\n\tmov %r13, " to "+104(%rip)\n\t"                \
	"mov %r14, " to "+112(%rip)\n\tmov %r15, " to "+120(%rip)\n\t"

__asm__(".text\n"
	".globl upcall_probe\n"
	"upcall_probe:\n\t"
	STORE_ALL("upcall_at")
	"incq upcall_calls(%rip)\n\t"
	"mov $777, %eax\n\t"
	"push %r11\n\t"
	"popfq\n\t"
	"jmp *%rcx\n"
	/* The cheapest possible upcall, for the figure: straight back. */
	".globl upcall_null\n"
	"upcall_null:\n\t"
	"push %r11\n\t"
	"popfq\n\t"
	"jmp *%rcx\n"
	/* upcall_run(nr): callee-saved registers kept, all others set to i * 0x1111... */
	".globl upcall_run\n"
	"upcall_run:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"mov %rdi, %rax\n\t"
	"movabs $0x1111111111111111, %rbx\n\t"
	"movabs $0x3333333333333333, %rdx\n\t"
	"movabs $0x4444444444444444, %rsi\n\t"
	"movabs $0x5555555555555555, %rdi\n\t"
	"movabs $0x6666666666666666, %rbp\n\t"
	"movabs $0x8888888888888888, %r8\n\t"
	"movabs $0x9999999999999999, %r9\n\t"
	"movabs $0xaaaaaaaaaaaaaaaa, %r10\n\t"
	"movabs $0xcccccccccccccccc, %r12\n\t"
	"movabs $0xdddddddddddddddd, %r13\n\t"
	"movabs $0xeeeeeeeeeeeeeeee, %r14\n\t"
	"movabs $0xffffffffffffffff, %r15\n\t"
	"mov %rsp, upcall_rsp_before(%rip)\n\t"
	"lea 1f(%rip), %rcx\n\t"
	"mov %rcx, upcall_ret_addr(%rip)\n\t"
	"stc\n\t"			/* a flag the return must keep */
	"pushfq\n\t"
	"popq upcall_flags_before(%rip)\n\t"
	"syscall\n"
	"1:\n\t"
	STORE_ALL("upcall_after")
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
	"ret\n");

static const uint64_t upcall_want[NREGS] = {
	0, 0x1111111111111111, 0, 0x3333333333333333, 0x4444444444444444,
	0x5555555555555555, 0x6666666666666666, 0, 0x8888888888888888, 0x9999999999999999,
	0xaaaaaaaaaaaaaaaa, 0, 0xcccccccccccccccc, 0xdddddddddddddddd, 0xeeeeeeeeeeeeeeee,
	0xffffffffffffffff,
};

static writ_cptr_t upcall_tcb;

/* The registers in `got` but RAX, RCX, R11 and RSP are the loaded ones: -> the first
 * that is not, or -1. */
static int
upcall_regs_intact(const uint64_t *got)
{
	for (int i = 0; i < NREGS; i++)
		if (i != R_RAX && i != R_RCX && i != R_R11 && i != R_RSP && got[i] != upcall_want[i])
			return i;
	return -1;
}

static void
upcall_thread(uint64_t ep)
{
	struct writ_msg m = { .info = writ_msginfo(0, 0, 2) };

	/* A thread may set its own. */
	m.mr[0] = (writ_word_t)writ_tcb_set_upcall(upcall_tcb, (writ_word_t)upcall_probe);
	upcall_run(39);	/* getpid, as a Linux program would */
	writ_send(ep, &m);
	/* A negative number still reaches the kernel: Yield answers, no upcall. */
	m.mr[0] = upcall_calls;
	m.mr[1] = (writ_word_t)writ_sys(WRIT_SYS_YIELD, 0, &(struct writ_msg){ 0 });
	writ_send(ep, &m);
	/* A negative number the kernel does not know is its fault, not an upcall. */
	upcall_run((uint64_t)-1000);
	/* Off again: the Linux number faults as it did before. */
	writ_tcb_set_upcall(upcall_tcb, 0);
	upcall_run(39);
	thread_exit();
}

static void
test_upcall_bad_addresses(writ_cptr_t t)
{
	static const writ_word_t bad[] = { WRIT_USER_HI, 0x800000000000ull, 0xffff800000000000ull,
					   ~0ull, 0x800, 1 };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long e = writ_tcb_set_upcall(t, bad[i]);

		if (e != WRIT_E_RANGE) {
			check(false, "kern/upcall-bad-address-refused", "0x%lx: %ld", bad[i], e);
			return;
		}
	}
	check(true, "kern/upcall-bad-address-refused", " ");
	check_err(writ_tcb_set_fs_base(t, WRIT_USER_HI), WRIT_E_RANGE,
		  "kern/fs-base-bad-address-refused");
	check(writ_tcb_set_upcall(WRIT_SLOT_ROOT_CNODE, (writ_word_t)upcall_probe) != WRIT_OK,
	      "kern/upcall-needs-a-tcb", "a CNode took it");
}

static void
test_upcall(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };
	long err;
	int bad;

	upcall_tcb = thread_new(upcall_thread, ep, 100, ep);
	test_upcall_bad_addresses(upcall_tcb);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && m.mr[0] == WRIT_OK && upcall_calls == 1, "kern/upcall-taken",
	      "err %ld set %lu calls %lu", err, m.mr[0], upcall_calls);
	bad = upcall_regs_intact(upcall_at);
	check(bad < 0 && upcall_at[R_RAX] == 39 && upcall_at[R_RCX] == upcall_ret_addr &&
	      upcall_at[R_R11] == upcall_flags_before && upcall_at[R_RSP] == upcall_rsp_before,
	      "kern/upcall-registers-intact", "register %d; rax %lu rcx %lx/%lx r11 %lx/%lx",
	      bad, upcall_at[R_RAX], upcall_at[R_RCX], upcall_ret_addr, upcall_at[R_R11],
	      upcall_flags_before);
	bad = upcall_regs_intact(upcall_after);
	check(bad < 0 && upcall_after[R_RAX] == 777 && upcall_after[R_RSP] == upcall_rsp_before &&
	      (upcall_after[R_R11] & 1), "kern/upcall-returns-intact", "register %d rax %lu",
	      bad, upcall_after[R_RAX]);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && m.mr[0] == 1 && m.mr[1] == WRIT_OK,
	      "kern/upcall-negative-reaches-kernel", "calls %lu yield %ld", m.mr[0], (long)m.mr[1]);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_UNKNOWN_SYSCALL &&
	      upcall_calls == 1, "kern/upcall-unknown-negative-faults", "label %lu calls %lu",
	      writ_msginfo_label(m.info), upcall_calls);
	/* Resume it (rax -1, as a handler would answer) into the second half. */
	m.info = writ_msginfo(0, 0, 0);
	writ_reply(&m);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && writ_msginfo_label(m.info) == WRIT_FAULT_UNKNOWN_SYSCALL &&
	      upcall_calls == 1, "kern/upcall-off-faults", "label %lu calls %lu",
	      writ_msginfo_label(m.info), upcall_calls);
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, upcall_tcb, FULL_DEPTH), WRIT_OK,
		  "kern/upcall-thread-deleted");
}

/* The upcall's own cost: `syscall` to an upcall that jumps straight back, on the
 * suite's own thread, n rounds into s[]; false if the upcall cannot be set. */
bool
upcall_bench(uint64_t *s, unsigned n)
{
	if (writ_tcb_set_upcall(WRIT_SLOT_ROOT_TCB, (writ_word_t)upcall_null) != WRIT_OK)
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();

		__asm__ volatile("syscall" : : "a"(39L) : "rcx", "r11", "memory");
		s[i] = rdtsc() - t0;
	}
	return writ_tcb_set_upcall(WRIT_SLOT_ROOT_TCB, 0) == WRIT_OK;
}

void
upcall_tests_run(void)
{
	test_upcall();
}
