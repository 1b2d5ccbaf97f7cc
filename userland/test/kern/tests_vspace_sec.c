/*
 * Page tables against a hostile program (group `kern`, issue 18 A). Each test builds a
 * table that holds an entry to a frame, takes the table out of the address space by one
 * path (Unmap, deleting its parent, deleting its PML4), deletes the frame, retypes the
 * frame's untyped into a CNode that lands on the same memory, and brings the table back:
 * the old address must fault. Before the fix it read the CNode's slots, and a forged
 * frame capability written there gave access to all physical memory.
 *
 * Each test uses its own PML4 entry of the root address space (VA_BASE + n * 512 GiB).
 */
#include <writ/writ.h>

#include "init.h"

#define RW (WRIT_RIGHT_READ | WRIT_RIGHT_WRITE)
#define VA_BASE 0x500000000000ull
#define VA(n) (VA_BASE + (uint64_t)(n) * (1ull << 39))
#define PROBE_READ 0x5eca

/* What a reader thread saw: a fault at the address, or a value it managed to read. */
struct probe {
	bool faulted;
	uint64_t value;
};

static void
reader_thread(uint64_t args)
{
	uint64_t *a = (uint64_t *)args;
	struct writ_msg m = { .info = writ_msginfo(PROBE_READ, 0, 1) };

	m.mr[0] = *(volatile uint64_t *)a[0];
	writ_send(a[1], &m);
	thread_exit();
}

/*
 * Reads addr from a thread of ours whose fault endpoint is the one it reports on, so a
 * successful read is an answer too (the test must not hang when the bug is there).
 */
static struct probe
probe_read(uint64_t addr)
{
	static uint64_t args[2];
	writ_cptr_t ep = obj_new(WRIT_OBJ_ENDPOINT, 0), t;
	struct writ_msg m = { 0 };
	struct probe p = { false, 0 };

	args[0] = addr;
	args[1] = ep;
	t = thread_new(reader_thread, (uint64_t)args, 100, ep);
	if (writ_recv(ep, &m) == WRIT_OK) {
		p.faulted = writ_msginfo_label(m.info) == WRIT_FAULT_VM &&
			    m.mr[WRIT_VM_FAULT_ADDR] == addr;
		p.value = m.mr[0];
	}
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, t, FULL_DEPTH);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH);
	return p;
}

static void
check_faults(uint64_t addr, const char *name)
{
	struct probe p = probe_read(addr);

	check(p.faulted, name, "the address still reads %lx", p.value);
}

/* Three tables mapped down to a page at va in vspace; false if any map failed. */
static bool
tables_at(writ_cptr_t vspace, uint64_t va, writ_cptr_t *pdpt, writ_cptr_t *pd,
	  writ_cptr_t *pt)
{
	*pdpt = obj_new(WRIT_OBJ_PDPT, 0);
	*pd = obj_new(WRIT_OBJ_PD, 0);
	*pt = obj_new(WRIT_OBJ_PT, 0);
	return writ_page_table_map(*pdpt, vspace, va) == WRIT_OK &&
	       writ_page_table_map(*pd, vspace, va) == WRIT_OK &&
	       writ_page_table_map(*pt, vspace, va) == WRIT_OK;
}

/*
 * A frame from a private 4 KiB untyped, mapped read/write at va in vspace and written:
 * *ut is the untyped, so that its memory can become a CNode once the frame is gone.
 */
static writ_cptr_t
frame_at(writ_cptr_t vspace, uint64_t va, writ_cptr_t *ut)
{
	writ_cptr_t f = slot_alloc();

	*ut = obj_new(WRIT_OBJ_UNTYPED, 12);
	if (writ_untyped_retype(*ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, f, 1) ||
	    writ_frame_map(f, vspace, va, RW, WRIT_MAP_WRITE_BACK))
		return 0;
	if (vspace == WRIT_SLOT_ROOT_VSPACE)
		*(volatile uint64_t *)va = 0x5ec;
	return f;
}

/*
 * Delete frame f and put a CNode (radix 7: exactly the 4 KiB) on its memory, with an
 * endpoint capability in slot 0 so that its first words are not zero.
 */
static bool
cnode_over_frame(writ_cptr_t f, writ_cptr_t ut)
{
	writ_cptr_t cn = slot_alloc(), ep = obj_new(WRIT_OBJ_ENDPOINT, 0);

	return writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH) == WRIT_OK &&
	       writ_untyped_retype(ut, WRIT_OBJ_CNODE, 7, WRIT_SLOT_ROOT_CNODE, 0, 0, cn, 1) ==
	       WRIT_OK &&
	       writ_cnode_copy(cn, 0, 7, WRIT_SLOT_ROOT_CNODE, ep, FULL_DEPTH, RW) == WRIT_OK;
}

