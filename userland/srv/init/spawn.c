/*
 * The process builder: a new process from an ELF file, charged to a quota.
 *
 * Everything the process is made of — CNode, PML4, page tables, TCB, IPC buffer, start
 * info, its image and stack frames — is retyped from one untyped block of init's (its
 * quota), and what is left of the block is carved into untyped capabilities the
 * process gets for its own objects and anonymous memory. Killing it is one revoke of
 * the block. init makes each object in a slot of its own, invokes it (maps, fills,
 * configures), then moves the capability into the child's CNode, so init's CNode
 * holds only the TCB and CNode capabilities of each process.
 *
 * Pages are filled through a scratch window in init's address space: a copy of the
 * frame capability is mapped there (a capability maps once), written, and unmapped.
 * Frames come zeroed from Retype, so only pages with file bytes or the initial stack
 * are touched.
 */
#include <portable/elf.h>

#include <errno.h>

#include "init.h"

#define SCRATCH_VA 0x7ffe00000000ull    /* one page of init's, for filling others' */
#define CHILD_FIRST_BUILT 32            /* image frames, tables... from this child slot */
#define STACK_PAGES 8                   /* 32 KiB unless the spawner asks for more */
#define LINUX_AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

static struct proc procs[MAX_PROCS];
int spawn_errno;
static unsigned next_pid = 1;

/* init's own objects (its scratch window's page tables) come from this block. */
static struct writ_ut init_ut;

struct build {
	const struct spawn_args *a;
	struct proc *p;
	struct elf_image img;
	writ_cptr_t quota, pml4, ipc_frame, info_frame, bi_frame;
	writ_cptr_t made[1024];         /* init slots to move into the child, in order */
	unsigned n_made;
	writ_cptr_t image[1024];        /* the image's frames, in address order: moved first */
	writ_cptr_t child_next;         /* next free slot of the child */
	unsigned n_image_frames, first_table;
	struct writ_startinfo info;
	struct { writ_cptr_t slot; writ_word_t arg; bool device; } devs[WRIT_BOOTINFO_MAX_UNTYPED];
	unsigned n_devs;
	const char *why;
	long err;
};

struct proc *
proc_get(unsigned pid)
{
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].pid == pid && pid)
			return &procs[i];
	return NULL;
}

static bool
fail(struct build *b, const char *why, long err)
{
	if (!b->why) {
		b->why = why;
		b->err = err;
	}
	return false;
}

/* An object from the quota into a fresh slot of init's, recorded to go to the child. */
static long
quota_object(struct build *b, unsigned type, unsigned bits, writ_cptr_t *out, bool to_child)
{
	writ_cptr_t s = slot_alloc();
	long err;

	if (!s)
		return WRIT_E_RANGE;
	err = writ_untyped_retype(b->quota, type, bits, WRIT_SLOT_ROOT_CNODE, 0, 0, s, 1);
	if (err != WRIT_OK) {
		slot_free(s);
		return err;
	}
	if (to_child) {
		if (b->n_made == sizeof(b->made) / sizeof(b->made[0]))
			return WRIT_E_RANGE;
		b->made[b->n_made++] = s;
	}
	*out = s;
	return WRIT_OK;
}

static long
child_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	return quota_object(ctx, type, 0, out, true);
}

static long
init_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	writ_cptr_t s = slot_alloc();
	long err;

	(void)ctx;
	if (!s)
		return WRIT_E_RANGE;
	err = writ_obj_new(&init_ut, 1, type, 0, s);
	if (err == WRIT_OK)
		*out = s;
	return err;
}

/*
 * Map a (zeroed) frame at init's scratch window to write it; scratch_done() unmaps it.
 * A frame maps in one place at a time, so this comes before it is mapped in the child.
 */
static void *
scratch_map(writ_cptr_t frame, long *err)
{
	*err = writ_map_frame(WRIT_SLOT_ROOT_VSPACE, frame, SCRATCH_VA,
			      WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK, init_table,
			      NULL);
	return *err == WRIT_OK ? (void *)SCRATCH_VA : NULL;
}

static void
scratch_done(writ_cptr_t frame)
{
	writ_frame_unmap(frame);
}

