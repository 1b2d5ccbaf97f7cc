/*
 * The scheme server loop (see srv.h).
 */
#include <srv/srv.h>
#include <writ/fd.h>
#include <writ/mem.h>

#include <errno.h>

#define FULL 64
#define ORIG_RIGHTS SCHEME_CAP_RIGHTS
#define PROBE_RIGHTS (WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT)

static struct writ_thread first_thread;

static bool record_free_probed(struct srv *s, unsigned i);

int
srv_init(struct srv *s, const char *name, const struct srv_ops *ops)
{
	const struct writ_startinfo *si = writ_startinfo();

	s->name = name;
	s->ops = ops;
	s->ep = writ_cap_named("serve");
	s->gc = writ_cap_named("gc");
	s->prio = 100;
	for (unsigned i = 0; si && i < si->n_caps; i++)
		if (si->caps[i].kind == WRIT_SCAP_SERVE)
			s->epoch = (unsigned)si->caps[i].arg;
	if (!s->max_rec)
		s->max_rec = SRV_MAX_RECORDS;
	if (!s->ep || writ_mutex_init(&s->lock) != WRIT_OK ||
	    !(s->rec = calloc(s->max_rec, sizeof(*s->rec))))
		return -1;
	{
		uint32_t lo, hi;

		/* No two servers start at the same tick, nor two lives of one. */
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		s->id = ((uint64_t)hi << 32 | lo) ^ (uint64_t)(si ? si->pid : 0) << 48;
		if (!s->id)
			s->id = 1;
	}
	return 0;
}

/*
 * Free record i's spare original, if it has one, made ready for a record of `kind`:
 * minted at its freeing under the next generation's badge (record_free_unheld), so
 * nothing old answers to it; of another kind, it is reminted once more. False when
 * there is none (or the remint failed, and the slot went): mint afresh.
 */
static bool
record_spare_take(struct srv *s, unsigned i, unsigned kind)
{
	struct srv_record *r = &s->rec[i];

	if (!r->orig)
		return false;
	if (r->spare_kind == kind)
		return true;
	if (writ_cnode_remint(WRIT_PSLOT_CNODE, r->orig, FULL, WRIT_PSLOT_CNODE, s->ep, FULL,
			      ORIG_RIGHTS, scheme_badge(i, r->gen + 1, kind, s->epoch)) == WRIT_OK) {
		r->gen++;
		r->spare_kind = (uint8_t)kind;
		return true;
	}
	writ_cnode_delete(WRIT_PSLOT_CNODE, r->orig, FULL);
	writ_slot_free(r->orig);
	r->orig = 0;
	return false;
}

int
srv_record_new(struct srv *s, unsigned kind, void *obj)
{
	writ_cptr_t orig;
	unsigned i;

	if (s->n_rec == 0)
		s->n_rec = 1;		/* index 0 is never a record: a zero badge names none */
	if (s->free_from < 1)
		s->free_from = 1;
	for (i = s->free_from; i < s->n_rec && s->rec[i].kind; i++)
		;
	if (i == s->n_rec && s->n_rec == s->max_rec) {
		srv_sweep(s);
		for (i = s->free_from; i < s->n_rec && s->rec[i].kind; i++)
			;
		if (i == s->n_rec)
			return -1;
	}
	if (i == s->n_rec)
		s->n_rec++;
	if (!record_spare_take(s, i, kind)) {
		if (!(orig = writ_slot_alloc()))
			return -1;
		s->rec[i].gen++;
		if (writ_cnode_mint(WRIT_PSLOT_CNODE, orig, FULL, WRIT_PSLOT_CNODE, s->ep, FULL,
				    ORIG_RIGHTS,
				    scheme_badge(i, s->rec[i].gen, kind, s->epoch)) != WRIT_OK) {
			writ_slot_free(orig);
			return -1;
		}
		s->rec[i].orig = orig;
	}
	s->free_from = i + 1;
	s->rec[i].kind = (uint8_t)kind;
	s->rec[i].closed = false;
	s->rec[i].doomed = false;
	s->rec[i].from = 0;
	s->rec[i].kids = 0;
	s->rec[i].obj = obj;
	s->live++;
	return (int)i;
}

int
srv_pinned_record(struct srv *s, unsigned kind, void *obj)
{
	int i = srv_record_new(s, kind, obj);

	if (i < 0)
		return i;
	s->rec[i].pinned = true;
	return i;
}

