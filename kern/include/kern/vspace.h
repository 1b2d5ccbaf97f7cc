/*
 * Address spaces: PML4, PDPT, PD and PT objects and the frames mapped through them.
 *
 * A mapped frame or page table remembers where in its capability's mapping word:
 *   bit 0 mapped, bits 1..12 the address space id (ASID) of the PML4, bits 13..27 that
 *   ASID's generation, bits 28..63 the virtual page number.
 * The ASID names the PML4 through a fixed table; deleting a PML4 retires its ASID and
 * bumps the generation, so every mapping word that still names it is recognisably
 * stale and its unmap does nothing, instead of writing into memory that may by then be
 * some other object. A PML4 keeps its own ASID in entry 300 with the present bit clear
 * (the CPU ignores every other bit of a non-present entry).
 */
#ifndef WRIT_KERN_VSPACE_H
#define WRIT_KERN_VSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include <cspace/cspace.h>
#include <kern/boot.h>

struct tcb;

#define VS_MAX_ASIDS 4096
/* RAM the kernel can reach (and so hand out): 64 GiB, 240 KiB of page directories. */
#define VS_DIRECT_MAP_MAX_GIB 64

extern uint64_t vs_direct_map_end;
void vs_extend_direct_map(uint64_t end);

void vs_init_pml4(void *pml4);
/* The PML4 in CR3 (boot_pml4 for the kernel's own), and the switch to another. */
extern uint64_t *vs_active_pml4;
extern uint64_t boot_pml4[512];
void vs_switch(uint64_t *pml4);
int vs_map_table(struct cte *table, struct cte *pml4, uint64_t vaddr, unsigned attr);
int vs_unmap_table(struct cte *table);
int vs_map_frame(struct cte *frame, struct cte *pml4, uint64_t vaddr, unsigned rights,
		 unsigned attr);
int vs_unmap_frame(struct cte *frame);
void vs_finalise(const struct cap *cap);
/* Kernel address of the byte at user vaddr in this PML4, or NULL if unmapped (boot). */
void *vs_lookup_user(void *pml4, uint64_t vaddr);
/* Invocations on page tables and frames (kern/object/vspace.c). */
struct inv;
int vspace_invoke(struct inv *iv, struct cte *slot);
/* Is a table of `type` (PDPT, PD, PT) mapped to cover vaddr? (boot) */
bool vs_has_table(void *pml4, uint64_t vaddr, unsigned type);

/*
 * Between the direct map and physical addresses. Inline: they are one addition, and the
 * invocations that build page-table entries or report a frame's address use them.
 */
static inline uint64_t
vs_phys(const void *direct_mapped)
{
	return (uint64_t)direct_mapped - KERN_DIRECT_MAP;
}

static inline void *
vs_virt(uint64_t phys)
{
	return (void *)(KERN_DIRECT_MAP + phys);
}

#endif
