/*
 * cable: connected pairs that carry messages of data, a key and fds (see <writ/fd.h>,
 * writ_cable_pair, and scheme.h for the protocol).
 *
 * A cable has two sides; each side's records are its end's fds (PAIR makes one each,
 * DUP more). A message sent on one side waits in the other side's queue until RECV
 * there takes it. The fds it carries are capabilities the server keeps in its own
 * CSpace meanwhile (moved out of the worker's receive slots) and hands back in RECV's
 * reply; they are closed (srv_close_cap) if the message is never read: when the
 * receiving side's last record goes, its queue goes with them.
 *
 * Limits: SCHEME_INLINE bytes and SCHEME_CABLE_FDS fds a message; CABLE_QUEUE
 * messages waiting on a side (a sender then waits, or gets EAGAIN with O_NONBLOCK).
 * A cable end itself cannot travel over a cable (EINVAL): a cable holding its own end
 * would never die, and this server would leak it.
 */
#include <srv/srv.h>
#include <writ/mem.h>

#include <errno.h>

#define CABLE_QUEUE 64
#define FULL 64

struct msg {
	struct msg *next;
	uint64_t key;
	size_t len;
	unsigned nfds;
	writ_cptr_t fds[SCHEME_CABLE_FDS];
	uint8_t data[];
};

struct side {
	struct msg *head, *tail;        /* messages waiting to be received on this side */
	unsigned queued;
	unsigned ends;                  /* live records of this side */
	struct srv_waitq rq, wq;        /* receivers waiting for a message, senders for room */
};

struct cable {
	struct side side[2];
	unsigned waiting;
	uint64_t id;
};

/* What an end record may do: an fd weakened with WEAKEN (O_RDONLY: receive only,
 * O_WRONLY: send only) keeps the rest. */
#define END_RECV 1u
#define END_SEND 2u

struct cable_end {
	struct cable *c;
	unsigned side;
	bool nonblock;
	unsigned acc;                   /* END_RECV | END_SEND */
};

static struct srv server;
static uint64_t cables_made, cables_live, fds_held;

/* Messages of at most MSG_SMALL bytes (an fd and a few words) live in blocks of that
 * size, up to MSG_KEEP of which are kept when free: a message sent and received at
 * once then costs no malloc and free. */
#define MSG_SMALL 64
#define MSG_KEEP 16
static struct msg *kept[MSG_KEEP];
static unsigned n_kept;

static struct msg *
msg_alloc(size_t len)
{
	if (len <= MSG_SMALL && n_kept)
		return kept[--n_kept];
	return malloc(sizeof(struct msg) + (len <= MSG_SMALL ? MSG_SMALL : len));
}

/* m->len says its block's size: MSG_SMALL bytes or fewer, a small one. */
static void
msg_release(struct msg *m)
{
	if (m->len <= MSG_SMALL && n_kept < MSG_KEEP)
		kept[n_kept++] = m;
	else
		free(m);
}

static void
msg_free(struct msg *m)
{
	for (unsigned k = 0; k < m->nfds; k++) {
		srv_close_cap(&server, m->fds[k]);	/* its server learns at once */
		fds_held--;
	}
	msg_release(m);
}

static void
side_drop_queue(struct side *sd)
{
	while (sd->head) {
		struct msg *m = sd->head;

		sd->head = m->next;
		msg_free(m);
	}
	sd->tail = NULL;
	sd->queued = 0;
}

static void
cable_maybe_free(struct cable *c)
{
	if (c->side[0].ends || c->side[1].ends || c->waiting)
		return;
	side_drop_queue(&c->side[0]);
	side_drop_queue(&c->side[1]);
	free(c);
	cables_live--;
}

static bool
cable_wait(struct srv_req *req, struct cable *c, struct srv_waitq *q, long *fail)
{
	int r;

	c->waiting++;
	r = srv_wait(&server, q);
	c->waiting--;
	if (r != 0) {
		*fail = -EAGAIN;
		return false;
	}
	if (!srv_req_alive(req)) {
		*fail = -EBADF;
		cable_maybe_free(c);
		return false;
	}
	return true;
}

