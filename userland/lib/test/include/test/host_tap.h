/*
 * The test protocol of the libraries' host tests (memfs, policy, archive, bootconf,
 * chacha): one `ok - GROUP/NAME` or `not ok - GROUP/NAME: why` line per check,
 * diagnostics prefixed "# ", and a non-zero exit when any check failed. A check is a
 * group of cases: it fails with the first case that broke, and the others are printed
 * as diagnostics.
 */
#ifndef TEST_HOST_TAP_H
#define TEST_HOST_TAP_H

/* The includer defines TAP_GROUP, e.g. "policy/". */
#ifndef TAP_GROUP
#error "define TAP_GROUP before including test/host_tap.h"
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int tap_failed_total;
static int tap_case_failed;
static char tap_first_why[512];

static inline void
tap_begin(void)
{
        tap_case_failed = 0;
        tap_first_why[0] = '\0';
}

__attribute__((format(printf, 1, 2))) static inline void
tap_fail(const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (tap_case_failed++ == 0)
                snprintf(tap_first_why, sizeof tap_first_why, "%s", buf);
        else if (tap_case_failed < 20)
                printf("# also: %s\n", buf);
}

static inline int
tap_end(const char *name)
{
        if (tap_case_failed) {
                printf("not ok - " TAP_GROUP "%s: %s", name, tap_first_why);
                if (tap_case_failed > 1)
                        printf(" (and %d more)", tap_case_failed - 1);
                printf("\n");
                tap_failed_total++;
                return 0;
        }
        printf("ok - " TAP_GROUP "%s\n", name);
        return 1;
}

static inline int
tap_exit(void)
{
        fflush(stdout);
        return tap_failed_total ? 1 : 0;
}

static inline double
tap_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Small deterministic PRNG so a seed reproduces a run everywhere. */
static inline uint64_t
tap_rand(uint64_t *s)
{
        uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static inline unsigned
tap_below(uint64_t *s, unsigned n)
{
        return (unsigned)(tap_rand(s) % n);
}

static inline uint64_t
tap_seed(int argc, char **argv, const char *name)
{
        uint64_t seed = argc > 1 && strcmp(argv[1], "random") ? strtoull(argv[1], NULL, 0) :
                        (uint64_t)time(NULL);

        printf("# %s: seed %llu (rerun with this argument to reproduce)\n", name,
               (unsigned long long)seed);
        return seed;
}

#endif
