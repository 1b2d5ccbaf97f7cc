/*
 * IPC tests (group `ipc`): Send, NBSend, Recv, NBRecv, Call, Reply and ReplyRecv on
 * endpoints, as the kernel defines them in <writ/abi.h> and kern/ipc.c.
 *
 * Determinism. No test relies on timing: the root task (priority 255) starts worker
 * threads, then "drains" by dropping to priority 1 and yielding, so every worker runs
 * until it blocks before the root continues. Which side of an IPC arrives first is set
 * by the order in which the root wakes the workers (kicks through control endpoints),
 * never by how long anything takes.
 *
 * Workers. The init helpers make at most 16 threads, so these tests keep a pool of their
 * own: each worker has a fixed stack and IPC buffer and is restarted (suspend, configure,
 * write registers) for every use. A worker can run in the root task's address space or
 * in a second one, whose PML4 maps copies of the root task's image frames at their
 * original addresses (found from the ELF program headers the first image page holds)
 * and every worker's IPC buffer: ordinary C functions run there, and since the frames
 * are the same, globals are shared, so results come back through memory.
 */
#include <writ/writ.h>

#include "init.h"

#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)
#define NWORKERS 8
#define WSTACK 16384
#define LOW_PRIO 1

/* ---- the worker pool and the second address space ---- */

static struct {
	writ_cptr_t tcb, frame;
	uint64_t ipc;
} wk[NWORKERS];
static uint8_t wstack[NWORKERS][WSTACK] __attribute__((aligned(16)));
static writ_cptr_t vs2, park_ep;

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

extern const char __executable_start[];

static bool
workers_init(void)
{
	static bool done;

	if (done)
		return true;
	if (!(park_ep = obj_new(WRIT_OBJ_ENDPOINT, 0)))
		return false;
	for (unsigned i = 0; i < NWORKERS; i++)
		if (!(wk[i].ipc = (uint64_t)page_new(&wk[i].frame)))
			return false;
	done = true;
	return true;
}

/* Map a copy of `frame` into vspace at va, making page tables as needed. */
static long
map_copy(writ_cptr_t vspace, writ_cptr_t frame, uint64_t va, unsigned rights)
{
	static const unsigned tables[3] = { WRIT_OBJ_PDPT, WRIT_OBJ_PD, WRIT_OBJ_PT };
	writ_cptr_t copy = slot_alloc();
	long err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, copy, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				   frame, FULL_DEPTH, rights);

	if (err != WRIT_OK)
		return err;
	err = writ_frame_map(copy, vspace, va, rights, WRIT_MAP_WRITE_BACK);
	for (unsigned i = 0; i < 3 && err == WRIT_E_LOOKUP_MISSING_CAP; i++) {
		writ_cptr_t t = obj_new(tables[i], 0);

		if (writ_page_table_map(t, vspace, va) != WRIT_OK)
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
		err = writ_frame_map(copy, vspace, va, rights, WRIT_MAP_WRITE_BACK);
	}
	return err;
}

/*
 * The second address space: the root task's ELF pages in the order the kernel mapped
 * them (kern/boot/root.c: PT_LOAD segments by address, a shared page once), which is
 * the order of the image frames in BootInfo, plus the workers' IPC buffers.
 */
writ_cptr_t
ipc_second_vspace(void)
{
	const struct elf64_ehdr *eh = (const void *)__executable_start;
	const struct elf64_phdr *ph;
	unsigned n = 0;
	uint64_t last = ~0ull;
	long err = WRIT_OK;

	if (vs2)
		return vs2;
	if (!workers_init() || eh->ident[0] != 0x7f || eh->ident[1] != 'E')
		return 0;
	vs2 = obj_new(WRIT_OBJ_PML4, 0);
	ph = (const void *)(__executable_start + eh->phoff);
	for (unsigned s = 0; s < eh->phnum && err == WRIT_OK; s++) {
		unsigned rights = (ph[s].flags & 4 ? WRIT_RIGHT_READ : 0) |
				  (ph[s].flags & 2 ? WRIT_RIGHT_WRITE : 0) |
				  (ph[s].flags & 1 ? WRIT_RIGHT_EXEC : 0);
		uint64_t end = (ph[s].vaddr + ph[s].memsz + 4095) & ~4095ull;

		if (ph[s].type != 1 || ph[s].memsz == 0)
			continue;
		for (uint64_t p = ph[s].vaddr & ~4095ull; p < end && err == WRIT_OK; p += 4096) {
			if (p == last)
				continue;	/* shared with the previous segment: mapped */
			if (n == init.bi->n_image_frames) {
				err = WRIT_E_RANGE;
				break;
			}
			err = map_copy(vs2, init.bi->first_image_frame_slot + n++, p, rights);
			last = p;
		}
	}
	for (unsigned i = 0; i < NWORKERS && err == WRIT_OK; i++)
		err = map_copy(vs2, wk[i].frame, wk[i].ipc, RW);
	if (err != WRIT_OK) {
		writ_printf("# ipc: second address space: %s\n", writ_error_name((int)err));
		vs2 = 0;
	}
	return vs2;
}

/* (Re)start worker i running fn(arg) at prio in vspace, with its IPC buffer or none. */
bool
ipc_worker_start(unsigned i, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
		 writ_cptr_t vspace, bool buffer)
{
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };

	if (!workers_init())
		return false;
	if (!wk[i].tcb)
		wk[i].tcb = obj_new(WRIT_OBJ_TCB, 0);
	else
		writ_tcb_suspend(wk[i].tcb);
	if (writ_tcb_configure(wk[i].tcb, 0, WRIT_SLOT_ROOT_CNODE, 0, vspace,
			       buffer ? wk[i].ipc : 0, buffer ? wk[i].frame : 0) != WRIT_OK ||
	    writ_tcb_set_priority(wk[i].tcb, WRIT_SLOT_ROOT_TCB, prio) != WRIT_OK)
		return false;
	ctx[WRIT_CTX_RIP] = (writ_word_t)fn;
	ctx[WRIT_CTX_RSP] = (writ_word_t)(wstack[i] + WSTACK) - 8;
	ctx[WRIT_CTX_RDI] = arg;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = buffer ? wk[i].ipc : 0;
	return writ_tcb_write_regs(wk[i].tcb, true, ctx, WRIT_CTX_COUNT) == WRIT_OK;
}

void
ipc_worker_stop(unsigned i)
{
	if (wk[i].tcb)
		writ_tcb_suspend(wk[i].tcb);
}

/* Delete worker i's TCB; the next start makes a new one. */
static void
worker_kill(unsigned i)
{
	if (wk[i].tcb)
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, wk[i].tcb, FULL_DEPTH);
	wk[i].tcb = 0;
}

