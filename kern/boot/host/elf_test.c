/*
 * Host tests for the ELF parser (kern/boot/elf.c, the file the kernel links).
 *
 * 1. Real executables built at test time (musl-gcc -static, gcc -static -nostdlib) parse,
 *    and agree with an independent reading through the host's <elf.h> structs and with
 *    what the musl program prints about itself when run. A static PIE and a dynamically
 *    linked executable are refused with the right error.
 * 2. A small hand-built executable, then one mutation per check, each expecting its exact
 *    error and the offset of the field at fault.
 * 3. Every truncation: of the hand-built file, all refused; of the real ones, refused
 *    exactly when the cut reaches bytes a segment or the program headers need.
 * Every buffer is allocated at exactly its size, so ASan catches a read past it.
 *
 * Usage: elf_test MUSL_STATIC NOLIBC_STATIC STATIC_PIE DYNAMIC   ("-" skips a file)
 *        elf_test --write-corpus DIR   (writes the hand-built files as fuzzer seeds)
 */
#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portable/elf.h>
#define HOST_TAP_PREFIX "kern/elf-"
#include "host_tap.h"

#define USER_LO 0x1000ull
#define USER_HI 0x800000000000ull
#define PH(i) (64u + 56u * (i))

/* Parse a copy of `len` bytes in a buffer of exactly that size. */
static enum elf_error
parse_exact(const uint8_t *b, size_t len, struct elf_image *img, struct elf_diag *d)
{
	uint8_t *buf = malloc(len ? len : 1);
	enum elf_error e;

	memcpy(buf, b, len);
	e = elf_parse(buf, len, USER_LO, USER_HI, img, d);
	free(buf);
	return e;
}

/* ---- The hand-built executable ---- */

#define IMG_LEN 0x2100

struct img {
	uint8_t b[IMG_LEN];
	size_t len;
};

static void
put(struct img *m, uint64_t at, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		m->b[at + i] = (uint8_t)(v >> 8 * i);
}

static void
phdr(struct img *m, unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
     uint64_t filesz, uint64_t memsz, uint64_t align)
{
	put(m, PH(i) + 0, type, 4);
	put(m, PH(i) + 4, flags, 4);
	put(m, PH(i) + 8, off, 8);
	put(m, PH(i) + 16, va, 8);
	put(m, PH(i) + 24, va, 8);
	put(m, PH(i) + 32, filesz, 8);
	put(m, PH(i) + 40, memsz, 8);
	put(m, PH(i) + 48, align, 8);
}

static void
header(struct img *m, uint16_t phnum, uint64_t entry)
{
	memset(m, 0, sizeof(*m));
	m->len = IMG_LEN;
	memcpy(m->b, "\177ELF", 4);
	m->b[4] = 2;		/* ELFCLASS64 */
	m->b[5] = 1;		/* little-endian */
	m->b[6] = 1;		/* EV_CURRENT */
	put(m, 16, 2, 2);	/* ET_EXEC */
	put(m, 18, 62, 2);	/* EM_X86_64 */
	put(m, 20, 1, 4);
	put(m, 24, entry, 8);
	put(m, 32, 64, 8);	/* e_phoff */
	put(m, 52, 64, 2);
	put(m, 54, 56, 2);
	put(m, 56, phnum, 2);
}

/*
 * What `ld -static` makes of a small program: headers (R), text (RX), data + bss (RW)
 * holding the TLS image, a stack note and a PT_NOTE. The last segment ends the file, so
 * every truncation loses bytes the parser needs.
 */
