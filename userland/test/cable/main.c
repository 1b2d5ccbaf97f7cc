/*
 * /test/cable: cables (group cable): messages of data, a key and fds, in order; fds
 * travel by move (the sender's copy is gone, the receiver's works); unread fds are
 * closed when the cable dies; EPIPE; bad input (too many fds, a cable end over a
 * cable, bytes on a cable); no record left over.
 */
#include <test/check.h>
#include <test/peer.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

/* Workers a server may have (srv.h's SRV_MAX_WORKERS): each takes a request in turn. */
#define SRV_MAX_WORKERS_SEEN 32

/* A server's live records; *more gets its second figure (pipes, cables). */
static long
stats(const char *scheme, writ_word_t *more, writ_word_t *more2)
{
	writ_word_t res[2] = { 0, 0 };
	long r = writ_scheme_call(writ_scheme_cap(scheme), SCHEME_OP_STATS, NULL, 0, NULL, 0,
				  NULL, 0, res, 2);

	if (more)
		*more = res[0];
	if (more2)
		*more2 = res[1];
	return r;
}

static void
test_order(void)
{
	char buf[64];
	int c[2], got[3];
	unsigned n;
	uint64_t key;
	long r;
	int e = writ_cable_pair(c);

	check(e == 0 && c[0] >= 0 && c[1] >= 0, "cable/pair", "writ_cable_pair %d", e);
	for (unsigned i = 0; i < 10; i++) {
		char m[16];
		int len = writ_snprintf(m, sizeof(m), "msg %u", i);

		writ_cable_send(i % 2 ? c[0] : c[0], 100 + i, m, (size_t)len, NULL, 0);
	}
	{
		unsigned bad = 10;

		for (unsigned i = 0; i < 10; i++) {
			char want[16];
			int len = writ_snprintf(want, sizeof(want), "msg %u", i);

			n = 3;
			memset(buf, 0, sizeof(buf));
			r = writ_cable_recv(c[1], &key, buf, sizeof(buf), got, &n);
			if (r != len || key != 100 + i || n != 0 || memcmp(buf, want, (size_t)len)) {
				bad = i;
				break;
			}
		}
		check(bad == 10, "cable/messages-in-order", "message %u differs", bad);
	}
	/* Both ways. */
	r = writ_cable_send(c[1], 7, "back", 4, NULL, 0);
	n = 0;
	r = writ_cable_recv(c[0], &key, buf, sizeof(buf), NULL, &n);
	check(r == 4 && key == 7 && memcmp(buf, "back", 4) == 0, "cable/both-ways", "recv %ld key %lu",
	      r, key);
	/* An empty message still carries its key. */
	writ_cable_send(c[0], 9, NULL, 0, NULL, 0);
	r = writ_cable_recv(c[1], &key, buf, sizeof(buf), NULL, NULL);
	check(r == 0 && key == 9, "cable/empty-message", "recv %ld key %lu", r, key);
	/* A long message into a short buffer: the rest is dropped. */
	{
		static char big[SCHEME_INLINE];

		memset(big, 'b', sizeof(big));
		r = writ_cable_send(c[0], 1, big, sizeof(big), NULL, 0);
		check(r == SCHEME_INLINE, "cable/send-inline-max", "send %ld", r);
		r = writ_cable_recv(c[1], &key, buf, 8, NULL, NULL);
		check(r == SCHEME_INLINE && buf[7] == 'b', "cable/recv-truncates", "recv %ld", r);
		r = writ_cable_send(c[0], 1, big, sizeof(big) + 1, NULL, 0);
		check(r == -EINVAL, "cable/send-too-long-einval", "send %ld", r);
	}
	writ_close(c[0]);
	r = writ_cable_send(c[1], 1, "x", 1, NULL, 0);
	check(r == -EPIPE, "cable/send-no-peer-epipe", "send %ld", r);
	r = writ_cable_recv(c[1], &key, buf, sizeof(buf), NULL, NULL);
	check(r == -EPIPE, "cable/recv-no-peer-epipe", "recv %ld", r);
	writ_close(c[1]);
}