/* The reproduction: Unmap leaves the table's entries behind. */
static void
test_unmapped_table_emptied(void)
{
	writ_cptr_t pdpt, pd, pt, ut, f;

	if (!tables_at(WRIT_SLOT_ROOT_VSPACE, VA(0), &pdpt, &pd, &pt) ||
	    !(f = frame_at(WRIT_SLOT_ROOT_VSPACE, VA(0), &ut))) {
		check(false, "kern/vspace-unmapped-table-emptied", "set-up failed");
		return;
	}
	check_err(writ_page_table_unmap(pt), WRIT_OK, "kern/vspace-unmap-table-with-entries");
	check(cnode_over_frame(f, ut), "kern/vspace-retype-over-unmapped-frame", "failed");
	check_err(writ_page_table_map(pt, WRIT_SLOT_ROOT_VSPACE, VA(0)), WRIT_OK,
		  "kern/vspace-remap-unmapped-table");
	check_faults(VA(0), "kern/vspace-unmapped-table-emptied");
}

/* Deleting a page directory detaches its page table, entries and all. */
static void
test_deleted_parent_children_emptied(void)
{
	writ_cptr_t pdpt, pd, pt, ut, f, pd2 = obj_new(WRIT_OBJ_PD, 0);

	if (!tables_at(WRIT_SLOT_ROOT_VSPACE, VA(1), &pdpt, &pd, &pt) ||
	    !(f = frame_at(WRIT_SLOT_ROOT_VSPACE, VA(1), &ut))) {
		check(false, "kern/vspace-deleted-pd-children-emptied", "set-up failed");
		return;
	}
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, pd, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-delete-pd-under-table");
	check(cnode_over_frame(f, ut), "kern/vspace-retype-under-detached-table", "failed");
	check_err(writ_page_table_map(pd2, WRIT_SLOT_ROOT_VSPACE, VA(1)), WRIT_OK,
		  "kern/vspace-new-pd-in-old-place");
	/* The detached table still counts as mapped: it comes back only through Unmap. */
	check_err(writ_page_table_map(pt, WRIT_SLOT_ROOT_VSPACE, VA(1)),
		  WRIT_E_ILLEGAL_OPERATION, "kern/vspace-detached-table-still-mapped");
	check_err(writ_page_table_unmap(pt), WRIT_OK, "kern/vspace-unmap-detached-table");
	check_err(writ_page_table_map(pt, WRIT_SLOT_ROOT_VSPACE, VA(1)), WRIT_OK,
		  "kern/vspace-remap-detached-table");
	check_faults(VA(1), "kern/vspace-deleted-pd-children-emptied");
}

/* Deleting a PML4 leaves its tables behind, full; none may come back full. */
static void
test_deleted_pml4_tables_emptied(void)
{
	writ_cptr_t pml4 = obj_new(WRIT_OBJ_PML4, 0), pdpt, pd, pt, ut, f;

	if (!tables_at(pml4, VA(2), &pdpt, &pd, &pt) || !(f = frame_at(pml4, VA(2), &ut))) {
		check(false, "kern/vspace-deleted-pml4-tables-emptied", "set-up failed");
		return;
	}
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, pml4, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-delete-pml4-under-tables");
	check(cnode_over_frame(f, ut), "kern/vspace-retype-under-orphan-tables", "failed");
	check_err(writ_page_table_unmap(pdpt), WRIT_OK, "kern/vspace-unmap-orphan-pdpt");
	check_err(writ_page_table_map(pdpt, WRIT_SLOT_ROOT_VSPACE, VA(2)), WRIT_OK,
		  "kern/vspace-orphan-pdpt-in-root");
	check_faults(VA(2), "kern/vspace-deleted-pml4-tables-emptied");
	/* Its page directory, still full, cannot be mapped without being emptied. */
	check_err(writ_page_table_map(pd, WRIT_SLOT_ROOT_VSPACE, VA(2)),
		  WRIT_E_ILLEGAL_OPERATION, "kern/vspace-orphan-pd-still-mapped");
}

/* A table's capabilities share its one mapping (seL4's rule for derived table caps). */
static void
test_table_copies(void)
{
	writ_cptr_t pdpt, pd, pt, ut, f, copy = slot_alloc(), loose = obj_new(WRIT_OBJ_PT, 0);
	writ_cptr_t pdpt2, pd2, pt2;
	struct probe p;

	if (!tables_at(WRIT_SLOT_ROOT_VSPACE, VA(3), &pdpt, &pd, &pt) ||
	    !(f = frame_at(WRIT_SLOT_ROOT_VSPACE, VA(3), &ut)) ||
	    !tables_at(WRIT_SLOT_ROOT_VSPACE, VA(4), &pdpt2, &pd2, &pt2) ||
	    writ_page_table_unmap(pt2) != WRIT_OK) {
		check(false, "kern/vspace-table-copy-shares-mapping", "set-up failed");
		return;
	}
	/* Two capabilities to an unmapped table: neither may map it (the other would
	 * not know), until only one is left. */
	check_err(writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, copy, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				  loose, FULL_DEPTH, RW), WRIT_OK, "kern/vspace-unmapped-table-copy");
	check_err(writ_page_table_map(copy, WRIT_SLOT_ROOT_VSPACE, VA(4)), WRIT_E_REVOKE_FIRST,
		  "kern/vspace-table-map-needs-only-cap");
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, copy, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-unmapped-table-copy-delete");
	check_err(writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, copy, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				  pt, FULL_DEPTH, RW), WRIT_OK, "kern/vspace-mapped-table-copy");
	/* Before: the copy started unmapped, and mapped the same table a second time. */
	check_err(writ_page_table_map(copy, WRIT_SLOT_ROOT_VSPACE, VA(4)),
		  WRIT_E_REVOKE_FIRST, "kern/vspace-table-copy-shares-mapping");
	check_err(writ_page_table_unmap(pt), WRIT_E_REVOKE_FIRST,
		  "kern/vspace-table-unmap-needs-last-cap");
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, copy, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-table-copy-delete");
	p = probe_read(VA(3));
	check(!p.faulted && p.value == 0x5ec, "kern/vspace-table-copy-delete-keeps-mapping",
	      "the frame under the table is gone");
	check_err(writ_page_table_unmap(pt), WRIT_OK, "kern/vspace-table-unmap-last-cap");
	check_faults(VA(3), "kern/vspace-table-unmap-unmaps-frames");
}

