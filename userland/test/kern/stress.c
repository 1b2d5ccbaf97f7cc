/*
 * The random-syscall stress test (issue 12): a thread issues a long, seeded stream of
 * random syscalls and invocations at the kernel (random capability pointers, labels,
 * lengths, registers and IPC-buffer words, kernel and non-canonical addresses among
 * them, random syscall numbers, stray memory accesses and faulting instructions). The
 * kernel must stay up, keep its invariants and answer every call with an error code.
 *
 * Isolation. The stress thread runs in the root task's address space (it needs its code
 * and stack) but with its own CSpace: a radix-8 CNode holding a varied set of
 * capabilities, all made from one 4 MiB "arena" untyped the root keeps, and nothing that
 * names the root's CNode, VSpace, TCB or memory. Its page-table and frame capabilities
 * belong to a scratch PML4, so random maps and unmaps only churn that. The root is its
 * fault handler: every fault arrives on `fault_ep` as a message; an UnknownSyscall is
 * answered (resume, changed rax, or garbage registers), any other fault restarts the
 * thread at the next step. A step that blocks (a Recv nobody answers, a Call on an
 * endpoint, a Suspend of itself) is noticed by the root, which runs at the same
 * priority and sees no progress for STALL_LIMIT of its turns: it restarts the thread too.
 *
 * Reproducibility. Step k draws everything from a generator seeded by (seed, k) alone,
 * and the root rebuilds the whole environment from the arena every CHECK_EVERY steps, so
 * "step K (seed S)" replays with `stress-seed=S stress-steps=K+1` on the kernel command
 * line (timer preemption can still shift where a long operation stops, nothing else).
 *
 * Issue 18 widened the stream (proofs-notes/kernel.md K17 says what it reaches and what
 * not): one syscall in four enters with random RFLAGS bits (NT, AC, DF, ID, the
 * arithmetic ones; TF now and then) and random DS/ES/FS/GS selectors, and every flag
 * set must come back; three helper threads per segment, of seeded kinds and priorities,
 * spin and enter the kernel with such flags, so frames leave by iretq and by sysret;
 * in one segment in HOSTILE_ONE_IN the root deletes its copies of the thread's TCB and
 * CSpace, whose last capabilities then sit in the thread's own CSpace and in CNode 2
 * (which the CSpace's only CNode 2 capability makes a cycle), so the stream may
 * delete, suspend or reconfigure them for good; and every revoke of the arena, with
 * whatever was alive in it, is followed by a probe: its upper 2 MiB as a frame of the
 * root's must read as zeros and keep a poison through kernel work.
 *
 * Every CHECK_EVERY steps and at the end the root stops the thread and checks the kernel:
 * WRIT_SYS_DEBUG_CHECK (the cspace invariant checker; release kernels answer
 * WRIT_E_ILLEGAL_SYSCALL, which is accepted there) and a fresh frame retyped, mapped,
 * written and read back in its own address space.
 *
 * Running it longer: the kernel command line takes `stress-seed=N` (decimal or 0x..)
 * and `stress-steps=N`; `stress-check-every=N` checks the invariants every N steps
 * (1 names the exact step that broke them; the environment is still rebuilt every
 * CHECK_EVERY steps, so the stream stays the same). `stress-only` runs the stress test
 * alone, `stress-trace` prints each segment. For a long run, boot a test ISO with
 * "test kernel-only stress-only stress-steps=200000" (tests/vm/qemu.py make_iso with
 * tests/runner.py user_modules), e.g.
 *   qemu-system-x86_64 -cdrom /tmp/s.iso -m 256M -display none -serial stdio \
 *       -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04
 * or edit the GRUB line of `./writ run` (press e) and add the two words.
 */
#include <portable/cmdline.h>
#include <writ/writ.h>

#include "init.h"

#define DEFAULT_SEED 0x5717e55ull	/* fixed so CI runs the same stream every time */
#define DEFAULT_STEPS 100000	/* about 2 s under TCG, debug and release alike */
#define CHECK_EVERY 500			/* steps between invariant checks and rebuilds */
#define STALL_LIMIT 6			/* root turns without progress: the thread is stuck */
#define PRIO 100			/* root and stress thread share it: round robin */
#define ARENA_BITS 22
#define STRESS_RADIX 8
#define STACK_BYTES 16384
#define SCRATCH_VA 0x200000ull		/* the scratch VSpace's mapped page table */
#define FAULT_BADGE 1
#define GARBAGE_RAX 0xfa17ull
#define MAGIC 0x5a5a0000a5a50000ull
#define HOSTILE_ONE_IN 4		/* segments in which the thread owns itself */

/* The stress CSpace's initial layout (slot = cptr, the guard covers the other bits). */
enum {
	S_TCB = 1, S_CNODE, S_CNODE2, S_EP, S_EP_BADGED, S_NTFN, S_UNTYPED, S_PML4, S_PDPT,
	S_PD, S_PT, S_PT2, S_PD2, S_FRAME1, S_FRAME2, S_FRAME3, S_FRAME4, S_SPARE_TCB,
	S_IOPORT, S_EP_RECV_ONLY, S_FRAME_2M, S_EP_SEND_ONLY, S_FIRST_FREE
};

/* Root CNode slots for the objects the root makes, invokes and then hands over. */
enum {
	R_TCB, R_CNODE, R_CNODE2, R_EP, R_NTFN, R_UT, R_PML4, R_PDPT, R_PD, R_PD2, R_PT, R_PT2,
	R_F0, R_F1, R_F2, R_F3, R_F4, R_SPARE, R_F2M, R_COUNT
};

/* Shared between the root and the stress thread (one address space, one CPU). */
static struct {
	volatile uint64_t next;		/* the step the thread starts next */
	volatile uint64_t cur;		/* the step it is in */
	volatile uint64_t end;		/* park when next reaches it */
	volatile uint64_t parked;
	uint64_t seed;
	uint64_t errors[WRIT_E_COUNT + 1];	/* last: a value that is no error code */
	uint64_t fail_step, failures;
	char why[120];
} sh;

static uint8_t stack[STACK_BYTES] __attribute__((aligned(16)));
static writ_cptr_t r[R_COUNT], arena, fault_ep, fault_ep_badged, alive_ut, alive_frame;
static uint64_t ipc_va, alive_va;
static uint64_t faults[WRIT_FAULT_CAP + 2], restarts, stalls, hostile_segments;
static bool hostile, lost, trace;
#define TRACE(...) do { if (trace) writ_printf("# stress: " __VA_ARGS__); } while (0)	/* the root gave its last capabilities away; and lost them */

/* ---- the generator: splitmix64 to seed a step, xorshift64* within it ---- */

static uint64_t
splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t
rnd(struct rng *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dull;
}

