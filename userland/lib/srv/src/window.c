/*
 * Windows: memory a client shares with the server for bulk data (writ/scheme.h, "Bulk
 * data"; srv.h). The client pays for the frames; the server pays for the page tables
 * that map them, made once per address-space slot and kept for the next window there.
 *
 * A window's frames are the capabilities the client *moved* to us: no capability the
 * client keeps is their ancestor, so nothing it deletes or revokes unmaps them here.
 * But the client can revoke the untyped memory they came from (its quota is its own),
 * and then the kernel deletes our capabilities and unmaps the pages: the next touch
 * faults. Looking for each page before each use costs a system call a page (it made a
 * 16 MiB read half again as slow), so instead the server handles its own faults: its
 * threads' fault endpoint is ours, and a fault thread answers a fault inside a window
 * by mapping a page of zeros there and marking the window dead, so the request ends
 * (ESTALE) and the window is refused from then on. Any other fault ends the server as
 * before (the fault thread faults in turn, to init).
 *
 * Requests touch a window only under the server's lock, and a window is released only
 * under it, so a request never sees one half freed. The fault thread takes no lock: the
 * thread that faulted holds it, and waits.
 */
#include <srv/srv.h>
#include <writ/mem.h>

#include <errno.h>
#include <writ/proc.h>
#include <writ/thread.h>

#define FULL 64
#define SLOT_BYTES ((size_t)SCHEME_WINDOW_PAGES * 4096)
_Static_assert(SRV_WINDOWS * SLOT_BYTES % (2u << 20) == 0, "whole 2 MiB steps");
#define MAX_RADIX 16            /* the largest CNode a client's retype can zero */

static uint8_t *space;          /* SRV_WINDOWS slots of SLOT_BYTES, reserved once */
static struct srv_window *slot_win[SRV_WINDOWS];
static struct writ_thread fault_thread;
static writ_cptr_t init_fault;          /* init's fault endpoint, as the process got it */
static writ_cptr_t fault_ep, scratch;   /* scratch: the page of zeros, mapped at... */
static uint8_t *scratch_va;             /* ...here, to zero it */
static bool slot_used[SRV_WINDOWS];
/* Each address-space slot's run of CSpace slots for its frames, made at its first use
 * and kept: runs freed and taken again would fragment libwrit's list of free slots. */
static writ_cptr_t slot_caps[SRV_WINDOWS];
static unsigned live;

unsigned
srv_windows_live(void)
{
	return live;
}

/*
 * Reserve the windows' address space and make every page table under it now, with a
 * page of our own mapped and unmapped at each 2 MiB step: with the tables in place a
 * client's 2 MiB frame can never be mapped over several windows (Map finds a table
 * where it would go and refuses).
 */
static bool
space_make(void)
{
	uint8_t *va = writ_va_reserve(SRV_WINDOWS * SLOT_BYTES / 4096);
	uint8_t *end = va + SRV_WINDOWS * SLOT_BYTES;
	writ_cptr_t probe;

	if (!va || writ_own_object(WRIT_OBJ_FRAME_4K, 0, &probe) != WRIT_OK)
		return false;
	/* Each 2 MiB step and, for p == end, the last page (the range is a whole number
	 * of 2 MiB but need not start 2 MiB-aligned). */
	for (uint8_t *p = va; p <= end; p += 2u << 20) {
		uint8_t *at = p < end ? p : end - 4096;

		if (writ_map_frame(WRIT_PSLOT_VSPACE, probe, (writ_word_t)at, WRIT_RIGHT_READ,
				   WRIT_MAP_WRITE_BACK, writ_own_table, NULL) != WRIT_OK)
			return false;
		writ_frame_unmap(probe);
	}
	writ_cnode_delete(WRIT_PSLOT_CNODE, probe, FULL);
	writ_slot_free(probe);
	space = va;
	return true;
}

static int
slot_take(void)
{
	for (unsigned i = 0; i < SRV_WINDOWS; i++)
		if (!slot_used[i]) {
			slot_used[i] = true;
			return (int)i;
		}
	return -1;
}

/* Unmap and delete frames first..first+n (their slots stay the address-space slot's).
 * A frame the client's death already destroyed left an empty slot: harmless. */
static void
frames_drop(writ_cptr_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		writ_frame_unmap(first + i);
		writ_cnode_delete(WRIT_PSLOT_CNODE, first + i, FULL);
	}
}

/*
 * Is cap a frame we may map read-write? It is the client's, so it cannot be invoked
 * blindly: Map through a notification signals it and answers OK, and a Call through
 * an endpoint waits for whoever receives there (for ever, holding our lock). So: a
 * non-blocking Send of a Map to a misaligned address, which never blocks on any
 * object; only a frame with Read and Write answers WRIT_E_ALIGNMENT (a frame without
 * them answers RIGHTS; a notification is signalled, an endpoint maybe sent to, both
 * harmless and both answer something else).
 */
