/*
 * The root task: the one thread the kernel makes by itself, from the first boot module.
 *
 * The kernel builds it with the same operations user space has: all of its objects are
 * retyped, through cspace/, from one "boot untyped" (a power-of-two block of free RAM),
 * so they sit in the derivation tree like anything user space will make. The order:
 *   1. the boot untyped, in a two-slot scratch CNode in kernel memory;
 *   2. the root CNode (radix ROOT_RADIX) from it; both capabilities move into the root
 *      CNode itself, whose guard makes a cptr equal to its slot index;
 *   3. TCB, PML4, BootInfo and IPC-buffer frames into their fixed slots (<writ/abi.h>);
 *   4. the page tables every page below needs, then the frames of the ELF image (bytes
 *      copied from the module, the rest zero), the stack, the IPC buffer, BootInfo;
 *   5. IRQControl, IOPortControl, the other modules as read-only frames, and every
 *      free byte of RAM (and every device hole below 4 GiB) as Untyped capabilities.
 * Any failure here is the boot image's fault (a bad ELF, too little memory): it stops
 * the boot with a message saying what is wrong, before any user code runs.
 */
#include <stdint.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/cpu_features.h>
#include <kern/debug.h>
#include <kern/invoke.h>
#include <kern/object.h>
#include <kern/panic.h>
#include <kern/sched.h>
#include <portable/string.h>
#include <kern/vspace.h>

#include "boot/carve.h"
#include <portable/elf.h>
#include "boot/mb2.h"
#include "boot/memory.h"
#include "boot/root.h"

#define ROOT_RADIX 14	/* 16,384 slots: init keeps a slot per boot-archive page (busybox alone is 500) */
#define PAGE 4096ull
#define MAX_PAGES 1024		/* image + stack + IPC buffer + BootInfo, in pages */
#define MAX_BLOCKS 256

/* Also used by boot/memory.c. */
struct root_build {
	struct cte *ut;			/* the boot untyped */
	struct cte *slots;		/* the root CNode's slots */
	struct cap cnode;		/* a capability to the root CNode, for Retype */
	unsigned next;			/* next free slot */
	struct cte *pml4;
	struct writ_bootinfo *bi;
	uint64_t pages[MAX_PAGES];	/* user pages to map, with rights in the low bits */
	unsigned n_pages;
};

static struct cte scratch_slots[2] __attribute__((aligned(32)));
static struct root_build rb;

static void *
image_to_direct(void *p)
{
	return vs_virt((uint64_t)p - KERN_IMAGE_BASE);
}

static __attribute__((noreturn)) void
fail(const char *what, int err)
{
	kpanic("root task: %s (%s)", what, err >= 0 ? writ_error_name(err) : "boot image");
}

static struct cte *
retype(unsigned slot, unsigned type, unsigned size_bits)
{
	int err = ut_retype(&kern_cspace, rb.ut, type, size_bits, &rb.cnode, slot, 1);

	if (err != WRIT_OK)
		fail("out of boot memory", err);
	obj_construct(&rb.slots[slot].cap, false);
	return &rb.slots[slot];
}

static void
add_page(uint64_t vaddr, unsigned rights)
{
	if (rb.n_pages && (rb.pages[rb.n_pages - 1] & ~(PAGE - 1)) == vaddr) {
		rb.pages[rb.n_pages - 1] |= rights;	/* a page two segments share */
		return;
	}
	if (rb.n_pages == MAX_PAGES)
		fail("image too large", -1);
	rb.pages[rb.n_pages++] = vaddr | rights;
}

static void
map_tables(uint64_t vaddr)
{
	static const unsigned types[3] = { WRIT_OBJ_PDPT, WRIT_OBJ_PD, WRIT_OBJ_PT };

	for (unsigned i = 0; i < 3; i++) {
		struct cte *t;
		int err;

		if (vs_has_table((void *)cap_addr(&rb.pml4->cap), vaddr, types[i]))
			continue;
		if (rb.next >= (1u << ROOT_RADIX))
			fail("root CNode full", -1);
		t = retype(rb.next, types[i], 0);
		if ((err = vs_map_table(t, rb.pml4, vaddr, WRIT_MAP_WRITE_BACK)) != WRIT_OK)
			fail("cannot map a page table", err);
		rb.next++;
		rb.bi->n_page_tables++;
	}
}

