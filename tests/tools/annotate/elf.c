/*
 * Just enough ELF64 to annotate a dump: the PT_LOAD segments (which addresses an ELF
 * owns, and the bytes behind them for disassembly) and the function symbols.
 *
 * Validation: every offset and count in the file is an allegation. Each header table is
 * checked to lie wholly inside the file before any entry is read, with comparisons
 * written so they cannot overflow (test `n > size - off` only after `off <= size`), and
 * entries are copied out with memcpy since nothing promises alignment. A part that fails
 * a check is dropped with the rest of the file kept where that still makes sense (a bad
 * symbol table leaves the segments usable); only a bad ELF header refuses the file.
 * Loosen none of these checks without a test that feeds the case in (test_annotate.py).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

/* Kernel and user images are a few MiB; this only stops a wrong path from eating RAM. */
#define ELF_MAX_SIZE (256u << 20)

static bool
range_ok(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static bool
table_ok(size_t size, uint64_t off, uint64_t count, uint64_t entsize)
{
	if (count == 0)
		return true;
	if (count > SIZE_MAX / entsize)
		return false;
	return range_ok(size, off, count * entsize);
}

static int
read_file(struct elf_file *ef, const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	long end;

	if (!f) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(why, whylen, "cannot find its size (not a regular file?)");
		goto fail;
	}
	if ((unsigned long)end > ELF_MAX_SIZE) {
		snprintf(why, whylen, "larger than %u MiB", ELF_MAX_SIZE >> 20);
		goto fail;
	}
	ef->size = (size_t)end;
	ef->data = malloc(ef->size ? ef->size : 1);
	if (!ef->data || fread(ef->data, 1, ef->size, f) != ef->size) {
		snprintf(why, whylen, "cannot read it");
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

static int
check_header(const struct elf_file *ef, Elf64_Ehdr *eh, char *why, size_t whylen)
{
	if (ef->size < sizeof(*eh)) {
		snprintf(why, whylen, "too short for an ELF header (%zu bytes)", ef->size);
		return -1;
	}
	memcpy(eh, ef->data, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(why, whylen, "not an ELF file (bad magic)");
		return -1;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(why, whylen, "not a little-endian ELF64 file");
		return -1;
	}
	if (eh->e_machine != EM_X86_64) {
		snprintf(why, whylen, "not an x86_64 ELF (e_machine %u)", eh->e_machine);
		return -1;
	}
	if (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr)) {
		snprintf(why, whylen, "program header size %u, expected %zu", eh->e_phentsize,
			 sizeof(Elf64_Phdr));
		return -1;
	}
	if (!table_ok(ef->size, eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr))) {
		snprintf(why, whylen, "program headers lie outside the file");
		return -1;
	}
	return 0;
}

static int
load_segments(struct elf_file *ef, const Elf64_Ehdr *eh, char *why, size_t whylen)
{
	ef->segs = calloc(eh->e_phnum ? eh->e_phnum : 1, sizeof(*ef->segs));
	if (!ef->segs) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, ef->data + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		/* A segment we cannot trust is skipped, not the whole file. */
		if (ph.p_filesz > ph.p_memsz || ph.p_memsz - 1 > UINT64_MAX - ph.p_vaddr ||
		    !range_ok(ef->size, ph.p_offset, ph.p_filesz))
			continue;
		ef->segs[ef->nsegs++] = (struct elf_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset,
							  ph.p_filesz };
	}
	if (ef->nsegs == 0) {
		snprintf(why, whylen, "no usable PT_LOAD segment");
		return -1;
	}
	return 0;
}

static int
sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	return x->value < y->value ? -1 : x->value > y->value;
}

