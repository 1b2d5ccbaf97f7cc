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
	test_caller_of_dead_server();
}
