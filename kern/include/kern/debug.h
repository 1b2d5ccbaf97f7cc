/*
 * Debug-build checks of the kernel's own invariants (kern/debug.c), run on demand by
 * the DebugCheck syscall or after every syscall (command-line word `check`).
 */
#ifndef WRIT_KERN_DEBUG_H
#define WRIT_KERN_DEBUG_H

#include <stdbool.h>

struct tcb;

/* The root task's TCB: its slots are part of every whole-kernel check. */
extern struct tcb *debug_root_tcb;
/* Run debug_check_all() after every syscall. */
extern bool debug_check_every_syscall;

int debug_check_all(void);
void debug_check_invariants(struct tcb *t);

#endif
