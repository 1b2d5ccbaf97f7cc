/* libwrit's windows (window.c): memory shared with a server for bulk data, see
 * writ/scheme.h "Bulk data". Internal to libwrit. */
#ifndef WRIT_WINDOW_H
#define WRIT_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <writ/scheme.h>
#include <writ/thread.h>

#define WIN_PAGES 16                    /* 64 KiB: a 64 KiB read is one Call */
#define WIN_RADIX 4
#define WIN_MAX 8                       /* windows a process holds at once */

struct win {
	writ_cptr_t cap;                /* the window capability; 0: not shared now */
	uint8_t *va;                    /* mapped here in the client */
	size_t len;
	writ_cptr_t cnode;              /* carries the frames to the server; kept for reuse */
	writ_cptr_t keep[WIN_PAGES];    /* our mapping of each page: children of the server's */
	bool made;                      /* frames, mapping and CNode exist */
	struct writ_mutex lock;         /* one transfer at a time through it */
};

/* A new window shared with the server behind `via` (any capability of it), or NULL
 * with *err: the server's answer (-ENOSYS, -EINVAL: it has no windows) or -ENOMEM. */
struct win *win_share(writ_cptr_t via, long *err);
/* Close the window (the server unmaps it); its pages stay ours for the next one. */
void win_free(struct win *w);
/* A Call of op on cap carrying the window: its bytes are in the window. With got, one
 * capability may come back (0 if none). -EIO if the server is gone. */
long win_call(struct win *w, writ_cptr_t cap, unsigned op, const writ_word_t *args,
	      unsigned nargs, writ_cptr_t *got);

/* fd.c: close a record's capability as writ_close does (the slot is freed). */
void fd_close_cap(writ_cptr_t cap);

#endif
