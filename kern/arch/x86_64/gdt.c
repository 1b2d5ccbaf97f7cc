/*
 * The kernel's GDT and TSS. Layout is fixed by what syscall/sysret will need later:
 * sysret loads user CS/SS from STAR as (base + 16, base + 8), so the user data segment
 * sits before the user code segment.
 *   0x00 null, 0x08 kernel code, 0x10 kernel data, 0x18 user data, 0x20 user code,
 *   0x28 TSS (a 16-byte system descriptor).
 * The TSS gives the CPU a known-good stack for double faults and NMIs (IST1, IST2), so
 * a kernel stack overflow still ends in a register dump rather than a triple fault.
 *
 * Every kernel stack (the kernel stack of boot.asm, the two IST stacks) has an unmapped
 * guard page below it: an overflow faults at once (a #PF that cannot be delivered on the
 * overflowed stack becomes a #DF on IST1, and the dump) instead of silently writing over
 * whatever lies below, which for the kernel stack is the boot page directories.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/cpu_features.h>
#include <portable/string.h>

#include <arch/asm.h>
#include <arch/cpu.h>

#include <arch/gdt.h>

#define GDT_KCODE X86_SEL_KERNEL_CODE
#define GDT_KDATA X86_SEL_KERNEL_DATA
#define GDT_TSS X86_SEL_TSS
_Static_assert(X86_SEL_KERNEL_CODE >> 3 == 1 && X86_SEL_KERNEL_DATA >> 3 == 2 &&
	       X86_SEL_USER_DATA >> 3 == 3 && X86_SEL_USER_CODE >> 3 == 4 &&
	       X86_SEL_TSS >> 3 == 5, "the selectors index gdt[] as gdt_init fills it");


#define PAGE 4096ull
#define PTE_PS (1ull << 7)
#define PTE_PAT_2M (1ull << 12)	/* a 2 MiB entry's PAT bit: an address bit in a 4 KiB one */
#define PTE_FLAGS 0xfffull
#define PTE_NX (1ull << 63)

static uint64_t gdt[7];
struct x86_tss x86_tss;
static struct {
	uint8_t guard[PAGE];
	uint8_t stack[8192];
} ist_stacks[2] __attribute__((aligned(PAGE)));

/* Page tables for the 2 MiB pages that hold a guard page: one each at most. */
static uint64_t guard_pts[3][512] __attribute__((aligned(PAGE)));
static unsigned guard_pts_used;

/*
 * Unmap one page of the kernel image: its 2 MiB page becomes a page table with the same
 * mappings but this one. The image lies in the first GiB (kernel.ld), which boot_pd maps
 * for both of its aliases, so neither can reach the page afterwards.
 */
static void
guard_page(void *page)
{
	uint64_t phys = (uint64_t)page - KERN_IMAGE_BASE, *pde = &boot_pd[phys >> 21];

	if (*pde & PTE_PS) {
		uint64_t *pt = guard_pts[guard_pts_used++], e = *pde & ~(PTE_PS | PTE_PAT_2M);

		/* Unrolled: this runs before the banner, and boot time is counted. */
#pragma GCC unroll 16
		for (unsigned i = 0; i < 512; i++, e += PAGE)
			pt[i] = e;
		*pde = ((uint64_t)pt - KERN_IMAGE_BASE) | (*pde & (PTE_FLAGS & ~PTE_PS));
	}
	((uint64_t *)((*pde & ~(PTE_FLAGS | PTE_NX)) + KERN_IMAGE_BASE))[phys >> 12 & 511] = 0;
}

static void
guard_stacks(void)
{
	_Static_assert(sizeof(guard_pts) / sizeof(guard_pts[0]) >= 3, "a table per guard");
	guard_page(boot_stack_guard);
	guard_page(ist_stacks[0].guard);
	guard_page(ist_stacks[1].guard);
	x86_write_cr3(x86_read_cr3());	/* the 2 MiB TLB entries go */
}

void
gdt_init(void)
{
	uint64_t base = (uint64_t)&x86_tss, limit = sizeof(x86_tss) - 1;
	struct x86_desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };

	guard_stacks();
	x86_tss.ist[0] = (uint64_t)&ist_stacks[0].stack[sizeof(ist_stacks[0].stack)];
	x86_tss.ist[1] = (uint64_t)&ist_stacks[1].stack[sizeof(ist_stacks[1].stack)];
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