static void
build_good(struct img *m)
{
	header(m, 6, 0x401000);
	phdr(m, 0, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200, 0x1000);
	phdr(m, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x10, 0x10, 0x1000);
	phdr(m, 2, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x1000, 0x1000);
	phdr(m, 3, PT_TLS, PF_R, 0x2000, 0x402000, 8, 16, 8);
	phdr(m, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	phdr(m, 5, PT_NOTE, PF_R, 0x180, 0x400180, 0x20, 0x20, 4);
	memset(m->b + 0x1000, 0x90, 0x10);
	put(m, 0x2000, 0x1122334455667788ull, 8);
}

/* Seventeen one-page read-only segments, the first holding the entry. */
static void
build_many(struct img *m, unsigned n)
{
	header(m, (uint16_t)n, 0x400000);
	for (unsigned i = 0; i < n; i++)
		phdr(m, i, PT_LOAD, i == 0 ? PF_R | PF_X : PF_R, 0, 0x400000 + 0x1000 * i,
		     0, 0x1000, 0x1000);
	put(m, PH(0) + 32, 0x100, 8);		/* filesz of the first: the headers */
	m->len = 0x1000;
}

static void
expect(const struct img *m, enum elf_error want, uint64_t want_off, const char *name)
{
	static struct elf_image img;
	struct elf_diag d;
	enum elf_error e = parse_exact(m->b, m->len, &img, &d);

	check(e == want && d.error == want && d.offset == want_off, name,
	      "got '%s' at offset %llu, want '%s' at %llu", elf_strerror(e),
	      (unsigned long long)d.offset, elf_strerror(want), (unsigned long long)want_off);
}

static bool
seg_is(const struct elf_segment *s, uint64_t va, uint64_t memsz, uint64_t off, uint64_t filesz,
       uint32_t rights)
{
	return s->vaddr == va && s->memsz == memsz && s->offset == off && s->filesz == filesz &&
	       s->rights == rights;
}

static void
test_good(void)
{
	static struct elf_image img;
	struct elf_diag d;
	struct img m;
	enum elf_error e;
	bool all = true;

	build_good(&m);
	e = parse_exact(m.b, m.len, &img, &d);
	check(e == ELF_OK, "good-parses", "'%s' at %llu", elf_strerror(e),
	      (unsigned long long)d.offset);
	check(img.entry == 0x401000 && img.n_segments == 3 &&
	      seg_is(&img.segments[0], 0x400000, 0x200, 0, 0x200, ELF_R) &&
	      seg_is(&img.segments[1], 0x401000, 0x10, 0x1000, 0x10, ELF_R | ELF_X) &&
	      seg_is(&img.segments[2], 0x402000, 0x1000, 0x2000, 0x100, ELF_R | ELF_W) &&
	      img.segments[0].shares == 0 && img.segments[2].shares == 0,
	      "good-segments", "entry %llx, %u segments", (unsigned long long)img.entry,
	      img.n_segments);
	check(img.has_tls && img.tls.vaddr == 0x402000 && img.tls.offset == 0x2000 &&
	      img.tls.filesz == 8 && img.tls.memsz == 16 && img.tls.align == 8, "good-tls",
	      "TLS not reported as given");
	check(img.has_stack_flags && img.stack_rights == (ELF_R | ELF_W) &&
	      img.lo == 0x400000 && img.hi == 0x403000, "good-stack-and-span",
	      "stack %x, span [%llx, %llx)", img.stack_rights, (unsigned long long)img.lo,
	      (unsigned long long)img.hi);
	for (size_t n = 0; n < m.len; n++)
		all &= parse_exact(m.b, n, &img, &d) != ELF_OK;
	check(all, "every-truncation-rejected", "a truncated file parsed");

	/* Program headers out of vaddr order come back sorted, the empty one dropped. */
	build_good(&m);
	phdr(&m, 0, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x1000, 0x1000);
	phdr(&m, 2, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200, 0x1000);
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0x500000, 0, 0, 0x1000);
	e = parse_exact(m.b, m.len, &img, &d);
	check(e == ELF_OK && img.n_segments == 3 && img.segments[0].vaddr == 0x400000 &&
	      img.segments[2].vaddr == 0x402000, "unsorted-and-empty-segments",
	      "'%s', %u segments", elf_strerror(e), img.n_segments);
}

static void
test_header(void)
{
	struct img m;

	build_good(&m);
	m.len = 63;
	expect(&m, ELF_E_SHORT, 0, "short");
	build_good(&m);
	m.b[1] = 'e';
	expect(&m, ELF_E_MAGIC, 0, "magic");
	build_good(&m);
	m.b[4] = 1;
	expect(&m, ELF_E_CLASS, 4, "class-elf32");
	build_good(&m);
	m.b[5] = 2;
	expect(&m, ELF_E_DATA, 5, "big-endian");
	build_good(&m);
	m.b[6] = 0;
	expect(&m, ELF_E_VERSION, 6, "ident-version");
	build_good(&m);
	m.b[7] = 9;		/* FreeBSD */
	expect(&m, ELF_E_OSABI, 7, "osabi");
	build_good(&m);
	put(&m, 18, 3, 2);	/* EM_386 */
	expect(&m, ELF_E_MACHINE, 18, "machine-i386");
	build_good(&m);
	put(&m, 16, 3, 2);
	expect(&m, ELF_E_TYPE_DYN, 16, "type-dyn-pie");
	build_good(&m);
	put(&m, 16, 1, 2);	/* ET_REL */
	expect(&m, ELF_E_TYPE, 16, "type-rel");
	build_good(&m);
	put(&m, 20, 2, 4);
	expect(&m, ELF_E_VERSION, 20, "e-version");
	build_good(&m);
	put(&m, 52, 52, 2);
	expect(&m, ELF_E_EHSIZE, 52, "ehsize");
	build_good(&m);
	put(&m, 54, 32, 2);
	expect(&m, ELF_E_PHENTSIZE, 54, "phentsize");
	build_good(&m);
	put(&m, 56, 0, 2);
	expect(&m, ELF_E_PHNUM, 56, "phnum-zero");
	build_good(&m);
	put(&m, 56, 0xffff, 2);
	expect(&m, ELF_E_PHNUM, 56, "phnum-extended");
	build_good(&m);
	put(&m, 32, IMG_LEN, 8);
	expect(&m, ELF_E_PHOFF, 32, "phoff-at-end");
	build_good(&m);
	put(&m, 32, UINT64_MAX - 8, 8);
	expect(&m, ELF_E_PHOFF, 32, "phoff-wraps");
	build_good(&m);
	put(&m, 56, 200, 2);	/* 200 * 56 bytes run past the end of the file */
	expect(&m, ELF_E_PHOFF, 32, "phdr-table-past-end");
}