static unsigned
below(struct rng *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static struct rng
rng_for(uint64_t step, uint64_t stream)
{
	struct rng g = { splitmix(sh.seed ^ splitmix(step * 4 + stream)) | 1 };

	return g;
}

/* A word a kernel might mis-handle: slot numbers, depths, sizes, user, kernel and
 * non-canonical addresses, boundaries, or anything at all. */
static writ_word_t
interesting(struct rng *g)
{
	static const writ_word_t edges[] = {
		0, 1, 2, 7, 8, 12, 21, 22, 52, 56, 63, 64, 65, 127, 128, 255, 256, 4095, 4096,
		0xffff, 0x10000, 0x7fffffff, 0x80000000ull, 0xffffffffull, 1ull << 47,
		(1ull << 47) - 4096, 1ull << 63, ~0ull, ~0ull - 4095, WRIT_USER_HI - 4096,
		0xffff800000000000ull, 0xffffffff80000000ull, 0xffffffff80100000ull,
		0xfffffffffffff000ull, 0x0000800000000000ull, 0x8000000000000000ull,
		WRIT_ROOT_IPC_BUFFER, WRIT_BOOTINFO_VADDR, 0x400000, 0x401000,
	};

	switch (below(g, 10)) {
	case 0:
	case 1:
		return below(g, 70);				/* small numbers */
	case 2:
		return below(g, 2) ? below(g, S_FIRST_FREE + 2) : below(g, 1u << STRESS_RADIX);
	case 3:
		return edges[below(g, sizeof(edges) / sizeof(edges[0]))];
	case 4:						/* kernel half */
		return (below(g, 2) ? 0xffff800000000000ull : 0xffffffff80000000ull) +
		       (rnd(g) & 0x3ffffff000ull) + (below(g, 4) ? 0 : below(g, 4096));
	case 5:						/* non-canonical */
		return 0x0000800000000000ull + (rnd(g) & 0x7ffeffffffffffffull);
	case 6:						/* scratch VSpace region */
		return SCRATCH_VA + 4096ull * below(g, 1100) - (below(g, 8) ? 0 : 0x200000);
	case 7:
		return 1ull << below(g, 64);
	default:
		return rnd(g);
	}
}

/* ---- the stress thread ---- */

static const long kernel_syscalls[] = {
	WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL,
	WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL, WRIT_SYS_CALL,
	WRIT_SYS_NBSEND, WRIT_SYS_NBSEND, WRIT_SYS_NBRECV, WRIT_SYS_NBRECV, WRIT_SYS_REPLY,
	WRIT_SYS_YIELD, WRIT_SYS_SEND, WRIT_SYS_RECV, WRIT_SYS_REPLY_RECV,
};

static const writ_word_t labels[] = {
	WRIT_LABEL_UNTYPED_RETYPE, WRIT_LABEL_CNODE_REVOKE, WRIT_LABEL_CNODE_DELETE,
	WRIT_LABEL_CNODE_COPY, WRIT_LABEL_CNODE_MINT, WRIT_LABEL_CNODE_MOVE,
	WRIT_LABEL_CNODE_MUTATE, WRIT_LABEL_CNODE_ROTATE, WRIT_LABEL_TCB_CONFIGURE,
	WRIT_LABEL_TCB_SET_PRIORITY, WRIT_LABEL_TCB_SET_MCP, WRIT_LABEL_TCB_READ_REGS,
	WRIT_LABEL_TCB_WRITE_REGS, WRIT_LABEL_TCB_RESUME, WRIT_LABEL_TCB_SUSPEND,
	WRIT_LABEL_PAGE_TABLE_MAP, WRIT_LABEL_PAGE_TABLE_UNMAP, WRIT_LABEL_FRAME_MAP,
	WRIT_LABEL_FRAME_UNMAP, WRIT_LABEL_FRAME_GET_ADDRESS, WRIT_LABEL_IOPORT_IN8,
	WRIT_LABEL_IOPORT_IN16, WRIT_LABEL_IOPORT_IN32, WRIT_LABEL_IOPORT_OUT8,
	WRIT_LABEL_IOPORT_OUT16, WRIT_LABEL_IOPORT_OUT32, WRIT_LABEL_IOPORT_CONTROL_ISSUE,
	WRIT_LABEL_CNODE_FIND,
};

static void
fail(uint64_t step, const char *fmt, ...)
{
	va_list ap;

	if (sh.failures++)
		return;		/* the first failure is reported; the rest are counted */
	sh.fail_step = step;
	va_start(ap, fmt);
	writ_vsnprintf(sh.why, sizeof(sh.why), fmt, ap);
	va_end(ap);
}

/* The RFLAGS bits user code can set with popfq (TF is added apart: it traps). */
#define USER_FLAGS (0x1ull | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800 | 0x4000 | \
		    0x40000 | 0x200000)	/* CF PF AF ZF SF DF OF NT AC ID */
#define RFLAGS_TF 0x100ull
#define RFLAGS_IF 0x200ull

/* What the thread runs a syscall with: RFLAGS bits set just before it, and selectors
 * (0 keeps the register) loaded into DS ES FS GS. The stress thread touches no TLS and
 * no %gs after a step, so a null or user base does it no harm. */
struct entry_state {
	uint64_t flags;
	uint16_t sel[4];
};

static void
load_selectors(const struct entry_state *e)
{
	if (e->sel[0])
		__asm__ volatile("mov %0, %%ds" : : "r"((uint64_t)(e->sel[0] & ~0x8000)));
	if (e->sel[1])
		__asm__ volatile("mov %0, %%es" : : "r"((uint64_t)(e->sel[1] & ~0x8000)));
	if (e->sel[2])
		__asm__ volatile("mov %0, %%fs" : : "r"((uint64_t)(e->sel[2] & ~0x8000)));
	if (e->sel[3])
		__asm__ volatile("mov %0, %%gs" : : "r"((uint64_t)(e->sel[3] & ~0x8000)));
}

/* One syscall with magic values in the registers the ABI says are preserved, and the
 * entry state's flags set around it; *flags_out is RFLAGS as the kernel handed it back. */
static long
raw_syscall(long n, writ_word_t cptr, writ_word_t info, const writ_word_t mr[4], bool *kept,
	    const struct entry_state *e, uint64_t *flags_out)
{
	register writ_word_t r10 __asm__("r10") = mr[1];
	register writ_word_t r8 __asm__("r8") = mr[2];
	register writ_word_t r9 __asm__("r9") = mr[3];
	register writ_word_t r12 __asm__("r12") = MAGIC + 12;
	register writ_word_t r13 __asm__("r13") = MAGIC + 13;
	register writ_word_t r14 __asm__("r14") = MAGIC + 14;
	register writ_word_t r15 __asm__("r15") = MAGIC + 15;
	writ_word_t rdi = cptr, rsi = info, rdx = mr[0], rbx = MAGIC + 3, fl = e->flags;
	long rax = n;

	load_selectors(e);
	/* The flags go on last and come off first: DF and AC must not reach C code. */
	__asm__ volatile("pushfq\n\t"
			 "orq %[fl], (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %[fl]\n\t"
			 "pushq %[fl]\n\t"
			 "andq %[clear], (%%rsp)\n\t"
			 "popfq"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+b"(rbx), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15),
			   [fl] "+c"(fl)
			 : [clear] "e"(~(long)(0x400 | 0x4000 | 0x40000 | RFLAGS_TF | 0x200000))
			 : "r11", "memory", "cc");
	*kept = rbx == MAGIC + 3 && r12 == MAGIC + 12 && r13 == MAGIC + 13 &&
		r14 == MAGIC + 14 && r15 == MAGIC + 15;
	*flags_out = fl;
	return rax;
}