/* Let every worker run until it blocks. */
void
ipc_drain(void)
{
	root_yield_at(LOW_PRIO, 1);
}

static writ_cptr_t
mint(writ_cptr_t src, unsigned rights, writ_word_t badge)
{
	writ_cptr_t s = slot_alloc();

	if (writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, s, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, src,
			    FULL_DEPTH, rights, badge) != WRIT_OK)
		return 0;
	return s;
}

/* A worker that has finished waits here for good (nobody sends on park_ep). */
static __attribute__((noreturn)) void
park(void)
{
	struct writ_msg m = { 0 };

	for (;;)
		writ_recv(park_ep, &m);
}

static void
set_word(struct writ_msg *m, unsigned i, writ_word_t v)
{
	if (i < WRIT_MSG_REGS)
		m->mr[i] = v;
	else
		writ_mr_set(i, v);
}

static writ_word_t
get_word(const struct writ_msg *m, unsigned i)
{
	return i < WRIT_MSG_REGS ? m->mr[i] : writ_mr_get(i);
}

/* A distinct value for every (length, word, side). */
static writ_word_t
pattern(unsigned len, unsigned i, unsigned salt)
{
	return 0xf000000000000000ull | (writ_word_t)salt << 48 | (writ_word_t)len << 32 |
	       0xa5a50000u | i;
}

#define SENTINEL 0x5e5e5e5e5e5e5e5eull
#define LABEL(len) (0x1000u + (len))

/* ---- message contents at every length ---- */

enum { V_SEND, V_NBSEND, V_CALL };

static writ_cptr_t lm_ep, lm_ep_badged, ctl_s, ctl_r;
static volatile unsigned lm_fail, lm_s_done, lm_r_done;
static char lm_why[128];

#define LM_BADGE 0x51

static void
lm_note(const char *fmt, ...)
{
	va_list ap;

	if (lm_fail++)
		return;
	va_start(ap, fmt);
	writ_vsnprintf(lm_why, sizeof(lm_why), fmt, ap);
	va_end(ap);
}

/* Check a received message of length len (pattern salt) on this thread. */
static void
check_msg(const char *who, long err, const struct writ_msg *m, unsigned len, unsigned salt,
	  writ_word_t badge)
{
	if (err != WRIT_OK) {
		lm_note("%s len %u: %s", who, len, writ_error_name((int)err));
		return;
	}
	if (writ_msginfo_length(m->info) != len || writ_msginfo_label(m->info) != LABEL(len) ||
	    writ_msginfo_caps(m->info) != 0) {
		lm_note("%s len %u: info %lx", who, len, m->info);
		return;
	}
	if (m->badge != badge) {
		lm_note("%s len %u: badge %lx, want %lx", who, len, m->badge, badge);
		return;
	}
	for (unsigned i = 0; i < len; i++)
		if (get_word(m, i) != pattern(len, i, salt)) {
			lm_note("%s len %u: word %u is %lx, want %lx", who, len, i,
				get_word(m, i), pattern(len, i, salt));
			return;
		}
	for (unsigned i = len > WRIT_MSG_REGS ? len : WRIT_MSG_REGS; i < WRIT_MSG_MAX_LENGTH; i++)
		if (writ_mr_get(i) != SENTINEL) {
			lm_note("%s len %u: word %u past the end written", who, len, i);
			return;
		}
}

static void
lm_receiver(uint64_t variant)
{
	struct writ_msg m = { 0 };

	writ_recv(ctl_r, &m);
	for (;;) {
		unsigned len = (unsigned)m.mr[0];
		long err;

		for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
			set_word(&m, i, SENTINEL);
		m.info = 0;
		err = writ_recv(lm_ep, &m);
		lm_r_done++;
		check_msg("receiver", err, &m, len, 1, LM_BADGE);
		if (variant == V_CALL) {
			for (unsigned i = 0; i < len; i++)
				set_word(&m, i, pattern(len, i, 2));
			m.info = writ_msginfo(LABEL(len), 0, len);
			writ_reply_recv(ctl_r, &m);
		} else {
			writ_recv(ctl_r, &m);
		}
	}
}

static void
lm_sender(uint64_t variant)
{
	struct writ_msg m = { 0 };

	for (;;) {
		unsigned len;
		long err;

		writ_recv(ctl_s, &m);
		len = (unsigned)m.mr[0];
		for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
			set_word(&m, i, i < len ? pattern(len, i, 1) : SENTINEL);
		m.info = writ_msginfo(LABEL(len), 0, len);
		if (variant == V_SEND)
			err = writ_send(lm_ep_badged, &m);
		else if (variant == V_NBSEND)
			err = writ_nbsend(lm_ep_badged, &m);
		else
			err = writ_call(lm_ep_badged, &m);
		if (variant == V_CALL) {
			/* the reply: same length, the replier's pattern, badge 0 */
			check_msg("caller", err, &m, len, 2, 0);
		} else if (err != WRIT_OK) {
			lm_note("sender len %u: %s", len, writ_error_name((int)err));
		}
		lm_s_done++;
	}
}

static void
kick(writ_cptr_t ctl, unsigned len)
{
	struct writ_msg m = { .info = writ_msginfo(0, 0, 1), .mr = { len } };

	writ_nbsend(ctl, &m);	/* never blocks the root: a worker not waiting misses it */
}

/*
 * Every length, except in the boot that runs the cspace checker after every syscall
 * (`check`), where the whole matrix would take most of the boot's time: there the
 * lengths around each boundary (registers, buffer, maximum).
 */
static unsigned
next_len(unsigned len)
{
	static const unsigned quick[] = { 0, 1, 3, 4, 5, 8, 63, 119, 120, 121 };

	if (!cmdline_has("check"))
		return len + 1;
	for (unsigned i = 0;; i++)
		if (quick[i] > len)
			return quick[i];
}