/* Write `n` bytes at `off` of a (zeroed) frame not mapped anywhere yet. */
static long
fill_frame(writ_cptr_t frame, size_t off, const void *src, size_t n)
{
	long err;
	char *p = scratch_map(frame, &err);

	if (!p)
		return err;
	memcpy(p + off, src, n);
	scratch_done(frame);
	return WRIT_OK;
}

/* Write a frame already mapped in the child, through a copy of its capability. */
static long
fill_mapped_frame(writ_cptr_t frame, const void *src, size_t n)
{
	writ_cptr_t tmp = slot_alloc();
	long err;

	if (!tmp)
		return WRIT_E_RANGE;
	err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, tmp, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, frame,
			      FULL_DEPTH, WRIT_RIGHTS_ALL);
	if (err == WRIT_OK) {
		err = fill_frame(tmp, 0, src, n);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, tmp, FULL_DEPTH);
	}
	slot_free(tmp);
	return err;
}

static unsigned
map_rights(uint32_t elf_rights)
{
	return (elf_rights & ELF_R ? WRIT_RIGHT_READ : 0) |
	       (elf_rights & ELF_W ? WRIT_RIGHT_WRITE : 0) |
	       (elf_rights & ELF_X ? WRIT_RIGHT_EXEC : 0);
}

/* A new frame mapped at vaddr in the child, filled with file bytes if any; listed to
 * move into the child, or given back in *frame_out for the caller to place. */
static bool
child_page(struct build *b, uint64_t vaddr, unsigned rights, const void *src, size_t off,
	   size_t n, writ_cptr_t *frame_out)
{
	writ_cptr_t f;
	long err;

	if ((err = quota_object(b, WRIT_OBJ_FRAME_4K, 0, &f, frame_out == NULL)) != WRIT_OK)
		return fail(b, "out of quota for a frame", err);
	if (n && (err = fill_frame(f, off, src, n)) != WRIT_OK)
		return fail(b, "cannot fill a frame", err);
	if ((err = writ_map_frame(b->pml4, f, vaddr, rights, WRIT_MAP_WRITE_BACK, child_table,
				  b)) != WRIT_OK)
		return fail(b, "cannot map a page", err);
	if (frame_out)
		*frame_out = f;
	return true;
}

/* Map the ELF image page by page; pages two segments share are mapped once, with the
 * union of their rights (the parser checked it is not writable and executable). */
static bool
load_image(struct build *b)
{
	const uint8_t *file = b->a->elf;
	uint64_t last = ~0ull;

	for (unsigned s = 0; s < b->img.n_segments; s++) {
		const struct elf_segment *sg = &b->img.segments[s];
		uint64_t end = (sg->vaddr + sg->memsz + 4095) & ~4095ull;
		unsigned rights = map_rights(sg->rights);

		if (s + 1 < b->img.n_segments && (sg->shares & ELF_SHARES_NEXT))
			rights |= map_rights(b->img.segments[s + 1].rights);
		if (s > 0 && (sg->shares & ELF_SHARES_PREV))
			rights |= map_rights(b->img.segments[s - 1].rights);
		for (uint64_t pg = sg->vaddr & ~4095ull; pg < end; pg += 4096) {
			writ_cptr_t f;
			char *dst = NULL;
			long err;

			if (pg == last)
				continue;
			if (b->n_image_frames == sizeof(b->image) / sizeof(b->image[0]))
				return fail(b, "image too large", WRIT_E_RANGE);
			if ((err = quota_object(b, WRIT_OBJ_FRAME_4K, 0, &f, false)) != WRIT_OK)
				return fail(b, "out of quota for a frame", err);
			/* The file bytes of every segment that lands in this page. */
			for (unsigned t = (s ? s - 1 : 0); t < b->img.n_segments && t <= s + 1; t++) {
				const struct elf_segment *g = &b->img.segments[t];
				uint64_t lo = g->vaddr > pg ? g->vaddr : pg;
				uint64_t hi = g->vaddr + g->filesz < pg + 4096 ? g->vaddr + g->filesz
									      : pg + 4096;

				if (lo >= hi)
					continue;
				if (!dst && !(dst = scratch_map(f, &err)))
					return fail(b, "cannot fill a frame", err);
				memcpy(dst + (lo - pg), file + g->offset + (lo - g->vaddr), hi - lo);
			}
			if (dst)
				scratch_done(f);
			if ((err = writ_map_frame(b->pml4, f, pg, rights, WRIT_MAP_WRITE_BACK,
						  child_table, b)) != WRIT_OK)
				return fail(b, "cannot map a page", err);
			b->image[b->n_image_frames++] = f;
			last = pg;
		}
	}
	return true;
}

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* AT_PHDR: where the program headers are once the image is mapped. */
static uint64_t
phdr_vaddr(struct build *b, uint64_t *phnum)
{
	const uint8_t *f = b->a->elf;
	uint64_t phoff;
	uint16_t n;

	memcpy(&phoff, f + 32, 8);
	memcpy(&n, f + 56, 2);
	*phnum = n;
	for (unsigned s = 0; s < b->img.n_segments; s++) {
		const struct elf_segment *sg = &b->img.segments[s];

		if (phoff >= sg->offset && phoff < sg->offset + sg->filesz)
			return sg->vaddr + (phoff - sg->offset);
	}
	return 0;
}

