/*
 * The program's memory: what it was loaded with (its image and stack, mapped by init),
 * and what it asks for (brk, mmap), which the personality maps from the process's own
 * quota, one 4 KiB frame per page, eagerly (a page fault goes to init, not here).
 *
 * The map below is the personality's whole knowledge of what the program may name:
 * every pointer a system call gets is checked against it before anything touches it,
 * so a bad pointer gets -EFAULT and the personality itself never faults on one.
 *
 * Pages the personality maps are kept in a sparse table: one entry per page (frame
 * capability and protection), in chunks of 2 MiB found through a small hash table.
 * Frames of unmapped pages are kept for reuse (zeroed again then): the process's
 * untyped memory is not given back page by page.
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>

#include <errno.h>

#include "lx.h"

#define PAGE 4096ull
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define PT_LOAD 1

/* Where mmap puts what it is not told where to put: above libwrit's own heap. */
#define MMAP_LO WRIT_HEAP_HI
#define MMAP_HI 0x400000000000ull
#define BRK_MAX (1ull << 30)

/* A page entry: the frame's slot << 8 | its PROT_* | PRESENT (0: nothing there). */
#define E_PRESENT 0x80u
#define E_PROT 0x07u
#define E_SHARED 0x08u  /* MAP_SHARED: a fork's child maps the same frame */
#define CHUNK_PAGES 512
#define CHUNKS 512      /* hash table slots: 1 GiB of pages at most */

struct chunk {
	uint64_t key;           /* va >> 21, + 1 (0: free) */
	uint32_t *pages;
};

struct fixed {
	uint64_t lo, hi;
	unsigned prot;
};

static struct chunk *chunks;    /* [CHUNKS], made at the first page: not in the bss */
static uint64_t allow_lo, allow_hi;     /* lx_mem_allow's range */
static struct fixed fixed[16];  /* the image's segments and the stack */
static unsigned n_fixed;
static bool fixed_disjoint;     /* no page in two of them: any one holding a range decides */
static uint64_t brk_base, brk_cur, brk_mapped;
#define FREE_FRAMES 4096
static uint16_t *free_frames;   /* made at the first unmap: a spawn pays for bss pages */
static unsigned n_free_frames;
static struct { uint64_t lo, hi; } holes[64] = { { MMAP_LO, MMAP_HI } };
static unsigned n_holes = 1;

/* The entry of the page at va, or NULL (create: make its chunk if need be). */
static uint32_t *
page_entry(uint64_t va, bool create)
{
	uint64_t key = (va >> 21) + 1;
	unsigned h = (unsigned)(key * 0x9e3779b97f4a7c15ull >> 55) % CHUNKS;

	if (!chunks && (!create || !(chunks = calloc(CHUNKS, sizeof(*chunks)))))
		return NULL;
	for (unsigned i = 0; i < CHUNKS; i++, h = (h + 1) % CHUNKS) {
		if (chunks[h].key == key)
			return &chunks[h].pages[(va >> 12) % CHUNK_PAGES];
		if (chunks[h].key == 0) {
			if (!create || !(chunks[h].pages = calloc(CHUNK_PAGES, 4)))
				return NULL;
			chunks[h].key = key;
			return &chunks[h].pages[(va >> 12) % CHUNK_PAGES];
		}
	}
	return NULL;
}

static unsigned
rights_of(unsigned prot)
{
	return WRIT_RIGHT_READ | (prot & PROT_WRITE ? WRIT_RIGHT_WRITE : 0) |
	       (prot & PROT_EXEC ? WRIT_RIGHT_EXEC : 0);
}

/* The protection the program has at va, or -1 if nothing is there. */
static int
prot_at(uint64_t va)
{
	uint32_t *e;

	for (unsigned i = 0; i < n_fixed; i++)
		if (va >= fixed[i].lo && va < fixed[i].hi)
			return (int)fixed[i].prot;
	if (va >= allow_lo && va < allow_hi)
		return PROT_READ | PROT_WRITE;
	e = page_entry(va, false);
	return e && (*e & E_PRESENT) ? (int)(*e & E_PROT) : -1;
}

