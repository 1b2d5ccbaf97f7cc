/*
 * Figures for ./writ bench: `bench policy/NAME VALUE ns accel=host`, each the
 * median over 15 batches of ns per operation. Covers matching of typical and
 * adversarial globs, compile (parse) time, and policy_subset for typical pairs and
 * for the worst case the budget allows (a pair that runs into the budget).
 */
#include "tap.h"

static struct policy pa, pb;
static struct policy_work work;
static char path[POLICY_PATH_MAX + 1];
static char big[POLICY_TEXT_MAX];
static volatile bool sink;

#define BATCHES 15

static int
cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static void
report(const char *name, double *t)
{
        qsort(t, BATCHES, sizeof *t, cmp);
        printf("bench policy/%s %.0f ns accel=host\n", name, t[BATCHES / 2]);
}

static void
parse(struct policy *p, const char *t)
{
        struct policy_err err;

        if (policy_parse(p, t, strlen(t), &err) != POLICY_OK) {
                fprintf(stderr, "bench: '%.60s' refused: %s\n", t, policy_strerror(err.code));
                exit(1);
        }
}

static void
bench_match(const char *name, const char *policy, const char *p, size_t len, int iters)
{
        double t[BATCHES];
        bool yes;

        parse(&pa, policy);
        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();
                for (int i = 0; i < iters; i++) {
                        policy_match(&pa.glob, p, len, &yes);
                        sink = yes;
                }
                t[b] = (tap_now_ns() - t0) / iters;
        }
        report(name, t);
}

static void
bench_compile(const char *name, const char *policy, int iters)
{
        struct policy_err err;
        size_t n = strlen(policy);
        double t[BATCHES];

        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();
                for (int i = 0; i < iters; i++)
                        sink = policy_parse(&pa, policy, n, &err) == POLICY_OK;
                t[b] = (tap_now_ns() - t0) / iters;
        }
        report(name, t);
}

static void
bench_subset(const char *name, const char *child, const char *parent, int iters)
{
        struct policy_verdict v;
        double t[BATCHES];
        int r = 0;

        parse(&pa, child);
        parse(&pb, parent);
        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();
                for (int i = 0; i < iters; i++)
                        r = policy_subset(&pa, &pb, &work, &v);
                t[b] = (tap_now_ns() - t0) / iters;
        }
        printf("# %s: %s, %u states, %llu steps\n", name,
               r ? policy_error_name(r) : v.subset ? "subset" : "not a subset", work.nstates,
               (unsigned long long)work.steps);
        report(name, t);
}

int
main(void)
{
        static const char home[] = "file:/home/u/*.txt:r";
        static const char cls[] = "file:/data/[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]/"
                                  "log-[a-z][!.]*.[a-z][a-z]:r";
        size_t n = 0;

        policy_work_init(&work);
        bench_match("match-home-txt", home, "/home/u/readme.txt", 18, 200000);
        bench_match("match-home-txt-miss", home, "/home/u/sub/readme.txt", 22, 200000);
        bench_match("match-srv-dstar", "file:/srv/**:r", "/srv/www/static/css/site.css", 28, 200000);
        bench_match("match-class-heavy", cls, "/data/2026-11-26/log-kernel.gz", 30, 200000);

        /* Adversarial: a maximal '*' storm and a maximal '**' chain on PATH_MAX paths. */
        n = (size_t)sprintf(big, "file:/");
        while (n < 5 + POLICY_GLOB_MAX - 3)
                n += (size_t)sprintf(big + n, "*a");
        sprintf(big + n, "*b:r");
        path[0] = '/';
        memset(path + 1, 'a', POLICY_PATH_MAX - 1);
        bench_match("match-star-storm-pathmax", big, path, POLICY_PATH_MAX, 10);
        n = (size_t)sprintf(big, "file:");
        while (n < 5 + POLICY_GLOB_MAX - 5)
                n += (size_t)sprintf(big + n, "/**");
        sprintf(big + n, "/b:r");
        for (n = 0; n + 2 < POLICY_PATH_MAX; n += 2)
                memcpy(path + n, "/x", 2);
        path[n - 1] = 'b';
        bench_match("match-dstar-chain-pathmax", big, path, n, 10);

        bench_compile("compile-home-txt", home, 200000);
        bench_compile("compile-class-heavy", cls, 50000);
        bench_compile("compile-dstar-chain-max", big, 500);
        /* Worst compile found: the most distinct classes that still get a table. */
        n = (size_t)sprintf(big, "file:/");
        for (int k = 0; n < 5 + POLICY_GLOB_MAX - 8; k++)
                n += (size_t)sprintf(big + n, "[%c-%c]", 'A' + k % 40, 'A' + k % 40 + 1 + k % 7);
        sprintf(big + n, ":r");
        bench_compile("compile-class-storm-max", big, 500);

        bench_subset("subset-home-txt", "file:/home/u/readme.txt:r", home, 20000);
        bench_subset("subset-srv", "file:/srv/www/**:r", "file:/srv/**:rw", 20000);
        bench_subset("subset-refused-ce", "file:/home/u/*:r", home, 20000);
        bench_subset("subset-class-heavy", cls, "file:/data/**/log-*:r", 5000);
        bench_subset("subset-exponential-budget", "file:/*a????????????????:r",
                     "file:/*a????????????????*:r", 3);
        /* The costliest case found: a maximal '*' storm against a near copy of
         * itself runs until the work budget stops it. */
        n = (size_t)sprintf(big, "file:/");
        while (n < 5 + POLICY_GLOB_MAX - 3)
                n += (size_t)sprintf(big + n, "*a");
        sprintf(big + n, "*b:r");
        {
                static char child[POLICY_TEXT_MAX];
                sprintf(child, "file:/a%s", big + 6);
                bench_subset("subset-worst-budget", child, big, 1);
        }
        return 0;
}
