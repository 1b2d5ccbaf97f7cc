/*
 * Memory a process makes for itself from its own untyped quota.
 */
#ifndef WRIT_MEM_H
#define WRIT_MEM_H

#include <stddef.h>

#include <writ/abi.h>

struct writ_startinfo;

/* An untyped capability objects are made from. */
struct writ_ut {
	writ_cptr_t slot;
	unsigned size_bits;
};

/* Retype one object of `type` into slot `dest` of the process's own CNode, from the
 * first of uts[0..n) with room. Returns the kernel's error (NOT_ENOUGH_MEMORY when
 * none has room). */
long writ_obj_new(struct writ_ut *uts, unsigned n, unsigned type, unsigned size_bits,
		  writ_cptr_t dest);

/* One object from the process's own quota into a fresh slot (*out).
 * Example: `writ_cptr_t ep; if (writ_own_object(WRIT_OBJ_ENDPOINT, 0, &ep) == WRIT_OK) ...` */
long writ_own_object(unsigned type, unsigned size_bits, writ_cptr_t *out);
/*
 * A notification for waking someone: a capability to it badged 1, in *out. Signals
 * through an unbadged capability OR in a zero badge, and one that comes while nobody
 * waits is lost (the kernel keeps only the word); through this one it is kept for the
 * next Wait. IRQHandler SetNotification takes the badge of the capability it is given
 * the same way. Example: `writ_cptr_t n; writ_own_notification(&n); writ_signal(n);`
 */
long writ_own_notification(writ_cptr_t *out);

/* Makes a page table of `type` (WRIT_OBJ_PT, _PD, _PDPT) into a slot (*out). */
typedef long (*writ_obj_fn)(void *ctx, unsigned type, writ_cptr_t *out);

/* Map `frame` at `vaddr` in `vspace`, making through new_object(ctx, ...) whichever page
 * tables the address still lacks. Returns the kernel's error. */
long writ_map_frame(writ_cptr_t vspace, writ_cptr_t frame, writ_word_t vaddr, unsigned rights,
		    unsigned attr, writ_obj_fn new_object, void *ctx);

/* n zeroed, read-write pages of anonymous memory from the process's quota, or NULL.
 * Example: `char *buf = writ_pages_alloc(16);  // 64 KiB` */
void *writ_pages_alloc(size_t n);

/* One page, as writ_pages_alloc, with its frame capability in *frame (to share it or
 * to use it as an IPC buffer). */
void *writ_page_alloc_cap(writ_cptr_t *frame);

/* n pages of address space from the anonymous range, nothing mapped there (the caller
 * maps its own frames, e.g. shared ones, with writ_map_frame and writ_own_table), or
 * NULL. Address space is not given back: callers keep and reuse what they reserve. */
void *writ_va_reserve(size_t n);
/* writ_map_frame's new_object from the process's own quota (ctx unused). */
long writ_own_table(void *ctx, unsigned type, writ_cptr_t *out);

/* The C allocator, over writ_pages_alloc. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);

void writ_mem_init(const struct writ_startinfo *si);

#endif
