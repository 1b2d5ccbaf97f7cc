/*
 * Carving physical memory into untyped blocks.
 *
 * At boot every byte of free RAM becomes Untyped capabilities for the root task, and the
 * holes between RAM, where devices live, become device Untypeds. An Untyped of 2^n bytes
 * starts at a multiple of 2^n (retype and revoke rely on it), so a range of memory is
 * handed out as a list of naturally aligned power-of-two blocks. This file computes that
 * list; it touches no memory, allocates nothing and is pure C, so the host tests run the
 * same code against a byte-by-byte model.
 *
 * The model. Ranges are [base, base + len); inputs may come in any order, overlap, touch
 * or be empty: each function first works out the exact set of bytes it describes,
 *     RAM untyped     = (union of ram) minus (union of reserved)
 *     device untyped  = ([0, limit) minus (union of ram)) plus (union of force)
 * then rounds each maximal run of that set inward to whole 4 KiB pages (a page that is
 * only partly in the set is given to nobody), and splits each run greedily from its low
 * end: at each step the largest block that is aligned to its size, fits in what is
 * left of the run, and lies between 2^CARVE_MIN_BITS and 2^CARVE_MAX_BITS bytes. The
 * result is sorted by address; two blocks of one size are never buddies (they would
 * have been taken as one block), except at the 2^CARVE_MAX_BITS cap.
 *
 * What the kernel passes (decisions, kept here so they are made once):
 *  - RAM is the multiboot2 map's type 1 (available) regions. Reserved is the kernel
 *    image, the boot modules (handed out as frames instead), the multiboot information,
 *    whatever the kernel allocated before carving, and the first MiB
 *    ([0, CARVE_LOW_RESERVED)): page 0 stays unmapped to catch null pointers, and the
 *    kernel keeps low pages for the application processors' real-mode trampoline; the
 *    few hundred KiB are not worth handing out.
 *  - "ram" for carve_device is every map region of type 1 (available: it is RAM, not
 *    MMIO) and type 5 (bad memory: nobody should touch it). Everything else below the
 *    limit is device memory: holes the map does not list (the PCI hole with the
 *    framebuffer and BARs, the APIC and I/O APIC pages, the legacy VGA window) and
 *    firmware regions of types 2, 3 and 4 (reserved, ACPI tables, ACPI NVS), so a
 *    user-level ACPI or platform server can map them. `limit` is at least 4 GiB and
 *    should be 2^MAXPHYADDR (CPUID 0x80000008) so 64-bit BARs are covered too.
 *  - "force" for carve_device lists regions that must be device memory whatever the map
 *    says: the framebuffer, so a display driver can always map it. If firmware lists it
 *    as available RAM, the kernel must also pass it as reserved to carve_ram, so no byte
 *    is ever both RAM and device untyped. Forced ranges should be page-aligned, as
 *    framebuffers are; a partial page at either end is dropped like any other.
 */
#ifndef WRIT_CARVE_H
#define WRIT_CARVE_H

#include <stdint.h>

#define CARVE_MIN_BITS 12
#define CARVE_MAX_BITS 47
#define CARVE_LOW_RESERVED 0x100000ull	/* the first MiB: reserved by the kernel, see above */

#define CARVE_ERRORS(E)                                                          \
	E(CARVE_OK, "no error")                                                  \
	E(CARVE_E_RANGE, "a range runs past the end of the address space")       \
	E(CARVE_E_NO_ROOM, "more blocks than room in the output")

enum carve_error {
#define E(name, text) name,
	CARVE_ERRORS(E)
#undef E
};

struct carve_range {
	uint64_t base;
	uint64_t len;		/* base + len <= UINT64_MAX, else CARVE_E_RANGE */
};

struct carve_block {
	uint64_t base;		/* a multiple of 2^size_bits */
	unsigned size_bits;	/* CARVE_MIN_BITS..CARVE_MAX_BITS */
};

/*
 * Free RAM as untyped blocks: (ram minus reserved), see above. Writes the blocks to
 * out[0..max_out) and their number to *n_out. Errors: CARVE_E_RANGE (nothing written,
 * *n_out = 0) if a range wraps; CARVE_E_NO_ROOM if more than max_out blocks are needed:
 * the first max_out are written and *n_out says how many the whole result needs.
 */
enum carve_error carve_ram(const struct carve_range *ram, unsigned n_ram,
			   const struct carve_range *reserved, unsigned n_reserved,
			   struct carve_block *out, unsigned max_out, unsigned *n_out);

/*
 * Device memory as untyped blocks: ([0, limit) minus ram) plus force, see above. Same
 * output and errors as carve_ram().
 */
enum carve_error carve_device(const struct carve_range *ram, unsigned n_ram,
			      const struct carve_range *force, unsigned n_force,
			      uint64_t limit, struct carve_block *out, unsigned max_out,
			      unsigned *n_out);

const char *carve_strerror(enum carve_error e);

#endif
