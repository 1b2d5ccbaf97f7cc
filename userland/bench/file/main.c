/*
 * file: figures, in TSC ticks (instructions under -icount): open + read 4 KiB + close
 * of a file in file:, and its parts, each the median of RUNS after a warm-up; and a 16
 * MiB file read in 64 KiB reads, the median of BIG_RUNS.
 */
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/writ.h>

#define RUNS 64
#define BIG_RUNS 3
#define BIG_SIZE (16u << 20)
#define BIG_CHUNK 65536u

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

/*
 * Read a 16 MiB file in 64 KiB reads, as Linux's tmpfs_read_16MiB_64k does with
 * read(2): through the window (one copy of each byte, by the server, into memory this
 * program reads) and through writ_read into a buffer of ours (a second copy).
 */
static int
bench_big(void)
{
	static uint64_t t_win[BIG_RUNS], t_buf[BIG_RUNS];
	static char chunk[BIG_CHUNK];
	size_t wlen = 0;
	int fd = writ_open("/tmp/bench-16m", O_CREAT | O_RDWR | O_TRUNC, 0644);

	memset(chunk, 'c', sizeof(chunk));
	for (unsigned off = 0; fd >= 0 && off < BIG_SIZE; off += BIG_CHUNK)
		if (writ_write(fd, chunk, BIG_CHUNK) != BIG_CHUNK) {
			writ_printf("bench file: cannot write /tmp/bench-16m at %u: %ld\n", off,
				    writ_pwrite(fd, chunk, BIG_CHUNK, off));
			return 1;
		}
	if (fd < 0 || !writ_fd_window(fd, &wlen) || wlen < BIG_CHUNK) {
		writ_printf("bench file: /tmp/bench-16m: fd %d, window of %lu bytes\n", fd, wlen);
		return 1;
	}
	for (int k = 0; k < BIG_RUNS; k++) {
		uint64_t t0, t1, t2;
		size_t got = 0, got2 = 0;
		long n;

		writ_seek(fd, 0, 0);
		t0 = rdtsc();
		while ((n = writ_read_window(fd, BIG_CHUNK)) > 0)
			got += (size_t)n;
		t1 = rdtsc();
		writ_seek(fd, 0, 0);
		while ((n = writ_read(fd, chunk, BIG_CHUNK)) > 0)
			got2 += (size_t)n;
		t2 = rdtsc();
		if (got != BIG_SIZE || got2 != BIG_SIZE) {
			writ_printf("bench file: read %lu and %lu of 16 MiB\n", got, got2);
			return 1;
		}
		t_win[k] = t1 - t0;
		t_buf[k] = t2 - t1;
	}
	writ_close(fd);
	writ_unlink("/tmp/bench-16m");
	writ_printf("bench file/read-16m-64k %lu instructions\n", median(t_win, BIG_RUNS));
	writ_printf("bench file/read-16m-64k-copy %lu instructions\n", median(t_buf, BIG_RUNS));
	return 0;
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
	return bench_big();
}
