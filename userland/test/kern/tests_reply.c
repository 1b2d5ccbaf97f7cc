/*
 * Replies that carry capabilities (GrantReply), and callers whose server is gone.
 *
 * A server answers an open with the new file's capability in its reply; the caller
 * accepts capabilities in replies only through an endpoint capability with GrantReply.
 * A caller waiting for a reply from a thread that is deleted or suspended wakes with
 * WRIT_E_CANCELLED instead of waiting for ever (a dead server fails its clients).
 */
#include <writ/writ.h>

#include "init.h"

#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)

static writ_cptr_t give;                /* what the server hands back in its replies */

/* Answers every call with one capability, `give`, in its reply. */
static void
granting_server(uint64_t ep)
{
	struct writ_msg m = { 0 };

	writ_recv(ep, &m);
	for (;;) {
		m.info = writ_msginfo(5, 1, 1);
		m.mr[0] = 42;
		writ_set_cap(0, give);
		writ_reply_recv(ep, &m);
	}
}

/* Receives one call and never answers: waits on an endpoint nobody sends to. */
static void
silent_server(uint64_t eps)
{
	struct writ_msg m = { 0 };

	writ_recv(eps & 0xffffffff, &m);
	writ_recv(eps >> 32, &m);
}

static writ_word_t cancelled_err;

static void
waiting_caller(uint64_t ep)
{
	struct writ_msg m = { .info = writ_msginfo(1, 0, 0) };

	cancelled_err = (writ_word_t)writ_call(ep, &m);
	thread_exit();
}

static bool
slot_holds_frame(writ_cptr_t slot)
{
	writ_word_t pa;

	return writ_frame_get_address(slot, &pa) == WRIT_OK;
}

static void
test_reply_caps(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t with_gr = slot_alloc(), without = slot_alloc();
	writ_cptr_t dest1 = slot_alloc(), dest2 = slot_alloc();
	struct writ_msg m;
	long err;

	give = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, with_gr, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW | WRIT_RIGHT_GRANT_REPLY, 1);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, without, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, ep,
			FULL_DEPTH, RW, 2);
	thread_new(granting_server, ep, 200, 0);
	root_yield_at(199, 1);			/* it waits in Recv */

	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, dest1, FULL_DEPTH);
	m = (struct writ_msg){ .info = writ_msginfo(1, 0, 0) };
	err = writ_call(with_gr, &m);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 1 && m.mr[0] == 42 &&
	      slot_holds_frame(dest1), "ipc/reply-carries-caps-with-grant-reply",
	      "err %s, info %lx, frame received %d", writ_error_name((int)err), m.info,
	      slot_holds_frame(dest1));

	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, dest2, FULL_DEPTH);
	m = (struct writ_msg){ .info = writ_msginfo(1, 0, 0) };
	err = writ_call(without, &m);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 0 && m.mr[0] == 42 &&
	      !slot_holds_frame(dest2), "ipc/reply-carries-no-caps-without-grant-reply",
	      "err %s, info %lx", writ_error_name((int)err), m.info);

	/* GrantReply once does not linger: the next plain call gets none either. */
	m = (struct writ_msg){ .info = writ_msginfo(1, 0, 0) };
	writ_call(with_gr, &m);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, dest1, FULL_DEPTH);
	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, dest1, FULL_DEPTH);
	m = (struct writ_msg){ .info = writ_msginfo(1, 0, 0) };
	err = writ_call(without, &m);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 0 && !slot_holds_frame(dest1),
	      "ipc/grant-reply-does-not-linger", "info %lx", m.info);
	writ_set_receive_slot(0, 0, 0);
}

/* ---- one capability each way (the fastpath's, and the full path's without it) ----
 *
 * A server thread in this CSpace receives into oc_in and answers as the call's mr[0]
 * says; the same expectations hold with `nofastpath`, so both paths agree. */

enum { OC_PLAIN, OC_GIVE_MOVE, OC_GIVE_COPY, OC_MOVE_EP, OC_NO_SLOT, OC_SLOT,
       OC_REPLY_MOVE };

static writ_cptr_t oc_ep, oc_spare, oc_in, oc_give;
static volatile writ_word_t oc_info, oc_replied, oc_served;
static volatile long oc_recv_err;

