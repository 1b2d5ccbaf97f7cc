/*
 * Regression tests for the kernel-security bugs of issue 18 (group `kern`): each does
 * what a hostile program did to find the bug, and checks the kernel's answer. Without
 * the fixes, some of these stop the kernel outright (a #GP in ring 0, a debug assertion,
 * a reset), which fails the whole boot: that is the failure they guard against.
 */
#include <writ/writ.h>

#include "init.h"

#define R WRIT_SLOT_ROOT_CNODE
#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)

static bool
debug_kernel(void)
{
	return (init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL) != 0;
}

static long
debug_check(void)
{
	struct writ_msg m = { 0 };

	return writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m);
}

/* The vector of the user exception a fault handler received, or -1. */
static long
fault_vector(writ_cptr_t ep, bool blocking)
{
	struct writ_msg m = { 0 };
	long err = blocking ? writ_recv(ep, &m) : writ_nbrecv(ep, &m);

	if (err != WRIT_OK || writ_msginfo_label(m.info) != WRIT_FAULT_USER_EXCEPTION)
		return -1;
	return (long)writ_mr_get(WRIT_CTX_COUNT);
}

static void
set_fs_gs(writ_cptr_t t, uint64_t fs, uint64_t gs)
{
	writ_word_t ctx[WRIT_CTX_COUNT];

	writ_tcb_suspend(t);
	writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
	if (fs)
		ctx[WRIT_CTX_FS_BASE] = fs;
	if (gs)
		ctx[WRIT_CTX_GS_BASE] = gs;
	writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
}

/* ---- B: Configure that frees its own TCB ---- */

static uint8_t self_stack[8192] __attribute__((aligned(16)));
static volatile int self_returned;

/* In CSpace C (guard 56, radix 4): C[1] -> E, E[0] = this TCB; C[2] -> D, D[0] = N. */
static void
self_configure_thread(uint64_t unused)
{
	(void)unused;
	writ_tcb_configure(0x10, 0, 0x20, 0, 0, 0, 0);
	self_returned = 1;	/* never: the TCB is gone */
	for (;;)
		writ_yield();
}

/*
 * A thread replaces its own CSpace while the only capability to its TCB lives in that
 * CSpace, and the new CSpace's capability in a CNode that outlives it. Deleting the old
 * CSpace finalises the TCB; Configure must then write nothing into it (it used to copy
 * the new CSpace capability into the dead TCB, linking freed memory into the tree).
 */
static void
test_configure_frees_own_tcb(void)
{
	writ_cptr_t c = obj_new(WRIT_OBJ_CNODE, 4), e = obj_new(WRIT_OBJ_CNODE, 4);
	writ_cptr_t d = obj_new(WRIT_OBJ_CNODE, 4), n = obj_new(WRIT_OBJ_CNODE, 4);
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0), frame;
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	void *ipc = page_new(&frame);
	long err;

	writ_cnode_copy(d, 0, 4, R, n, FULL_DEPTH, WRIT_RIGHTS_ALL);
	writ_cnode_copy(c, 2, 4, R, d, FULL_DEPTH, WRIT_RIGHTS_ALL);
	writ_tcb_configure(t, 0, c, WRIT_CNODE_GUARD(0, 56), WRIT_SLOT_ROOT_VSPACE,
			   (writ_word_t)ipc, frame);
	writ_tcb_set_priority(t, WRIT_SLOT_ROOT_TCB, 100);
	ctx[WRIT_CTX_RIP] = (writ_word_t)self_configure_thread;
	ctx[WRIT_CTX_RSP] = (writ_word_t)(self_stack + sizeof(self_stack)) - 8;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = (writ_word_t)ipc;
	writ_tcb_write_regs(t, true, ctx, WRIT_CTX_COUNT);
	writ_cnode_move(e, 0, 4, R, t, FULL_DEPTH);
	writ_cnode_move(c, 1, 4, R, e, FULL_DEPTH);
	writ_cnode_delete(R, c, FULL_DEPTH);	/* the TCB's copy is C's last capability */
	root_yield_at(99, 3);
	check(!self_returned, "kern/configure-own-cspace-thread-gone",
	      "the thread returned from a Configure that deleted it");
	/* Narrowing a capability with children is refused: N's copy in D has none unless
	 * Configure copied into the dead TCB. */
	err = writ_cnode_mutate(d, 1, 4, d, 0, 4, WRIT_RIGHT_READ, 0);
	check(err == WRIT_OK, "kern/configure-own-cspace-nothing-written",
	      "the new CSpace capability has a child in the freed TCB (%s)",
	      writ_error_name((int)err));
	if (debug_kernel())
		check_err(debug_check(), WRIT_OK, "kern/configure-own-cspace-invariants");
	writ_cnode_delete(R, d, FULL_DEPTH);
	writ_cnode_delete(R, n, FULL_DEPTH);
}