static bool
is_rw_frame(writ_cptr_t cap)
{
	struct writ_msg m = { 0 };

	m.mr[0] = WRIT_PSLOT_VSPACE;
	m.mr[1] = 1;
	m.mr[2] = WRIT_RIGHT_READ | WRIT_RIGHT_WRITE;
	m.mr[3] = WRIT_MAP_WRITE_BACK;
	m.info = writ_msginfo(WRIT_LABEL_FRAME_MAP, 0, 4);
	return writ_nbsend(cap, &m) == WRIT_E_ALIGNMENT;
}

/*
 * Move the frames out of the client's CNode (cnode, radix) into our slots and map
 * them at va. is_rw_frame and Map are the checks: Map refuses a frame mapped already,
 * and a 2 MiB one (misaligned, or a page table is in its way: see space_make). How
 * many frames were taken goes to *taken, for the caller to drop on failure; what is
 * no frame is deleted here, as dropping invokes what it drops.
 */
static int
frames_take(writ_cptr_t cnode, unsigned radix, writ_cptr_t first, unsigned pages,
	    uint8_t *va, unsigned *taken)
{
	for (*taken = 0; *taken < pages; (*taken)++) {
		writ_cptr_t dst = first + *taken;

		if (writ_cnode_move(WRIT_PSLOT_CNODE, dst, FULL, cnode, *taken, radix) != WRIT_OK)
			return EINVAL;
		if (!is_rw_frame(dst)) {
			/* Not to be invoked again (frames_drop unmaps): it just goes. */
			writ_cnode_delete(WRIT_PSLOT_CNODE, dst, FULL);
			return EINVAL;
		}
		if (writ_map_frame(WRIT_PSLOT_VSPACE, dst, (writ_word_t)(va + *taken * 4096ul),
				   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK,
				   writ_own_table, NULL) != WRIT_OK) {
			/* Taken, not mapped: delete it with the others. */
			(*taken)++;
			return EINVAL;
		}
	}
	return 0;
}

void
srv_window_share(struct srv *s, struct srv_req *req)
{
	writ_word_t pages = req->m.mr[0], radix = req->m.mr[1];
	struct srv_window *w;
	writ_cptr_t first;
	unsigned taken = 0;
	int slot, rec, err;

	if (!fault_ep)
		return srv_result(req, -ENOSYS);	/* srv_windows_init was not called */
	if (pages == 0 && radix == 0 && req->n_got == 0)
		return srv_result(req, 0);	/* the probe: yes, windows are served here */
	if (req->n_got != 1 || pages == 0 || pages > SCHEME_WINDOW_PAGES || radix == 0 ||
	    radix > MAX_RADIX || pages > (1ull << radix))
		return srv_result(req, -EINVAL);
	if (!(w = malloc(sizeof(*w))))
		return srv_result(req, -ENOMEM);
	if ((slot = slot_take()) < 0) {
		free(w);
		return srv_result(req, -ENFILE);
	}
	if (!slot_caps[slot])
		slot_caps[slot] = writ_slot_alloc_run(SCHEME_WINDOW_PAGES);
	if (!(first = slot_caps[slot])) {
		slot_used[slot] = false;
		free(w);
		return srv_result(req, -ENOMEM);
	}
	*w = (struct srv_window){ .va = space + (size_t)slot * SLOT_BYTES,
				  .len = (size_t)pages * 4096, .frames = first,
				  .pages = (unsigned)pages, .slot = (unsigned)slot };
	err = frames_take(req->got_cap[0], (unsigned)radix, first, w->pages, w->va, &taken);
	if (err || (rec = srv_record_new(s, SCHEME_KIND_WINDOW, w)) < 0) {
		frames_drop(first, taken);
		slot_used[slot] = false;
		free(w);
		return srv_result(req, err ? -err : -ENFILE);
	}
	live++;
	slot_win[slot] = w;
	srv_reply_record(req, s, rec);
	srv_result(req, (long)w->len);
}

bool
srv_window_alive(struct srv_window *w, size_t len)
{
	(void)len;	/* the fault thread marks a window dead at its first missing page */
	return !w->dead;
}

struct srv_window *
srv_req_window(struct srv *s, const struct srv_req *req)
{
	for (unsigned k = 0; k < req->n_unwrapped; k++) {
		struct srv_record *r = srv_record_of(s, req->unwrapped[k]);

		if (r && r->kind == SCHEME_KIND_WINDOW && !((struct srv_window *)r->obj)->dead)
			return r->obj;
	}
	return NULL;
}