/* Random entry flags and selectors for one step in four (TF one step in 128: it
 * single-steps into a user #DB fault, which the root handles like any fault). */
static struct entry_state
entry_state(struct rng *g)
{
	static const uint16_t sels[] = { 0x8000, 0x8003, 0x1b, 0x1b, 0x18 | 3 };
	struct entry_state e = { 0, { 0, 0, 0, 0 } };

	if (below(g, 4))
		return e;
	e.flags = rnd(g) & USER_FLAGS;
	if (below(g, 32) == 0)
		e.flags |= RFLAGS_TF;
	for (unsigned i = 0; i < 4; i++)
		if (below(g, 3) == 0)
			e.sel[i] = sels[below(g, sizeof(sels) / sizeof(sels[0]))];
	return e;
}

static bool
is_kernel_syscall(long n)
{
	return n >= WRIT_SYS_YIELD && n <= WRIT_SYS_CALL;
}

/* The labels that mean something to the object in a slot of the initial layout. */
static writ_word_t
label_for(struct rng *g, writ_cptr_t cptr)
{
	static const writ_word_t cnode[] = { 16, 17, 18, 19, 20, 21, 22 };
	static const writ_word_t tcb[] = { 32, 33, 34, 35, 36, 37, 38 };
	static const writ_word_t table[] = { 48, 49 };
	static const writ_word_t frame[] = { 50, 51, 52 };
	static const writ_word_t port[] = { 65, 66, 67, 68, 69, 70 };

	switch (cptr) {
	case S_CNODE: case S_CNODE2:
		return cnode[below(g, 7)];
	case S_TCB: case S_SPARE_TCB:
		/* Suspending itself only costs a restart, but not every other step. */
		return cptr == S_TCB && below(g, 4) ? tcb[below(g, 4)] : tcb[below(g, 7)];
	case S_UNTYPED:
		return WRIT_LABEL_UNTYPED_RETYPE;
	case S_PDPT: case S_PD: case S_PT: case S_PT2: case S_PD2:
		return table[below(g, 2)];
	case S_FRAME1: case S_FRAME2: case S_FRAME3: case S_FRAME4: case S_FRAME_2M:
		return frame[below(g, 3)];
	case S_IOPORT:
		return port[below(g, 6)];
	default:
		return labels[below(g, sizeof(labels) / sizeof(labels[0]))];
	}
}

static writ_word_t
slot(struct rng *g)
{
	return below(g, 4) ? 1 + below(g, S_FIRST_FREE + 8) : below(g, 1u << STRESS_RADIX);
}

static writ_word_t
depth(struct rng *g)
{
	static const writ_word_t d[] = { 8, 8, 8, 8, 8, 4, 64, 0, 7, 9, 65 };

	return d[below(g, sizeof(d) / sizeof(d[0]))];
}

/* Arguments shaped like a real request for the label (each word may still be wrong):
 * random words alone would almost never get past the first check. Returns how many. */
static unsigned
well_formed(struct rng *g, writ_word_t label, writ_word_t *a)
{
	const writ_word_t cn = below(g, 4) ? S_CNODE : S_CNODE2;
	unsigned n = 0;

#define A(v) (a[n++] = (v))
	switch (label) {
	case WRIT_LABEL_UNTYPED_RETYPE:
		A(below(g, WRIT_OBJ_COUNT));
		A(below(g, 3) ? below(g, 2) * (4 + below(g, 14)) : below(g, 64));
		A(cn); A(0); A(0); A(below(g, 3) ? S_FIRST_FREE + below(g, 233) : slot(g));
		A(below(g, 4) ? 1 + below(g, 4) : interesting(g));
		break;
	case WRIT_LABEL_CNODE_REVOKE: case WRIT_LABEL_CNODE_DELETE:
		A(slot(g)); A(depth(g));
		break;
	case WRIT_LABEL_CNODE_COPY: case WRIT_LABEL_CNODE_MINT: case WRIT_LABEL_CNODE_MOVE:
	case WRIT_LABEL_CNODE_MUTATE:
		A(slot(g)); A(depth(g)); A(cn); A(slot(g)); A(depth(g));
		A(below(g, 3) ? WRIT_RIGHTS_ALL : below(g, 64));
		A(below(g, 2) ? below(g, 100) : interesting(g));
		break;
	case WRIT_LABEL_CNODE_FIND:
		A(slot(g)); A(below(g, 2) ? below(g, 300) : interesting(g));
		A(below(g, 2) ? 1 + below(g, 1100) : interesting(g));
		break;
	case WRIT_LABEL_CNODE_ROTATE:
		A(slot(g)); A(depth(g)); A(cn); A(slot(g)); A(depth(g)); A(cn); A(slot(g));
		A(depth(g)); A(below(g, 100)); A(below(g, 100));
		break;
	case WRIT_LABEL_TCB_CONFIGURE:
		A(below(g, 2) ? S_EP + below(g, 2) : slot(g)); A(below(g, 2) ? cn : slot(g));
		A(below(g, 2) ? WRIT_CNODE_GUARD(0, 64 - STRESS_RADIX) : interesting(g));
		A(below(g, 2) ? S_PML4 : slot(g)); A(interesting(g) & ~0x3ffull);
		A(below(g, 2) ? S_FRAME1 + below(g, 4) : slot(g));
		break;
	case WRIT_LABEL_TCB_SET_PRIORITY: case WRIT_LABEL_TCB_SET_MCP:
		A(below(g, 2) ? S_TCB : S_SPARE_TCB); A(below(g, 2) ? 0 : below(g, 300));
		break;
	case WRIT_LABEL_TCB_READ_REGS:
		A(below(g, 22));
		break;
	case WRIT_LABEL_TCB_WRITE_REGS:
		A(below(g, 2)); A(below(g, 22));
		for (unsigned i = 0; i < WRIT_CTX_COUNT; i++)
			A(interesting(g));
		break;
	case WRIT_LABEL_PAGE_TABLE_MAP:
		A(S_PML4); A(interesting(g)); A(below(g, 4));
		break;
	case WRIT_LABEL_FRAME_MAP:
		A(S_PML4); A(interesting(g) & ~(below(g, 4) ? 0xfffull : 0)); A(below(g, 32));
		A(below(g, 4));
		break;
	case WRIT_LABEL_IOPORT_IN8: case WRIT_LABEL_IOPORT_IN16: case WRIT_LABEL_IOPORT_IN32:
	case WRIT_LABEL_IOPORT_OUT8: case WRIT_LABEL_IOPORT_OUT16: case WRIT_LABEL_IOPORT_OUT32:
		A(below(g, 2) ? 0x80 : 0x7e + below(g, 5)); A(rnd(g));
		break;
	default:
		break;
	}
#undef A
	return n;
}

