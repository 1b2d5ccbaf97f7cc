/*
 * ELF64 executable parser. See elf.h for what is accepted and the loading rule.
 *
 * Layout (System V gABI, ELF-64 object file format): a 64-byte header at offset 0 gives
 * the program header table's offset (e_phoff), entry size (56) and count; each program
 * header describes one segment. We check the header, then the whole table's bounds, and
 * only then read program headers, each field of which is checked before it is believed.
 * Section headers are not read at all: loading needs only segments.
 *
 * Safety argument, for the next editor: every read goes through rd(), which refuses any
 * range not inside [0, len) by returning 0, and the checks below are ordered so that it
 * never has to (the header is read after len >= 64, program headers after the table is
 * inside the file). Sums of two file-supplied 64-bit values are never formed before a
 * check that they cannot wrap. Loosen any of this only with a test that shows why.
 */
#include <portable/elf.h>

#define EH_SIZE 64
#define PH_SIZE 56

/* ELF header fields. */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_VERSION 20
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_EHSIZE 52
#define EH_PHENTSIZE 54
#define EH_PHNUM 56

/* Program header fields. */
#define PH_TYPE 0
#define PH_FLAGS 4
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_FILESZ 32
#define PH_MEMSZ 40
#define PH_ALIGN 48

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU 3
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PN_XNUM 0xffff

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u

#define PAGE_MASK ((uint64_t)ELF_PAGE_SIZE - 1)

struct phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct parser {
	const uint8_t *buf;
	uint64_t len;
	uint64_t user_lo, user_hi;
	struct elf_image *out;
	struct elf_diag *diag;
	uint64_t phoff;
	uint16_t phnum;
	int index;			/* program header being checked, or ELF_DIAG_HEADER */
	int seg_phdr[ELF_MAX_SEGMENTS];	/* program header of each kept segment */
	bool seen_tls, seen_stack;
};

/* Little-endian read of n <= 8 bytes at `off`; 0 for any range not inside the file. */
static uint64_t
rd(const struct parser *p, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	if (off > p->len || n > p->len - off)
		return 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p->buf[off + i];
	return v;
}

/* Offset in the file of field `field` of the program header being checked. */
static uint64_t
ph_field(const struct parser *p, unsigned field)
{
	return p->phoff + (uint64_t)p->index * PH_SIZE + field;
}

static enum elf_error
fail_at(struct parser *p, enum elf_error e, uint64_t offset)
{
	p->diag->error = e;
	p->diag->offset = offset;
	p->diag->phdr = p->index;
	return e;
}

/* Fail on a field of the current program header. */
static enum elf_error
fail_ph(struct parser *p, enum elf_error e, unsigned field)
{
	return fail_at(p, e, ph_field(p, field));
}

static bool
is_pow2_or_zero(uint64_t x)
{
	return (x & (x - 1)) == 0;
}

/* The ELF header: identification, type, and where the program headers are. */
static enum elf_error
check_header(struct parser *p)
{
	uint64_t table;

	if (p->len < EH_SIZE)
		return fail_at(p, ELF_E_SHORT, 0);
	if (rd(p, 0, 4) != 0x464c457fu)	/* "\177ELF" */
		return fail_at(p, ELF_E_MAGIC, 0);
	if (rd(p, EI_CLASS, 1) != ELFCLASS64)
		return fail_at(p, ELF_E_CLASS, EI_CLASS);
	if (rd(p, EI_DATA, 1) != ELFDATA2LSB)
		return fail_at(p, ELF_E_DATA, EI_DATA);
	if (rd(p, EI_VERSION, 1) != EV_CURRENT)
		return fail_at(p, ELF_E_VERSION, EI_VERSION);
	if (rd(p, EI_OSABI, 1) != ELFOSABI_SYSV && rd(p, EI_OSABI, 1) != ELFOSABI_GNU)
		return fail_at(p, ELF_E_OSABI, EI_OSABI);
	if (rd(p, EH_MACHINE, 2) != EM_X86_64)
		return fail_at(p, ELF_E_MACHINE, EH_MACHINE);
	if (rd(p, EH_TYPE, 2) == ET_DYN)
		return fail_at(p, ELF_E_TYPE_DYN, EH_TYPE);
	if (rd(p, EH_TYPE, 2) != ET_EXEC)
		return fail_at(p, ELF_E_TYPE, EH_TYPE);
	if (rd(p, EH_VERSION, 4) != EV_CURRENT)
		return fail_at(p, ELF_E_VERSION, EH_VERSION);
	if (rd(p, EH_EHSIZE, 2) != EH_SIZE)
		return fail_at(p, ELF_E_EHSIZE, EH_EHSIZE);
	if (rd(p, EH_PHENTSIZE, 2) != PH_SIZE)
		return fail_at(p, ELF_E_PHENTSIZE, EH_PHENTSIZE);
	p->phnum = (uint16_t)rd(p, EH_PHNUM, 2);
	if (p->phnum == 0 || p->phnum == PN_XNUM)
		return fail_at(p, ELF_E_PHNUM, EH_PHNUM);
	p->phoff = rd(p, EH_PHOFF, 8);
	table = (uint64_t)p->phnum * PH_SIZE;	/* < 2^22: cannot wrap */
	if (p->phoff > p->len || table > p->len - p->phoff)
		return fail_at(p, ELF_E_PHOFF, EH_PHOFF);
	p->out->entry = rd(p, EH_ENTRY, 8);
	return ELF_OK;
}