/* The capabilities that came with a SEND, in order, kept where they landed
 * (srv_take_cap) or moved into slots of the server's own; false (none kept) if one was
 * unwrapped (a cable end) or cannot be kept. */
static bool
take_fds(struct srv_req *req, struct msg *m)
{
	unsigned ncaps = writ_msginfo_caps(req->m.info);
	unsigned unwrapped = (unsigned)(req->m.info >> WRIT_MSGINFO_UNWRAP_SHIFT) &
			     WRIT_MSGINFO_UNWRAP_MASK;
	writ_cptr_t got[SCHEME_CABLE_FDS];

	if (unwrapped || ncaps != req->n_got)
		return false;
	for (unsigned k = 0; k < req->n_got; k++) {
		writ_cptr_t slot = got[k] = req->got_cap[k];

		if (srv_take_cap(&server, req, k)) {
			m->fds[k] = slot;
			continue;
		}
		if (!(slot = writ_slot_alloc()) ||
		    writ_cnode_move(WRIT_PSLOT_CNODE, slot, FULL, WRIT_PSLOT_CNODE,
				    req->got_cap[k], FULL) != WRIT_OK) {
			writ_slot_free(slot);
			/* Give back the ones kept: srv deletes what is left after the reply. */
			for (unsigned j = 0; j < k; j++) {
				if (m->fds[j] != got[j]) {
					writ_cnode_move(WRIT_PSLOT_CNODE, got[j], FULL,
							WRIT_PSLOT_CNODE, m->fds[j], FULL);
					writ_slot_free(m->fds[j]);
				}
				req->got_cap[j] = got[j];
			}
			return false;
		}
		m->fds[k] = slot;
		req->got_cap[k] = 0;		/* kept */
	}
	m->nfds = req->n_got;
	fds_held += m->nfds;
	return true;
}

