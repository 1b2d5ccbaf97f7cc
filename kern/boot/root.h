/*
 * The root task (kern/boot/root.c): built from the first boot module, given every
 * capability the kernel hands out at boot, and started.
 */
#ifndef WRIT_BOOT_ROOT_H
#define WRIT_BOOT_ROOT_H

#include <stdbool.h>
#include <stdint.h>

struct mb2_info;
struct mb2_module;

/* log2 of the boot untyped the root task needs: its CNode, image, stack and tables. */
unsigned root_task_memory_bits(const struct mb2_module *m);
void root_task_start(const struct mb2_info *mb, uint64_t boot_base, unsigned boot_bits);
/* Insert an untyped covering [base, base + 2^bits) into the next root slot. */
void root_give_untyped(uint64_t base, unsigned bits, bool device);

#endif