void
srv_window_release(struct srv_window *w)
{
	if (!w)
		return;
	frames_drop(w->frames, w->pages);
	slot_win[w->slot] = NULL;
	slot_used[w->slot] = false;
	live--;
	free(w);
}

/* A fault at va in window slot `slot`: a page of zeros in place of the one gone (in the
 * frame's own capability slot, so release unmaps it as it would the frame). */
static bool
patch(writ_word_t va)
{
	size_t off = (size_t)(va - (writ_word_t)space);
	unsigned slot = (unsigned)(off / SLOT_BYTES), page = (unsigned)(off % SLOT_BYTES / 4096);
	struct srv_window *w = slot_win[slot];
	writ_cptr_t cap;

	if (!w || page >= w->pages)
		return false;
	cap = w->frames + page;
	writ_cnode_delete(WRIT_PSLOT_CNODE, cap, FULL);	/* empty already, if the frame went */
	if (writ_cnode_copy(WRIT_PSLOT_CNODE, cap, FULL, WRIT_PSLOT_CNODE, scratch, FULL,
			    WRIT_RIGHT_READ | WRIT_RIGHT_WRITE) != WRIT_OK ||
	    writ_frame_map(cap, WRIT_PSLOT_VSPACE, (writ_word_t)(w->va + page * 4096ul),
			   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK) != WRIT_OK)
		return false;
	/* Zeros, not what an earlier fault's request left: no client sees another's bytes. */
	memset(scratch_va, 0, 4096);
	w->dead = true;
	return true;
}

static void
fault_loop(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		struct writ_msg m = { 0 };
		writ_word_t label, va;

		if (writ_recv(fault_ep, &m) != WRIT_OK)
			continue;
		label = writ_msginfo_label(m.info);
		va = m.mr[WRIT_VM_FAULT_ADDR];
		if (label == WRIT_FAULT_VM && va >= (writ_word_t)space &&
		    va - (writ_word_t)space < SRV_WINDOWS * SLOT_BYTES && patch(va)) {
			m.info = writ_msginfo(0, 0, 0);	/* label 0: resume */
			writ_reply(&m);
			continue;
		}
		/* Not a window's: init's to serve (a stack page at its first touch), which
		 * ends the server if it is none it serves. */
		if (label == WRIT_FAULT_VM) {
			struct writ_msg f = m;

			f.info = writ_msginfo(WRIT_FAULT_VM, 0, WRIT_VM_FAULT_LENGTH);
			if (writ_call(init_fault, &f) == WRIT_OK && writ_msginfo_label(f.info) == 0) {
				m.info = writ_msginfo(0, 0, 0);	/* label 0: resume */
				writ_reply(&m);
				continue;
			}
		}
		writ_printf("%s: fault %lu at %lx, RIP %lx, not in a window: ending\n", s->name,
			    label, va, m.mr[WRIT_VM_FAULT_IP]);
		*(volatile int *)0 = 0;
	}
}

int
srv_windows_init(struct srv *s)
{
	const struct writ_startinfo *si = writ_startinfo();

	if (fault_ep)
		return 0;
	init_fault = writ_slot_alloc();
	if (!si || !init_fault || !space_make() || !(scratch_va = writ_page_alloc_cap(&scratch)) ||
	    writ_own_object(WRIT_OBJ_ENDPOINT, 0, &fault_ep) != WRIT_OK)
		return -1;
	/* The fault thread's own faults go to init: it is made before the swap below. */
	if (writ_thread_create(&fault_thread, fault_loop, s, s->prio) != WRIT_OK)
		return -1;
	/* This thread's faults to us (Configure replaces every slot it names: the others
	 * are named again as they are). */
	if (writ_tcb_configure(WRIT_PSLOT_TCB, fault_ep, WRIT_PSLOT_CNODE,
			       WRIT_CNODE_GUARD(0, 64 - si->cnode_radix), WRIT_PSLOT_VSPACE,
			       WRIT_ROOT_IPC_BUFFER, WRIT_PSLOT_IPC_BUFFER) != WRIT_OK)
		return -1;
	/* And every thread made from now on: libwrit gives new threads the endpoint in
	 * WRIT_PSLOT_FAULT. */
	if (writ_cnode_move(WRIT_PSLOT_CNODE, init_fault, FULL, WRIT_PSLOT_CNODE, WRIT_PSLOT_FAULT,
			    FULL) != WRIT_OK ||
	    writ_cnode_copy(WRIT_PSLOT_CNODE, WRIT_PSLOT_FAULT, FULL, WRIT_PSLOT_CNODE, fault_ep,
			    FULL, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY) != WRIT_OK)
		return -1;
	return 0;
}
