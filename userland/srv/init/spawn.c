/*
 * The process builder: a new process from an ELF file, charged to a quota.
 *
 * Everything the process is made of — CNode, PML4, page tables, TCB, IPC buffer, start
 * info, its image and stack frames — is retyped from one untyped block of init's (its
 * quota), and what is left of the block is carved into untyped capabilities the
 * process gets for its own objects and anonymous memory. Killing it is one revoke of
 * the block. init makes the objects in a window of its own slots, invokes them (maps,
 * fills, configures), then moves the capabilities into the child's CNode, so init's
 * CNode holds only the TCB and CNode capabilities of each process.
 *
 * The cost is kernel calls (500 to 1,000 instructions each under -icount) and zeroing
 * (about 650 instructions a frame at Retype), so the build is planned first: every page
 * the process starts with and every page table they need are known before anything is
 * made, objects of one type come from one Retype, tables are mapped top-down (never a
 * Map that fails for a missing table), and the untyped the process gets is carved
 * straight into its CNode.
 *
 * Pages are filled through a scratch window in init's address space, before they are
 * mapped in the child (a capability maps once). Frames come zeroed from Retype, so only
 * pages with file bytes, the initial stack and the start info are touched.
 */
#include <portable/elf.h>

#include <errno.h>

#include "init.h"

#define SCRATCH_VA 0x7ffe00000000ull    /* one page of init's, for filling others' */
#define CHILD_FIRST_BUILT 32            /* image frames, tables... from this child slot */
#define WINDOW 512                      /* init slots a process's objects are made in */
#define MAX_PAGES 1024                  /* pages a process starts with */
#define MAX_TABLES 16                   /* of each level */
#define MADE_MAX (1 + MAX_PAGES + 3 * MAX_TABLES + 8)  /* objects made for one process */
/*
 * Only the stack's top page (arguments, environment, auxv) is mapped eagerly; the
 * others are mapped at their first touch (proc_stack_fault). Measured under -icount
 * (bench proc/spawn-exit-wait with 8 and 16 pages): an eager page costs 1,540
 * instructions (its share of the frames' Retype, zeroing included, its Map, its
 * deletion at the end); a page served at its first touch about 3,500 (the fault round
 * trip, a Retype of one frame, a Map). Most programs touch one or two pages of their
 * 8 (a Linux program a few of its 32), so first touch wins. Their frames come from an
 * untyped of the quota made for them (what eager pages would take), in slots of the
 * keep area kept for them: a process built in the window gets them all eagerly.
 */
#define STACK_PAGES 8                   /* 32 KiB unless the spawner asks for more */
#define STACK_LAZY_MAX 64               /* pages: stack_touched's bits */
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
/* [window, window + window_size): init's slots for the objects of a process being
 * built that move into its CNode; all empty between builds (moved, or revoked with a
 * failed quota). */
static writ_cptr_t window;
static unsigned window_size;

/*
 * The keep area: runs of init's slots where a process's page tables and frames stay
 * while it lives, instead of moving into its CNode (a Move is 1,000 instructions, and
 * nothing but the kernel suite invokes them). The quota's revoke deletes them with
 * everything else; the run is free again after it. A process whose objects find no
 * free run takes the window's way.
 */
#define AREA 1024
static writ_cptr_t area;
static uint64_t area_used[AREA / 64];

static bool
area_bit(unsigned i)
{
	return area_used[i / 64] >> (i % 64) & 1;
}

static void
area_mark(unsigned first, unsigned n, bool used)
{
	for (unsigned i = first; i < first + n; i++)
		if (used)
			area_used[i / 64] |= 1ull << (i % 64);
		else
			area_used[i / 64] &= ~(1ull << (i % 64));
}

/* Below this, every slot of the area is in use (long-lived servers fill its start). */
static unsigned area_hint;

/* n consecutive free slots of the area (first fit), or 0. */
static writ_cptr_t
area_alloc(unsigned n)
{
	for (unsigned i = area_hint, run = 0; area && n && i < AREA; i++) {
		if (i % 64 == 0 && area_used[i / 64] == ~0ull) {
			i += 63;	/* a whole word in use */
			run = 0;
			continue;
		}
		run = area_bit(i) ? 0 : run + 1;
		if (run == n) {
			area_mark(i + 1 - n, n, true);
			if (i + 1 - n == area_hint)
				area_hint = i + 1;
			return area + i + 1 - n;
		}
	}
	return 0;
}

static void
area_free(writ_cptr_t first, unsigned n)
{
	if (!first)
		return;
	area_mark((unsigned)(first - area), n, false);
	if (first - area < area_hint)
		area_hint = (unsigned)(first - area);
}

/* What a page the process starts with holds. */
enum { PG_FILE, PG_ZERO, PG_STACK_TOP, PG_INFO, PG_BOOTINFO, PG_SHARED };

struct page {
	uint64_t va;
	uint16_t rights;                /* WRIT_RIGHT_* */
	uint8_t what;                   /* PG_* */
	uint8_t seg;                    /* PG_FILE: the segment it was planned for */
	writ_cptr_t frame;              /* init's slot, once made */
};

struct made {
	writ_cptr_t slot;               /* in the window */
	writ_cptr_t dest;               /* the child's slot, or 0 for the next free one */
};