/* ---- C: RFLAGS bits a user can set, through sysret and iretq ---- */

static const struct {
	uint64_t bit;
	const char *name;
} user_flags[] = {
	{ 1u << 0, "cf" }, { 1u << 2, "pf" }, { 1u << 4, "af" }, { 1u << 6, "zf" },
	{ 1u << 7, "sf" }, { 1u << 10, "df" }, { 1u << 11, "of" }, { 1u << 14, "nt" },
	{ 1u << 18, "ac" }, { 1u << 21, "id" },
};

/*
 * Yield with `set` ORed into RFLAGS, and the flags as the syscall left them. Below the
 * red zone, and with the caller's flags back before any compiled code runs (DF!).
 */
static uint64_t
yield_with_flags(uint64_t set)
{
	uint64_t after;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "pushfq\n\t"
			 "pushfq\n\t"
			 "orq %[set], (%%rsp)\n\t"
			 "popfq\n\t"
			 "movq %[yield], %%rax\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %[after]\n\t"
			 "popfq\n\t"
			 "add $128, %%rsp"
			 : [after] "=r"(after)
			 : [set] "r"(set), [yield] "i"(WRIT_SYS_YIELD)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory",
			   "cc");
	return after;
}

static volatile uint64_t spin_stop, spin_flags_seen;

/* Spins with `set` in its RFLAGS until told to stop, preempted by the timer meanwhile
 * (each return to it is an iretq of an interrupt frame holding the flag). */
static void
flag_spinner(uint64_t set)
{
	uint64_t seen;

	__asm__ volatile("sub $128, %%rsp\n\t"
			 "pushfq\n\t"
			 "pushfq\n\t"
			 "orq %[set], (%%rsp)\n\t"
			 "popfq\n\t"
			 "1: movq %[stop], %%rcx\n\t"	/* no arithmetic: the */
			 "jrcxz 1b\n\t"		/* flags stay as set */
			 "pushfq\n\t"
			 "popq %[seen]\n\t"
			 "popfq\n\t"
			 "add $128, %%rsp"
			 : [seen] "=r"(seen)
			 : [set] "r"(set), [stop] "m"(spin_stop)
			 : "rcx", "memory", "cc");
	spin_flags_seen = seen;
	thread_exit();
}

static void
test_rflags_bits(void)
{
	char name[64];

	for (unsigned i = 0; i < sizeof(user_flags) / sizeof(user_flags[0]); i++) {
		uint64_t bit = user_flags[i].bit, kept = bit;

		spin_stop = 0;
		spin_flags_seen = 0;
		thread_new(flag_spinner, bit, 100, 0);
		/* At the spinner's priority each Yield switches to it through iretq (kernel
		 * RFLAGS: ours, as the syscall entry left them) and the timer brings us back
		 * through sysret. */
		writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
		for (unsigned n = 0; n < 3; n++)
			kept &= yield_with_flags(bit);
		spin_stop = 1;
		for (unsigned n = 0; n < 5 && !spin_flags_seen; n++)
			writ_yield();
		writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
		writ_snprintf(name, sizeof(name), "kern/rflags-%s-kept-across-syscall",
			      user_flags[i].name);
		check(kept == bit, name, "flag lost");
		writ_snprintf(name, sizeof(name), "kern/rflags-%s-kept-across-preemption",
			      user_flags[i].name);
		check(spin_flags_seen & bit, name, "flags %lx", spin_flags_seen);
	}
}

