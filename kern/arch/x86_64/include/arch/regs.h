/*
 * The user register set as the ABI names it, in one table: which trap-frame registers
 * carry the message registers (the syscall ABI of <writ/abi.h>), and where each
 * register of a user context (WRIT_CTX_* order, ReadRegisters and fault messages) is
 * kept. Everything that moves message or context registers goes through these.
 */
#ifndef WRIT_X86_REGS_H
#define WRIT_X86_REGS_H

#include <stdint.h>

#include <writ/abi.h>

#include <arch/gdt.h>
#include <arch/trap.h>

/* Message register i travels in trap-frame register X86_MRi (the syscall ABI's order). */
#define X86_MR0 rdx
#define X86_MR1 r10
#define X86_MR2 r8
#define X86_MR3 r9
#define X86_MSG_REGS(R) R(0, X86_MR0) R(1, X86_MR1) R(2, X86_MR2) R(3, X86_MR3)

_Static_assert(WRIT_MSG_REGS == 4, "one X86_MRi per message register");

/* Where message register i lives in a frame (i < WRIT_MSG_REGS). The shape, with the
 * last register as the default, is the one the IPC paths' figures were measured with. */
static inline uint64_t *
x86_msg_reg(struct trap_frame *f, unsigned i)
{
	switch (i) {
	case 0: return &f->X86_MR0;
	case 1: return &f->X86_MR1;
	case 2: return &f->X86_MR2;
	default: return &f->X86_MR3;
	}
}

/*
 * The user context in WRIT_CTX order: C(index, where), `where` a field of the frame or
 * of the thread's saved segment bases. A TCB keeps them at the offsets the kernel's
 * own table takes from this list (kern/tcb.h).
 */
#define X86_CTX_REGS(C)                                                             \
	C(WRIT_CTX_RIP, frame.rip) C(WRIT_CTX_RSP, frame.rsp)                       \
	C(WRIT_CTX_RFLAGS, frame.rflags) C(WRIT_CTX_RAX, frame.rax)                 \
	C(WRIT_CTX_RBX, frame.rbx) C(WRIT_CTX_RCX, frame.rcx)                       \
	C(WRIT_CTX_RDX, frame.rdx) C(WRIT_CTX_RSI, frame.rsi)                       \
	C(WRIT_CTX_RDI, frame.rdi) C(WRIT_CTX_RBP, frame.rbp)                       \
	C(WRIT_CTX_R8, frame.r8) C(WRIT_CTX_R9, frame.r9)                           \
	C(WRIT_CTX_R10, frame.r10) C(WRIT_CTX_R11, frame.r11)                       \
	C(WRIT_CTX_R12, frame.r12) C(WRIT_CTX_R13, frame.r13)                       \
	C(WRIT_CTX_R14, frame.r14) C(WRIT_CTX_R15, frame.r15)                       \
	C(WRIT_CTX_FS_BASE, fs_base) C(WRIT_CTX_GS_BASE, gs_base)

/* The flags a user may set: CF PF AF ZF SF DF OF; never TF, IOPL, NT, VM or AC, and IF stays on. */
#define X86_USER_RFLAGS_MASK 0xcd5ull
#define X86_USER_RFLAGS_SET 0x202ull	/* IF, and the always-one bit 1 */

/* A fresh thread's frame: user segments, interrupts on, everything else 0. */
static inline void
x86_frame_init_user(struct trap_frame *f)
{
	f->cs = X86_SEL_USER_CODE;
	f->ss = X86_SEL_USER_DATA;
	f->rflags = X86_USER_RFLAGS_SET;
}

#endif
