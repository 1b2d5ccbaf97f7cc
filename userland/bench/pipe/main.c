/*
 * /bench/pipe: a pipe round trip of one byte between two processes, and an fd sent to
 * another process over cable: and back. Each figure is the median of ROUNDS rdtsc
 * deltas (under QEMU's -icount, instructions), printed as
 * `bench pipe/NAME VALUE instructions`; the runner adds the accel= field.
 */
#include <test/peer.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <fcntl.h>

#define ROUNDS 2001

static uint64_t samples[ROUNDS];

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Insertion sort is too slow for 2001; a plain heap-free shell sort. */
static uint64_t
median(uint64_t *v, unsigned n)
{
	for (unsigned gap = n / 2; gap; gap /= 2)
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && cmp(&v[j - gap], &v[j]) > 0; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
	return v[n / 2];
}

static int
bench_pipe(void)
{
	int to[2], from[2];
	writ_cptr_t child;
	char c = 'x';

	if (writ_pipe(to) || writ_pipe(from) || test_spawn_peer("echo", to[0], from[1], &child) <= 0)
		return 1;
	writ_close(to[0]);
	writ_close(from[1]);
	for (unsigned i = 0; i < 100; i++) {	/* the server's workers start, pages fault in */
		writ_write(to[1], &c, 1);
		writ_read(from[0], &c, 1);
	}
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		writ_write(to[1], &c, 1);
		if (writ_read(from[0], &c, 1) != 1)
			return 1;
		samples[i] = rdtsc() - t0;
	}
	writ_printf("bench pipe/round-trip-1byte-2proc %lu instructions\n", median(samples, ROUNDS));
	writ_close(to[1]);
	writ_proc_wait(child);
	writ_close(from[0]);
	return 0;
}

static int
bench_cable(void)
{
	int c[2], fd = writ_open("null:", O_RDWR, 0);
	writ_cptr_t child;
	uint64_t key;

	if (fd < 0 || writ_cable_pair(c) || test_spawn_peer("cable-echo", c[1], -1, &child) <= 0)
		return 1;
	writ_close(c[1]);
	for (unsigned i = 0; i < ROUNDS + 100; i++) {
		unsigned n = 1;
		uint64_t t0 = rdtsc();

		long s1 = writ_cable_send(c[0], 0, NULL, 0, &fd, 1), r1;

		r1 = s1 == 0 ? writ_cable_recv(c[0], &key, NULL, 0, &fd, &n) : -1;
		if (s1 != 0 || r1 != 0 || n != 1) {
			writ_printf("# cable round %u: send %ld recv %ld n %u\n", i, s1, r1, n);
			return 1;
		}
		if (i >= 100)
			samples[i - 100] = rdtsc() - t0;
	}
	writ_printf("bench cable/fd-round-trip %lu instructions\n", median(samples, ROUNDS));
	writ_close(c[0]);
	writ_proc_wait(child);
	writ_close(fd);
	return 0;
}

int
main(void)
{
	int bad = bench_pipe();

	if (bad)
		writ_printf("# bench pipe: the pipe round trip failed\n");
	if (bench_cable()) {
		writ_printf("# bench pipe: the cable round trip failed\n");
		bad = 1;
	}
	return bad;
}
