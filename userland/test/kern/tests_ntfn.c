/*
 * Notifications, bound notifications and IRQs (issue 13), run by the root task: groups
 * `ipc` (signal, wait, poll, binding, the BIND0001-0004 orderings of sel4test) and `irq`
 * (IRQControl and IRQHandler, and a real device interrupt: COM1's transmitter-empty
 * interrupt on ISA IRQ 4, which the UART raises as soon as it is enabled, because its
 * transmit register is empty).
 *
 * Helper threads run below the root task (priority 255): they only run when the root
 * task blocks or drops its priority (root_yield_at), so every test chooses the order of
 * events itself.
 */
#include <writ/writ.h>

#include "init.h"

#define R WRIT_SLOT_ROOT_CNODE
#define COM1_IER 0x3f9
#define IER_THRI 0x02
#define IRQ_COM1 4

static writ_cptr_t
ntfn_new(void)
{
	return obj_new(WRIT_OBJ_NOTIFICATION, 0);
}

/* A copy of cap with rights and badge. */
static writ_cptr_t
mint(writ_cptr_t cap, unsigned rights, writ_word_t badge)
{
	writ_cptr_t s = slot_alloc();

	if (writ_cnode_mint(R, s, FULL_DEPTH, R, cap, FULL_DEPTH, rights, badge) != WRIT_OK)
		writ_printf("# mint of %lu failed\n", cap);
	return s;
}

/* ---- signal, wait, poll ---- */

struct waiter {
	writ_cptr_t ntfn;
	volatile long err;
	volatile writ_word_t word;
	volatile int done;
};

static void
waiter_thread(uint64_t arg)
{
	struct waiter *w = (struct waiter *)arg;
	writ_word_t word = 0;

	w->err = writ_wait(w->ntfn, &word);
	w->word = word;
	w->done = 1;
	thread_exit();
}

static void
test_signal_poll(void)
{
	writ_cptr_t n = ntfn_new();
	writ_cptr_t b1 = mint(n, WRIT_RIGHT_WRITE, 1), b4 = mint(n, WRIT_RIGHT_WRITE, 4);
	writ_cptr_t b2 = mint(n, WRIT_RIGHT_WRITE, 2);
	writ_word_t w = 99;

	check(writ_poll(n, &w) == WRIT_OK && w == 0, "ipc/ntfn-poll-idle-is-zero", "word %lu", w);
	check_err(writ_signal(b1), WRIT_OK, "ipc/ntfn-signal");
	writ_signal(b4);
	writ_signal(b1);
	check(writ_poll(n, &w) == WRIT_OK && w == 5, "ipc/ntfn-badges-or", "word %lu, want 5", w);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "ipc/ntfn-poll-clears", "word %lu", w);
	writ_signal(b2);
	check(writ_wait(n, &w) == WRIT_OK && w == 2, "ipc/ntfn-wait-pending-returns-at-once",
	      "word %lu", w);
}

static void
test_wait_blocks(void)
{
	static struct waiter w;
	writ_cptr_t n = ntfn_new(), b = mint(n, WRIT_RIGHT_WRITE, 0x30);

	w.ntfn = n;
	thread_new(waiter_thread, (uint64_t)&w, 100, 0);
	root_yield_at(50, 2);
	check(!w.done, "ipc/ntfn-wait-blocks", "waiter returned %ld with %lu", w.err, w.word);
	writ_signal(b);
	root_yield_at(50, 2);
	check(w.done && w.err == WRIT_OK && w.word == 0x30, "ipc/ntfn-signal-wakes-waiter",
	      "done %d err %ld word %lx", w.done, w.err, w.word);
	/* The word was handed to the waiter: nothing is left behind. */
	check(writ_poll(n, (writ_word_t *)&w.word) == WRIT_OK && w.word == 0,
	      "ipc/ntfn-wake-leaves-word-clear", "word %lx", w.word);
}

