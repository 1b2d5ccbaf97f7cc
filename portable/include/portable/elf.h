/*
 * ELF64 executables: a validating parser that tells the loader what to map.
 *
 * The root task, and later every program the process manager starts, reaches the kernel
 * as the bytes of an ELF file in a boot module: input we did not make. elf_parse() reads
 * those bytes once, checks every header field, size, offset and address it will rely on,
 * and either fills a struct elf_image that the loader can follow without further checks,
 * or names the first broken rule and the byte offset of the field that broke it.
 *
 * What it accepts (everything else is refused):
 *  - ELF64, little-endian, version 1, x86_64, OS ABI System V or GNU;
 *  - ET_EXEC only: position-independent executables (ET_DYN) need relocation, which we
 *    do not do yet, and anything with PT_INTERP or PT_DYNAMIC wants a dynamic linker;
 *  - 1 to ELF_MAX_SEGMENTS PT_LOAD segments of non-zero size (empty ones are checked and
 *    then dropped), each inside [user_lo, user_hi), its file bytes inside the file,
 *    filesz <= memsz, p_align 0 or a power of two, and, when it has file bytes,
 *    vaddr == offset (mod 4096) so a page of the file is a page of the image;
 *  - W^X: no segment is both writable and executable, and neither is any page that two
 *    segments share (see below), nor the stack (PT_GNU_STACK with PF_X is refused);
 *  - the entry point inside an executable segment;
 *  - at most one PT_TLS, whose initialisation image lies inside a loaded segment.
 *
 * Page sharing. Segments may not overlap by a single byte, but two may share a 4 KiB
 * page when one ends and the next begins inside it (old linkers, -z noseparate-code).
 * Each such page must be mapped once, with the union of the rights of every segment
 * touching it; elf_parse() marks the segments concerned (ELF_SHARES_PREV/NEXT; segments
 * are sorted by address) and refuses the file if any such union is writable and
 * executable. Only a segment's first and last pages can be shared (a page in between
 * lies wholly inside it), so checking those two pages of every segment checks them all.
 *
 * Loading rule for the caller: for each segment, map pages [trunc(vaddr), round(vaddr+memsz))
 * with its rights, copy exactly filesz bytes from the file at `offset` to `vaddr`, and
 * zero everything else in those pages (bss, and the bytes of a page before or after the
 * segment unless another segment fills them).
 *
 * The parser reads the buffer only below `len`, byte by byte (a hostile file owes us no
 * alignment), allocates nothing, uses no globals, and is pure C: the kernel links it
 * freestanding, host tests and a fuzzer run the same file.
 */
#ifndef WRIT_ELF_H
#define WRIT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PAGE_SIZE 4096u