/*
 * WriteRegisters and a fault reply are the other way into a frame that leaves by iretq:
 * they take the arithmetic flags and DF only, IF forced on (no IOPL, VM, NT, TF, AC, ID).
 */
static void
test_written_rflags_masked(void)
{
	writ_cptr_t t = obj_new(WRIT_OBJ_TCB, 0);
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };

	ctx[WRIT_CTX_RFLAGS] = ~0ull;
	writ_tcb_write_regs(t, false, ctx, WRIT_CTX_COUNT);
	writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
	check(ctx[WRIT_CTX_RFLAGS] == 0xed7, "kern/rflags-written-only-user-bits",
	      "all ones written, %lx read back", ctx[WRIT_CTX_RFLAGS]);
	writ_cnode_delete(R, t, FULL_DEPTH);
}

static volatile int tf_after;

static void
tf_thread(uint64_t with_syscall)
{
	if (with_syscall)
		__asm__ volatile("movq %0, %%rax\n\t"
				 "pushfq\n\t"
				 "orq $0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 "syscall\n\t"	/* TF on at its start */
				 "nop"
				 : : "i"(WRIT_SYS_YIELD)
				 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
				   "memory");
	else
		__asm__ volatile("pushfq\n\t"
				 "orq $0x100, (%%rsp)\n\t"
				 "popfq\n\t"
				 "nop\n\t"
				 "nop" : : : "memory");
	tf_after = 1;	/* not reached: the single-step trap stops the thread */
	thread_exit();
}

/* TF: the single-step trap comes in user mode, as a fault, never in the kernel. */
static void
test_rflags_tf(void)
{
	static const char *const names[] = { "kern/rflags-tf-single-step-faults-in-user",
					     "kern/rflags-tf-across-syscall-faults-in-user" };

	for (unsigned k = 0; k < 2; k++) {
		writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
		writ_cptr_t t = thread_new(tf_thread, k, 100, ep);
		long v = fault_vector(ep, true);

		check(v == 1 && !tf_after, names[k], "vector %ld, thread went on %d", v, tf_after);
		writ_cnode_delete(R, t, FULL_DEPTH);
	}
}

static volatile int umip_done;

static void
umip_thread(uint64_t unused)
{
	uint8_t gdtr[10];

	(void)unused;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	umip_done = 1;
	thread_exit();
}

/* UMIP on where the CPU has it (QEMU's `max`): SGDT in user mode is #GP. */
static void
test_umip(void)
{
	uint32_t a, b, c, d;
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), t;
	bool umip;
	long v;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	umip = false;
	if (a >= 7) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
		umip = (c >> 2) & 1;
	}
	t = thread_new(umip_thread, 0, 100, ep);
	root_yield_at(99, 2);
	v = fault_vector(ep, false);
	if (umip)
		check(v == 13 && !umip_done, "kern/umip-on-where-present",
		      "CPU has UMIP; SGDT gave vector %ld, thread went on %d", v, umip_done);
	else
		check(umip_done, "kern/umip-on-where-present",
		      "CPU without UMIP: SGDT should just run (vector %ld)", v);
	writ_cnode_delete(R, t, FULL_DEPTH);
}

static volatile int x87_after;