static unsigned
elf_to_writ_rights(uint32_t r)
{
	return (r & ELF_R ? WRIT_RIGHT_READ : 0) | (r & ELF_W ? WRIT_RIGHT_WRITE : 0) |
	       (r & ELF_X ? WRIT_RIGHT_EXEC : 0);
}

static void
load_image(const uint8_t *file, uint64_t len, struct elf_image *img)
{
	struct elf_diag d;

	if (elf_parse(file, len, WRIT_USER_LO, WRIT_BOOTINFO_VADDR, img, &d) != ELF_OK)
		kpanic("root task: module 0 is not a usable ELF: %s (offset %lu)",
		       elf_strerror(d.error), d.offset);
	for (unsigned s = 0; s < img->n_segments; s++) {
		const struct elf_segment *sg = &img->segments[s];
		uint64_t end = (sg->vaddr + sg->memsz + PAGE - 1) & ~(PAGE - 1);

		for (uint64_t p = sg->vaddr & ~(PAGE - 1); p < end; p += PAGE)
			add_page(p, elf_to_writ_rights(sg->rights));
	}
}

/* Map every collected page: tables first (consecutive slots), then frames. */
static void
map_pages(void)
{
	rb.bi->first_page_table_slot = rb.next;
	for (unsigned i = 0; i < rb.n_pages; i++)
		map_tables(rb.pages[i] & ~(PAGE - 1));
	rb.bi->first_image_frame_slot = rb.next;
	for (unsigned i = 0; i < rb.n_pages; i++) {
		struct cte *f = retype(rb.next++, WRIT_OBJ_FRAME_4K, 0);
		int err = vs_map_frame(f, rb.pml4, rb.pages[i] & ~(PAGE - 1),
				       (unsigned)(rb.pages[i] & (PAGE - 1)), WRIT_MAP_WRITE_BACK);

		if (err != WRIT_OK)
			fail("cannot map the image", err);
	}
	rb.bi->n_image_frames = rb.n_pages;
}

static void
copy_image(const uint8_t *file, const struct elf_image *img)
{
	void *pml4 = (void *)cap_addr(&rb.pml4->cap);

	for (unsigned s = 0; s < img->n_segments; s++) {
		const struct elf_segment *sg = &img->segments[s];

		for (uint64_t off = 0; off < sg->filesz;) {
			uint64_t va = sg->vaddr + off, chunk = PAGE - (va & (PAGE - 1));
			uint8_t *dst = vs_lookup_user(pml4, va);

			if (chunk > sg->filesz - off)
				chunk = sg->filesz - off;
			KASSERT(dst);
			memcpy(dst, file + sg->offset + off, chunk);
			off += chunk;
		}
	}
}

/* Insert an untyped covering [base, base + 2^bits) into the next root slot. */
void
root_give_untyped(uint64_t base, unsigned bits, bool device)
{
	struct cap c = cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)vs_virt(base), WRIT_RIGHTS_ALL,
				bits | (device ? CAP_UT_DEVICE : 0), 0);
	struct writ_bootinfo_untyped *u;
	int err;

	if (rb.bi->n_untyped == WRIT_BOOTINFO_MAX_UNTYPED || rb.next >= (1u << ROOT_RADIX))
		return;		/* counted below: BootInfo says how many it holds */
	if ((err = cte_insert_root(&kern_cspace, &rb.slots[rb.next], &c)) != WRIT_OK)
		fail("cannot hand out untyped memory", err);
	u = &rb.bi->untyped[rb.bi->n_untyped++];
	u->paddr = base;
	u->size_bits = (uint8_t)bits;
	u->is_device = device;
	u->slot = rb.next++;
}