/* fds over a cable: zero:, null: and a pipe's end, the sender's copies closed. */
static void
test_fds(void)
{
	char buf[32];
	int c[2], p[2], got[3], fds[3];
	unsigned n = 3;
	uint64_t key;
	long r;

	writ_cable_pair(c);
	writ_pipe(p);
	fds[0] = writ_open("zero:", O_RDONLY, 0);
	fds[1] = writ_open("null:", O_RDWR, 0);
	fds[2] = p[1];
	r = writ_cable_send(c[0], 0x5eed, "three", 5, fds, 3);
	check(r == 5 && !writ_fd_cap(fds[0]) && !writ_fd_cap(fds[1]) && !writ_fd_cap(p[1]),
	      "cable/send-moves-fds", "send %ld, sender still holds %d %d %d", r,
	      writ_fd_cap(fds[0]) != 0, writ_fd_cap(fds[1]) != 0, writ_fd_cap(p[1]) != 0);
	r = writ_cable_recv(c[1], &key, buf, sizeof(buf), got, &n);
	check(r == 5 && key == 0x5eed && n == 3 && memcmp(buf, "three", 5) == 0,
	      "cable/data-key-fds-together", "recv %ld key %lx n %u", r, key, n);
	if (n == 3) {
		memset(buf, 1, sizeof(buf));
		r = writ_read(got[0], buf, 16);
		check(r == 16 && buf[0] == 0 && buf[15] == 0, "cable/received-zero-reads",
		      "read %ld", r);
		r = writ_write(got[1], "x", 1);
		check(r == 1, "cable/received-null-writes", "write %ld", r);
		r = writ_write(got[2], "via", 3);
		r = writ_read(p[0], buf, sizeof(buf));
		check(r == 3 && memcmp(buf, "via", 3) == 0, "cable/received-pipe-end-writes",
		      "read %ld", r);
		for (unsigned i = 0; i < 3; i++)
			writ_close(got[i]);
		r = writ_read(p[0], buf, sizeof(buf));
		check(r == 0, "cable/received-pipe-end-closes", "read %ld (want end of file)", r);
	}
	writ_close(p[0]);
	/* Too many fds, bad fds, a cable's own end. */
	{
		int four[4];

		r = writ_cable_send(c[0], 0, NULL, 0, four, 4);
		check(r == -EINVAL, "cable/too-many-fds-einval", "send %ld", r);
		four[0] = 200;
		r = writ_cable_send(c[0], 0, NULL, 0, four, 1);
		check(r == -EBADF, "cable/bad-fd-ebadf", "send %ld", r);
		r = writ_cable_send(c[0], 0, NULL, 0, &c[1], 1);
		check(r == -EINVAL && writ_fd_cap(c[1]), "cable/cable-end-over-cable-einval",
		      "send %ld", r);
	}
	r = writ_write(c[0], "x", 1);
	check(r == -EINVAL, "cable/write-bytes-einval", "write %ld", r);
	writ_close(c[0]);
	writ_close(c[1]);
}

/* Messages never read: their fds are closed when the cable dies. */
static void
test_unread(void)
{
	writ_word_t pipes0, pipes1, cables0, cables1, held;
	long pipe_rec0 = stats("pipe", &pipes0, NULL), cable_rec0 = stats("cable", &cables0, NULL);
	long pipe_rec1, cable_rec1, r;
	int c[2], p[2];
	char buf[8];

	writ_cable_pair(c);
	writ_pipe(p);
	r = writ_cable_send(c[0], 1, "w", 1, &p[1], 1);
	stats("cable", NULL, &held);
	check(r == 1 && held == 1, "cable/server-holds-fd", "send %ld, held %lu", r, held);
	writ_close(c[1]);		/* the receiving side dies: the message goes unread */
	stats("cable", NULL, &held);
	r = writ_read(p[0], buf, sizeof(buf));
	check(held == 0 && r == 0, "cable/unread-fds-closed",
	      "held %lu, read of the pipe %ld (want end of file)", held, r);
	writ_close(c[0]);
	writ_close(p[0]);
	pipe_rec1 = stats("pipe", &pipes1, NULL);
	cable_rec1 = stats("cable", &cables1, NULL);
	check(pipe_rec1 == pipe_rec0 && pipes1 == pipes0 && cable_rec1 == cable_rec0 &&
	      cables1 == cables0, "cable/no-record-left",
	      "pipe records %ld -> %ld, pipes %lu -> %lu, cable records %ld -> %ld, cables %lu -> %lu",
	      pipe_rec0, pipe_rec1, pipes0, pipes1, cable_rec0, cable_rec1, cables0, cables1);
}

