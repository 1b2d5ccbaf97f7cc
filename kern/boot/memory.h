/*
 * Physical memory at boot (kern/boot/memory.c): the RAM the direct map covers, the
 * device ranges the kernel keeps for itself, and the rest handed to the root task as
 * untyped capabilities.
 */
#ifndef WRIT_BOOT_MEMORY_H
#define WRIT_BOOT_MEMORY_H

#include <stdint.h>

struct mb2_info;

/* MMIO the kernel drives (local APIC, IOAPICs): never handed out as device untyped. */
void boot_reserve_device(uint64_t base, uint64_t len);
/* A naturally aligned free block of 2^bits bytes for the root task's objects. */
uint64_t boot_region(const struct mb2_info *mb, unsigned bits);
/* Map all the RAM the boot information lists (up to the direct map's limit). */
void boot_map_ram(const struct mb2_info *mb);
/* Every free range, as untyped capabilities in the root task's CNode. */
void root_give_memory(const struct mb2_info *mb, uint64_t boot_base, unsigned boot_bits);

#endif