static bool
range_has(uint64_t addr, uint64_t len, unsigned want)
{
	uint64_t end;

	if (len == 0)
		return true;
	if (__builtin_add_overflow(addr, len, &end) || end > WRIT_USER_HI)
		return false;
	/* One protection a segment, which prot_at looks at first: a buffer inside one,
	 * as most are, is one test, not one a page. The stack (last) and the bss
	 * (before it) are tried first. */
	for (unsigned i = fixed_disjoint ? n_fixed : 0; i-- > 0;)
		if (addr >= fixed[i].lo && end <= fixed[i].hi)
			return (fixed[i].prot & want) == want;
	for (uint64_t pg = addr & ~(PAGE - 1); pg < end; pg += PAGE) {
		int p = prot_at(pg);

		if (p < 0 || ((unsigned)p & want) != want)
			return false;
	}
	return true;
}

bool
lx_readable(uint64_t addr, uint64_t len)
{
	return range_has(addr, len, PROT_READ);
}

bool
lx_writable(uint64_t addr, uint64_t len)
{
	return range_has(addr, len, PROT_READ | PROT_WRITE);
}

long
lx_string_in(uint64_t addr, char *buf, size_t n)
{
	size_t i = 0;

	/* A page at a time: its readability once, its bytes by strnlen and memcpy. */
	while (i < n) {
		size_t room = PAGE - (addr + i) % PAGE, k;

		if (room > n - i)
			room = n - i;
		if (!lx_readable(addr + i, 1))
			return -EFAULT;
		k = strnlen((const char *)addr + i, room);
		memcpy(buf + i, (const char *)addr + i, k);
		i += k;
		if (k < room) {
			buf[i] = 0;
			return (long)i;
		}
	}
	return -ENAMETOOLONG;
}

/* ---- pages ---- */

/* Keep frame f (mapped nowhere) for the next page; one that finds no room stays
 * unused in our CSpace until we end. */
static void
frame_keep(writ_cptr_t f)
{
	if (!free_frames && !(free_frames = malloc(FREE_FRAMES * sizeof(*free_frames))))
		return;
	if (n_free_frames < FREE_FRAMES)
		free_frames[n_free_frames++] = (uint16_t)f;
}

/* For fork's transfer buffer (fork.c): a kept frame, unmapped, bytes not zeroed (0 if
 * none), and a frame back to keep. */
writ_cptr_t
lx_mem_frame_reuse(void)
{
	return n_free_frames ? free_frames[--n_free_frames] : 0;
}

void
lx_mem_frame_keep(writ_cptr_t f)
{
	frame_keep(f);
}

/* Put the page at va (not present) into the map with prot, from a kept frame
 * (zeroed) or a new one. */
static long
page_map(uint64_t va, unsigned prot)
{
	uint32_t *e = page_entry(va, true);
	writ_cptr_t f;
	bool reused = false;
	long err;

	if (!e)
		return -ENOMEM;
	if (n_free_frames) {
		f = free_frames[--n_free_frames];
		reused = true;
	} else if (writ_own_object(WRIT_OBJ_FRAME_4K, 0, &f) != WRIT_OK) {
		return -ENOMEM;
	}
	err = writ_map_frame(WRIT_PSLOT_VSPACE, f, va,
			     rights_of(reused ? prot | PROT_WRITE : prot), WRIT_MAP_WRITE_BACK,
			     writ_own_table, NULL);
	if (err != WRIT_OK) {
		frame_keep(f);
		return -ENOMEM;
	}
	if (reused) {
		memset((void *)va, 0, PAGE);
		if (!(prot & PROT_WRITE)) {
			writ_frame_unmap(f);
			writ_frame_map(f, WRIT_PSLOT_VSPACE, va, rights_of(prot), WRIT_MAP_WRITE_BACK);
		}
	}
	*e = (uint32_t)f << 8 | E_PRESENT | (prot & E_PROT);
	return 0;
}

/* Take the page at va out of the map, keeping its frame; nothing if none is there. */
static void
page_unmap(uint64_t va)
{
	uint32_t *e = page_entry(va, false);

	if (!e || !(*e & E_PRESENT))
		return;
	writ_frame_unmap(*e >> 8);
	if (*e & E_SHARED) {
		/* Another process may map it still: never reused for private memory. */
		writ_cnode_delete(WRIT_PSLOT_CNODE, *e >> 8, 64);
		writ_slot_free(*e >> 8);
	} else {
		frame_keep(*e >> 8);
	}
	*e = 0;
}

