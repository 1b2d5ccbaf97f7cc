/*
 * Multiboot2 boot information: a validating parser.
 *
 * The boot loader's information is the first input the kernel reads, and it is not ours:
 * a buggy loader, a hand-made ISO or a fuzzer can hand us anything. mb2_parse() reads it
 * once, checks every size, offset and range before using it, and either fills a struct
 * mb2_info the rest of the kernel can trust or says exactly what is wrong and where.
 * It touches nothing but the buffer it is given (never beyond `avail` bytes), allocates
 * nothing, and is pure C, so host tests run the same code on crafted buffers.
 */
#ifndef WRIT_MB2_H
#define WRIT_MB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOT_MAGIC 0x36d76289u
#define MB2_MAX_REGIONS 128
#define MB2_MAX_MODULES 32

#define MB2_ERRORS(E)                                                             \
	E(MB2_OK, "no error")                                                     \
	E(MB2_E_MAGIC, "not started by a multiboot2 loader (bad magic)")          \
	E(MB2_E_ALIGN, "information not 8-byte aligned")                          \
	E(MB2_E_TOTAL_SIZE, "total size implausible")                             \
	E(MB2_E_TAG_TRUNCATED, "tag runs past the end of the information")        \
	E(MB2_E_TAG_SIZE, "tag too small for its type")                           \
	E(MB2_E_NO_END, "no end tag")                                             \
	E(MB2_E_END_MISPLACED, "end tag does not end the information")            \
	E(MB2_E_STRING, "string not terminated inside its tag")                   \
	E(MB2_E_DUPLICATE, "tag that may appear once appears twice")              \
	E(MB2_E_MMAP_ENTRY, "memory map entry size or version invalid")           \
	E(MB2_E_MMAP_RANGE, "memory map region wraps around")                     \
	E(MB2_E_MMAP_OVERLAP, "usable memory map regions overlap")                \
	E(MB2_E_NO_MMAP, "no memory map")                                         \
	E(MB2_E_TOO_MANY, "too many memory regions or modules")                   \
	E(MB2_E_MODULE_RANGE, "module ends before it starts")                     \
	E(MB2_E_MODULE_OUTSIDE_RAM, "module lies outside usable RAM")             \
	E(MB2_E_MODULE_OVERLAP, "module overlaps another module or the kernel")   \
	E(MB2_E_FRAMEBUFFER, "framebuffer description invalid")

enum mb2_error {
#define E(name, text) name,
	MB2_ERRORS(E)
#undef E
};

/* Memory map types, as multiboot2 numbers them. */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BAD 5

struct mb2_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct mb2_module {
	uint64_t start;		/* physical, inclusive */
	uint64_t end;		/* physical, exclusive */
	const char *cmdline;	/* points into the information buffer */
};

#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

struct mb2_framebuffer {
	uint64_t addr;		/* physical */
	uint32_t pitch;		/* bytes per row (EGA text: per row of cells) */
	uint32_t width;		/* pixels, or character cells for EGA text */
	uint32_t height;
	uint8_t bpp;
	uint8_t type;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct mb2_info {
	const char *cmdline;		/* "" when the loader gave none */
	const char *loader_name;	/* "" when the loader gave none */
	struct mb2_region regions[MB2_MAX_REGIONS];
	unsigned n_regions;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned n_modules;
	bool has_framebuffer;
	struct mb2_framebuffer fb;
	uint64_t rsdp_offset;		/* offset of the RSDP copy in the buffer, 0 = none */
	uint8_t rsdp_version;		/* 1: ACPI 1.0 RSDP (tag 14); 2: XSDP (tag 15) */
	uint64_t ram_bytes;		/* sum of available regions */
	uint32_t total_size;
};

/* Where a parse failed: the error, and the tag (offset and type) that caused it. */
struct mb2_diag {
	enum mb2_error error;
	uint32_t offset;
	uint32_t tag_type;
};

/*
 * Parse the information at `buf` (readable for `avail` bytes, at physical address
 * `buf_phys`). `kernel_start`/`kernel_end` is the kernel image's physical range, which no
 * module may overlap. Returns MB2_OK and fills `out`, or an error with `diag` set.
 */
enum mb2_error mb2_parse(uint32_t magic, const void *buf, size_t avail,
			 uint64_t kernel_start, uint64_t kernel_end,
			 struct mb2_info *out, struct mb2_diag *diag);

const char *mb2_strerror(enum mb2_error e);

#endif