static void
test_multiple_waiters(void)
{
	static struct waiter w[3];
	writ_cptr_t n = ntfn_new(), b = mint(n, WRIT_RIGHT_WRITE, 8);
	unsigned woken = 0;

	for (unsigned i = 0; i < 3; i++) {	/* one at a time: a known queue order */
		w[i].ntfn = n;
		thread_new(waiter_thread, (uint64_t)&w[i], 100, 0);
		root_yield_at(50, 1);
	}
	writ_signal(b);
	root_yield_at(50, 3);
	for (unsigned i = 0; i < 3; i++)
		woken += w[i].done;
	check(woken == 1 && w[0].done && w[0].word == 8, "ipc/ntfn-one-signal-one-waiter",
	      "%u woke (first: %d %d %d)", woken, w[0].done, w[1].done, w[2].done);
	writ_signal(b);
	writ_signal(b);
	root_yield_at(50, 3);
	check(w[1].done && w[2].done && w[1].word == 8 && w[2].word == 8,
	      "ipc/ntfn-waiters-fifo-all-woken", "done %d %d", w[1].done, w[2].done);
}

static void
test_delete_wakes(void)
{
	static struct waiter w[2];
	writ_cptr_t n = ntfn_new(), copy = mint(n, WRIT_RIGHT_READ, 0);

	w[0].ntfn = copy;
	w[1].ntfn = n;
	thread_new(waiter_thread, (uint64_t)&w[0], 100, 0);
	thread_new(waiter_thread, (uint64_t)&w[1], 100, 0);
	root_yield_at(50, 2);
	check_err(writ_cnode_revoke(R, n, FULL_DEPTH), WRIT_OK, "ipc/ntfn-revoke-copy");
	root_yield_at(50, 2);
	check(!w[0].done && !w[1].done, "ipc/ntfn-copy-deleted-waiters-stay",
	      "done %d %d", w[0].done, w[1].done);
	check_err(writ_cnode_delete(R, n, FULL_DEPTH), WRIT_OK, "ipc/ntfn-delete-last");
	root_yield_at(50, 2);
	check(w[0].done && w[1].done && w[0].err == WRIT_E_CANCELLED &&
	      w[1].err == WRIT_E_CANCELLED, "ipc/ntfn-delete-wakes-waiters-cancelled",
	      "done %d %d err %s %s", w[0].done, w[1].done, writ_error_name((int)w[0].err),
	      writ_error_name((int)w[1].err));
}

static void
test_rights_and_types(void)
{
	writ_cptr_t n = ntfn_new(), ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	writ_cptr_t ro = mint(n, WRIT_RIGHT_READ, 1), wo = mint(n, WRIT_RIGHT_WRITE, 1);
	writ_word_t w;

	check_err(writ_signal(ro), WRIT_E_RIGHTS, "ipc/ntfn-signal-needs-write");
	check_err(writ_wait(wo, &w), WRIT_E_RIGHTS, "ipc/ntfn-wait-needs-read");
	check_err(writ_poll(wo, &w), WRIT_E_RIGHTS, "ipc/ntfn-poll-needs-read");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, ep), WRIT_E_INVALID_CAP,
		  "ipc/bind-endpoint-refused");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, wo), WRIT_E_RIGHTS,
		  "ipc/bind-needs-read");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_CNODE, n), WRIT_E_ILLEGAL_OPERATION,
		  "ipc/bind-on-non-tcb");
	check_err(writ_tcb_unbind_notification(WRIT_SLOT_ROOT_TCB), WRIT_E_ILLEGAL_OPERATION,
		  "ipc/unbind-unbound");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, slot_alloc()),
		  WRIT_E_LOOKUP_MISSING_CAP, "ipc/bind-empty-slot");
	/* A notification is not an object with operations: a Call on it is a Signal too. */
	check_err(writ_invoke(wo, WRIT_LABEL_TCB_RESUME, NULL, 0, NULL, 0), WRIT_OK,
		  "ipc/ntfn-call-is-signal");
	check(writ_poll(n, &w) == WRIT_OK && w == 1, "ipc/ntfn-call-signalled", "word %lu", w);
}

/* ---- bound notifications (sel4test BIND0001-0004) ---- */

struct bound_log {
	writ_cptr_t ep, ntfn;
	unsigned n;				/* receives to do */
	volatile unsigned got;
	volatile long err[4];
	volatile writ_word_t info[4], badge[4], mr0[4];
};