bool
srv_reply_cap(struct srv_req *req, writ_cptr_t cap)
{
	if (!req->reply_cap) {
		req->reply_cap = cap;
		return true;
	}
	if (req->n_reply_more == WRIT_MSG_MAX_CAPS - 1)
		return false;
	req->reply_more[req->n_reply_more++] = cap;
	return true;
}

bool
srv_reply_cap_move(struct srv_req *req, writ_cptr_t cap)
{
	unsigned k = req->reply_cap ? req->n_reply_more + 1 : 0;

	if (!srv_reply_cap(req, cap))
		return false;
	req->reply_move |= 1u << k;
	return true;
}

int
srv_root_policy(struct srv *s)
{
	return srv_pinned_record(s, SCHEME_KIND_POLICY, NULL);
}

void
srv_reply_record(struct srv_req *req, struct srv *s, int i)
{
	unsigned before = req->reply_cap ? 1 + req->n_reply_more : 0;

	if (!srv_reply_cap(req, s->rec[i].orig))	/* the client's copy is a child of it */
		return;
	if (before < 2) {
		req->m.mr[1 + before] = scheme_badge((uint32_t)i, s->rec[i].gen, s->rec[i].kind,
						     s->epoch);
		req->m.mr[3] = s->id;
		if (req->reply_len < 4)
			req->reply_len = 4;
	}
}

bool
srv_req_alive(const struct srv_req *req)
{
	return req->rec && req->rec->kind && req->rec->gen == scheme_badge_gen(req->badge);
}

/* What was derived from r now hangs from r's own parent (a revoke above reaches it). */
static void
record_unlink(struct srv *s, struct srv_record *r)
{
	uint32_t i = (uint32_t)(r - s->rec);

	if (r->kids)
		for (unsigned j = 1; j < s->n_rec; j++)
			if (s->rec[j].kind && s->rec[j].from == i) {
				s->rec[j].from = r->from;
				if (r->from)
					s->rec[r->from].kids++;
			}
	if (r->from)
		s->rec[r->from].kids--;
	r->from = 0;
	r->kids = 0;
}

int
srv_record_derive(struct srv *s, int from, unsigned kind, void *obj)
{
	int i;

	if (from <= 0 || (unsigned)from >= s->n_rec || !s->rec[from].kind)
		return -1;
	if ((i = srv_record_new(s, kind, obj)) < 0)
		return i;
	s->rec[i].from = (uint32_t)from;
	s->rec[from].kids++;
	return i;
}

/* Is record j record i or derived from it? The chain ends at 0; it is no longer
 * than the records alive, which bounds the walk even if it were broken. */
static bool
derived_from(const struct srv *s, unsigned j, unsigned i)
{
	for (unsigned steps = 0; j && steps < s->n_rec; steps++, j = s->rec[j].from)
		if (j == i)
			return true;
	return false;
}

long
srv_revoke_tree(struct srv *s, int i)
{
	long freed = 0;

	if (i <= 0 || (unsigned)i >= s->n_rec || !s->rec[i].kind || s->rec[i].pinned)
		return -EPERM;
	/* Mark first: freeing re-links the chains the marking walks. */
	for (unsigned j = 1; j < s->n_rec; j++)
		s->rec[j].doomed = s->rec[j].kind && !s->rec[j].pinned &&
				   derived_from(s, j, (unsigned)i);
	for (unsigned j = 1; j < s->n_rec; j++)
		if (s->rec[j].doomed) {
			s->rec[j].doomed = false;
			srv_record_free(s, (int)j);
			freed++;
		}
	return freed;
}

/* The record's capabilities are gone: the object goes too. */
static void
record_forget(struct srv *s, struct srv_record *r)
{
	record_unlink(s, r);
	if ((unsigned)(r - s->rec) < s->free_from)
		s->free_from = (unsigned)(r - s->rec);
	if (r->kind == SCHEME_KIND_WINDOW)
		srv_window_release(r->obj);
	else if (s->ops->release)
		s->ops->release(s, r);
	r->kind = 0;
	r->obj = NULL;
	s->live--;
	/* Every sweep (one per process that ends) walks up to the high-water mark: let it
	 * fall with the records at the top, or one burst of 10,000 records would tax every
	 * later exit. An entry above it keeps its generation for when it is used again. */
	while (s->n_rec > 1 && !s->rec[s->n_rec - 1].kind)
		s->n_rec--;
	if (s->free_from > s->n_rec)
		s->free_from = s->n_rec;
}

