/*
 * What the scheduler needs from the CPU to run a thread, as hooks: its FPU registers
 * and its TLS bases. Inline: the IPC fastpath's switch runs them (kern/sched.h).
 */
#ifndef WRIT_X86_THREAD_H
#define WRIT_X86_THREAD_H

#include <stdint.h>

#include <arch/cpu.h>

/* The FPU/SSE state is 512 bytes, 16-byte aligned (fxsave's image). */
#define X86_FPU_STATE_BYTES 512

static inline __attribute__((always_inline)) void
x86_fpu_save(uint8_t *area)
{
	x86_fxsave(area);
}

static inline __attribute__((always_inline)) void
x86_fpu_load(const uint8_t *area)
{
	x86_fxrstor(area);
}

/* The FS and GS bases user code addresses its thread-local data through. A macro, not
 * a function: as a function taking the two words, GCC loaded them in an order that cost
 * the Call fastpath one more instruction. */
#define x86_tls_load(fs_base, gs_base)                   \
	(x86_wrmsr(MSR_FS_BASE, (fs_base)), x86_wrmsr(MSR_GS_BASE, (gs_base)))

#endif
