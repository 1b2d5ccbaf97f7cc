/* bench linux/getppid: the null system call, as a Linux program makes it, through the
 * personality; the median of many rdtsc deltas (instructions under -icount). And
 * the capi figures, <writ/cap.h>'s calls made the same way (the raw numbers, so this stays
 * one plain program): the null Writ call (the personality's dispatch, no server), a
 * weaken of the namespace's file: policy (one call to file:) with the close of its fd,
 * and an open through a policy fd with its close beside the same through the
 * namespace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <writ/cap.h>

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

static long
weaken(const char *text)
{
	return syscall(WCAP_SYS_WEAKEN, (long)WCAP_NS, text, 0L);
}

static int
capi_figures(uint64_t overhead)
{
	const char *text = "file:/home/yoric/*.txt:r";
	long pol = weaken(text);

	if (pol < 0)
		return 0;	/* not on Writ */
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();
		long r;

		__asm__ volatile("syscall" : "=a"(r) : "a"((long)WCAP_SYS_NULL) : "rcx", "r11", "memory");
		v[i] = rdtsc() - t0;
	}
	printf("bench capi/null-call %llu instructions\n", (unsigned long long)(median() - overhead));
	for (int i = 0; i < ROUNDS / 10; i++) {
		uint64_t t0 = rdtsc();

		close((int)weaken(text));
		v[i] = rdtsc() - t0;
	}
	qsort(v, ROUNDS / 10, sizeof(v[0]), cmp);
	printf("bench capi/weaken-close %llu instructions\n",
	       (unsigned long long)(v[ROUNDS / 20] - overhead));
	for (int i = 0; i < ROUNDS / 10; i++) {
		uint64_t t0 = rdtsc();

		close(openat((int)pol, "home/yoric/readme.txt", O_RDONLY));
		v[i] = rdtsc() - t0;
	}
	qsort(v, ROUNDS / 10, sizeof(v[0]), cmp);
	printf("bench capi/open-close-via-policy-fd %llu instructions\n",
	       (unsigned long long)(v[ROUNDS / 20] - overhead));
	for (int i = 0; i < ROUNDS / 10; i++) {
		uint64_t t0 = rdtsc();

		close(open("/home/yoric/readme.txt", O_RDONLY));
		v[i] = rdtsc() - t0;
	}
	qsort(v, ROUNDS / 10, sizeof(v[0]), cmp);
	printf("bench capi/open-close-via-namespace %llu instructions\n",
	       (unsigned long long)(v[ROUNDS / 20] - overhead));
	close((int)pol);
	return 0;
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
	return capi_figures(overhead);
}