void
srv_record_free(struct srv *s, int i)
{
	struct srv_record *r = &s->rec[i];

	if (!r->kind)
		return;
	/* Every client copy goes with the original: their next call fails. */
	writ_cnode_revoke(WRIT_PSLOT_CNODE, r->orig, FULL);
	writ_cnode_delete(WRIT_PSLOT_CNODE, r->orig, FULL);
	writ_slot_free(r->orig);
	r->orig = 0;
	record_forget(s, r);
}

/*
 * Free record i if nobody but the server holds it; whether it did. One call: Remint
 * refuses an original with children (a client holds a copy), and otherwise replaces
 * it, in place, by the next generation's (the kernel cancels messages still queued
 * under the old badge). The record keeps it as a spare: its next use makes no
 * capability (record_spare_take), and no old badge names it.
 */
static bool
record_free_unheld(struct srv *s, unsigned i)
{
	struct srv_record *r = &s->rec[i];
	long err = writ_cnode_remint(WRIT_PSLOT_CNODE, r->orig, FULL, WRIT_PSLOT_CNODE, s->ep,
				     FULL, ORIG_RIGHTS,
				     scheme_badge(i, r->gen + 1, r->kind, s->epoch));

	if (err == WRIT_E_REVOKE_FIRST)
		return false;
	if (err == WRIT_OK) {
		r->gen++;
		r->spare_kind = r->kind;
		record_forget(s, r);
		return true;
	}
	return record_free_probed(s, i);
}

/* record_free_unheld without a spare: the probe is srv_record_held's, and a
 * capability that moved has no copies to revoke: it is deleted where it went. */
static bool
record_free_probed(struct srv *s, unsigned i)
{
	struct srv_record *r = &s->rec[i];
	writ_cptr_t tmp = writ_slot_alloc();

	if (!tmp)
		return false;
	if (writ_cnode_mutate(WRIT_PSLOT_CNODE, tmp, FULL, WRIT_PSLOT_CNODE, r->orig, FULL,
			      PROBE_RIGHTS, 0) != WRIT_OK) {
		writ_slot_free(tmp);
		return false;
	}
	writ_cnode_delete(WRIT_PSLOT_CNODE, tmp, FULL);
	writ_slot_free(tmp);
	writ_slot_free(r->orig);
	r->orig = 0;
	record_forget(s, r);
	return true;
}

/* Does anyone but the server hold record i? Mutate moves a capability only when it
 * has no children, and the clients' copies are its children. */
bool
srv_record_held(struct srv *s, unsigned i)
{
	writ_cptr_t tmp = writ_slot_alloc();
	long err;

	if (!tmp)
		return true;
	err = writ_cnode_mutate(WRIT_PSLOT_CNODE, tmp, FULL, WRIT_PSLOT_CNODE, s->rec[i].orig,
				FULL, PROBE_RIGHTS, 0);
	if (err == WRIT_OK) {
		/* Nobody held it: it moved, narrowed. Put it back so free finds it. */
		writ_cnode_move(WRIT_PSLOT_CNODE, s->rec[i].orig, FULL, WRIT_PSLOT_CNODE, tmp, FULL);
	}
	writ_slot_free(tmp);
	return err != WRIT_OK;
}

unsigned
srv_sweep(struct srv *s)
{
	unsigned freed = 0;

	for (unsigned i = 1; i < s->n_rec; i++)
		if (s->rec[i].kind && !s->rec[i].pinned && record_free_unheld(s, i))
			freed++;
	return freed;
}

long
srv_get_bytes(struct srv_req *req, unsigned word_off, void *buf, size_t len)
{
	unsigned have = writ_msginfo_length(req->m.info);
	unsigned first = SCHEME_DATA_WORD + word_off;

	if (first + (len + 7) / 8 > have || first + (len + 7) / 8 > WRIT_MSG_MAX_LENGTH)
		return -1;
	memcpy(buf, &writ_ipc_buffer()->msg[first], len);
	return (long)len;
}

