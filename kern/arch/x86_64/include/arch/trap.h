#ifndef WRIT_X86_TRAP_H
#define WRIT_X86_TRAP_H

#include <stddef.h>
#include <stdint.h>

/* The stack frame trap.asm builds: general registers, then vector and error code, then
 * what the CPU pushed. Field order is the reverse of the pushes. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* trap.asm reads CS at 18 * 8 to decide on swapgs. */
_Static_assert(offsetof(struct trap_frame, cs) == 18 * 8, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame size");

/*
 * trap_frame.vector of a user thread's frame: the CPU vector it entered by, or
 * TRAP_VECTOR_SYSCALL for the `syscall` instruction, whose frame may be left by sysret
 * (RCX and R11 hold nothing of the thread's), or TRAP_VECTOR_WRITTEN once the kernel
 * has written the thread's registers, so every one of them goes back exactly (iretq).
 */
#define TRAP_VECTOR_SYSCALL 0x100
#define TRAP_VECTOR_WRITTEN 0x101

void idt_init(void);
void trap_dispatch(struct trap_frame *f);

/* For the self-tests: how many #BP traps came back from trap_dispatch. */
extern volatile uint64_t trap_breakpoints;
/* Interrupts that arrived on a vector nobody handles. */
extern volatile uint64_t irq_unexpected;

#endif
