/*
 * The numbers the assembly uses, taken from their C definitions so the two cannot
 * drift. This file is compiled with the kernel's flags but never linked: each DEFINE
 * leaves the text "@@asm NAME VALUE@@" in the object, which kern/tools/gen_asm_offsets.py
 * turns into `%define NAME VALUE` lines of asm_offsets.inc, included by trap.asm,
 * syscall.asm and frame.inc.
 */
#include <stddef.h>

#include <writ/abi.h>

#include <kern/cpu_features.h>

#include <arch/gdt.h>
#include <arch/trap.h>

#define DEFINE(name, value) \
	__asm__ volatile(".ascii \"@@asm " #name " %c0@@\"" : : "i"((long)(value)))
#define FRAME(name, field) DEFINE(name, offsetof(struct trap_frame, field))

void asm_offsets(void);

void
asm_offsets(void)
{
	FRAME(F_R15, r15);
	FRAME(F_R14, r14);
	FRAME(F_R13, r13);
	FRAME(F_R12, r12);
	FRAME(F_R11, r11);
	FRAME(F_R10, r10);
	FRAME(F_R9, r9);
	FRAME(F_R8, r8);
	FRAME(F_RBP, rbp);
	FRAME(F_RDI, rdi);
	FRAME(F_RSI, rsi);
	FRAME(F_RDX, rdx);
	FRAME(F_RCX, rcx);
	FRAME(F_RBX, rbx);
	FRAME(F_RAX, rax);
	FRAME(F_VECTOR, vector);
	FRAME(F_ERROR, error);
	FRAME(F_RIP, rip);
	FRAME(F_CS, cs);
	FRAME(F_RFLAGS, rflags);
	FRAME(F_RSP, rsp);
	FRAME(F_SS, ss);
	DEFINE(F_SIZE, sizeof(struct trap_frame));

	DEFINE(TSS_RSP0, offsetof(struct x86_tss, rsp[0]));
	DEFINE(USER_CS, X86_SEL_USER_CODE);
	DEFINE(USER_SS, X86_SEL_USER_DATA);
	DEFINE(SYSCALL_VECTOR, TRAP_VECTOR_SYSCALL);
	DEFINE(WRIT_SYS_CALL, WRIT_SYS_CALL);
	DEFINE(WRIT_SYS_REPLY_RECV, WRIT_SYS_REPLY_RECV);
}
