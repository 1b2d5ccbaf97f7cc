/*
 * The syscall layer (kern/syscall.c): the entry for every syscall the fastpath does not
 * finish, and the full paths the fastpath hands over to.
 */
#ifndef WRIT_KERN_SYSCALL_H
#define WRIT_KERN_SYSCALL_H

struct cte;
struct tcb;
struct trap_frame;

/* From syscall.asm, with the caller's registers saved in its TCB frame. */
__attribute__((noreturn)) void syscall_dispatch(struct trap_frame *f);
/* Call and ReplyRecv in full, for what the fastpath declined; slot, if not NULL, is
 * the capability the fastpath already found. */
__attribute__((noreturn)) void syscall_call_slow(struct tcb *t, struct cte *slot);
__attribute__((noreturn)) void syscall_reply_recv_slow(struct tcb *t);

#ifdef WRIT_DEBUG
/* The command line's `check`: the whole CSpace checked after every syscall. */
void syscall_debug_check(void);
#endif

#endif