void
srv_put_bytes(struct srv_req *req, unsigned word_off, const void *buf, size_t len)
{
	memcpy(srv_reply_data(req, word_off, len), buf, len);
}

void *
srv_reply_data(struct srv_req *req, unsigned word_off, size_t len)
{
	unsigned first = SCHEME_DATA_WORD + word_off;
	uint8_t *p = (uint8_t *)&writ_ipc_buffer()->msg[first];

	if (len % 8)
		memset(p + len, 0, 8 - len % 8);        /* no stale bytes in the last word */
	if (first + (len + 7) / 8 > req->reply_len)
		req->reply_len = first + (unsigned)((len + 7) / 8);
	return p;
}

void
srv_close_cap(struct srv *s, writ_cptr_t cap)
{
	if (s->n_to_close < SRV_MAX_CLOSE) {
		s->to_close[s->n_to_close++] = cap;
		return;
	}
	/* No room to wait for the reply: its server learns at its next sweep. */
	writ_cnode_delete(WRIT_PSLOT_CNODE, cap, FULL);
	writ_slot_free(cap);
}

/* The closes srv_close_cap put off (lock held: the fd table is the process's). */
static void
close_pending(struct srv *s)
{
	while (s->n_to_close) {
		writ_cptr_t cap = s->to_close[--s->n_to_close];
		int fd = writ_fd_install(cap);

		if (fd >= 0) {
			writ_close(fd);
		} else {
			writ_cnode_delete(WRIT_PSLOT_CNODE, cap, FULL);
			writ_slot_free(cap);
		}
	}
}

writ_cptr_t
srv_take_cap(struct srv *s, struct srv_req *req, unsigned k)
{
	writ_cptr_t *run = s->recv_slots[req->worker], cap, fresh;

	if (k >= req->n_got || !(cap = req->got_cap[k]))
		return 0;
	if (!req->run_renewed) {
		if (!(fresh = writ_slot_alloc_run(WRIT_MSG_MAX_CAPS)))
			return 0;
		/* The slots past those filled are empty; the others are the handler's or
		 * are emptied and freed after the reply (after_reply). */
		for (unsigned j = req->n_got; j < WRIT_MSG_MAX_CAPS; j++)
			writ_slot_free(run[j]);
		for (unsigned j = 0; j < WRIT_MSG_MAX_CAPS; j++)
			run[j] = fresh + j;
		req->run_renewed = true;
	}
	req->got_cap[k] = 0;
	return cap;
}

static void worker(void *arg);

/* Worker w's receive slots: consecutive, as the kernel fills them. */
static bool
recv_slots_for(struct srv *s, unsigned w)
{
	writ_cptr_t first = writ_slot_alloc_run(WRIT_MSG_MAX_CAPS);

	for (unsigned k = 0; k < WRIT_MSG_MAX_CAPS; k++)
		s->recv_slots[w][k] = first ? first + k : 0;
	return first != 0;
}

static bool
start_worker(struct srv *s)
{
	struct writ_thread *t;

	if (s->n_workers == SRV_MAX_WORKERS)
		return false;
	t = &s->workers[s->n_workers];
	if (!recv_slots_for(s, s->n_workers + 1))
		return false;
	s->n_workers++;
	t->user = s;
	if (writ_thread_create(t, worker, s, s->prio) != WRIT_OK) {
		s->n_workers--;
		return false;
	}
	return true;
}

/*
 * Workers srv_wake woke, signalled once the lock is let go: a woken worker above the
 * waker's priority would run at once and find the lock taken (two more switches and
 * a signal of the lock). Touched under the lock only.
 */
static struct writ_thread *to_wake[SRV_MAX_WORKERS + 1];
static unsigned n_to_wake;

/* Let go of the lock, then wake whom srv_wake named. */
static void
unlock_and_wake(struct srv *s)
{
	struct writ_thread *w[SRV_MAX_WORKERS + 1];
	unsigned n = n_to_wake;

	if (n == 0) {		/* mostly: a request woke nobody */
		writ_mutex_unlock(&s->lock);
		return;
	}
	memcpy(w, to_wake, n * sizeof(w[0]));
	n_to_wake = 0;
	writ_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < n; i++)
		writ_signal(w[i]->wake);
}

void
srv_unlock(struct srv *s)
{
	unlock_and_wake(s);
}

