/*
 * The kernel's GDT and TSS. Layout is fixed by what syscall/sysret will need later:
 * sysret loads user CS/SS from STAR as (base + 16, base + 8), so the user data segment
 * sits before the user code segment.
 *   0x00 null, 0x08 kernel code, 0x10 kernel data, 0x18 user data, 0x20 user code,
 *   0x28 TSS (a 16-byte system descriptor).
 * The TSS gives the CPU a known-good stack for double faults and NMIs (IST1, IST2), so
 * a kernel stack overflow still ends in a register dump rather than a triple fault.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/cpu_features.h>
#include <kern/string.h>

#include "cpu.h"

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS 0x28


static uint64_t gdt[7];
struct x86_tss x86_tss;
static uint8_t ist_stacks[2][8192] __attribute__((aligned(16)));

void
gdt_init(void)
{
	uint64_t base = (uint64_t)&x86_tss, limit = sizeof(x86_tss) - 1;
	struct x86_desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };

	x86_tss.ist[0] = (uint64_t)&ist_stacks[0][sizeof(ist_stacks[0])];
	x86_tss.ist[1] = (uint64_t)&ist_stacks[1][sizeof(ist_stacks[1])];
	x86_tss.iomap_base = sizeof(x86_tss);		/* no I/O bitmap: user port access faults */

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;		/* kernel code: L, P, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull;		/* kernel data */
	gdt[3] = 0x00cff2000000ffffull;		/* user data: DPL 3 */
	gdt[4] = 0x00affa000000ffffull;		/* user code: L, DPL 3 */
	gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;

	x86_lgdt(&p);
	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 : : "i"(GDT_KCODE), "i"(GDT_KDATA) : "rax", "memory");
	x86_ltr(GDT_TSS);
}
