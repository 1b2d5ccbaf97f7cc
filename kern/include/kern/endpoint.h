/*
 * Endpoints (kern/object/endpoint.c): the object, and its queue of waiting threads.
 * The queue operations are inline: the IPC paths run them on every blocking send and
 * receive.
 */
#ifndef WRIT_KERN_ENDPOINT_H
#define WRIT_KERN_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include <writ/abi.h>

#include <kern/tcb.h>

/* Whether the queue holds senders or receivers is the state of its first thread. */
struct endpoint {
	struct tcb *head, *tail;
};

_Static_assert(sizeof(struct endpoint) <= (1u << WRIT_ENDPOINT_BITS), "endpoint size");

/* Put t at the tail. Also the queue of a notification's waiters
 * (kern/object/notification.c). */
static inline void
ep_append(struct endpoint *ep, struct tcb *t)
{
	t->ep_next = NULL;
	t->ep_prev = ep->tail;
	if (ep->tail)
		ep->tail->ep_next = t;
	else
		ep->head = t;
	ep->tail = t;
	t->blocked_on = ep;
}

static inline void
ep_remove(struct endpoint *ep, struct tcb *t)
{
	if (t->ep_prev)
		t->ep_prev->ep_next = t->ep_next;
	else
		ep->head = t->ep_next;
	if (t->ep_next)
		t->ep_next->ep_prev = t->ep_prev;
	else
		ep->tail = t->ep_prev;
	t->ep_next = t->ep_prev = NULL;
	t->blocked_on = NULL;
}

/* ep_remove() for the thread at the head, whose ep_prev is NULL already: the Call
 * fastpath's take. */
static inline __attribute__((always_inline)) void
ep_remove_head(struct endpoint *ep, struct tcb *t)
{
	ep->head = t->ep_next;
	if (ep->head)
		ep->head->ep_prev = NULL;
	else
		ep->tail = NULL;
	t->ep_next = NULL;
	t->blocked_on = NULL;
}

static inline bool
ep_has_receivers(const struct endpoint *ep)
{
	return ep->head && ep->head->state == TS_BLOCKED_RECV;
}

static inline bool
ep_has_senders(const struct endpoint *ep)
{
	return ep->head && ep->head->state != TS_BLOCKED_RECV;
}

void ep_cancel_all(struct endpoint *ep);
void ep_cancel_badged(struct endpoint *ep, uint64_t badge);

#endif