/*
 * The initial stack, as Linux lays it out for a static program: from the top, the
 * strings and AT_RANDOM's bytes, then (16-byte aligned) argc, argv[], NULL, envp[],
 * NULL, auxv pairs ending with AT_NULL. Built in `top` (the stack's last page) and
 * written in one go; returns the initial RSP, or 0 if it does not fit in a page.
 */
static uint64_t
build_stack(struct build *b, uint8_t *top)
{
	const uint64_t base = WRIT_ROOT_STACK_TOP - 4096;
	const char *const *argv = b->a->argv, *const *envp = b->a->envp;
	uint64_t ptrs[2 * SPAWN_MAX_ARGS + 2], aux[40];
	unsigned argc = 0, envc = 0, np = 0, na = 0;
	size_t pos = 4096;
	uint64_t rnd_at, execfn, phnum, phdr, *words;
	size_t nwords;

#define PUSH_STR(s)                                                                    \
	({                                                                             \
		size_t l_ = strlen(s) + 1;                                             \
		if (l_ + 512 > pos)                                                    \
			return 0;                                                      \
		pos -= l_;                                                             \
		memcpy(top + pos, s, l_);                                              \
		base + pos;                                                            \
	})
	for (argc = 0; argv && argv[argc]; argc++)
		if (argc == SPAWN_MAX_ARGS)
			return 0;
	for (envc = 0; envp && envp[envc]; envc++)
		if (envc == SPAWN_MAX_ARGS)
			return 0;
	for (unsigned i = 0; i < argc; i++)
		ptrs[np++] = PUSH_STR(argv[i]);
	ptrs[np++] = 0;
	for (unsigned i = 0; i < envc; i++)
		ptrs[np++] = PUSH_STR(envp[i]);
	ptrs[np++] = 0;
	execfn = argc ? ptrs[0] : 0;
	pos = (pos - 16) & ~15ul;
	for (int i = 0; i < 16; i++)
		top[pos + i] = (uint8_t)(rdtsc() * 0x9e3779b97f4a7c15ull >> 56);
	rnd_at = base + pos;
	phdr = phdr_vaddr(b, &phnum);
	aux[na++] = AT_PHDR;   aux[na++] = phdr;
	aux[na++] = AT_PHENT;  aux[na++] = 56;
	aux[na++] = AT_PHNUM;  aux[na++] = phnum;
	aux[na++] = AT_PAGESZ; aux[na++] = 4096;
	aux[na++] = AT_BASE;   aux[na++] = 0;
	aux[na++] = AT_FLAGS;  aux[na++] = 0;
	aux[na++] = AT_ENTRY;  aux[na++] = b->img.entry;
	aux[na++] = AT_UID;    aux[na++] = 0;
	aux[na++] = AT_EUID;   aux[na++] = 0;
	aux[na++] = AT_GID;    aux[na++] = 0;
	aux[na++] = AT_EGID;   aux[na++] = 0;
	aux[na++] = AT_HWCAP;  aux[na++] = 0;
	aux[na++] = AT_CLKTCK; aux[na++] = 100;
	aux[na++] = AT_SECURE; aux[na++] = 0;
	aux[na++] = AT_RANDOM; aux[na++] = rnd_at;
	aux[na++] = AT_EXECFN; aux[na++] = execfn;
	aux[na++] = WRIT_AT_STARTINFO; aux[na++] = WRIT_STARTINFO_VADDR;
	aux[na++] = LINUX_AT_NULL; aux[na++] = 0;
	nwords = 1 + np + na;
	if (nwords * 8 + 64 > pos)
		return 0;
	pos = (pos - nwords * 8) & ~15ul;
	words = (uint64_t *)(top + pos);
	words[0] = argc;
	memcpy(words + 1, ptrs, np * 8);
	memcpy(words + 1 + np, aux, na * 8);
	return base + pos;
#undef PUSH_STR
}