static void root_give_module(unsigned index, const struct mb2_module *m);

static void
start_thread(const struct elf_image *img)
{
	struct tcb *t = tcb_of_cap(&rb.slots[WRIT_SLOT_ROOT_TCB].cap);
	int err;

	if ((err = cte_copy(&kern_cspace, &t->slots[TCB_SLOT_CSPACE],
			    &rb.slots[WRIT_SLOT_ROOT_CNODE], WRIT_RIGHTS_ALL)) != WRIT_OK ||
	    (err = cte_copy(&kern_cspace, &t->slots[TCB_SLOT_VSPACE], rb.pml4,
			    WRIT_RIGHTS_ALL)) != WRIT_OK ||
	    (err = cte_copy(&kern_cspace, &t->slots[TCB_SLOT_IPC_BUFFER],
			    &rb.slots[WRIT_SLOT_IPC_BUFFER], WRIT_RIGHTS_ALL)) != WRIT_OK)
		fail("cannot configure the root thread", err);
	t->ipc_buffer_vaddr = WRIT_ROOT_IPC_BUFFER;
	t->gs_base = WRIT_ROOT_IPC_BUFFER;	/* libwrit finds its IPC buffer through GS */
	t->priority = t->mcp = WRIT_PRIO_MAX;
	t->frame.rip = img->entry;
	t->frame.rsp = WRIT_ROOT_STACK_TOP;
	t->frame.rdi = WRIT_BOOTINFO_VADDR;
	sched_make_runnable(t);
	x86_syscall_entry_select(!cmdline_has("nofastpath"));
#ifdef WRIT_DEBUG
	debug_root_tcb = t;
	debug_check_every_syscall = cmdline_has("check");
#endif
}

static void
make_cnode(uint64_t boot_base, unsigned boot_bits)
{
	struct cte *scratch = image_to_direct(scratch_slots);
	struct cap ut = cap_make(WRIT_OBJ_UNTYPED, (uintptr_t)vs_virt(boot_base),
				 WRIT_RIGHTS_ALL, boot_bits, 0);
	struct cap tmp = cap_make(WRIT_OBJ_CNODE, (uintptr_t)scratch, WRIT_RIGHTS_ALL, 1, 0);
	int err;

	if ((err = cte_insert_root(&kern_cspace, &scratch[0], &ut)) != WRIT_OK ||
	    (err = ut_retype(&kern_cspace, &scratch[0], WRIT_OBJ_CNODE, ROOT_RADIX, &tmp, 1,
			     1)) != WRIT_OK)
		fail("cannot make the root CNode", err);
	obj_construct(&scratch[1].cap, false);
	rb.slots = cnode_slots(&scratch[1].cap);
	scratch[1].cap.w1 = WRIT_CNODE_GUARD(0, 64 - ROOT_RADIX);
	if ((err = cte_move(&kern_cspace, &rb.slots[WRIT_SLOT_ROOT_CNODE], &scratch[1])) != WRIT_OK ||
	    (err = cte_move(&kern_cspace, &rb.slots[WRIT_SLOT_BOOT_UNTYPED], &scratch[0])) != WRIT_OK)
		fail("cannot place the root CNode", err);
	rb.ut = &rb.slots[WRIT_SLOT_BOOT_UNTYPED];
	rb.cnode = rb.slots[WRIT_SLOT_ROOT_CNODE].cap;
}

