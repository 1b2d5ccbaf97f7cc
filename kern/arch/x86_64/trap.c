/*
 * The IDT and what happens on a trap (trap.asm saves the frame and calls
 * trap_dispatch). Interrupts go to the timer (the scheduler's tick), to the IRQ lines
 * and MSIs (kern/object/irq.c), or are counted as unexpected. A CPU exception in user
 * mode is the thread's fault: a fault message to its handler (kern/ipc.c). In the
 * kernel every exception is fatal except the breakpoint (#BP), which the self-tests use
 * to prove a trap can return: the dump names the vector, error code, RIP (with its
 * function), CR2, RSP and RFLAGS, then the frame-pointer backtrace, then the machine
 * stops. A trap from user mode, or from the idle loop with a thread to run, leaves
 * through the scheduler to whichever thread runs next.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/cpu_features.h>
#include <kern/irq.h>
#include <kern/ksyms.h>
#include <kern/ipc.h>
#include <kern/panic.h>
#include <kern/sched.h>

#include <arch/asm.h>
#include <arch/gdt.h>
#include <arch/cpu.h>
#include <arch/trap.h>

#define IDT_VECTORS X86_IDT_VECTORS
#define VEC_BREAKPOINT 3
#define VEC_NMI 2
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT 14

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

static struct idt_gate idt[IDT_VECTORS];
volatile uint64_t trap_breakpoints;
volatile uint64_t irq_unexpected;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualisation", "#CP control protection",
};

static void
idt_set_gates(const uint64_t *stubs)
{
	for (int v = 0; v < IDT_VECTORS; v++) {
		uint64_t h = stubs[v];

		idt[v].off_lo = (uint16_t)h;
		idt[v].sel = X86_SEL_KERNEL_CODE;
		idt[v].ist = v == VEC_DOUBLE_FAULT ? 1 : v == VEC_NMI ? 2 : 0;
		/* Interrupt gates (0xe): IF cleared on entry. #BP may come from ring 3. */
		idt[v].type = v == VEC_BREAKPOINT ? 0xee : 0x8e;
		idt[v].off_mid = (uint16_t)(h >> 16);
		idt[v].off_hi = (uint32_t)(h >> 32);
	}
}

void
idt_init(void)
{
	struct x86_desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	idt_set_gates(trap_stubs);
	x86_lidt(&p);
}

/* Interrupts are off (boot): no gate is half-written when one is taken. */
void
idt_select_stubs(bool clac)
{
	idt_set_gates(clac ? trap_stubs_clac : trap_stubs);
}

static void
dump_frame(const struct trap_frame *f)
{
	const char *name = f->vector < 32 && exception_names[f->vector] ?
				   exception_names[f->vector] : "interrupt";

	kprintf("\n*** CPU exception: vector %lu (%s), error code 0x%lx, in %s mode\n",
		f->vector, name, f->error, (f->cs & 3) ? "user" : "kernel");
	print_symbolic("RIP", f->rip);
	kprintf("CR2 %016lx  CR3 %016lx  RSP %016lx  RFLAGS %016lx\n", x86_read_cr2(),
		x86_read_cr3(), f->rsp, f->rflags);
	kprintf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	kprintf("R13 %016lx  R14 %016lx  R15 %016lx  CS %lx SS %lx\n", f->r13, f->r14, f->r15,
		f->cs, f->ss);
}

/* A CPU exception in user mode: the thread's fault, never the kernel's. */
static void
user_exception(struct trap_frame *f)
{
	struct tcb *t = sched_current;

	KASSERT(t && f == &t->frame);
	if (f->vector == VEC_PAGE_FAULT)
		fault_raise(t, WRIT_FAULT_VM, x86_read_cr2(), f->error);
	else
		fault_raise(t, WRIT_FAULT_USER_EXCEPTION, f->vector, f->error);
}

void
trap_dispatch(struct trap_frame *f)
{
	bool user = (f->cs & 3) != 0;

	/* No flag of the interrupted code's may reach here (the gate clears TF and NT, the
	 * stubs DF and, with SMAP, AC). */
	KASSERT(!(x86_read_rflags() & (X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_NT)) &&
		!(cpu_features.smap && (x86_read_rflags() & X86_RFLAGS_AC)));

	if (f->vector == IRQ_VECTOR_TIMER) {
		irq_ticks++;
		irq_eoi();
		sched_tick();
	} else if (irq_is_line_vector(f->vector)) {
		irq_line_interrupt(f->vector, x86_rdtsc());	/* kern/object/irq.c */
	} else if (irq_is_msi_vector(f->vector)) {
		irq_msi_interrupt(f->vector, x86_rdtsc());
	} else if (f->vector == IRQ_VECTOR_SPURIOUS) {
		/* no EOI for spurious interrupts */
	} else if (user && f->vector < 32) {
		user_exception(f);
	} else if (f->vector == VEC_BREAKPOINT && !user) {
		trap_breakpoints++;
		return;
	} else if (f->vector >= 32) {
		irq_eoi();	/* an interrupt nobody routed: counted, never lost silently */
		irq_unexpected++;
	} else {
		dump_frame(f);
		backtrace_print(f->rip, f->rbp);
		panic_halt();
	}
	/* From the idle loop, only leave it when there is something to run. */
	if (user || sched_has_runnable())
		sched_exit_to_user();
}
