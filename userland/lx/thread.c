/*
 * Threads (clone with CLONE_VM | CLONE_THREAD, as pthread_create makes them) and
 * futexes.
 *
 * A Linux thread is a libwrit thread: its own TCB, IPC buffer (GS) and wake
 * notification. It starts on a small stack of libwrit's in lx_thread_start, which sets
 * its upcall and FS base (the TLS clone names) and jumps to the program's context:
 * after the syscall instruction, on the stack clone named, RAX 0, the argument
 * registers as the parent had them (musl's __clone keeps the function in R9). The
 * personality's per-thread record is the writ_thread's `user` pointer.
 *
 * Futexes: waiters queue in one list under the personality's lock, each in its own
 * thread's record, and sleep on their thread's wake notification until a wake takes them off the
 * list. The value is compared under the lock, and a wake signals a notification that
 * keeps the signal, so no wake is lost between the check and the sleep.
 */
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>

#include <errno.h>

#include "lx.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256
#define MAX_THREADS 64

struct waiter {
	uint64_t addr;
	struct lx_thread *who;
	volatile bool woken;
	struct waiter *next;
};

struct lx_thread {
	struct writ_thread t;
	struct waiter w;                /* a thread waits on one futex at a time */
	uint32_t tid;
	uint64_t clear_tid;             /* CLONE_CHILD_CLEARTID's address, or 0 */
	uint64_t fs;
	struct lx_call start;           /* the parent's registers at clone */
	uint64_t stack;
	uint64_t unmap_addr, unmap_len;  /* its own stack, to unmap once it is off it */
	bool used;
};

static struct lx_thread *threads;       /* [MAX_THREADS], made at the first clone */
static struct lx_thread first;          /* the program's first thread, once adopted */
static struct writ_mutex lock;
static bool lock_ready;
static unsigned live = 1;               /* threads of the program */
static struct waiter *waiters;

void lx_jump(const struct lx_call *c, uint64_t rsp);
__attribute__((noreturn)) void lx_on_stack(void (*fn)(void *), void *arg, uint64_t top);

void
lx_lock(void)
{
	if (lock_ready)
		writ_mutex_lock(&lock);
}

void
lx_unlock(void)
{
	if (lock_ready)
		writ_mutex_unlock(&lock);
}

/* The calling thread's record; the first thread gets one (and a wake notification) at
 * its first need. NULL only when that fails. */
static struct lx_thread *
self(void)
{
	struct writ_thread *t = writ_thread_self();

	if (t)
		return t->user;
	if (writ_thread_adopt(&first.t) != WRIT_OK)
		return NULL;
	first.t.user = &first;
	first.tid = lx_pid;
	first.used = true;
	return &first;
}

writ_cptr_t
lx_thread_wake(void)
{
	struct lx_thread *me = self();
	struct writ_thread *t = writ_thread_self();

	return me ? me->t.wake : t ? t->wake : 0;
}

long
lx_gettid(const uint64_t *a)
{
	struct writ_thread *t = writ_thread_self();

	(void)a;
	return t ? ((struct lx_thread *)t->user)->tid : lx_pid;
}

long
lx_set_tid_address(const uint64_t *a)
{
	struct lx_thread *me = self();

	if (me)
		me->clear_tid = a[0];
	return me ? me->tid : lx_pid;
}

/* ---- futex ---- */

static long
futex_wake(uint64_t addr, uint64_t n, uint64_t to, uint64_t move)
{
	struct waiter **w = &waiters;
	long woken = 0;

	lx_lock();
	while (*w) {
		struct waiter *x = *w;

		if (x->addr != addr) {
			w = &x->next;
			continue;
		}
		if ((uint64_t)woken < n) {
			*w = x->next;
			x->woken = true;
			writ_signal(x->who->t.wake);
			woken++;
		} else if (move) {
			x->addr = to;
			move--;
			w = &x->next;
		} else {
			break;
		}
	}
	lx_unlock();
	return woken;
}

/* Take w off the list if a wake has not already: -> whether it was still there. */
static bool
waiter_remove(struct waiter *w)
{
	bool found = false;

	lx_lock();
	for (struct waiter **p = &waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			found = true;
			break;
		}
	lx_unlock();
	return found;
}

static long
futex_wait(uint64_t addr, uint32_t val, uint64_t timeout, bool absolute)
{
	struct lx_thread *me = self();
	struct waiter *w;
	int64_t deadline = 0;
	writ_word_t word;

	if (!me)
		return -ENOMEM;
	w = &me->w;
	*w = (struct waiter){ .addr = addr, .who = me };
	if ((addr & 3) || !lx_readable(addr, 4))
		return -EFAULT;
	if (timeout) {
		const int64_t *ts = (const int64_t *)timeout;

		if (!lx_readable(timeout, 16))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = ts[0] * 1000000000 + ts[1] + (absolute ? 0 : lx_monotonic_ns());
	}
	lx_lock();
	if (*(volatile uint32_t *)addr != val) {
		lx_unlock();
		return -EAGAIN;
	}
	w->next = waiters;
	waiters = w;
	lx_unlock();
	while (!w->woken) {
		/* A caught signal ends the wait (-EINTR), unless a wake came first. */
		if (!timeout) {
			if (!lx_sig_wait_begin(me->t.wake))
				return waiter_remove(w) ? -EINTR : 0;
			if (!w->woken)
				writ_wait(me->t.wake, &word);
			lx_sig_wait_end();
			continue;
		}
		/* A timed wait sleeps on the wake notification, which a wake, a signal and
		 * time:'s timer all signal (yielding without a timer). */
		int64_t now = lx_monotonic_ns();

		if (now >= deadline)
			return waiter_remove(w) ? -ETIMEDOUT : 0;
		if (lx_sig_wanted())
			return waiter_remove(w) ? -EINTR : 0;
		if (!lx_timer_sleep(deadline - now))
			writ_yield();
	}
	return 0;
}