static void
test_segments(void)
{
	struct img m;

	build_good(&m);
	put(&m, PH(5), PT_INTERP, 4);
	expect(&m, ELF_E_INTERP, PH(5), "interp");
	build_good(&m);
	put(&m, PH(5), PT_DYNAMIC, 4);
	expect(&m, ELF_E_DYNAMIC, PH(5), "dynamic");
	build_good(&m);
	put(&m, PH(2) + 32, 0x101, 8);	/* one byte past the end of the file */
	expect(&m, ELF_E_SEG_FILE, PH(2) + 8, "segment-past-end");
	build_good(&m);
	put(&m, PH(5) + 8, UINT64_MAX - 4, 8);	/* even a note must be in the file */
	expect(&m, ELF_E_SEG_FILE, PH(5) + 8, "note-offset-wraps");
	build_good(&m);
	put(&m, PH(1) + 32, UINT64_MAX, 8);
	expect(&m, ELF_E_SEG_FILE, PH(1) + 8, "filesz-huge");
	build_good(&m);
	put(&m, PH(1) + 32, 0x11, 8);
	expect(&m, ELF_E_SEG_FILESZ, PH(1) + 32, "filesz-over-memsz");
	build_good(&m);
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0xfffffffffffff000ull, 0, 0x2000, 0x1000);
	expect(&m, ELF_E_SEG_WRAP, PH(5) + 40, "vaddr-memsz-wraps");
	build_good(&m);
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0xffffffff80000000ull, 0x100, 0x100, 0x1000);
	expect(&m, ELF_E_SEG_USER, PH(5) + 16, "kernel-space-segment");
	build_good(&m);
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0, 0x100, 0x100, 0x1000);
	expect(&m, ELF_E_SEG_USER, PH(5) + 16, "page-zero-segment");
	build_good(&m);
	phdr(&m, 5, PT_LOAD, PF_R, 0, USER_HI - 0x1000, 0, 0x1001, 0x1000);
	expect(&m, ELF_E_SEG_USER, PH(5) + 16, "segment-straddles-user-top");
	build_good(&m);
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0xffff800000000000ull, 0, 0, 0x1000);
	expect(&m, ELF_E_SEG_USER, PH(5) + 16, "empty-kernel-segment");
	build_good(&m);
	put(&m, PH(1) + 48, 0x1800, 8);
	expect(&m, ELF_E_SEG_ALIGN, PH(1) + 48, "align-not-power-of-two");
	build_good(&m);
	put(&m, PH(1) + 8, 0x1100, 8);
	expect(&m, ELF_E_SEG_CONGRUENT, PH(1) + 8, "offset-not-congruent");
	build_good(&m);
	put(&m, PH(2) + 4, PF_R | PF_W | PF_X, 4);
	expect(&m, ELF_E_SEG_WX, PH(2) + 4, "segment-wx");
	build_good(&m);
	put(&m, PH(4) + 4, PF_R | PF_W | PF_X, 4);
	expect(&m, ELF_E_STACK_EXEC, PH(4) + 4, "stack-exec");
}

