/*
 * The scheme server loop, shared by every server: records named by badges, the
 * capabilities that name them, worker threads that may block, and the sweep that
 * frees records nobody holds any more.
 *
 * Records. A server keeps its policies and open files as records in one table. A
 * record's *original* capability (a badged copy of the server's endpoint) stays in the
 * server's CSpace; clients get copies of it (children in the derivation tree), and
 * copy, send or delete those as they like. A record is alive while its original has
 * children: srv_sweep() asks the kernel (CNode Remint refuses an original that has
 * children) and frees the records nobody holds. Sweeps run when init signals that a
 * process ended, after a CLOSE, and before STATS answers. A freed record keeps its
 * original as a spare, reminted in the same call under the next generation's badge:
 * the next record made there mints nothing, and no old badge names it (the kernel
 * cancels messages still queued under the old one). Records revoked go with theirs.
 *
 * Workers. Requests are handled one at a time under the server's lock by whichever
 * worker thread received them. A handler that must wait (a read of an empty pipe)
 * calls srv_wait(): its worker sleeps, the lock goes, and another worker receives the
 * next request; if none is left receiving, a new one is started first. srv_wake()
 * wakes the workers waiting on a queue; each re-checks its condition.
 */
#ifndef SRV_SRV_H
#define SRV_SRV_H

#include <stdbool.h>
#include <stdint.h>

#include <writ/proc.h>
#include <writ/scheme.h>
#include <writ/thread.h>
#include <writ/writ.h>

#define SRV_MAX_RECORDS 4096    /* records a server holds, unless it sets max_rec */
#define SRV_MAX_WORKERS 32
#define SRV_MAX_CLOSE 64

struct srv_record {
	uint32_t gen;
	uint8_t kind;                   /* SCHEME_KIND_*, 0 = free */
	bool closed;                    /* a holder said CLOSE: sweep it soon */
	bool pinned;                    /* a root policy: init hands out its badge */
	bool doomed;                    /* srv_revoke_tree is freeing it */
	uint32_t from;                  /* the record it was derived from (0: none) */
	uint32_t kids;                  /* records derived from it */
	writ_cptr_t orig;               /* the original capability, in the server; kept
					 * when the record is free (a spare, already
					 * reminted under the next generation's badge) */
	uint8_t spare_kind;             /* the kind a free record's spare was minted for */
	void *obj;                      /* the server's own */
};

struct srv_req {
	struct writ_msg m;              /* the request, and the reply to fill in */
	writ_word_t badge;
	struct srv_record *rec;         /* the record the badge names, or NULL */
	uint32_t index;
	unsigned op;
	writ_cptr_t reply_cap;          /* a capability to send back with the reply, or 0 */
	writ_cptr_t reply_more[WRIT_MSG_MAX_CAPS - 1];  /* and more after it (srv_reply_cap) */
	unsigned n_reply_more;
	unsigned reply_move;            /* which of them move (srv_reply_cap_move) */
	/* Server slots deleted and freed after the reply; one the reply moved a capability
	 * out of is only freed when the kernel says it went (replied_caps): no delete. */
	writ_cptr_t drop[WRIT_MSG_MAX_CAPS];
	unsigned n_drop;
	writ_cptr_t got_cap[WRIT_MSG_MAX_CAPS];         /* capabilities that came with it */
	unsigned n_got;
	writ_word_t unwrapped[WRIT_MSG_MAX_CAPS];       /* badges of its own it carried */
	unsigned n_unwrapped;
	unsigned worker;                /* whose receive slots got_cap[] are */
	bool run_renewed;               /* srv_take_cap gave the worker fresh ones */
	unsigned reply_len;             /* message words of the reply (at least 1) */
	bool no_reply;                  /* the handler answered (or must not) itself */
};

struct srv;

struct srv_ops {
	/* One request; the reply is req->m (mr[0] the result). Called under the lock. */
	void (*request)(struct srv *s, struct srv_req *req);
	/* A record is gone (swept or closed): free its object. May be NULL. */
	void (*release)(struct srv *s, struct srv_record *rec);
};

struct srv_waitq {
	struct writ_thread *waiters[SRV_MAX_WORKERS];
	unsigned n;
};

struct srv {
	const char *name;
	const struct srv_ops *ops;
	writ_cptr_t ep;                 /* the endpoint it serves */
	writ_cptr_t gc;                 /* init signals it when a process ends */
	unsigned epoch;
	uint64_t id;                    /* this life's identity (scheme.h, "One call instead") */
	unsigned prio;
	struct writ_mutex lock;
	struct srv_record *rec;         /* max_rec of them, from the heap (srv_init) */
	unsigned max_rec;               /* 0 before srv_init: SRV_MAX_RECORDS */
	unsigned n_rec;                 /* high-water mark of used entries */
	unsigned free_from;             /* no free entry below it (where a search starts) */
	unsigned live;
	int closer;                     /* the closer record (SCHEME_OP_CLOSE), 0 until made */
	writ_cptr_t to_close[SRV_MAX_CLOSE];    /* others' fds to close after this request */
	unsigned n_to_close;
	bool idents;                    /* accept SCHEME_KIND_IDENT badges (as `ident`) */
	struct srv_record ident;        /* what req->rec names for them; req->index = pid */
	struct writ_thread workers[SRV_MAX_WORKERS];
	unsigned n_workers, receiving;
	writ_cptr_t recv_slots[SRV_MAX_WORKERS + 1][WRIT_MSG_MAX_CAPS];
	void *user;
};