static void
step_syscall(uint64_t step, struct rng *g)
{
	struct writ_ipc_buffer *buf = (struct writ_ipc_buffer *)ipc_va;
	writ_word_t cptr, label, info, mr[4], a[WRIT_MSG_MAX_LENGTH];
	unsigned len, nwf, c = below(g, 100);
	struct entry_state e;
	uint64_t flags;
	long n, ret;
	bool kept;

	if (c < 85) {
		n = kernel_syscalls[below(g, sizeof(kernel_syscalls) / sizeof(kernel_syscalls[0]))];
	} else if (c < 92) {
		n = below(g, 450);			/* Linux numbers, and beyond */
	} else if (c < 96) {
		n = -(long)below(g, 80);		/* the kernel's range, holes included */
	} else {
		n = (long)rnd(g);
	}
	/* Never the debug calls: EXIT ends the run, PUTCHAR writes into the test log, and
	 * CHECK walks only what this thread's CSpace reaches, so from here it reports the
	 * root's capabilities as unreachable (the root runs it, from where it sees all). */
	if (n <= WRIT_SYS_DEBUG_PUTCHAR && n >= WRIT_SYS_DEBUG_EXIT)
		n = WRIT_SYS_YIELD;

	c = below(g, 100);
	if (c < 70)
		cptr = below(g, S_FIRST_FREE);
	else if (c < 80)
		cptr = below(g, 1u << STRESS_RADIX);
	else if (c < 88)
		cptr = interesting(g);
	else
		cptr = rnd(g);

	c = below(g, 100);
	if (c < 60)
		label = label_for(g, cptr);
	else if (c < 75)
		label = labels[below(g, sizeof(labels) / sizeof(labels[0]))];
	else if (c < 90)
		label = below(g, 128);
	else
		label = rnd(g);

	for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
		a[i] = interesting(g);
	nwf = below(g, 3) ? well_formed(g, label, a) : 0;
	for (unsigned i = 0; i < nwf; i++)
		if (below(g, 12) == 0)
			a[i] = interesting(g);		/* one wrong word now and then */
	c = below(g, 10);
	len = c < 6 && nwf ? nwf : c < 8 ? below(g, 12) : below(g, 131);
	info = writ_msginfo(label, 0, len);
	if (below(g, 8) == 0)
		info |= (rnd(g) & 0x3f) << WRIT_MSGINFO_CAPS_SHIFT;	/* caps, unwrap bits */
	for (unsigned i = 0; i < 4; i++)
		mr[i] = a[i];
	for (unsigned i = WRIT_MSG_REGS; i < WRIT_MSG_MAX_LENGTH; i++)
		buf->msg[i] = a[i];
	if (below(g, 4) == 0) {
		for (unsigned i = 0; i < WRIT_MSG_MAX_CAPS; i++)
			buf->caps_or_badges[i] = interesting(g);
		buf->receive_cnode = interesting(g);
		buf->receive_index = interesting(g);
		buf->receive_depth = interesting(g);
	}

	e = entry_state(g);
	ret = raw_syscall(n, cptr, info, mr, &kept, &e, &flags);
	if (!kept)
		fail(step, "syscall %ld on cptr %lx: a preserved register changed", n, cptr);
	/* Every flag set comes back (K11), unless the call rewrote the thread's own
	 * registers (WriteRegs, or a fault handler's answer with garbage). */
	if (is_kernel_syscall(n) && label != WRIT_LABEL_TCB_WRITE_REGS &&
	    (flags & e.flags & USER_FLAGS) != (e.flags & USER_FLAGS))
		fail(step, "syscall %ld label %lu: RFLAGS %lx came back as %lx", n, label,
		     (unsigned long)e.flags, (unsigned long)flags);
	if (is_kernel_syscall(n)) {
		if ((unsigned long)ret >= WRIT_E_COUNT) {
			fail(step, "syscall %ld label %lu on cptr %lx returned %lx", n, label,
			     cptr, (unsigned long)ret);
			sh.errors[WRIT_E_COUNT]++;
		} else {
			sh.errors[ret]++;
		}
	} else if (ret != n && (unsigned long)ret != GARBAGE_RAX) {
		fail(step, "unknown syscall %ld came back with rax %lx", n, (unsigned long)ret);
	}
}

/* Touch an address: kernel and non-canonical ones must fault (the root restarts us at
 * the next step), so getting past the access is a failure. */
static void
step_touch(uint64_t step, struct rng *g)
{
	writ_word_t a = interesting(g);
	bool must_fault = a >= 0x0000800000000000ull;
	uint64_t v = 0;

	if (below(g, 2) && must_fault) {
		__asm__ volatile("movq %1, (%0)" : : "r"(a), "r"(v) : "memory");
		fail(step, "a write to %lx did not fault", a);
		return;
	}
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	if (must_fault)
		fail(step, "a read of %lx did not fault (read %lx)", a, v);
}

/* Instructions user mode may not run: each must fault. */
static void
step_exception(uint64_t step, struct rng *g)
{
	unsigned k = below(g, 8);
	volatile unsigned zero = 0, x = 1;

	switch (k) {
	case 0: __asm__ volatile("ud2"); break;
	case 1: __asm__ volatile("int3"); break;
	case 2: __asm__ volatile("cli"); break;
	case 3: __asm__ volatile("hlt"); break;
	case 4: __asm__ volatile("mov %0, %%cr3" : : "r"(0ul)); break;
	case 5: __asm__ volatile("inb $0x80, %%al" : : : "rax"); break;
	case 6: __asm__ volatile("int $0x80"); break;
	default: x = x / zero; break;
	}
	fail(step, "faulting instruction %u ran in user mode (%u)", k, x);
}

/* ---- the helper threads: other priorities, other ways in and out ---- */

/*
 * NHELPERS threads share the CPU with the stress thread and the root; each segment
 * gives each a kind and a priority from the seed: a spinner at the stress priority (or
 * one below, where it runs only when everyone above blocks), or a waiter above it that
 * blocks on the stress thread's notification, which the stress stream and the root
 * signal. Both keep random flags (NT, AC, DF, ID, ...) and selectors set while they spin
 * and while they enter the kernel, so the kernel is entered with them by syscall and by
 * timer interrupt, and leaves to threads that were preempted (iretq) or blocked in a
 * syscall (sysret). Spins are long enough, now and then, for the timer to end them.
 */
#define NHELPERS 3
#define HELPER_STACK 4096
#define HELPER_BADGE 2

enum { H_OFF, H_SPIN, H_WAIT };

static struct {
	writ_cptr_t tcb;
	volatile unsigned kind;
	volatile uint64_t rounds;
} helpers[NHELPERS];
static uint8_t helper_stacks[NHELPERS][HELPER_STACK] __attribute__((aligned(16)));
static writ_cptr_t helper_ntfn;		/* the root's copy of the stress notification */

static struct entry_state entry_state(struct rng *g);

static void
flagged_spin(uint64_t flags, uint64_t n)
{
	__asm__ volatile("pushfq\n\t"
			 "orq %[fl], (%%rsp)\n\t"
			 "popfq\n\t"
			 "1: subq $1, %[n]\n\t"
			 "jae 1b\n\t"
			 "pushfq\n\t"
			 "andq %[clear], (%%rsp)\n\t"
			 "popfq"
			 : [n] "+r"(n)
			 : [fl] "r"(flags),
			   [clear] "e"(~(long)(0x400 | 0x4000 | 0x40000 | RFLAGS_TF | 0x200000))
			 : "memory", "cc");
}

