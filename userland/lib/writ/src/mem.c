/*
 * Memory a process makes for itself: kernel objects from its own untyped quota, frames
 * mapped with the page tables they need, anonymous pages, and malloc over them.
 *
 * Anonymous memory is mapped eagerly: a demand-zero fault costs a fault round trip
 * (about 1,000 instructions) plus the map on every first touch, while an eager map is
 * one retype and one map per page up front; servers and test programs touch what they
 * ask for, so eager is cheaper for them (see the closing note of issue 19).
 */
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "runtime.h"

static struct writ_ut own[WRIT_STARTINFO_UNTYPED];
static unsigned n_own;
static writ_word_t heap_next, heap_end;

long
writ_obj_new(struct writ_ut *uts, unsigned n, unsigned type, unsigned size_bits,
	     writ_cptr_t dest)
{
	long err = WRIT_E_NOT_ENOUGH_MEMORY;

	for (unsigned i = 0; i < n; i++) {
		err = writ_untyped_retype(uts[i].slot, type, size_bits, WRIT_PSLOT_CNODE, 0, 0,
					  dest, 1);
		if (err != WRIT_E_NOT_ENOUGH_MEMORY)
			return err;
	}
	return err;
}

long
writ_own_object(unsigned type, unsigned size_bits, writ_cptr_t *out)
{
	writ_cptr_t s = writ_slot_alloc();
	long err;

	if (!s)
		return WRIT_E_RANGE;
	err = writ_obj_new(own, n_own, type, size_bits, s);
	if (err != WRIT_OK) {
		writ_slot_free(s);
		return err;
	}
	*out = s;
	return WRIT_OK;
}

long
writ_own_notification(writ_cptr_t *out)
{
	writ_cptr_t raw, badged = writ_slot_alloc();
	long err;

	if (!badged)
		return WRIT_E_RANGE;
	if ((err = writ_own_object(WRIT_OBJ_NOTIFICATION, 0, &raw)) != WRIT_OK) {
		writ_slot_free(badged);
		return err;
	}
	/* The unbadged original stays in its slot: it holds the object. */
	err = writ_cnode_mint(WRIT_PSLOT_CNODE, badged, 64, WRIT_PSLOT_CNODE, raw, 64,
			      WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, 1);
	if (err != WRIT_OK) {
		writ_slot_free(badged);
		return err;
	}
	*out = badged;
	return WRIT_OK;
}

/* The table types from the one just above a frame up to the PDPT. */
static const unsigned table_type[3] = { WRIT_OBJ_PT, WRIT_OBJ_PD, WRIT_OBJ_PDPT };

long
writ_map_frame(writ_cptr_t vspace, writ_cptr_t frame, writ_word_t vaddr, unsigned rights,
	       unsigned attr, writ_obj_fn new_object, void *ctx)
{
	long err = writ_frame_map(frame, vspace, vaddr, rights, attr);
	writ_cptr_t tables[3] = { 0 };
	int made = 0;

	/* A missing table is made, and the one above it if that is missing too, until a
	 * table maps; then those below it map in turn and the frame goes in. */
	while (err == WRIT_E_LOOKUP_MISSING_CAP && made < 3) {
		err = new_object(ctx, table_type[made], &tables[made]);
		if (err != WRIT_OK)
			return err;
		err = writ_page_table_map(tables[made], vspace, vaddr);
		made++;
	}
	while (err == WRIT_OK && made > 1) {
		made--;
		err = writ_page_table_map(tables[made - 1], vspace, vaddr);
	}
	if (err == WRIT_OK && made)
		err = writ_frame_map(frame, vspace, vaddr, rights, attr);
	return err;
}

static long
own_new(void *ctx, unsigned type, writ_cptr_t *out)
{
	(void)ctx;
	return writ_own_object(type, 0, out);
}