/* A RECV by a client that names no receive slot: the fd cannot go, and the server,
 * told so by the kernel (replied_caps), deletes its copy (once that worker takes its
 * next request: a few requests later at most), so no record is left behind. */
static void
test_recv_no_room(void)
{
	writ_word_t pipes0, pipes1;
	long pipe_rec0 = stats("pipe", &pipes0, NULL), pipe_rec1, r;
	struct writ_msg m = { 0 };
	int c[2], p[2];
	long err;

	writ_cable_pair(c);
	writ_pipe(p);
	r = writ_cable_send(c[0], 1, "w", 1, &p[1], 1);
	writ_set_receive_slot(0, 0, 0);
	m.info = writ_msginfo(SCHEME_OP_RECV, 0, 2);
	m.mr[0] = 8;
	err = writ_call(writ_fd_cap(c[1]), &m);
	check(r == 1 && err == WRIT_OK && (long)m.mr[0] == 1 && m.mr[2] == 1 &&
	      writ_msginfo_caps(m.info) == 0, "cable/recv-without-room-gets-no-fd",
	      "send %ld, call %s, recv %ld, nfds %lu, caps %u", r, writ_error_name((int)err),
	      (long)m.mr[0], m.mr[2], writ_msginfo_caps(m.info));
	for (unsigned i = 0; i < 2 * SRV_MAX_WORKERS_SEEN; i++)
		stats("cable", NULL, NULL);
	writ_close(c[0]);
	writ_close(c[1]);
	writ_close(p[0]);
	pipe_rec1 = stats("pipe", &pipes1, NULL);
	check(pipe_rec1 == pipe_rec0 && pipes1 == pipes0, "cable/recv-without-room-closes-fd",
	      "pipe records %ld -> %ld, pipes %lu -> %lu", pipe_rec0, pipe_rec1, pipes0, pipes1);
}

/* fds to another process: it reads zero: through the fd after this process closed
 * (moved) its copy; and a pipe end goes there and back. */
static void
test_two_proc(void)
{
	char buf[32];
	int c[2], z, p[2], got[3];
	unsigned n = 3;
	uint64_t key;
	writ_cptr_t child;
	long r, st;

	writ_cable_pair(c);
	if (test_spawn_peer("cable-read", c[1], -1, &child) <= 0) {
		check(false, "cable/spawn-peer", "spawn failed");
		return;
	}
	writ_close(c[1]);
	z = writ_open("zero:", O_RDONLY, 0);
	r = writ_cable_send(c[0], 31, "z", 1, &z, 1);
	memset(buf, 1, sizeof(buf));
	r = writ_cable_recv(c[0], &key, buf, sizeof(buf), NULL, NULL);
	st = writ_proc_wait(child);
	check(r == 16 && key == 31 && buf[0] == 0 && buf[15] == 0 && WRIT_WAIT_STATUS(st) == 0 &&
	      !writ_fd_cap(z), "cable/other-process-reads-passed-fd",
	      "recv %ld key %lu, child %lx", r, key, st);
	writ_close(c[0]);

	writ_cable_pair(c);
	writ_pipe(p);
	if (test_spawn_peer("cable-echo", c[1], -1, &child) <= 0)
		return;
	writ_close(c[1]);
	r = writ_cable_send(c[0], 1, "rt", 2, &p[1], 1);
	r = writ_cable_recv(c[0], &key, buf, sizeof(buf), got, &n);
	check(r == 2 && key == 2 && n == 1, "cable/fd-there-and-back", "recv %ld key %lu n %u",
	      r, key, n);
	if (n == 1) {
		writ_write(got[0], "back", 4);
		r = writ_read(p[0], buf, sizeof(buf));
		check(r == 4 && memcmp(buf, "back", 4) == 0, "cable/fd-back-works", "read %ld", r);
		writ_close(got[0]);
	}
	writ_close(c[0]);		/* the child's recv fails: it ends */
	st = writ_proc_wait(child);
	r = writ_read(p[0], buf, sizeof(buf));
	check(WRIT_WAIT_STATUS(st) == 0 && r == 0, "cable/peer-ends-with-cable",
	      "child %lx, pipe read %ld (want end of file)", st, r);
	writ_close(p[0]);
}

