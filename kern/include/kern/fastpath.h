#ifndef WRIT_KERN_FASTPATH_H
#define WRIT_KERN_FASTPATH_H

#include <stdbool.h>

#include <kern/syscall.h>

struct trap_frame;

/*
 * The syscall stub calls these for Call and ReplyRecv (kern/fastpath.c). Each does the
 * whole syscall on the fastpath and leaves to the partner thread, or declines, changing
 * nothing, and hands over to the full path: the *_slow functions (kern/syscall.c).
 * syscall_call passes on the slot it found (or NULL), so a Call on a kernel object goes
 * straight to the invocation without a second lookup.
 */
__attribute__((noreturn)) void syscall_call(struct trap_frame *f);
__attribute__((noreturn)) void syscall_reply_recv(struct trap_frame *f);

/* The per-syscall checks of debug builds (the command-line word `check`). */
#ifdef WRIT_DEBUG
#define fastpath_debug_hook() syscall_debug_check()
#else
#define fastpath_debug_hook() ((void)0)
#endif

#endif
