/*
 * /bench/proc: spawn a tiny static program, let it exit, wait for it — the whole round
 * trip through init (bench proc/spawn-exit-wait). Under -icount the TSC counts
 * instructions, kernel and init included.
 */
#include <writ/proc.h>
#include <writ/writ.h>

#define ROUNDS 101

static uint64_t
median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

int
main(void)
{
	static uint64_t t[ROUNDS];
	const char *argv[] = { "/test/bin/exit-with", "0", NULL };
	unsigned bad = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = __builtin_ia32_rdtsc();
		writ_cptr_t child;

		if (writ_spawn(argv[0], argv, NULL, &child) < 0 || writ_proc_wait(child) != 0)
			bad++;
		t[i] = __builtin_ia32_rdtsc() - t0;
	}
	if (bad) {
		writ_printf("# bench proc: %u of %u rounds failed\n", bad, ROUNDS);
		return 1;
	}
	writ_printf("bench proc/spawn-exit-wait %lu instructions\n", (unsigned long)median(t, ROUNDS));
	return 0;
}