/* Receive on the endpoint n times, noting each result. */
static void
bound_thread(uint64_t arg)
{
	struct bound_log *l = (struct bound_log *)arg;

	for (unsigned i = 0; i < l->n; i++) {
		struct writ_msg m = { 0 };
		long err = writ_recv(l->ep, &m);

		l->err[i] = err;
		l->info[i] = m.info;
		l->badge[i] = m.badge;
		l->mr0[i] = m.mr[0];
		l->got = i + 1;
	}
	thread_exit();
}

/* Receive on its own bound notification (BIND0002). */
static void
bound_wait_thread(uint64_t arg)
{
	struct bound_log *l = (struct bound_log *)arg;
	writ_word_t w = 0;

	l->err[0] = writ_wait(l->ntfn, &w);
	l->badge[0] = w;
	l->got = 1;
	thread_exit();
}

static writ_cptr_t
bound_setup(struct bound_log *l, unsigned n, void (*fn)(uint64_t))
{
	writ_cptr_t t;

	l->ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	l->ntfn = ntfn_new();
	l->n = n;
	t = thread_new(fn, (uint64_t)l, 100, 0);
	/* Bound before it first runs (it runs only when we yield). */
	if (writ_tcb_bind_notification(t, l->ntfn) != WRIT_OK)
		writ_printf("# bind failed\n");
	return t;
}

static bool
is_signal(struct bound_log *l, unsigned i, writ_word_t badge)
{
	return l->err[i] == WRIT_OK && writ_msginfo_is_notification(l->info[i]) &&
	       l->badge[i] == badge;
}

static bool
is_message(struct bound_log *l, unsigned i, writ_word_t badge, writ_word_t mr0)
{
	return l->err[i] == WRIT_OK && !writ_msginfo_is_notification(l->info[i]) &&
	       writ_msginfo_label(l->info[i]) == 7 && l->badge[i] == badge && l->mr0[i] == mr0;
}

static void
send_word(writ_cptr_t ep, writ_word_t v)
{
	struct writ_msg m = { .info = writ_msginfo(7, 0, 1), .mr = { v } };

	writ_send(ep, &m);
}

struct sender {
	writ_cptr_t ep;
	writ_word_t v;
};

static void
sender_thread(uint64_t arg)
{
	struct sender *s = (struct sender *)arg;

	send_word(s->ep, s->v);
	thread_exit();
}

/* BIND0001: blocked on the endpoint, a bound thread gets both messages and signals. */
static void
test_bind0001(void)
{
	static struct bound_log l;
	writ_cptr_t t = bound_setup(&l, 2, bound_thread), eb, nb;

	eb = mint(l.ep, WRIT_RIGHT_WRITE, 0x11);
	nb = mint(l.ntfn, WRIT_RIGHT_WRITE, 0x22);
	root_yield_at(50, 2);			/* it blocks in Recv on the endpoint */
	send_word(eb, 1234);
	root_yield_at(50, 2);
	writ_signal(nb);			/* pulls it out of its second Recv */
	root_yield_at(50, 2);
	check(l.got == 2 && is_message(&l, 0, 0x11, 1234) && is_signal(&l, 1, 0x22),
	      "ipc/bind0001-endpoint-and-signal", "got %u info %lx %lx badge %lx %lx", l.got,
	      l.info[0], l.info[1], l.badge[0], l.badge[1]);
	check_err(writ_tcb_bind_notification(t, l.ntfn), WRIT_E_ILLEGAL_OPERATION,
		  "ipc/bind-twice-refused");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, l.ntfn),
		  WRIT_E_ILLEGAL_OPERATION, "ipc/bind-notification-bound-elsewhere");
	check_err(writ_wait(l.ntfn, NULL), WRIT_E_ILLEGAL_OPERATION,
		  "ipc/wait-on-notification-bound-elsewhere");
}

/* BIND0002: a bound thread waiting on its own notification gets the signal. */
static void
test_bind0002(void)
{
	static struct bound_log l;
	writ_cptr_t t = bound_setup(&l, 1, bound_wait_thread), nb = mint(l.ntfn, WRIT_RIGHT_WRITE, 3);

	root_yield_at(50, 2);
	writ_signal(nb);
	root_yield_at(50, 2);
	check(l.got == 1 && l.err[0] == WRIT_OK && l.badge[0] == 3, "ipc/bind0002-wait-own",
	      "got %u err %ld word %lx", l.got, l.err[0], l.badge[0]);
	check_err(writ_tcb_unbind_notification(t), WRIT_OK, "ipc/unbind");
	check_err(writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, l.ntfn), WRIT_OK,
		  "ipc/bind-after-unbind");
	check_err(writ_tcb_unbind_notification(WRIT_SLOT_ROOT_TCB), WRIT_OK, "ipc/unbind-root");
}

