/*
 * Symbol lookup for backtraces. The table is generated from the first link of the kernel
 * (kern/tools/gen_ksyms.py) and linked into the .ksyms section, which the linker script
 * places after all code and data, so adding the table moves no function: the addresses
 * in it are the final ones. The build checks that by comparing both links' symbols.
 */
#include <stddef.h>

#include <kern/ksyms.h>

const char *
ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	uint32_t lo = 0, hi = ksyms_count;

	if (addr < (uint64_t)_text_start || addr >= (uint64_t)_text_end || hi == 0)
		return NULL;
	/* Find the last symbol at or below addr. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_addrs[lo] > addr)
		return NULL;
	*offset = addr - ksyms_addrs[lo];
	return ksyms_names + ksyms_name_offsets[lo];
}
