/* The capi benchmarks: <writ/cap.h>'s calls from a musl program (/bench/linux runs it): the
 * null call (the personality's dispatch, no server), a weaken of the namespace's file:
 * policy (one call to file:) with the close of its fd, and an open through a policy
 * fd with its close beside the same open through the namespace. Medians of rdtsc
 * deltas, less rdtsc's own: instructions under -icount. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <writ/cap.h>

#define ROUNDS 1001

static uint64_t v[ROUNDS], overhead;

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(void)
{
	qsort(v, ROUNDS, sizeof(v[0]), cmp);
	return v[ROUNDS / 2] - overhead;
}

int
main(void)
{
	int pol = wcap_weaken(WCAP_NS, "file:/home/yoric/*.txt:r");

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		v[i] = rdtsc() - t0;
	}
	qsort(v, ROUNDS, sizeof(v[0]), cmp);
	overhead = v[ROUNDS / 2];
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		long r;

		__asm__ volatile("syscall" : "=a"(r) : "a"((long)WCAP_SYS_NULL) : "rcx", "r11", "memory");
		v[i] = rdtsc() - t0;
	}
	printf("bench capi/null-call %llu instructions\n", (unsigned long long)median());
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		close(wcap_weaken(WCAP_NS, "file:/home/yoric/*.txt:r"));
		v[i] = rdtsc() - t0;
	}
	printf("bench capi/weaken-close %llu instructions\n", (unsigned long long)median());
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		close(openat(pol, "home/yoric/readme.txt", O_RDONLY));
		v[i] = rdtsc() - t0;
	}
	printf("bench capi/open-close-via-policy-fd %llu instructions\n", (unsigned long long)median());
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		close(open("/home/yoric/readme.txt", O_RDONLY));
		v[i] = rdtsc() - t0;
	}
	printf("bench capi/open-close-via-namespace %llu instructions\n", (unsigned long long)median());
	return pol < 0;
}
