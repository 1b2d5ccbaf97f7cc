/*
 * init's untyped memory: a buddy allocator over untyped capabilities.
 *
 * Every RAM untyped BootInfo lists is a root block. Allocating 2^k bytes splits the
 * smallest free block that is large enough (a retype into two untyped halves) until a
 * block of exactly 2^k is free. A block handed out is a quota: init makes the process's
 * objects from it, and the process gets it; freeing revokes it (every object made from
 * it, wherever its capabilities went, is deleted) and merges it with a free buddy by
 * deleting both halves, which leaves their parent with no children: whole again.
 * So after any sequence of allocations and frees, the free memory is the same set of
 * blocks as at the start — which the `proc/spawn-exit-returns-memory` test measures.
 */
#include "init.h"

#define MAX_BLOCKS 2048

struct block {
	writ_cptr_t slot;
	uint64_t paddr;         /* roots only */
	uint8_t bits;
	uint8_t state;          /* B_* */
	int16_t parent, child;  /* child: the first of two consecutive entries */
};

enum { B_UNUSED, B_FREE, B_SPLIT, B_USED, B_LENT };

static struct block blocks[MAX_BLOCKS];
static unsigned n_blocks;
static uint64_t free_bytes, total_bytes;

static int
block_new(void)
{
	for (unsigned i = 0; i + 1 < MAX_BLOCKS; i += 2)
		if (blocks[i].state == B_UNUSED && blocks[i + 1].state == B_UNUSED) {
			if (i + 2 > n_blocks)
				n_blocks = i + 2;
			return (int)i;
		}
	return -1;
}

void
umem_add(writ_cptr_t slot, unsigned bits, uint64_t paddr)
{
	int i = block_new();

	if (i < 0 || bits < 12)
		return;
	blocks[i] = (struct block){ slot, paddr, (uint8_t)bits, B_FREE, -1, -1 };
	/* the pair's second entry stays unused: roots have no buddy */
	free_bytes += 1ull << bits;
	total_bytes += 1ull << bits;
}

static bool
split(int b)
{
	int c = block_new();
	writ_cptr_t s0 = slot_alloc_run(2);

	if (c < 0 || !s0)
		return false;
	if (writ_untyped_retype(blocks[b].slot, WRIT_OBJ_UNTYPED, blocks[b].bits - 1u,
				WRIT_SLOT_ROOT_CNODE, 0, 0, s0, 2) != WRIT_OK) {
		slot_free(s0);
		slot_free(s0 + 1);
		return false;
	}
	for (int k = 0; k < 2; k++)
		blocks[c + k] = (struct block){ s0 + (writ_cptr_t)k, 0, (uint8_t)(blocks[b].bits - 1),
						B_FREE, (int16_t)b, -1 };
	blocks[b].state = B_SPLIT;
	blocks[b].child = (int16_t)c;
	return true;
}

/*
 * The blocks freed last, not merged yet: the next quotas are mostly of their sizes (a
 * shell or a benchmark spawning the same program again; an execve's image buffer and
 * quota alternate), and taking one back as it is spares the Deletes of its merge and
 * the Retypes of the splits that follow (four kernel calls a level). An allocation none
 * of them fits merges them all (it may need what they merge into), as does anything
 * that counts blocks, so the blocks are the same as with an eager merge; one more
 * freed merges the oldest.
 */
#define UNMERGED 4
static int unmerged[UNMERGED];
static unsigned n_unmerged;

static void merge_up(int b);

static void
unmerged_drop(unsigned i)
{
	memmove(&unmerged[i], &unmerged[i + 1], (n_unmerged - i - 1) * sizeof(unmerged[0]));
	n_unmerged--;
}

/* Merge unmerged[i] (it is free: an allocation or a merge takes it off the list). */
static void
merge_unmerged_at(unsigned i)
{
	int b = unmerged[i];

	unmerged_drop(i);
	merge_up(b);
}

static void
merge_unmerged(void)
{
	while (n_unmerged)
		merge_unmerged_at(0);
}

int
umem_alloc(unsigned bits, writ_cptr_t *slot)
{
	int best = -1;

	for (unsigned i = n_unmerged; i-- > 0;)
		if (blocks[unmerged[i]].bits == bits) {
			best = unmerged[i];
			assert_init(blocks[best].state == B_FREE, "an unmerged block not free");
			unmerged_drop(i);
			blocks[best].state = B_USED;
			free_bytes -= 1ull << bits;
			*slot = blocks[best].slot;
			return best;
		}
	merge_unmerged();
	for (unsigned i = 0; i < n_blocks; i++)
		if (blocks[i].state == B_FREE && blocks[i].bits >= bits &&
		    (best < 0 || blocks[i].bits < blocks[best].bits))
			best = (int)i;
	if (best < 0)
		return -1;
	while (blocks[best].bits > bits) {
		if (!split(best))
			return -1;
		best = blocks[best].child;
	}
	blocks[best].state = B_USED;
	free_bytes -= 1ull << bits;
	*slot = blocks[best].slot;
	return best;
}

