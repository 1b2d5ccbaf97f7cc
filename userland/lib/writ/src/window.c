/*
 * Windows: pages of the process's own quota shared with a server for bulk data
 * (writ/scheme.h, "Bulk data"; window.h).
 *
 * Each page has two capabilities, and which is whose matters: the server gets the
 * parent, and we keep a child of it for our own mapping. A copy is always a child of
 * what it was copied from, so before each SHARE we copy our capability, map the copy
 * in its place and move the old one, now unmapped, to the server: nothing we keep is
 * an ancestor of what the server maps, and no Delete or Revoke of ours can unmap the
 * server's view while it copies. When the window closes the server deletes its
 * capabilities; ours keep the pages, which the next window reuses (retyped memory does
 * not come back to the quota until the process ends, so windows are never made anew
 * for each file).
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

#include "window.h"

#define FULL 64
#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)

static struct win wins[WIN_MAX];

/* Pages, their mapping and the CNode that carries them, from the process's quota. */
static bool
win_make(struct win *w)
{
	if (!(w->va = writ_va_reserve(WIN_PAGES)) ||
	    writ_own_object(WRIT_OBJ_CNODE, WIN_RADIX, &w->cnode) != WRIT_OK ||
	    writ_mutex_init(&w->lock) != WRIT_OK)
		return false;
	for (unsigned i = 0; i < WIN_PAGES; i++)
		if (writ_own_object(WRIT_OBJ_FRAME_4K, 0, &w->keep[i]) != WRIT_OK ||
		    writ_map_frame(WRIT_PSLOT_VSPACE, w->keep[i], (writ_word_t)(w->va + i * 4096ul),
				   RW, WRIT_MAP_WRITE_BACK, writ_own_table, NULL) != WRIT_OK)
			return false;
	w->len = WIN_PAGES * 4096ul;
	w->made = true;
	return true;
}

/* Page i: map a child of our capability in its place, and move ours into the CNode. */
static bool
give_page(struct win *w, unsigned i)
{
	writ_cptr_t child = writ_slot_alloc();
	writ_word_t va = (writ_word_t)(w->va + i * 4096ul);

	if (!child)
		return false;
	if (writ_cnode_copy(WRIT_PSLOT_CNODE, child, FULL, WRIT_PSLOT_CNODE, w->keep[i], FULL,
			    RW) != WRIT_OK) {
		writ_slot_free(child);
		return false;
	}
	writ_frame_unmap(w->keep[i]);
	if (writ_frame_map(child, WRIT_PSLOT_VSPACE, va, RW, WRIT_MAP_WRITE_BACK) != WRIT_OK ||
	    writ_cnode_move(w->cnode, i, WIN_RADIX, WRIT_PSLOT_CNODE, w->keep[i], FULL) != WRIT_OK) {
		/* Back as it was: the page stays ours, mapped through its old capability. */
		writ_cnode_delete(WRIT_PSLOT_CNODE, child, FULL);
		writ_slot_free(child);
		writ_frame_map(w->keep[i], WRIT_PSLOT_VSPACE, va, RW, WRIT_MAP_WRITE_BACK);
		return false;
	}
	writ_slot_free(w->keep[i]);
	w->keep[i] = child;
	return true;
}

/* Empty the CNode: what the server did not take (it refused) goes. */
static void
cnode_clear(struct win *w)
{
	for (unsigned i = 0; i < WIN_PAGES; i++)
		writ_cnode_delete(w->cnode, i, WIN_RADIX);
}

struct win *
win_share(writ_cptr_t via, long *err)
{
	struct win *w = NULL;
	struct writ_msg m = { 0 };
	writ_cptr_t slot;
	long r;

	/* Does the server have windows at all? (Nothing is made for one that has none.) */
	m.info = writ_msginfo(SCHEME_OP_SHARE, 0, 2);
	if ((r = writ_call(via, &m) == WRIT_OK ? (long)m.mr[0] : -EIO) != 0) {
		*err = r < 0 ? r : -EIO;
		return NULL;
	}
	m = (struct writ_msg){ 0 };
	for (unsigned i = 0; i < WIN_MAX && !w; i++)
		if (!wins[i].cap && wins[i].made)
			w = &wins[i];
	for (unsigned i = 0; i < WIN_MAX && !w; i++)
		if (!wins[i].cap && !wins[i].made)
			w = &wins[i];
	*err = -ENOMEM;
	if (!w || (!w->made && !win_make(w)) || !(slot = writ_slot_alloc()))
		return NULL;
	for (unsigned i = 0; i < WIN_PAGES; i++)
		if (!give_page(w, i)) {
			cnode_clear(w);
			writ_slot_free(slot);
			return NULL;
		}
	m.mr[0] = WIN_PAGES;
	m.mr[1] = WIN_RADIX;
	writ_set_cap(0, w->cnode);
	writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, FULL);
	m.info = writ_msginfo(SCHEME_OP_SHARE, 1, 2);
	r = writ_call(via, &m) == WRIT_OK ? (long)m.mr[0] : -EIO;
	cnode_clear(w);
	if (r >= 0 && writ_msginfo_caps(m.info) == 1 && (size_t)r == w->len) {
		w->cap = slot;
		return w;
	}
	if (writ_msginfo_caps(m.info) == 1)
		fd_close_cap(slot);	/* an answer that is no window of ours: give it back */
	else
		writ_slot_free(slot);
	*err = r < 0 ? r : -EIO;
	return NULL;
}

void
win_free(struct win *w)
{
	if (!w || !w->cap)
		return;
	fd_close_cap(w->cap);
	w->cap = 0;
}

long
win_call(struct win *w, writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
	 writ_cptr_t *got)
{
	struct writ_msg m = { 0 };
	writ_cptr_t slot = 0;

	for (unsigned i = 0; i < nargs && i < WRIT_MSG_REGS; i++)
		m.mr[i] = args[i];
	if (got) {
		*got = 0;
		if (!(slot = writ_slot_alloc()))
			return -EMFILE;
		writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, FULL);
	}
	writ_set_cap(0, w->cap);
	m.info = writ_msginfo(op, 1, nargs);
	if (writ_call(cap, &m) != WRIT_OK) {
		writ_slot_free(slot);
		return -EIO;
	}
	if (got && writ_msginfo_caps(m.info))
		*got = slot;
	else if (slot)
		writ_slot_free(slot);
	return (long)m.mr[0];
}