/* Set up from the start info (the "serve" endpoint, "gc" notification, epoch), with
 * room for s->max_rec records (set it first for more than SRV_MAX_RECORDS). */
int srv_init(struct srv *s, const char *name, const struct srv_ops *ops);
/* Serve for ever. */
__attribute__((noreturn)) void srv_run(struct srv *s);

/* A new record of `kind` for obj; its index, or -1 (out of records or memory). */
int srv_record_new(struct srv *s, unsigned kind, void *obj);
/* The root policy: record 1, generation 1, never swept (init mints its capabilities
 * from the endpoint itself, knowing that badge). Its index, or -1. */
int srv_root_policy(struct srv *s);
/* A record that is never swept, made at start so init can mint its capabilities
 * knowing the badge (index, generation 1, kind, epoch), as it does the root policy's:
 * the console's own file, which init hands out as every program's fds 0, 1 and 2. */
int srv_pinned_record(struct srv *s, unsigned kind, void *obj);
/* Put a copy of record i's capability in the reply (with GrantReply, it arrives); a
 * second call adds a second capability, up to WRIT_MSG_MAX_CAPS. The first two
 * records' badges go in registers 1 and 2, the server's identity in register 3
 * (scheme.h, "Closing"): the reply is at least 4 words. */
void srv_reply_record(struct srv_req *req, struct srv *s, int i);
/* Put a capability of the server's in the reply, after any already there; false when
 * the reply is full. */
bool srv_reply_cap(struct srv_req *req, writ_cptr_t cap);
/* The same, but the capability moves to the client (<writ/abi.h>): the server's slot
 * is empty after the reply if the client took it. */
bool srv_reply_cap_move(struct srv_req *req, writ_cptr_t cap);
/* Keep capability k that came with the request where it landed: the slot is the
 * handler's from now on (delete what it holds and writ_slot_free it when done), and
 * the worker receives into fresh slots. Cheaper than moving it out (no system call).
 * 0 when no fresh slots are left: move it out instead. */
writ_cptr_t srv_take_cap(struct srv *s, struct srv_req *req, unsigned k);
/* Is the record the request named still the same one (it may be swept while its
 * worker waits: its client died)? */
bool srv_req_alive(const struct srv_req *req);
/* Does anyone but the server hold record i? */
bool srv_record_held(struct srv *s, unsigned i);
/* Forget record i now (its capabilities in clients are revoked with it). */
void srv_record_free(struct srv *s, int i);
/*
 * Derivation of fds (an fd weakened to fewer rights, revocable with everything derived
 * from it): srv_record_derive makes a record as srv_record_new does, derived from
 * record `from`; srv_revoke_tree frees record i and every record derived from it,
 * however deep, at once (their capabilities in every process with them), and answers
 * how many went. A record that goes otherwise (closed, swept) hands what was derived
 * from it to its own parent, so a revoke higher up still reaches it.
 * Example (a server's WEAKEN and REVOKE on an fd record):
 *   int i = srv_record_derive(s, req->index, SCHEME_KIND_FILE, narrower);
 *   srv_result(req, srv_revoke_tree(s, (int)req->index));
 */
int srv_record_derive(struct srv *s, int from, unsigned kind, void *obj);
long srv_revoke_tree(struct srv *s, int i);
/* Close a capability of another server's (an fd the server held for a client) as
 * writ_close does, so that server learns at once; done after the current request's
 * reply, as it calls the other server and uses the worker's IPC buffer. The slot is
 * freed. */
void srv_close_cap(struct srv *s, writ_cptr_t cap);
/* Free every record nobody holds a capability to any more; the number freed. */
unsigned srv_sweep(struct srv *s);

/* Wait on q (lock held; released while waiting, held again on return). Returns -1
 * without waiting when no other worker could receive meanwhile (all SRV_MAX_WORKERS
 * are waiting): the handler must answer instead (EAGAIN), or the server would stop.
 * The worker's IPC buffer does not survive a wait (starting a worker makes calls):
 * take the request's bytes out of it first.
 * Whatever was awaited may have changed in any way on return: check again. */
int srv_wait(struct srv *s, struct srv_waitq *q);
/* Wake the workers waiting on q (lock held). They are signalled when the lock goes
 * (the loop's, srv_wait's, or srv_unlock), so none wakes to find it taken. */