static void
read_phdr(const struct parser *p, struct phdr *ph)
{
	ph->type = (uint32_t)rd(p, ph_field(p, PH_TYPE), 4);
	ph->flags = (uint32_t)rd(p, ph_field(p, PH_FLAGS), 4);
	ph->offset = rd(p, ph_field(p, PH_OFFSET), 8);
	ph->vaddr = rd(p, ph_field(p, PH_VADDR), 8);
	ph->filesz = rd(p, ph_field(p, PH_FILESZ), 8);
	ph->memsz = rd(p, ph_field(p, PH_MEMSZ), 8);
	ph->align = rd(p, ph_field(p, PH_ALIGN), 8);
}

/* Checks shared by PT_LOAD and PT_TLS: sizes, address range, alignment. */
static enum elf_error
check_extent(struct parser *p, const struct phdr *ph)
{
	if (ph->filesz > ph->memsz)
		return fail_ph(p, ELF_E_SEG_FILESZ, PH_FILESZ);
	if (ph->memsz > UINT64_MAX - ph->vaddr)
		return fail_ph(p, ELF_E_SEG_WRAP, PH_MEMSZ);
	if (!is_pow2_or_zero(ph->align))
		return fail_ph(p, ELF_E_SEG_ALIGN, PH_ALIGN);
	return ELF_OK;
}

static enum elf_error
check_load(struct parser *p, const struct phdr *ph)
{
	struct elf_image *img = p->out;
	struct elf_segment *s;

	if (check_extent(p, ph) != ELF_OK)
		return p->diag->error;
	/* vaddr + memsz cannot wrap (checked above), and user_hi bounds it. */
	if (ph->vaddr < p->user_lo || ph->vaddr + ph->memsz > p->user_hi)
		return fail_ph(p, ELF_E_SEG_USER, PH_VADDR);
	if (ph->filesz > 0 && ((ph->vaddr - ph->offset) & PAGE_MASK) != 0)
		return fail_ph(p, ELF_E_SEG_CONGRUENT, PH_OFFSET);
	if ((ph->flags & ELF_W) && (ph->flags & ELF_X))
		return fail_ph(p, ELF_E_SEG_WX, PH_FLAGS);
	if (ph->memsz == 0)
		return ELF_OK;	/* occupies nothing: checked, then dropped */
	if (img->n_segments == ELF_MAX_SEGMENTS)
		return fail_ph(p, ELF_E_TOO_MANY, PH_TYPE);
	p->seg_phdr[img->n_segments] = p->index;
	s = &img->segments[img->n_segments++];
	s->vaddr = ph->vaddr;
	s->memsz = ph->memsz;
	s->offset = ph->offset;
	s->filesz = ph->filesz;
	s->rights = ph->flags & (ELF_R | ELF_W | ELF_X);
	s->shares = 0;
	return ELF_OK;
}