static void
lm_run(unsigned variant, unsigned sprio, bool sender_first, bool two_as)
{
	static const char *const vname[] = { "send-recv", "nbsend-recv", "call-replyrecv" };
	char name[96];
	writ_cptr_t vs = two_as ? ipc_second_vspace() : WRIT_SLOT_ROOT_VSPACE;

	writ_snprintf(name, sizeof(name), "ipc/lengths-%s-sender-prio%u-%s-first-%s",
		      vname[variant], sprio, sender_first ? "sender" : "receiver",
		      two_as ? "2as" : "1as");
	lm_fail = lm_s_done = lm_r_done = 0;
	if (!vs || !ipc_worker_start(0, lm_receiver, variant, 100, WRIT_SLOT_ROOT_VSPACE, true) ||
	    !ipc_worker_start(1, lm_sender, variant, sprio, vs, true)) {
		check(false, name, "could not start the threads");
		return;
	}
	ipc_drain();
	for (unsigned len = 0; len <= WRIT_MSG_MAX_LENGTH && !lm_fail; len = next_len(len)) {
		unsigned sd = lm_s_done, rd = lm_r_done;

		if (sender_first) {
			kick(ctl_s, len);
			ipc_drain();
			if (lm_s_done != sd)
				lm_note("len %u: the sender did not block", len);
			kick(ctl_r, len);
		} else {
			kick(ctl_r, len);
			ipc_drain();
			if (lm_r_done != rd)
				lm_note("len %u: the receiver did not block", len);
			kick(ctl_s, len);
		}
		ipc_drain();
		if (lm_s_done != sd + 1 || lm_r_done != rd + 1)
			lm_note("len %u: the exchange did not finish (%u %u)", len,
				lm_s_done - sd, lm_r_done - rd);
	}
	ipc_worker_stop(0);
	ipc_worker_stop(1);
	check(lm_fail == 0, name, "%u failures; first: %s", lm_fail, lm_why);
}

static void
test_lengths(void)
{
	static const unsigned prios[3] = { 99, 100, 101 };

	lm_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	lm_ep_badged = mint(lm_ep, RW, LM_BADGE);
	ctl_s = obj_new(WRIT_OBJ_ENDPOINT, 0);
	ctl_r = obj_new(WRIT_OBJ_ENDPOINT, 0);
	for (unsigned as = 0; as < 2; as++)
		for (unsigned p = 0; p < 3; p++) {
			lm_run(V_SEND, prios[p], true, as);
			lm_run(V_SEND, prios[p], false, as);
			lm_run(V_CALL, prios[p], true, as);
			lm_run(V_CALL, prios[p], false, as);
			lm_run(V_NBSEND, prios[p], false, as);
		}
}

/* ---- one-shot jobs: a worker does one IPC (or a few) and records what it got ---- */

enum { J_SEND, J_NBSEND, J_CALL, J_RECV, J_NBRECV, J_REPLY_RECV, J_RECV_REPLY };

static struct job {
	writ_cptr_t cap;
	unsigned op, len, reps;
	bool buffer;			/* words past the registers go to the IPC buffer */
	writ_word_t label, in[WRIT_MSG_REGS];
	volatile long err;
	volatile writ_word_t info, badge, out[WRIT_MSG_REGS];
	volatile unsigned done;
} job[NWORKERS];

static void
w_job(uint64_t i)
{
	struct job *j = &job[i];

	for (unsigned r = 0; r < j->reps; r++) {
		struct writ_msg m = { .info = writ_msginfo(j->label, 0, j->len) };
		long err;

		for (unsigned k = 0; k < j->len && k < WRIT_MSG_MAX_LENGTH; k++)
			if (k < WRIT_MSG_REGS)
				m.mr[k] = j->in[k];
			else if (j->buffer)
				writ_mr_set(k, pattern(WRIT_MSG_MAX_LENGTH, k, 3));
		switch (j->op) {
		case J_SEND: err = writ_send(j->cap, &m); break;
		case J_NBSEND: err = writ_nbsend(j->cap, &m); break;
		case J_CALL: err = writ_call(j->cap, &m); break;
		case J_RECV: err = writ_recv(j->cap, &m); break;
		case J_NBRECV: err = writ_nbrecv(j->cap, &m); break;
		case J_REPLY_RECV: err = writ_reply_recv(j->cap, &m); break;
		default:
			err = writ_recv(j->cap, &m);
			j->out[0] = m.mr[0];
			m.info = writ_msginfo(0, 0, 1);
			m.mr[0] = 42;
			writ_reply(&m);
			m.mr[0] = j->out[0];
			break;
		}
		j->err = err;
		j->info = m.info;
		j->badge = m.badge;
		for (unsigned k = 0; k < WRIT_MSG_REGS; k++)
			j->out[k] = m.mr[k];
		j->done++;
	}
	park();
}

/* Worker i does `op` on cap (message: one word, i) at prio 100; the caller may adjust
 * job[i] through the returned pointer before job_go(). */
static struct job *
job_set(unsigned i, unsigned op, writ_cptr_t cap)
{
	struct job *j = &job[i];

	*(struct job *)j = (struct job){ .cap = cap, .op = op, .len = 1, .reps = 1,
					 .buffer = true, .in = { i }, .err = -1 };
	return j;
}

static writ_cptr_t
job_tcb(unsigned i)
{
	return wk[i].tcb;
}

static bool
job_go(unsigned i, unsigned prio)
{
	return ipc_worker_start(i, w_job, i, prio, WRIT_SLOT_ROOT_VSPACE, job[i].buffer);
}

/* Start the job and let it run until it blocks. */
static bool
job_run(unsigned i)
{
	bool ok = job_go(i, 100);

	ipc_drain();
	return ok;
}

static void
stop_all(void)
{
	for (unsigned i = 0; i < NWORKERS; i++)
		ipc_worker_stop(i);
}

/* ---- badges ---- */

static void
test_badges(void)
{
	static const writ_word_t badges[4] = { 0, 1, 0xdeadbeefcafeull, 0xfedcba9876543210ull };
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), caps[4];
	unsigned bad = 0;
	char why[96] = "";

	caps[0] = ep;
	for (unsigned i = 1; i < 4; i++)
		caps[i] = mint(ep, WRIT_RIGHT_WRITE, badges[i]);
	for (unsigned i = 0; i < 4; i++) {
		job_set(i, J_SEND, caps[i]);
		job_run(i);		/* blocks: nobody receives yet */
	}
	for (unsigned i = 0; i < 4; i++) {
		struct writ_msg m = { 0 };
		long err = writ_recv(ep, &m);

		if ((err != WRIT_OK || m.badge != badges[i] || m.mr[0] != i) && !bad++)
			writ_snprintf(why, sizeof(why), "message %u: %s, badge %lx, word %lu", i,
				      writ_error_name((int)err), m.badge, m.mr[0]);
		if (i == 0)
			check(err == WRIT_OK && m.badge == 0, "ipc/badge-unbadged-is-zero",
			      "badge %lx", m.badge);
	}
	check(bad == 0, "ipc/badges-delivered", "%s", why);
	ipc_drain();
	check(job[0].done && job[1].done && job[2].done && job[3].done &&
	      job[3].err == WRIT_OK, "ipc/badged-senders-released", "done %u %u %u %u",
	      job[0].done, job[1].done, job[2].done, job[3].done);
	stop_all();
}

/* ---- Call, Reply, ReplyRecv ---- */