static void
one_cap_server(uint64_t unused)
{
	struct writ_msg m = { 0 };
	long err;

	(void)unused;
	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, oc_in, FULL_DEPTH);
	writ_recv(oc_ep, &m);
	for (;;) {
		writ_word_t cmd = m.mr[0];

		oc_info = m.info;
		oc_served++;
		m = (struct writ_msg){ .info = writ_msginfo(5, 0, 1), .mr = { 42 } };
		if (cmd == OC_GIVE_MOVE || cmd == OC_GIVE_COPY || cmd == OC_REPLY_MOVE) {
			writ_set_cap(0, oc_give);
			m.info = writ_msginfo_move(writ_msginfo(5, 1, 1), cmd != OC_GIVE_COPY);
		} else if (cmd == OC_MOVE_EP) {
			writ_set_cap(0, oc_ep);		/* the very capability it receives on */
			m.info = writ_msginfo_move(writ_msginfo(5, 1, 1), 1);
		}
		if (cmd == OC_NO_SLOT)
			writ_set_receive_slot(0, 0, 0);
		else if (cmd == OC_SLOT)
			writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, oc_in, FULL_DEPTH);
		if (cmd == OC_REPLY_MOVE) {
			writ_reply(&m);
			oc_replied = writ_replied_caps();
			m = (struct writ_msg){ 0 };
			err = writ_recv(oc_ep, &m);
		} else {
			err = writ_reply_recv(oc_ep, &m);
			oc_replied = writ_replied_caps();
		}
		oc_recv_err = err;
		if (err != WRIT_OK) {		/* nothing to receive on: the spare */
			m = (struct writ_msg){ 0 };
			writ_recv(oc_spare, &m);
		}
	}
}

static bool
slot_full(writ_cptr_t slot)
{
	writ_cptr_t tmp = slot_alloc();
	bool full = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, tmp, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				    slot, FULL_DEPTH, WRIT_RIGHT_READ) == WRIT_OK;

	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, tmp, FULL_DEPTH);
	return full;
}

/* Call via `via` with command cmd, naming cap (0: none; move or copy); the error. */
static long
oc_call(writ_cptr_t via, writ_word_t cmd, writ_cptr_t cap, bool move, struct writ_msg *m)
{
	*m = (struct writ_msg){ .info = writ_msginfo(1, 0, 1), .mr = { cmd } };
	if (cap) {
		writ_set_cap(0, cap);
		m->info = writ_msginfo_move(writ_msginfo(1, 1, 1), move ? 1 : 0);
	}
	oc_info = 0xbad;
	return writ_call(via, m);
}

/* What the server's last reply with capabilities reported: it reads replied_caps once
 * its Reply(Recv) returns, so after one more (plain) call. */
static writ_word_t
oc_replied_now(writ_cptr_t via)
{
	struct writ_msg m;

	oc_replied = 0xbad;
	oc_call(via, OC_PLAIN, 0, false, &m);
	return oc_replied;
}

static unsigned
info_unwrap(writ_word_t info)
{
	return (unsigned)(info >> WRIT_MSGINFO_UNWRAP_SHIFT & WRIT_MSGINFO_UNWRAP_MASK);
}