long
lx_futex(const uint64_t *a)
{
	unsigned op = (unsigned)a[1] & ~(unsigned)(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);

	switch (op) {
	case FUTEX_WAIT:
		return futex_wait(a[0], (uint32_t)a[2], a[3], false);
	case FUTEX_WAIT_BITSET:
		return futex_wait(a[0], (uint32_t)a[2], a[3], true);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(a[0], (uint32_t)a[2], 0, 0);
	case FUTEX_CMP_REQUEUE:
		if (!lx_readable(a[0], 4))
			return -EFAULT;
		if (*(volatile uint32_t *)a[0] != (uint32_t)a[5])
			return -EAGAIN;
		/* FALLTHROUGH */
	case FUTEX_REQUEUE:
		return futex_wake(a[0], (uint32_t)a[2], a[4], (uint32_t)a[3]);
	default:
		return -ENOSYS;
	}
}

/* ---- clone ---- */

static void
lx_thread_start(void *arg)
{
	struct lx_thread *t = arg;

	writ_tcb_set_upcall(t->t.tcb, (writ_word_t)lx_upcall);
	if (t->fs)
		writ_tcb_set_fs_base(t->t.tcb, t->fs);
	lx_jump(&t->start, t->stack);
}

long
lx_clone(struct lx_call *c)
{
	const uint64_t *a = c->a;
	uint64_t flags = a[0], stack = a[1], ptid = a[2], ctid = a[3], tls = a[4];
	const uint64_t need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
	struct lx_thread *t = NULL;
	long err;

	if ((flags & need) != need)
		return -ENOSYS;	/* a new process (fork, vfork, posix_spawn): not yet */
	if (!stack || !lx_writable(stack - 8, 8))
		return -EINVAL;
	if (((flags & CLONE_PARENT_SETTID) && !lx_writable(ptid, 4)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !lx_writable(ctid, 4)))
		return -EFAULT;
	if (!self())
		return -ENOMEM;
	if (!lock_ready) {
		if (writ_mutex_init(&lock) != WRIT_OK)
			return -ENOMEM;
		lock_ready = true;	/* one thread until the first clone returns */
	}
	if (!threads && !(threads = calloc(MAX_THREADS, sizeof(*threads))))
		return -ENOMEM;
	lx_lock();
	for (unsigned i = 0; i < MAX_THREADS && !t; i++)
		if (!threads[i].used)
			t = &threads[i];
	if (!t) {
		lx_unlock();
		return -EAGAIN;
	}
	*t = (struct lx_thread){ .used = true, .tid = lx_pid * 1024 + (uint32_t)(t - threads) + 1,
				 .clear_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0,
				 .fs = (flags & CLONE_SETTLS) ? tls : 0, .start = *c, .stack = stack };
	t->t.user = t;
	if (flags & CLONE_PARENT_SETTID)
		*(uint32_t *)ptid = t->tid;
	if (flags & CLONE_CHILD_SETTID)
		*(uint32_t *)ctid = t->tid;
	live++;
	lx_unlock();
	err = writ_thread_create(&t->t, lx_thread_start, t, 100);
	if (err != WRIT_OK) {
		lx_lock();
		live--;
		t->used = false;
		lx_unlock();
		return -EAGAIN;
	}
	return t->tid;
}

bool
lx_defer_unmap(uint64_t addr, uint64_t len)
{
	struct writ_thread *wt = writ_thread_self();
	struct lx_thread *me = wt ? wt->user : NULL;

	if (!me || me == &first)
		return false;
	me->unmap_addr = addr;
	me->unmap_len = len;
	return true;
}

/*
 * The end of a clone thread, on libwrit's stack of the thread (unused since
 * lx_thread_start left it), never the program's: once clear_tid reads 0 a joiner may
 * unmap the stack the thread ran on (musl's pthread_join does), and the personality
 * would go on in memory that is gone. Then the unmap the thread asked for of its own
 * stack, if it did, and the end.
 */
static void
exit_off_stack(void *arg)
{
	struct lx_thread *me = arg;
	const uint64_t a[2] = { me->unmap_addr, me->unmap_len };

	if (me->clear_tid && lx_writable(me->clear_tid, 4)) {
		*(volatile uint32_t *)me->clear_tid = 0;
		futex_wake(me->clear_tid, 1, 0, 0);
	}
	if (a[1]) {
		me->unmap_len = 0;
		lx_lock();
		lx_munmap(a);
		lx_unlock();
	}
	writ_thread_exit();
}

/* exit: the thread alone (the process with its last thread). */
long
lx_exit_thread(const uint64_t *a)
{
	struct writ_thread *wt = writ_thread_self();
	struct lx_thread *me = wt ? wt->user : NULL;
	bool last;

	lx_vfork_child_exit((int)a[0]);
	lx_lock();
	last = --live == 0;
	lx_unlock();
	if (last || !me)
		writ_exit((int)(a[0] & 0xff));
	/* Its record stays used: its TCB and stack stay with the process (libwrit does not
	 * give a thread's memory back). libwrit's thread stack is 16 pages: its fourth
	 * page from the bottom is room enough for the wake and the unmap. */
	lx_on_stack(exit_off_stack, me, (uint64_t)me->t.stack + 4 * 4096);
}