static void
fill_bootinfo(const struct mb2_info *mb)
{
	struct writ_bootinfo *bi = rb.bi;
	unsigned n = 0;

	bi->magic = WRIT_BOOTINFO_MAGIC;
	bi->version = 1;
	bi->root_cnode_radix = ROOT_RADIX;
	bi->ipc_buffer_vaddr = WRIT_ROOT_IPC_BUFFER;
	bi->boot_tsc = boot_entry_tsc;
#ifdef WRIT_DEBUG
	bi->flags |= WRIT_BOOTINFO_F_DEBUG_KERNEL;
#endif
	if (mb->rsdp_offset)
		bi->rsdp_paddr = boot_info_phys + mb->rsdp_offset;
	if (mb->has_framebuffer) {
		bi->fb_paddr = mb->fb.addr;
		bi->fb_width = mb->fb.width;
		bi->fb_height = mb->fb.height;
		bi->fb_pitch = mb->fb.pitch;
		bi->fb_bpp = mb->fb.bpp;
		bi->fb_type = mb->fb.type;
		bi->fb_red_pos = mb->fb.red_pos;
		bi->fb_red_size = mb->fb.red_size;
		bi->fb_green_pos = mb->fb.green_pos;
		bi->fb_green_size = mb->fb.green_size;
		bi->fb_blue_pos = mb->fb.blue_pos;
		bi->fb_blue_size = mb->fb.blue_size;
	}
	for (const char *s = mb->cmdline; *s && n + 1 < WRIT_BOOTINFO_CMDLINE; s++)
		bi->cmdline[n++] = *s;
}

void
root_task_start(const struct mb2_info *mb, uint64_t boot_base, unsigned boot_bits)
{
	const struct mb2_module *m = &mb->modules[0];
	const uint8_t *file = vs_virt(m->start);
	struct elf_image img;
	struct cte *bif, *ipc, *klog;
	struct cap c;
	int err;

	make_cnode(boot_base, boot_bits);
	retype(WRIT_SLOT_ROOT_TCB, WRIT_OBJ_TCB, 0);
	rb.pml4 = retype(WRIT_SLOT_ROOT_VSPACE, WRIT_OBJ_PML4, 0);
	bif = retype(WRIT_SLOT_BOOTINFO_FRAME, WRIT_OBJ_FRAME_4K, 0);
	ipc = retype(WRIT_SLOT_IPC_BUFFER, WRIT_OBJ_FRAME_4K, 0);
	klog = retype(WRIT_SLOT_KLOG_FRAME, WRIT_OBJ_FRAME_4K, 0);
	rb.bi = (struct writ_bootinfo *)cap_addr(&bif->cap);
	rb.next = WRIT_SLOT_FIRST_FREE_FIXED;
	fill_bootinfo(mb);

	load_image(file, m->end - m->start, &img);
	for (unsigned i = WRIT_ROOT_STACK_PAGES; i > 0; i--)
		add_page(WRIT_ROOT_STACK_TOP - i * PAGE, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE);
	map_pages();
	copy_image(file, &img);
	map_tables(WRIT_BOOTINFO_VADDR);
	if ((err = vs_map_frame(bif, rb.pml4, WRIT_BOOTINFO_VADDR, WRIT_RIGHT_READ,
				WRIT_MAP_WRITE_BACK)) != WRIT_OK ||
	    (err = vs_map_frame(ipc, rb.pml4, WRIT_ROOT_IPC_BUFFER,
				WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK)) != WRIT_OK ||
	    (err = vs_map_frame(klog, rb.pml4, WRIT_KLOG_VADDR, WRIT_RIGHT_READ,
				WRIT_MAP_WRITE_BACK)) != WRIT_OK)
		fail("cannot map BootInfo, the IPC buffer and the kernel's log", err);

	c = cap_make(WRIT_OBJ_IRQ_CONTROL, 0, WRIT_RIGHTS_ALL, 0, 0);
	if ((err = cte_insert_root(&kern_cspace, &rb.slots[WRIT_SLOT_IRQ_CONTROL], &c)) != WRIT_OK)
		fail("cannot make IRQControl", err);
	c = cap_make(WRIT_OBJ_IOPORT_CONTROL, 0, WRIT_RIGHTS_ALL, 0, 0);
	if ((err = cte_insert_root(&kern_cspace, &rb.slots[WRIT_SLOT_IOPORT_CONTROL], &c)) != WRIT_OK)
		fail("cannot make IOPortControl", err);

	for (unsigned i = 1; i < mb->n_modules; i++)
		root_give_module(i, &mb->modules[i]);
	root_give_memory(mb, boot_base, boot_bits);
	rb.bi->first_empty_slot = rb.next;
	start_thread(&img);
	kprintf("root task: %u image pages, %u page tables, %u untyped, slots %u..%u free\n",
		rb.bi->n_image_frames, rb.bi->n_page_tables, rb.bi->n_untyped, rb.next,
		(1u << ROOT_RADIX) - 1);
	/* A copy, not the kernel's own buffer: the root task may delete the page. */
	rb.bi->klog_len = (uint32_t)console_log_copy((char *)cap_addr(&klog->cap), PAGE);
}