/* BIND0003: the bound thread waits first, then a message comes: it arrives intact. */
static void
test_bind0003(void)
{
	static struct bound_log l;
	static struct sender s;

	bound_setup(&l, 1, bound_thread);
	root_yield_at(50, 2);
	s = (struct sender){ mint(l.ep, WRIT_RIGHT_WRITE, 0x33), 77 };
	thread_new(sender_thread, (uint64_t)&s, 100, 0);
	root_yield_at(50, 3);
	check(l.got == 1 && is_message(&l, 0, 0x33, 77), "ipc/bind0003-wait-then-send",
	      "got %u info %lx badge %lx mr0 %lu", l.got, l.info[0], l.badge[0], l.mr0[0]);
}

/* BIND0004: a signal pending and a sender queued: the signal first, then the message. */
static void
test_bind0004(void)
{
	static struct bound_log l;
	static struct sender s;
	writ_cptr_t t = bound_setup(&l, 2, bound_thread);

	writ_tcb_suspend(t);			/* not yet: queue the sender first */
	s = (struct sender){ mint(l.ep, WRIT_RIGHT_WRITE, 0x44), 88 };
	thread_new(sender_thread, (uint64_t)&s, 100, 0);
	root_yield_at(50, 2);			/* the sender blocks on the endpoint */
	writ_signal(mint(l.ntfn, WRIT_RIGHT_WRITE, 0x55));
	writ_tcb_resume(t);
	root_yield_at(50, 3);
	check(l.got == 2 && is_signal(&l, 0, 0x55) && is_message(&l, 1, 0x44, 88),
	      "ipc/bind0004-signal-pending-then-send", "got %u info %lx %lx badge %lx %lx",
	      l.got, l.info[0], l.info[1], l.badge[0], l.badge[1]);
}

/* A bound thread's NBRecv on an empty endpoint takes a pending signal, else would block. */
static void
test_bound_nbrecv(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), n = ntfn_new();
	struct writ_msg m = { 0 };

	writ_tcb_bind_notification(WRIT_SLOT_ROOT_TCB, n);
	check_err(writ_nbrecv(ep, &m), WRIT_E_WOULD_BLOCK, "ipc/bound-nbrecv-nothing");
	writ_signal(mint(n, WRIT_RIGHT_WRITE, 9));
	m = (struct writ_msg){ 0 };
	check(writ_nbrecv(ep, &m) == WRIT_OK && writ_msginfo_is_notification(m.info) &&
	      m.badge == 9, "ipc/bound-nbrecv-takes-signal", "info %lx badge %lx", m.info,
	      m.badge);
	writ_cnode_revoke(R, n, FULL_DEPTH);
	check_err(writ_cnode_delete(R, n, FULL_DEPTH), WRIT_OK, "ipc/delete-bound-notification");
	check_err(writ_tcb_unbind_notification(WRIT_SLOT_ROOT_TCB), WRIT_E_ILLEGAL_OPERATION,
		  "ipc/delete-unbinds");
}

/* ---- IRQs ---- */

static writ_cptr_t ier_port;

static void
uart_thri(bool on)
{
	writ_ioport_out(ier_port, 1, COM1_IER, on ? IER_THRI : 0);
}

#define INVOKE4(cap, label, a0, a1, a2, a3) \
	writ_invoke(cap, label, (const writ_word_t[]){ a0, a1, a2, a3 }, 4, NULL, 0)

