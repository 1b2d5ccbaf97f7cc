/*
 * Synchronous IPC through endpoints, and fault delivery (kern/ipc.c).
 */
#ifndef WRIT_KERN_IPC_H
#define WRIT_KERN_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include <kern/tcb.h>

struct endpoint;
struct tcb;

void ipc_send(struct tcb *sender, struct endpoint *ep, uint64_t badge, bool blocking,
	      bool is_call, unsigned grants);
void ipc_recv(struct tcb *receiver, struct endpoint *ep, bool blocking);
/* then_wait: the replier goes on to wait (ReplyRecv), handing the caller the CPU. */
int ipc_reply(struct tcb *replier, bool then_wait);
void ipc_cancel(struct tcb *t);
/*
 * The capabilities `from`'s message info names go to `to` (ep: the endpoint the message
 * came through, whose own capabilities are unwrapped; NULL for a reply): the caps and
 * unwrap fields of the message info `to` gets. The full path's transfer, used by the
 * fastpath too, so both give the same result by construction. It never deletes
 * anything (a move is O(1), a copy derives): no thread changes state.
 */
uint64_t ipc_transfer_caps(struct tcb *from, struct tcb *to, const struct endpoint *ep,
			   uint64_t info);

/* A reply that named capabilities: how many went, in the replier's IPC buffer. */
static inline void
ipc_replied_caps(struct tcb *replier, unsigned went)
{
	struct writ_ipc_buffer *buf = tcb_ipc_buffer(replier);

	if (buf)
		buf->replied_caps = went;
}
void fault_raise(struct tcb *t, unsigned type, uint64_t addr, uint64_t error);

#endif