static void
test_call_reply(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };
	long err;

	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "ipc/reply-without-caller");

	/* Call, Reply: the answer arrives with its label, words and badge 0. */
	job_set(0, J_CALL, mint(ep, WRIT_RIGHT_WRITE, 77))->in[0] = 7;
	job_run(0);
	err = writ_recv(ep, &m);
	check(err == WRIT_OK && m.mr[0] == 7 && m.badge == 77 && job[0].done == 0,
	      "ipc/call-received", "%s word %lu badge %lu done %u", writ_error_name((int)err),
	      m.mr[0], m.badge, job[0].done);
	m.info = writ_msginfo(5, 0, 2);
	m.mr[0] = 8;
	m.mr[1] = 9;
	check_err(writ_reply(&m), WRIT_OK, "ipc/reply");
	ipc_drain();
	check(job[0].done == 1 && job[0].err == WRIT_OK && job[0].out[0] == 8 &&
	      job[0].out[1] == 9 && writ_msginfo_label(job[0].info) == 5 &&
	      writ_msginfo_length(job[0].info) == 2 && job[0].badge == 0, "ipc/call-answered",
	      "done %u err %ld words %lu %lu info %lx badge %lu", job[0].done, job[0].err,
	      job[0].out[0], job[0].out[1], job[0].info, job[0].badge);
	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "ipc/reply-is-one-shot");

	/* The caller is deleted while the server holds its call. */
	job_set(1, J_CALL, ep);
	job_run(1);
	err = writ_recv(ep, &m);
	worker_kill(1);
	check(err == WRIT_OK && m.mr[0] == 1, "ipc/call-caller-deleted-received", "%s",
	      writ_error_name((int)err));
	m.info = writ_msginfo(0, 0, 0);
	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "ipc/reply-to-deleted-caller");

	/* Suspended, likewise. */
	job_set(1, J_CALL, ep);
	job_run(1);
	writ_recv(ep, &m);
	ipc_worker_stop(1);
	check_err(writ_reply(&m), WRIT_E_NO_REPLY, "ipc/reply-to-suspended-caller");

	/* Two calls received before any reply: the reply goes to the second caller. */
	job_set(2, J_CALL, ep);
	job_run(2);
	job_set(3, J_CALL, ep);
	job_run(3);
	writ_recv(ep, &m);
	writ_recv(ep, &m);
	m.info = writ_msginfo(0, 0, 1);
	m.mr[0] = 100;
	err = writ_reply(&m);
	ipc_drain();
	check(err == WRIT_OK && job[3].done == 1 && job[3].out[0] == 100 && job[2].done == 0,
	      "ipc/reply-goes-to-latest-caller", "%s done %u %u", writ_error_name((int)err),
	      job[2].done, job[3].done);

	/* Call and Reply still work, the kernel is fine. */
	job_set(4, J_CALL, ep)->in[0] = 44;
	job_run(4);
	writ_recv(ep, &m);
	m.info = writ_msginfo(0, 0, 1);
	m.mr[0] = 45;
	writ_reply(&m);
	ipc_drain();
	check(job[4].done == 1 && job[4].out[0] == 45, "ipc/call-after-lost-callers",
	      "done %u word %lu", job[4].done, job[4].out[0]);

	/* ReplyRecv with nobody to answer still receives. */
	job_set(5, J_REPLY_RECV, ep);
	job_run(5);
	m.info = writ_msginfo(0, 0, 1);
	m.mr[0] = 9;
	writ_send(ep, &m);
	ipc_drain();
	check(job[5].done == 1 && job[5].err == WRIT_OK && job[5].out[0] == 9,
	      "ipc/reply-recv-without-caller-receives", "done %u err %ld word %lu",
	      job[5].done, job[5].err, job[5].out[0]);

	/* A server's Recv-then-Reply answers a Call made before it waited. */
	job_set(6, J_RECV_REPLY, ep);
	m.info = writ_msginfo(0, 0, 1);
	m.mr[0] = 3;
	job_go(6, 100);		/* not yet run: our Call waits for it */
	err = writ_call(ep, &m);
	check(err == WRIT_OK && m.mr[0] == 42 && job[6].out[0] == 3, "ipc/call-before-server",
	      "%s word %lu", writ_error_name((int)err), m.mr[0]);
	stop_all();
}

/*
 * A thread suspended while blocked in Send, Call or Recv and then resumed must not
 * come back reporting an IPC that never happened. KNOWN KERNEL BUG (fails today):
 * ipc_send() sets rax = WRIT_OK before blocking and ipc_recv() leaves rax holding the
 * syscall number, tcb_suspend()/ipc_cancel() change neither, so a resumed sender's
 * Send "succeeds" with its message lost and a resumed receiver returns -5. seL4
 * restarts the syscall instead; any answer but WRIT_OK (or a restart) would do.
 */
static void
test_suspend_resume_blocked(void)
{
	static const unsigned ops[3] = { J_SEND, J_CALL, J_RECV };
	static const char *const names[3] = { "ipc/resumed-sender-not-told-ok",
					      "ipc/resumed-caller-not-told-ok",
					      "ipc/resumed-receiver-not-told-ok" };
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { 0 };

	for (unsigned i = 0; i < 3; i++) {
		job_set(i, ops[i], ep);
		job_run(i);
		ipc_worker_stop(i);
		writ_tcb_resume(job_tcb(i));
		ipc_drain();
		/* Either it waits again (restarted) or it returned an error code. */
		check(job[i].done == 0 || (job[i].err > 0 && job[i].err < WRIT_E_COUNT), names[i],
		      "returned %ld (%s) without any partner", job[i].err,
		      writ_error_name((int)job[i].err));
		ipc_worker_stop(i);
	}
	check_err(writ_nbrecv(ep, &m), WRIT_E_WOULD_BLOCK, "ipc/resumed-threads-left-queue");
	stop_all();
}

/* ---- endpoint deletion ---- */

static void
test_endpoint_delete(void)
{
	static const unsigned send_ops[4] = { J_SEND, J_CALL, J_SEND, J_CALL };
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	unsigned ok = 0;

	for (unsigned i = 0; i < 4; i++) {
		job_set(i, send_ops[i], ep);
		job_run(i);
	}
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH), WRIT_OK,
		  "ipc/delete-endpoint-with-senders");
	ipc_drain();
	for (unsigned i = 0; i < 4; i++)
		ok += job[i].done == 1 && job[i].err == WRIT_E_CANCELLED;
	check(ok == 4, "ipc/delete-endpoint-wakes-senders", "%u of 4; first: done %u err %ld",
	      ok, job[0].done, job[0].err);

	ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	for (unsigned i = 0; i < 4; i++) {
		job_set(i, i == 3 ? J_REPLY_RECV : J_RECV, ep);
		job_run(i);
	}
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH), WRIT_OK,
		  "ipc/delete-endpoint-with-receivers");
	ipc_drain();
	ok = 0;
	for (unsigned i = 0; i < 4; i++)
		ok += job[i].done == 1 && job[i].err == WRIT_E_CANCELLED;
	check(ok == 4, "ipc/delete-endpoint-wakes-receivers", "%u of 4; first: done %u err %ld",
	      ok, job[0].done, job[0].err);
	stop_all();
}