/* Reads the section header at index i, if the table and the index are sound. */
static bool
section(const struct elf_file *ef, const Elf64_Ehdr *eh, unsigned i, Elf64_Shdr *sh)
{
	if (i >= eh->e_shnum || eh->e_shentsize != sizeof(*sh) ||
	    !table_ok(ef->size, eh->e_shoff, eh->e_shnum, sizeof(*sh)))
		return false;
	memcpy(sh, ef->data + eh->e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
	return true;
}

static bool
find_section(const struct elf_file *ef, const Elf64_Ehdr *eh, unsigned type, Elf64_Shdr *sh)
{
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (section(ef, eh, i, sh) && sh->sh_type == type)
			return true;
	return false;
}

/*
 * Function symbols from .symtab (or .dynsym when stripped). Missing or broken tables only
 * cost names: line numbers come from DWARF through addr2line regardless.
 */
static void
load_symbols(struct elf_file *ef, const Elf64_Ehdr *eh)
{
	Elf64_Shdr symtab, strtab;
	bool found;
	uint64_t n;

	found = find_section(ef, eh, SHT_SYMTAB, &symtab) ||
		find_section(ef, eh, SHT_DYNSYM, &symtab);
	if (!found || symtab.sh_entsize != sizeof(Elf64_Sym) ||
	    !range_ok(ef->size, symtab.sh_offset, symtab.sh_size))
		return;
	if (!section(ef, eh, symtab.sh_link, &strtab) || strtab.sh_type != SHT_STRTAB ||
	    !range_ok(ef->size, strtab.sh_offset, strtab.sh_size) || strtab.sh_size == 0)
		return;
	n = symtab.sh_size / sizeof(Elf64_Sym);
	ef->syms = calloc(n ? n : 1, sizeof(*ef->syms));
	if (!ef->syms)
		return;
	for (uint64_t i = 0; i < n; i++) {
		const char *strs = (const char *)ef->data + strtab.sh_offset;
		Elf64_Sym s;

		memcpy(&s, ef->data + symtab.sh_offset + i * sizeof(s), sizeof(s));
		if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF)
			continue;
		/* The name must end inside the string table, or printing it would overrun. */
		if (s.st_name >= strtab.sh_size ||
		    !memchr(strs + s.st_name, '\0', strtab.sh_size - s.st_name))
			continue;
		ef->syms[ef->nsyms++] = (struct elf_sym){ s.st_value, s.st_size, strs + s.st_name };
	}
	qsort(ef->syms, ef->nsyms, sizeof(*ef->syms), sym_cmp);
}

static char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *base = strdup(slash ? slash + 1 : path);
	char *dot = base ? strrchr(base, '.') : NULL;

	if (dot && dot != base)
		*dot = '\0';
	return base;
}

int
elf_open(struct elf_file *ef, const char *path, char *why, size_t whylen)
{
	Elf64_Ehdr eh;

	memset(ef, 0, sizeof(*ef));
	ef->path = path;
	if (read_file(ef, path, why, whylen) != 0)
		goto fail;
	if (check_header(ef, &eh, why, whylen) != 0)
		goto fail;
	if (load_segments(ef, &eh, why, whylen) != 0)
		goto fail;
	load_symbols(ef, &eh);
	ef->base = base_name(path);
	return 0;
fail:
	elf_close(ef);
	ef->path = path;
	return -1;
}

void
elf_close(struct elf_file *ef)
{
	free(ef->base);
	free(ef->syms);
	free(ef->segs);
	free(ef->data);
	memset(ef, 0, sizeof(*ef));
}

static const struct elf_seg *
seg_of(const struct elf_file *ef, uint64_t addr)
{
	for (size_t i = 0; i < ef->nsegs; i++) {
		const struct elf_seg *s = &ef->segs[i];

		if (addr >= s->vaddr && addr - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

bool
elf_contains(const struct elf_file *ef, uint64_t addr)
{
	return seg_of(ef, addr) != NULL;
}

/*
 * The function containing addr. Symbols may nest or share an address (aliases), so a few
 * candidates below addr are tried; a zero-size symbol (hand-written assembly) counts as
 * reaching up to the next symbol, but only within its own segment.
 */
const struct elf_sym *
elf_sym_at(const struct elf_file *ef, uint64_t addr)
{
	size_t lo = 0, hi = ef->nsyms;
	const struct elf_seg *seg = seg_of(ef, addr);

	if (!seg)
		return NULL;
	while (lo < hi) {			/* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ef->syms[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, tries = 0; i > 0 && tries < 16; i--, tries++) {
		const struct elf_sym *s = &ef->syms[i - 1];

		if (s->size ? addr - s->value < s->size : seg_of(ef, s->value) == seg)
			return s;
	}
	return NULL;
}

/* The file bytes of the segment holding addr, when addr is among them. */
size_t
elf_code_at(const struct elf_file *ef, uint64_t addr, uint64_t *seg_start,
	    const unsigned char **bytes)
{
	const struct elf_seg *s = seg_of(ef, addr);

	if (!s || addr - s->vaddr >= s->filesz)
		return 0;
	*seg_start = s->vaddr;
	*bytes = ef->data + s->offset;
	return s->filesz;
}
