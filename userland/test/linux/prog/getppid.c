/* bench linux/getppid: the null system call, as a Linux program makes it, through the
 * personality; the median of many rdtsc deltas (instructions under -icount). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#define ROUNDS 10001

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

static uint64_t v[ROUNDS];

static uint64_t
median(void)
{
	qsort(v, ROUNDS, sizeof(v[0]), cmp);
	return v[ROUNDS / 2];
}

int
main(void)
{
	uint64_t overhead;

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		v[i] = rdtsc() - t0;
	}
	overhead = median();
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		long r;

		__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
		v[i] = rdtsc() - t0;
	}
	printf("bench linux/getppid %llu instructions\n", (unsigned long long)(median() - overhead));
	return 0;
}