/* Many round trips of one to three fds through a peer that waits for each message
 * (the fds stay where they landed in the server: srv_take_cap); at the end the fds
 * still work and nothing is left in either server. */
static void
test_fd_rounds(void)
{
	int c[2], p[2], fds[3], got[3];
	writ_cptr_t child;
	writ_word_t cables0, cables1, held, pipes0, pipes1, x;
	long cab0 = stats("cable", &cables0, &x), pip0 = stats("pipe", &pipes0, &x), r = 0, st;
	unsigned round, bad = 0, n = 0;
	uint64_t key = 0;
	char buf[8];

	writ_cable_pair(c);
	writ_pipe(p);
	fds[0] = p[1];
	fds[1] = writ_dup(p[1]);
	fds[2] = writ_open("zero:", O_RDONLY, 0);
	if (test_spawn_peer("cable-echo", c[1], -1, &child) <= 0) {
		check(false, "cable/fd-rounds", "spawn failed");
		return;
	}
	writ_close(c[1]);
	for (round = 0; round < 300 && !bad; round++) {
		unsigned k = 1 + round % 3;

		n = 3;
		if ((r = writ_cable_send(c[0], round, "r", 1, fds, k)) != 1)
			bad = 1;
		else if ((r = writ_cable_recv(c[0], &key, buf, sizeof(buf), got, &n)) != 1 ||
			 key != round + 1 || n != k)
			bad = 2;
		for (unsigned i = 0; !bad && i < k; i++)
			fds[i] = got[i];
	}
	check(!bad, "cable/fd-rounds", "round %u: failure %u (%ld, key %lu, %u fds)", round, bad,
	      r, key, n);
	if (!bad) {
		r = writ_write(fds[1], "ok", 2) + writ_write(fds[0], "!", 1);
		check(r == 3 && writ_read(p[0], buf, sizeof(buf)) == 3 && memcmp(buf, "ok!", 3) == 0 &&
		      writ_read(fds[2], buf, 4) == 4 && buf[0] == 0, "cable/fd-rounds-fds-work",
		      "writes %ld", r);
	}
	for (unsigned i = 0; i < 3; i++)
		writ_close(fds[i]);
	writ_close(p[0]);
	writ_close(c[0]);
	st = writ_proc_wait(child);
	r = stats("cable", &cables1, &held);
	x = (writ_word_t)stats("pipe", &pipes1, NULL);
	check(WRIT_WAIT_STATUS(st) == 0 && r == cab0 && cables1 == cables0 && held == 0 &&
	      (long)x == pip0 && pipes1 == pipes0,
	      "cable/fd-rounds-leave-nothing", "child %lx, cable records %ld -> %ld, cables %lu -> "
	      "%lu, fds held %lu, pipes %lu -> %lu", st, cab0, r, cables0, cables1, held, pipes0,
	      pipes1);
}

/* A receiver that waits, woken by a message from another thread. */
struct job {
	int fd;
	long result;
	uint64_t key;
	volatile bool done;
};

static void
receiver(void *arg)
{
	struct job *j = arg;
	char buf[16];

	j->result = writ_cable_recv(j->fd, &j->key, buf, sizeof(buf), NULL, NULL);
	j->done = true;
}

static void
test_blocking(void)
{
	static struct writ_thread t;
	struct job j = { 0 };
	int c[2];

	writ_cable_pair(c);
	j.fd = c[1];
	writ_thread_create(&t, receiver, &j, 100);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	check(!j.done, "cable/recv-waits", "recv returned %ld", j.result);
	writ_cable_send(c[0], 77, "hey", 3, NULL, 0);
	for (unsigned i = 0; i < 100000 && !j.done; i++)
		writ_yield();
	check(j.done && j.result == 3 && j.key == 77, "cable/blocked-recv-gets-message",
	      "done %d result %ld", j.done, j.result);
	j.done = false;
	writ_thread_create(&t, receiver, &j, 100);
	for (unsigned i = 0; i < 50; i++)
		writ_yield();
	writ_close(c[0]);
	for (unsigned i = 0; i < 100000 && !j.done; i++)
		writ_yield();
	check(j.done && j.result == -EPIPE, "cable/peer-close-wakes-recv", "done %d result %ld",
	      j.done, j.result);
	writ_close(c[1]);
}

