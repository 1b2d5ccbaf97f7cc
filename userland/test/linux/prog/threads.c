/* Threads as musl makes them (clone with CLONE_VM | CLONE_THREAD, TLS, tid futexes):
 * a mutex-protected counter, thread-local variables, a condition variable, join. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

#define THREADS 4
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn, pings;
static __thread long mine = 7;

static void *
count(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		mine++;
		if (i % 256 == 0)
			sched_yield();
	}
	return (void *)((intptr_t)arg * 100 + (mine == 7 + ROUNDS));
}

static void *
pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		while (turn != 1)
			pthread_cond_wait(&cond, &lock);
		turn = 0;
		pings++;
		pthread_cond_signal(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int
main(void)
{
	pthread_t t[THREADS];
	int made = 0, results_ok = 1;

	for (int i = 0; i < THREADS; i++)
		made += pthread_create(&t[i], NULL, count, (void *)(intptr_t)(i + 1)) == 0;
	check(made == THREADS, "linux/threads-create", "%d made", made);
	for (int i = 0; i < made; i++) {
		void *r;

		results_ok &= pthread_join(t[i], &r) == 0 && (intptr_t)r == (i + 1) * 100 + 1;
	}
	check(results_ok && mine == 7, "linux/threads-join-tls", "main's TLS %ld", mine);
	check(counter == (long)made * ROUNDS, "linux/threads-mutex", "counter %ld", counter);

	pthread_t p;
	int ok = pthread_create(&p, NULL, pong, NULL) == 0;
	for (int i = 0; ok && i < 100; i++) {
		pthread_mutex_lock(&lock);
		turn = 1;
		pthread_cond_signal(&cond);
		while (turn != 0)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
	}
	check(ok && pthread_join(p, NULL) == 0 && pings == 100, "linux/threads-condvar",
	      "%d pings", pings);
	check(gettid() == getpid(), "linux/threads-main-tid", "tid %d pid %d", gettid(), getpid());

	/* Detached threads free their own stack as they end (musl unmaps it and exits). */
	int detached = 0;
	for (int i = 0; i < 3; i++) {
		pthread_t d;

		if (pthread_create(&d, NULL, count, (void *)0) == 0 && pthread_detach(d) == 0)
			detached++;
	}
	for (int spins = 0; spins < 100000; spins++) {
		pthread_mutex_lock(&lock);
		long c = counter;
		pthread_mutex_unlock(&lock);
		if (c == (long)(made + detached) * ROUNDS)
			break;
		sched_yield();
	}
	for (int i = 0; i < 50; i++)
		sched_yield();	/* let them reach their end */
	pthread_t again;
	void *r = NULL;
	ok = pthread_create(&again, NULL, count, (void *)9) == 0 && pthread_join(again, &r) == 0;
	check(detached == 3 && ok && (intptr_t)r == 901, "linux/threads-detached-exit",
	      "%d detached, then %d", detached, ok);
	return failures != 0;
}