static void
test_layout(void)
{
	static struct elf_image img;
	struct elf_diag d;
	struct img m;
	enum elf_error e;

	build_good(&m);		/* data now starts 8 bytes into the text: one byte is enough */
	phdr(&m, 2, PT_LOAD, PF_R | PF_W, 0x2008, 0x401008, 0x20, 0x1000, 0x1000);
	expect(&m, ELF_E_SEG_OVERLAP, PH(2) + 16, "segments-overlap");
	build_good(&m);		/* a segment inside another, listed first */
	phdr(&m, 5, PT_LOAD, PF_R, 0, 0x400000, 0x10, 0x10, 0x1000);
	expect(&m, ELF_E_SEG_OVERLAP, PH(5) + 16, "segment-inside-another");

	/* Read-only data sharing the text's last page: allowed, marked, mapped RX. */
	build_good(&m);
	phdr(&m, 2, PT_LOAD, PF_R, 0x1100, 0x401100, 0x10, 0x10, 0x1000);
	put(&m, PH(3), PT_NULL, 4);
	m.len = 0x1110;
	e = parse_exact(m.b, m.len, &img, &d);
	check(e == ELF_OK && img.segments[1].shares == ELF_SHARES_NEXT &&
	      img.segments[2].shares == ELF_SHARES_PREV && img.segments[0].shares == 0,
	      "shared-page-allowed", "'%s'; shares %x %x", elf_strerror(e),
	      img.segments[1].shares, img.segments[2].shares);
	/* Writable data sharing the text's page would need a W+X page. */
	put(&m, PH(2) + 4, PF_R | PF_W, 4);
	expect(&m, ELF_E_PAGE_WX, PH(2) + 4, "shared-page-wx");
	/* Three segments in one page: R+X, R, then R+W; the union is W+X. */
	build_good(&m);
	phdr(&m, 2, PT_LOAD, PF_R, 0x1100, 0x401100, 0x10, 0x10, 0x1000);
	phdr(&m, 3, PT_LOAD, PF_R | PF_W, 0x1200, 0x401200, 0x10, 0x10, 0x1000);
	m.len = 0x1210;
	expect(&m, ELF_E_PAGE_WX, PH(3) + 4, "shared-page-chain-wx");

	build_many(&m, 16);
	e = parse_exact(m.b, m.len, &img, &d);
	check(e == ELF_OK && img.n_segments == 16, "sixteen-segments", "'%s'", elf_strerror(e));
	build_many(&m, 17);
	expect(&m, ELF_E_TOO_MANY, PH(16), "too-many-segments");

	build_good(&m);
	put(&m, PH(0), PT_NULL, 4);
	put(&m, PH(1), PT_NULL, 4);
	put(&m, PH(2), PT_NOTE, 4);
	expect(&m, ELF_E_NO_LOAD, 56, "no-load-segment");
	build_good(&m);
	put(&m, 24, 0x400010, 8);
	expect(&m, ELF_E_ENTRY, 24, "entry-in-data");
	build_good(&m);
	put(&m, 24, 0x401010, 8);
	expect(&m, ELF_E_ENTRY, 24, "entry-one-past-text");
}

