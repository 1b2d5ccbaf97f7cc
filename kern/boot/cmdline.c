/*
 * The kernel command line (from GRUB's multiboot2 line), as space-separated words:
 *   test        run the in-kernel self-tests, then leave QEMU through isa-debug-exit
 *   fault=KIND  (test boots) trigger a CPU exception on purpose: pf, ud, gp, de
 *   hold        (test boots) after the self-tests, wait for a byte on COM1 before
 *               leaving QEMU, so the runner can inspect the machine meanwhile
 *   exit        leave QEMU once booted (benchmarks)
 *   check       (debug kernels) run the cspace invariant checker after every syscall
 *   nofastpath  every IPC takes the full path (the tests compare both ways)
 * Unknown words are ignored, so a GRUB user's typo cannot stop the boot.
 */
#include <stdbool.h>

#include <portable/cmdline.h>

#include <kern/boot.h>

#include <arch/cpu.h>
#include "boot/mb2.h"

bool
cmdline_has(const char *word)
{
	/* The line is NULL in a panic before the boot information was read. */
	return cmdline_word(boot_information()->cmdline, word) != NULL;
}

const char *
cmdline_value(const char *key, char *buf, unsigned n)
{
	return cmdline_word_value(boot_information()->cmdline, key, buf, n);
}

bool
boot_is_test(void)
{
	return cmdline_has("test");
}

void
boot_exit_qemu(uint8_t code)
{
	/* Only QEMU's isa-debug-exit listens here; on a real PC the write does nothing. */
	x86_outl(WRIT_DEBUG_EXIT_PORT, code);
	x86_cli();
	for (;;)
		x86_hlt();
}