static long
page_protect(uint64_t va, unsigned prot)
{
	uint32_t *e = page_entry(va, false);
	writ_cptr_t f;

	if (!e || !(*e & E_PRESENT))
		return -ENOMEM;
	f = *e >> 8;
	writ_frame_unmap(f);
	if (writ_frame_map(f, WRIT_PSLOT_VSPACE, va, rights_of(prot), WRIT_MAP_WRITE_BACK) != WRIT_OK)
		return -EACCES;
	*e = (uint32_t)f << 8 | E_PRESENT | (prot & E_PROT) | (*e & E_SHARED);
	return 0;
}

/* Map [va, va + len) with prot; on failure, what was mapped goes again. */
static long
range_map(uint64_t va, uint64_t len, unsigned prot)
{
	for (uint64_t off = 0; off < len; off += PAGE) {
		long r = page_map(va + off, prot);

		if (r < 0) {
			while (off) {
				off -= PAGE;
				page_unmap(va + off);
			}
			return r;
		}
	}
	return 0;
}

/* ---- address space for mmap: holes, first fit ---- */

static uint64_t
hole_take(uint64_t len)
{
	for (unsigned i = 0; i < n_holes; i++)
		if (holes[i].hi - holes[i].lo >= len) {
			uint64_t va = holes[i].lo;

			holes[i].lo += len;
			return va;
		}
	return 0;
}

static void
hole_give(uint64_t lo, uint64_t hi)
{
	if (lo < MMAP_LO || hi > MMAP_HI)
		return;
	for (unsigned i = 0; i < n_holes; i++) {
		if (holes[i].hi == lo) {
			holes[i].hi = hi;
			return;
		}
		if (holes[i].lo == hi) {
			holes[i].lo = lo;
			return;
		}
	}
	if (n_holes < sizeof(holes) / sizeof(holes[0]))
		holes[n_holes++].lo = lo, holes[n_holes - 1].hi = hi;
}

/* Whether [lo, hi) lies where the program may map on its own: the mmap area, or the
 * brk area above what brk has handed out. */
static bool
managed(uint64_t lo, uint64_t hi)
{
	return (lo >= MMAP_LO && hi <= MMAP_HI && lo < hi) ||
	       (lo >= brk_base && hi <= brk_base + BRK_MAX && lo < hi);
}

/* Cut [lo, hi) out of the holes (MAP_FIXED there). */
static void
hole_cut(uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < n_holes; i++) {
		if (hi <= holes[i].lo || lo >= holes[i].hi)
			continue;
		if (lo > holes[i].lo && hi < holes[i].hi) {
			uint64_t end = holes[i].hi;

			holes[i].hi = lo;
			hole_give(hi, end);
		} else if (lo <= holes[i].lo) {
			holes[i].lo = hi < holes[i].hi ? hi : holes[i].hi;
		} else {
			holes[i].hi = lo;
		}
	}
}

/* ---- the calls ---- */

long
lx_brk(const uint64_t *a)
{
	uint64_t want = a[0], top;

	if (want < brk_base || want > brk_base + BRK_MAX)
		return (long)brk_cur;
	top = PAGE_UP(want);
	if (top > brk_mapped) {
		if (range_map(brk_mapped, top - brk_mapped, PROT_READ | PROT_WRITE) < 0)
			return (long)brk_cur;
		brk_mapped = top;
	}
	brk_cur = want;
	return (long)brk_cur;
}

