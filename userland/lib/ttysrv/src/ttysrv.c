/*
 * The console: scheme over a struct tty (see ttysrv.h). A read waits until the line
 * discipline has an answer; a write goes whole through output processing once the
 * device has room for its worst case (ONLCR doubles newlines), so lines from
 * different writers never mix; fsync waits until the device drained.
 *
 * VTIME: a device without a clock (dev->now NULL) has no timer to come back at either,
 * so a timed raw read answers as soon as it would otherwise wait for its timer: what
 * is there, possibly nothing. With VTIME 0 (what line editors and shells use) nothing
 * differs from Linux.
 */
#include <ttysrv/ttysrv.h>

#include <errno.h>
#include <writ/proc.h>
#include <writ/time.h>

#define S_IFCHR 0020000

static struct ttysrv *the;      /* emit's context: one terminal per driver process */

/*
 * Keystroke to echo (`./writ bench`: console/serial-key-to-echo, console/screen-key-to-echo): with WRIT_ECHO_BENCH in
 * the driver's environment, the TSC from a byte's arrival to the end of the first
 * output after it, whoever made that output (the line discipline's echo, or a program
 * in raw mode such as the shell's line editor), one line per key. Under -icount the TSC
 * counts instructions. Off, it costs one test per byte. WRIT_ECHO_BENCH=self puts the
 * line out on the terminal itself (the serial driver, whose own prints go nowhere);
 * any other value prints it as the driver's other lines.
 */
static bool echo_bench, echo_self;
static uint64_t echo_from;

static void
echo_report(struct ttysrv *ts, uint64_t took)
{
	char line[64];
	size_t n;

	if (!echo_self) {
		writ_printf("%s key-to-echo %lu\n", ts->path, (unsigned long)took);
		return;
	}
	n = (size_t)writ_snprintf(line, sizeof(line), "\r\n%s key-to-echo %lu\r\n", ts->path,
				  (unsigned long)took);
	if (n < sizeof(line) && ts->dev->room(ts->ctx) >= n)
		ts->dev->put(ts->ctx, (const uint8_t *)line, n);
}

static void
emit(void *ctx, const uint8_t *p, size_t n)
{
	struct ttysrv *ts = ctx;
	size_t room = ts->dev->room(ts->ctx);

	ts->dev->put(ts->ctx, p, n < room ? n : room);
	if (echo_from && n > 0) {
		uint64_t took = writ_rdtsc() - echo_from;

		echo_from = 0;
		echo_report(ts, took);
	}
}

static uint64_t
now_of(struct ttysrv *ts)
{
	return ts->dev->now ? ts->dev->now(ts->ctx) : 0;
}

void
ttysrv_input(struct ttysrv *ts, uint8_t c)
{
	unsigned ev;

	if (echo_bench && !echo_from)
		echo_from = writ_rdtsc();
	ev = tty_input(&ts->tty, c, now_of(ts));

	if (ev & TTY_IN_READABLE)
		srv_wake(&ts->readers);
	if ((ev & (TTY_EV_INT | TTY_EV_QUIT | TTY_EV_SUSP)) && ts->eventers.n) {
		ts->ev_bits = tty_take_events(&ts->tty);
		ts->ev_pgrp = ts->tty.pgrp;
		ts->ev_gen++;
		srv_wake(&ts->eventers);
	}
}

void
ttysrv_output_moved(struct ttysrv *ts)
{
	srv_wake(&ts->writers);
	if (ts->dev->drained(ts->ctx))
		srv_wake(&ts->drainers);
}

static void
term_stat(struct srv_req *req, uint64_t ino)
{
	struct scheme_stat st = { .ino = ino, .mode = S_IFCHR | 0620, .nlink = 1,
				  .blksize = 4096, .rdev = 0x0440 };

	srv_put_bytes(req, 0, &st, sizeof(st));
	srv_result(req, sizeof(st));
}

static void
new_file(struct ttysrv *ts, struct srv_req *req)
{
	int i = srv_record_new(&ts->s, SCHEME_KIND_FILE, NULL);

	if (i < 0) {
		srv_result(req, -ENFILE);
		return;
	}
	srv_reply_record(req, &ts->s, i);
	srv_result(req, 0);
}

