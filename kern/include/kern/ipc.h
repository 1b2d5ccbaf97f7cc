/*
 * Synchronous IPC through endpoints, and fault delivery (kern/ipc.c).
 */
#ifndef WRIT_KERN_IPC_H
#define WRIT_KERN_IPC_H

#include <stdbool.h>
#include <stdint.h>

struct endpoint;
struct tcb;

void ipc_send(struct tcb *sender, struct endpoint *ep, uint64_t badge, bool blocking,
	      bool is_call, unsigned grants);
void ipc_recv(struct tcb *receiver, struct endpoint *ep, bool blocking);
/* then_wait: the replier goes on to wait (ReplyRecv), handing the caller the CPU. */
int ipc_reply(struct tcb *replier, bool then_wait);
void ipc_cancel(struct tcb *t);
void fault_raise(struct tcb *t, unsigned type, uint64_t addr, uint64_t error);

#endif
