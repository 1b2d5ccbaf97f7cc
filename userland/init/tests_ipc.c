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
static writ_cptr_t vs2;

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

static void
park(void)
{
	struct writ_msg m = { 0 };
	static writ_cptr_t park_ep;

	if (!park_ep)
		park_ep = limbo_ep ? limbo_ep : 0;
	for (;;)
		writ_recv(park_ep, &m);	/* never answered (or fails at once: then spins) */
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

void
ipc_tests_run(void)
{
	if (!workers_init()) {
		check(false, "ipc/setup", "no memory for the worker threads");
		return;
	}
	test_lengths();
	(void)park;
	(void)worker_kill;
}