static void
policy_request(struct ttysrv *ts, struct srv_req *req)
{
	char path[8];
	size_t plen = req->m.mr[2];

	switch (req->op) {
	case SCHEME_OP_OPEN:
		if (plen >= sizeof(path) || srv_get_bytes(req, 0, path, plen) < 0 ||
		    (plen && !(plen == 1 && path[0] == '/'))) {
			srv_result(req, -ENOENT);
			return;
		}
		new_file(ts, req);
		return;
	case SCHEME_OP_STAT:
		term_stat(req, 1);
		return;
	case SCHEME_OP_STATS:
		srv_sweep(&ts->s);
		srv_result(req, (long)ts->s.live);
		return;
	case SCHEME_OP_READ:
	case SCHEME_OP_WRITE:
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
		srv_result(req, -EBADF);        /* a policy is no open file */
		return;
	case SCHEME_OP_TTY_GETATTR:
	case SCHEME_OP_TTY_SETATTR:
	case SCHEME_OP_TTY_GETWINSZ:
	case SCHEME_OP_TTY_SETWINSZ:
	case SCHEME_OP_TTY_GETPGRP:
	case SCHEME_OP_TTY_SETPGRP:
	case SCHEME_OP_TTY_EVENTS:
		srv_result(req, -ENOTTY);
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
term_read(struct ttysrv *ts, struct srv_req *req)
{
	uint8_t buf[SCHEME_INLINE];
	writ_word_t len = req->m.mr[0];
	bool nowait = req->m.mr[1] & SCHEME_READ_NOWAIT;
	uint64_t start = now_of(ts), due;
	long n;

	if (len > SCHEME_INLINE) {
		srv_result(req, -EINVAL);
		return;
	}
	for (;;) {
		/* Without a clock a timer is due at once (see the top of this file). */
		n = tty_read(&ts->tty, buf, len, start, ts->dev->now ? now_of(ts) : ~0ull,
			     &due);
		if (n != TTY_READ_WAIT)
			break;
		if (nowait) {
			srv_result(req, -EAGAIN);
			return;
		}
		if (srv_wait(&ts->s, &ts->readers) < 0) {
			srv_result(req, -EAGAIN);       /* every worker waits: see srv.h */
			return;
		}
	}
	srv_put_bytes(req, 0, buf, (size_t)n);
	srv_result(req, n);
}

static void
term_write(struct ttysrv *ts, struct srv_req *req)
{
	uint8_t buf[SCHEME_INLINE];     /* on this worker's stack: it may wait below */
	writ_word_t len = req->m.mr[0];

	if (len == 0) {
		srv_result(req, 0);
		return;
	}
	if (len > SCHEME_INLINE || srv_get_bytes(req, 0, buf, len) < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	while (ts->dev->room(ts->ctx) < tty_write_max(len))
		if (srv_wait(&ts->s, &ts->writers) < 0) {
			srv_result(req, -EAGAIN);
			return;
		}
	tty_write(&ts->tty, buf, len);
	srv_result(req, (long)len);
}

static bool
drain(struct ttysrv *ts)
{
	while (!ts->dev->drained(ts->ctx))
		if (srv_wait(&ts->s, &ts->drainers) < 0)
			return false;
	return true;
}

static void
term_setattr(struct ttysrv *ts, struct srv_req *req)
{
	struct writ_termios tio;
	writ_word_t when = req->m.mr[0];

	if (when > TTY_TCSAFLUSH || srv_get_bytes(req, 0, &tio, sizeof(tio)) < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	if (when != TTY_TCSANOW && !drain(ts)) {
		srv_result(req, -EAGAIN);
		return;
	}
	tty_setattr(&ts->tty, (unsigned)when, &tio);
	/* A read waiting under the old mode may be answerable under the new one. */
	srv_wake(&ts->readers);
	srv_result(req, 0);
}

static void
term_events(struct ttysrv *ts, struct srv_req *req)
{
	bool nowait = req->m.mr[0] & SCHEME_READ_NOWAIT;
	uint64_t gen = ts->ev_gen;

	if (req->reply_len < 2)
		req->reply_len = 2;
	if (ts->tty.events || nowait) {
		/* Raised while nobody waited: the first to ask takes them. */
		req->m.mr[1] = (writ_word_t)ts->tty.pgrp;
		srv_result(req, tty_take_events(&ts->tty));
		return;
	}
	while (ts->ev_gen == gen)
		if (srv_wait(&ts->s, &ts->eventers) < 0) {
			srv_result(req, -EAGAIN);
			return;
		}
	req->m.mr[1] = (writ_word_t)ts->ev_pgrp;
	srv_result(req, ts->ev_bits);
}

static void
tty_request(struct ttysrv *ts, struct srv_req *req)
{
	struct writ_winsize ws;

	switch (req->op) {
	case SCHEME_OP_TTY_GETATTR:
		srv_put_bytes(req, 0, &ts->tty.tio, sizeof(ts->tty.tio));
		srv_result(req, sizeof(ts->tty.tio));
		return;
	case SCHEME_OP_TTY_SETATTR:
		term_setattr(ts, req);
		return;
	case SCHEME_OP_TTY_GETWINSZ:
		srv_put_bytes(req, 0, &ts->tty.ws, sizeof(ts->tty.ws));
		srv_result(req, sizeof(ts->tty.ws));
		return;
	case SCHEME_OP_TTY_SETWINSZ:
		if (srv_get_bytes(req, 0, &ws, sizeof(ws)) < 0) {
			srv_result(req, -EINVAL);
			return;
		}
		ts->tty.ws = ws;
		srv_result(req, 0);
		return;
	case SCHEME_OP_TTY_GETPGRP:
		srv_result(req, ts->tty.pgrp);
		return;
	case SCHEME_OP_TTY_SETPGRP:
		/* 0: no foreground group, as after a session ends (a new login shell
		 * must not wait for the old one's group to give the terminal back). */
		if (req->m.mr[0] > 0x7fffffff) {
			srv_result(req, -EINVAL);
			return;
		}
		ts->tty.pgrp = (int32_t)req->m.mr[0];
		srv_result(req, 0);
		return;
	case SCHEME_OP_TTY_EVENTS:
		term_events(ts, req);
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
file_request(struct ttysrv *ts, struct srv_req *req)
{
	switch (req->op) {
	case SCHEME_OP_READ:
		term_read(ts, req);
		return;
	case SCHEME_OP_WRITE:
		term_write(ts, req);
		return;
	case SCHEME_OP_FSYNC:
		srv_result(req, drain(ts) ? 0 : -EAGAIN);
		return;
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
	case SCHEME_OP_SEEK:
		srv_result(req, -ESPIPE);
		return;
	case SCHEME_OP_FSTAT:
		term_stat(req, 2);
		return;
	case SCHEME_OP_FTRUNCATE:
		srv_result(req, -EINVAL);
		return;
	case SCHEME_OP_GETDENTS:
		srv_result(req, -ENOTDIR);
		return;
	case SCHEME_OP_FPATH: {
		size_t n = strlen(ts->path);

		srv_put_bytes(req, 0, ts->path, n);
		srv_result(req, (long)n);
		return;
	}
	case SCHEME_OP_DUP:
		new_file(ts, req);
		return;
	case SCHEME_OP_CLOSE:
		req->rec->closed = true;
		srv_result(req, 0);
		return;
	default:
		tty_request(ts, req);
		return;
	}
}

static void
request(struct srv *srv, struct srv_req *req)
{
	(void)srv;
	if (req->rec->kind == SCHEME_KIND_POLICY)
		policy_request(the, req);
	else
		file_request(the, req);
}

static const struct srv_ops ops = { .request = request };

int
ttysrv_init(struct ttysrv *ts, const char *scheme, const char *path,
	    const struct ttysrv_dev *dev, void *ctx, uint16_t rows, uint16_t cols)
{
	the = ts;
	ts->dev = dev;
	ts->ctx = ctx;
	ts->path = path;
	echo_bench = writ_getenv("WRIT_ECHO_BENCH") != NULL;
	echo_self = echo_bench && strcmp(writ_getenv("WRIT_ECHO_BENCH"), "self") == 0;
	tty_init(&ts->tty, emit, ts, rows, cols);
	if (srv_init(&ts->s, scheme, &ops) != 0)
		return -1;
	if (srv_root_policy(&ts->s) != 1 ||
	    srv_pinned_record(&ts->s, SCHEME_KIND_FILE, NULL) != TTYSRV_RECORD)
		return -1;
	return 0;
}

void
ttysrv_run(struct ttysrv *ts)
{
	srv_run(&ts->s);
}