/* ---- a server and many clients: first come, first served ---- */

#define FIFO_CLIENTS 6
static writ_cptr_t fifo_ep;
static volatile unsigned fifo_order[2 * FIFO_CLIENTS], fifo_n, fifo_bad;

static void
fifo_server(uint64_t unused)
{
	struct writ_msg m = { 0 };

	(void)unused;
	writ_recv(fifo_ep, &m);
	for (;;) {
		if (fifo_n < 2 * FIFO_CLIENTS)
			fifo_order[fifo_n++] = (unsigned)m.mr[0];
		m.mr[0] = m.mr[0] * 10 + 1;
		m.info = writ_msginfo(0, 0, 1);
		writ_reply_recv(fifo_ep, &m);
	}
}

static void
fifo_client(uint64_t id)
{
	for (unsigned r = 0; r < 2; r++) {
		struct writ_msg m = { .info = writ_msginfo(0, 0, 1), .mr = { id } };

		if (writ_call(fifo_ep, &m) != WRIT_OK || m.mr[0] != id * 10 + 1)
			fifo_bad++;
	}
	park();
}

/*
 * Clients queue in the order 5, 4, ..., 0 (each started and blocked before the next),
 * the reverse of their priorities (100 - id), so first come first served is not
 * priority order. The server (above them all) answers the queue in that order; then
 * the answered clients run by priority, 0 first, and each second call finds the
 * server waiting: 0, 1, ..., 5.
 */
static void
test_fifo(void)
{
	static const unsigned want[2 * FIFO_CLIENTS] = { 5, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5 };
	bool same = true;

	fifo_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	for (unsigned k = 0; k < FIFO_CLIENTS; k++) {
		unsigned id = FIFO_CLIENTS - 1 - k;

		ipc_worker_start(id, fifo_client, id, 100 - id, WRIT_SLOT_ROOT_VSPACE, true);
		ipc_drain();
	}
	ipc_worker_start(FIFO_CLIENTS, fifo_server, 0, 110, WRIT_SLOT_ROOT_VSPACE, true);
	ipc_drain();
	for (unsigned i = 0; i < 2 * FIFO_CLIENTS; i++)
		same &= fifo_order[i] == want[i];
	check(fifo_n == 2 * FIFO_CLIENTS && same && !fifo_bad, "ipc/server-fifo-many-clients",
	      "%u calls, %u bad answers, order %u %u %u %u %u %u %u %u %u %u %u %u", fifo_n,
	      fifo_bad, fifo_order[0], fifo_order[1], fifo_order[2], fifo_order[3],
	      fifo_order[4], fifo_order[5], fifo_order[6], fifo_order[7], fifo_order[8],
	      fifo_order[9], fifo_order[10], fifo_order[11]);
	stop_all();
}

/* ---- non-blocking ---- */

static void
test_nonblocking(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	struct writ_msg m = { .info = writ_msginfo(0, 0, 1), .mr = { 5 } };

	check_err(writ_nbsend(ep, &m), WRIT_OK, "ipc/nbsend-no-receiver-ok");
	check_err(writ_nbrecv(ep, &m), WRIT_E_WOULD_BLOCK, "ipc/nbsend-no-receiver-dropped");
	job_set(0, J_RECV, ep);
	job_run(0);
	check(job[0].done == 0, "ipc/nbsend-dropped-not-queued", "a receiver got %lu",
	      job[0].out[0]);
	ipc_worker_stop(0);
	check_err(writ_nbrecv(ep, &m), WRIT_E_WOULD_BLOCK, "ipc/nbrecv-no-sender");

	job_set(1, J_SEND, mint(ep, WRIT_RIGHT_WRITE, 3))->in[0] = 11;
	job_run(1);
	m = (struct writ_msg){ 0 };
	check(writ_nbrecv(ep, &m) == WRIT_OK && m.mr[0] == 11 && m.badge == 3,
	      "ipc/nbrecv-takes-waiting-sender", "word %lu badge %lu", m.mr[0], m.badge);
	ipc_drain();
	check(job[1].done == 1 && job[1].err == WRIT_OK, "ipc/nbrecv-releases-sender",
	      "done %u err %ld", job[1].done, job[1].err);

	job_set(2, J_NBRECV, ep);
	job_run(2);
	check(job[2].done == 1 && job[2].err == WRIT_E_WOULD_BLOCK, "ipc/nbrecv-in-thread",
	      "done %u err %ld", job[2].done, job[2].err);
	stop_all();
}

/* ---- bad input ---- */