int
srv_wait(struct srv *s, struct srv_waitq *q)
{
	struct writ_thread *self = writ_thread_self();
	writ_word_t w;

	/* Someone must go on receiving while this worker sleeps. */
	if (s->receiving == 0 && !start_worker(s))
		return -1;
	if (q->n < SRV_MAX_WORKERS)
		q->waiters[q->n++] = self;
	unlock_and_wake(s);
	writ_wait(self->wake, &w);
	writ_mutex_lock(&s->lock);
	return 0;
}

void
srv_wake(struct srv_waitq *q)
{
	for (unsigned i = 0; i < q->n; i++) {
		unsigned k;

		for (k = 0; k < n_to_wake && to_wake[k] != q->waiters[i]; k++)
			;
		if (k == n_to_wake)
			to_wake[n_to_wake++] = q->waiters[i];
	}
	q->n = 0;
}

static unsigned
worker_index(struct srv *s, struct writ_thread *self)
{
	return self == &first_thread ? 0 : (unsigned)(self - s->workers) + 1;
}

/*
 * The record a badge names, or NULL. The root policy answers in every life of the
 * server: it holds nothing of a past life, and clients keep the capability init gave
 * them across restarts (so new opens work after one). Other records of a past life
 * are gone: EIO.
 */
static struct srv_record *
record_of(struct srv *s, writ_word_t b)
{
	uint32_t i = scheme_badge_index(b);
	struct srv_record *r = i > 0 && i < s->n_rec ? &s->rec[i] : NULL;

	if (!r || !r->kind || r->kind != scheme_badge_kind(b) || r->gen != scheme_badge_gen(b))
		return NULL;
	if (scheme_badge_epoch(b) != (s->epoch & 0xffff) && !(r->pinned && i == 1))
		return NULL;
	return r;
}

struct srv_record *
srv_record_of(struct srv *s, writ_word_t badge)
{
	return record_of(s, badge);
}

/* CLOSE on a file: mark it, answer its badge and the closer (see scheme.h, "Closing");
 * the client deletes its copy and then asks the closer to look. */
static void
close_request(struct srv *s, struct srv_req *req)
{
	if (s->closer <= 0) {
		s->closer = srv_record_new(s, SCHEME_KIND_CLOSER, NULL);
		if (s->closer > 0)
			s->rec[s->closer].pinned = true;
	}
	req->rec->closed = true;
	srv_result(req, 0);
	req->m.mr[1] = req->badge;
	req->m.mr[2] = s->id;
	req->reply_len = 3;
	if (s->closer > 0)
		srv_reply_cap(req, s->rec[s->closer].orig);
}

/* CLOSE (badge) on the closer: free that record if its last holder let it go. */
static void
closer_request(struct srv *s, struct srv_req *req)
{
	struct srv_record *r = record_of(s, req->m.mr[0]);

	if (req->op != SCHEME_OP_CLOSE) {
		srv_result(req, -EBADF);
		return;
	}
	if (r && !r->pinned)
		record_free_unheld(s, (unsigned)(r - s->rec));
	srv_result(req, 0);
}

void
srv_closed_later(struct srv *s, const struct srv_req *req)
{
	struct srv_record *r;

	if (writ_msginfo_length(req->m.info) <= 3 || !req->m.mr[3])
		return;
	r = record_of(s, req->m.mr[3]);
	if (r && !r->pinned && r != req->rec)
		record_free_unheld(s, (unsigned)(r - s->rec));
}