struct build {
	const struct spawn_args *a;
	struct proc *p;
	struct elf_image img;           /* the program's segments, then the personality's */
	unsigned n_prog_segments;       /* img.segments[0..n) are the program's */
	unsigned n_prog_pages;          /* pages[0..n) are the program's image */
	const uint8_t *lx_elf;          /* a Linux program: the personality's file, else NULL */
	uint64_t lx_entry;              /* ...and where its thread starts */
	writ_cptr_t quota, pml4, ipc_frame, info_frame, bi_frame;
	uint64_t used;                  /* bytes of the quota the objects made take */
	uint64_t stack_top;
	writ_cptr_t child_next;         /* next free slot of the child */
	unsigned n_made, n_window, n_pages, n_image_frames, n_tables[3], n_devs;
	bool image_moved;
	unsigned stack_lazy;            /* stack pages mapped at first touch, or 0 */
	uint64_t stack_lo;              /* the lowest stack page */
	writ_cptr_t base;               /* the window, or the process's run of the area */
	unsigned room;                  /* slots from base */
	const char *why;
	long err;
	struct writ_startinfo info;
	struct { writ_cptr_t slot; writ_word_t arg; bool device; } devs[WRIT_BOOTINFO_MAX_UNTYPED];
	/* From here on, not cleared between builds: the counts above say what is used. */
	struct made made[MADE_MAX];     /* window slots to move into the child, in order */
	struct page pages[MAX_PAGES];
	uint64_t tables[3][MAX_TABLES]; /* [level]: vaddr >> (21 + 9 * level) of each table */
};

/* Entries from here on are free: spawn takes the lowest free one, so the few live
 * processes sit below it and the searches stop there, not at MAX_PROCS (each message
 * to init looks its sender up). */
static unsigned procs_end;

struct proc *
proc_get(unsigned pid)
{
	for (unsigned i = 0; i < procs_end; i++)
		if (procs[i].pid == pid && pid)
			return &procs[i];
	return NULL;
}

unsigned
proc_count(void)
{
	return procs_end;
}

/* Entry p is free again. */
static void
proc_free(struct proc *p)
{
	memset(p, 0, sizeof(*p));
	while (procs_end && !procs[procs_end - 1].pid)
		procs_end--;
}

struct proc *
proc_at(unsigned i)
{
	return i < MAX_PROCS ? &procs[i] : NULL;
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

/* Where Retype puts objects: aligned to their size, after the ones before. */
static void
account(struct build *b, unsigned obj_bits, unsigned count)
{
	uint64_t size = 1ull << obj_bits;

	b->used = ((b->used + size - 1) & ~(size - 1)) + count * size;
}

/* `count` objects from the quota into the next window slots, listed to go to the child
 * (to `dest`, or the next free slots when 0); the first in *out. */
static long
quota_objects(struct build *b, unsigned type, unsigned bits, unsigned count, writ_cptr_t dest,
	      writ_cptr_t *out)
{
	writ_cptr_t s = b->base + b->n_window;
	long err;

	if (count == 0 || count > b->room - b->n_window)
		return count ? WRIT_E_RANGE : WRIT_OK;
	err = writ_untyped_retype(b->quota, type, bits, WRIT_SLOT_ROOT_CNODE, 0, 0, s, count);
	if (err != WRIT_OK)
		return err;
	account(b, 12, count);	/* every object made here is 4 KiB */
	for (unsigned i = 0; i < count; i++)
		b->made[b->n_made++] = (struct made){ s + i, dest };
	b->n_window += count;
	*out = s;
	return WRIT_OK;
}

/* One object from the quota into a slot of init's that stays (the TCB, the CNode),
 * obj_bits its size. */
static long
quota_object_kept(struct build *b, unsigned type, unsigned bits, unsigned obj_bits,
		  writ_cptr_t *out)
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
	account(b, obj_bits, 1);
	*out = s;
	return WRIT_OK;
}

static long
child_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	return quota_objects(ctx, type, 0, 1, 0, out);
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

static unsigned
map_rights(uint32_t elf_rights)
{
	return (elf_rights & ELF_R ? WRIT_RIGHT_READ : 0) |
	       (elf_rights & ELF_W ? WRIT_RIGHT_WRITE : 0) |
	       (elf_rights & ELF_X ? WRIT_RIGHT_EXEC : 0);
}

static bool
plan_page(struct build *b, uint64_t va, unsigned rights, unsigned what, unsigned seg)
{
	if (b->n_pages == MAX_PAGES)
		return fail(b, "image too large", WRIT_E_RANGE);
	b->pages[b->n_pages++] = (struct page){ va, (uint16_t)rights, (uint8_t)what,
						(uint8_t)seg, 0 };
	return true;
}

/* The ELF image page by page; pages two segments share are mapped once, with the
 * union of their rights (the parser checked it is not writable and executable). */
static bool
plan_image(struct build *b)
{
	uint64_t last = ~0ull;

	for (unsigned s = 0; s < b->img.n_segments; s++) {
		const struct elf_segment *sg = &b->img.segments[s];
		uint64_t end = (sg->vaddr + sg->memsz + 4095) & ~4095ull;
		unsigned rights = map_rights(sg->rights);

		if (s == b->n_prog_segments)
			b->n_prog_pages = b->n_pages;	/* the personality's from here */

		if (s + 1 < b->img.n_segments && (sg->shares & ELF_SHARES_NEXT))
			rights |= map_rights(b->img.segments[s + 1].rights);
		if (s > 0 && (sg->shares & ELF_SHARES_PREV))
			rights |= map_rights(b->img.segments[s - 1].rights);
		for (uint64_t pg = sg->vaddr & ~4095ull; pg < end; pg += 4096) {
			bool file = false;

			if (pg == last)
				continue;
			for (unsigned t = (s ? s - 1 : 0); t < b->img.n_segments && t <= s + 1; t++) {
				const struct elf_segment *g = &b->img.segments[t];

				file |= g->filesz && g->vaddr < pg + 4096 && g->vaddr + g->filesz > pg;
			}
			if (!plan_page(b, pg, rights, file ? PG_FILE : PG_ZERO, s))
				return false;
			last = pg;
		}
	}
	b->n_image_frames = b->n_pages;
	if (!b->lx_elf)
		b->n_prog_pages = b->n_pages;
	return true;
}

