/*
 * Programs spawned from a scheme (file:/bin/x) rather than the boot archive: the image
 * buffer of WRIT_PROC_IMAGE (<writ/proc.h> says why the spawner reads the file itself).
 *
 * Everything of one image comes from one umem block of init's, so umem_free() takes it
 * all back in one revoke: the frames (in the "frames" CNode), the capabilities that map
 * them into the caller ("lent") and into init ("mine"), and the page tables made for the
 * caller's mapping ("tables"). Mapped capabilities are moved into those CNodes, which
 * keeps their mappings, so an image of any size needs only one scratch slot of init's.
 * The caller never holds a capability: deleting "lent" unmaps every page from it at once
 * before init maps the frames for itself.
 */
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

#include "init.h"

#define IMAGE_INIT_VA 0x7ffa00000000ull	/* where init reads an image: one at a time */
#define TABLES_RADIX 6			/* 33 tables map WRIT_IMAGE_MAX anywhere */
#define MAX_IMAGES 8			/* buffers lent at once, to as many processes */

struct image {
	unsigned pid;			/* 0: free */
	int block;
	writ_cptr_t ut, frames, lent, tables;
	unsigned radix, pages, n_tables;
	size_t size;
};

static struct image images[MAX_IMAGES];

/* The image of process `pid`, or with pid 0 a free entry; NULL if none. */
static struct image *
image_of(unsigned pid)
{
	for (unsigned i = 0; i < MAX_IMAGES; i++)
		if (images[i].pid == pid)
			return &images[i];
	return NULL;
}

/* The smallest b with 2^b >= n. */
static unsigned
log2_up(uint64_t n)
{
	unsigned b = 0;

	while ((1ull << b) < n)
		b++;
	return b;
}

/* Bytes a block needs for n pages: the CNodes of radix r (frames, lent, mine, and room
 * to align the last), the tables' CNode, the frames and the tables. */
static uint64_t
block_bytes(unsigned r, unsigned n)
{
	uint64_t cnode = (1ull << r) << WRIT_SLOT_BITS;

	return 4 * cnode + 4096 + (uint64_t)(n + (1u << TABLES_RADIX)) * 4096;
}

/* Retype n objects from the image's block into `cnode` from slot `dest` (cnode 0:
 * init's own CNode). */
static long
image_obj(struct image *im, unsigned type, unsigned bits, writ_cptr_t cnode, writ_cptr_t dest,
	  unsigned n)
{
	return writ_untyped_retype(im->ut, type, bits, cnode ? cnode : WRIT_SLOT_ROOT_CNODE, 0, 0,
				   dest, n);
}

void
image_forget(struct proc *p)
{
	struct image *im = image_of(p->pid);

	if (!im)
		return;
	if (im->ut)
		umem_free(im->block);	/* every capability of the image, mapped or not */
	slot_free(im->frames);
	slot_free(im->lent);
	slot_free(im->tables);
	*im = (struct image){ 0 };
}

/* Map `frame` (init's slot) into `vspace` at va, making the page tables it lacks from the
 * image's block, as writ_map_frame does; each table made is then moved into the image's
 * tables CNode, where it stays mapped until the block goes. */
static long
lend_page(struct image *im, writ_cptr_t vspace, writ_cptr_t frame, writ_word_t va,
	  writ_cptr_t t[3])
{
	static const unsigned types[] = { WRIT_OBJ_PT, WRIT_OBJ_PD, WRIT_OBJ_PDPT };
	long err = writ_frame_map(frame, vspace, va, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
				  WRIT_MAP_WRITE_BACK);
	unsigned made = 0, mapped;

	while (err == WRIT_E_LOOKUP_MISSING_CAP && made < 3 &&
	       im->n_tables + made < (1u << TABLES_RADIX)) {
		err = image_obj(im, types[made], 0, 0, t[made], 1);
		if (err == WRIT_OK)
			err = writ_page_table_map(t[made], vspace, va);
		made++;
	}
	for (mapped = made; err == WRIT_OK && mapped > 1; mapped--)
		err = writ_page_table_map(t[mapped - 2], vspace, va);
	for (unsigned i = 0; i < made; i++) {
		if (err == WRIT_OK)
			err = writ_cnode_move(im->tables, im->n_tables++, TABLES_RADIX,
					      WRIT_SLOT_ROOT_CNODE, t[i], FULL_DEPTH);
		else
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t[i], FULL_DEPTH);
	}
	if (err == WRIT_OK && made)
		err = writ_frame_map(frame, vspace, va, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
				     WRIT_MAP_WRITE_BACK);
	return err;
}