void srv_wake(struct srv_waitq *q);
/* Let go of s->lock taken by a thread of the server's own (an IRQ thread), waking
 * whom srv_wake named meanwhile: such a thread must not use writ_mutex_unlock. */
void srv_unlock(struct srv *s);

/* OPEN's register 3 (scheme.h, "Closing later"): the badge of a record its caller
 * closed and told nobody of, looked at as the closer would (freed if nobody holds it).
 * For servers that answer SCHEME_OPEN_LATER, once the request's bytes are out of the
 * IPC buffer (freeing makes system calls), before the open's record is made (which
 * can then take the freed one's place). */
void srv_closed_later(struct srv *s, const struct srv_req *req);
/* The record a badge names (kind, generation and epoch checked), or NULL. */
struct srv_record *srv_record_of(struct srv *s, writ_word_t badge);

/*
 * Windows (scheme.h, "Bulk data"): memory a client shares for bulk transfers. A
 * server that serves them calls srv_window_share for SHARE, and srv_req_window to find
 * the window a request carries; lib/srv frees a window's record like any other (its
 * frames unmapped and deleted). At most SRV_WINDOWS are mapped at once, each in a
 * fixed slot of address space reserved at the first SHARE, with a run of
 * SCHEME_WINDOW_PAGES capability slots kept for it, so page tables and slots made for
 * one serve the next and nothing grows with the number of windows ever made.
 */
#define SRV_WINDOWS 64

struct srv_window {
	uint8_t *va;                    /* where the server mapped it */
	size_t len;                     /* bytes */
	writ_cptr_t frames;             /* the first of `pages` consecutive slots */
	unsigned pages;
	unsigned slot;                  /* which address-space slot */
	bool dead;                      /* a page of it is gone: refuse it (ESTALE) */
};

/* SHARE: take the frames the request's CNode holds, map them, answer a window
 * capability (or the error). */
void srv_window_share(struct srv *s, struct srv_req *req);
/* The window the request carries (an unwrapped window capability), or NULL. */
struct srv_window *srv_req_window(struct srv *s, const struct srv_req *req);
/*
 * Windows need the server to handle its own faults (window.c says why): call
 * srv_windows_init from the first thread before srv_run, before any other thread is
 * made. 0, or -1 (out of memory); SHARE answers ENOSYS without it.
 */
int srv_windows_init(struct srv *s);
/*
 * Is the window still whole? A client can revoke the untyped memory its pages came
 * from, which unmaps them from the server too: the fault thread then puts zeros in
 * their place and marks the window dead. A server asks after it touched the window
 * (the bytes it moved are not the client's: answer ESTALE) and before.
 */
bool srv_window_alive(struct srv_window *w, size_t len);
/* Windows mapped now. */
unsigned srv_windows_live(void);
/* (srv.c) A window record is freed: unmap, delete, give its slot back. */
void srv_window_release(struct srv_window *w);

/* Reply helpers. */
static inline void
srv_result(struct srv_req *req, long v)
{
	req->m.mr[0] = (writ_word_t)v;
}

/* The request's bytes (from message word SCHEME_DATA_WORD), copied to buf; the number
 * copied, or -1 if `len` is more than the message holds. */
long srv_get_bytes(struct srv_req *req, unsigned word_off, void *buf, size_t len);
/* Put bytes in the reply from word SCHEME_DATA_WORD + word_off; grows reply_len. */
void srv_put_bytes(struct srv_req *req, unsigned word_off, const void *buf, size_t len);
/* Where the reply's bytes from word SCHEME_DATA_WORD + word_off go (in the IPC buffer),
 * for len bytes the caller stores there itself (no system call in between). */
void *srv_reply_data(struct srv_req *req, unsigned word_off, size_t len);

/*
 * Interrupts. A driver's IRQ is served by a thread of its own: each interrupt calls
 * service() under the server's lock, Acks the line, and calls service() once more (a
 * cause that came between the service and the Ack raised no new edge), then lets the
 * lock go and wakes whom the service woke. Fill in s, irq (the IRQHandler capability)
 * and service; srv_irq_take gives the line a notification (the device may then be set
 * up), and srv_irq_start Acks what came before and starts the thread.
 * Example:
 *   static struct srv_irq kbd = { .s = &ts.s, .service = kbd_service };
 *   kbd.irq = irq_cap;
 *   if (srv_irq_take(&kbd) != WRIT_OK || (i8042_setup(), srv_irq_start(&kbd, 120)) != WRIT_OK)
 *           die("cannot take IRQ 1");
 */
struct srv_irq {
	struct srv *s;
	writ_cptr_t irq;
	void (*service)(void);
	writ_cptr_t ntfn;               /* srv_irq_take's */
	struct writ_thread thread;
};

/* -> WRIT_OK or the kernel's error. */
long srv_irq_take(struct srv_irq *q);
long srv_irq_start(struct srv_irq *q, unsigned prio);

#endif