/* Revoke until done: a long revoke comes back PREEMPTED and goes on where it was. */
long
revoke_fully(writ_cptr_t slot)
{
	long err;

	do
		err = writ_cnode_revoke(WRIT_SLOT_ROOT_CNODE, slot, FULL_DEPTH);
	while (err == WRIT_E_PREEMPTED);
	return err;
}

void
umem_free(int b)
{
	assert_init(b >= 0 && blocks[b].state == B_USED, "umem_free of a block not in use");
	revoke_fully(blocks[b].slot);
	/* The oldest merged while b is still in use: b, merged with it as its buddy, would
	 * be on the list and gone. */
	if (n_unmerged == UNMERGED)
		merge_unmerged_at(0);
	blocks[b].state = B_FREE;
	free_bytes += 1ull << blocks[b].bits;
	unmerged[n_unmerged++] = b;
}

/* Merge upwards while the buddy is free too. */
static void
merge_up(int b)
{
	for (int p = blocks[b].parent; p >= 0; p = blocks[p].parent) {
		int c = blocks[p].child;

		if (blocks[c].state != B_FREE || blocks[c + 1].state != B_FREE)
			break;
		for (int k = 0; k < 2; k++) {
			for (unsigned i = 0; i < n_unmerged; i++)
				if (unmerged[i] == c + k) {	/* merged now, as its buddy */
					unmerged_drop(i);
					break;
				}
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, blocks[c + k].slot, FULL_DEPTH);
			slot_free(blocks[c + k].slot);
			blocks[c + k].state = B_UNUSED;
		}
		blocks[p].state = B_FREE;
		blocks[p].child = -1;
	}
}

uint64_t
umem_free_bytes(void)
{
	return free_bytes;
}

uint64_t
umem_total_bytes(void)
{
	return total_bytes;
}

/* Free blocks, counted: equal counts before and after a test mean every split merged. */
unsigned
umem_free_blocks(void)
{
	unsigned n = 0;

	merge_unmerged();
	for (unsigned i = 0; i < n_blocks; i++)
		n += blocks[i].state == B_FREE;
	return n;
}

/* The size of the largest free block, as a power of two (0: none): what the largest
 * quota this machine can still give is. */
unsigned
umem_largest_free_bits(void)
{
	unsigned bits = 0;

	merge_unmerged();
	for (unsigned i = 0; i < n_blocks; i++)
		if (blocks[i].state == B_FREE && blocks[i].bits > bits)
			bits = blocks[i].bits;
	return bits;
}

/* init's own small objects (endpoints, notifications) from a block kept for them. */
writ_cptr_t
init_object(unsigned type)
{
	static writ_cptr_t ut;
	writ_cptr_t s = slot_alloc();

	if (!s)
		return 0;
	for (int tries = 0; tries < 2; tries++) {
		if (!ut && umem_alloc(16, &ut) < 0)
			break;
		if (writ_untyped_retype(ut, type, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1) == WRIT_OK)
			return s;
		ut = 0;		/* full: the next block */
	}
	slot_free(s);
	return 0;
}

/*
 * Lend every whole RAM block (a root nobody split) but the largest `keep` bytes' worth
 * left for init: the kernel suite gets them as the root task would, and umem_take_back()
 * revokes what it made in them. -> how many, with their slots, sizes and addresses.
 */
unsigned
umem_lend_roots(struct umem_lent *out, unsigned max)
{
	unsigned n = 0;

	merge_unmerged();
	for (unsigned i = 0; i < n_blocks && n < max; i++)
		if (blocks[i].state == B_FREE && blocks[i].parent < 0) {
			blocks[i].state = B_LENT;
			free_bytes -= 1ull << blocks[i].bits;
			out[n++] = (struct umem_lent){ blocks[i].slot, blocks[i].bits, blocks[i].paddr };
		}
	return n;
}

void
umem_take_back(void)
{
	for (unsigned i = 0; i < n_blocks; i++)
		if (blocks[i].state == B_LENT) {
			revoke_fully(blocks[i].slot);
			blocks[i].state = B_FREE;
			free_bytes += 1ull << blocks[i].bits;
		}
}
