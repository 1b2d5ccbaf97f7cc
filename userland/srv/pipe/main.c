/*
 * pipe: blocking pipes (see <writ/fd.h>, writ_pipe, and scheme.h for the protocol).
 *
 * A pipe is a 64 KiB ring and the records of its two ends: PAIR on the root policy
 * makes one with a read-end and a write-end record; DUP makes another record of the
 * same end. The counts of live end records are what EOF and EPIPE look at, so an end
 * is closed when its last record goes, whether by CLOSE or by the sweep after its last
 * holder died.
 *
 * Waiting. A read of an empty pipe and a write that does not fit wait on the pipe's
 * queues (srv_wait); every change that could let them on (bytes in, bytes out, an end
 * gone, a group done) wakes them and each checks again. A waiting worker keeps the
 * pipe alive (`waiting`), so a sweep that frees every end meanwhile cannot free it
 * under the worker; the last one out frees it.
 *
 * Whole writes. A group (scheme.h) reserves its total when its first part is taken;
 * until its last part comes, other writers wait. If the group's record goes first, the
 * reservation goes with it.
 */
#include <srv/srv.h>
#include <writ/mem.h>

#include <errno.h>

#define PIPE_SIZE (64 * 1024)
#define S_IFIFO 0010000

struct pipe {
	uint8_t *ring;
	size_t head, len;               /* the bytes not yet read: ring[head..head+len) mod size */
	unsigned readers, writers;      /* live end records */
	unsigned waiting;               /* workers waiting on it */
	struct srv_waitq rq, wq;        /* readers waiting for bytes, writers for room */
	uint64_t token;                 /* the open group's, 0 when none */
	uint64_t next_token;
	size_t resv;                    /* bytes the open group still has to send */
	uint32_t resv_index;            /* the record that opened it */
	uint64_t id;
};

struct pipe_end {
	struct pipe *p;
	bool write;
	bool nonblock;
};

static struct srv server;
static uint64_t pipes_made, pipes_live;

static size_t
room(const struct pipe *p)
{
	return PIPE_SIZE - p->len - p->resv;
}

static void
pipe_put(struct pipe *p, const uint8_t *src, size_t n)
{
	size_t tail = (p->head + p->len) % PIPE_SIZE, first = PIPE_SIZE - tail;

	if (first > n)
		first = n;
	memcpy(p->ring + tail, src, first);
	if (n > first)		/* round the end of the ring */
		memcpy(p->ring, src + first, n - first);
	p->len += n;
}

static size_t
pipe_get(struct pipe *p, uint8_t *dst, size_t n)
{
	size_t first;

	if (n > p->len)
		n = p->len;
	first = PIPE_SIZE - p->head < n ? PIPE_SIZE - p->head : n;
	memcpy(dst, p->ring + p->head, first);
	if (n > first)
		memcpy(dst + first, p->ring, n - first);
	p->head = (p->head + n) % PIPE_SIZE;
	p->len -= n;
	if (p->len == 0)
		p->head = 0;
	return n;
}

static void
pipe_maybe_free(struct pipe *p)
{
	if (p->readers || p->writers || p->waiting)
		return;
	free(p->ring);
	free(p);
	pipes_live--;
}

/* Wait on q for p; false when the request's record went meanwhile (its client died)
 * or no worker would be left to receive. */
static bool
pipe_wait(struct srv_req *req, struct pipe *p, struct srv_waitq *q, long *fail)
{
	int r;

	p->waiting++;
	r = srv_wait(&server, q);
	p->waiting--;
	if (r != 0) {
		*fail = -EAGAIN;
		return false;
	}
	if (!srv_req_alive(req)) {
		*fail = -EBADF;
		pipe_maybe_free(p);
		return false;
	}
	return true;
}

static void
do_read(struct srv_req *req, struct pipe_end *e)
{
	static uint8_t buf[SCHEME_INLINE];
	struct pipe *p = e->p;
	size_t want = req->m.mr[0];
	bool nowait = e->nonblock || (req->m.mr[1] & SCHEME_READ_NOWAIT);
	long fail;
	size_t n;

	if (e->write) {
		srv_result(req, -EBADF);
		return;
	}
	if (want > SCHEME_INLINE)
		want = SCHEME_INLINE;
	if (want == 0) {
		srv_result(req, 0);
		return;
	}
	while (p->len == 0) {
		if (p->writers == 0 && p->resv == 0) {
			srv_result(req, 0);		/* end of file */
			return;
		}
		if (nowait) {
			srv_result(req, -EAGAIN);
			return;
		}
		if (!pipe_wait(req, p, &p->rq, &fail)) {
			srv_result(req, fail);
			return;
		}
	}
	n = pipe_get(p, buf, want);
	if ((req->m.mr[1] & SCHEME_READ_REGS) && n <= SCHEME_REGS_BYTES) {
		memcpy(&req->m.mr[1], buf, n);	/* the fast path's length (scheme.h) */
		req->reply_len = WRIT_MSG_REGS;
	} else {
		srv_put_bytes(req, 0, buf, n);
	}
	srv_result(req, (long)n);
	srv_wake(&p->wq);
}