static bool
move_to_child(struct build *b, writ_cptr_t src, writ_cptr_t dest)
{
	long err = writ_cnode_move(b->p->cnode, dest, b->p->cnode_radix, WRIT_SLOT_ROOT_CNODE,
				   src, FULL_DEPTH);

	if (err != WRIT_OK)
		return fail(b, "cannot move a capability into the child", err);
	slot_free(src);
	return true;
}

/* Copy with whatever rights the source has: the largest subset the kernel accepts. */
static long
copy_same_rights(writ_cptr_t droot, writ_cptr_t dest, unsigned depth, writ_cptr_t sroot,
		 writ_cptr_t src, unsigned sdepth)
{
	long err = WRIT_E_RIGHTS;

	for (int r = WRIT_RIGHTS_ALL; r >= 0 && err == WRIT_E_RIGHTS; r--)
		err = writ_cnode_copy(droot, dest, depth, sroot, src, sdepth, (unsigned)r);
	return err;
}

static bool
give_cap(struct build *b, const struct spawn_cap *c)
{
	writ_cptr_t dest = c->dest ? c->dest : b->child_next++;
	writ_cptr_t sroot = c->src_cnode ? c->src_cnode : WRIT_SLOT_ROOT_CNODE;
	unsigned depth = b->p->cnode_radix, sdepth = c->src_cnode ? c->src_depth : FULL_DEPTH;
	long err;

	if (c->move) {
		err = writ_cnode_move(b->p->cnode, dest, depth, sroot, c->src, sdepth);
		if (err == WRIT_OK && c->give) {
			slot_free(c->src);
		} else if (err == WRIT_OK) {
			/* Lent capabilities come back to init when the process ends. */
			if (b->p->n_lent == PROC_MAX_LENT)
				return fail(b, "too many lent capabilities", WRIT_E_RANGE);
			b->p->lent[b->p->n_lent] = dest;
			b->p->lent_home[b->p->n_lent++] = c->src;
		}
	} else if (c->badge) {
		err = writ_cnode_mint(b->p->cnode, dest, depth, sroot, c->src, sdepth,
				      c->rights ? c->rights : WRIT_RIGHTS_ALL,
				      c->badge | (c->add_pid ? b->p->pid : 0));
	} else {
		/* All the rights the source has, unless fewer are asked for. */
		err = writ_cnode_copy(b->p->cnode, dest, depth, sroot, c->src, sdepth,
				      c->rights ? c->rights : WRIT_RIGHTS_ALL);
		if (err == WRIT_E_RIGHTS && !c->rights)
			err = copy_same_rights(b->p->cnode, dest, depth, sroot, c->src, sdepth);
	}
	if (err != WRIT_OK)
		return fail(b, "cannot hand over a capability", err);
	if ((c->kind == WRIT_SCAP_DEVMEM || c->kind == WRIT_SCAP_RAM) &&
	    b->n_devs < WRIT_BOOTINFO_MAX_UNTYPED) {
		b->devs[b->n_devs].slot = dest;
		b->devs[b->n_devs].device = c->kind == WRIT_SCAP_DEVMEM;
		b->devs[b->n_devs++].arg = c->arg;
	}
	if (c->name) {
		struct writ_startinfo_cap *sc;

		if (b->info.n_caps == WRIT_STARTINFO_CAPS)
			return fail(b, "too many named capabilities", WRIT_E_RANGE);
		sc = &b->info.caps[b->info.n_caps++];
		strncpy_bounded(sc->name, c->name, sizeof(sc->name));
		sc->slot = (uint32_t)dest;
		sc->kind = c->kind;
		sc->arg = c->arg;
	}
	return true;
}