static void
x87_thread(uint64_t unused)
{
	uint16_t cw = 0x037b;	/* the default, with zero-divide unmasked */

	(void)unused;
	__asm__ volatile("fninit\n\t"
			 "fldcw %0\n\t"
			 "fld1\n\t"
			 "fldz\n\t"
			 "fdivrp\n\t"	/* 1 / 0: the error is pending */
			 "fwait"	/* CR0.NE: #MF here */
			 : : "m"(cw) : "memory");
	x87_after = 1;
	thread_exit();
}

/* CR0.NE: an unmasked x87 error is #MF in the thread, not a stall or nothing at all. */
static void
test_x87_error_faults(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t t = thread_new(x87_thread, 0, 100, ep);
	long v;

	root_yield_at(99, 2);
	v = fault_vector(ep, false);
	check(v == 16 && !x87_after, "kern/x87-error-is-mf",
	      "vector %ld, thread went on %d", v, x87_after);
	writ_cnode_delete(R, t, FULL_DEPTH);
}

/* ---- D: the FS and GS bases after a selector load ---- */

static uint64_t tls_block[2] = { 0, 0x5eed };
static volatile uint64_t seg_seen;

static void
seg_loader(uint64_t gs)
{
	if (gs)
		__asm__ volatile("mov %0, %%gs" : : "r"(0));
	else
		__asm__ volatile("mov %0, %%fs" : : "r"(0));
	writ_yield();		/* straight to the reader: same base on record */
	thread_exit();
}

static void
seg_reader(uint64_t gs)
{
	uint64_t v;

	if (gs)
		__asm__ volatile("mov %%gs:8, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%fs:8, %0" : "=r"(v));
	seg_seen = v;
	thread_exit();
}

/*
 * Two threads with one TLS base on record; the first loads a null selector (which clears
 * its live base) and yields to the second, which must still find its TLS at its base.
 */
static void
test_segment_base(bool gs)
{
	writ_cptr_t a = thread_new(seg_loader, gs, 100, 0), b = thread_new(seg_reader, gs, 100, 0);
	uint64_t base = (uint64_t)tls_block;

	seg_seen = 0;
	set_fs_gs(a, gs ? 0 : base, gs ? base : 0);
	set_fs_gs(b, gs ? 0 : base, gs ? base : 0);
	root_yield_at(99, 4);
	check(seg_seen == 0x5eed, gs ? "kern/gs-base-after-selector-load" :
	      "kern/fs-base-after-selector-load", "the second thread read %lx", seg_seen);
	writ_cnode_delete(R, a, FULL_DEPTH);
	writ_cnode_delete(R, b, FULL_DEPTH);
}

/* ---- F: what the kernel keeps ---- */

static bool
device_untyped_covers(uint64_t pa)
{
	for (unsigned i = 0; i < init.bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &init.bi->untyped[i];

		if (u->is_device && pa >= u->paddr && pa - u->paddr < 1ull << u->size_bits)
			return true;
	}
	return false;
}

static void
test_kernel_devices_kept(void)
{
	static const struct {
		unsigned first, last;
		const char *name;
	} kept[] = {
		{ 0x20, 0x21, "kern/ioport-pic1-kept" },
		{ 0xa0, 0xa1, "kern/ioport-pic2-kept" },
		{ 0x4d0, 0x4d1, "kern/ioport-elcr-kept" },
		{ 0x40, 0x43, "kern/ioport-pit-kept" },
		{ 0x61, 0x61, "kern/ioport-61-kept" },
		{ 0x00, 0xff, "kern/ioport-range-over-kernel-ports-refused" },
	}, given[] = {
		{ 0x3f8, 0x3ff, "kern/ioport-com1-issuable" },
		{ 0xcf8, 0xcff, "kern/ioport-pci-config-issuable" },
		{ 0x62, 0x63, "kern/ioport-next-to-kept-issuable" },
	};

	check(!device_untyped_covers(0xfee00000), "kern/device-untyped-excludes-lapic",
	      "a device untyped covers the local APIC");
	check(!device_untyped_covers(0xfec00000), "kern/device-untyped-excludes-ioapic",
	      "a device untyped covers the I/O APIC");
	check(device_untyped_covers(0xfed00000) || device_untyped_covers(0xfebff000),
	      "kern/device-untyped-around-apics-given", "the holes around the APICs went too");
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		check_err(writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, kept[i].first, kept[i].last,
					    R, slot_alloc(), FULL_DEPTH),
			  WRIT_E_ILLEGAL_OPERATION, kept[i].name);
	for (unsigned i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		writ_cptr_t s = slot_alloc();

		check_err(writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, given[i].first,
					    given[i].last, R, s, FULL_DEPTH), WRIT_OK,
			  given[i].name);
		writ_cnode_delete(R, s, FULL_DEPTH);
	}
}

