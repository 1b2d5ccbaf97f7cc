/*
 * bench.c - host figures for cspace/: `bench cspace/NAME VALUE UNIT accel=host`, each
 * the median of several runs. Built -O2 without sanitizers or asserts. Not a test:
 * it never fails on a figure.
 *
 * Lookups resolve a fixed cptr through 1, 2 and 4 levels of radix-8 CNodes. Copy, Mint
 * and Delete work on 16384 slots per run. Revoke deletes N copies of one endpoint
 * capability (ns per capability: flat means linear total cost), a random tree of
 * copies scattered over a big CNode, and an untyped's 10^5 endpoints (each deletion
 * then finalises an object).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUNS 7

static struct world W;
static struct cte *volatile sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void
must(int err, const char *what)
{
	if (err != WRIT_OK) {
		printf("# bench setup failed: %s: %s\n", what, writ_error_name(err));
		exit(1);
	}
}

static void
bench_lookup(const char *name, writ_cptr_t cptr, unsigned depth)
{
	double v[RUNS];
	struct cnode_fault f;
	struct cte *s;
	const long n = 2000000;

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (long i = 0; i < n; i++) {
			must(cnode_lookup_cap(&W.boot, cptr, depth, &s, &f), name);
			sink = s;
		}
		v[r] = (now_ns() - t0) / n;
	}
	printf("bench cspace/%s %.1f ns accel=host\n", name, median(v, RUNS));
}

/* Copy (or Mint) into every slot of dest, then delete them all; three figures. */
static void
bench_copy_mint_delete(struct cte *src, struct cte *dest, unsigned nslots)
{
	double vc[RUNS], vm[RUNS], vd[RUNS], t0;

	for (int r = 0; r < RUNS; r++) {
		t0 = now_ns();
		for (unsigned i = 0; i < nslots; i++)
			must(cte_copy(&W.cs, &dest[i], src, WRIT_RIGHT_READ), "copy");
		vc[r] = (now_ns() - t0) / nslots;
		t0 = now_ns();
		for (unsigned i = 0; i < nslots; i++)
			must(cte_delete(&W.cs, &dest[i]), "delete");
		vd[r] = (now_ns() - t0) / nslots;
		t0 = now_ns();
		for (unsigned i = 0; i < nslots; i++)
			must(cte_mint(&W.cs, &dest[i], src, WRIT_RIGHT_WRITE, i + 1), "mint");
		vm[r] = (now_ns() - t0) / nslots;
		for (unsigned i = 0; i < nslots; i++)
			must(cte_delete(&W.cs, &dest[i]), "delete");
	}
	printf("bench cspace/copy %.1f ns accel=host\n", median(vc, RUNS));
	printf("bench cspace/mint %.1f ns accel=host\n", median(vm, RUNS));
	printf("bench cspace/delete %.1f ns accel=host\n", median(vd, RUNS));
}

static void
bench_revoke(struct cte *src, struct cte *dest, unsigned n, const char *name)
{
	double v[RUNS], total[RUNS];
	int runs = n >= 1000000 ? 5 : RUNS;

	for (int r = 0; r < runs; r++) {
		double t0;

		for (unsigned i = 0; i < n; i++)
			must(cte_copy(&W.cs, &dest[i], src, WRIT_RIGHT_READ), "revoke setup");
		t0 = now_ns();
		must(cte_revoke(&W.cs, src), "revoke");
		total[r] = now_ns() - t0;
		v[r] = total[r] / n;
	}
	printf("bench cspace/%s %.1f ns accel=host\n", name, median(v, runs));
	if (n >= 1000000)
		printf("bench cspace/%s-total %.1f ms accel=host\n", name,
		       median(total, runs) / 1e6);
}

/*
 * The unfriendly shape: a random tree (each copy made from a random earlier one) laid
 * out at random slots, so every step of the revoke is a cache miss.
 */