static void
do_send(struct srv_req *req, struct cable_end *e)
{
	struct cable *c = e->c;
	struct side *to = &c->side[e->side ^ 1];
	size_t len = req->m.mr[0];
	uint8_t data[SCHEME_INLINE];
	struct msg *m;
	long fail;

	/* The bytes leave the IPC buffer before any wait: starting a worker meanwhile
	 * makes calls that overwrite it. */
	if (len > SCHEME_INLINE || writ_msginfo_caps(req->m.info) > SCHEME_CABLE_FDS ||
	    srv_get_bytes(req, 0, data, len) < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	for (;;) {
		if (to->ends == 0) {
			srv_result(req, -EPIPE);
			return;
		}
		if (to->queued < CABLE_QUEUE)
			break;
		if (e->nonblock || (req->m.mr[2] & SCHEME_O_NONBLOCK)) {
			srv_result(req, -EAGAIN);
			return;
		}
		if (!cable_wait(req, c, &to->wq, &fail)) {
			srv_result(req, fail);
			return;
		}
	}
	if (!(m = msg_alloc(len))) {
		srv_result(req, -ENOMEM);
		return;
	}
	m->next = NULL;
	m->key = req->m.mr[1];
	m->len = len;
	m->nfds = 0;
	memcpy(m->data, data, len);
	if (!take_fds(req, m)) {
		msg_release(m);
		srv_result(req, -EINVAL);
		return;
	}
	if (to->tail)
		to->tail->next = m;
	else
		to->head = m;
	to->tail = m;
	to->queued++;
	srv_wake(&to->rq);
	req->m.mr[1] = m->nfds;		/* taken: the client's moved slots stay empty */
	req->reply_len = 2;
	srv_result(req, (long)len);
}

/* A SEND refused: the capabilities that came with it go back by move, into the
 * client's receive slot (libwrit names the fd's own slot, so the fd stays as it was).
 * The delete after the reply closes any the client had no room for. */
static void
give_back(struct srv_req *req)
{
	for (unsigned k = 0; k < req->n_got; k++)
		if (req->got_cap[k])
			srv_reply_cap_move(req, req->got_cap[k]);
}

static void
do_recv(struct srv_req *req, struct cable_end *e)
{
	struct cable *c = e->c;
	struct side *me = &c->side[e->side];
	size_t room = req->m.mr[0] < SCHEME_INLINE ? req->m.mr[0] : SCHEME_INLINE;
	struct msg *m;
	long fail;

	while (!me->head) {
		if (c->side[e->side ^ 1].ends == 0) {
			srv_result(req, -EPIPE);
			return;
		}
		if (e->nonblock || (req->m.mr[1] & SCHEME_O_NONBLOCK)) {
			srv_result(req, -EAGAIN);
			return;
		}
		if (!cable_wait(req, c, &me->rq, &fail)) {
			srv_result(req, fail);
			return;
		}
	}
	m = me->head;
	if (!(me->head = m->next))
		me->tail = NULL;
	me->queued--;
	srv_put_bytes(req, 0, m->data, m->len < room ? m->len : room);
	for (unsigned k = 0; k < m->nfds; k++) {
		srv_reply_cap_move(req, m->fds[k]);
		/* Emptied by the move, unless the client had no slot for it: the delete
		 * after the reply then closes it. */
		req->drop[req->n_drop++] = m->fds[k];
	}
	fds_held -= m->nfds;
	req->m.mr[1] = m->key;
	req->m.mr[2] = m->nfds;
	if (req->reply_len < 3)
		req->reply_len = 3;
	srv_result(req, (long)m->len);
	msg_release(m);
	srv_wake(&me->wq);
}

/* A new record of one side of c, allowed acc; derived from record `from` (a weakened
 * fd, which REVOKE there takes back) or not (0). */
static int
end_record_from(struct cable *c, unsigned side, bool nonblock, unsigned acc, int from)
{
	struct cable_end *e = malloc(sizeof(*e));
	int i;

	if (!e)
		return -1;
	*e = (struct cable_end){ .c = c, .side = side, .nonblock = nonblock, .acc = acc };
	i = from ? srv_record_derive(&server, from, SCHEME_KIND_FILE, e) :
		   srv_record_new(&server, SCHEME_KIND_FILE, e);
	if (i < 0) {
		free(e);
		return -1;
	}
	c->side[side].ends++;
	return i;
}

static int
end_record(struct cable *c, unsigned side, bool nonblock)
{
	return end_record_from(c, side, nonblock, END_RECV | END_SEND, 0);
}

/* WEAKEN (access mode): a new fd of the same side that may do less (O_RDONLY:
 * receive, O_WRONLY: send, O_RDWR: both), derived from this one; more: EPERM. */
static void
do_weaken(struct srv *s, struct srv_req *req, struct cable_end *e)
{
	static const unsigned want_of[3] = { END_RECV, END_SEND, END_RECV | END_SEND };
	writ_word_t acc = req->m.mr[0];
	int i;

	if (acc > 2)
		return srv_result(req, -EINVAL);
	if (want_of[acc] & ~e->acc)
		return srv_result(req, -EPERM);
	if ((i = end_record_from(e->c, e->side, e->nonblock, want_of[acc], (int)req->index)) < 0)
		return srv_result(req, -ENFILE);
	srv_reply_record(req, s, i);
	srv_result(req, 0);
}

static void
do_pair(struct srv_req *req)
{
	struct cable *c = calloc(1, sizeof(*c));
	bool nonblock = (req->m.mr[0] & SCHEME_O_NONBLOCK) != 0;
	int a, b;

	if (!c) {
		srv_result(req, -ENOMEM);
		return;
	}
	cables_live++;
	c->id = ++cables_made;
	if ((a = end_record(c, 0, nonblock)) < 0) {
		cable_maybe_free(c);
		srv_result(req, -ENFILE);
		return;
	}
	if ((b = end_record(c, 1, nonblock)) < 0) {
		srv_record_free(&server, a);
		srv_result(req, -ENFILE);
		return;
	}
	srv_reply_record(req, &server, a);
	srv_reply_record(req, &server, b);
	srv_result(req, 0);
}

static void
cable_request(struct srv *s, struct srv_req *req)
{
	struct cable_end *e = req->rec->obj;
	int i;

	if (req->rec->kind == SCHEME_KIND_POLICY) {
		switch (req->op) {
		case SCHEME_OP_PAIR:
			do_pair(req);
			return;
		case SCHEME_OP_STATS:
			/* Records live, cables live, fds held for unread messages. */
			srv_sweep(s);
			req->m.mr[1] = cables_live;
			req->m.mr[2] = fds_held;
			req->reply_len = 3;
			srv_result(req, (long)s->live);
			return;
		case SCHEME_OP_OPEN:
			srv_result(req, -ENOENT);
			return;
		default:
			srv_result(req, -ENOSYS);
			return;
		}
	}
	switch (req->op) {
	case SCHEME_OP_SEND:
		if (!(e->acc & END_SEND))
			return srv_result(req, -EBADF);
		do_send(req, e);
		if ((long)req->m.mr[0] < 0)
			give_back(req);
		return;
	case SCHEME_OP_RECV:
		if (!(e->acc & END_RECV))
			return srv_result(req, -EBADF);
		do_recv(req, e);
		return;
	case SCHEME_OP_WEAKEN:
		do_weaken(s, req, e);
		return;
	case SCHEME_OP_REVOKE:
		/* This fd and every fd weakened from it, in every process. */
		srv_result(req, srv_revoke_tree(s, (int)req->index));
		return;
	case SCHEME_OP_DUP:
		/* Beside the fd it copies, with its access: a revoke that reaches that
		 * one reaches it. */
		if ((i = end_record_from(e->c, e->side, e->nonblock, e->acc,
					 (int)req->rec->from)) < 0) {
			srv_result(req, -ENFILE);
			return;
		}
		srv_reply_record(req, s, i);
		srv_result(req, 0);
		return;
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
	case SCHEME_OP_SEEK:
		srv_result(req, -ESPIPE);
		return;
	case SCHEME_OP_FPATH:
		/* What an end is, for the Linux personality: a socket it did not make. */
		srv_put_bytes(req, 0, "cable:", 6);
		srv_result(req, 6);
		return;
	case SCHEME_OP_SETFL:
		/* Linux's fcntl(F_SETFL, O_NONBLOCK) on a socket: this end record only. */
		e->nonblock = (req->m.mr[0] & SCHEME_O_NONBLOCK) != 0;
		srv_result(req, 0);
		return;
	default:
		srv_result(req, -EINVAL);	/* READ and WRITE too: messages, not bytes */
		return;
	}
}

/* An end record is gone: when it was its side's last, that side's unread messages
 * (and their fds) go, and the other side's waiters learn that the peer is gone. */
static void
cable_release(struct srv *s, struct srv_record *rec)
{
	struct cable_end *e = rec->obj;
	struct cable *c;
	struct side *sd;

	(void)s;
	if (rec->kind != SCHEME_KIND_FILE || !e)
		return;
	c = e->c;
	sd = &c->side[e->side];
	if (--sd->ends == 0)
		side_drop_queue(sd);
	free(e);
	for (unsigned k = 0; k < 2; k++) {
		srv_wake(&c->side[k].rq);
		srv_wake(&c->side[k].wq);
	}
	cable_maybe_free(c);
}

static const struct srv_ops cable_ops = { .request = cable_request, .release = cable_release };

int
main(void)
{
	if (srv_init(&server, "cable", &cable_ops) != 0) {
		writ_printf("cable: no endpoint to serve\n");
		return 1;
	}
	if (srv_root_policy(&server) != 1) {
		writ_printf("cable: cannot make the root policy\n");
		return 1;
	}
	srv_run(&server);
}