#define ELF_ERRORS(E)                                                                   \
	E(ELF_OK, "no error")                                                           \
	E(ELF_E_SHORT, "file shorter than an ELF64 header")                             \
	E(ELF_E_MAGIC, "not an ELF file (bad magic)")                                   \
	E(ELF_E_CLASS, "not ELF64")                                                     \
	E(ELF_E_DATA, "not little-endian")                                              \
	E(ELF_E_VERSION, "unknown ELF version")                                         \
	E(ELF_E_OSABI, "unsupported OS ABI (want System V or GNU)")                     \
	E(ELF_E_MACHINE, "not an x86_64 file")                                          \
	E(ELF_E_TYPE_DYN, "position-independent executable (ET_DYN): not supported yet, " \
			  "link with -static -no-pie")                                  \
	E(ELF_E_TYPE, "not an executable (want ET_EXEC)")                               \
	E(ELF_E_EHSIZE, "ELF header size is not 64")                                    \
	E(ELF_E_PHENTSIZE, "program header size is not 56")                             \
	E(ELF_E_PHNUM, "no program headers, or an extended count")                      \
	E(ELF_E_PHOFF, "program header table lies outside the file")                    \
	E(ELF_E_INTERP, "has PT_INTERP: dynamically linked, not supported")             \
	E(ELF_E_DYNAMIC, "has PT_DYNAMIC: dynamically linked, not supported")           \
	E(ELF_E_SEG_FILE, "segment's file range lies outside the file")                 \
	E(ELF_E_SEG_FILESZ, "segment's file size exceeds its memory size")              \
	E(ELF_E_SEG_WRAP, "segment's address range wraps around")                       \
	E(ELF_E_SEG_USER, "segment lies outside the user address range")                \
	E(ELF_E_SEG_ALIGN, "segment alignment is not a power of two")                   \
	E(ELF_E_SEG_CONGRUENT, "segment's address and file offset differ mod 4096")     \
	E(ELF_E_SEG_WX, "segment is writable and executable (W^X)")                     \
	E(ELF_E_SEG_OVERLAP, "segments overlap")                                        \
	E(ELF_E_PAGE_WX, "segments sharing a page would make it writable and executable") \
	E(ELF_E_TOO_MANY, "too many loadable segments")                                 \
	E(ELF_E_NO_LOAD, "no loadable segment")                                         \
	E(ELF_E_ENTRY, "entry point not inside an executable segment")                  \
	E(ELF_E_DUPLICATE, "PT_TLS or PT_GNU_STACK appears twice")                      \
	E(ELF_E_TLS, "TLS segment invalid")                                             \
	E(ELF_E_STACK_EXEC, "executable stack requested (W^X)")

enum elf_error {
#define E(name, text) name,
	ELF_ERRORS(E)
#undef E
};

/* Rights, with the values of ELF's p_flags (PF_X, PF_W, PF_R). */
#define ELF_X 1u
#define ELF_W 2u
#define ELF_R 4u

/* Page-sharing marks on a segment (segments are sorted by vaddr). */
#define ELF_SHARES_PREV 1u	/* first page also holds the previous segment's bytes */
#define ELF_SHARES_NEXT 2u	/* last page also holds the next segment's bytes */

struct elf_segment {
	uint64_t vaddr;		/* memsz > 0; [vaddr, vaddr + memsz) inside the user range */
	uint64_t memsz;
	uint64_t offset;	/* [offset, offset + filesz) inside the file */
	uint64_t filesz;	/* <= memsz */
	uint32_t rights;	/* ELF_R | ELF_W | ELF_X, never W and X together */
	uint32_t shares;	/* ELF_SHARES_* */
};

struct elf_tls {
	uint64_t vaddr;		/* initialisation image, inside a loaded segment */
	uint64_t offset;	/* its bytes in the file */
	uint64_t filesz;
	uint64_t memsz;		/* >= filesz; the rest of each thread's block is zero */
	uint64_t align;		/* a power of two (0 in the file is reported as 1) */
};

struct elf_image {
	uint64_t entry;
	uint64_t lo, hi;	/* page-rounded span of all segments: [lo, hi) */
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	unsigned n_segments;
	bool has_tls;
	struct elf_tls tls;
	bool has_stack_flags;	/* PT_GNU_STACK present */
	uint32_t stack_rights;	/* its flags; ELF_R | ELF_W when absent */
};

#define ELF_DIAG_HEADER (-1)

/*
 * Where a parse failed: the error, the byte offset in the file of the field that broke
 * the rule (for a missing or truncated header, 0), and the program header's index
 * (ELF_DIAG_HEADER when the fault is in the ELF header itself).
 */
struct elf_diag {
	enum elf_error error;
	uint64_t offset;
	int phdr;
};

/*
 * Parse the ELF file at `buf`, readable for `len` bytes; segments must lie inside the
 * user range [user_lo, user_hi), whose bounds must be multiples of ELF_PAGE_SIZE (so the
 * page-rounded span cannot wrap; they are the kernel's constants, not input). Returns ELF_OK and fills `out`, or an error with `diag`
 * set (and `out` not to be used).
 */
enum elf_error elf_parse(const void *buf, size_t len, uint64_t user_lo, uint64_t user_hi,
			 struct elf_image *out, struct elf_diag *diag);

const char *elf_strerror(enum elf_error e);

#endif
