/*
 * /test/pipe: pipes (group pipe): bytes in order, end of file, EPIPE, O_NONBLOCK,
 * whole writes up to PIPE_BUF with two writers, a reader blocked when the last writer
 * goes, dup, bad input (wrong ends, lengths and group tokens), and no record left over;
 * between two processes (/test/bin/pipe-peer): a round trip, EOF and EPIPE when the
 * other dies, no record left by a client that died with open ends; a pipe: server
 * killed mid-read (the reader gets EIO) and restarted (a new pipe works).
 */
#include <test/check.h>
#include <test/peer.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

/* The pipe server's live records and pipes. */
static long
pipe_stats(writ_word_t *pipes)
{
	writ_word_t res[1] = { 0 };
	long r = writ_scheme_call(writ_scheme_cap("pipe"), SCHEME_OP_STATS, NULL, 0, NULL, 0,
				  NULL, 0, res, 1);

	if (pipes)
		*pipes = res[0];
	return r;
}

/* ---- helper threads ---- */

struct job {
	int fd;
	size_t len, chunk;
	uint8_t fill;
	long result;
	volatile bool done;
	uint8_t *buf;
};

static void
reader(void *arg)
{
	struct job *j = arg;

	j->result = writ_read(j->fd, j->buf, j->len);
	j->done = true;
}

/* Writes len bytes in writes of `chunk`, each filled with its own tag. */
static void
writer(void *arg)
{
	struct job *j = arg;
	static uint8_t bufs[2][SCHEME_PIPE_BUF];
	uint8_t *b = bufs[j->fill & 1];
	size_t done = 0;

	j->result = 0;
	while (done < j->len) {
		size_t k = j->len - done < j->chunk ? j->len - done : j->chunk;
		long r;

		for (size_t i = 0; i < k; i++)
			b[i] = (uint8_t)(j->fill + (done + i) / j->chunk * 2);
		r = writ_write(j->fd, b, k);
		if (r != (long)k) {
			j->result = r < 0 ? r : -1000;
			break;
		}
		done += k;
	}
	if (j->result == 0)
		j->result = (long)done;
	j->done = true;
}

static struct writ_thread threads[4];

static void
spawn_thread(unsigned i, void (*fn)(void *), struct job *j)
{
	j->done = false;
	if (writ_thread_create(&threads[i], fn, j, 100) != WRIT_OK)
		writ_printf("# pipe: no thread\n");
}

static bool
wait_done(struct job *j)
{
	for (unsigned i = 0; i < 200000 && !j->done; i++)
		writ_yield();
	return j->done;
}

/* ---- tests ---- */