/*
 * A frame mapped in an address space since deleted maps again at once (init maps
 * shared text so), while a live mapping still refuses a second; the old entry, in a
 * table no address space reaches, never comes back with the table.
 */
static void
test_frame_map_after_pml4_deleted(void)
{
	writ_cptr_t pml4 = obj_new(WRIT_OBJ_PML4, 0), pdpt, pd, pt, pdpt2, pd2, pt2, ut, f;
	writ_cptr_t pdpt3, pd3, pt3;
	long err;

	if (!tables_at(pml4, VA(5), &pdpt, &pd, &pt) || !(f = frame_at(pml4, VA(5), &ut)) ||
	    !tables_at(WRIT_SLOT_ROOT_VSPACE, VA(6), &pdpt2, &pd2, &pt2) ||
	    !tables_at(WRIT_SLOT_ROOT_VSPACE, VA(7), &pdpt3, &pd3, &pt3) ||
	    writ_page_table_unmap(pt3) != WRIT_OK) {
		check(false, "kern/vspace-frame-remap-after-pml4-deleted", "set-up failed");
		return;
	}
	check_err(writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, VA(6), RW, WRIT_MAP_WRITE_BACK),
		  WRIT_E_ILLEGAL_OPERATION, "kern/vspace-frame-map-while-mapped-refused");
	check_err(writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, pml4, FULL_DEPTH), WRIT_OK,
		  "kern/vspace-delete-pml4-under-frame");
	/* Before: ILLEGAL_OPERATION until an Unmap of the stale mapping. */
	err = writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, VA(6), RW, WRIT_MAP_WRITE_BACK);
	check_err(err, WRIT_OK, "kern/vspace-frame-remap-after-pml4-deleted");
	if (err == WRIT_OK)	/* in our own address space now */
		*(volatile uint64_t *)VA(6) = 0x5ec;
	check(err == WRIT_OK && *(volatile uint64_t *)VA(6) == 0x5ec,
	      "kern/vspace-frame-remapped-writes", "map: %ld", err);
	check_err(writ_frame_map(f, WRIT_SLOT_ROOT_VSPACE, VA(6) + 4096, RW, WRIT_MAP_WRITE_BACK),
		  WRIT_E_ILLEGAL_OPERATION, "kern/vspace-frame-remapped-map-again-refused");
	/* The deleted address space's table, still holding the old entry: mapped again
	 * only through Unmap, which empties it. */
	check_err(writ_page_table_map(pt, WRIT_SLOT_ROOT_VSPACE, VA(7)), WRIT_E_ILLEGAL_OPERATION,
		  "kern/vspace-frame-old-table-still-mapped");
	check_err(writ_page_table_unmap(pt), WRIT_OK, "kern/vspace-frame-old-table-unmap");
	check_err(writ_page_table_map(pt, WRIT_SLOT_ROOT_VSPACE, VA(7)), WRIT_OK,
		  "kern/vspace-frame-old-table-remap");
	check_faults(VA(7), "kern/vspace-frame-old-entry-gone");
	check_err(writ_frame_unmap(f), WRIT_OK, "kern/vspace-frame-remapped-unmap");
	check_faults(VA(6), "kern/vspace-frame-remapped-unmapped");
	/* Nothing left behind: the debug boot's checker walks every capability after
	 * every call of the suites after this one. */
	{
		writ_cptr_t made[] = { f, ut, pt, pd, pdpt, pt2, pd2, pdpt2, pt3, pd3, pdpt3 };

		for (unsigned i = 0; i < sizeof(made) / sizeof(made[0]); i++)
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, made[i], FULL_DEPTH);
	}
}

void
vspace_sec_tests_run(void)
{
	test_unmapped_table_emptied();
	test_deleted_parent_children_emptied();
	test_deleted_pml4_tables_emptied();
	test_table_copies();
	test_frame_map_after_pml4_deleted();
}
