#ifndef WRIT_KERN_BOOT_H
#define WRIT_KERN_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* Physical memory 0..4 GiB is mapped here by the boot page tables. */
#define KERN_DIRECT_MAP 0xffff800000000000ull
#define KERN_IMAGE_BASE 0xffffffff80000000ull

/* isa-debug-exit: QEMU exits with (value << 1) | 1; the test runner maps these back. */
#define WRIT_DEBUG_EXIT_PORT 0xf4
#define WRIT_EXIT_PASS 0x10
#define WRIT_EXIT_FAIL 0x11
#define WRIT_EXIT_PANIC 0x12

extern uint64_t boot_entry_tsc;
extern char _kernel_phys_start[], _kernel_phys_end[];

/* Kernel command line: is `word` one of its space-separated words (or word=...)? */
/* kern/boot/cmdline.c */
bool cmdline_has(const char *word);
/* The value of `key=value` on the command line, or NULL. */
const char *cmdline_value(const char *key, char *buf, unsigned n);

bool boot_is_test(void);
void boot_exit_qemu(uint8_t code) __attribute__((noreturn));

/* kern/main.c: the kernel's C entry, from boot.asm; the boot information as parsed. */
struct mb2_info;
void kmain(uint32_t magic, uint64_t info_phys);
extern uint64_t boot_info_phys;
const struct mb2_info *boot_information(void);

#endif