/*
 * A frame from device untyped stays device memory after the untyped's capability is
 * deleted: the IPC buffer check must not need the untyped to say so.
 */
static void
test_device_frame_bit(void)
{
	writ_cptr_t ut = 0, f = slot_alloc(), t = obj_new(WRIT_OBJ_TCB, 0);

	for (unsigned i = 0; i < init.bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &init.bi->untyped[i];

		if (u->is_device && u->slot != init.device &&
		    !(init.bi->fb_paddr >= u->paddr && init.bi->fb_paddr - u->paddr <
						       1ull << u->size_bits))
			ut = u->slot;	/* the last: nothing else uses it */
	}
	if (!ut) {
		check(false, "kern/ipc-buffer-device-frame-refused-without-untyped",
		      "no spare device untyped");
		return;
	}
	check_err(writ_untyped_retype(ut, WRIT_OBJ_FRAME_4K, 0, R, 0, 0, f, 1), WRIT_OK,
		  "kern/device-frame-from-spare-untyped");
	check_err(writ_cnode_delete(R, ut, FULL_DEPTH), WRIT_OK,
		  "kern/device-untyped-deleted-under-frame");
	check_err(writ_tcb_configure(t, 0, R, 0, WRIT_SLOT_ROOT_VSPACE, 0x10000, f),
		  WRIT_E_ILLEGAL_OPERATION, "kern/ipc-buffer-device-frame-refused-without-untyped");
}

/* ---- G: rights, state, depth ---- */

static void
test_fault_ep_rights(void)
{
	static const struct {
		unsigned rights;
		long want;
		const char *name;
	} cases[] = {
		{ WRIT_RIGHT_READ, WRIT_E_RIGHTS, "kern/fault-ep-read-only-refused" },
		{ 0, WRIT_E_RIGHTS, "kern/fault-ep-no-rights-refused" },
		{ WRIT_RIGHT_WRITE, WRIT_E_RIGHTS, "kern/fault-ep-write-without-grant-refused" },
		{ WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT_REPLY, WRIT_OK,
		  "kern/fault-ep-write-grant-reply-accepted" },
		{ WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT, WRIT_OK, "kern/fault-ep-write-grant-accepted" },
	};
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), t = obj_new(WRIT_OBJ_TCB, 0);

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		writ_cptr_t s = slot_alloc();

		writ_cnode_mint(R, s, FULL_DEPTH, R, ep, FULL_DEPTH, cases[i].rights, 3);
		check_err(writ_tcb_configure(t, s, R, 0, WRIT_SLOT_ROOT_VSPACE, 0, 0),
			  cases[i].want, cases[i].name);
	}
	writ_cnode_delete(R, t, FULL_DEPTH);
}

static volatile writ_word_t bound_first = ~0ull;

static void
bound_receiver(uint64_t ep)
{
	struct writ_msg m = { 0 };

	writ_recv(ep, &m);
	bound_first = m.badge;
	thread_exit();
}

/* Binding a notification that holds a word to a thread blocked in Recv: the word is
 * delivered at once, so the next signal neither trips an assertion nor overtakes it. */