static void
test_irq_issue_errors(writ_cptr_t h)
{
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, R, slot_alloc(),
					 FULL_DEPTH), WRIT_E_ILLEGAL_OPERATION,
		  "irq/issue-twice-refused");
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, WRIT_IRQ_LINES, R, slot_alloc(),
					 FULL_DEPTH), WRIT_E_RANGE, "irq/issue-line-out-of-range");
	check_err(INVOKE4(WRIT_SLOT_IRQ_CONTROL, WRIT_LABEL_IRQ_CONTROL_ISSUE, 1ull << 40, R,
			  slot_alloc(), FULL_DEPTH), WRIT_E_RANGE, "irq/issue-huge-line");
	/* QEMU routes the PIT's IRQ 0 to GSI 2, so ISA IRQ 2 has no input of its own. */
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, 2, R, slot_alloc(), FULL_DEPTH),
		  WRIT_E_RANGE, "irq/issue-line-taken-by-override");
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, 3, R, WRIT_SLOT_ROOT_TCB,
					 FULL_DEPTH), WRIT_E_DELETE_FIRST,
		  "irq/issue-into-occupied-slot");
	check_err(writ_irq_control_issue(h, 3, R, slot_alloc(), FULL_DEPTH),
		  WRIT_E_ILLEGAL_OPERATION, "irq/issue-needs-control");
	check_err(writ_irq_handler_ack(WRIT_SLOT_IRQ_CONTROL), WRIT_E_ILLEGAL_OPERATION,
		  "irq/ack-on-control");
	check_err(writ_irq_handler_set_notification(h, limbo_ep), WRIT_E_INVALID_CAP,
		  "irq/set-notification-endpoint-refused");
}

static void
test_irq(void)
{
	writ_cptr_t h = slot_alloc(), n = ntfn_new(), ro = mint(n, WRIT_RIGHT_READ, 0);
	writ_word_t w = 0, un0 = 0, un1 = 0, dl = 0;
	long err;

	ier_port = slot_alloc();
	writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, COM1_IER, COM1_IER, R, ier_port, FULL_DEPTH);
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, R, h, FULL_DEPTH),
		  WRIT_OK, "irq/issue-com1");
	test_irq_issue_errors(h);
	check_err(writ_irq_handler_set_notification(h, ro), WRIT_E_RIGHTS,
		  "irq/set-notification-needs-write");

	/* With no notification, the interrupt is masked and counted. */
	writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, &un0, NULL, NULL);
	check_err(writ_irq_handler_ack(h), WRIT_OK, "irq/ack-unmasks");
	uart_thri(true);			/* fires at once: the THR is empty */
	uart_thri(false);
	writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, &un1, NULL, NULL);
	check(un1 == un0 + 1, "irq/unhandled-interrupt-counted", "unhandled %lu -> %lu", un0, un1);

	/* With one, it signals the notification with the badge; then the driver Acks. */
	check_err(writ_irq_handler_set_notification(h, mint(n, WRIT_RIGHT_WRITE, 0x40)), WRIT_OK,
		  "irq/set-notification");
	writ_irq_handler_ack(h);
	uart_thri(true);
	err = writ_wait(n, &w);
	uart_thri(false);
	check(err == WRIT_OK && w == 0x40, "irq/com1-interrupt-signals-notification",
	      "err %s word %lx", writ_error_name((int)err), w);
	writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, &un1, &dl, NULL);
	check(dl == 1 && un1 == un0 + 1, "irq/delivered-counted", "delivered %lu unhandled %lu",
	      dl, un1);
	/* Masked until the Ack: a second edge waits for it. */
	uart_thri(true);
	uart_thri(false);
	check(writ_poll(n, &w) == WRIT_OK && w == 0, "irq/line-masked-until-ack", "word %lx", w);
	/* (The IOAPIC drops an edge on a masked input, as the 82093AA manual says: a
	 * driver looks at its device again after each Ack.) */
	check_err(writ_irq_handler_ack(h), WRIT_OK, "irq/ack");
	uart_thri(true);
	err = writ_wait(n, &w);
	uart_thri(false);
	check(err == WRIT_OK && w == 0x40, "irq/delivered-again-after-ack", "err %s word %lx",
	      writ_error_name((int)err), w);

	check_err(writ_irq_handler_clear(h), WRIT_OK, "irq/clear");
	check_err(writ_cnode_delete(R, h, FULL_DEPTH), WRIT_OK, "irq/delete-handler");
	check_err(writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, R, h, FULL_DEPTH),
		  WRIT_OK, "irq/reissue-after-delete");
	check_err(writ_cnode_delete(R, h, FULL_DEPTH), WRIT_OK, "irq/delete-handler-again");
}