/* What is left of the quota, carved into untyped capabilities for the process. */
static void
carve_rest(struct build *b)
{
	for (unsigned bits = b->a->quota_bits - 1; bits >= 12 &&
	     b->info.n_untyped < WRIT_STARTINFO_UNTYPED;) {
		writ_cptr_t u;

		if (quota_object(b, WRIT_OBJ_UNTYPED, bits, &u, false) != WRIT_OK) {
			bits--;
			continue;
		}
		b->info.untyped[b->info.n_untyped].slot = (uint32_t)b->child_next;
		b->info.untyped[b->info.n_untyped].size_bits = bits;
		b->info.n_untyped++;
		if (!move_to_child(b, u, b->child_next++))
			return;
	}
}

/* The kernel test suite's view: BootInfo as the root task's, of what it was given. */
static void
bootinfo_view(struct build *b, struct writ_bootinfo *v)
{
	unsigned n = 0;

	memcpy(v, init.bi, sizeof(*v));
	v->root_cnode_radix = b->p->cnode_radix;
	v->first_empty_slot = (uint32_t)b->child_next;
	v->n_modules = 0;
	v->n_image_frames = b->n_image_frames;
	v->first_image_frame_slot = CHILD_FIRST_BUILT;
	v->first_page_table_slot = 0;
	v->n_page_tables = 0;
	v->ipc_buffer_vaddr = WRIT_ROOT_IPC_BUFFER;
	for (unsigned i = 0; i < b->info.n_untyped; i++, n++) {
		v->untyped[n].paddr = 0;
		v->untyped[n].size_bits = (uint8_t)b->info.untyped[i].size_bits;
		v->untyped[n].is_device = 0;
		v->untyped[n].slot = b->info.untyped[i].slot;
	}
	for (unsigned i = 0; i < b->n_devs && n < WRIT_BOOTINFO_MAX_UNTYPED; i++, n++) {
		v->untyped[n].paddr = b->devs[i].arg & ((1ull << 56) - 1);
		v->untyped[n].size_bits = (uint8_t)(b->devs[i].arg >> 56);
		v->untyped[n].is_device = b->devs[i].device;
		v->untyped[n].slot = (uint32_t)b->devs[i].slot;
	}
	v->n_untyped = n;
}

#define TRACE_MARK(what)                                                             \
	do {                                                                         \
		if (init.trace)                                                      \
			writ_printf("init: spawn %s at +%lu\n", what, rdtsc() - b->p->spawn_tsc); \
	} while (0)
/*
 * The boot archive, read-only at WRIT_ARCHIVE_VADDR: copies of the module's frame
 * capabilities (a capability maps once), mapped with tables from the child's quota and
 * moved into its CNode, so they go when it ends. Nothing is copied: file: seeds its
 * tree from these pages.
 */
static bool
map_archive(struct build *b)
{
	const struct writ_bootinfo_module *m = init.archive;
	writ_cptr_t first = b->child_next;
	struct writ_startinfo_cap *sc;
	long err;

	if (!m || b->info.n_caps == WRIT_STARTINFO_CAPS)
		return fail(b, "no boot archive to lend", WRIT_E_RANGE);
	for (unsigned i = 0; i < m->frames; i++) {
		writ_cptr_t f = slot_alloc();

		if (!f)
			return fail(b, "out of slots for the archive", WRIT_E_RANGE);
		if ((err = writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
					   m->first_frame_slot + i, FULL_DEPTH,
					   WRIT_RIGHT_READ)) != WRIT_OK) {
			slot_free(f);
			return fail(b, "cannot copy an archive frame", err);
		}
		if ((err = writ_map_frame(b->pml4, f, WRIT_ARCHIVE_VADDR + 4096ull * i,
					  WRIT_RIGHT_READ, WRIT_MAP_WRITE_BACK, child_table,
					  b)) != WRIT_OK) {
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH);
			slot_free(f);
			return fail(b, "cannot map an archive frame", err);
		}
		if (!move_to_child(b, f, b->child_next++))
			return false;
	}
	sc = &b->info.caps[b->info.n_caps++];
	strncpy_bounded(sc->name, "archive", sizeof(sc->name));
	sc->slot = (uint32_t)first;
	sc->kind = WRIT_SCAP_ARCHIVE;
	sc->arg = m->size | (m->paddr & 4095) << 52;
	return true;
}

