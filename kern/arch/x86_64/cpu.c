/*
 * Processor set-up after the GDT and IDT: the features we turn on (and why), the
 * syscall MSRs, and the FPU's initial state that every new thread starts from.
 *
 * Features: NX is on from the boot trampoline. SMEP (the kernel never executes user
 * pages) and SMAP (the kernel never reads user pages by accident: it reaches user
 * memory only through frames it maps itself, in the direct map) are turned on when
 * CPUID has them; qemu64 has neither, real PCs mostly do. PGE keeps the kernel's
 * mappings in the TLB across CR3 writes. With PCIDs each address space keeps its TLB
 * entries across switches (kern/arch/x86_64/vspace.c says when they must go).
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/cpu_features.h>

#include <arch/asm.h>
#include <arch/gdt.h>
#include <arch/cpu.h>

#define CR0_MP (1ull << 1)
#define CR0_NE (1ull << 5)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_SCE (1ull << 0)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)

struct cpu_features cpu_features;
uint8_t fpu_initial_state[512] __attribute__((aligned(16)));

void
x86_syscall_entry_select(bool fastpath)
{
	x86_wrmsr(MSR_LSTAR, (uint64_t)(fastpath ? syscall_entry : syscall_entry_full));
}

void
x86_cpu_init(void)
{
	uint32_t r[4];
	uint64_t cr4 = x86_read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	x86_cpuid(0, 0, r);
	if (r[0] >= 7) {
		x86_cpuid(7, 0, r);
		cpu_features.smep = (r[1] >> 7) & 1;
		cpu_features.smap = (r[1] >> 20) & 1;
		cpu_features.umip = (r[2] >> 2) & 1;
	}
	x86_cpuid(1, 0, r);
	cpu_features.pcid = (r[2] >> 17) & 1;
	x86_cpuid(0x80000001, 0, r);
	cpu_features.nx = (r[3] >> 20) & 1;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	if (cpu_features.umip)
		cr4 |= CR4_UMIP;	/* SGDT, SIDT, SLDT, SMSW, STR: no kernel addresses to user */
	if (cpu_features.pcid)
		cr4 |= CR4_PCIDE;	/* CR3's PCID is 0 here, as enabling requires */
	x86_write_cr4(cr4);
	/* NE: an unmasked x87 error is #MF in the thread that caused it, not the legacy
	 * FERR# line to an interrupt controller nobody listens to. */
	x86_write_cr0((x86_read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	/* With SMAP, AC set by user code must not survive into the kernel on any entry:
	 * syscalls mask it below; interrupts and exceptions enter through stubs that clac. */
	idt_select_stubs(cpu_features.smap);

	/* The FPU state a fresh thread starts with: x87 and SSE defaults. */
	__asm__ volatile("fninit");
	x86_fxsave(fpu_initial_state);

	/* syscall: kernel CS 0x08 (SS 0x10); sysret base 0x10 -> user SS 0x1b, CS 0x23. */
	x86_wrmsr(MSR_STAR, ((uint64_t)X86_STAR_SYSRET_BASE << 48) |
			    ((uint64_t)X86_SEL_KERNEL_CODE << 32));
	x86_syscall_entry_select(true);
	/*
	 * Every flag user code can set (POPF at CPL 3: CF PF AF ZF SF TF DF OF NT AC ID)
	 * that means something to kernel code is cleared on the way in. NT above all: an
	 * iretq with NT set is #GP in long mode, and the kernel leaves by iretq whenever it
	 * switches to a preempted thread. Interrupt and exception gates clear TF and NT
	 * themselves, and the stubs clear DF and AC.
	 */
	x86_wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
	x86_wrmsr(MSR_EFER, x86_rdmsr(MSR_EFER) | EFER_SCE);
	kprintf("cpu: NX %s, SMEP %s, SMAP %s, PCID %s, UMIP %s\n",
		cpu_features.nx ? "on" : "absent", cpu_features.smep ? "on" : "absent",
		cpu_features.smap ? "on" : "absent", cpu_features.pcid ? "on" : "absent",
		cpu_features.umip ? "on" : "absent");
}
