/*
 * The kernel's own function symbols, linked into the image (see kern/tools/gen_ksyms.py),
 * so a panic names the functions in its backtrace without any host help.
 */
#ifndef WRIT_KERN_KSYMS_H
#define WRIT_KERN_KSYMS_H

#include <stdint.h>

/* Name of the function containing `addr`, and the offset into it; NULL if none. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
