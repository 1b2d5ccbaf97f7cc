/*
 * Threads of a process, and the lock they share memory with.
 *
 * A thread is a TCB from the process's own quota, in its own CSpace and VSpace, with
 * its own IPC buffer (found through GS, as every thread's) and stack. Its faults go to
 * init like the first thread's. Each thread has a wake notification of its own, which
 * blocking calls wait on (a server signals it when what was awaited happened).
 */
#ifndef WRIT_THREAD_H
#define WRIT_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <writ/abi.h>

struct writ_thread {
	writ_cptr_t tcb;
	writ_cptr_t wake;               /* its notification */
	void *stack;
	struct writ_ipc_buffer *ipc;
	void (*fn)(void *);
	void *arg;
	void *user;                     /* the creator's own pointer */
};

/*
 * Start fn(arg) in a new thread at priority prio (at most the process's MCP); *t is
 * filled in and must stay valid while the thread runs. Returns the kernel's error.
 * Example:
 *   static struct writ_thread worker;
 *   writ_thread_create(&worker, serve_loop, &state, 100);
 */
long writ_thread_create(struct writ_thread *t, void (*fn)(void *), void *arg, unsigned prio);
/* Give the calling (first) thread a struct and a wake notification, as created ones have.
 * Example: `static struct writ_thread me; writ_thread_adopt(&me);` */
long writ_thread_adopt(struct writ_thread *t);
/* The calling thread's struct, or NULL for a first thread not adopted.
 * Example: `writ_wait(writ_thread_self()->wake, NULL);  // until someone signals us` */
struct writ_thread *writ_thread_self(void);
/* End the calling thread (its memory stays with the process).
 * Example: `if (done) writ_thread_exit();` */
__attribute__((noreturn)) void writ_thread_exit(void);

/* A lock: free of syscalls while uncontended, a notification when contended. */
struct writ_mutex {
	int count;                      /* holders plus waiters */
	writ_cptr_t ntfn;
};

/*
 * init: the kernel's error (a notification is made from the quota). lock waits while
 * another thread holds it; unlock lets one waiter in. Not recursive.
 * Example:
 *   static struct writ_mutex lock;
 *   writ_mutex_init(&lock);                  // once, before the threads start
 *   writ_mutex_lock(&lock);
 *   counter++;
 *   writ_mutex_unlock(&lock);
 */
long writ_mutex_init(struct writ_mutex *m);
void writ_mutex_lock(struct writ_mutex *m);
void writ_mutex_unlock(struct writ_mutex *m);

#endif
