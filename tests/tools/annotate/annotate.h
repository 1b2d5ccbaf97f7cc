/*
 * writ-annotate: explains the kernel's fault dumps on the host.
 *
 * The kernel can only print a symbol and an offset (its .ksyms table); the host has the
 * ELF with its DWARF, so the source line and the instructions around a faulting RIP are
 * worked out here, after the fact, from the serial log. Every input is treated as
 * hostile: the log may be cut off or full of noise, and an ELF may be missing,
 * truncated or garbage. Nothing in either may crash the tool, because it sits in the
 * pipe between QEMU and the terminal and taking it down would take the console with it.
 */
#ifndef WRIT_ANNOTATE_H
#define WRIT_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A PT_LOAD segment, already checked to lie inside the file and not to wrap. */
struct elf_seg {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
};

/* A function symbol; name points into the file's string table, NUL-terminated. */
struct elf_sym {
	uint64_t value;
	uint64_t size;
	const char *name;
};

struct elf_file {
	const char *path;
	char *base;		/* file name without directories and extension */
	unsigned char *data;
	size_t size;
	struct elf_seg *segs;
	size_t nsegs;
	struct elf_sym *syms;	/* sorted by value */
	size_t nsyms;
};

/* elf.c */
int elf_open(struct elf_file *ef, const char *path, char *why, size_t whylen);
void elf_close(struct elf_file *ef);
bool elf_contains(const struct elf_file *ef, uint64_t addr);
const struct elf_sym *elf_sym_at(const struct elf_file *ef, uint64_t addr);
size_t elf_code_at(const struct elf_file *ef, uint64_t addr, uint64_t *seg_start,
		   const unsigned char **bytes);

/* srcline.c: source positions through addr2line, innermost inlined function first. */
#define SRC_MAX_FRAMES 8

struct src_frame {
	char func[256];
	char file[512];
	unsigned long line;
};

int src_lookup(const char *elf_path, uint64_t addr, const char *root,
	       struct src_frame *out, int max);

/* disasm.c */
void disasm_around(FILE *out, const char *eol, const struct elf_file *ef, uint64_t rip);

#define ANNOTATION "    = "

#endif