long
lx_mmap(const uint64_t *a)
{
	uint64_t addr = a[0], len = PAGE_UP(a[1]), va;
	unsigned prot = (unsigned)a[2], flags = (unsigned)a[3];
	int fd = (int)a[4];
	int64_t off = (int64_t)a[5];
	long r;

	if (a[1] == 0 || len < a[1] || (off & (PAGE - 1)) || !(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if ((flags & MAP_SHARED) && !(flags & MAP_ANONYMOUS) && (prot & PROT_WRITE))
		return -ENODEV;	/* a shared file map would need the server's pages */
	if (!(flags & MAP_ANONYMOUS) && !writ_fd_cap(fd))
		return -EBADF;
	if (flags & MAP_FIXED) {
		if ((addr & (PAGE - 1)) || addr + len < addr || !managed(addr, addr + len))
			return -EINVAL;
		va = addr;
		for (uint64_t o = 0; o < len; o += PAGE)
			page_unmap(va + o);
		hole_cut(va, va + len);
	} else if (!(va = hole_take(len))) {
		return -ENOMEM;
	}
	if ((r = range_map(va, len, (flags & MAP_ANONYMOUS) ? prot : prot | PROT_WRITE)) < 0) {
		hole_give(va, va + len);
		return r;
	}
	if (flags & MAP_SHARED)
		for (uint64_t o = 0; o < len; o += PAGE)
			*page_entry(va + o, false) |= E_SHARED;
	if (!(flags & MAP_ANONYMOUS)) {
		/* A private copy of the file's bytes; past its end, zeros (as Linux gives). */
		r = writ_pread(fd, (void *)va, a[1], off);
		if (r < 0) {
			for (uint64_t o = 0; o < len; o += PAGE)
				page_unmap(va + o);
			hole_give(va, va + len);
			return r;
		}
		if (!(prot & PROT_WRITE))
			for (uint64_t o = 0; o < len; o += PAGE)
				page_protect(va + o, prot);
	}
	return (long)va;
}

long
lx_munmap(const uint64_t *a)
{
	uint64_t addr = a[0], len = PAGE_UP(a[1]);

	if ((addr & (PAGE - 1)) || a[1] == 0 || len < a[1] || addr + len < addr ||
	    addr + len > WRIT_USER_HI)
		return -EINVAL;
	if (!managed(addr, addr + len))
		return 0;	/* the image's or the stack's pages stay: Linux would unmap them */
	/* The stack this call runs on (a thread unmapping its own before it exits, as
	 * musl's detached threads do): when the thread has left it. */
	if ((uint64_t)__builtin_frame_address(0) - addr < len && lx_defer_unmap(addr, len))
		return 0;
	for (uint64_t o = 0; o < len; o += PAGE)
		page_unmap(addr + o);
	hole_give(addr, addr + len);
	return 0;
}

long
lx_mprotect(const uint64_t *a)
{
	uint64_t addr = a[0], len = PAGE_UP(a[1]);
	unsigned prot = (unsigned)a[2] & E_PROT;

	if ((addr & (PAGE - 1)) || len < a[1] || addr + len < addr)
		return -EINVAL;
	if (!managed(addr, addr + len))
		return prot_at(addr) < 0 ? -ENOMEM : 0;	/* the image keeps its rights */
	for (uint64_t o = 0; o < len; o += PAGE) {
		long r = page_protect(addr + o, prot);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Grow or shrink a mapping; moving it moves its frames, not their bytes. */
long
lx_mremap(const uint64_t *a)
{
	uint64_t old = a[0], old_len = PAGE_UP(a[1]), new_len = PAGE_UP(a[2]), va;
	unsigned flags = (unsigned)a[3];
	uint32_t *e;

	if ((old & (PAGE - 1)) || new_len == 0 || new_len < a[2] || (flags & MREMAP_FIXED) ||
	    !managed(old, old + old_len))
		return -EINVAL;
	if (new_len <= old_len) {
		for (uint64_t o = new_len; o < old_len; o += PAGE)
			page_unmap(old + o);
		hole_give(old + new_len, old + old_len);
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	if (!(e = page_entry(old, false)) || !(*e & E_PRESENT))
		return -EFAULT;
	if (!(va = hole_take(new_len)))
		return -ENOMEM;
	for (uint64_t o = 0; o < old_len; o += PAGE) {
		uint32_t *from = page_entry(old + o, false), *to = page_entry(va + o, true);

		if (!to)
			return -ENOMEM;
		if (!from || !(*from & E_PRESENT))
			continue;
		writ_frame_unmap(*from >> 8);
		if (writ_map_frame(WRIT_PSLOT_VSPACE, *from >> 8, va + o,
				   rights_of(*from & E_PROT), WRIT_MAP_WRITE_BACK, writ_own_table,
				   NULL) != WRIT_OK)
			return -ENOMEM;
		*to = *from;
		*from = 0;
	}
	hole_give(old, old + old_len);
	if (range_map(va + old_len, new_len - old_len, *page_entry(va, false) & E_PROT) < 0)
		return -ENOMEM;
	return (long)va;
}

void
lx_mem_allow(uint64_t lo, uint64_t len)
{
	allow_lo = lo & ~(PAGE - 1);
	allow_hi = len ? lo + len : 0;
}

/* The image's segments (from its program headers), the stack, and brk's start. */
void
lx_mem_init(const uint64_t *auxv, uint64_t sp)
{
	uint64_t phdr = 0, phnum = 0, end = 0;

	(void)sp;
	for (; auxv[0]; auxv += 2) {
		if (auxv[0] == 3)
			phdr = auxv[1];
		if (auxv[0] == 5)
			phnum = auxv[1];
	}
	for (uint64_t i = 0; i < phnum && n_fixed < 15; i++) {
		const uint8_t *ph = (const uint8_t *)(phdr + 56 * i);
		uint32_t type = *(const uint32_t *)ph, flags = *(const uint32_t *)(ph + 4);
		uint64_t vaddr = *(const uint64_t *)(ph + 16), memsz = *(const uint64_t *)(ph + 40);

		if (type != PT_LOAD || memsz == 0)
			continue;
		fixed[n_fixed++] = (struct fixed){ vaddr & ~(PAGE - 1), PAGE_UP(vaddr + memsz),
						   ((flags & 4) ? PROT_READ : 0) |
						   ((flags & 2) ? PROT_WRITE : 0) |
						   ((flags & 1) ? PROT_EXEC : 0) };
		if (PAGE_UP(vaddr + memsz) > end)
			end = PAGE_UP(vaddr + memsz);
	}
	fixed[n_fixed++] = (struct fixed){ WRIT_PROC_STACK_TOP - WRIT_LINUX_STACK_PAGES * PAGE,
					   WRIT_PROC_STACK_TOP, PROT_READ | PROT_WRITE };
	fixed_disjoint = true;
	for (unsigned i = 0; i < n_fixed; i++)
		for (unsigned j = i + 1; j < n_fixed; j++)
			if (fixed[i].lo < fixed[j].hi && fixed[j].lo < fixed[i].hi)
				fixed_disjoint = false;
	brk_base = brk_cur = brk_mapped = end;
}

/* ---- fork: the program's memory, to the child ---- */

/* Every page brk and mmap gave, as va | prot, into out[max] (NULL: just count). */
static size_t
pages_list(uint64_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned h = 0; chunks && h < CHUNKS; h++) {
		if (!chunks[h].key)
			continue;
		for (unsigned i = 0; i < CHUNK_PAGES; i++) {
			uint32_t e = chunks[h].pages[i];

			if (!(e & E_PRESENT) || (e & E_SHARED))
				continue;	/* a shared page goes as its frame */
			if (out && n < max)
				out[n] = ((chunks[h].key - 1) << 21) + (uint64_t)i * PAGE + (e & E_PROT);
			n++;
		}
	}
	return n;
}

/* The bytes of the listed pages, a run of consecutive pages per transfer. */
static long
pages_io(const uint64_t *list, size_t n, bool send)
{
	for (size_t i = 0; i < n;) {
		uint64_t lo = list[i] & ~(PAGE - 1);
		size_t j = i + 1;
		long r;

		while (j < n && (list[j] & ~(PAGE - 1)) == lo + (j - i) * PAGE)
			j++;
		if ((r = lx_fork_io((void *)lo, (j - i) * PAGE, send)) < 0)
			return r;
		i = j;
	}
	return 0;
}

/* The child's side of the pages: each mapped writable, filled, then given its
 * protection. */
static long
pages_take(uint64_t *list, size_t n)
{
	long r;

	for (size_t i = 0; i < n; i++)
		if ((r = page_map(list[i] & ~(PAGE - 1), (unsigned)(list[i] & E_PROT) | PROT_WRITE)) < 0)
			return r;
	if ((r = pages_io(list, n, false)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!(list[i] & PROT_WRITE) &&
		    (r = page_protect(list[i] & ~(PAGE - 1), (unsigned)(list[i] & E_PROT))) < 0)
			return r;
	return 0;
}

uint64_t
lx_mem_stack_lo(uint64_t sp)
{
	const struct fixed *st = &fixed[n_fixed - 1];	/* lx_mem_init adds the stack last */
	uint64_t lo = (sp - 128) & ~(PAGE - 1);

	return lo < st->lo || lo >= st->hi ? st->lo : lo;
}

uint64_t
lx_mem_stack_bottom(void)
{
	return fixed[n_fixed - 1].lo;
}

/* The stack from the page holding sp's red zone up, the image's writable segments,
 * brk's and mmap's state and pages. sp: the program's stack pointer (the parent's;
 * the child reads its own copy). */
long
lx_mem_fork_io(bool send, uint64_t sp)
{
	uint64_t *list = NULL, n = 0, stack_lo = lx_mem_stack_lo(sp);
	const struct fixed *st = &fixed[n_fixed - 1];
	long r;

	if ((r = lx_fork_io(&stack_lo, sizeof(stack_lo), send)) < 0)
		return r;
	if (stack_lo < st->lo || stack_lo >= st->hi)
		stack_lo = st->lo;
	if ((r = lx_fork_io((void *)stack_lo, st->hi - stack_lo, send)) < 0)
		return r;
	for (unsigned i = 0; i + 1 < n_fixed; i++)
		if ((fixed[i].prot & PROT_WRITE) &&
		    (r = lx_fork_io((void *)fixed[i].lo, fixed[i].hi - fixed[i].lo, send)) < 0)
			return r;
	if ((r = lx_fork_io(&brk_base, sizeof(brk_base), send)) < 0 ||
	    (r = lx_fork_io(&brk_cur, sizeof(brk_cur), send)) < 0 ||
	    (r = lx_fork_io(&brk_mapped, sizeof(brk_mapped), send)) < 0 ||
	    (r = lx_fork_io(&n_holes, sizeof(n_holes), send)) < 0 ||
	    (r = lx_fork_io(holes, sizeof(holes), send)) < 0)
		return r;
	if (n_holes > sizeof(holes) / sizeof(holes[0]))
		return -EINVAL;
	if (send)
		n = pages_list(NULL, 0);
	if ((r = lx_fork_io(&n, sizeof(n), send)) < 0)
		return r;
	if (n > (1u << 20) || (n && !(list = malloc(n * sizeof(*list)))))
		return -ENOMEM;
	if (send)
		pages_list(list, n);	/* in address order within each 2 MiB chunk */
	if ((r = lx_fork_io(list, n * sizeof(*list), send)) >= 0)
		r = send ? pages_io(list, n, true) : pages_take(list, n);
	free(list);
	return r;
}

void
lx_mem_each_shared(void (*fn)(uint64_t va, unsigned prot, writ_cptr_t frame, void *ctx),
		   void *ctx)
{
	for (unsigned h = 0; chunks && h < CHUNKS; h++)
		for (unsigned i = 0; chunks[h].key && i < CHUNK_PAGES; i++) {
			uint32_t e = chunks[h].pages[i];

			if ((e & E_PRESENT) && (e & E_SHARED))
				fn(((chunks[h].key - 1) << 21) + (uint64_t)i * PAGE, e & E_PROT, e >> 8,
				   ctx);
		}
}

long
lx_mem_map_shared(uint64_t va, unsigned prot, writ_cptr_t frame)
{
	uint32_t *e = page_entry(va, true);

	if (!e || (*e & E_PRESENT) || frame >= (1u << 24))
		return -EINVAL;
	if (writ_map_frame(WRIT_PSLOT_VSPACE, frame, va, rights_of(prot), WRIT_MAP_WRITE_BACK,
			   writ_own_table, NULL) != WRIT_OK)
		return -ENOMEM;
	*e = (uint32_t)frame << 8 | E_PRESENT | E_SHARED | (prot & E_PROT);
	return 0;
}

uint64_t
lx_mem_bytes(bool writable)
{
	uint64_t n = pages_list(NULL, 0) * PAGE;

	for (unsigned i = 0; i < n_fixed; i++)
		if (!writable || (fixed[i].prot & PROT_WRITE))
			n += fixed[i].hi - fixed[i].lo;
	return n;
}
