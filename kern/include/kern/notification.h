/*
 * Notifications (kern/object/notification.c): the object, and the calls the IPC path,
 * the scheduler and the IRQ code make on it.
 */
#ifndef WRIT_KERN_NOTIFICATION_H
#define WRIT_KERN_NOTIFICATION_H

#include <stdbool.h>
#include <stdint.h>

#include <cspace/cspace.h>
#include <writ/abi.h>

#include <kern/endpoint.h>

struct inv;
struct tcb;

/*
 * A notification: the signal word and a FIFO of waiting threads. The queue is a struct
 * endpoint so a waiter's blocked_on can point at it and ipc_cancel() (suspend, delete)
 * takes a waiter out the same way it takes one out of an endpoint; the waiter's state,
 * TS_BLOCKED_NTFN, says which kind of queue it is in.
 */
struct notification {
	struct endpoint waiters;
	uint64_t word;
	struct tcb *bound;                      /* the TCB bound to it, or NULL */
};

_Static_assert(sizeof(struct notification) <= (1u << WRIT_NOTIFICATION_BITS),
	       "notification size");

void ntfn_signal(struct notification *n, uint64_t badge);
void ntfn_wait(struct tcb *t, struct notification *n, bool blocking);
bool ntfn_recv_bound(struct tcb *t);
void ntfn_finalise(struct notification *n);
void ntfn_unbind_tcb(struct tcb *t);
void ntfn_recv_cap(struct tcb *t, const struct cte *slot, bool blocking);
int ntfn_invoke(struct inv *iv, struct cte *slot);
/* TCB BindNotification and UnbindNotification. */
int ntfn_tcb_invoke(struct inv *iv, struct tcb *t);

#endif
