/*
 * x86_64 address spaces, in 4-level paging. See kern/vspace.h for the mapping-word and
 * ASID model. Every entry written here was validated first: the virtual address lies in
 * the user half, the level's slot is free, the parent tables exist, the capability has
 * the rights asked for. The kernel half (PML4 entries 256..511) is copied from the boot
 * tables into every new PML4 and never changed through a user request.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kern/boot.h>
#include <kern/cpu_features.h>
#include <kern/panic.h>
#include <portable/string.h>
#include <kern/vspace.h>

#include <arch/asm.h>
#include <arch/cpu.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define ASID_ENTRY 300

#define MAP_MAPPED 1ull
#define MAP_ASID_SHIFT 1
#define MAP_ASID_MASK 0xfffull
#define MAP_GEN_SHIFT 13
#define MAP_GEN_MASK 0x7fffull
#define MAP_VPN_SHIFT 28

/*
 * The boot trampoline maps physical 0..4 GiB; RAM above that joins the direct map here,
 * at boot, one page directory (2 MiB pages) per GiB, up to VS_DIRECT_MAP_MAX. Every
 * address space shares the direct map's PDPT, so all of them see the new entries.
 */
static uint64_t extra_pds[VS_DIRECT_MAP_MAX_GIB - 4][512] __attribute__((aligned(4096)));
uint64_t vs_direct_map_end = 4ull << 30;

