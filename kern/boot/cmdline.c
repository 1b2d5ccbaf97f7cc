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

#include <kern/boot.h>
#include <kern/string.h>

#include <arch/cpu.h>
#include "boot/mb2.h"

/* Start of the word `key` (followed by end, space or '='), or NULL. */
static const char *
find_word(const char *key)
{
	const char *s = boot_information()->cmdline;
	size_t n = strlen(key);

	if (!s)		/* a panic before the boot information was read */
		return NULL;
	while (*s) {
		while (*s == ' ')
			s++;
		if (strncmp(s, key, n) == 0 && (s[n] == 0 || s[n] == ' ' || s[n] == '='))
			return s;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

bool
cmdline_has(const char *word)
{
	return find_word(word) != NULL;
}

const char *
cmdline_value(const char *key, char *buf, unsigned n)
{
	const char *s = find_word(key);
	unsigned i = 0;

	if (!s || n == 0 || s[strlen(key)] != '=')
		return NULL;
	for (s += strlen(key) + 1; *s && *s != ' ' && i + 1 < n; s++)
		buf[i++] = *s;
	buf[i] = 0;
	return buf;
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
