/*
 * A device's interrupts, served by a thread of their own (srv.h, "Interrupts").
 */
#include <srv/srv.h>
#include <writ/mem.h>

long
srv_irq_take(struct srv_irq *q)
{
	long err = writ_own_notification(&q->ntfn);

	return err != WRIT_OK ? err : writ_irq_handler_set_notification(q->irq, q->ntfn);
}

static void
irq_loop(void *arg)
{
	struct srv_irq *q = arg;
	writ_word_t w;

	for (;;) {
		writ_wait(q->ntfn, &w);
		writ_mutex_lock(&q->s->lock);
		q->service();
		writ_irq_handler_ack(q->irq);
		/* A cause that came between the service and the Ack raised no new edge. */
		q->service();
		srv_unlock(q->s);
	}
}

long
srv_irq_start(struct srv_irq *q, unsigned prio)
{
	long err = writ_irq_handler_ack(q->irq);

	return err != WRIT_OK ? err : writ_thread_create(&q->thread, irq_loop, q, prio);
}