static void
test_bind_pending_word(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), n = obj_new(WRIT_OBJ_NOTIFICATION, 0);
	writ_cptr_t b1 = slot_alloc(), b2 = slot_alloc(), t;

	writ_cnode_mint(R, b1, FULL_DEPTH, R, n, FULL_DEPTH, WRIT_RIGHT_WRITE, 1);
	writ_cnode_mint(R, b2, FULL_DEPTH, R, n, FULL_DEPTH, WRIT_RIGHT_WRITE, 2);
	t = thread_new(bound_receiver, ep, 100, 0);
	root_yield_at(99, 2);		/* it waits in Recv on ep */
	writ_signal(b1);		/* nobody waits on n: the word holds 1 */
	check_err(writ_tcb_bind_notification(t, n), WRIT_OK, "kern/bind-ntfn-holding-word");
	writ_signal(b2);
	root_yield_at(99, 2);
	check(bound_first == 1, "kern/bind-ntfn-holding-word-delivered-first",
	      "first badge received %lx", bound_first);
	writ_cnode_delete(R, t, FULL_DEPTH);
}

static void
rax_fault_thread(uint64_t unused)
{
	(void)unused;
	__asm__ volatile("mov $0x1234, %%rax\n\tud2" : : : "rax");
}

static writ_word_t
rax_of(writ_cptr_t t)
{
	writ_word_t ctx[WRIT_CTX_COUNT];

	writ_tcb_read_regs(t, ctx, WRIT_CTX_COUNT);
	return ctx[WRIT_CTX_RAX];
}

/*
 * A thread stopped by a fault is in no syscall: suspending it, or cancelling its fault
 * IPC, leaves its registers alone (it used to get RAX = WRIT_E_CANCELLED and resume at
 * the faulting instruction with it).
 */
static void
test_fault_cancel_keeps_rax(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), badged = slot_alloc(), t;

	/* Suspended while its fault has been received (waiting for the reply). */
	t = thread_new(rax_fault_thread, 0, 100, ep);
	fault_vector(ep, true);
	writ_tcb_suspend(t);
	check(rax_of(t) == 0x1234, "kern/suspend-faulted-thread-keeps-rax", "rax %lx",
	      rax_of(t));
	writ_cnode_delete(R, t, FULL_DEPTH);

	/* Queued on its fault endpoint when the endpoint's last capability goes. */
	t = thread_new(rax_fault_thread, 0, 100, ep);
	root_yield_at(99, 2);
	writ_cnode_revoke(R, ep, FULL_DEPTH);	/* the thread's copy */
	writ_cnode_delete(R, ep, FULL_DEPTH);
	check(rax_of(t) == 0x1234, "kern/endpoint-deleted-under-fault-keeps-rax", "rax %lx",
	      rax_of(t));
	writ_cnode_delete(R, t, FULL_DEPTH);

	/* Queued with a badge when the last capability with that badge goes. */
	ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cnode_mint(R, badged, FULL_DEPTH, R, ep, FULL_DEPTH, WRIT_RIGHTS_ALL, 9);
	t = thread_new(rax_fault_thread, 0, 100, badged);
	root_yield_at(99, 2);
	writ_cnode_revoke(R, badged, FULL_DEPTH);
	writ_cnode_delete(R, badged, FULL_DEPTH);
	check(rax_of(t) == 0x1234, "kern/badge-deleted-under-fault-keeps-rax", "rax %lx",
	      rax_of(t));
	writ_cnode_delete(R, t, FULL_DEPTH);
}

/*
 * A chain of 450 radix-1 CNodes, each holding the next in slot 0: the debug checker
 * walks it without recursing (it used to take a kernel frame per CNode and overflow the
 * kernel stack into the page directories). Built by retyping into slot 0 of the CNode
 * `k` levels below an anchor in the root CNode (k bits of cptr), a new anchor every 63.
 */