static void
helper_thread(uint64_t i)
{
	struct rng g = { splitmix(sh.seed ^ (i << 56)) | 1 };
	const writ_word_t mr[4] = { 0, 0, 0, 0 };

	for (;;) {
		struct entry_state e = entry_state(&g);
		uint64_t flags;
		long n, err;
		bool kept;

		e.flags &= ~RFLAGS_TF;		/* a helper never faults */
		load_selectors(&e);
		/* Mostly short; one spin in 64 long enough for the timer to end it. */
		flagged_spin(e.flags, rnd(&g) & ((1ull << (below(&g, 64) ? below(&g, 14)
								      : 20)) - 1));
		helpers[i].rounds++;
		n = helpers[i].kind == H_WAIT ? WRIT_SYS_RECV : WRIT_SYS_YIELD;
		err = raw_syscall(n, helper_ntfn, 0, mr, &kept, &e, &flags);
		if (!kept || (flags & e.flags & USER_FLAGS) != (e.flags & USER_FLAGS))
			fail(sh.cur, "helper %lu: syscall %ld changed a preserved register or "
			     "flag (%lx -> %lx)", i, n, (unsigned long)e.flags,
			     (unsigned long)flags);
		if (err != WRIT_OK)
			writ_tcb_suspend(helpers[i].tcb);	/* the notification is gone */
	}
}

static void
stress_thread(uint64_t unused)
{
	(void)unused;
	for (;;) {
		uint64_t k = sh.next;
		struct rng g;
		unsigned c;

		if (k >= sh.end) {
			sh.parked = 1;
			for (;;)
				writ_yield();
		}
		sh.cur = k;
		g = rng_for(k, 0);
		c = below(&g, 100);
		if (c < 90)
			step_syscall(k, &g);
		else if (c < 96)
			step_touch(k, &g);
		else
			step_exception(k, &g);
		sh.next = k + 1;
	}
}

/* ---- the root's side ---- */

static bool
ok(long err, const char *what)
{
	if (err == WRIT_OK)
		return true;
	writ_printf("# stress: setting up, %s: %s\n", what, writ_error_name((int)err));
	return false;
}

static long
retype(writ_cptr_t ut, unsigned type, unsigned bits, writ_cptr_t slot)
{
	return writ_untyped_retype(ut, type, bits, WRIT_SLOT_ROOT_CNODE, 0, 0, slot, 1);
}

/* Put a root capability into the stress CSpace: copy (the root keeps using it) or move. */
static long
give(unsigned dest, writ_cptr_t src, bool copy)
{
	writ_cptr_t cn = r[R_CNODE];

	return copy ? writ_cnode_copy(cn, dest, STRESS_RADIX, WRIT_SLOT_ROOT_CNODE, src,
				      FULL_DEPTH, WRIT_RIGHTS_ALL)
		    : writ_cnode_move(cn, dest, STRESS_RADIX, WRIT_SLOT_ROOT_CNODE, src,
				      FULL_DEPTH);
}

/*
 * Is any of the arena still in use after the revoke that freed it? The upper half,
 * where every kernel object of a round lives (the 2 MiB frame takes the lower one),
 * comes back as a frame of the root's: it must read as zeros, and a poison written
 * over it must survive the kernel work that would touch a stale object (a scheduler
 * pass, a signal, the checker walking every link; a waiting helper whose notification
 * was there). A table entry, a queue or a derivation link still pointing into it would
 * show as a changed word here, or as the checker or the kernel tripping on the poison.
 */
#define PROBE_VA 0x700000000000ull
#define PROBE_WORDS ((2u << 20) / 8)

static long invariants(void);
static void helpers_stop(void);
static long retype(writ_cptr_t ut, unsigned type, unsigned bits, writ_cptr_t slot);
static writ_cptr_t probe_frames, probe_pdpt, probe_pd;
static uint64_t probe_bad, probe_bad_at, probe_bad_value, probe_rounds;

static bool
probe_tables(void)
{
	probe_pdpt = obj_new(WRIT_OBJ_PDPT, 0);
	probe_pd = obj_new(WRIT_OBJ_PD, 0);
	probe_frames = slot_alloc();
	slot_alloc();		/* the second frame's slot */
	return probe_pdpt && probe_pd &&
	       ok(writ_page_table_map(probe_pdpt, WRIT_SLOT_ROOT_VSPACE, PROBE_VA), "probe pdpt") &&
	       ok(writ_page_table_map(probe_pd, WRIT_SLOT_ROOT_VSPACE, PROBE_VA), "probe pd");
}

static void
probe_word_bad(unsigned i, uint64_t v)
{
	if (probe_bad++ == 0) {
		probe_bad_at = (uint64_t)i * 8;
		probe_bad_value = v;
	}
}

static bool
probe_arena(void)
{
	volatile uint64_t *p = (volatile uint64_t *)PROBE_VA;
	const uint64_t poison = 0x9015011ed0000000ull ^ sh.next;
	struct writ_msg m = { 0 };

	/* One frame per call: Retype zeroes at most 2 MiB at a time. */
	if (!ok(retype(arena, WRIT_OBJ_FRAME_2M, 0, probe_frames), "probe retype") ||
	    !ok(retype(arena, WRIT_OBJ_FRAME_2M, 0, probe_frames + 1), "probe retype") ||
	    !ok(writ_frame_map(probe_frames + 1, WRIT_SLOT_ROOT_VSPACE, PROBE_VA,
			       WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, 0), "probe map"))
		return false;
	probe_rounds++;
	for (unsigned i = 0; i < PROBE_WORDS; i++) {
		if (p[i] != 0)
			probe_word_bad(i, p[i]);
		p[i] = poison + i;
	}
	for (unsigned i = 0; i < NHELPERS; i++)	/* a helper that waited there, if any */
		if (helpers[i].kind != H_OFF)	/* (an idle one may still have a high priority) */
			writ_tcb_resume(helpers[i].tcb);
	writ_yield();
	writ_nbrecv(helper_ntfn, &m);
	if (invariants() != WRIT_OK)
		probe_word_bad(0, ~0ull);
	writ_yield();
	helpers_stop();
	for (unsigned i = 0; i < PROBE_WORDS; i++)
		if (p[i] != poison + i)
			probe_word_bad(i, p[i]);
	return true;
}

/* Revoke the arena, counting the preemptions (a teardown must make progress). */
static long
revoke_arena(void)
{
	writ_word_t a[2] = { arena, FULL_DEPTH };
	long err;
	uint64_t n = 0;

	while ((err = writ_invoke(WRIT_SLOT_ROOT_CNODE, WRIT_LABEL_CNODE_REVOKE, a, 2, NULL, 0)) ==
	       WRIT_E_PREEMPTED)
		if (++n % 1000 == 0)
			writ_printf("# stress: revoke of the arena preempted %lu times\n", n);
	return err;
}

/* Throw away everything the last round made (revoking the arena deletes it all), and
 * make a fresh environment from the arena. */