static void
test_bad_input(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), frame = obj_new(WRIT_OBJ_FRAME_4K, 0);
	writ_cptr_t ro = mint(ep, WRIT_RIGHT_READ, 0);
	writ_cptr_t wo = mint(ep, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT, 0);
	struct writ_msg m = { 0 };
	unsigned bad = 0;

	check_err(writ_recv(frame, &m), WRIT_E_INVALID_CAP, "ipc/recv-on-frame");
	check_err(writ_nbrecv(frame, &m), WRIT_E_INVALID_CAP, "ipc/nbrecv-on-frame");
	check_err(writ_reply_recv(frame, &m), WRIT_E_INVALID_CAP, "ipc/reply-recv-on-frame");
	check_err(writ_recv(slot_alloc(), &m), WRIT_E_LOOKUP_MISSING_CAP, "ipc/recv-empty-slot");
	/* A Send to a kernel object is an invocation: label 0 is no operation. */
	m.info = writ_msginfo(0, 0, 0);
	check_err(writ_send(frame, &m), WRIT_E_ILLEGAL_OPERATION, "ipc/send-on-frame");

	m.info = writ_msginfo(0, 0, 1);
	check_err(writ_send(ro, &m), WRIT_E_RIGHTS, "ipc/send-needs-write");
	check_err(writ_nbsend(ro, &m), WRIT_E_RIGHTS, "ipc/nbsend-needs-write");
	check_err(writ_call(ro, &m), WRIT_E_RIGHTS, "ipc/call-needs-write");
	check_err(writ_recv(wo, &m), WRIT_E_RIGHTS, "ipc/recv-needs-read");
	check_err(writ_nbrecv(wo, &m), WRIT_E_RIGHTS, "ipc/nbrecv-needs-read");
	check_err(writ_reply_recv(wo, &m), WRIT_E_RIGHTS, "ipc/reply-recv-needs-read");
	check_err(writ_nbsend(wo, &m), WRIT_OK, "ipc/write-only-cap-sends");

	/* Length 127 (the field's maximum) is taken as WRIT_MSG_MAX_LENGTH. */
	job_set(0, J_SEND, ep)->len = 127;
	job[0].label = 0x777;
	for (unsigned k = 0; k < WRIT_MSG_REGS; k++)
		job[0].in[k] = pattern(WRIT_MSG_MAX_LENGTH, k, 3);
	job_run(0);
	m = (struct writ_msg){ 0 };
	check_err(writ_recv(ep, &m), WRIT_OK, "ipc/length-127-received");
	for (unsigned k = 0; k < WRIT_MSG_MAX_LENGTH; k++)
		bad += get_word(&m, k) != pattern(WRIT_MSG_MAX_LENGTH, k, 3);
	check(writ_msginfo_length(m.info) == WRIT_MSG_MAX_LENGTH &&
	      writ_msginfo_label(m.info) == 0x777 && bad == 0, "ipc/length-127-clamped-to-120",
	      "info %lx, %u words differ", m.info, bad);

	/* No IPC buffer: only the register words travel, and the length says so. */
	job_set(1, J_RECV, ep)->buffer = false;
	job_run(1);
	m.info = writ_msginfo(0, 0, 10);
	for (unsigned k = 0; k < WRIT_MSG_REGS; k++)
		m.mr[k] = 50 + k;
	writ_send(ep, &m);
	ipc_drain();
	check(job[1].done == 1 && writ_msginfo_length(job[1].info) == WRIT_MSG_REGS &&
	      job[1].out[3] == 53, "ipc/receiver-without-buffer-gets-registers",
	      "done %u info %lx word3 %lu", job[1].done, job[1].info, job[1].out[3]);
	job_set(2, J_SEND, ep)->buffer = false;
	job[2].len = 10;
	job_run(2);
	m = (struct writ_msg){ 0 };
	writ_recv(ep, &m);
	check(writ_msginfo_length(m.info) == WRIT_MSG_REGS && m.mr[0] == 2,
	      "ipc/sender-without-buffer-sends-registers", "info %lx word0 %lu", m.info,
	      m.mr[0]);
	stop_all();
}

/* ---- long messages through the fastpath (Call and ReplyRecv, no capabilities) ---- */

#define FP_WORKER 3
/* caps_or_badges[0] of this thread's own IPC buffer (the one %gs names), as a message
 * word index: a worker started here is no libwrit thread, so writ_ipc_buffer() would
 * name the root thread's. */
#define FP_BADGE0 ((__builtin_offsetof(struct writ_ipc_buffer, caps_or_badges) -      \
		    __builtin_offsetof(struct writ_ipc_buffer, msg)) / sizeof(writ_word_t))
static volatile writ_word_t fp_info, fp_words[WRIT_MSG_MAX_LENGTH], fp_badge0;
static volatile unsigned fp_served, fp_reply_len;
static volatile bool fp_buffer;		/* the server has an IPC buffer to write words to */
static volatile long fp_err;

/* Answers every call with ReplyRecv: a reply of fp_reply_len words (salt 4). Waiting
 * in Recv when called, and its caller waiting for the reply, so both directions may
 * take the fastpath. */
static void
fp_server(uint64_t ep)
{
	struct writ_msg m = { 0 };
	long err = writ_recv(ep, &m);

	for (;;) {
		unsigned len = writ_msginfo_length(m.info);

		fp_err = err;
		fp_info = m.info;
		for (unsigned i = 0; i < len && i < WRIT_MSG_MAX_LENGTH; i++)
			fp_words[i] = get_word(&m, i);
		if (fp_buffer) {
			fp_badge0 = writ_mr_get(FP_BADGE0);
			writ_mr_set(FP_BADGE0, SENTINEL);
		}
		fp_served++;
		m.info = writ_msginfo(LABEL(fp_reply_len), 0, fp_reply_len);
		for (unsigned i = 0; i < fp_reply_len && (fp_buffer || i < WRIT_MSG_REGS); i++)
			set_word(&m, i, pattern(fp_reply_len, i, 4));
		err = writ_reply_recv(ep, &m);
	}
}

/* Call with len words (salt 5); the server got `want` of them, and the caller got
 * `want_back` of the server's reply_len, nothing written past them. */
static void
fp_case(writ_cptr_t ep, const char *name, unsigned len, unsigned want, unsigned reply_len,
	unsigned want_back)
{
	struct writ_msg m = { 0 };
	unsigned served = fp_served, bad = 0, bad_back = 0, past = 0;
	long err;

	fp_reply_len = reply_len;
	for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
		set_word(&m, i, i < len ? pattern(want, i, 5) : SENTINEL);
	for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
		fp_words[i] = 0;
	m.info = writ_msginfo(LABEL(len), 0, len);
	err = writ_call(ep, &m);
	for (unsigned i = 0; i < want; i++)
		bad += fp_words[i] != pattern(want, i, 5);
	for (unsigned i = 0; i < want_back; i++)
		bad_back += get_word(&m, i) != pattern(reply_len, i, 4);
	for (unsigned i = want_back > WRIT_MSG_REGS ? want_back : WRIT_MSG_REGS;
	     i < WRIT_MSG_MAX_LENGTH; i++)
		past += writ_mr_get(i) != (i < len ? pattern(want, i, 5) : SENTINEL);
	check(err == WRIT_OK && fp_served == served + 1 && fp_err == WRIT_OK &&
	      writ_msginfo_length(fp_info) == want && writ_msginfo_label(fp_info) == LABEL(len) &&
	      bad == 0 && writ_msginfo_length(m.info) == want_back &&
	      writ_msginfo_label(m.info) == LABEL(reply_len) && bad_back == 0 && past == 0,
	      name, "err %ld served %u got info %lx (%u words wrong), reply info %lx (%u wrong, "
	      "%u past the end)", err, fp_served - served, fp_info, bad, m.info, bad_back, past);
}

/* Call `via` with len words and one capability, cap; what the server got. */
static long
fp_call_cap(writ_cptr_t via, writ_cptr_t cap, unsigned len, unsigned *served)
{
	struct writ_msg m = { 0 };
	unsigned before = fp_served;
	long err;

	fp_reply_len = 1;
	fp_info = 0;
	fp_badge0 = SENTINEL;
	for (unsigned i = 0; i < len; i++)
		set_word(&m, i, pattern(len, i, 6));
	for (unsigned i = 0; i < WRIT_MSG_MAX_LENGTH; i++)
		fp_words[i] = 0;
	writ_set_cap(0, cap);
	m.info = writ_msginfo(LABEL(len), 1, len);
	err = writ_call(via, &m);
	*served = fp_served - before;
	return err;
}