static void
test_basic(void)
{
	static char buf[2000];
	int p[2];
	long r;
	int e = writ_pipe(p);

	check(e == 0 && p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe/make", "writ_pipe %d", e);
	r = writ_write(p[1], "hello", 5);
	check(r == 5, "pipe/write", "write %ld", r);
	r = writ_write(p[1], ", world", 7);
	memset(buf, 0, sizeof(buf));
	r = writ_read(p[0], buf, 64);
	check(r == 12 && memcmp(buf, "hello, world", 12) == 0, "pipe/read-in-order",
	      "read %ld '%s'", r, buf);
	r = writ_read(p[0], buf, 0);
	check(r == 0, "pipe/read-zero-bytes", "read %ld", r);
	writ_close(p[1]);
	r = writ_read(p[0], buf, sizeof(buf));
	check(r == 0, "pipe/eof-after-close", "read %ld", r);
	r = writ_read(p[0], buf, sizeof(buf));
	check(r == 0, "pipe/eof-again", "read %ld", r);
	writ_close(p[0]);

	writ_pipe(p);
	writ_close(p[0]);
	r = writ_write(p[1], "x", 1);
	check(r == -EPIPE, "pipe/epipe-no-reader", "write %ld", r);
	r = writ_write(p[1], buf, 2000);
	check(r == -EPIPE, "pipe/epipe-group", "write %ld", r);
	writ_close(p[1]);
}

static void
test_eof_data_first(void)
{
	int p[2];
	char buf[16];
	long r1, r2;

	writ_pipe(p);
	writ_write(p[1], "abc", 3);
	writ_close(p[1]);
	r1 = writ_read(p[0], buf, sizeof(buf));
	r2 = writ_read(p[0], buf, sizeof(buf));
	check(r1 == 3 && r2 == 0, "pipe/bytes-then-eof", "reads %ld, %ld", r1, r2);
	writ_close(p[0]);
}

static void
test_blocked_reader(void)
{
	static uint8_t buf[64];
	struct job j = { .len = sizeof(buf), .buf = buf };
	int p[2];

	writ_pipe(p);
	j.fd = p[0];
	spawn_thread(0, reader, &j);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	check(!j.done, "pipe/read-waits", "the read returned %ld on an empty pipe", j.result);
	writ_write(p[1], "wake", 4);
	check(wait_done(&j) && j.result == 4 && memcmp(buf, "wake", 4) == 0,
	      "pipe/blocked-read-gets-bytes", "done %d result %ld", j.done, j.result);

	/* The last writer closes while the reader waits: end of file. */
	spawn_thread(0, reader, &j);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	writ_close(p[1]);
	check(wait_done(&j) && j.result == 0, "pipe/close-wakes-reader-eof", "done %d result %ld",
	      j.done, j.result);
	writ_close(p[0]);
}

static void
test_dup(void)
{
	int p[2], d;
	char buf[8];
	long r;

	writ_pipe(p);
	d = writ_dup(p[1]);
	writ_close(p[1]);
	r = writ_write(d, "dup", 3);
	check(r == 3, "pipe/dup-outlives-close", "write through the dup %ld", r);
	writ_read(p[0], buf, sizeof(buf));
	writ_close(d);
	r = writ_read(p[0], buf, sizeof(buf));
	check(r == 0, "pipe/eof-after-last-dup", "read %ld", r);
	writ_close(p[0]);
}

/* 256 KiB through the 64 KiB buffer: the writer waits for room, bytes stay in order. */
static void
test_bulk(void)
{
	static uint8_t in[5000];
	struct job w = { .len = 256 * 1024, .chunk = 3000, .fill = 1 };
	size_t got = 0, bad = SIZE_MAX;
	int p[2];

	writ_pipe(p);
	w.fd = p[1];
	spawn_thread(1, writer, &w);
	while (got < w.len) {
		long r = writ_read(p[0], in, sizeof(in));

		if (r <= 0)
			break;
		for (long i = 0; i < r && bad == SIZE_MAX; i++)
			if (in[i] != (uint8_t)(1 + (got + (size_t)i) / 3000 * 2))
				bad = got + (size_t)i;
		got += (size_t)r;
	}
	check(got == w.len && bad == SIZE_MAX && wait_done(&w) && w.result == (long)w.len,
	      "pipe/bulk-in-order", "got %lu, first bad byte %ld, writer %ld", got, (long)bad,
	      w.result);
	writ_close(p[0]);
	writ_close(p[1]);
}

/*
 * Two writers, each writing 4096-byte records tagged with its own bytes, on the same
 * fd or on two: every 4096-byte block the reader sees is one writer's record.
 */
static void
test_atomic(bool same_fd)
{
	static uint8_t blk[SCHEME_PIPE_BUF];
	const char *name = same_fd ? "pipe/pipe-buf-whole-same-fd" : "pipe/pipe-buf-whole-two-fds";
	struct job a = { .len = 48 * SCHEME_PIPE_BUF, .chunk = SCHEME_PIPE_BUF, .fill = 0 };
	struct job b = a;
	unsigned mixed = 0, blocks = 0;
	int p[2];

	b.fill = 1;
	writ_pipe(p);
	a.fd = p[1];
	b.fd = same_fd ? p[1] : writ_dup(p[1]);
	spawn_thread(1, writer, &a);
	spawn_thread(2, writer, &b);
	for (;;) {
		size_t got = 0;

		while (got < sizeof(blk)) {
			long r = writ_read(p[0], blk + got, sizeof(blk) - got);

			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got < sizeof(blk))
			break;
		blocks++;
		for (size_t i = 1; i < sizeof(blk); i++)
			if (blk[i] != blk[0]) {
				mixed++;
				break;
			}
		if (blocks == 96)
			break;
	}
	check(blocks == 96 && mixed == 0 && wait_done(&a) && wait_done(&b) &&
	      a.result == (long)a.len && b.result == (long)b.len, name,
	      "%u blocks, %u mixed, writers %ld %ld", blocks, mixed, a.result, b.result);
	writ_close(p[0]);
	writ_close(p[1]);
	if (!same_fd)
		writ_close(b.fd);
}

static void
test_nonblock(void)
{
	static uint8_t buf[SCHEME_PIPE_BUF];
	size_t total = 0;
	int p[2], e = writ_pipe2(p, SCHEME_O_NONBLOCK);
	long r;

	check(e == 0, "pipe/pipe2-nonblock", "writ_pipe2 %d", e);
	r = writ_read(p[0], buf, 10);
	check(r == -EAGAIN, "pipe/nonblock-read-empty-eagain", "read %ld", r);
	for (unsigned i = 0; i < 100; i++) {
		r = writ_write(p[1], buf, 1000);
		if (r < 0)
			break;
		total += (size_t)r;
	}
	check(r == -EAGAIN && total == 65000, "pipe/nonblock-full-eagain",
	      "last write %ld after %lu bytes", r, total);
	/* 536 bytes of room: a whole write of 4096 takes nothing. */
	r = writ_write(p[1], buf, SCHEME_PIPE_BUF);
	check(r == -EAGAIN, "pipe/nonblock-whole-write-all-or-none", "write %ld", r);
	r = writ_read(p[0], buf, 100);
	r = writ_write(p[1], buf, 636);
	check(r == 636, "pipe/nonblock-write-fits", "write %ld", r);
	writ_close(p[0]);
	writ_close(p[1]);
}

static void
test_bad_input(void)
{
	static uint8_t buf[SCHEME_INLINE];
	writ_word_t a[2], res[1];
	int p[2];
	long r;

	writ_pipe(p);
	r = writ_write(p[0], "x", 1);
	check(r == -EBADF, "pipe/write-on-read-end-ebadf", "write %ld", r);
	r = writ_read(p[1], buf, 1);
	check(r == -EBADF, "pipe/read-on-write-end-ebadf", "read %ld", r);
	r = writ_seek(p[0], 0, 0);
	check(r == -ESPIPE, "pipe/seek-espipe", "seek %ld", r);
	r = writ_pread(p[0], buf, 1, 0);
	check(r == -ESPIPE, "pipe/pread-espipe", "pread %ld", r);
	{
		struct scheme_stat st;
		int e = writ_fstat(p[0], &st);

		check(e == 0 && (st.mode & 0170000) == 0010000, "pipe/fstat-fifo",
		      "fstat %d mode %lo", e, (unsigned long)st.mode);
	}
	/* A length past what a message holds. */
	a[0] = SCHEME_INLINE + 8;
	a[1] = 0;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/write-length-past-message", "got %ld", r);
	a[0] = 8;
	a[1] = ~0ull;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/write-bad-group-word", "got %ld", r);
	a[1] = SCHEME_WRITE_FIRST | (SCHEME_PIPE_BUF + 1);
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/group-past-pipe-buf", "got %ld", r);
	a[1] = SCHEME_WRITE_MORE | 12345;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/group-part-without-group", "got %ld", r);
	/* A group's part with the right token but more bytes than it reserved. */
	a[0] = 8;
	a[1] = SCHEME_WRITE_FIRST | 16;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, res, 1);
	a[0] = 16;
	a[1] = SCHEME_WRITE_MORE | res[0];
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 16, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/group-part-too-long", "got %ld", r);
	a[0] = 8;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE, a, 2, buf, 8, NULL, 0, NULL, 0);
	check(r == 8, "pipe/group-part-completes", "got %ld", r);
	r = writ_read(p[0], buf, sizeof(buf));
	check(r == 16, "pipe/group-read-whole", "read %ld", r);
	/* Writes in registers: at most 16 bytes; servers without them still get small
	 * writes (libwrit falls back to WRITE). */
	a[0] = 17;
	r = writ_scheme_call(writ_fd_cap(p[1]), SCHEME_OP_WRITE_REGS, a, 1, NULL, 0, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/write-regs-too-long", "got %ld", r);
	{
		int n = writ_open("null:", O_RDWR, 0);

		r = writ_write(n, "small", 5);
		check(r == 5, "pipe/small-write-to-a-server-without-regs", "write %ld", r);
		r = writ_write(n, "small", 5);
		check(r == 5, "pipe/small-write-again", "write %ld", r);
		writ_close(n);
	}
	/* Wrong kinds of calls on each kind of record. */
	r = writ_scheme_call(writ_fd_cap(p[0]), SCHEME_OP_PAIR, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/pair-on-an-end-einval", "got %ld", r);
	a[0] = 4;
	r = writ_scheme_call(writ_scheme_cap("pipe"), SCHEME_OP_READ, a, 1, NULL, 0, buf, 4, NULL, 0);
	check(r == -ENOSYS, "pipe/read-on-the-scheme-enosys", "got %ld", r);
	r = writ_scheme_call(writ_fd_cap(p[0]), 999, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
	check(r == -EINVAL, "pipe/unknown-op", "got %ld", r);
	writ_close(p[0]);
	writ_close(p[1]);
}

static void
test_no_leak(void)
{
	writ_word_t pipes0, pipes1;
	long before = pipe_stats(&pipes0), after;
	int p[2];

	for (unsigned i = 0; i < 100; i++) {
		int d;

		writ_pipe(p);
		d = writ_dup(p[0]);
		writ_write(p[1], "z", 1);
		writ_close(p[0]);
		writ_close(p[1]);
		writ_close(d);
	}
	after = pipe_stats(&pipes1);
	check(before > 0 && after == before && pipes1 == pipes0, "pipe/close-leaves-no-record",
	      "records %ld -> %ld, pipes %lu -> %lu", before, after, pipes0, pipes1);
}

/* Two processes: ping through the child and back; then end of file both ways. */
static void
test_two_proc(void)
{
	char buf[16];
	int to[2], from[2];
	writ_cptr_t child;
	long pid, r, st;

	writ_pipe(to);
	writ_pipe(from);
	pid = test_spawn_peer("echo", to[0], from[1], &child);
	check(pid > 0, "pipe/spawn-peer", "spawn %ld", pid);
	if (pid <= 0)
		return;
	writ_close(to[0]);
	writ_close(from[1]);
	writ_write(to[1], "ping", 4);
	r = writ_read(from[0], buf, sizeof(buf));
	check(r == 4 && memcmp(buf, "ping", 4) == 0, "pipe/two-proc-round-trip", "read %ld", r);
	writ_close(to[1]);		/* the child sees end of file, ends, and so its end closes */
	r = writ_read(from[0], buf, sizeof(buf));
	st = writ_proc_wait(child);
	check(r == 0 && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0, "pipe/two-proc-eof",
	      "read %ld, child status %lx", r, st);
	writ_close(from[0]);
}

/* Many round trips through a reader in another process that waits each time (the
 * child's read blocks until the byte comes, then ours does): no wake-up may be lost,
 * and the bytes come back as sent. */
static void
test_two_proc_rounds(void)
{
	char out[48], in[64];
	int to[2], from[2];
	writ_cptr_t child;
	writ_word_t pipes0, pipes1;
	long before = pipe_stats(&pipes0), after, st, r = 0;
	unsigned round, bad = 0;

	writ_pipe(to);
	writ_pipe(from);
	if (test_spawn_peer("echo", to[0], from[1], &child) <= 0) {
		check(false, "pipe/two-proc-rounds", "spawn failed");
		return;
	}
	writ_close(to[0]);
	writ_close(from[1]);
	for (round = 0; round < 600 && !bad; round++) {
		size_t n = 1 + round % (sizeof(out) - 1), got = 0;

		for (size_t i = 0; i < n; i++)
			out[i] = (char)(round * 7 + i);
		if (writ_write(to[1], out, n) != (long)n)
			bad = 1;
		while (!bad && got < n) {	/* the echo may come in parts */
			r = writ_read(from[0], in + got, sizeof(in) - got);
			if (r <= 0)
				bad = 2;
			else
				got += (size_t)r;
		}
		if (!bad && (got != n || memcmp(in, out, n) != 0))
			bad = 3;
	}
	check(!bad, "pipe/two-proc-rounds-blocking-reader", "round %u: failure %u (read %ld)",
	      round, bad, r);
	writ_close(to[1]);
	r = writ_read(from[0], in, sizeof(in));
	st = writ_proc_wait(child);
	writ_close(from[0]);
	after = pipe_stats(&pipes1);
	check(r == 0 && WRIT_WAIT_STATUS(st) == 0 && after == before && pipes1 == pipes0,
	      "pipe/two-proc-rounds-leave-no-record",
	      "read %ld, child %lx, records %ld -> %ld, pipes %lu -> %lu", r, st, before, after,
	      pipes0, pipes1);
}

static void
test_two_proc_epipe(void)
{
	int p[2];
	writ_cptr_t child;
	long r = 0, st;

	writ_pipe(p);
	if (test_spawn_peer("read-one", p[0], -1, &child) <= 0)
		return;
	writ_close(p[0]);
	writ_write(p[1], "1", 1);
	st = writ_proc_wait(child);
	/* The child's end went with it (init's "gc" signal makes the server sweep). */
	for (unsigned i = 0; i < 1000 && r >= 0; i++) {
		r = writ_write(p[1], "2", 1);
		writ_yield();
	}
	check(WRIT_WAIT_STATUS(st) == 0 && r == -EPIPE, "pipe/two-proc-epipe",
	      "child status %lx, write %ld", st, r);
	writ_close(p[1]);
}

/* The last writer is killed while the reader waits: the reader gets end of file. */
static void
test_killed_writer(void)
{
	static uint8_t buf[16];
	struct job j = { .len = sizeof(buf), .buf = buf };
	int p[2];
	writ_cptr_t child;
	long r;

	writ_pipe(p);
	if (test_spawn_peer("write-spin", -1, p[1], &child) <= 0)
		return;
	writ_close(p[1]);
	r = writ_read(p[0], buf, sizeof(buf));
	j.fd = p[0];
	spawn_thread(0, reader, &j);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	writ_proc_kill(child);
	writ_proc_wait(child);
	check(r == 1 && wait_done(&j) && j.result == 0, "pipe/killed-writer-eof",
	      "first read %ld, then done %d result %ld", r, j.done, j.result);
	writ_close(p[0]);
}

static void
test_dead_client_no_record(void)
{
	writ_word_t pipes0, pipes1;
	long before = pipe_stats(&pipes0), after, st;
	writ_cptr_t child;

	if (test_spawn_peer("leak-pipes", -1, -1, &child) <= 0)
		return;
	st = writ_proc_wait(child);
	after = pipe_stats(&pipes1);
	check(WRIT_WAIT_STATUS(st) == 0 && after == before && pipes1 == pipes0,
	      "pipe/dead-client-leaves-no-record", "child %lx, records %ld -> %ld, pipes %lu -> %lu",
	      st, before, after, pipes0, pipes1);
}

/* The server dies under a waiting reader: EIO at once; init restarts it; new pipes work. */
static void
test_server_killed(void)
{
	static uint8_t buf[16];
	struct job j = { .len = sizeof(buf), .buf = buf };
	int p[2], q[2];
	long r;

	writ_pipe(p);
	j.fd = p[0];
	spawn_thread(0, reader, &j);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	r = writ_proc_kill_service("pipe");
	check(r == 0, "pipe/kill-service", "kill %ld", r);
	check(wait_done(&j) && j.result == -EIO, "pipe/server-killed-reader-eio",
	      "done %d result %ld", j.done, j.result);
	r = writ_write(p[1], "x", 1);
	check(r == -EIO, "pipe/old-pipe-after-restart-eio", "write %ld", r);
	writ_close(p[0]);
	writ_close(p[1]);
	r = writ_pipe(q);
	if (r == 0) {
		writ_write(q[1], "new", 3);
		r = writ_read(q[0], buf, sizeof(buf));
		writ_close(q[0]);
		writ_close(q[1]);
	}
	check(r == 3 && memcmp(buf, "new", 3) == 0, "pipe/new-pipe-after-restart", "got %ld", r);
	r = writ_proc_kill_service("no-such-scheme");
	check(r == -ENOENT, "pipe/kill-service-unknown", "kill %ld", r);
}

int
main(void)
{
	if (!writ_scheme_cap("pipe")) {
		check(false, "pipe/scheme", "no pipe: capability");
		return 1;
	}
	test_basic();
	test_eof_data_first();
	test_blocked_reader();
	test_dup();
	test_bulk();
	test_atomic(true);
	test_atomic(false);
	test_nonblock();
	test_bad_input();
	test_no_leak();
	test_two_proc();
	test_two_proc_rounds();
	test_two_proc_epipe();
	test_killed_writer();
	test_dead_client_no_record();
	test_server_killed();
	return test_done("pipe");
}
