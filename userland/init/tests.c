/*
 * The kernel-core tests, run by the root task. Group `kern`.
 */
#include <writ/writ.h>

#include "init.h"

static void
test_bootinfo(void)
{
	const struct writ_bootinfo *bi = init.bi;

	check(bi->magic == WRIT_BOOTINFO_MAGIC && bi->version == 1, "kern/bootinfo-magic",
	      "magic %lx version %u", bi->magic, bi->version);
	check(bi->n_untyped > 0 && init.ram_bits >= 20, "kern/bootinfo-untyped",
	      "%u untyped, largest 2^%u", bi->n_untyped, init.ram_bits);
	check(bi->first_empty_slot > WRIT_SLOT_FIRST_FREE_FIXED &&
	      bi->first_empty_slot < (1u << bi->root_cnode_radix), "kern/bootinfo-slots",
	      "first empty slot %u", bi->first_empty_slot);
}

void
tests_run(void)
{
	test_bootinfo();
}