/* Every whole free RAM block, lent as the root task's untyped (after the quota is
 * taken, so it is not among them). */
static bool
lend_ram(struct build *b)
{
	static struct umem_lent lent[64];
	unsigned n = umem_lend_roots(lent, 64);

	b->p->lends_ram = true;
	for (unsigned i = 0; i < n; i++) {
		struct spawn_cap c = { .src = lent[i].slot, .move = true, .kind = WRIT_SCAP_RAM,
				       .arg = lent[i].paddr | (uint64_t)lent[i].bits << 56 };

		if (!give_cap(b, &c))
			return false;
	}
	return true;
}

static bool
build(struct build *b)
{
	const struct spawn_args *a = b->a;
	struct proc *p = b->p;
	writ_cptr_t tcb, cnode, ep_tmp = slot_alloc();
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	static uint8_t top[4096];
	struct elf_diag d;
	uint64_t sp;
	long err;

	if (elf_parse(a->elf, a->elf_size, WRIT_USER_LO, WRIT_HEAP_LO, &b->img, &d) != ELF_OK) {
		writ_printf("init: %s: not a usable ELF: %s (offset %lu)\n", a->name,
			    elf_strerror(d.error), d.offset);
		spawn_errno = ENOEXEC;
		return fail(b, "bad ELF", WRIT_E_INVALID_ARGUMENT);
	}
	if ((p->block = umem_alloc(a->quota_bits, &b->quota)) < 0) {
		spawn_errno = ENOMEM;
		return fail(b, "no memory for the quota", WRIT_E_NOT_ENOUGH_MEMORY);
	}
	p->quota = b->quota;
	if ((err = quota_object(b, WRIT_OBJ_CNODE, a->cnode_radix, &cnode, false)) != WRIT_OK ||
	    (err = quota_object(b, WRIT_OBJ_PML4, 0, &b->pml4, false)) != WRIT_OK ||
	    (err = quota_object(b, WRIT_OBJ_TCB, 0, &tcb, false)) != WRIT_OK ||
	    (err = quota_object(b, WRIT_OBJ_FRAME_4K, 0, &b->ipc_frame, false)) != WRIT_OK ||
	    (err = quota_object(b, WRIT_OBJ_FRAME_4K, 0, &b->info_frame, false)) != WRIT_OK)
		return fail(b, "quota too small for the process's objects", err);
	p->tcb = tcb;
	p->cnode = cnode;
	p->cnode_radix = a->cnode_radix;
	b->child_next = CHILD_FIRST_BUILT;
	TRACE_MARK("image");
	if (!load_image(b))
		return false;
	/* The stack: its top page holds the arguments, the rest come zeroed. */
	if (!(sp = build_stack(b, top)))
		return fail(b, "arguments and environment do not fit in a page", WRIT_E_RANGE);
	for (unsigned i = a->stack_pages ? a->stack_pages : STACK_PAGES; i > 1; i--)
		if (!child_page(b, WRIT_ROOT_STACK_TOP - 4096ull * i,
				WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, NULL, 0, 0, NULL))
			return false;
	if (!child_page(b, WRIT_ROOT_STACK_TOP - 4096, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, top, 0,
			4096, NULL))
		return false;
	if ((err = writ_map_frame(b->pml4, b->ipc_frame, WRIT_ROOT_IPC_BUFFER,
				  WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK,
				  child_table, b)) != WRIT_OK)
		return fail(b, "cannot map the IPC buffer", err);
	TRACE_MARK("stack");
	/* Into the child's CNode: the image's frames in order (the BootInfo view lists them
	 * as consecutive), everything else built so far, then its fixed slots. */
	for (unsigned i = 0; i < b->n_image_frames; i++)
		if (!move_to_child(b, b->image[i], b->child_next++))
			return false;
	for (unsigned i = 0; i < b->n_made; i++)
		if (!move_to_child(b, b->made[i], b->child_next++))
			return false;
	b->n_made = 0;
	TRACE_MARK("moved");
	b->child_next = (b->child_next + 15) & ~15ull;
	{
		struct spawn_cap fixed[] = {
			{ .src = tcb, .dest = WRIT_PSLOT_TCB },
			{ .src = b->pml4, .dest = WRIT_PSLOT_VSPACE },
			{ .src = init.ep, .dest = WRIT_PSLOT_PROC, .badge = BADGE_SELF | p->pid,
			  .rights = WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY },
			{ .src = init.ep, .dest = WRIT_PSLOT_FAULT, .badge = BADGE_FAULT | p->pid,
			  .rights = WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT },
		};

		for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			if (!give_cap(b, &fixed[i]))
				return false;
	}
	if ((err = writ_cnode_mint(cnode, WRIT_PSLOT_CNODE, a->cnode_radix, WRIT_SLOT_ROOT_CNODE,
				   cnode, FULL_DEPTH, WRIT_RIGHTS_ALL,
				   WRIT_CNODE_GUARD(0, 64 - a->cnode_radix))) != WRIT_OK)
		return fail(b, "cannot give the process its CNode", err);
	for (unsigned i = 0; i < a->n_caps; i++)
		if (!give_cap(b, &a->caps[i]))
			return false;
	if (a->lend_ram && !lend_ram(b))
		return false;
	if (a->archive_view && !map_archive(b))
		return false;
	/* The start info (and the suite's BootInfo view) are mapped before the last
	 * capabilities move over and filled after, so they can list every slot in use. */
	if ((err = writ_map_frame(b->pml4, b->info_frame, WRIT_STARTINFO_VADDR, WRIT_RIGHT_READ,
				  WRIT_MAP_WRITE_BACK, child_table, b)) != WRIT_OK)
		return fail(b, "cannot map the start info", err);
	if (a->bootinfo_view &&
	    ((err = quota_object(b, WRIT_OBJ_FRAME_4K, 0, &b->bi_frame, false)) != WRIT_OK ||
	     (err = writ_map_frame(b->pml4, b->bi_frame, WRIT_BOOTINFO_VADDR, WRIT_RIGHT_READ,
				   WRIT_MAP_WRITE_BACK, child_table, b)) != WRIT_OK))
		return fail(b, "cannot map the BootInfo view", err);
	for (unsigned i = 0; i < b->n_made; i++)
		if (!move_to_child(b, b->made[i], b->child_next++))
			return false;
	b->n_made = 0;
	TRACE_MARK("caps");
	carve_rest(b);
	if (b->why)
		return false;
	TRACE_MARK("carved");
	b->info.magic = WRIT_STARTINFO_MAGIC;
	b->info.version = 1;
	b->info.pid = p->pid;
	b->info.cnode_radix = a->cnode_radix;
	b->info.first_free_slot = (uint32_t)b->child_next;
	b->info.heap_lo = WRIT_HEAP_LO;
	b->info.heap_hi = WRIT_HEAP_HI;
	b->info.spawn_tsc = p->spawn_tsc;
	strncpy_bounded(b->info.name, a->name, sizeof(b->info.name));
	if ((err = fill_mapped_frame(b->info_frame, &b->info, sizeof(b->info))) != WRIT_OK)
		return fail(b, "cannot write the start info", err);
	if (b->bi_frame) {
		static struct writ_bootinfo view;

		bootinfo_view(b, &view);
		if ((err = fill_mapped_frame(b->bi_frame, &view, sizeof(view))) != WRIT_OK ||
		    !move_to_child(b, b->bi_frame, WRIT_PSLOT_BOOTINFO))
			return fail(b, "cannot write the BootInfo view", err);
	}
	if (!move_to_child(b, b->info_frame, WRIT_PSLOT_STARTINFO))
		return false;
	TRACE_MARK("info");
	/* The thread: faults come to init badged with the pid. */
	if (!ep_tmp || (err = writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, ep_tmp, FULL_DEPTH,
					      WRIT_SLOT_ROOT_CNODE, init.ep, FULL_DEPTH,
					      WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT,
					      BADGE_FAULT | p->pid)) != WRIT_OK)
		return fail(b, "cannot make the fault endpoint", err);
	err = writ_tcb_configure(tcb, ep_tmp, cnode, WRIT_CNODE_GUARD(0, 64 - a->cnode_radix),
				 b->pml4, WRIT_ROOT_IPC_BUFFER, b->ipc_frame);
	writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep_tmp, FULL_DEPTH);
	slot_free(ep_tmp);
	if (err != WRIT_OK)
		return fail(b, "cannot configure the thread", err);
	if (!move_to_child(b, b->ipc_frame, WRIT_PSLOT_IPC_BUFFER))
		return false;
	if ((err = writ_tcb_set_mcp(tcb, WRIT_SLOT_ROOT_TCB, a->mcp)) != WRIT_OK ||
	    (err = writ_tcb_set_priority(tcb, WRIT_SLOT_ROOT_TCB, a->prio)) != WRIT_OK)
		return fail(b, "cannot set the priority", err);
	ctx[WRIT_CTX_RIP] = b->img.entry;
	ctx[WRIT_CTX_RSP] = sp;
	ctx[WRIT_CTX_RFLAGS] = 0x202;
	ctx[WRIT_CTX_GS_BASE] = WRIT_ROOT_IPC_BUFFER;
	if ((err = writ_tcb_write_regs(tcb, true, ctx, WRIT_CTX_COUNT)) != WRIT_OK)
		return fail(b, "cannot start the thread", err);
	return true;
}

