/*
 * memfs's allocator: every byte of the tree lives in pages this file owns, and a page
 * that empties goes back to one free list, so memory freed by any kind of object
 * (file blocks, inodes, names, directory tables) serves any other. libwrit's malloc
 * never gives a page back, and rounds a 4 KiB block up to two pages; a file system
 * that ran out of space must be usable again once something is deleted.
 *
 * memfs says the size of what it frees, so chunks carry no header: small sizes (up to
 * 1 KiB) are power-of-two chunks in pages of one size each (a 32-byte header at the
 * page's start); anything larger is whole pages.
 */
#include <writ/mem.h>

#include "file.h"

#define PAGE 4096u
#define MIN_SHIFT 5
#define MAX_SHIFT 10
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct chunk {
	struct chunk *next;
};

/* The first 32 bytes of a page of chunks. */
struct slab {
	struct slab *next, *prev;       /* pages of this size with free chunks */
	struct chunk *free;
	uint32_t shift, used;
};

_Static_assert(sizeof(struct slab) <= 1u << MIN_SHIFT, "the header fits one chunk");

static struct chunk *free_pages;
static struct slab *partial[NCLASSES];

static void *
page_get(void)
{
	struct chunk *c = free_pages;

	if (c) {
		free_pages = c->next;
		return c;
	}
	return writ_pages_alloc(1);
}

static void
page_put(void *p)
{
	struct chunk *c = p;

	c->next = free_pages;
	free_pages = c;
}

static unsigned
shift_of(size_t n)
{
	unsigned s = MIN_SHIFT;

	while (((size_t)1 << s) < n)
		s++;
	return s;
}

static void
slab_unlink(struct slab *sl)
{
	unsigned c = sl->shift - MIN_SHIFT;

	if (sl->prev)
		sl->prev->next = sl->next;
	else
		partial[c] = sl->next;
	if (sl->next)
		sl->next->prev = sl->prev;
	sl->next = sl->prev = NULL;
}

static void
slab_link(struct slab *sl)
{
	unsigned c = sl->shift - MIN_SHIFT;

	sl->prev = NULL;
	sl->next = partial[c];
	if (sl->next)
		sl->next->prev = sl;
	partial[c] = sl;
}

static struct slab *
slab_new(unsigned shift)
{
	struct slab *sl = page_get();
	size_t size = (size_t)1 << shift;

	if (!sl)
		return NULL;
	*sl = (struct slab){ .shift = shift };
	/* Chunks start at the first multiple of their size past the header. */
	for (size_t off = PAGE - size; off >= size && off >= sizeof(*sl); off -= size) {
		struct chunk *c = (struct chunk *)((char *)sl + off);

		c->next = sl->free;
		sl->free = c;
	}
	slab_link(sl);
	return sl;
}

void *
file_alloc(void *ctx, size_t n)
{
	struct slab *sl;
	struct chunk *c;
	unsigned shift;

	(void)ctx;
	if (n > (1u << MAX_SHIFT)) {
		size_t pages = (n + PAGE - 1) / PAGE;

		return pages == 1 ? page_get() : writ_pages_alloc(pages);
	}
	shift = shift_of(n);
	if (!(sl = partial[shift - MIN_SHIFT]) && !(sl = slab_new(shift)))
		return NULL;
	c = sl->free;
	sl->free = c->next;
	sl->used++;
	if (!sl->free)
		slab_unlink(sl);
	return c;
}

void
file_free(void *ctx, void *p, size_t n)
{
	struct slab *sl;
	struct chunk *c = p;

	(void)ctx;
	if (!p)
		return;
	if (n > (1u << MAX_SHIFT)) {
		/* Large blocks were contiguous pages; each goes back on its own. */
		for (size_t i = 0; i < (n + PAGE - 1) / PAGE; i++)
			page_put((char *)p + i * PAGE);
		return;
	}
	sl = (struct slab *)((uintptr_t)p & ~(uintptr_t)(PAGE - 1));
	if (!sl->free)
		slab_link(sl);
	c->next = sl->free;
	sl->free = c;
	if (--sl->used == 0) {
		slab_unlink(sl);
		page_put(sl);
	}
}