static bool
rebuild(void)
{
	static const struct { unsigned slot, type, bits; } objs[] = {
		{ R_F2M, WRIT_OBJ_FRAME_2M, 0 },	/* first: 2 MiB aligned in the arena */
		{ R_UT, WRIT_OBJ_UNTYPED, 20 },
		{ R_CNODE, WRIT_OBJ_CNODE, STRESS_RADIX }, { R_CNODE2, WRIT_OBJ_CNODE, 4 },
		{ R_TCB, WRIT_OBJ_TCB, 0 }, { R_SPARE, WRIT_OBJ_TCB, 0 },
		{ R_EP, WRIT_OBJ_ENDPOINT, 0 }, { R_NTFN, WRIT_OBJ_NOTIFICATION, 0 },
		{ R_PML4, WRIT_OBJ_PML4, 0 }, { R_PDPT, WRIT_OBJ_PDPT, 0 },
		{ R_PD, WRIT_OBJ_PD, 0 }, { R_PD2, WRIT_OBJ_PD, 0 },
		{ R_PT, WRIT_OBJ_PT, 0 }, { R_PT2, WRIT_OBJ_PT, 0 },
		{ R_F0, WRIT_OBJ_FRAME_4K, 0 }, { R_F1, WRIT_OBJ_FRAME_4K, 0 },
		{ R_F2, WRIT_OBJ_FRAME_4K, 0 }, { R_F3, WRIT_OBJ_FRAME_4K, 0 },
		{ R_F4, WRIT_OBJ_FRAME_4K, 0 },
	};
	const writ_cptr_t R = WRIT_SLOT_ROOT_CNODE, cn = r[R_CNODE];
	const writ_word_t RW = WRIT_RIGHT_READ | WRIT_RIGHT_WRITE;

	if (!ok(revoke_arena(), "revoke arena") || !probe_arena() ||
	    !ok(writ_cnode_revoke(R, arena, FULL_DEPTH), "revoke arena after the probe"))
		return false;
	for (unsigned i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (!ok(retype(arena, objs[i].type, objs[i].bits, r[objs[i].slot]), "retype"))
			return false;
	/* The scratch VSpace: tables down to one PT, two pages mapped in it. */
	if (!ok(writ_page_table_map(r[R_PDPT], r[R_PML4], 0), "map pdpt") ||
	    !ok(writ_page_table_map(r[R_PD], r[R_PML4], 0), "map pd") ||
	    !ok(writ_page_table_map(r[R_PT], r[R_PML4], SCRATCH_VA), "map pt") ||
	    !ok(writ_frame_map(r[R_F1], r[R_PML4], SCRATCH_VA, RW, 0), "map f1") ||
	    !ok(writ_frame_map(r[R_F2], r[R_PML4], SCRATCH_VA + 4096, RW | WRIT_RIGHT_EXEC, 0),
		"map f2") ||
	    !ok(writ_frame_map(r[R_F0], WRIT_SLOT_ROOT_VSPACE, ipc_va, RW, 0), "map ipc"))
		return false;
	/* The spare TCB lives in the scratch VSpace; its faults go to the stress endpoint. */
	if (!ok(writ_tcb_configure(r[R_SPARE], r[R_EP], r[R_CNODE],
				   WRIT_CNODE_GUARD(0, 64 - STRESS_RADIX), r[R_PML4], 0, 0),
		"configure spare") ||
	    !ok(writ_tcb_set_priority(r[R_SPARE], WRIT_SLOT_ROOT_TCB, PRIO), "spare priority"))
		return false;
	if (!ok(give(S_TCB, r[R_TCB], true), "give tcb") ||
	    !ok(give(S_CNODE, r[R_CNODE], true), "give cnode") ||
	    /* CNode 2 holds a capability to the stress CSpace, which holds CNode 2's
	     * only one: in a hostile segment (the root's copies gone) a cycle of last
	     * capabilities, the stream's deletions and moves permitting. */
	    !ok(writ_cnode_copy(r[R_CNODE2], 1, 4, R, r[R_CNODE], FULL_DEPTH, WRIT_RIGHTS_ALL),
		"cnode in cnode2") ||
	    !ok(give(S_CNODE2, r[R_CNODE2], false), "give cnode2") ||
	    !ok(give(S_EP, r[R_EP], true), "give ep") ||
	    !ok(writ_cnode_mint(cn, S_EP_BADGED, STRESS_RADIX, R, r[R_EP], FULL_DEPTH,
				WRIT_RIGHTS_ALL, 0x5a), "mint ep") ||
	    !ok(writ_cnode_copy(cn, S_EP_RECV_ONLY, STRESS_RADIX, R, r[R_EP], FULL_DEPTH,
				WRIT_RIGHT_READ), "copy ep") ||
	    !ok(writ_cnode_mint(cn, S_EP_SEND_ONLY, STRESS_RADIX, R, r[R_EP], FULL_DEPTH,
				WRIT_RIGHT_WRITE, 7), "mint ep") ||
	    !ok(give(S_NTFN, r[R_NTFN], true), "give ntfn") ||
	    !ok(give(S_UNTYPED, r[R_UT], false), "give untyped") ||
	    !ok(give(S_PML4, r[R_PML4], true), "give pml4") ||
	    !ok(give(S_PDPT, r[R_PDPT], false), "give pdpt") ||
	    !ok(give(S_PD, r[R_PD], false), "give pd") ||
	    !ok(give(S_PT, r[R_PT], false), "give pt") ||
	    !ok(give(S_PT2, r[R_PT2], false), "give pt2") ||
	    !ok(give(S_PD2, r[R_PD2], false), "give pd2") ||
	    !ok(give(S_FRAME1, r[R_F1], false), "give f1") ||
	    !ok(give(S_FRAME2, r[R_F2], false), "give f2") ||
	    !ok(give(S_FRAME3, r[R_F3], false), "give f3") ||
	    !ok(give(S_FRAME4, r[R_F4], false), "give f4") ||
	    !ok(give(S_SPARE_TCB, r[R_SPARE], false), "give spare") ||
	    !ok(give(S_FRAME_2M, r[R_F2M], false), "give 2m frame") ||
	    !ok(writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x80, 0x80, cn, S_IOPORT,
				  STRESS_RADIX), "issue ioport"))
		return false;
	return true;
}

/* The helpers' TCBs and IPC buffers, made once; they start suspended. */
static bool
helpers_make(void)
{
	writ_cptr_t ep = slot_alloc();

	if (!ok(writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				fault_ep, FULL_DEPTH, WRIT_RIGHTS_ALL, HELPER_BADGE),
		"mint helper fault endpoint"))
		return false;
	for (unsigned i = 0; i < NHELPERS; i++) {
		/* No IPC buffer: a helper's calls carry registers only (and the suite's
		 * test pages are nearly all taken by the time the stress test runs). */
		helpers[i].tcb = obj_new(WRIT_OBJ_TCB, 0);
		if (!helpers[i].tcb ||
		    !ok(writ_tcb_configure(helpers[i].tcb, ep, WRIT_SLOT_ROOT_CNODE, 0,
					   WRIT_SLOT_ROOT_VSPACE, 0, 0), "configure helper"))
			return false;
	}
	return true;
}