void
tests_ntfn_run(void)
{
	test_signal_poll();
	test_wait_blocks();
	test_multiple_waiters();
	test_delete_wakes();
	test_rights_and_types();
	test_bind0001();
	test_bind0002();
	test_bind0003();
	test_bind0004();
	test_bound_nbrecv();
	test_irq();
}

/* ---- benchmarks (bench mode) ---- */

#define BENCH_ROUNDS 10001	/* medians of at least 10,000 rounds */

static uint64_t bench_samples[BENCH_ROUNDS];
static volatile uint64_t bench_wake_tsc;

/* Wait, note the TSC at wake-up, and (for the IRQ bench) quiet the UART and Ack. */
static void
bench_waiter(uint64_t arg)
{
	writ_cptr_t *caps = (writ_cptr_t *)arg;	/* notification, IRQ handler or 0 */

	for (;;) {
		writ_wait(caps[0], NULL);
		bench_wake_tsc = rdtsc();
		if (caps[1]) {
			uart_thri(false);
			writ_irq_handler_ack(caps[1]);
		}
	}
}

/*
 * The root task drops below a waiter thread, then (a) signals: signal -> waiter's wake,
 * or (b) enables the UART interrupt: kernel entry of the IRQ (its TSC, from
 * IRQ_CONTROL_STATS) -> waiter's wake. Both include the switch to the waiter.
 */
void
bench_ntfn_run(void)
{
	static writ_cptr_t sig_caps[2], irq_caps[2];
	writ_cptr_t n = ntfn_new(), h = slot_alloc(), b = mint(n, WRIT_RIGHT_WRITE, 1);
	writ_word_t entry;
	unsigned got = 0;

	ier_port = slot_alloc();
	writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, COM1_IER, COM1_IER, R, ier_port, FULL_DEPTH);
	sig_caps[0] = n;
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	thread_new(bench_waiter, (uint64_t)sig_caps, 200, 0);
	for (unsigned i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		writ_signal(b);
		bench_samples[i] = bench_wake_tsc - t0;
	}
	writ_printf("bench kern/ntfn-signal-wait %lu instructions\n",
		    median_of(bench_samples, BENCH_ROUNDS));

	/* Signal to a lower-priority waiter: it is woken but does not run; no switch. */
	{
		static writ_cptr_t low_caps[2];
		writ_cptr_t n2 = ntfn_new(), b2 = mint(n2, WRIT_RIGHT_WRITE, 1);

		low_caps[0] = n2;
		thread_new(bench_waiter, (uint64_t)low_caps, 50, 0);
		for (unsigned i = 0; i < BENCH_ROUNDS; i++) {
			uint64_t t0;

			root_yield_at(49, 1);		/* it waits again */
			t0 = rdtsc();
			writ_signal(b2);
			bench_samples[i] = rdtsc() - t0;
		}
		writ_printf("bench kern/ntfn-signal-lower-priority %lu instructions\n",
			    median_of(bench_samples, BENCH_ROUNDS));
		/* root_yield_at left us at the top: back below the IRQ waiter below. */
		writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, 100);
	}

	n = ntfn_new();
	if (writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, R, h, FULL_DEPTH) != WRIT_OK ||
	    writ_irq_handler_set_notification(h, n) != WRIT_OK) {
		writ_printf("# bench: no IRQ handler for COM1\n");
		return;
	}
	irq_caps[0] = n;
	irq_caps[1] = h;
	writ_irq_handler_ack(h);
	thread_new(bench_waiter, (uint64_t)irq_caps, 200, 0);
	for (unsigned i = 0; i < BENCH_ROUNDS; i++) {
		bench_wake_tsc = 0;
		uart_thri(true);	/* the waiter runs before this returns to us */
		if (!bench_wake_tsc ||
		    writ_irq_control_stats(WRIT_SLOT_IRQ_CONTROL, IRQ_COM1, NULL, NULL, &entry))
			continue;
		bench_samples[got++] = bench_wake_tsc - entry;
	}
	writ_tcb_set_priority(WRIT_SLOT_ROOT_TCB, WRIT_SLOT_ROOT_TCB, WRIT_PRIO_MAX);
	if (got)
		writ_printf("bench kern/irq-latency %lu instructions\n", median_of(bench_samples, got));
	else
		writ_printf("# bench: no COM1 interrupt arrived\n");
}