/* The file bytes of every segment that lands in page pg, through the scratch window. */
static long
fill_image_page(struct build *b, const struct page *pg)
{
	char *dst;
	long err;

	if (!(dst = scratch_map(pg->frame, &err)))
		return err;
	for (unsigned t = (pg->seg ? pg->seg - 1u : 0); t < b->img.n_segments && t <= pg->seg + 1u;
	     t++) {
		const struct elf_segment *g = &b->img.segments[t];
		const uint8_t *file = t < b->n_prog_segments ? b->a->elf : b->lx_elf;
		uint64_t lo = g->vaddr > pg->va ? g->vaddr : pg->va;
		uint64_t hi = g->vaddr + g->filesz < pg->va + 4096 ? g->vaddr + g->filesz
								   : pg->va + 4096;

		if (lo < hi)
			memcpy(dst + (lo - pg->va), file + g->offset + (lo - g->vaddr), hi - lo);
	}
	scratch_done(pg->frame);
	return WRIT_OK;
}

/* Note the tables page va needs, each level once. */
static bool
plan_tables(struct build *b, uint64_t va)
{
	for (unsigned level = 0; level < 3; level++) {
		uint64_t key = va >> (21 + 9 * level);
		unsigned i;

		for (i = 0; i < b->n_tables[level] && b->tables[level][i] != key; i++)
			;
		if (i < b->n_tables[level])
			continue;
		if (i == MAX_TABLES)
			return fail(b, "address space too scattered", WRIT_E_RANGE);
		b->tables[level][b->n_tables[level]++] = key;
	}
	return true;
}

/* Every table the planned pages need, one Retype a level, mapped from the top down. */
static bool
make_tables(struct build *b)
{
	static const unsigned type[3] = { WRIT_OBJ_PT, WRIT_OBJ_PD, WRIT_OBJ_PDPT };
	long err;

	for (int level = 2; level >= 0; level--) {
		writ_cptr_t t;

		if ((err = quota_objects(b, type[level], 0, b->n_tables[level], 0, &t)) != WRIT_OK)
			return fail(b, "out of quota for page tables", err);
		for (unsigned i = 0; i < b->n_tables[level]; i++)
			if ((err = writ_page_table_map(t + i, b->pml4,
						       b->tables[level][i] << (21 + 9 * level)))
			    != WRIT_OK)
				return fail(b, "cannot map a page table", err);
	}
	return true;
}

/* Frames for every planned page but the shared ones, from as few Retypes as the
 * kernel allows. */
static bool
make_frames(struct build *b)
{
	unsigned i = 0;

	while (i < b->n_pages) {
		unsigned n = 0;
		writ_cptr_t f;
		long err;

		for (unsigned k = i; k < b->n_pages && n < 256; k++)
			n += b->pages[k].what != PG_SHARED;
		if (n == 0)
			break;
		if ((err = quota_objects(b, WRIT_OBJ_FRAME_4K, 0, n, 0, &f)) != WRIT_OK)
			return fail(b, "out of quota for the process's pages", err);
		for (; n; i++)
			if (b->pages[i].what != PG_SHARED) {
				b->pages[i].frame = f++;
				n--;
			}
	}
	return true;
}