static void
test_one_cap(void)
{
	writ_cptr_t gr = slot_alloc(), nogr = slot_alloc(), nogrant = slot_alloc();
	writ_cptr_t dest = slot_alloc(), f = obj_new(WRIT_OBJ_FRAME_4K, 0);
	struct writ_msg m;
	writ_word_t replied;
	unsigned served;
	long err;

	oc_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	oc_spare = obj_new(WRIT_OBJ_ENDPOINT, 0);
	oc_in = slot_alloc();
	oc_give = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, gr, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, oc_ep,
			FULL_DEPTH, RW | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY, 1);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, nogr, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, oc_ep,
			FULL_DEPTH, RW | WRIT_RIGHT_GRANT, 2);
	writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, nogrant, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, oc_ep,
			FULL_DEPTH, RW | WRIT_RIGHT_GRANT_REPLY, 3);
	thread_new(one_cap_server, 0, 200, 0);
	root_yield_at(199, 1);			/* it waits in Recv */

	/* Call: moved into the receive slot, the sender's slot emptied. */
	err = oc_call(gr, OC_PLAIN, f, true, &m);
	check(err == WRIT_OK && writ_msginfo_caps(oc_info) == 1 && info_unwrap(oc_info) == 0 &&
	      slot_holds_frame(oc_in) && !slot_full(f) && m.mr[0] == 42,
	      "ipc/call-moves-one-cap", "err %s info %lx, received %d, kept %d",
	      writ_error_name((int)err), oc_info, slot_holds_frame(oc_in), slot_full(f));
	/* Back, to be sent again. */
	writ_cnode_move(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, oc_in,
			FULL_DEPTH);

	/* Copied: a child of the sender's, which a revoke there takes. */
	err = oc_call(gr, OC_PLAIN, f, false, &m);
	check(err == WRIT_OK && writ_msginfo_caps(oc_info) == 1 && slot_holds_frame(oc_in) &&
	      slot_holds_frame(f), "ipc/call-copies-one-cap", "err %s info %lx",
	      writ_error_name((int)err), oc_info);
	writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH);
	check(!slot_full(oc_in) && slot_holds_frame(f), "ipc/call-copied-cap-is-child",
	      "the received copy %s the revoke", slot_full(oc_in) ? "outlived" : "went with");

	/* The receive slot full: nothing goes, the sender keeps its capability. */
	writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, oc_in, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, oc_give,
			FULL_DEPTH, RW);
	err = oc_call(gr, OC_PLAIN, f, true, &m);
	check(err == WRIT_OK && oc_info != 0xbad && writ_msginfo_caps(oc_info) == 0 &&
	      slot_holds_frame(f), "ipc/call-one-cap-receive-slot-full",
	      "err %s info %lx, kept %d", writ_error_name((int)err), oc_info, slot_holds_frame(f));
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, oc_in, FULL_DEPTH);

	/* No receive slot set: nothing goes. */
	oc_call(gr, OC_NO_SLOT, 0, false, &m);
	err = oc_call(gr, OC_SLOT, f, true, &m);
	check(err == WRIT_OK && oc_info != 0xbad && writ_msginfo_caps(oc_info) == 0 &&
	      slot_holds_frame(f) && !slot_full(oc_in), "ipc/call-one-cap-no-receive-slot",
	      "err %s info %lx", writ_error_name((int)err), oc_info);

	/* An empty slot or a wild cptr named: the message goes without it. */
	err = oc_call(gr, OC_PLAIN, dest, true, &m);
	check(err == WRIT_OK && oc_info != 0xbad && writ_msginfo_caps(oc_info) == 0,
	      "ipc/call-one-empty-cap", "err %s info %lx", writ_error_name((int)err), oc_info);
	err = oc_call(gr, OC_PLAIN, 0xdead00000000ull, true, &m);
	check(err == WRIT_OK && oc_info != 0xbad && writ_msginfo_caps(oc_info) == 0,
	      "ipc/call-one-wild-cap", "err %s info %lx", writ_error_name((int)err), oc_info);

	/* Without Grant: refused, nothing served, nothing moved. */
	served = (unsigned)oc_served;
	err = oc_call(nogrant, OC_PLAIN, f, true, &m);
	check(err == WRIT_E_RIGHTS && oc_served == served && slot_holds_frame(f),
	      "ipc/call-one-cap-without-grant-refused", "err %s, served %u",
	      writ_error_name((int)err), (unsigned)oc_served - served);

	/* ReplyRecv moving one to a caller with GrantReply and a receive slot. */
	writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, dest, FULL_DEPTH);
	err = oc_call(gr, OC_GIVE_MOVE, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 1 && m.mr[0] == 42 &&
	      slot_holds_frame(dest) && !slot_full(oc_give) && replied == 1,
	      "ipc/reply-recv-moves-one-cap", "err %s info %lx, received %d, left %d, replied %lu",
	      writ_error_name((int)err), m.info, slot_holds_frame(dest), slot_full(oc_give),
	      replied);
	writ_cnode_move(WRIT_SLOT_ROOT_CNODE, oc_give, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, dest,
			FULL_DEPTH);

	/* Without GrantReply: none goes, the replier keeps it and learns so. */
	err = oc_call(nogr, OC_GIVE_MOVE, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 0 && m.mr[0] == 42 &&
	      !slot_full(dest) && slot_holds_frame(oc_give) && replied == 0,
	      "ipc/reply-recv-one-cap-without-grant-reply", "err %s info %lx, replied %lu",
	      writ_error_name((int)err), m.info, replied);

	/* The caller's receive slot full: the same. */
	writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, dest, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, f,
			FULL_DEPTH, RW);
	err = oc_call(gr, OC_GIVE_MOVE, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 0 && slot_holds_frame(oc_give) &&
	      replied == 0, "ipc/reply-recv-one-cap-caller-slot-full",
	      "err %s info %lx, replied %lu", writ_error_name((int)err), m.info, replied);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, dest, FULL_DEPTH);

	/* Copied: both hold it. */
	err = oc_call(gr, OC_GIVE_COPY, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 1 && slot_holds_frame(dest) &&
	      slot_holds_frame(oc_give) && replied == 1, "ipc/reply-recv-copies-one-cap",
	      "err %s info %lx, replied %lu", writ_error_name((int)err), m.info, replied);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, dest, FULL_DEPTH);

	/* Reply (then Recv) reports the same. */
	err = oc_call(gr, OC_REPLY_MOVE, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 1 && slot_holds_frame(dest) &&
	      replied == 1, "ipc/reply-moves-one-cap-reports-it",
	      "err %s info %lx, replied %lu", writ_error_name((int)err), m.info, replied);
	writ_cnode_move(WRIT_SLOT_ROOT_CNODE, oc_give, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, dest,
			FULL_DEPTH);
	err = oc_call(nogr, OC_REPLY_MOVE, 0, false, &m);
	replied = oc_replied_now(gr);
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 0 && slot_holds_frame(oc_give) &&
	      replied == 0, "ipc/reply-one-cap-without-grant-reply-reports-none",
	      "err %s info %lx, replied %lu", writ_error_name((int)err), m.info, replied);

	/* A ReplyRecv that moves away the very capability it receives on: the reply goes,
	 * then the receive fails, as Reply then Recv would. */
	oc_recv_err = WRIT_OK;
	err = oc_call(gr, OC_MOVE_EP, 0, false, &m);
	root_yield_at(199, 1);			/* it records, then waits on the spare */
	check(err == WRIT_OK && writ_msginfo_caps(m.info) == 1 && slot_full(dest) &&
	      !slot_full(oc_ep) && oc_replied == 1 && oc_recv_err != WRIT_OK,
	      "ipc/reply-recv-moving-its-own-endpoint-then-fails",
	      "err %s info %lx, replied %lu, receive %s", writ_error_name((int)err), m.info,
	      oc_replied, writ_error_name((int)oc_recv_err));
	writ_cnode_move(WRIT_SLOT_ROOT_CNODE, oc_ep, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, dest,
			FULL_DEPTH);
	oc_call(oc_spare, OC_PLAIN, 0, false, &m);
	err = oc_call(gr, OC_PLAIN, 0, false, &m);
	check(err == WRIT_OK && m.mr[0] == 42, "ipc/server-receives-again-after",
	      "err %s", writ_error_name((int)err));
	writ_set_receive_slot(0, 0, 0);
	if (init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL) {
		m = (struct writ_msg){ 0 };
		check_err(writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m), WRIT_OK,
			  "ipc/one-cap-invariants-hold");
	}
}

