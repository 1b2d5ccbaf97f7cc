#ifndef WRIT_KERN_FASTPATH_H
#define WRIT_KERN_FASTPATH_H

#include <stdbool.h>

struct cte;
struct tcb;

extern bool fastpath_enabled;

/*
 * Each does the whole syscall and returns the thread to run next (its partner), or
 * declines, changing nothing, and returns NULL. fastpath_call also hands back the
 * capability it found (or NULL), so a declined Call on a kernel object goes straight
 * to the invocation.
 */
struct tcb *fastpath_call(struct tcb *t, struct cte **found);
struct tcb *fastpath_reply_recv(struct tcb *t);

#endif