/* Module i (not the root task's) as read-only 4 KiB frames in consecutive slots. */
static void
root_give_module(unsigned index, const struct mb2_module *m)
{
	struct carve_range r = { m->start, ((m->end + PAGE - 1) & ~(PAGE - 1)) - m->start };
	struct carve_block blocks[64];
	struct writ_bootinfo_module *bm;
	unsigned n, first, ut_first = rb.next;

	if (rb.bi->n_modules == WRIT_BOOTINFO_MAX_MODULES ||
	    carve_ram(&r, 1, NULL, 0, blocks, 64, &n) != CARVE_OK)
		return;
	/* The blocks' untyped first, then all their frames, so that the frames of a module
	 * carved into several blocks still sit in consecutive slots, as BootInfo says. */
	for (unsigned b = 0; b < n; b++) {
		if (rb.next + 1 + (1ull << (blocks[b].size_bits - 12)) > (1u << ROOT_RADIX))
			fail("root CNode full", -1);
		root_give_untyped(blocks[b].base, blocks[b].size_bits, false);
		rb.bi->n_untyped--;	/* not free memory: it becomes the module's frames */
	}
	first = rb.next;
	for (unsigned b = 0; b < n; b++) {
		uint64_t frames = 1ull << (blocks[b].size_bits - 12);
		struct cte *ut = &rb.slots[ut_first + b];

		if (rb.next + frames > (1u << ROOT_RADIX))
			fail("root CNode full", -1);
		for (uint64_t done = 0; done < frames;) {
			uint64_t k = frames - done > UT_RETYPE_MAX_COUNT ? UT_RETYPE_MAX_COUNT
									  : frames - done;
			int err = ut_retype(&kern_cspace, ut, WRIT_OBJ_FRAME_4K, 0, &rb.cnode,
					    rb.next, k);

			if (err != WRIT_OK)
				fail("cannot make module frames", err);
			rb.next += (unsigned)k;
			done += k;
		}
	}
	bm = &rb.bi->modules[rb.bi->n_modules++];
	bm->paddr = m->start;
	bm->size = m->end - m->start;
	bm->first_frame_slot = first;
	bm->frames = rb.next - first;
	for (unsigned i = 0; m->cmdline[i] && i + 1 < sizeof(bm->name); i++)
		bm->name[i] = m->cmdline[i];
	(void)index;
}

/* log2 of the boot untyped the root task needs: its CNode, image, stack and tables. */
unsigned
root_task_memory_bits(const struct mb2_module *m)
{
	struct elf_image img;
	struct elf_diag d;
	uint64_t need;
	unsigned bits = 12;

	if (elf_parse(vs_virt(m->start), m->end - m->start, WRIT_USER_LO, WRIT_BOOTINFO_VADDR,
		      &img, &d) != ELF_OK)
		kpanic("root task: module 0 is not a usable ELF: %s (offset %lu)",
		       elf_strerror(d.error), d.offset);
	/* Objects are aligned to their size from the watermark: allow for the padding. */
	need = (1ull << (ROOT_RADIX + WRIT_SLOT_BITS)) + (img.hi - img.lo) +
	       (WRIT_ROOT_STACK_PAGES + 64) * PAGE;
	while ((1ull << bits) < 2 * need)
		bits++;
	return bits;
}