static enum elf_error
check_tls(struct parser *p, const struct phdr *ph)
{
	struct elf_tls *t = &p->out->tls;

	if (p->seen_tls)
		return fail_ph(p, ELF_E_DUPLICATE, PH_TYPE);
	p->seen_tls = true;
	if (check_extent(p, ph) != ELF_OK)
		return p->diag->error;
	p->out->has_tls = true;
	t->vaddr = ph->vaddr;
	t->offset = ph->offset;
	t->filesz = ph->filesz;
	t->memsz = ph->memsz;
	t->align = ph->align ? ph->align : 1;
	return ELF_OK;	/* where its image lies is checked once all segments are known */
}

static enum elf_error
check_phdr(struct parser *p)
{
	struct phdr ph;

	read_phdr(p, &ph);
	if (ph.type == PT_NULL)
		return ELF_OK;
	if (ph.type == PT_INTERP)
		return fail_ph(p, ELF_E_INTERP, PH_TYPE);
	if (ph.type == PT_DYNAMIC)
		return fail_ph(p, ELF_E_DYNAMIC, PH_TYPE);
	/* Every segment's file bytes, even those we skip, must be in the file. */
	if (ph.offset > p->len || ph.filesz > p->len - ph.offset)
		return fail_ph(p, ELF_E_SEG_FILE, PH_OFFSET);
	switch (ph.type) {
	case PT_LOAD:
		return check_load(p, &ph);
	case PT_TLS:
		return check_tls(p, &ph);
	case PT_GNU_STACK:
		if (p->seen_stack)
			return fail_ph(p, ELF_E_DUPLICATE, PH_TYPE);
		p->seen_stack = true;
		if (ph.flags & ELF_X)
			return fail_ph(p, ELF_E_STACK_EXEC, PH_FLAGS);
		p->out->has_stack_flags = true;
		p->out->stack_rights = ph.flags & (ELF_R | ELF_W | ELF_X);
		return ELF_OK;
	default:
		return ELF_OK;	/* notes, RELRO, EH frame...: nothing to load */
	}
}

/* Insertion sort by vaddr, stable, carrying each segment's program header index. */
static void
sort_segments(struct parser *p)
{
	struct elf_image *img = p->out;

	for (unsigned i = 1; i < img->n_segments; i++) {
		struct elf_segment s = img->segments[i];
		int idx = p->seg_phdr[i];
		unsigned j = i;

		for (; j > 0 && img->segments[j - 1].vaddr > s.vaddr; j--) {
			img->segments[j] = img->segments[j - 1];
			p->seg_phdr[j] = p->seg_phdr[j - 1];
		}
		img->segments[j] = s;
		p->seg_phdr[j] = idx;
	}
}

static uint64_t
seg_end(const struct elf_segment *s)
{
	return s->vaddr + s->memsz;	/* no wrap: checked in check_extent() */
}

/*
 * Rights of the page holding `addr` as far as segments [0, upto] (sorted) touch it. Called
 * for the first page of segment `upto`, so the segment that makes a page W+X is the one
 * blamed; every shared page is met with its full union at its highest segment.
 */
static uint32_t
page_rights(const struct elf_image *img, uint64_t addr, unsigned upto)
{
	uint64_t page = addr & ~PAGE_MASK;
	uint32_t r = 0;

	for (unsigned i = 0; i <= upto; i++) {
		const struct elf_segment *s = &img->segments[i];

		if (s->vaddr <= page + PAGE_MASK && page < seg_end(s))
			r |= s->rights;
	}
	return r;
}

/*
 * Sorted segments: no byte in two segments; pages shared by neighbours marked, and the
 * union of rights on each refused if W+X. With segments sorted by start, any overlap
 * shows between neighbours; and the highest segment touching a shared page starts in it,
 * so checking each segment's first page checks every shared page.
 */