void
vs_extend_direct_map(uint64_t end)
{
	uint64_t gib = (end + (1ull << 30) - 1) >> 30;

	if (gib > VS_DIRECT_MAP_MAX_GIB)
		gib = VS_DIRECT_MAP_MAX_GIB;
	for (uint64_t g = 4; g < gib; g++) {
		uint64_t *pd = extra_pds[g - 4];

		for (unsigned i = 0; i < 512; i++)
			pd[i] = (g << 30 | (uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS |
				(cpu_features.nx ? PTE_NX : 0);	/* reserved without NX */
		/* The image alias: kernel-image address minus its base is physical. */
		boot_pdpt_low[g] = ((uint64_t)pd - KERN_IMAGE_BASE) | PTE_P | PTE_W;
	}
	if (gib > 4)
		vs_direct_map_end = gib << 30;
	x86_write_cr3(x86_read_cr3());
}

/*
 * With PCIDs (CR4.PCIDE), an address space's ASID is also its PCID, and switching to it
 * keeps its TLB entries (CR3 bit 63). They must go whenever they may be stale: when a
 * mapping of an address space that is not current is removed, and when an ASID is given
 * to a new PML4; `stale` marks such an ASID, and the next switch to it flushes.
 */
#define CR3_NOFLUSH (1ull << 63)

static struct {
	uint64_t *pml4;
	uint16_t gen;
	bool stale;
} asids[VS_MAX_ASIDS];
static unsigned asid_next = 1;

/* The PML4 in CR3, so a switch within one address space costs no CR3 read. */
uint64_t *vs_active_pml4 = boot_pml4;

static uint64_t *
table_at(uint64_t entry)
{
	return vs_virt(entry & PTE_ADDR);
}

static unsigned
index_of(uint64_t vaddr, unsigned level)	/* level 3 = PML4 ... 0 = PT */
{
	return (unsigned)(vaddr >> (12 + 9 * level)) & 511;
}

/* The ASID word stored in a PML4, or 0 when it has none. */
static uint64_t
pml4_asid_word(const uint64_t *pml4)
{
	return pml4[ASID_ENTRY] >> 1;
}

void
vs_init_pml4(void *p)
{
	uint64_t *pml4 = p;

	for (unsigned i = 0; i < 256; i++)
		pml4[i] = 0;
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = boot_pml4[i];
	/* Find a free ASID; with none left the PML4 exists but nothing maps into it. */
	pml4[ASID_ENTRY] = 0;
	for (unsigned n = 0; n < VS_MAX_ASIDS - 1; n++) {
		unsigned a = asid_next;

		asid_next = asid_next % (VS_MAX_ASIDS - 1) + 1;
		if (!asids[a].pml4) {
			asids[a].pml4 = pml4;
			asids[a].stale = true;
			asids[a].gen = (uint16_t)((asids[a].gen + 1) & MAP_GEN_MASK);
			pml4[ASID_ENTRY] = ((uint64_t)a | (uint64_t)asids[a].gen << 12) << 1;
			return;
		}
	}
}

/* The PML4 a live mapping word refers to, or NULL when the mapping is stale. */
static uint64_t *
mapping_pml4(uint64_t w)
{
	unsigned a = (unsigned)(w >> MAP_ASID_SHIFT & MAP_ASID_MASK);
	unsigned gen = (unsigned)(w >> MAP_GEN_SHIFT & MAP_GEN_MASK);

	if (!(w & MAP_MAPPED) || a == 0 || a >= VS_MAX_ASIDS || !asids[a].pml4 ||
	    asids[a].gen != gen)
		return NULL;
	return asids[a].pml4;
}

static uint64_t
mapping_word(const uint64_t *pml4, uint64_t vaddr)
{
	uint64_t aw = pml4_asid_word(pml4);

	return MAP_MAPPED | (aw & MAP_ASID_MASK) << MAP_ASID_SHIFT |
	       (aw >> 12 & MAP_GEN_MASK) << MAP_GEN_SHIFT | (vaddr >> 12) << MAP_VPN_SHIFT;
}

static uint64_t
mapping_vaddr(uint64_t w)
{
	return (w >> MAP_VPN_SHIFT) << 12;
}

/*
 * A PML4's physical address. boot_pml4 lives in the kernel image, not in the direct
 * map vs_phys() undoes: a thread left without a PML4 runs on it.
 */
static uint64_t
pml4_phys(const uint64_t *pml4)
{
	return pml4 == boot_pml4 ? (uint64_t)boot_pml4 - KERN_IMAGE_BASE : vs_phys(pml4);
}

static bool
is_current(const uint64_t *pml4)
{
	return (x86_read_cr3() & PTE_ADDR) == pml4_phys(pml4);
}

static unsigned
pml4_asid(const uint64_t *pml4)
{
	return (unsigned)(pml4_asid_word(pml4) & MAP_ASID_MASK);
}

/*
 * Walk from the PML4 down to the table at `level` that holds vaddr's entry; NULL if a
 * table on the way is missing (or a large page is in the way).
 */
static uint64_t *
walk(uint64_t *pml4, uint64_t vaddr, unsigned level)
{
	uint64_t *t = pml4;

	for (unsigned l = 3; l > level; l--) {
		uint64_t e = t[index_of(vaddr, l)];

		if (!(e & PTE_P) || (e & PTE_PS))
			return NULL;
		t = table_at(e);
	}
	return t;
}

void *
vs_lookup_user(void *pml4, uint64_t vaddr)
{
	uint64_t *pt = walk(pml4, vaddr, 0), e;

	if (!pt || !((e = pt[index_of(vaddr, 0)]) & PTE_P))
		return NULL;
	return (uint8_t *)vs_virt(e & PTE_ADDR) + (vaddr & 0xfff);
}

static unsigned
table_level(unsigned type)		/* the level of the table that points at it */
{
	switch (type) {
	case WRIT_OBJ_PDPT: return 3;
	case WRIT_OBJ_PD: return 2;
	default: return 1;		/* PT, held by a PD */
	}
}

bool
vs_has_table(void *pml4, uint64_t vaddr, unsigned type)
{
	return walk(pml4, vaddr, table_level(type) - 1) != NULL;
}

static int
check_vspace(struct cte *pml4, uint64_t **out)
{
	if (cap_type(&pml4->cap) != WRIT_OBJ_PML4)
		return WRIT_E_INVALID_CAP;
	*out = (uint64_t *)cap_addr(&pml4->cap);
	if (pml4_asid_word(*out) == 0)
		return WRIT_E_NOT_ENOUGH_MEMORY;	/* it got no ASID: table full */
	return WRIT_OK;
}

int
vs_map_table(struct cte *table, struct cte *pml4_slot, uint64_t vaddr, unsigned attr)
{
	unsigned type = cap_type(&table->cap), level;
	uint64_t *pml4, *parent;
	int err;

	(void)attr;
	if ((err = check_vspace(pml4_slot, &pml4)) != WRIT_OK)
		return err;
	if (table->cap.w1 & MAP_MAPPED)
		return WRIT_E_ILLEGAL_OPERATION;	/* a table is mapped in one place */
	if (vaddr >= WRIT_USER_HI)
		return WRIT_E_RANGE;
	level = table_level(type);
	vaddr &= ~((1ull << (12 + 9 * level)) - 1);
	parent = walk(pml4, vaddr, level);
	if (!parent)
		return WRIT_E_LOOKUP_MISSING_CAP;	/* the table above is not mapped */
	if (parent[index_of(vaddr, level)] & PTE_P)
		return WRIT_E_DELETE_FIRST;
	parent[index_of(vaddr, level)] = vs_phys((void *)cap_addr(&table->cap)) | PTE_P |
					 PTE_W | PTE_U;
	table->cap.w1 = mapping_word(pml4, vaddr);
	return WRIT_OK;
}

/*
 * A frame's caching attribute in PTE bits. PAT is not programmed, so write-combining
 * gets write-through, the nearest.
 */
static const uint64_t attr_pte_bits[] = {
	[WRIT_MAP_WRITE_BACK] = 0,
	[WRIT_MAP_UNCACHED] = PTE_PCD | PTE_PWT,
	[WRIT_MAP_WRITE_COMBINE] = PTE_PWT,
};

/*
 * Frame Map for a frame of the size `level` gives (0: 4 KiB, 1: 2 MiB). Always inlined
 * with a constant level, so that the alignment and range tests and the walk become
 * straight-line code for each size: mapping pages is how every address space is built.
 * The checks and their order (so the error a bad request gets) are one for both sizes.
 */
static inline __attribute__((always_inline)) int
map_frame_at(struct cte *frame, struct cte *pml4_slot, uint64_t vaddr, unsigned rights,
	     unsigned attr, unsigned level)
{
	const uint64_t size = 1ull << (12 + 9 * level);
	uint64_t *pml4, *t, pte, w;
	unsigned i;
	int err;

	if ((err = check_vspace(pml4_slot, &pml4)) != WRIT_OK)
		return err;
	if (rights & ~(WRIT_RIGHT_READ | WRIT_RIGHT_WRITE | WRIT_RIGHT_EXEC))
		return WRIT_E_INVALID_ARGUMENT;
	if (!rights_subset(rights, cap_rights(&frame->cap)))
		return WRIT_E_RIGHTS;
	if (attr > WRIT_MAP_WRITE_COMBINE)
		return WRIT_E_INVALID_ARGUMENT;
	if (vaddr & (size - 1))
		return WRIT_E_ALIGNMENT;
	if (vaddr < WRIT_USER_LO || vaddr >= WRIT_USER_HI || WRIT_USER_HI - vaddr < size)
		return WRIT_E_RANGE;
	/*
	 * One mapping per capability. A mapping whose address space was deleted is none:
	 * its entry lies in tables no address space reaches, and they are emptied before
	 * they can be mapped again (vs_unmap_table), so mapping the frame anew is Unmap and
	 * Map in one call, which saves a process builder the Unmap of each shared page.
	 */
	if ((frame->cap.w1 & MAP_MAPPED) && mapping_pml4(frame->cap.w1))
		return WRIT_E_ILLEGAL_OPERATION;
	t = walk(pml4, vaddr, level);
	if (!t)
		return WRIT_E_LOOKUP_MISSING_CAP;
	i = index_of(vaddr, level);
	if (t[i] & PTE_P)
		return WRIT_E_DELETE_FIRST;
	pte = vs_phys((void *)cap_addr(&frame->cap)) | PTE_P | PTE_U | attr_pte_bits[attr];
	if (rights & WRIT_RIGHT_WRITE)
		pte |= PTE_W;
	if (!(rights & WRIT_RIGHT_EXEC) && cpu_features.nx)
		pte |= PTE_NX;		/* a reserved bit without NX: every access would fault */
	if (level == 1)
		pte |= PTE_PS;
	/* Before the entry is written, which the compiler must assume may alias the PML4. */
	w = mapping_word(pml4, vaddr);
	/*
	 * No TLB flush: the entry was not present, and x86 caches no not-present
	 * translations, so no CPU can hold a stale one for vaddr.
	 */
	t[i] = pte;
	frame->cap.w1 = w;
	return WRIT_OK;
}

int
vs_map_frame(struct cte *frame, struct cte *pml4_slot, uint64_t vaddr, unsigned rights,
	     unsigned attr)
{
	if (cap_type(&frame->cap) == WRIT_OBJ_FRAME_2M)
		return map_frame_at(frame, pml4_slot, vaddr, rights, attr, 1);
	return map_frame_at(frame, pml4_slot, vaddr, rights, attr, 0);
}

/*
 * Clear the entry at `level` for vaddr if it still points at phys. Inlined, so that
 * Frame Unmap's walk, like Frame Map's, is straight-line code for its constant level.
 */
static inline __attribute__((always_inline)) void
clear_entry(uint64_t *pml4, uint64_t vaddr, unsigned level, uint64_t phys)
{
	uint64_t *t = walk(pml4, vaddr, level);
	unsigned i = index_of(vaddr, level);
	uint64_t old;

	if (!t || !(t[i] & PTE_P) || (t[i] & PTE_ADDR) != phys)
		return;
	old = t[i];
	t[i] = 0;
	if (!is_current(pml4)) {
		/* Without PCIDs the next switch flushes anyway; with them, it must be told. */
		asids[pml4_asid(pml4)].stale = true;
		return;
	}
	/* A page, 4 KiB or 2 MiB, is one TLB entry; a table stands for many. */
	if (level == 0 || (old & PTE_PS))
		x86_invlpg(vaddr);
	else
		x86_write_cr3(x86_read_cr3() & ~CR3_NOFLUSH);
}

int
vs_unmap_frame(struct cte *frame)
{
	uint64_t w = frame->cap.w1, *pml4 = mapping_pml4(w);
	uint64_t vaddr = mapping_vaddr(w), phys = vs_phys((void *)cap_addr(&frame->cap));

	if (pml4 && cap_type(&frame->cap) == WRIT_OBJ_FRAME_2M)
		clear_entry(pml4, vaddr, 1, phys);
	else if (pml4)
		clear_entry(pml4, vaddr, 0, phys);
	frame->cap.w1 = 0;
	return WRIT_OK;
}

/*
 * Unmap a table through its only capability (the caller checked it is final), and
 * empty it. Its entries may name frames and tables deleted since the table left every
 * address space (its parent unmapped or deleted, its PML4 deleted): those deletions
 * walk from the PML4 and no longer reach it. Emptying it here, the one way back to
 * being mapped (Map refuses a table whose word says mapped, and a copy shares the
 * word), means no table is ever reachable again with such an entry. No flush: the
 * entries became unreachable when the parent entry went, and that flushed.
 */
int
vs_unmap_table(struct cte *table)
{
	uint64_t w = table->cap.w1, *pml4 = mapping_pml4(w), *t;

	if (pml4)
		clear_entry(pml4, mapping_vaddr(w), table_level(cap_type(&table->cap)),
			    vs_phys((void *)cap_addr(&table->cap)));
	if (w & MAP_MAPPED) {
		t = (uint64_t *)cap_addr(&table->cap);
		for (unsigned i = 0; i < 512; i++)
			t[i] = 0;
	}
	table->cap.w1 = 0;
	return WRIT_OK;
}

void
vs_finalise(const struct cap *cap)
{
	unsigned type = cap_type(cap);
	uint64_t *pml4;

	if (type == WRIT_OBJ_PML4) {
		pml4 = (uint64_t *)cap_addr(cap);
		if (is_current(pml4)) {
			x86_write_cr3(pml4_phys(boot_pml4));	/* PCID 0, the kernel's */
			vs_active_pml4 = boot_pml4;
		}
		if (pml4_asid_word(pml4))
			asids[pml4_asid_word(pml4) & MAP_ASID_MASK].pml4 = NULL;
		return;
	}
	pml4 = mapping_pml4(cap->w1);
	if (!pml4)
		return;
	if (cap_type_is_frame(type))
		clear_entry(pml4, mapping_vaddr(cap->w1), type == WRIT_OBJ_FRAME_2M ? 1 : 0,
			    vs_phys((void *)cap_addr(cap)));
	else
		clear_entry(pml4, mapping_vaddr(cap->w1), table_level(type),
			    vs_phys((void *)cap_addr(cap)));
}

/* Load `pml4` into CR3: only when it is not the one loaded (sched.h, vs_load). */
void
vs_switch(uint64_t *pml4)
{
	uint64_t cr3;
	unsigned asid;

	KASSERT(pml4 != vs_active_pml4 && !is_current(pml4));
	vs_active_pml4 = pml4;
	cr3 = pml4_phys(pml4);
	asid = pml4 == boot_pml4 ? 0 : pml4_asid(pml4);
	if (cpu_features.pcid) {
		cr3 |= asid;
		if (asids[asid].stale)
			asids[asid].stale = false;	/* this write flushes its entries */
		else
			cr3 |= CR3_NOFLUSH;
	}
	x86_write_cr3(cr3);
}
