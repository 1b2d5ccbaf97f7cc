/*
 * The kernel suite's set-up, shared by its tests (/test/kern) and benchmarks
 * (/bench/kern). init starts it with a BootInfo view of what it lent it, laid out as
 * the root task's (the control capabilities, device memory, most of the RAM, COM1), so
 * the suite exercises the kernel exactly as a root task would.
 */
#include <portable/cmdline.h>
#include <portable/tap.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "init.h"

struct init_state init;

writ_cptr_t
slot_alloc(void)
{
	if (init.next_slot >= (1u << init.bi->root_cnode_radix)) {
		writ_printf("# kernel suite: out of CNode slots\n");
		writ_exit(2);
	}
	return init.next_slot++;
}

/* One call per line, so a line goes out whole. */
static void
write_line(const char *line)
{
	writ_printf("%s", line);
}

/* The test-output format every Writ test shares (portable/tap.h). */
static struct tap tap = { .vformat = writ_vsnprintf, .write = write_line };

void
check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!tap_vcheck(&tap, ok, name, fmt, ap))
		init.failures++;
	va_end(ap);
}

void
check_err(long got, long want, const char *name)
{
	check(got == want, name, "got %s, want %s", writ_error_name((int)got),
	      writ_error_name((int)want));
}

/* The largest RAM untyped BootInfo lists: the tests' memory. */
static void
find_memory(void)
{
	unsigned best = 0;

	for (unsigned i = 0; i < init.bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &init.bi->untyped[i];

		if (!u->is_device && u->size_bits > best) {
			best = u->size_bits;
			init.ram = u->slot;
			init.ram_bits = u->size_bits;
		}
		if (u->is_device && !init.device)
			init.device = u->slot;
	}
}

/* Is `word` one of the space-separated words of the kernel command line? */
bool
cmdline_has(const char *word)
{
	return cmdline_word(init.bi->cmdline, word) != NULL;
}

void
suite_init(void)
{
	init.bi = (const struct writ_bootinfo *)WRIT_BOOTINFO_VADDR;
	init.next_slot = init.bi->first_empty_slot;
	find_memory();
}

/* Swap-free selection of the median (quickselect; the order of v is lost). */
uint64_t
median_of(uint64_t *v, unsigned n)
{
	unsigned lo = 0, hi = n - 1, k = n / 2;

	while (lo < hi) {
		uint64_t pivot = v[(lo + hi) / 2], t;
		unsigned i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}