static void
test_deep_cnode_chain(void)
{
	/* The chain's untyped sits after its first CNode in the root CNode, so a walk that
	 * reaches the chain from the first CNode goes down it before it could list the
	 * untyped's children side by side. */
	writ_cptr_t anchors[10], first = slot_alloc(), ut = obj_new(WRIT_OBJ_UNTYPED, 16);
	unsigned na = 0, made = 0, k = 0;
	long err;

	err = writ_untyped_retype(ut, WRIT_OBJ_CNODE, 1, R, 0, 0, first, 1);
	made += err == WRIT_OK;

	anchors[na++] = first;
	while (made < 450 && err == WRIT_OK) {
		if (k == 63) {
			anchors[na] = slot_alloc();
			err = writ_cnode_copy(R, anchors[na], FULL_DEPTH, anchors[na - 1], 0, 63,
					      WRIT_RIGHTS_ALL);
			na++;
			k = 0;
			continue;
		}
		err = writ_untyped_retype(ut, WRIT_OBJ_CNODE, 1, anchors[na - 1], 0, k, 0, 1);
		made += err == WRIT_OK;
		k++;
	}
	check(made == 450, "kern/deep-cnode-chain-built", "%u CNodes, %s", made,
	      writ_error_name((int)err));
	if (debug_kernel())
		check_err(debug_check(), WRIT_OK, "kern/debug-check-deep-cnode-chain");
	for (unsigned i = na; i-- > 1;)
		writ_cnode_delete(R, anchors[i], FULL_DEPTH);
	for (;;) {
		err = writ_cnode_delete(R, first, FULL_DEPTH);
		if (err != WRIT_E_PREEMPTED)
			break;
	}
	check_err(err, WRIT_OK, "kern/deep-cnode-chain-deleted");
	writ_cnode_delete(R, ut, FULL_DEPTH);
}

static volatile long sib_result[2] = { -1, -1 };

static void
sib_sender(uint64_t arg)
{
	struct writ_msg m = { .info = writ_msginfo(1, 0, 0) };

	sib_result[arg >> 32] = writ_send((writ_cptr_t)(uint32_t)arg, &m);
	thread_exit();
}

/*
 * The stated semantics (proofs-notes/kernel.md, "Badges"): a queued send is known by its
 * badge value only. Deleting the last capability of one Mint's line cancels the queued
 * sends with that value, also those made through a separately minted sibling with the
 * same value; deleting a copy under a badged capability cancels nothing.
 */
static void
test_badge_siblings(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), a = slot_alloc(), b = slot_alloc();
	writ_cptr_t a_copy = slot_alloc();
	struct writ_msg m = { 0 };

	writ_cnode_mint(R, a, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 5);
	writ_cnode_mint(R, b, FULL_DEPTH, R, ep, FULL_DEPTH, RW, 5);
	writ_cnode_copy(R, a_copy, FULL_DEPTH, R, a, FULL_DEPTH, RW);
	thread_new(sib_sender, b, 100, 0);
	root_yield_at(99, 2);
	writ_cnode_delete(R, a_copy, FULL_DEPTH);
	root_yield_at(99, 2);
	check(sib_result[0] == -1, "kern/badge-copy-deleted-send-stays",
	      "result %ld", sib_result[0]);
	writ_cnode_delete(R, a, FULL_DEPTH);
	root_yield_at(99, 2);
	check_err(sib_result[0], WRIT_E_CANCELLED, "kern/badge-line-deleted-cancels-same-value");
	check(writ_nbrecv(ep, &m) == WRIT_E_WOULD_BLOCK, "kern/badge-cancelled-send-gone",
	      "a message is still queued");
}

void
sec_tests_run(void)
{
	test_configure_frees_own_tcb();
	test_rflags_bits();
	test_written_rflags_masked();
	test_rflags_tf();
	test_umip();
	test_x87_error_faults();
	test_segment_base(false);
	test_segment_base(true);
	test_kernel_devices_kept();
	test_device_frame_bit();
	test_fault_ep_rights();
	test_bind_pending_word();
	test_fault_cancel_keeps_rax();
	test_deep_cnode_chain();
	test_badge_siblings();
}