static bool
map_page(struct build *b, const struct page *pg)
{
	long err = writ_frame_map(pg->frame, b->pml4, pg->va, pg->rights, WRIT_MAP_WRITE_BACK);

	/* A shared page's copy was mapped in a process since ended, which the kernel takes
	 * as unmapped; only an address-space id come round to the same generation looks
	 * live, and needs the Unmap. */
	if (err == WRIT_E_ILLEGAL_OPERATION && pg->what == PG_SHARED) {
		writ_frame_unmap(pg->frame);
		err = writ_frame_map(pg->frame, b->pml4, pg->va, pg->rights, WRIT_MAP_WRITE_BACK);
	}

	return err == WRIT_OK ? true : fail(b, "cannot map a page", err);
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
	for (unsigned s = 0; s < b->n_prog_segments; s++) {
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
	const uint64_t base = b->stack_top - 4096;
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
		/* All the rights the source has, unless fewer are asked for. The kernel
		 * refuses rights the source lacks and cannot be asked which it has: a scheme
		 * capability or fd has exactly SCHEME_CAP_RIGHTS (servers and init mint them
		 * so), which one Copy then gives; a search over every subset costs up to 32
		 * calls (14 on average, 15,000 instructions per capability in the spawn
		 * bench). */
		unsigned want = c->rights ? c->rights
			      : c->kind == WRIT_SCAP_SCHEME || c->kind == WRIT_SCAP_FD
			      ? SCHEME_CAP_RIGHTS : WRIT_RIGHTS_ALL;

		err = writ_cnode_copy(b->p->cnode, dest, depth, sroot, c->src, sdepth, want);
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

/*
 * What is left of the quota, carved into untyped capabilities straight into the
 * process's CNode. The objects made so far fill the quota's start, below 2^k for the
 * smallest such k; the blocks 2^k, 2^(k+1), ..., half the quota each lie at an offset
 * of their own size, so each is one aligned Retype and together they are the whole
 * quota but its first 2^k bytes. (Carving from the largest down would skip the gap
 * below the largest block that still fits: half the quota, lost.)
 */
static bool
carve_rest(struct build *b, uint64_t used)
{
	unsigned k = 12, bits = b->a->quota_bits;
	long err;

	while ((1ull << k) < used)
		k++;
	/* The start info lists at most WRIT_STARTINFO_UNTYPED blocks: the largest ones. */
	if (bits > WRIT_STARTINFO_UNTYPED && k < bits - WRIT_STARTINFO_UNTYPED)
		k = bits - WRIT_STARTINFO_UNTYPED;
	for (; k < bits; k++) {
		if ((err = writ_untyped_retype(b->quota, WRIT_OBJ_UNTYPED, k, b->p->cnode, 0, 0,
					       b->child_next, 1)) != WRIT_OK)
			return fail(b, "cannot carve the quota", err);
		b->info.untyped[b->info.n_untyped].slot = (uint32_t)b->child_next++;
		b->info.untyped[b->info.n_untyped++].size_bits = k;
	}
	return true;
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
	v->first_page_table_slot = 0;	/* tables follow the frames, not listed */
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
map_archive_view(struct build *b, const struct writ_bootinfo_module *m, const char *name,
		 uint64_t vaddr)
{
	writ_cptr_t first = b->child_next;
	struct writ_startinfo_cap *sc;
	long err;

	if (!m || b->info.n_caps == WRIT_STARTINFO_CAPS)
		return fail(b, "no boot archive to lend", WRIT_E_RANGE);
	if (m->frames * 4096ull >= WRIT_ARCHIVE_MAX)
		return fail(b, "an archive too large to lend", WRIT_E_RANGE);
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
		if ((err = writ_map_frame(b->pml4, f, vaddr + 4096ull * i,
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
	strncpy_bounded(sc->name, name, sizeof(sc->name));
	sc->slot = (uint32_t)first;
	sc->kind = WRIT_SCAP_ARCHIVE;
	sc->arg = m->size | (m->paddr & 4095) << 52;
	return true;
}

/* The boot archive, and in `./writ exec` boots the archive of added files after it. */
static bool
map_archive(struct build *b)
{
	if (!map_archive_view(b, init.archive, "archive", WRIT_ARCHIVE_VADDR))
		return false;
	return !init.added || map_archive_view(b, init.added, "added", WRIT_ADDED_VADDR);
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

/*
 * Shared text. A program's read-only pages (its headers, code, constants) are filled
 * once, into master frames from init's own text block, and every process of that
 * program maps copies of the masters' capabilities: no frame to zero, no bytes to copy,
 * nothing charged to its quota. The copies carry no Write right, so neither the
 * mapping nor any capability the process could reach makes those pages writable. A
 * program keeps TEXT_SETS sets of copies in init's slots; a process takes a free set
 * and gives it back when it ends. Its PML4's deletion left the copies' mappings stale,
 * which the kernel's Map takes as none: the next process maps them as they are (a
 * Copy, made for every spawn, and a Delete at its end would cost more; so did an
 * Unmap of each before). When the block, the table or the
 * sets run out, a process gets its own copies of the pages as before.
 */
#define TEXT_PROGS 64
#define TEXT_SETS 2
#define TEXT_MAX_PAGES 64
#define TEXT_BLOCK_BITS 21              /* masters of all programs: 512 pages */
#define TEXT_SLOT_RESERVE 512           /* init's slots shared text never takes */

struct text_set {
	writ_cptr_t caps;               /* n consecutive slots, or 0 before first use */
	bool busy;
};

struct text {
	const void *elf;                /* the program in the archive; NULL: free entry */
	unsigned n;                     /* its read-only pages */
	writ_cptr_t masters;            /* n consecutive slots */
	struct text_set sets[TEXT_SETS];
};

static struct text texts[TEXT_PROGS];
static struct writ_ut text_ut;        /* taken with init's first spawn */

static bool
page_is_shareable(const struct page *pg)
{
	return (pg->what == PG_FILE || pg->what == PG_ZERO) && !(pg->rights & WRIT_RIGHT_WRITE);
}

/*
 * Which image pages are shared, as whose: all of them as the program's, or, for a
 * program from an image buffer (the next one there is another), only the Linux
 * personality's, as the personality's (it always comes from the archive). -> the
 * first such page (*elf: the key), or b->n_image_frames if none.
 */
static unsigned
text_range(struct build *b, const void **elf)
{
	*elf = b->a->elf;
	if (!b->a->elf_transient)
		return 0;
	*elf = b->lx_elf;
	return b->lx_elf ? b->n_prog_pages : b->n_image_frames;
}

/* The program's masters, made and filled the first time it runs; NULL if there is
 * no room for them. */
static struct text *
text_of(struct build *b)
{
	struct text *t = NULL;
	unsigned n = 0;
	writ_cptr_t m;
	const void *elf;
	unsigned lo = text_range(b, &elf);

	if (lo == b->n_image_frames)
		return NULL;
	for (unsigned i = 0; i < TEXT_PROGS; i++) {
		if (texts[i].elf == elf && texts[i].masters)
			return &texts[i];
		if (texts[i].elf == elf || (!t && !texts[i].elf))
			t = &texts[i];
	}
	if (!t)
		return NULL;
	if (t->elf != elf) {
		/* Its first run: most programs (servers, tests) run once, and would only
		 * pay for masters and a set of copies in init's slots. */
		t->elf = elf;
		return NULL;
	}
	for (unsigned i = lo; i < b->n_image_frames; i++)
		n += page_is_shareable(&b->pages[i]);
	if (!text_ut.slot || n == 0 || n > TEXT_MAX_PAGES ||
	    slots_left() < n + TEXT_SLOT_RESERVE || !(m = slot_alloc_run(n)))
		return NULL;
	if (writ_untyped_retype(text_ut.slot, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				m, n) != WRIT_OK)
		return NULL;	/* the block is full: the run stays unused */
	for (unsigned i = lo, k = 0; i < b->n_image_frames; i++) {
		struct page pg = b->pages[i];

		if (!page_is_shareable(&pg))
			continue;
		pg.frame = m + k++;
		if (pg.what == PG_FILE && fill_image_page(b, &pg) != WRIT_OK)
			return NULL;	/* nothing maps them: a later spawn tries again */
	}
	*t = (struct text){ .elf = elf, .n = n, .masters = m };
	return t;
}

/* A free set of copies of the masters for this process, its pages marked shared. */
static void
share_text(struct build *b)
{
	struct text *t = b->a->bootinfo_view ? NULL : text_of(b);
	struct text_set *set = NULL;
	const void *elf;
	unsigned lo = text_range(b, &elf);

	for (unsigned i = 0; t && i < TEXT_SETS && !set; i++)
		if (!t->sets[i].busy)
			set = &t->sets[i];
	if (!set)
		return;
	if (!set->caps) {
		writ_cptr_t c = slots_left() < t->n + TEXT_SLOT_RESERVE ? 0 : slot_alloc_run(t->n);

		if (!c)
			return;
		for (unsigned i = lo, k = 0; i < b->n_image_frames; i++) {
			if (!page_is_shareable(&b->pages[i]))
				continue;
			if (writ_cnode_copy(WRIT_SLOT_ROOT_CNODE, c + k, FULL_DEPTH,
					    WRIT_SLOT_ROOT_CNODE, t->masters + k, FULL_DEPTH,
					    b->pages[i].rights) != WRIT_OK)
				return;	/* the run is lost: rare, and bounded by TEXT_SETS */
			k++;
		}
		set->caps = c;
	}
	for (unsigned i = lo, k = 0; i < b->n_image_frames; i++)
		if (page_is_shareable(&b->pages[i])) {
			b->pages[i].what = PG_SHARED;
			b->pages[i].frame = set->caps + k++;
		}
	set->busy = true;
	b->p->text_set = set;
}

/* The process is gone, its address space with it: its set is free again. */
static void
text_release(struct proc *p)
{
	struct text_set *set = p->text_set;

	if (set) {
		set->busy = false;
		p->text_set = NULL;
	}
}

/* The parse of a program run recently (3,000 instructions for a small one): the
 * archive's bytes never change, so its address and size name the result. */
static bool
parse_elf(const struct spawn_args *a, struct elf_image *img, struct elf_diag *d)
{
	static struct {
		const void *elf;
		size_t size;
		struct elf_image img;
	} parsed[8];
	static unsigned next;

	if (a->elf_transient)
		return elf_parse(a->elf, a->elf_size, WRIT_USER_LO, WRIT_HEAP_LO, img, d) == ELF_OK;
	for (unsigned i = 0; i < 8; i++)
		if (parsed[i].elf == a->elf && parsed[i].size == a->elf_size) {
			*img = parsed[i].img;
			return true;
		}
	if (elf_parse(a->elf, a->elf_size, WRIT_USER_LO, WRIT_HEAP_LO, img, d) != ELF_OK)
		return false;
	next = (next + 1) % 8;
	parsed[next].elf = a->elf;
	parsed[next].size = a->elf_size;
	parsed[next].img = *img;
	return true;
}

/*
 * A Linux program (an ELF without Writ's mark): the personality's segments join the
 * program's, to be mapped into the same address space, and its thread starts in the
 * personality, which finds the program through AT_ENTRY and AT_PHDR.
 */
static bool
attach_personality(struct build *b)
{
	static struct elf_image lx;
	static const void *parsed;
	const void *elf;
	struct elf_diag d;
	size_t size;

	b->n_prog_segments = b->img.n_segments;
	if (linux_is_writ_program(b->a->elf, b->a->elf_size))
		return true;
	spawn_errno = ENOEXEC;
	if (!(elf = archive_file(LINUX_PERSONALITY, &size)))
		return fail(b, "a Linux program, and no " LINUX_PERSONALITY, WRIT_E_INVALID_ARGUMENT);
	if (parsed != elf) {
		if (elf_parse(elf, size, LINUX_LO, LINUX_HI, &lx, &d) != ELF_OK) {
			writ_printf("init: %s: %s (offset %lu)\n", LINUX_PERSONALITY,
				    elf_strerror(d.error), d.offset);
			return fail(b, "the personality is not a usable ELF", WRIT_E_INVALID_ARGUMENT);
		}
		parsed = elf;
	}
	if (b->img.n_segments + lx.n_segments > ELF_MAX_SEGMENTS)
		return fail(b, "too many segments with the personality's", WRIT_E_RANGE);
	for (unsigned i = 0; i < lx.n_segments; i++)
		b->img.segments[b->img.n_segments++] = lx.segments[i];
	b->lx_elf = elf;
	b->lx_entry = lx.entry;
	return true;
}

/* The pages a process starts with: its image, stack, IPC buffer, start info. */
static bool
plan(struct build *b)
{
	const struct spawn_args *a = b->a;
	unsigned stack = a->stack_pages ? a->stack_pages
			 : b->lx_elf ? LINUX_STACK_PAGES : STACK_PAGES;

	if (!plan_image(b))
		return false;
	b->stack_lo = b->stack_top - 4096ull * stack;
	/* First touch needs no table of its own: the top page's covers the stack. */
	if (!a->bootinfo_view && stack > 1 && stack - 1 <= STACK_LAZY_MAX &&
	    b->stack_lo >> 21 == (b->stack_top - 1) >> 21)
		b->stack_lazy = stack - 1;
	for (unsigned i = stack - b->stack_lazy; i > 0; i--)
		if (!plan_page(b, b->stack_top - 4096ull * i, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE,
			       i == 1 ? PG_STACK_TOP : PG_ZERO, 0))
			return false;
	if (!plan_page(b, WRIT_ROOT_IPC_BUFFER, WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, PG_ZERO, 0) ||
	    !plan_page(b, WRIT_STARTINFO_VADDR, WRIT_RIGHT_READ, PG_INFO, 0))
		return false;
	if (a->bootinfo_view &&
	    !plan_page(b, WRIT_BOOTINFO_VADDR, WRIT_RIGHT_READ, PG_BOOTINFO, 0))
		return false;
	/* Pages come in runs: one in the 2 MiB of the page before needs no other table. */
	for (unsigned i = 0; i < b->n_pages; i++)
		if ((i == 0 || b->pages[i].va >> 21 != b->pages[i - 1].va >> 21) &&
		    !plan_tables(b, b->pages[i].va))
			return false;
	return true;
}

/*
 * Where the objects are made: a run of the keep area when one is free (the kernel
 * suite's BootInfo view lists its frames in its own CNode: never), else the window.
 */
static bool
place_objects(struct build *b)
{
	const struct writ_bootinfo_module *m = init.archive;
	unsigned need = 1 + b->n_tables[0] + b->n_tables[1] + b->n_tables[2];

	for (unsigned i = 0; i < b->n_pages; i++)
		need += b->pages[i].what != PG_SHARED;

	if (b->a->archive_view && m)	/* its tables: one PT per 2 MiB, a PD, a PDPT */
		need += m->frames / 512 + 4;
	if (b->a->archive_view && init.added)
		need += init.added->frames / 512 + 4;
	/* First-touch stack pages: slots for their untyped and frames after the rest. */
	if (!b->a->bootinfo_view &&
	    (b->p->run = area_alloc(need + (b->stack_lazy ? b->stack_lazy + 1 : 0)))) {
		b->p->run_n = need + (b->stack_lazy ? b->stack_lazy + 1 : 0);
		b->base = b->p->run;
		b->room = need;
		return true;
	}
	if (b->stack_lazy) {
		/* No slots to keep them in: every stack page now. */
		for (unsigned i = b->stack_lazy + 1; i > 1; i--)
			if (!plan_page(b, b->stack_top - 4096ull * i,
				       WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, PG_ZERO, 0))
				return false;
		need += b->stack_lazy;
		b->stack_lazy = 0;
	}
	if (need > window_size) {
		/* Larger than any before (the kernel suite's 2 MiB image, the first
		 * spawn of a test boot): a window that fits, the old one's slots freed. */
		writ_cptr_t w = slot_alloc_run(need);

		if (w) {
			for (unsigned i = 0; i < window_size; i++)
				slot_free(window + i);
			window = w;
			window_size = need;
		}
	}
	b->base = window;
	b->room = window_size;
	return true;
}

/* Fill and map every page but the start info and BootInfo view (filled last). */
static bool
map_pages(struct build *b, const uint8_t *top)
{
	long err;

	for (unsigned i = 0; i < b->n_pages; i++) {
		struct page *pg = &b->pages[i];

		if (pg->what == PG_INFO) {
			b->info_frame = pg->frame;
			b->made[pg->frame - b->base].dest = WRIT_PSLOT_STARTINFO;
			continue;
		}
		if (pg->what == PG_BOOTINFO) {
			b->bi_frame = pg->frame;
			b->made[pg->frame - b->base].dest = WRIT_PSLOT_BOOTINFO;
			continue;
		}
		if (pg->va == WRIT_ROOT_IPC_BUFFER) {
			b->ipc_frame = pg->frame;
			b->made[pg->frame - b->base].dest = WRIT_PSLOT_IPC_BUFFER;
		}
		if (pg->what == PG_FILE && (err = fill_image_page(b, pg)) != WRIT_OK)
			return fail(b, "cannot fill a frame", err);
		if (pg->what == PG_STACK_TOP && (err = fill_frame(pg->frame, 0, top, 4096)) != WRIT_OK)
			return fail(b, "cannot fill the stack", err);
		if (!map_page(b, pg))
			return false;
	}
	return true;
}

/* A window slot's capability into the child's slot dest. */
static bool
move_window(struct build *b, struct made *m, writ_cptr_t dest)
{
	long err = writ_cnode_move(b->p->cnode, dest, b->p->cnode_radix, WRIT_SLOT_ROOT_CNODE,
				   m->slot, FULL_DEPTH);

	if (err != WRIT_OK)
		return fail(b, "cannot move a capability into the child", err);
	m->slot = 0;
	return true;
}

/*
 * The window's objects into the child: first (`fixed` false) the image's frames in
 * address order (the BootInfo view lists them as consecutive), then the rest but those
 * with a fixed slot, still used until the thread is configured; then (`fixed`) those.
 */
static bool
move_made(struct build *b, bool fixed)
{
	unsigned j = 0;

	if (b->p->run && !fixed)
		return true;	/* they stay in the area */
	/* Until the first call compacts made[], an object's entry is its window index. */
	for (unsigned i = 0; !fixed && !b->image_moved && i < b->n_image_frames; i++)
		if (b->pages[i].what != PG_SHARED &&
		    !move_window(b, &b->made[b->pages[i].frame - b->base], b->child_next++))
			return false;
	b->image_moved = true;
	for (unsigned i = 0; i < b->n_made; i++) {
		struct made *m = &b->made[i];

		if (!m->slot || (m->dest && !fixed) || (!m->dest && b->p->run))
			continue;
		if (!move_window(b, m, m->dest ? m->dest : b->child_next++))
			return false;
	}
	for (unsigned i = 0; i < b->n_made; i++)
		if (b->made[i].slot)
			b->made[j++] = b->made[i];
	b->n_made = j;
	if (!j)
		b->n_window = 0;
	return true;
}

/*
 * What first-touch stack pages need: an untyped of the quota their frames come from
 * (made last, its alignment the largest: the gap before it is below 2^k, carve_rest's
 * lost part anyway), and a copy of the PML4 for the process, whose original init keeps.
 */
static bool
stack_lazy_setup(struct build *b)
{
	struct proc *p = b->p;
	unsigned bits = 12;
	long err;

	while ((1u << (bits - 12)) < b->stack_lazy)
		bits++;
	p->stack_ut = b->base + b->room;
	p->stack_slots = p->stack_ut + 1;
	if ((err = writ_untyped_retype(b->quota, WRIT_OBJ_UNTYPED, bits, WRIT_SLOT_ROOT_CNODE, 0, 0,
				       p->stack_ut, 1)) != WRIT_OK)
		return fail(b, "quota too small for the stack", err);
	account(b, bits, 1);
	if ((err = writ_cnode_copy(p->cnode, WRIT_PSLOT_VSPACE, p->cnode_radix, WRIT_SLOT_ROOT_CNODE,
				   b->pml4, FULL_DEPTH, WRIT_RIGHTS_ALL)) != WRIT_OK)
		return fail(b, "cannot give the process its PML4", err);
	p->vspace = b->pml4;
	p->stack_lo = b->stack_lo;
	p->stack_n = b->stack_lazy;
	return true;
}

bool
proc_stack_fault(struct proc *p, uint64_t addr, uint64_t error)
{
	unsigned i;
	writ_cptr_t f;

	if (!p->stack_n || addr < p->stack_lo || addr >= p->stack_lo + 4096ull * p->stack_n ||
	    (error & 1))
		return false;	/* outside, or a protection fault: the program's own */
	i = (unsigned)((addr - p->stack_lo) >> 12);
	if (p->stack_touched >> i & 1)
		return true;	/* another thread's fault mapped it meanwhile: try again */
	f = p->stack_slots + i;
	if (writ_untyped_retype(p->stack_ut, WRIT_OBJ_FRAME_4K, 0, WRIT_SLOT_ROOT_CNODE, 0, 0, f, 1)
	    != WRIT_OK)
		return false;
	if (writ_frame_map(f, p->vspace, p->stack_lo + 4096ull * i,
			   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK) != WRIT_OK) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, f, FULL_DEPTH);
		return false;
	}
	p->stack_touched |= 1ull << i;
	return true;
}

static bool
build(struct build *b)
{
	const struct spawn_args *a = b->a;
	struct proc *p = b->p;
	writ_cptr_t tcb, cnode, ep_tmp = 0;
	writ_word_t ctx[WRIT_CTX_COUNT] = { 0 };
	static uint8_t top[4096];
	struct elf_diag d;
	uint64_t sp;
	long err;

	if (!parse_elf(a, &b->img, &d)) {
		writ_printf("init: %s: not a usable ELF: %s (offset %lu)\n", a->name,
			    elf_strerror(d.error), d.offset);
		spawn_errno = ENOEXEC;
		return fail(b, "bad ELF", WRIT_E_INVALID_ARGUMENT);
	}
	if (!attach_personality(b))
		return false;
	/* The kernel suite's tests know the root task's layout; others get theirs. */
	b->stack_top = a->bootinfo_view ? WRIT_ROOT_STACK_TOP : WRIT_PROC_STACK_TOP;
	if (!plan(b))
		return false;
	share_text(b);
	if (!(sp = build_stack(b, top)))
		return fail(b, "arguments and environment do not fit in a page", WRIT_E_RANGE);
	if ((p->block = umem_alloc(a->quota_bits, &b->quota)) < 0) {
		spawn_errno = ENOMEM;
		return fail(b, "no memory for the quota", WRIT_E_NOT_ENOUGH_MEMORY);
	}
	p->quota = b->quota;
	if (!place_objects(b))
		return false;
	/* Largest alignment first, so nothing is lost to it: the CNode (2^(radix+5)
	 * bytes), then the 4 KiB objects, the TCB (2 KiB) last. */
	if ((err = quota_object_kept(b, WRIT_OBJ_CNODE, a->cnode_radix,
					     a->cnode_radix + WRIT_SLOT_BITS, &cnode)) != WRIT_OK)
		return fail(b, "quota too small for the process's CNode", err);
	p->cnode = cnode;
	p->cnode_radix = a->cnode_radix;
	/* With first-touch stack pages, init keeps the PML4 to map them (the process
	 * gets a copy). */
	if ((err = quota_objects(b, WRIT_OBJ_PML4, 0, 1, b->stack_lazy ? 0 : WRIT_PSLOT_VSPACE,
				 &b->pml4)) != WRIT_OK)
		return fail(b, "quota too small for the process's PML4", err);
	TRACE_MARK("objects");
	if (!make_tables(b) || !make_frames(b))
		return false;
	if ((err = quota_object_kept(b, WRIT_OBJ_TCB, 0, WRIT_TCB_BITS, &tcb)) != WRIT_OK)
		return fail(b, "quota too small for the process's TCB", err);
	p->tcb = tcb;
	if (b->stack_lazy && !stack_lazy_setup(b))
		return false;
	TRACE_MARK("made");
	if (!map_pages(b, top))
		return false;
	TRACE_MARK("mapped");
	b->child_next = CHILD_FIRST_BUILT;
	if (!move_made(b, false))
		return false;
	TRACE_MARK("moved");
	b->child_next = (b->child_next + 15) & ~15ull;
	{
		struct spawn_cap fixed[] = {
			{ .src = tcb, .dest = WRIT_PSLOT_TCB },
			{ .src = init.ep, .dest = WRIT_PSLOT_PROC, .badge = BADGE_SELF | p->pid,
			  .rights = WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY },
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
	/* Tables the archive view needed, before the slots past them become the child's. */
	if (!move_made(b, false))
		return false;
	TRACE_MARK("caps");
	if (!carve_rest(b, b->used))
		return false;
	TRACE_MARK("carved");
	/* The start info (and the suite's BootInfo view) list every slot in use: filled
	 * now, mapped last. */
	b->info.magic = WRIT_STARTINFO_MAGIC;
	b->info.version = 1;
	b->info.pid = p->pid;
	b->info.ppid = a->ppid;
	b->info.cnode_radix = a->cnode_radix;
	b->info.first_free_slot = (uint32_t)b->child_next;
	b->info.heap_lo = WRIT_HEAP_LO;
	b->info.heap_hi = WRIT_HEAP_HI;
	b->info.spawn_tsc = p->spawn_tsc;
	strncpy_bounded(b->info.name, a->name, sizeof(b->info.name));
	if ((err = fill_frame(b->info_frame, 0, &b->info, sizeof(b->info))) != WRIT_OK)
		return fail(b, "cannot write the start info", err);
	if (b->bi_frame) {
		static struct writ_bootinfo view;

		bootinfo_view(b, &view);
		if ((err = fill_frame(b->bi_frame, 0, &view, sizeof(view))) != WRIT_OK)
			return fail(b, "cannot write the BootInfo view", err);
	}
	for (unsigned i = b->n_image_frames; i < b->n_pages; i++)
		if ((b->pages[i].what == PG_INFO || b->pages[i].what == PG_BOOTINFO) &&
		    !map_page(b, &b->pages[i]))
			return false;
	TRACE_MARK("info");
	/* The thread: faults come to init badged with the pid, through the capability
	 * that then moves to the process's WRIT_PSLOT_FAULT. */
	if (!(ep_tmp = slot_alloc()) ||
	    (err = writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, ep_tmp, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE,
				   init.ep, FULL_DEPTH, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT,
				   BADGE_FAULT | p->pid)) != WRIT_OK) {
		slot_free(ep_tmp);
		return fail(b, "cannot make the fault endpoint", err);
	}
	err = writ_tcb_configure(tcb, ep_tmp, cnode, WRIT_CNODE_GUARD(0, 64 - a->cnode_radix),
				 b->pml4, WRIT_ROOT_IPC_BUFFER, b->ipc_frame);
	if (err != WRIT_OK) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, ep_tmp, FULL_DEPTH);
		slot_free(ep_tmp);
		return fail(b, "cannot configure the thread", err);
	}
	if (!move_to_child(b, ep_tmp, WRIT_PSLOT_FAULT) || !move_made(b, true))
		return false;
	if ((err = writ_tcb_set_mcp(tcb, WRIT_SLOT_ROOT_TCB, a->mcp)) != WRIT_OK ||
	    (err = writ_tcb_set_priority(tcb, WRIT_SLOT_ROOT_TCB, a->prio)) != WRIT_OK)
		return fail(b, "cannot set the priority", err);
	ctx[WRIT_CTX_RIP] = b->lx_elf ? b->lx_entry : b->img.entry;
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
	if (!text_ut.slot && umem_alloc(TEXT_BLOCK_BITS, &text_ut.slot) >= 0)
		text_ut.size_bits = TEXT_BLOCK_BITS;
	if (!area)
		area = slot_alloc_run(AREA);
	if (!window && (window = slot_alloc_run(WINDOW)))
		window_size = WINDOW;
	if (!window) {
		writ_printf("init: %s: no slots to build processes in\n", a->name);
		return 0;
	}
	for (unsigned i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].pid)
			p = &procs[i];
	if (!p) {
		writ_printf("init: %s: too many processes\n", a->name);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	if (p - procs >= procs_end)
		procs_end = (unsigned)(p - procs) + 1;
	memset(&b, 0, offsetof(struct build, made));
	if (a->pid) {
		p->pid = a->pid;
	} else {
		p->pid = next_pid++;
		if (next_pid >= PID_ASIDE)
			next_pid = 1;
	}
	p->block = -1;
	p->spawn_tsc = rdtsc();
	strncpy_bounded(p->name, a->name, sizeof(p->name));
	proc_note_spawn(p, a);
	spawn_errno = ENOMEM;	/* most failures: the quota was too small */
	b.a = a;
	b.p = p;
	if (build(&b)) {
		p->alive = true;
		return p->pid;
	}
	writ_printf("init: cannot start %s: %s (%s)\n", a->name, b.why, writ_error_name((int)b.err));
	if (p->block >= 0) {
		lent_back(p);
		if (p->lends_ram)
			umem_take_back();
		umem_free(p->block);
		area_free(p->run, p->run_n);
	}
	text_release(p);
	if (p->tcb)
		slot_free(p->tcb);
	if (p->cnode)
		slot_free(p->cnode);
	proc_free(p);
	return 0;
}

/* Stop p and take back what it lent and was lent, up to its quota. */
static void
stop_and_take_back(struct proc *p)
{
	writ_tcb_suspend(p->tcb);
	image_forget(p);	/* an image buffer it was lent and did not spawn from */
	lent_back(p);
	if (p->lends_ram) {
		umem_take_back();	/* with every thread it made there, before the rest */
		p->lends_ram = false;
	}
}

/* p's quota, and with it every object and capability of p, back to init. */
static void
free_quota(struct proc *p)
{
	umem_free(p->block);	/* every object of the process, and its capabilities */
	area_free(p->run, p->run_n);	/* emptied by that revoke */
	text_release(p);
	p->run = 0;
	slot_free(p->tcb);
	slot_free(p->cnode);
	p->alive = false;
}

void
proc_end(struct proc *p, int status)
{
	unsigned pid = p->pid;

	if (!p->alive)
		return;
	stop_and_take_back(p);
	p->status = status;
	sig_proc_ended(p);	/* before its quota goes: init's copy of its notification */
	free_quota(p);
	p->status = status;
	if (p->waiter_wake) {
		writ_signal(p->waiter_wake);
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, p->waiter_wake, FULL_DEPTH);
		slot_free(p->waiter_wake);
		p->waiter_wake = 0;
	}
	/* Its children: those already ended have nobody left to wait for them. */
	for (unsigned i = 0; i < procs_end; i++)
		if (procs[i].pid && procs[i].parent == pid) {
			procs[i].parent = 0;
			if (!procs[i].alive)
				proc_reap(&procs[i]);
		}
	services_process_ended(pid);
	if (sig_reap_at_end(p))
		proc_reap(p);
}

void
proc_reap(struct proc *p)
{
	proc_free(p);
}

void
proc_replace(struct proc *old, struct proc *new)
{
	if (!old->alive || !new->alive || old->pid != new->pid || old == new)
		return;		/* not an execve's pair: do_spawn made none */
	new->parent = old->parent;
	new->pgid = old->pgid;
	new->sid = old->sid;
	new->confined = new->confined || old->confined;
	new->is_test = old->is_test;
	new->spawn_tsc = old->spawn_tsc;
	new->sig_pending = old->sig_pending;	/* what was posted and not taken stays */
	new->waiter_wake = old->waiter_wake;	/* a parent waiting now waits for new */
	old->waiter_wake = 0;
	old->pid = PID_ASIDE;	/* its children, its handles: new's now, by the pid */
	stop_and_take_back(old);
	if (old->sig_ntfn) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, old->sig_ntfn, FULL_DEPTH);
		slot_free(old->sig_ntfn);
	}
	free_quota(old);
	proc_reap(old);
}