/* IMAGE (size): a fresh buffer of init's mapped writable at WRIT_IMAGE_VADDR in p. */
long
image_lend(struct proc *p, writ_word_t size)
{
	struct image *im;
	unsigned n = (unsigned)((size + 4095) / 4096), r;
	writ_cptr_t vspace, scratch, t[3];
	long err = WRIT_OK;

	image_forget(p);	/* a second IMAGE replaces the first */
	if (size == 0)
		return -EINVAL;
	if (size > WRIT_IMAGE_MAX)
		return -EFBIG;
	if (!(im = image_of(0)))
		return -EAGAIN;	/* MAX_IMAGES spawns are being read already */
	r = log2_up(n) ? log2_up(n) : 1;
	*im = (struct image){ .pid = p->pid, .radix = r, .pages = n, .size = size };
	im->block = umem_alloc(log2_up(block_bytes(r, n)), &im->ut);
	if (im->block < 0) {
		*im = (struct image){ 0 };
		return -ENOMEM;
	}
	im->frames = slot_alloc();
	im->lent = slot_alloc();
	im->tables = slot_alloc();
	vspace = slot_alloc();
	scratch = slot_alloc();
	for (unsigned i = 0; i < 3; i++)
		t[i] = slot_alloc();
	if (!im->frames || !im->lent || !im->tables || !vspace || !scratch || !t[0] || !t[1] ||
	    !t[2])
		err = WRIT_E_RANGE;
	/* CNodes first: the largest alignment. */
	if (err == WRIT_OK)
		err = image_obj(im, WRIT_OBJ_CNODE, r, 0, im->frames, 1);
	if (err == WRIT_OK)
		err = image_obj(im, WRIT_OBJ_CNODE, r, 0, im->lent, 1);
	if (err == WRIT_OK)
		err = image_obj(im, WRIT_OBJ_CNODE, TABLES_RADIX, 0, im->tables, 1);
	for (unsigned i = 0; i < n && err == WRIT_OK; i += 64)
		err = image_obj(im, WRIT_OBJ_FRAME_4K, 0, im->frames, i, n - i < 64 ? n - i : 64);
	/* The caller's own VSpace capability, from its CSpace (if it put something else
	 * there, mapping fails and only it is refused). */
	if (err == WRIT_OK)
		err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, vspace, FULL_DEPTH, p->cnode,
				      WRIT_PSLOT_VSPACE, p->cnode_radix, WRIT_RIGHTS_ALL);
	for (unsigned i = 0; i < n && err == WRIT_OK; i++) {
		err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, scratch, FULL_DEPTH, im->frames, i, r,
				      WRIT_RIGHTS_ALL);
		if (err == WRIT_OK)
			err = lend_page(im, vspace, scratch, WRIT_IMAGE_VADDR + 4096ull * i, t);
		if (err == WRIT_OK)
			err = writ_cnode_move(im->lent, i, r, WRIT_SLOT_ROOT_CNODE, scratch,
					      FULL_DEPTH);
	}
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, scratch, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, vspace, FULL_DEPTH);
	slot_free(scratch);
	slot_free(vspace);
	for (unsigned i = 0; i < 3; i++)
		slot_free(t[i]);
	if (err != WRIT_OK) {
		writ_printf("init: pid %u: no image buffer of %lu bytes: %s\n", p->pid, size,
			    writ_error_name((int)err));
		image_forget(p);
		return err == WRIT_E_NOT_ENOUGH_MEMORY ? -ENOMEM : -EINVAL;
	}
	return 0;
}

static long
init_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	(void)ctx;
	*out = init_object(type);
	return *out ? WRIT_OK : WRIT_E_NOT_ENOUGH_MEMORY;
}

/*
 * SPAWN's image: the caller's mapping goes (deleting "lent" unmaps every page), then
 * the frames map read-only at init's window, where spawn() reads them. NULL if p has
 * no image. image_forget() after the spawn frees it all.
 */
const void *
image_take(struct proc *p, size_t *size)
{
	struct image *im = image_of(p->pid);
	writ_cptr_t mine = slot_alloc(), scratch = slot_alloc();
	long err;

	if (!im || !mine || !scratch) {
		slot_free(mine);
		slot_free(scratch);
		return NULL;
	}
	err = writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, im->lent, FULL_DEPTH);
	if (err == WRIT_OK)	/* the block has room for a third CNode */
		err = image_obj(im, WRIT_OBJ_CNODE, im->radix, 0, mine, 1);
	for (unsigned i = 0; i < im->pages && err == WRIT_OK; i++) {
		err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, scratch, FULL_DEPTH, im->frames, i,
				      im->radix, WRIT_RIGHT_READ);
		if (err == WRIT_OK)
			err = writ_map_frame(WRIT_SLOT_ROOT_VSPACE, scratch, IMAGE_INIT_VA + 4096ull * i,
					     WRIT_RIGHT_READ, WRIT_MAP_WRITE_BACK, init_table, NULL);
		if (err == WRIT_OK)
			err = writ_cnode_move(mine, i, im->radix, WRIT_SLOT_ROOT_CNODE, scratch,
					      FULL_DEPTH);
	}
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, scratch, FULL_DEPTH);
	slot_free(scratch);
	/* `mine` takes lent's slot, and goes with the block as everything else. */
	writ_cnode_move(WRIT_SLOT_ROOT_CNODE, im->lent, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, mine,
			FULL_DEPTH);
	slot_free(mine);
	if (err != WRIT_OK) {
		writ_printf("init: pid %u: cannot read its image: %s\n", p->pid,
			    writ_error_name((int)err));
		return NULL;
	}
	*size = im->size;
	return (const void *)IMAGE_INIT_VA;
}
