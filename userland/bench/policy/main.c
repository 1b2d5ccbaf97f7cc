/*
 * policy figures (issue 21), in TSC ticks (instructions under -icount), medians after
 * a warm-up: open + close of a file through the root policy and through a weakened
 * one (the difference is the glob check), a weaken, and the revoke of a tree of N
 * derived policies (every fifth with an open file, at most 200 fds a process) held by
 * at least four processes — total and per node, at N = 100, 1,000 and 10,000.
 */
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
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

/*
 * A child holding `top` (as its file: policy): it weakens it `m` times, opens a file
 * through every fifth (at most 200), says how many of each on fd 1, and holds them
 * until fd 0 ends. A process's CSpace holds about 1,000 capabilities, so a tree of
 * 10,000 is spread over several of them.
 */
static int
child(unsigned m)
{
	writ_cptr_t top = writ_scheme_cap("file"), c;
	uint32_t made[2] = { 0, 0 };
	char b;

	for (; made[0] < m; made[0]++) {
		if (writ_policy_weaken(top, "file:/tmp/*.txt:r", &c, NULL) != 0)
			break;
		if (made[0] % 5 == 0 && made[1] < 200 &&
		    writ_open_via(c, "/tmp/bench-policy.txt", O_RDONLY, 0) >= 0)
			made[1]++;
	}
	if (writ_write(1, made, sizeof(made)) != sizeof(made))
		return 1;
	while (writ_read(0, &b, 1) > 0)
		;
	return 0;
}

#define PER_CHILD 700
#define MAX_KIDS 20

/* Revoke a tree of n policies (top and n - 1 weakened from it) and the files opened
 * through every fifth, held by at least four processes. */
static void
revoke_tree(writ_cptr_t root, unsigned n)
{
	unsigned kids = (n - 1 + PER_CHILD - 1) / PER_CHILD, policies = 1, fds = 0;
	writ_cptr_t top = 0, kid[MAX_KIDS];
	int to[MAX_KIDS][2], from[MAX_KIDS][2];
	uint64_t t0, t;
	long r;

	if (kids < 4)
		kids = 4;
	if (kids > MAX_KIDS || writ_policy_weaken(root, "file:/tmp/**:r", &top, NULL) != 0)
		return;
	for (unsigned i = 0; i < kids; i++) {
		char count[16];
		const char *argv[] = { "/bench/policy", "child", count, NULL };
		/* 1 MiB each (init's default is 4): twenty children at once must fit a
		 * 256 MiB boot beside file:'s 64 MiB and this bench's own 64. */
		struct writ_spawn_opts o = { .quota_bits = 20, .ncaps = 1,
			.caps = { { .slot = (uint32_t)top, .kind = WRIT_SCAP_SCHEME, .name = "file" } } };
		unsigned m = (n - 1) / kids + (i < (n - 1) % kids);
		uint32_t made[2] = { 0, 0 };

		writ_snprintf(count, sizeof(count), "%u", m);
		writ_pipe(to[i]);
		writ_pipe(from[i]);
		int cfds[2] = { to[i][0], from[i][1] };

		if (writ_spawn_opts_fd(&o, cfds[0], 0) != 0 || writ_spawn_opts_fd(&o, cfds[1], 1) != 0 ||
		    writ_spawn(argv[0], argv, &o, &kid[i]) < 0 ||
		    writ_read(from[i][0], made, sizeof(made)) != sizeof(made)) {
			writ_printf("bench policy: revoke of %u: child %u failed\n", n, i);
			return;
		}
		writ_close(to[i][0]);
		writ_close(from[i][1]);
		policies += made[0];
		fds += made[1];
	}
	t0 = rdtsc();
	r = writ_policy_revoke(top);
	t = rdtsc() - t0;
	for (unsigned i = 0; i < kids; i++) {
		writ_close(to[i][1]);           /* the child sees the end and leaves */
		writ_proc_wait(kid[i]);
		writ_close(from[i][0]);
	}
	writ_policy_drop(top);
	if (r != (long)(policies + fds)) {
		writ_printf("bench policy: revoke of %u: %ld records, %u policies %u fds made\n",
			    n, r, policies, fds);
		return;
	}
	writ_printf("bench policy/revoke-%u %lu instructions\n", n, t);
	writ_printf("bench policy/revoke-%u-per-node %lu instructions\n", n, t / (unsigned long)r);
}

int
main(int argc, char **argv)
{
	static uint64_t t[RUNS];
	writ_cptr_t root = writ_scheme_cap("file"), weak = 0;
	int fd;
	uint64_t via_root, via_weak;

	if (argc > 2 && strcmp(argv[1], "child") == 0) {
		unsigned m = 0;

		for (const char *c = argv[2]; *c >= '0' && *c <= '9'; c++)
			m = m * 10 + (unsigned)(*c - '0');
		return child(m);
	}
	fd = writ_open("/tmp/bench-policy.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);

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
		char text[64];
		uint64_t t0;

		/* A text of its own each time: the server compiles every one (one it has
		 * compiled before is only checked against the parent). */
		writ_snprintf(text, sizeof(text), "file:/tmp/bench-%d-*.txt:r", k + 4);
		t0 = rdtsc();
		if (writ_policy_weaken(weak, text, &c, NULL) != 0) {
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
	revoke_tree(root, 10000);
	writ_unlink("/tmp/bench-policy.txt");
	return 0;
}
