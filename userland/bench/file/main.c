/*
 * file: figures, in TSC ticks (instructions under -icount): open + read 4 KiB + close
 * of a file in file:, and its parts. Each figure is the median of RUNS after a warm-up.
 */
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/writ.h>

#define RUNS 64

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t
median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

int
main(void)
{
	static char buf[4096];
	static uint64_t t_all[RUNS], t_open[RUNS], t_read[RUNS], t_close[RUNS];
	int fd = writ_open("/tmp/bench-4k", O_CREAT | O_WRONLY | O_TRUNC, 0644);

	memset(buf, 'b', sizeof(buf));
	if (fd < 0 || writ_write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		writ_printf("bench file: cannot make /tmp/bench-4k: %d\n", fd);
		return 1;
	}
	writ_close(fd);
	for (int k = -8; k < RUNS; k++) {
		uint64_t t0 = rdtsc(), t1, t2, t3;
		long n;

		fd = writ_open("/tmp/bench-4k", O_RDONLY, 0);
		t1 = rdtsc();
		n = writ_read(fd, buf, sizeof(buf));
		t2 = rdtsc();
		writ_close(fd);
		t3 = rdtsc();
		if (fd < 0 || n != sizeof(buf)) {
			writ_printf("bench file: open %d read %ld\n", fd, n);
			return 1;
		}
		if (k >= 0) {
			t_all[k] = t3 - t0;
			t_open[k] = t1 - t0;
			t_read[k] = t2 - t1;
			t_close[k] = t3 - t2;
		}
	}
	writ_printf("bench file/open-read4k-close %lu instructions\n", median(t_all, RUNS));
	writ_printf("bench file/open %lu instructions\n", median(t_open, RUNS));
	writ_printf("bench file/read4k %lu instructions\n", median(t_read, RUNS));
	writ_printf("bench file/close %lu instructions\n", median(t_close, RUNS));
	writ_unlink("/tmp/bench-4k");
	return 0;
}