/*
 * writ_cable_send_copy (SCM_RIGHTS's way): the fds sent stay open here, both copies
 * work, the record goes once both are closed (the received one closed through the
 * closer kept from an earlier close, with no closer copied in); a refused send leaves
 * the fds as they were.
 */
static void
test_copy(void)
{
	writ_word_t pipes0 = 0, pipes1 = 0;
	long rec0 = stats("pipe", &pipes0, NULL), r;
	int c[2], p[2], got[3] = { -1, -1, -1 };
	unsigned n = 3;
	uint64_t key = 0;
	char buf[8];

	if (writ_cable_pair(c) || writ_pipe(p)) {
		check(false, "cable/send-copy-setup", "no cable or pipe");
		return;
	}
	r = writ_cable_send_copy(c[0], 3, "cp", 2, &p[1], 1);
	check(r == 2 && writ_fd_cap(p[1]), "cable/send-copy-keeps-fd", "send %ld, fd %s", r,
	      writ_fd_cap(p[1]) ? "open" : "gone");
	r = writ_cable_recv(c[1], &key, buf, sizeof(buf), got, &n);
	check(r == 2 && key == 3 && n == 1 && got[0] >= 0, "cable/send-copy-arrives",
	      "recv %ld key %lu n %u", r, key, n);
	r = writ_write(p[1], "a", 1) + writ_write(got[0], "b", 1);
	check(r == 2 && writ_read(p[0], buf, 2) == 2 && memcmp(buf, "ab", 2) == 0,
	      "cable/send-copy-both-write", "writes %ld", r);
	writ_close(got[0]);
	r = writ_write(p[1], "c", 1);
	check(r == 1 && writ_read(p[0], buf, 1) == 1, "cable/send-copy-close-received-keeps-ours",
	      "write %ld", r);
	writ_close(p[1]);
	r = writ_read(p[0], buf, 1);
	check(r == 0, "cable/send-copy-eof-after-both-closed", "read %ld (want end of file)", r);
	writ_close(p[0]);
	check(stats("pipe", &pipes1, NULL) == rec0 && pipes1 == pipes0,
	      "cable/send-copy-no-record-left", "records %ld -> %ld, pipes %lu -> %lu", rec0,
	      stats("pipe", NULL, NULL), pipes0, pipes1);
	/* Refused: a cable end (EINVAL), a peer gone (EPIPE); ours stay as they were. */
	r = writ_cable_send_copy(c[0], 0, NULL, 0, &c[1], 1);
	check(r == -EINVAL && writ_cable_send(c[1], 5, "up", 2, NULL, 0) == 2 &&
	      writ_cable_recv(c[0], &key, buf, sizeof(buf), NULL, NULL) == 2 && key == 5,
	      "cable/send-copy-cable-end-refused-keeps-it", "send %ld", r);
	if (writ_pipe(p) == 0) {
		writ_close(c[1]);
		r = writ_cable_send_copy(c[0], 0, "x", 1, &p[1], 1);
		check(r == -EPIPE && writ_write(p[1], "d", 1) == 1 && writ_read(p[0], buf, 1) == 1,
		      "cable/send-copy-refused-keeps-fd", "send %ld", r);
		writ_close(p[0]);
		writ_close(p[1]);
	}
	writ_close(c[0]);
}

int
main(void)
{
	if (!writ_scheme_cap("cable") || !writ_scheme_cap("pipe")) {
		check(false, "cable/scheme", "no cable: or pipe: capability");
		return 1;
	}
	test_order();
	test_fds();
	test_unread();
	test_recv_no_room();
	test_blocking();
	test_two_proc();
	test_fd_rounds();
	test_copy();
	return test_done("cable");
}
