#ifndef WRIT_KERN_FASTPATH_H
#define WRIT_KERN_FASTPATH_H

#include <stdbool.h>

struct tcb;

extern bool fastpath_enabled;

/* Each does the whole syscall and returns true, or declines and changes nothing. */
bool fastpath_call(struct tcb *t);
bool fastpath_reply_recv(struct tcb *t);

#endif