/* A Call naming one capability to the endpoint it calls: the fastpath unwraps it as
 * the full path does; any other capability, or none to be found, goes the full way. */
static void
test_fastpath_unwrap(writ_cptr_t ep)
{
	writ_cptr_t badged = mint(ep, RW | WRIT_RIGHT_GRANT, 77);
	writ_cptr_t nogrant = mint(ep, RW, 78);
	writ_cptr_t other = obj_new(WRIT_OBJ_ENDPOINT, 0);
	unsigned served, bad;
	long err;

	for (unsigned len = 0; len <= 12; len += 6) {
		char name[64];

		err = fp_call_cap(ep, badged, len, &served);
		bad = 0;
		for (unsigned i = 0; i < len; i++)
			bad += fp_words[i] != pattern(len, i, 6);
		writ_snprintf(name, sizeof(name), "ipc/call-unwrapped-cap-%u-words", len);
		check(err == WRIT_OK && served == 1 && writ_msginfo_caps(fp_info) == 1 &&
		      (fp_info >> WRIT_MSGINFO_UNWRAP_SHIFT & WRIT_MSGINFO_UNWRAP_MASK) == 1 &&
		      fp_badge0 == 77 && writ_msginfo_length(fp_info) == len && bad == 0, name,
		      "err %ld served %u info %lx badge %lx, %u words wrong", err, served, fp_info,
		      fp_badge0, bad);
	}
	/* Marked to move, it is unwrapped all the same (the full path's way). */
	{
		struct writ_msg m = { .info = writ_msginfo_move(writ_msginfo(LABEL(1), 1, 1), 1) };
		unsigned before = fp_served;

		writ_set_cap(0, badged);
		fp_badge0 = SENTINEL;
		err = writ_call(ep, &m);
		check(err == WRIT_OK && fp_served == before + 1 && writ_msginfo_caps(fp_info) == 1 &&
		      (fp_info >> WRIT_MSGINFO_UNWRAP_SHIFT & 1) && fp_badge0 == 77,
		      "ipc/call-unwrapped-cap-marked-move", "err %ld info %lx badge %lx", err,
		      fp_info, fp_badge0);
	}
	/* Another endpoint's capability is copied, and the server set no receive slot. */
	err = fp_call_cap(ep, other, 2, &served);
	check(err == WRIT_OK && served == 1 && writ_msginfo_caps(fp_info) == 0 &&
	      fp_badge0 == SENTINEL, "ipc/call-other-endpoint-cap-not-unwrapped",
	      "err %ld served %u info %lx badge %lx", err, served, fp_info, fp_badge0);
	err = fp_call_cap(ep, slot_alloc(), 2, &served);
	check(err == WRIT_OK && served == 1 && writ_msginfo_caps(fp_info) == 0,
	      "ipc/call-empty-slot-cap-not-transferred", "err %ld served %u info %lx", err,
	      served, fp_info);
	err = fp_call_cap(ep, 0xdead000000000000ull, 2, &served);
	check(err == WRIT_OK && served == 1 && writ_msginfo_caps(fp_info) == 0,
	      "ipc/call-wild-cptr-cap-not-transferred", "err %ld served %u info %lx", err,
	      served, fp_info);
	err = fp_call_cap(nogrant, badged, 2, &served);
	check(err == WRIT_E_RIGHTS && served == 0, "ipc/call-cap-without-grant-refused",
	      "err %ld served %u", err, served);
	/* Two capabilities, the first unwrapped: the full path's. */
	{
		struct writ_msg m = { .info = writ_msginfo(LABEL(1), 2, 1) };
		unsigned before = fp_served;

		writ_set_cap(0, badged);
		writ_set_cap(1, badged);
		fp_badge0 = SENTINEL;
		err = writ_call(badged, &m);
		check(err == WRIT_OK && fp_served == before + 1 && writ_msginfo_caps(fp_info) == 2 &&
		      fp_badge0 == 77, "ipc/call-two-unwrapped-caps",
		      "err %ld info %lx badge %lx", err, fp_info, fp_badge0);
	}
}

static void
test_fastpath_long(void)
{
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0);

	fp_buffer = true;
	if (!ep || !ipc_worker_start(FP_WORKER, fp_server, ep, 100, WRIT_SLOT_ROOT_VSPACE, true)) {
		check(false, "ipc/fastpath-long-setup", "no endpoint or server thread");
		return;
	}
	ipc_drain();
	fp_case(ep, "ipc/call-reply-recv-long-both-ways", 10, 10, 10, 10);
	fp_case(ep, "ipc/call-reply-recv-longest-both-ways", WRIT_MSG_MAX_LENGTH,
		WRIT_MSG_MAX_LENGTH, WRIT_MSG_MAX_LENGTH, WRIT_MSG_MAX_LENGTH);
	fp_case(ep, "ipc/call-reply-recv-long-then-short", 5, 5, 1, 1);
	/* Lengths past the maximum are clamped, as the full path does it. */
	fp_case(ep, "ipc/call-length-125-clamped-to-120", 125, WRIT_MSG_MAX_LENGTH, 4, 4);
	test_fastpath_unwrap(ep);
	/* A server without an IPC buffer gets the registers, and sends them only. */
	fp_buffer = false;
	if (!ipc_worker_start(FP_WORKER, fp_server, ep, 100, WRIT_SLOT_ROOT_VSPACE, false)) {
		check(false, "ipc/fastpath-long-setup", "no server thread without a buffer");
		return;
	}
	ipc_drain();
	fp_case(ep, "ipc/call-long-to-receiver-without-buffer-gets-registers", 10,
		WRIT_MSG_REGS, 2, 2);
	fp_case(ep, "ipc/reply-long-from-replier-without-buffer-sends-registers", 2, 2, 12,
		WRIT_MSG_REGS);
	ipc_worker_stop(FP_WORKER);
}

/* ---- registers the syscalls do not define are preserved ---- */

enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_R8, R_R9, R_R10, R_R11, R_R12,
       R_R13, R_R14, R_R15, R_COUNT };

