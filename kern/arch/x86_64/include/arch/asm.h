/*
 * What the assembly defines, for the C that uses it: entry points and the boot
 * trampoline's tables and stacks (boot.asm, trap.asm, syscall.asm). Declared once here;
 * their layouts are the assembly's.
 */
#ifndef WRIT_X86_ASM_H
#define WRIT_X86_ASM_H

#include <stdint.h>

#include <arch/trap.h>

/* trap.asm: load a TCB's saved frame and return to user mode (iretq or sysret). */
__attribute__((noreturn)) void kernel_exit(struct trap_frame *f);
/* trap.asm: one entry stub per vector, without and with `clac` first. */
#define X86_IDT_VECTORS 256
extern const uint64_t trap_stubs[X86_IDT_VECTORS], trap_stubs_clac[X86_IDT_VECTORS];

/* syscall.asm: the SYSCALL entry, with the IPC fastpath and without. */
extern char syscall_entry[], syscall_entry_full[];

/* boot.asm: the boot page tables. boot_pd maps physical 0..4 GiB (the kernel image's
 * mapping and the direct map share its first GiB); boot_pdpt_low is the identity map's
 * PDPT. boot_pml4 is declared in kern/vspace.h, where its users look. */
extern uint64_t boot_pd[4 * 512];
extern uint64_t boot_pdpt_low[512];
/* boot.asm: the guard page under the kernel stack. */
extern uint8_t boot_stack_guard[4096];

#endif
