/*
 * policy figures (issue 21), in TSC ticks (instructions under -icount), medians after
 * a warm-up: open + close of a file through the root policy and through a weakened
 * one (the difference is the glob check), a weaken, and the revoke of a tree of N
 * derived policies (every fifth with an open file, at most 200 fds) — total and per
 * node, at N = 100 and 1,000 (file: holds at most 4,096 records: 10,000 does not fit).
 */
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/writ.h>

#define RUNS 64

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

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

static uint64_t
open_close(writ_cptr_t p)
{
	static uint64_t t[RUNS];

	for (int k = -8; k < RUNS; k++) {
		uint64_t t0 = rdtsc();
		int fd = writ_open_via(p, "/tmp/bench-policy.txt", O_RDONLY, 0);

		writ_close(fd);
		if (fd < 0) {
			writ_printf("bench policy: open %d\n", fd);
			return 0;
		}
		if (k >= 0)
			t[k] = rdtsc() - t0;
	}
	return median(t, RUNS);
}

static void
revoke_tree(writ_cptr_t root, unsigned n)
{
	static writ_cptr_t caps[1000];
	writ_cptr_t top = 0;
	unsigned fds = 0, made = 0;
	uint64_t t0, t;
	long r;

	if (writ_policy_weaken(root, "file:/tmp/**:r", &top, NULL) != 0)
		return;
	for (; made < n - 1 && made < 1000; made++) {
		if (writ_policy_weaken(top, "file:/tmp/*.txt:r", &caps[made], NULL) != 0)
			break;
		if (made % 5 == 0 && fds < 200 &&
		    writ_open_via(caps[made], "/tmp/bench-policy.txt", O_RDONLY, 0) >= 0)
			fds++;
	}
	t0 = rdtsc();
	r = writ_policy_revoke(top);
	t = rdtsc() - t0;
	if (r != (long)(made + 1 + fds)) {
		writ_printf("bench policy: revoke of %u: %ld records, %u policies %u fds made\n",
			    n, r, made + 1, fds);
		return;
	}
	writ_printf("bench policy/revoke-%u %lu instructions\n", n, t);
	writ_printf("bench policy/revoke-%u-per-node %lu instructions\n", n, t / (unsigned long)r);
	for (unsigned i = 0; i < made; i++)
		writ_policy_drop(caps[i]);
	writ_policy_drop(top);
	for (int fd = 3; fd < WRIT_FD_MAX; fd++)
		if (writ_fd_cap(fd))
			writ_close(fd);
}

int
main(void)
{
	static uint64_t t[RUNS];
	writ_cptr_t root = writ_scheme_cap("file"), weak = 0;
	int fd = writ_open("/tmp/bench-policy.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	uint64_t via_root, via_weak;

	writ_close(fd);
	if (fd < 0 || writ_policy_weaken(root, "file:/tmp/*.txt:r", &weak, NULL) != 0) {
		writ_printf("bench policy: cannot set up: %d\n", fd);
		return 1;
	}
	via_root = open_close(root);
	via_weak = open_close(weak);
	writ_printf("bench policy/open-close-root %lu instructions\n", via_root);
	writ_printf("bench policy/open-close-weakened %lu instructions\n", via_weak);
	for (int k = -4; k < RUNS; k++) {
		writ_cptr_t c = 0;
		uint64_t t0 = rdtsc();

		if (writ_policy_weaken(weak, "file:/tmp/bench-*.txt:r", &c, NULL) != 0) {
			writ_printf("bench policy: weaken failed\n");
			return 1;
		}
		if (k >= 0)
			t[k] = rdtsc() - t0;
		writ_policy_drop(c);
	}
	writ_printf("bench policy/weaken %lu instructions\n", median(t, RUNS));
	writ_policy_drop(weak);
	revoke_tree(root, 100);
	revoke_tree(root, 1000);
	writ_unlink("/tmp/bench-policy.txt");
	return 0;
}