/* Each helper's kind and priority for the segment that starts at `step`. */
static void
helpers_start(uint64_t step)
{
	struct rng g = rng_for(step, 2);

	for (unsigned i = 0; i < NHELPERS; i++) {
		writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
		unsigned c = below(&g, 8), prio;

		helpers[i].kind = c < 2 ? H_OFF : c < 6 ? H_SPIN : H_WAIT;
		if (helpers[i].kind == H_OFF)
			continue;
		prio = helpers[i].kind == H_WAIT ? PRIO + 1 + below(&g, 3)
						 : PRIO - (below(&g, 4) == 0);
		ctx[WRIT_CTX_RIP] = (writ_word_t)helper_thread;
		ctx[WRIT_CTX_RSP] = (writ_word_t)(helper_stacks[i] + HELPER_STACK) - 8;
		ctx[WRIT_CTX_RDI] = i;
		ctx[WRIT_CTX_RFLAGS] = 0x202;
		writ_tcb_set_priority(helpers[i].tcb, WRIT_SLOT_ROOT_TCB, prio);
		writ_tcb_write_regs(helpers[i].tcb, true, ctx, WRIT_CTX_COUNT);
	}
}

static void
helpers_stop(void)
{
	for (unsigned i = 0; i < NHELPERS; i++)
		writ_tcb_suspend(helpers[i].tcb);
}

/* Start (or restart) the stress thread at its entry with a clean configuration: the
 * stream may have reconfigured, suspended or re-prioritised it. */
static bool
restart(void)
{
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };

	writ_tcb_suspend(r[R_TCB]);
	if (!ok(writ_tcb_configure(r[R_TCB], fault_ep_badged, r[R_CNODE],
				   WRIT_CNODE_GUARD(0, 64 - STRESS_RADIX), WRIT_SLOT_ROOT_VSPACE,
				   ipc_va, r[R_F0]), "configure stress thread") ||
	    !ok(writ_tcb_set_priority(r[R_TCB], WRIT_SLOT_ROOT_TCB, PRIO), "priority"))
		return false;
	ctx[WRIT_CTX_RIP] = (writ_word_t)stress_thread;
	ctx[WRIT_CTX_RSP] = (writ_word_t)(stack + STACK_BYTES) - 8;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = ipc_va;
	return ok(writ_tcb_write_regs(r[R_TCB], true, ctx, WRIT_CTX_COUNT), "start");
}

/* An UnknownSyscall fault: answer it the way the step's own generator says. */
static void
answer_unknown_syscall(struct writ_msg *m)
{
	struct rng g = rng_for(sh.cur, 1);
	writ_word_t ctx[WRIT_CTX_COUNT];
	unsigned c = below(&g, 100);

	if (c < 80) {
		m->info = writ_msginfo(0, 0, 0);	/* resume, registers as they were */
		writ_reply(m);
		return;
	}
	for (unsigned i = 0; i < WRIT_CTX_COUNT; i++)
		ctx[i] = i < WRIT_MSG_REGS ? m->mr[i] : writ_mr_get(i);
	if (c < 95) {
		ctx[WRIT_CTX_RAX] = GARBAGE_RAX;	/* the handler's result */
	} else {
		/* Garbage where the kernel must not trust it: the thread may fault after,
		 * which restarts it, but the kernel must not. Never a user address, so the
		 * thread cannot run off into the root's code. */
		static const unsigned regs[] = { WRIT_CTX_RIP, WRIT_CTX_RSP, WRIT_CTX_RFLAGS,
						 WRIT_CTX_FS_BASE, WRIT_CTX_GS_BASE };
		unsigned which = regs[below(&g, 5)];
		writ_word_t v = interesting(&g);

		if (which == WRIT_CTX_RIP)
			v |= 0x0000800000000000ull;
		ctx[which] = v;
	}
	for (unsigned i = 0; i < WRIT_CTX_COUNT; i++) {
		if (i < WRIT_MSG_REGS)
			m->mr[i] = ctx[i];
		else
			writ_mr_set(i, ctx[i]);
	}
	m->info = writ_msginfo(0, 0, WRIT_CTX_COUNT);
	writ_reply(m);
}

static void
handle_fault(struct writ_msg *m)
{
	writ_word_t label = writ_msginfo_label(m->info);

	faults[label <= WRIT_FAULT_CAP ? label : WRIT_FAULT_CAP + 1]++;
	if (m->badge != FAULT_BADGE || label == WRIT_FAULT_NONE || label > WRIT_FAULT_CAP)
		fail(sh.cur, "a fault message with badge %lx label %lx", m->badge, label);
	if (label == WRIT_FAULT_UNKNOWN_SYSCALL) {
		answer_unknown_syscall(m);
		return;
	}
	sh.next = sh.cur + 1;		/* the faulting step is done; go on after it */
	restarts++;
	if (hostile)
		lost = true;		/* no capability left to restart it with */
	else
		restart();
}

/* Run steps [sh.next, end): the root shares the CPU with the thread and handles it. */
static void
run_segment(uint64_t end)
{
	uint64_t last = sh.next;
	unsigned stall = 0;

	sh.end = end;
	sh.parked = 0;
	restart();
	if (hostile) {
		/* The thread's TCB and CSpace now live only in its own CSpace (and CNode
		 * 2): the stream may delete, suspend or reconfigure them for good. */
		hostile_segments++;
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, r[R_TCB], FULL_DEPTH);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, r[R_CNODE], FULL_DEPTH);
	}
	helpers_start(sh.next);
	for (unsigned turn = 0; !sh.parked && !lost; turn++) {
		struct writ_msg m = { 0 };

		if (turn % 4 == 0)
			writ_signal(helper_ntfn);	/* wakes a waiting helper: it preempts */
		if (turn % 4096 == 4095 && cmdline_has("stress-trace"))
			writ_printf("# stress: turn %u, step %lu, lost %d\n", turn, sh.cur, lost);

		if (writ_nbrecv(fault_ep, &m) == WRIT_OK) {
			handle_fault(&m);
			stall = 0;
			continue;
		}
		writ_yield();
		if (sh.next != last) {
			last = sh.next;
			stall = 0;
		} else if (++stall >= STALL_LIMIT) {
			stalls++;		/* blocked, suspended or starved: go on */
			sh.next = sh.cur + 1;
			last = sh.next;
			stall = 0;
			if (hostile)
				lost = true;
			else
				restart();
		}
	}
	writ_tcb_suspend(r[R_TCB]);
	helpers_stop();
}

/* The cspace invariant checker (debug kernels; release ones have no debug calls). */
static long
invariants(void)
{
	struct writ_msg m = { 0 };
	long err = writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m);

	return err == WRIT_E_ILLEGAL_SYSCALL ? WRIT_OK : err;
}