static void
lent_back(struct proc *p)
{
	for (unsigned k = 0; k < p->n_lent; k++)
		writ_cnode_move(WRIT_SLOT_ROOT_CNODE, p->lent_home[k], FULL_DEPTH, p->cnode,
				p->lent[k], p->cnode_radix);
	p->n_lent = 0;
}

unsigned
spawn(const struct spawn_args *a)
{
	static struct build b;
	struct proc *p = NULL;

	if (!init_ut.slot && umem_alloc(20, &init_ut.slot) >= 0)
		init_ut.size_bits = 20;
	for (unsigned i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].pid)
			p = &procs[i];
	if (!p) {
		writ_printf("init: %s: too many processes\n", a->name);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	memset(&b, 0, sizeof(b));
	p->pid = next_pid++;
	if (next_pid > BADGE_PID_MASK)
		next_pid = 1;
	p->block = -1;
	p->spawn_tsc = rdtsc();
	strncpy_bounded(p->name, a->name, sizeof(p->name));
	spawn_errno = ENOMEM;	/* most failures: the quota was too small */
	b.a = a;
	b.p = p;
	if (build(&b)) {
		p->alive = true;
		return p->pid;
	}
	writ_printf("init: cannot start %s: %s (%s)\n", a->name, b.why, writ_error_name((int)b.err));
	for (unsigned i = 0; i < b.n_made; i++)
		slot_free(b.made[i]);
	if (p->block >= 0) {
		lent_back(p);
		if (p->lends_ram)
			umem_take_back();
		umem_free(p->block);
	}
	if (p->tcb)
		slot_free(p->tcb);
	if (p->cnode)
		slot_free(p->cnode);
	memset(p, 0, sizeof(*p));
	return 0;
}

void
proc_end(struct proc *p, int status)
{
	unsigned pid = p->pid;

	if (!p->alive)
		return;
	writ_tcb_suspend(p->tcb);
	image_forget(p);	/* an image buffer it was lent and did not spawn from */
	lent_back(p);
	if (p->lends_ram) {
		umem_take_back();	/* with every thread it made there, before the rest */
		p->lends_ram = false;
	}
	umem_free(p->block);	/* every object of the process, and its capabilities */
	slot_free(p->tcb);
	slot_free(p->cnode);
	p->alive = false;
	p->status = status;
	if (p->waiter_wake) {
		writ_signal(p->waiter_wake);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, p->waiter_wake, FULL_DEPTH);
		slot_free(p->waiter_wake);
		p->waiter_wake = 0;
	}
	/* Its children: those already ended have nobody left to wait for them. */
	for (unsigned i = 0; i < MAX_PROCS; i++)
		if (procs[i].pid && procs[i].parent == pid) {
			procs[i].parent = 0;
			if (!procs[i].alive)
				proc_reap(&procs[i]);
		}
	services_process_ended(pid);
}

void
proc_reap(struct proc *p)
{
	memset(p, 0, sizeof(*p));
}