/* The group argument of a WRITE, checked: a part of an open group must be the next
 * part of the group this record opened, and fit in what it reserved. */
static long
write_checks(struct srv_req *req, struct pipe *p, size_t k)
{
	writ_word_t g = req->m.mr[1];

	if (g & SCHEME_WRITE_MORE) {
		if (!p->token || (g & SCHEME_WRITE_ARG_MASK) != p->token ||
		    p->resv_index != req->index || k > p->resv)
			return -EINVAL;
	} else if (g & SCHEME_WRITE_FIRST) {
		size_t total = g & SCHEME_WRITE_ARG_MASK;

		if (total < k || total > SCHEME_PIPE_BUF)
			return -EINVAL;
	}
	return 0;
}

static void
do_write(struct srv_req *req, struct pipe_end *e)
{
	uint8_t buf[SCHEME_INLINE];
	struct pipe *p = e->p;
	size_t k = req->m.mr[0];
	writ_word_t g = req->m.mr[1];
	size_t need;
	long fail;

	if (!e->write) {
		srv_result(req, -EBADF);
		return;
	}
	/* The bytes leave the IPC buffer before any wait: starting a worker meanwhile
	 * makes calls that overwrite it. */
	if (req->op == SCHEME_OP_WRITE_REGS) {
		/* At most 16 bytes in registers 1 and 2, a whole write of its own. */
		if (k > 16) {
			srv_result(req, -EINVAL);
			return;
		}
		memcpy(buf, &req->m.mr[1], k);
		g = 0;
	} else if (k > SCHEME_INLINE || srv_get_bytes(req, 0, buf, k) < 0 ||
		   (fail = write_checks(req, p, k)) < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	if (g & SCHEME_WRITE_MORE) {
		/* Its room is reserved: no wait. */
		if (p->readers == 0) {
			p->token = 0;
			p->resv = 0;
			srv_wake(&p->wq);
			srv_result(req, -EPIPE);
			return;
		}
		pipe_put(p, buf, k);
		p->resv -= k;
		if (p->resv == 0) {
			p->token = 0;
			srv_wake(&p->wq);
		}
		srv_wake(&p->rq);
		srv_result(req, (long)k);
		return;
	}
	need = g & SCHEME_WRITE_FIRST ? g & SCHEME_WRITE_ARG_MASK : k;
	for (;;) {
		if (p->readers == 0) {
			srv_result(req, -EPIPE);
			return;
		}
		if (!p->token && room(p) >= need)
			break;
		/* A part of a long write takes what fits when it must not wait. */
		if (e->nonblock && (g & SCHEME_WRITE_PARTIAL) && !p->token && room(p) > 0) {
			k = room(p);
			break;
		}
		if (e->nonblock) {
			srv_result(req, -EAGAIN);
			return;
		}
		if (!pipe_wait(req, p, &p->wq, &fail)) {
			srv_result(req, fail);
			return;
		}
	}
	pipe_put(p, buf, k);
	if (need > k) {
		p->token = ++p->next_token & SCHEME_WRITE_ARG_MASK;
		if (!p->token)
			p->token = p->next_token = 1;
		p->resv = need - k;
		p->resv_index = req->index;
		req->m.mr[1] = p->token;
		req->reply_len = 2;
	}
	srv_wake(&p->rq);
	srv_result(req, (long)k);
}

/* A new record of one end of p; derived from record `from` (a weakened fd) or not (0). */
static int
end_record_from(struct pipe *p, bool write, bool nonblock, int from)
{
	struct pipe_end *e = malloc(sizeof(*e));
	int i;

	if (!e)
		return -1;
	*e = (struct pipe_end){ .p = p, .write = write, .nonblock = nonblock };
	i = from ? srv_record_derive(&server, from, SCHEME_KIND_FILE, e) :
		   srv_record_new(&server, SCHEME_KIND_FILE, e);
	if (i < 0) {
		free(e);
		return -1;
	}
	if (write)
		p->writers++;
	else
		p->readers++;
	return i;
}

static int
end_record(struct pipe *p, bool write, bool nonblock)
{
	return end_record_from(p, write, nonblock, 0);
}

/*
 * WEAKEN (access mode) on an end: a new fd of the same end derived from this one, so
 * that REVOKE here takes it back (with whatever was weakened from it in turn). An end
 * has one direction: asking for the other, or both, is EPERM.
 */
static void
do_weaken(struct srv *s, struct srv_req *req, struct pipe_end *e)
{
	writ_word_t acc = req->m.mr[0];
	int i;

	if (acc > 2)
		return srv_result(req, -EINVAL);
	if (acc != (e->write ? 1u : 0u))
		return srv_result(req, -EPERM);
	if ((i = end_record_from(e->p, e->write, e->nonblock, (int)req->index)) < 0)
		return srv_result(req, -ENFILE);
	srv_reply_record(req, s, i);
	srv_result(req, 0);
}

static void
do_pair(struct srv_req *req)
{
	struct pipe *p = calloc(1, sizeof(*p));
	bool nonblock = (req->m.mr[0] & SCHEME_O_NONBLOCK) != 0;
	int r, w;

	if (p && !(p->ring = malloc(PIPE_SIZE))) {
		free(p);
		p = NULL;
	}
	if (!p) {
		srv_result(req, -ENOMEM);
		return;
	}
	pipes_live++;
	p->id = ++pipes_made;
	if ((r = end_record(p, false, nonblock)) < 0) {
		pipe_maybe_free(p);
		srv_result(req, -ENFILE);
		return;
	}
	if ((w = end_record(p, true, nonblock)) < 0) {
		srv_record_free(&server, r);	/* frees p with it */
		srv_result(req, -ENFILE);
		return;
	}
	srv_reply_record(req, &server, r);
	srv_reply_record(req, &server, w);
	srv_result(req, 0);
}

static void
do_stat(struct srv_req *req, uint64_t ino, uint64_t size)
{
	struct scheme_stat st = { .ino = ino, .mode = S_IFIFO | 0600, .nlink = 1,
				  .blksize = SCHEME_PIPE_BUF, .size = size };

	srv_put_bytes(req, 0, &st, sizeof(st));
	srv_result(req, sizeof(st));
}

static void
policy_request(struct srv *s, struct srv_req *req)
{
	switch (req->op) {
	case SCHEME_OP_PAIR:
		do_pair(req);
		return;
	case SCHEME_OP_STATS:
		/* Records live (the root policy and the closer included), pipes live. */
		srv_sweep(s);
		req->m.mr[1] = pipes_live;
		req->reply_len = 2;
		srv_result(req, (long)s->live);
		return;
	case SCHEME_OP_OPEN:
		srv_result(req, -ENOENT);	/* pipes are made by PAIR */
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
pipe_request(struct srv *s, struct srv_req *req)
{
	struct pipe_end *e = req->rec->obj;
	int i;

	if (req->rec->kind == SCHEME_KIND_POLICY) {
		policy_request(s, req);
		return;
	}
	switch (req->op) {
	case SCHEME_OP_READ:
		do_read(req, e);
		return;
	case SCHEME_OP_WRITE:
	case SCHEME_OP_WRITE_REGS:
		do_write(req, e);
		return;
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
	case SCHEME_OP_SEEK:
		srv_result(req, -ESPIPE);
		return;
	case SCHEME_OP_FSTAT:
		do_stat(req, e->p->id, e->p->len);
		return;
	case SCHEME_OP_FSYNC:
		srv_result(req, -EINVAL);
		return;
	case SCHEME_OP_FPATH: {
		char path[32];
		int n = writ_snprintf(path, sizeof(path), "pipe:[%lu]", e->p->id);

		srv_put_bytes(req, 0, path, (size_t)n);
		srv_result(req, n);
		return;
	}
	case SCHEME_OP_DUP:
		/* Beside the fd it copies: a revoke that reaches that one reaches it. */
		if ((i = end_record_from(e->p, e->write, e->nonblock, (int)req->rec->from)) < 0) {
			srv_result(req, -ENFILE);
			return;
		}
		srv_reply_record(req, s, i);
		srv_result(req, 0);
		return;
	case SCHEME_OP_GETDENTS:
		srv_result(req, -ENOTDIR);
		return;
	case SCHEME_OP_SETFL:
		/* Linux's fcntl(F_SETFL, O_NONBLOCK): this end only, not its dups. */
		e->nonblock = (req->m.mr[0] & SCHEME_O_NONBLOCK) != 0;
		srv_result(req, 0);
		return;
	case SCHEME_OP_WEAKEN:
		do_weaken(s, req, e);
		return;
	case SCHEME_OP_REVOKE:
		/* This fd and every fd weakened from it, in every process. */
		srv_result(req, srv_revoke_tree(s, (int)req->index));
		return;
	default:
		srv_result(req, -EINVAL);
		return;
	}
}

/* An end record is gone: the pipe learns it, and whoever waits on it looks again. */
static void
pipe_release(struct srv *s, struct srv_record *rec)
{
	struct pipe_end *e = rec->obj;
	struct pipe *p;

	(void)s;
	if (rec->kind != SCHEME_KIND_FILE || !e)
		return;
	p = e->p;
	if (e->write)
		p->writers--;
	else
		p->readers--;
	if (p->token && p->resv_index == (uint32_t)(rec - s->rec)) {
		p->token = 0;		/* its group will not be finished */
		p->resv = 0;
	}
	free(e);
	srv_wake(&p->rq);
	srv_wake(&p->wq);
	pipe_maybe_free(p);
}

static const struct srv_ops pipe_ops = { .request = pipe_request, .release = pipe_release };

int
main(void)
{
	if (srv_init(&server, "pipe", &pipe_ops) != 0) {
		writ_printf("pipe: no endpoint to serve\n");
		return 1;
	}
	if (srv_root_policy(&server) != 1) {
		writ_printf("pipe: cannot make the root policy\n");
		return 1;
	}
	srv_run(&server);
}