static void
bench_revoke_scattered(struct cte *src, struct cte *dest, unsigned n, const char *name)
{
	double v[5];
	unsigned *pos = malloc(n * sizeof(*pos));
	uint64_t x = 88172645463325252ull;

	for (unsigned i = 0; i < n; i++)
		pos[i] = i;
	for (int r = 0; r < 5; r++) {
		double t0;

		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j, t;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			j = (unsigned)(x % (i + 1));
			t = pos[i], pos[i] = pos[j], pos[j] = t;
		}
		for (unsigned i = 0; i < n; i++) {
			struct cte *from = src;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (i > 0 && x % 4 != 0)
				from = &dest[pos[x % i]];
			must(cte_copy(&W.cs, &dest[pos[i]], from, WRIT_RIGHT_READ), "tree setup");
		}
		t0 = now_ns();
		must(cte_revoke(&W.cs, src), "revoke");
		v[r] = (now_ns() - t0) / n;
	}
	free(pos);
	printf("bench cspace/%s %.1f ns accel=host\n", name, median(v, 5));
}

/* Revoke of an untyped holding n endpoints: each deletion finalises an object. */
static void
bench_revoke_objects(struct cte *sub, const struct cap *cnode, unsigned n, const char *name)
{
	double v[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0;

		for (unsigned i = 0; i < n; i += UT_RETYPE_MAX_COUNT) {
			unsigned k = n - i < UT_RETYPE_MAX_COUNT ? n - i : UT_RETYPE_MAX_COUNT;

			must(ut_retype(&W.cs, sub, WRIT_OBJ_ENDPOINT, 0, cnode, i, k),
			     "endpoints");
		}
		t0 = now_ns();
		must(cte_revoke(&W.cs, sub), "revoke untyped");
		v[r] = (now_ns() - t0) / n;
	}
	printf("bench cspace/%s %.1f ns accel=host\n", name, median(v, RUNS));
}

int
main(void)
{
	struct cte *a, *b, *c, *d, *e;

	world_init(&W, 26, 8);
	printf("bench cspace/slot-size %zu bytes accel=host\n", sizeof(struct cte));
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_CNODE, 20, &W.boot, 10, 1), "cnode 2^20");
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_CNODE, 14, &W.boot, 11, 1), "cnode 2^14");
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_CNODE, 8, &W.boot, 1, 1), "cnode A");
	a = cnode_slots(&W.slots[1].cap);
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_CNODE, 8, &W.slots[1].cap, 2, 1), "cnode B");
	b = cnode_slots(&a[2].cap);
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_CNODE, 8, &a[2].cap, 3, 1), "cnode C");
	c = cnode_slots(&b[3].cap);
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_ENDPOINT, 0, &W.boot, 5, 2), "endpoints");
	must(cte_copy(&W.cs, &a[7], &W.slots[5], WRIT_RIGHTS_ALL), "copy a[7]");
	must(cte_copy(&W.cs, &c[4], &W.slots[5], WRIT_RIGHTS_ALL), "copy c[4]");
	d = cnode_slots(&W.slots[11].cap);
	e = cnode_slots(&W.slots[10].cap);

	bench_lookup("lookup-1level", 5, 8);
	bench_lookup("lookup-2level", 1 << 8 | 7, 16);
	bench_lookup("lookup-4level", 1 << 24 | 2 << 16 | 3 << 8 | 4, 32);
	bench_copy_mint_delete(&W.slots[5], d, 1u << 14);
	bench_revoke(&W.slots[6], e, 1000, "revoke-1e3");
	bench_revoke(&W.slots[6], e, 10000, "revoke-1e4");
	bench_revoke(&W.slots[6], e, 100000, "revoke-1e5");
	bench_revoke(&W.slots[6], e, 1000000, "revoke-1e6");
	bench_revoke_scattered(&W.slots[6], e, 100000, "revoke-tree-scattered-1e5");
	bench_revoke_scattered(&W.slots[6], e, 1000000, "revoke-tree-scattered-1e6");
	must(ut_retype(&W.cs, W.ut, WRIT_OBJ_UNTYPED, 21, &W.boot, 20, 1), "sub-untyped");
	bench_revoke_objects(&W.slots[20], &W.slots[10].cap, 100000,
			     "revoke-untyped-objects-1e5");
	world_free(&W);
	return 0;
}
