/*
 * The kernel's own function symbols, linked into the image (see kern/tools/gen_ksyms.py),
 * so a panic names the functions in its backtrace without any host help.
 */
#ifndef WRIT_KERN_KSYMS_H
#define WRIT_KERN_KSYMS_H

#include <stdint.h>

/* Name of the function containing `addr`, and the offset into it; NULL if none. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* The table itself, generated from the first link (kern/tools/gen_ksyms.py). */
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offsets[];
extern const char ksyms_names[];
extern const uint32_t ksyms_count;
/* The linker script's bounds of the kernel's code. */
extern char _text_start[], _text_end[];

#endif
