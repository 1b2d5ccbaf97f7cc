/*
 * Threads and locks.
 */
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#define STACK_PAGES 16

static void
thread_entry(struct writ_thread *t)
{
	t->fn(t->arg);
	writ_thread_exit();
}

long
writ_thread_create(struct writ_thread *t, void (*fn)(void *), void *arg, unsigned prio)
{
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	writ_cptr_t ipc_frame;
	long err;

	t->fn = fn;
	t->arg = arg;
	if ((err = writ_own_object(WRIT_OBJ_TCB, 0, &t->tcb)) != WRIT_OK ||
	    (err = writ_own_notification(&t->wake)) != WRIT_OK)
		return err;
	if (!(t->stack = writ_pages_alloc(STACK_PAGES)) ||
	    !(t->ipc = writ_page_alloc_cap(&ipc_frame)))
		return WRIT_E_NOT_ENOUGH_MEMORY;
	t->ipc->user_data = (writ_word_t)t;
	if ((err = writ_tcb_configure(t->tcb, WRIT_PSLOT_FAULT, WRIT_PSLOT_CNODE, 0,
				      WRIT_PSLOT_VSPACE, (writ_word_t)t->ipc, ipc_frame)) != WRIT_OK ||
	    (err = writ_tcb_set_priority(t->tcb, WRIT_PSLOT_TCB, prio)) != WRIT_OK)
		return err;
	ctx[WRIT_CTX_RIP] = (writ_word_t)thread_entry;
	ctx[WRIT_CTX_RSP] = (writ_word_t)t->stack + STACK_PAGES * 4096 - 8;
	ctx[WRIT_CTX_RDI] = (writ_word_t)t;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = (writ_word_t)t->ipc;
	return writ_tcb_write_regs(t->tcb, true, ctx, WRIT_CTX_COUNT);
}

long
writ_thread_adopt(struct writ_thread *t)
{
	long err = writ_own_notification(&t->wake);

	t->tcb = WRIT_PSLOT_TCB;
	__asm__ volatile("movq %0, %%gs:(%1)" : : "r"((writ_word_t)t),
			 "r"(__builtin_offsetof(struct writ_ipc_buffer, user_data)) : "memory");
	return err;
}

struct writ_thread *
writ_thread_self(void)
{
	writ_word_t v;

	__asm__ volatile("movq %%gs:(%1), %0" : "=r"(v)
			 : "r"(__builtin_offsetof(struct writ_ipc_buffer, user_data)) : "memory");
	return (struct writ_thread *)v;
}

struct writ_ipc_buffer *
writ_ipc_buffer(void)
{
	struct writ_thread *t = writ_thread_self();

	/* A thread libwrit did not start is the first one, whose buffer is at a fixed place. */
	return t && t->ipc ? t->ipc : (struct writ_ipc_buffer *)WRIT_ROOT_IPC_BUFFER;
}

void
writ_thread_exit(void)
{
	struct writ_thread *t = writ_thread_self();

	if (t)
		writ_tcb_suspend(t->tcb);
	for (;;)
		writ_tcb_suspend(WRIT_PSLOT_TCB);
}

long
writ_mutex_init(struct writ_mutex *m)
{
	m->count = 0;
	return writ_own_notification(&m->ntfn);
}

void
writ_mutex_lock(struct writ_mutex *m)
{
	writ_word_t w;

	if (__atomic_fetch_add(&m->count, 1, __ATOMIC_ACQUIRE) > 0)
		writ_wait(m->ntfn, &w);		/* the holder's unlock signals once for us */
}

void
writ_mutex_unlock(struct writ_mutex *m)
{
	if (__atomic_fetch_sub(&m->count, 1, __ATOMIC_RELEASE) > 1)
		writ_signal(m->ntfn);
}