static void
test_caller_of_dead_server(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), idle = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t server;

	cancelled_err = 0xffff;
	server = thread_new(silent_server, ep | (uint64_t)idle << 32, 150, 0);
	root_yield_at(149, 1);			/* the server waits in Recv */
	thread_new(waiting_caller, ep, 120, 0);
	root_yield_at(119, 2);			/* the call is taken; the caller waits */
	check(cancelled_err == 0xffff, "ipc/caller-waits-for-reply", "call returned %s early",
	      writ_error_name((int)cancelled_err));
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, server, FULL_DEPTH);
	root_yield_at(119, 2);
	check(cancelled_err == WRIT_E_CANCELLED, "ipc/caller-of-deleted-server-cancelled",
	      "call returned %s", writ_error_name((int)cancelled_err));

	cancelled_err = 0xffff;
	server = thread_new(silent_server, ep | (uint64_t)idle << 32, 150, 0);
	root_yield_at(149, 1);
	thread_new(waiting_caller, ep, 120, 0);
	root_yield_at(119, 2);
	writ_tcb_suspend(server);
	root_yield_at(119, 2);
	check(cancelled_err == WRIT_E_CANCELLED, "ipc/caller-of-suspended-server-cancelled",
	      "call returned %s", writ_error_name((int)cancelled_err));
}

void
reply_tests_run(void)
{
	test_reply_caps();
	test_one_cap();
	test_caller_of_dead_server();
}