/* Does the kernel still make, map and unmap memory for the root? */
static bool
alive(void)
{
	volatile uint64_t *p = (volatile uint64_t *)alive_va;
	bool good;

	if (writ_untyped_retype(alive_ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				alive_frame, 1) != WRIT_OK ||
	    writ_frame_map(alive_frame, WRIT_SLOT_ROOT_VSPACE, alive_va,
			   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, 0) != WRIT_OK)
		return false;
	good = *p == 0;
	*p = 0xa11e;
	good = good && *p == 0xa11e;
	return writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, alive_ut, FULL_DEPTH) == WRIT_OK && good;
}

static uint64_t
cmdline_number(const char *key, uint64_t dflt)
{
	return cmdline_word_number(init.bi->cmdline, key, dflt);
}

static void
print_summary(uint64_t steps)
{
	char line[640];
	int n;

	n = writ_snprintf(line, sizeof(line), "# stress: seed %lu, %lu steps, %lu faults handled "
			  "(%lu unknown-syscall, %lu vm, %lu exception), %lu restarts, %lu stalls,"
			  " errors:", sh.seed, steps,
			  faults[1] + faults[2] + faults[3] + faults[4] + faults[5], faults[1],
			  faults[2], faults[3], restarts, stalls);
	for (unsigned e = 0; e <= WRIT_E_COUNT && n < (int)sizeof(line); e++)
		if (sh.errors[e])
			n += writ_snprintf(line + n, sizeof(line) - (size_t)n, " %s %lu",
					   e == WRIT_E_COUNT ? "other" : e == WRIT_OK ? "OK"
					   : writ_error_name((int)e) + 7,
					   sh.errors[e]);
	writ_printf("%s\n", line);
	writ_printf("# stress: %lu hostile segments, %lu arena probes, helper rounds %lu %lu %lu\n",
		    hostile_segments, probe_rounds, helpers[0].rounds, helpers[1].rounds,
		    helpers[2].rounds);
}

/* Bugs the stream found, each checked on its own so a regression names itself. */
static void
regressions(void)
{
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0), cn = obj_new(WRIT_OBJ_CNODE, 8);

	/* seed 1, steps 53000..53500: a guard value wider than its width (here 3 bits
	 * of value in a 2-bit guard) was stored in the TCB's CSpace root, breaking I5. */
	check_err(writ_tcb_configure(t, 0, cn, WRIT_CNODE_GUARD(7, 2), 0, 0, 0),
		  WRIT_E_INVALID_ARGUMENT, "kern/tcb-configure-guard-value-too-wide");
	check_err(invariants(), WRIT_OK, "kern/tcb-configure-guard-invariants");
	check_err(writ_tcb_configure(t, 0, cn, WRIT_CNODE_GUARD(3, 2), 0, 0, 0), WRIT_OK,
		  "kern/tcb-configure-guard-value-fits");
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, cn, FULL_DEPTH);
}

/* An untyped of 2^bits bytes from any RAM untyped that still has room: by the time
 * the stress test runs, the suite's earlier tests may have used up the largest one. */
static writ_cptr_t
untyped_anywhere(unsigned bits)
{
	writ_cptr_t s = slot_alloc();

	for (unsigned i = 0; i < init.bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &init.bi->untyped[i];

		if (!u->is_device && u->size_bits >= bits &&
		    writ_untyped_retype(u->slot, WRIT_OBJ_UNTYPED, bits, WRIT_SLOT_ROOT_CNODE, 0,
					0, s, 1) == WRIT_OK)
			return s;
	}
	writ_printf("# stress: no RAM untyped has 2^%u bytes left\n", bits);
	return 0;
}

void
stress_run(void)
{
	uint64_t steps = cmdline_number("stress-steps", DEFAULT_STEPS), bad_from = 0, bad_to = 0;
	uint64_t check_every = cmdline_number("stress-check-every", CHECK_EVERY);
	long bad_check = WRIT_OK;
	bool dead = false, set_up;

	regressions();
	trace = cmdline_has("stress-trace");
	sh.seed = cmdline_number("stress-seed", DEFAULT_SEED);
	for (unsigned i = 0; i < R_COUNT; i++)
		r[i] = slot_alloc();
	arena = untyped_anywhere(ARENA_BITS);
	alive_ut = untyped_anywhere(16);
	fault_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	fault_ep_badged = slot_alloc();
	alive_frame = slot_alloc();
	ipc_va = va_alloc();
	alive_va = va_alloc();
	helper_ntfn = r[R_NTFN];
	set_up = arena && alive_ut && fault_ep && ipc_va && alive_va && helpers_make() &&
		 probe_tables() &&
		 ok(writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, fault_ep_badged, FULL_DEPTH,
				    WRIT_SLOT_ROOT_CNODE, fault_ep, FULL_DEPTH, WRIT_RIGHTS_ALL,
				    FAULT_BADGE), "mint fault endpoint");

	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, PRIO);
	for (sh.next = 0; set_up && sh.next < steps && !dead;) {
		uint64_t end = sh.next + CHECK_EVERY < steps ? sh.next + CHECK_EVERY : steps;
		uint64_t window = sh.next;

		if (!rebuild()) {
			set_up = false;
			break;
		}
		/* Checks between rebuilds (stress-check-every=1 finds the very step). */
		while (sh.next < end && !dead) {
			uint64_t start = sh.next;
			struct rng g = rng_for(start, 3);
			long err;

			if (hostile && !rebuild()) {	/* the last segment gave it all away */
				set_up = false;
				break;
			}
			/* Only a window's first segment, and to the window's end (or until
			 * the thread is lost): the stream must not depend on check_every. */
			hostile = start == window && below(&g, HOSTILE_ONE_IN) == 0;
			lost = false;
			TRACE("step %lu%s\n", start, hostile ? " hostile" : "");
			run_segment(hostile || end - start <= check_every ? end
							    : start + check_every);
			TRACE("segment done at %lu%s\n", sh.next, lost ? " (lost)" : "");
			err = invariants();
			if (err != WRIT_OK && bad_check == WRIT_OK) {
				bad_check = err;
				bad_from = start;
				bad_to = sh.next;
			}
			dead = !alive();
		}
	}
	/* Leave nothing running: the spare TCB and every object made go with the arena. */
	if (set_up)
		writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, arena, FULL_DEPTH);
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);

	print_summary(sh.next);
	if (!set_up)
		check(false, "kern/stress-random-syscalls", "could not set up (seed %lu)", sh.seed);
	else
		check(sh.failures == 0, "kern/stress-random-syscalls", "step %lu (seed %lu): %s%s",
		      sh.fail_step, sh.seed, sh.why, sh.failures > 1 ? " (and more)" : "");
	check(probe_bad == 0, "kern/stress-freed-memory-unreferenced",
	      "%lu words of a revoked arena changed or were not zero; first at offset %lx: "
	      "%lx (seed %lu)", probe_bad, probe_bad_at, probe_bad_value, sh.seed);
	check(bad_check == WRIT_OK, "kern/stress-invariants",
	      "%s after steps %lu..%lu (seed %lu)", writ_error_name((int)bad_check), bad_from,
	      bad_to - 1, sh.seed);
	check(set_up && !dead && invariants() == WRIT_OK && alive(),
	      "kern/stress-kernel-alive-after", "the kernel stopped working by step %lu "
	      "(seed %lu)", sh.next, sh.seed);
}