void *
writ_pages_alloc(size_t n)
{
	writ_word_t start = heap_next;

	if (n == 0 || n > (heap_end - heap_next) / 4096)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		writ_cptr_t f;

		if (writ_own_object(WRIT_OBJ_FRAME_4K, 0, &f) != WRIT_OK ||
		    writ_map_frame(WRIT_PSLOT_VSPACE, f, heap_next, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
				   WRIT_MAP_WRITE_BACK, own_new, NULL) != WRIT_OK)
			return NULL;	/* the pages mapped so far stay: address space is not reused */
		heap_next += 4096;
	}
	return (void *)start;
}

void *
writ_va_reserve(size_t n)
{
	writ_word_t start = heap_next;

	if (n == 0 || n > (heap_end - heap_next) / 4096)
		return NULL;
	heap_next += n * 4096;
	return (void *)start;
}

long
writ_own_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	return own_new(ctx, type, out);
}

void *
writ_page_alloc_cap(writ_cptr_t *frame)
{
	writ_word_t va = heap_next;

	if (heap_next + 4096 > heap_end ||
	    writ_own_object(WRIT_OBJ_FRAME_4K, 0, frame) != WRIT_OK ||
	    writ_map_frame(WRIT_PSLOT_VSPACE, *frame, heap_next, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
			   WRIT_MAP_WRITE_BACK, own_new, NULL) != WRIT_OK)
		return NULL;
	heap_next += 4096;
	return (void *)va;
}

/* ---- malloc: power-of-two bins up to 2 KiB, whole pages beyond ---- */

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NBINS (MAX_SHIFT - MIN_SHIFT + 1)

struct block {
	size_t size;            /* usable bytes; a page count times 4096 less the header */
	struct block *next;     /* on a free list */
};

#define HDR 16
static struct block *bins[NBINS];
static struct block *large;     /* freed multi-page blocks, first fit */

static unsigned
bin_of(size_t n)
{
	unsigned b = 0;

	while (((size_t)1 << (b + MIN_SHIFT)) < n)
		b++;
	return b;
}

void *
malloc(size_t n)
{
	struct block *b, **pp;

	if (n == 0)
		n = 1;
	if (n + HDR <= ((size_t)1 << MAX_SHIFT)) {
		unsigned i = bin_of(n + HDR);
		size_t sz = (size_t)1 << (i + MIN_SHIFT);

		if (!bins[i]) {
			char *page = writ_pages_alloc(1);

			if (!page)
				return NULL;
			for (size_t off = 0; off + sz <= 4096; off += sz) {
				b = (struct block *)(page + off);
				b->size = sz - HDR;
				b->next = bins[i];
				bins[i] = b;
			}
		}
		b = bins[i];
		bins[i] = b->next;
		return (char *)b + HDR;
	}
	for (pp = &large; *pp; pp = &(*pp)->next)
		if ((*pp)->size >= n) {
			b = *pp;
			*pp = b->next;
			return (char *)b + HDR;
		}
	b = writ_pages_alloc((n + HDR + 4095) / 4096);
	if (!b)
		return NULL;
	b->size = (n + HDR + 4095) / 4096 * 4096 - HDR;
	return (char *)b + HDR;
}

void
free(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = (struct block *)((char *)p - HDR);
	if (b->size + HDR <= ((size_t)1 << MAX_SHIFT)) {
		unsigned i = bin_of(b->size + HDR);

		b->next = bins[i];
		bins[i] = b;
	} else {
		b->next = large;
		large = b;
	}
}

void *
calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *
realloc(void *p, size_t n)
{
	struct block *b;
	void *q;

	if (!p)
		return malloc(n);
	b = (struct block *)((char *)p - HDR);
	if (n <= b->size)
		return p;
	q = malloc(n);
	if (q) {
		memcpy(q, p, b->size);
		free(p);
	}
	return q;
}

void
writ_mem_init(const struct writ_startinfo *si)
{
	n_own = 0;
	for (unsigned i = 0; i < si->n_untyped && i < WRIT_STARTINFO_UNTYPED; i++) {
		own[n_own].slot = si->untyped[i].slot;
		own[n_own].size_bits = si->untyped[i].size_bits;
		n_own++;
	}
	heap_next = si->heap_lo;
	heap_end = si->heap_hi;
}