static void
test_tls_and_stack(void)
{
	struct img m;

	build_good(&m);
	put(&m, PH(5), PT_TLS, 4);
	expect(&m, ELF_E_DUPLICATE, PH(5), "tls-twice");
	build_good(&m);
	phdr(&m, 5, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	expect(&m, ELF_E_DUPLICATE, PH(5), "stack-twice");
	build_good(&m);
	put(&m, PH(3) + 32, 17, 8);
	expect(&m, ELF_E_SEG_FILESZ, PH(3) + 32, "tls-filesz-over-memsz");
	build_good(&m);
	put(&m, PH(3) + 48, 12, 8);
	expect(&m, ELF_E_SEG_ALIGN, PH(3) + 48, "tls-align");
	build_good(&m);
	put(&m, PH(2) + 32, 0x80, 8);		/* image runs past the data's file bytes */
	put(&m, PH(3) + 16, 0x40207c, 8);
	put(&m, PH(3) + 8, 0x207c, 8);
	expect(&m, ELF_E_TLS, PH(3) + 16, "tls-outside-file-bytes");
	build_good(&m);
	put(&m, PH(3) + 8, 0x2010, 8);		/* file and memory disagree */
	expect(&m, ELF_E_TLS, PH(3) + 16, "tls-offset-mismatch");
}

/* ---- Real executables ---- */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc(n ? (size_t)n : 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/*
 * The oracle: the file read naively through <elf.h> (trusted, since the toolchain made it).
 * Checks that the parser kept exactly the non-empty PT_LOADs, in order, and returns the
 * number of bytes the parser needs (end of the furthest segment or of the table).
 */
static size_t
oracle_compare(const uint8_t *b, const struct elf_image *img, bool *same)
{
	Elf64_Ehdr eh;
	size_t need, k = 0;

	memcpy(&eh, b, sizeof(eh));
	need = eh.e_phoff + (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	*same = img->entry == eh.e_entry;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NULL && ph.p_offset + ph.p_filesz > need)
			need = ph.p_offset + ph.p_filesz;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		*same &= k < img->n_segments &&
			 seg_is(&img->segments[k], ph.p_vaddr, ph.p_memsz, ph.p_offset,
				ph.p_filesz, ph.p_flags & 7);
		k++;
	}
	*same &= k == img->n_segments;
	return need;
}

static void
test_real(const char *label, const char *path)
{
	static struct elf_image img, cut;
	struct elf_diag d;
	char name[64];
	size_t len, need;
	uint8_t *b;
	bool same, exact = true;
	enum elf_error e;

	if (strcmp(path, "-") == 0) {
		printf("# %s: no file given, skipped\n", label);
		return;
	}
	snprintf(name, sizeof(name), "%s-parses", label);
	b = slurp(path, &len);
	if (!b) {
		check(false, name, "cannot read %s", path);
		return;
	}
	e = parse_exact(b, len, &img, &d);
	check(e == ELF_OK, name, "'%s' at offset %llu", elf_strerror(e),
	      (unsigned long long)d.offset);
	need = oracle_compare(b, &img, &same);
	snprintf(name, sizeof(name), "%s-matches-readelf", label);
	check(e == ELF_OK && same, name, "entry or segments differ from the file's headers");
	/* A cut is refused iff it reaches bytes the parser needs; otherwise nothing changes. */
	for (size_t n = 0; n < len && e == ELF_OK; n++) {
		enum elf_error ce = parse_exact(b, n, &cut, &d);

		exact &= n < need ? ce != ELF_OK : ce == ELF_OK && memcmp(&cut, &img, sizeof(img)) == 0;
	}
	snprintf(name, sizeof(name), "%s-truncations", label);
	check(exact, name, "a cut below %zu bytes parsed, or one above it did not", need);
	free(b);
}

/* Run the musl sample: it prints its own _start and TLS initial value. */
static void
test_musl_runs(const char *path)
{
	static struct elf_image img;
	struct elf_diag d;
	unsigned long start = 0;
	unsigned tls = 0;
	uint32_t tls_img = 0;
	char cmd[4200];
	size_t len;
	uint8_t *b;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return;
	snprintf(cmd, sizeof(cmd), "'%s'", path);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%lx %x", &start, &tls) != 2)
		start = 0;
	if (f)
		pclose(f);
	b = slurp(path, &len);
	if (b && parse_exact(b, len, &img, &d) == ELF_OK && img.has_tls && img.tls.filesz >= 4)
		memcpy(&tls_img, b + img.tls.offset, 4);
	check(b && start != 0 && start == img.entry, "musl-entry-is-start",
	      "program says _start = %lx, parser says entry = %llx", start,
	      (unsigned long long)img.entry);
	check(b && tls == 0x5eed && tls_img == 0x5eed && img.tls.align >= 4, "musl-tls-image",
	      "program says %x, TLS image holds %x", tls, tls_img);
	free(b);
}

static void
test_refused(const char *label, const char *path, enum elf_error want)
{
	static struct elf_image img;
	struct elf_diag d;
	enum elf_error e = ELF_OK;
	size_t len;
	uint8_t *b;

	if (strcmp(path, "-") == 0)
		return;
	b = slurp(path, &len);
	if (b)
		e = parse_exact(b, len, &img, &d);
	check(b && e == want, label, "got '%s', want '%s'", elf_strerror(e), elf_strerror(want));
	free(b);
}

static int
write_corpus(const char *dir)
{
	struct img m;
	char path[4096];
	FILE *f;

	for (int i = 0; i < 2; i++) {
		if (i == 0)
			build_good(&m);
		else
			build_many(&m, 16);
		snprintf(path, sizeof(path), "%s/%s", dir, i == 0 ? "good" : "sixteen");
		f = fopen(path, "wb");
		if (!f || fwrite(m.b, 1, m.len, f) != m.len)
			return 1;
		fclose(f);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	if (argc != 5) {
		fprintf(stderr, "usage: %s MUSL_STATIC NOLIBC_STATIC STATIC_PIE DYNAMIC\n", argv[0]);
		return 2;
	}
	test_good();
	test_header();
	test_segments();
	test_layout();
	test_tls_and_stack();
	test_real("musl-static", argv[1]);
	test_musl_runs(argv[1]);
	test_real("nolibc-static", argv[2]);
	test_refused("static-pie-refused", argv[3], ELF_E_TYPE_DYN);
	test_refused("dynamic-refused", argv[4], ELF_E_INTERP);
	printf("# elf: %d failed\n", tap.failures);
	return tap.failures ? 1 : 0;
}