static enum elf_error
check_layout(struct parser *p)
{
	struct elf_image *img = p->out;

	for (unsigned i = 1; i < img->n_segments; i++) {
		struct elf_segment *a = &img->segments[i - 1], *b = &img->segments[i];

		p->index = p->seg_phdr[i];
		if (b->vaddr < seg_end(a))
			return fail_ph(p, ELF_E_SEG_OVERLAP, PH_VADDR);
		if (((seg_end(a) - 1) & ~PAGE_MASK) == (b->vaddr & ~PAGE_MASK)) {
			a->shares |= ELF_SHARES_NEXT;
			b->shares |= ELF_SHARES_PREV;
			if ((page_rights(img, b->vaddr, i) & (ELF_W | ELF_X)) == (ELF_W | ELF_X))
				return fail_ph(p, ELF_E_PAGE_WX, PH_FLAGS);
		}
	}
	p->index = ELF_DIAG_HEADER;
	img->lo = img->segments[0].vaddr & ~PAGE_MASK;
	/* Round up without wrapping: user_hi <= 2^64 - 1 bounds the end. */
	img->hi = seg_end(&img->segments[img->n_segments - 1]);
	img->hi = img->hi + ((ELF_PAGE_SIZE - (img->hi & PAGE_MASK)) & PAGE_MASK);
	return ELF_OK;
}

static enum elf_error
check_entry(struct parser *p)
{
	const struct elf_image *img = p->out;

	for (unsigned i = 0; i < img->n_segments; i++) {
		const struct elf_segment *s = &img->segments[i];

		if ((s->rights & ELF_X) && img->entry >= s->vaddr && img->entry < seg_end(s))
			return ELF_OK;
	}
	return fail_at(p, ELF_E_ENTRY, EH_ENTRY);
}

/*
 * The TLS initialisation image is read from memory at tls.vaddr by the C library, so it
 * must lie in the file-backed part of one loaded segment, at the place its file offset
 * says (otherwise memory and file disagree about the initial values).
 */
static enum elf_error
check_tls_image(struct parser *p)
{
	const struct elf_image *img = p->out;
	const struct elf_tls *t = &img->tls;

	if (!img->has_tls || t->filesz == 0)
		return ELF_OK;
	for (unsigned i = 0; i < img->n_segments; i++) {
		const struct elf_segment *s = &img->segments[i];

		if (t->vaddr >= s->vaddr && t->vaddr - s->vaddr <= s->filesz &&
		    t->filesz <= s->filesz - (t->vaddr - s->vaddr) &&
		    t->offset - s->offset == t->vaddr - s->vaddr)
			return ELF_OK;
	}
	for (p->index = 0; rd(p, ph_field(p, PH_TYPE), 4) != PT_TLS; p->index++)
		;	/* found: check_tls() saw it */
	return fail_ph(p, ELF_E_TLS, PH_VADDR);
}

static void
image_clear(struct elf_image *img)
{
	uint8_t *b = (uint8_t *)img;

	for (size_t i = 0; i < sizeof(*img); i++)
		b[i] = 0;
	img->stack_rights = ELF_R | ELF_W;
}

enum elf_error
elf_parse(const void *buf, size_t len, uint64_t user_lo, uint64_t user_hi,
	  struct elf_image *out, struct elf_diag *diag)
{
	struct parser p = {
		.buf = buf, .len = len, .user_lo = user_lo, .user_hi = user_hi,
		.out = out, .diag = diag, .index = ELF_DIAG_HEADER,
	};

	image_clear(out);
	if (check_header(&p) != ELF_OK)
		return diag->error;
	for (p.index = 0; p.index < p.phnum; p.index++)
		if (check_phdr(&p) != ELF_OK)
			return diag->error;
	p.index = ELF_DIAG_HEADER;
	if (out->n_segments == 0)
		return fail_at(&p, ELF_E_NO_LOAD, EH_PHNUM);
	sort_segments(&p);
	if (check_layout(&p) != ELF_OK || check_entry(&p) != ELF_OK ||
	    check_tls_image(&p) != ELF_OK)
		return diag->error;
	diag->error = ELF_OK;
	diag->offset = 0;
	diag->phdr = ELF_DIAG_HEADER;
	return ELF_OK;
}

const char *
elf_strerror(enum elf_error e)
{
	static const char *const text[] = {
#define E(name, t) [name] = t,
		ELF_ERRORS(E)
#undef E
	};

	if ((unsigned)e >= sizeof(text) / sizeof(text[0]))
		return "unknown error";
	return text[e];
}
