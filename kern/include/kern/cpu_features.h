#ifndef WRIT_KERN_CPU_FEATURES_H
#define WRIT_KERN_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
	bool nx, smep, smap, pcid, umip;
};

extern struct cpu_features cpu_features;
extern uint8_t fpu_initial_state[512];

void x86_cpu_init(void);
/* Our own GDT and TSS (kern/arch/x86_64/gdt.c). */
void gdt_init(void);
/* The IDT's entry stubs: with `clac` first (a CPU with SMAP) or without. */
void idt_select_stubs(bool clac);
/* The syscall entry: with the IPC fastpath (kern/fastpath.c) or without. */
void x86_syscall_entry_select(bool fastpath);
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct x86_tss) == 104, "TSS layout");
_Static_assert(__builtin_offsetof(struct x86_tss, rsp) == 4, "the TSS layout the CPU reads (syscall.asm takes rsp[0] from asm_offsets.inc)");

extern struct x86_tss x86_tss;

/*
 * Where the next entry from user mode saves its registers: the current TCB's frame.
 * Interrupts find it in the TSS's RSP0; the syscall entry reads it from there too.
 */
static inline void
x86_set_entry_frame(void *frame_end)
{
	x86_tss.rsp[0] = (uint64_t)frame_end;
}

#endif