static void
handle(struct srv *s, struct srv_req *req, unsigned w)
{
	writ_word_t b = req->badge;
	unsigned ncaps = writ_msginfo_caps(req->m.info);
	unsigned unwrapped = (unsigned)(req->m.info >> WRIT_MSGINFO_UNWRAP_SHIFT) &
			     WRIT_MSGINFO_UNWRAP_MASK;
	req->op = (unsigned)writ_msginfo_label(req->m.info);
	req->rec = NULL;
	req->index = scheme_badge_index(b);
	req->reply_cap = 0;
	req->n_reply_more = 0;
	req->reply_move = 0;
	req->n_drop = 0;
	req->reply_len = 1;
	req->no_reply = false;
	req->n_got = 0;
	req->n_unwrapped = 0;
	req->worker = w;
	req->run_renewed = false;
	/* Copied capabilities landed in this worker's receive slots, in order; the
	 * server's own came as badges (a window, scheme.h "Bulk data"). */
	for (unsigned k = 0, c = 0; k < ncaps; k++)
		if (!(unwrapped & (1u << k)))
			req->got_cap[req->n_got++] = s->recv_slots[w][c++];
		else
			req->unwrapped[req->n_unwrapped++] = writ_ipc_buffer()->caps_or_badges[k];
	req->rec = record_of(s, b);
	if (s->idents && scheme_badge_kind(b) == SCHEME_KIND_IDENT &&
	    scheme_badge_gen(b) == 0 && scheme_badge_epoch(b) == (s->epoch & 0xffff) &&
	    req->index > 0) {
		s->ident.kind = SCHEME_KIND_IDENT;
		req->rec = &s->ident;
	}
	if (!req->rec) {
		srv_result(req, scheme_badge_epoch(b) != (s->epoch & 0xffff) ? -EIO : -EBADF);
		return;
	}
	if (req->rec->kind == SCHEME_KIND_CLOSER) {
		closer_request(s, req);
		return;
	}
	if (req->op == SCHEME_OP_CLOSE && req->rec->kind != SCHEME_KIND_POLICY) {
		close_request(s, req);
		return;
	}
	if (req->rec->kind == SCHEME_KIND_WINDOW) {
		srv_result(req, -EBADF);	/* a window is no file: only CLOSE */
		return;
	}
	s->ops->request(s, req);
}

/* A CLOSE on a file (not on the closer): the records marked closed are looked at
 * after its reply. */
static bool
closes_file(const struct srv_req *req)
{
	return req->op == SCHEME_OP_CLOSE && req->rec && req->rec->kind != SCHEME_KIND_CLOSER;
}

/* The place in the reply of a capability it moves out of slot, or -1. */
static int
reply_moved_index(const struct srv_req *req, writ_cptr_t slot)
{
	if (!req->reply_cap)
		return -1;
	if (req->reply_cap == slot)
		return (req->reply_move & 1) ? 0 : -1;
	for (unsigned k = 0; k < req->n_reply_more; k++)
		if (req->reply_more[k] == slot)
			return (req->reply_move >> (k + 1) & 1) ? (int)k + 1 : -1;
	return -1;
}

/*
 * A slot to drop after the reply: freed if the reply moved its capability and the
 * caller got it (went: the kernel's replied_caps), else deleted and freed (the caller
 * had no room, or it was never moved).
 */
static void
drop_slot(const struct srv_req *req, writ_cptr_t slot, unsigned went)
{
	int k = reply_moved_index(req, slot);

	if (k < 0 || (unsigned)k >= went)
		writ_cnode_delete(WRIT_PSLOT_CNODE, slot, FULL);
	writ_slot_free(slot);
}

/* Has the request left work for after its reply (capabilities to delete, fds to
 * close, a record marked closed)? Without any, the reply and the next receive are one
 * ReplyRecv. Slots the reply moves out of are no such work: they are dropped once the
 * next request is in (serve_loop), the kernel having said whether they went. */
static bool
after_reply_work(const struct srv *s, const struct srv_req *req)
{
	if (s->n_to_close || closes_file(req))
		return true;
	for (unsigned k = 0; k < req->n_drop; k++)
		if (reply_moved_index(req, req->drop[k]) < 0)
			return true;
	for (unsigned k = 0; k < req->n_got; k++)
		if (req->got_cap[k])
			return true;
	return false;
}

static void
after_reply(struct srv *s, struct srv_req *req, unsigned went)
{
	for (unsigned k = 0; k < req->n_drop; k++)
		drop_slot(req, req->drop[k], went);
	close_pending(s);
	/* Capabilities the handler did not keep go; the slots are reused. */
	for (unsigned k = 0; k < req->n_got; k++)
		if (req->got_cap[k]) {
			writ_cnode_delete(WRIT_PSLOT_CNODE, req->got_cap[k], FULL);
			if (req->run_renewed)
				writ_slot_free(req->got_cap[k]);	/* no longer a receive slot */
		}
	if (!closes_file(req))
		return;
	for (unsigned i = 1; i < s->n_rec; i++)
		if (s->rec[i].kind && s->rec[i].closed && !s->rec[i].pinned &&
		    &s->rec[i] != req->rec) {	/* its caller holds it until its closer call */
			s->rec[i].closed = false;
			record_free_unheld(s, i);
		}
}