/* Load every register from in[] (R_* order), syscall, store every register in out[]. */
void ipc_regs_syscall(const uint64_t *in, uint64_t *out);
__asm__(".text\n"
	".globl ipc_regs_syscall\n"
	"ipc_regs_syscall:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"push %rsi\n\t"
	"mov 0(%rdi), %rax\n\tmov 8(%rdi), %rbx\n\tmov 24(%rdi), %rdx\n\t"
	"mov 32(%rdi), %rsi\n\tmov 48(%rdi), %rbp\n\tmov 56(%rdi), %r8\n\t"
	"mov 64(%rdi), %r9\n\tmov 72(%rdi), %r10\n\tmov 88(%rdi), %r12\n\t"
	"mov 96(%rdi), %r13\n\tmov 104(%rdi), %r14\n\tmov 112(%rdi), %r15\n\t"
	"mov 40(%rdi), %rdi\n\t"
	"syscall\n\t"
	"xchg %rdi, (%rsp)\n\t"
	"mov %rax, 0(%rdi)\n\tmov %rbx, 8(%rdi)\n\tmov %rcx, 16(%rdi)\n\t"
	"mov %rdx, 24(%rdi)\n\tmov %rsi, 32(%rdi)\n\tmov %rbp, 48(%rdi)\n\t"
	"mov %r8, 56(%rdi)\n\tmov %r9, 64(%rdi)\n\tmov %r10, 72(%rdi)\n\t"
	"mov %r11, 80(%rdi)\n\tmov %r12, 88(%rdi)\n\tmov %r13, 96(%rdi)\n\t"
	"mov %r14, 104(%rdi)\n\tmov %r15, 112(%rdi)\n\t"
	"pop %rax\n\tmov %rax, 40(%rdi)\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\t"
	"ret\n");

static const char *const reg_names[R_COUNT] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
	"rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

#define KEEP_CALLEE (1u << R_RBX | 1u << R_RBP | 1u << R_R12 | 1u << R_R13 | 1u << R_R14 | \
		     1u << R_R15)
#define KEEP_ALL_BUT_RAX ((1u << R_COUNT) - 1 - (1u << R_RAX | 1u << R_RCX | 1u << R_R11))

/* Three times, as sel4test does: a syscall with magic values everywhere; `keep` says
 * which registers must come back unchanged, and rax must be WRIT_OK. */
static void
regs_case(const char *name, long sys, writ_cptr_t cap, unsigned keep,
	  void (*before)(void), void (*after)(void))
{
	uint64_t in[R_COUNT], out[R_COUNT];
	char why[128] = "";

	for (unsigned round = 0; round < 3 && !why[0]; round++) {
		for (unsigned r = 0; r < R_COUNT; r++)
			in[r] = 0x0101010101010101ull * (r + 1) ^ (uint64_t)round << 56;
		in[R_RAX] = (uint64_t)sys;
		in[R_RDI] = cap;
		in[R_RSI] = writ_msginfo(0, 0, WRIT_MSG_REGS);
		if (before)
			before();
		ipc_regs_syscall(in, out);
		if (after)
			after();
		if (out[R_RAX] != WRIT_OK)
			writ_snprintf(why, sizeof(why), "round %u: %s", round,
				      writ_error_name((int)out[R_RAX]));
		for (unsigned r = 0; r < R_COUNT && !why[0]; r++)
			if ((keep >> r & 1) && out[r] != in[r])
				writ_snprintf(why, sizeof(why), "round %u: %s %lx, was %lx", round,
					      reg_names[r], out[r], in[r]);
	}
	check(!why[0], name, "%s", why);
}

static writ_cptr_t regs_ep;

static void
start_receiver(void)
{
	job_set(0, J_RECV, regs_ep);
	job_run(0);
}

static void
start_sender_later(void)
{
	job_set(0, J_SEND, regs_ep);
	job_go(0, 100);		/* runs once we block */
}

static void
start_sender(void)
{
	job_set(0, J_SEND, regs_ep);
	job_run(0);
}

static void
start_server_later(void)
{
	job_set(0, J_RECV_REPLY, regs_ep);
	job_go(0, 100);
}

static void
take_call(void)
{
	struct writ_msg m = { 0 };

	job_set(0, J_CALL, regs_ep);
	job_run(0);
	writ_recv(regs_ep, &m);
}

static void
take_call_of_two(void)
{
	struct writ_msg m = { 0 };

	job_set(0, J_CALL, regs_ep)->reps = 2;
	job_run(0);
	writ_recv(regs_ep, &m);
}

static void
answer_call(void)
{
	struct writ_msg m = { 0 };

	writ_reply(&m);
	ipc_drain();
}

static void
test_registers(void)
{
	regs_ep = obj_new(WRIT_OBJ_ENDPOINT, 0);
	regs_case("ipc/regs-preserved-send", WRIT_SYS_SEND, regs_ep, KEEP_ALL_BUT_RAX,
		  start_receiver, ipc_drain);
	regs_case("ipc/regs-preserved-nbsend-delivered", WRIT_SYS_NBSEND, regs_ep,
		  KEEP_ALL_BUT_RAX, start_receiver, ipc_drain);
	regs_case("ipc/regs-preserved-recv-woken", WRIT_SYS_RECV, regs_ep, KEEP_CALLEE,
		  start_sender_later, ipc_drain);
	regs_case("ipc/regs-preserved-recv-immediate", WRIT_SYS_RECV, regs_ep, KEEP_CALLEE,
		  start_sender, ipc_drain);
	regs_case("ipc/regs-preserved-nbrecv-delivered", WRIT_SYS_NBRECV, regs_ep, KEEP_CALLEE,
		  start_sender, ipc_drain);
	regs_case("ipc/regs-preserved-call-answered", WRIT_SYS_CALL, regs_ep, KEEP_CALLEE,
		  start_server_later, ipc_drain);
	regs_case("ipc/regs-preserved-reply", WRIT_SYS_REPLY, 0x7777, KEEP_ALL_BUT_RAX,
		  take_call, ipc_drain);
	regs_case("ipc/regs-preserved-reply-recv", WRIT_SYS_REPLY_RECV, regs_ep, KEEP_CALLEE,
		  take_call_of_two, answer_call);
	stop_all();
}

void
ipc_tests_run(void)
{
	if (!workers_init()) {
		check(false, "ipc/setup", "no memory for the worker threads");
		return;
	}
	test_lengths();
	test_badges();
	test_call_reply();
	test_endpoint_delete();
	test_suspend_resume_blocked();
	test_fifo();
	test_nonblocking();
	test_bad_input();
	test_fastpath_long();
	test_registers();
	if (init.bi->flags & WRIT_BOOTINFO_F_DEBUG_KERNEL) {
		struct writ_msg m = { 0 };

		check_err(writ_sys(WRIT_SYS_DEBUG_CHECK, 0, &m), WRIT_OK,
			  "ipc/invariants-hold-after");
	}
	stop_all();
}