static void
serve_loop(struct srv *s)
{
	struct writ_thread *self = writ_thread_self();
	unsigned w = worker_index(s, self);
	struct srv_req req;
	bool pending_reply = false;
	/* The pending reply's drops (all slots it moves out of), by their place in it. */
	writ_cptr_t moved[WRIT_MSG_MAX_CAPS];
	unsigned n_moved = 0, went = 0;

	writ_mutex_lock(&s->lock);
	for (;;) {
		s->receiving++;
		unlock_and_wake(s);
		writ_set_receive_slot(WRIT_PSLOT_CNODE, s->recv_slots[w][0], FULL);
		if (pending_reply) {
			writ_reply_recv(s->ep, &req.m);
			if (n_moved)
				went = (unsigned)writ_replied_caps();
		} else {
			memset(&req.m, 0, sizeof(req.m));
			writ_recv(s->ep, &req.m);
		}
		pending_reply = false;
		writ_mutex_lock(&s->lock);
		s->receiving--;
		/* Moved out and gone: the slot is empty. Still there (the caller had no
		 * room): deleted now, as after_reply would have done. */
		if (n_moved) {
			for (unsigned k = 0; k < n_moved; k++) {
				if (!moved[k])
					continue;
				if (k >= went)
					writ_cnode_delete(WRIT_PSLOT_CNODE, moved[k], FULL);
				writ_slot_free(moved[k]);
			}
			n_moved = 0;
		}
		if (writ_msginfo_is_notification(req.m.info)) {
			srv_sweep(s);		/* a process ended (bound gc, if no gc thread) */
			close_pending(s);
			continue;
		}
		req.badge = req.m.badge;
		handle(s, &req, w);
		if (!req.no_reply) {
			unsigned ncaps = 0;

			req.m.info = writ_msginfo(0, 0, req.reply_len);
			if (req.reply_cap) {
				writ_set_cap(ncaps++, req.reply_cap);
				for (unsigned k = 0; k < req.n_reply_more; k++)
					writ_set_cap(ncaps++, req.reply_more[k]);
				req.m.info = writ_msginfo_move(writ_msginfo(0, ncaps,
									    req.reply_len),
							       req.reply_move);
			}
			if (!after_reply_work(s, &req)) {
				/* moved[k]: the slot the reply's k-th capability moves out of,
				 * if it is a drop */
				for (unsigned k = 0; k < req.n_drop; k++) {	/* mostly none */
					int i = reply_moved_index(&req, req.drop[k]);

					for (; n_moved <= (unsigned)i; n_moved++)
						moved[n_moved] = 0;
					moved[i] = req.drop[k];
				}
				pending_reply = true;
				continue;
			}
			writ_reply(&req.m);
			went = (unsigned)writ_replied_caps();
		}
		after_reply(s, &req, req.no_reply ? 0 : went);
	}
}

static void
worker(void *arg)
{
	serve_loop(arg);
}

/*
 * init signals "gc" whenever a process ends. A thread of its own waits for it: a
 * notification bound to a worker would wait while that worker waits in srv_wait (a
 * reader blocked on an empty pipe), and the sweep that should wake the reader with end
 * of file would never come.
 */
static void
gc_loop(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		writ_word_t w;

		if (writ_wait(s->gc, &w) != WRIT_OK)
			writ_thread_exit();
		writ_mutex_lock(&s->lock);
		srv_sweep(s);
		close_pending(s);
		unlock_and_wake(s);
	}
}

void
srv_run(struct srv *s)
{
	static struct writ_thread gc_thread;

	first_thread.user = s;
	writ_thread_adopt(&first_thread);
	recv_slots_for(s, 0);
	/* The closer, pinned after the server's own pinned records (whose numbers init
	 * knows), and before any client, so the count of live records stays put. */
	if (!s->closer) {
		s->closer = srv_record_new(s, SCHEME_KIND_CLOSER, NULL);
		if (s->closer > 0)
			s->rec[s->closer].pinned = true;
	}
	if (s->gc && writ_thread_create(&gc_thread, gc_loop, s, s->prio) != WRIT_OK)
		writ_tcb_bind_notification(WRIT_PSLOT_TCB, s->gc);	/* second best */
	serve_loop(s);
	for (;;)
		;
}
