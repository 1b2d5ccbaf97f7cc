/*
 * Inclusion against brute force. Random globs over the alphabet {a, b, .} (plus
 * '/'); every canonical path of depth <= 3 with segments of 1..3 bytes from that
 * alphabet is enumerated (52,060 paths, sorted by length), each glob's matches kept
 * as a bitmap. For each pair:
 *  - enumeration finds a counterexample  => policy_subset must say "not a subset",
 *    with a real counterexample no longer than the shortest enumerated one;
 *  - enumeration finds none              => "subset", or a verified counterexample
 *    lying outside the enumerated space (deeper or longer segments);
 *  - every counterexample is checked with policy_match (child yes, parent no).
 * Usage: test_brute [SEED [PAIRS]]
 */
#include "tap.h"

#define NSEG    37
#define NPATHS  (1 + NSEG + NSEG * NSEG + NSEG * NSEG * NSEG)
#define NWORDS  ((NPATHS + 63) / 64)
#define NBASE   220
#define NGLOBS  (2 * NBASE)

static char paths[NPATHS][16];
static uint8_t plen[NPATHS];
static struct policy globs[NGLOBS];
static uint64_t bits[NGLOBS][NWORDS];
static int base_of[NGLOBS];
static struct policy_work work;

static void
enumerate(void)
{
        static char segs[NSEG][4];
        static const char al[] = "ab.";
        static char tmp[NPATHS][16];
        int n = 0, np = 0;

        for (int len = 1; len <= 3; len++)
                for (int k = 0; k < 27; k++) {
                        char s[4] = {0};
                        int v = k;
                        if (len < 3 && k >= (len == 1 ? 3 : 9))
                                break;
                        for (int i = 0; i < len; i++, v /= 3)
                                s[i] = al[v % 3];
                        if (!strcmp(s, ".") || !strcmp(s, ".."))
                                continue;
                        memcpy(segs[n++], s, 4);
                }
        strcpy(tmp[np++], "/");
        for (int a = 0; a < NSEG; a++) {
                snprintf(tmp[np++], 16, "/%s", segs[a]);
                for (int b = 0; b < NSEG; b++) {
                        snprintf(tmp[np++], 16, "/%s/%s", segs[a], segs[b]);
                        for (int c = 0; c < NSEG; c++)
                                snprintf(tmp[np++], 16, "/%s/%s/%s", segs[a], segs[b], segs[c]);
                }
        }
        /* Sort by length so the first bit set in a difference is a shortest path. */
        n = 0;
        for (size_t l = 1; l < 16; l++)
                for (int i = 0; i < np; i++)
                        if (strlen(tmp[i]) == l) {
                                memcpy(paths[n], tmp[i], 16);
                                plen[n++] = (uint8_t)l;
                        }
}

static const char *const items[] = {"a", "b", "\\.", "?", "*", "[ab]", "[!a]", "[.a]", "a", "b"};

static int
gen_glob(uint64_t *seed, char *out)
{
        int nseg = (int)tap_below(seed, 4), n = 0;

        n += sprintf(out + n, "file:");
        if (nseg == 0)
                n += sprintf(out + n, "/");
        for (int s = 0; s < nseg; s++) {
                n += sprintf(out + n, "/");
                if (tap_below(seed, 5) == 0) {
                        n += sprintf(out + n, "**");
                        continue;
                }
                for (int k = 1 + (int)tap_below(seed, 3); k > 0; k--) {
                        const char *it = items[tap_below(seed, 10)];
                        if (it[0] == '*' && out[n - 1] == '*')
                                it = "a";
                        n += sprintf(out + n, "%s", it);
                }
        }
        return n + sprintf(out + n, ":r");
}

/* A specialisation of g: each wildcard may become something narrower. */
static int
specialise(uint64_t *seed, const char *g, char *out)
{
        int n = 0;

        for (const char *p = g; *p; p++) {
                unsigned d = tap_below(seed, 4);

                if (p[0] == '*' && p[1] == '*') {
                        static const char *const r[] = {"**", "*", "a/**", "**/b"};
                        n += sprintf(out + n, "%s", r[d]);
                        p++;
                } else if (*p == '*') {
                        static const char *const r[] = {"*", "a*", "?", "[ab]*"};
                        n += sprintf(out + n, "%s", (out[n - 1] == '*' && d == 0) ? "a" : r[d]);
                } else if (*p == '?') {
                        static const char *const r[] = {"?", "a", "[ab]", "b"};
                        n += sprintf(out + n, "%s", r[d]);
                } else {
                        out[n++] = *p;
                }
        }
        out[n] = '\0';
        return n;
}

static char base_text[NBASE][128];

static void
match_bits(int i)
{
        memset(bits[i], 0, sizeof bits[i]);
        for (int k = 0; k < NPATHS; k++) {
                bool yes;

                if (policy_match(&globs[i].glob, paths[k], plen[k], &yes) == POLICY_OK && yes)
                        bits[i][k >> 6] |= 1ull << (k & 63);
        }
}

/* Half random globs, half specialisations of them (so many pairs are subsets). */
static void
build(uint64_t *seed)
{
        char text[256];
        struct policy_err err;
        int i = 0, n;

        while (i < NGLOBS) {
                if (i < NBASE) {
                        n = gen_glob(seed, text);
                        base_of[i] = i;
                } else {
                        base_of[i] = (int)tap_below(seed, NBASE);
                        n = specialise(seed, base_text[base_of[i]], text);
                }
                if (policy_parse(&globs[i], text, (size_t)n, &err) != POLICY_OK)
                        continue;
                if (i < NBASE)
                        memcpy(base_text[i], text, (size_t)n + 1);
                match_bits(i);
                i++;
        }
}

/* Index of the first (hence shortest) enumerated path in c but not in p, or -1. */
static int
first_ce(int c, int p)
{
        for (int w = 0; w < NWORDS; w++) {
                uint64_t d = bits[c][w] & ~bits[p][w];

                if (d)
                        return w * 64 + __builtin_ctzll(d);
        }
        return -1;
}

/* Inside the enumerated space: depth <= 3, segments of 1..3 bytes from {a,b,.}. */
static bool
enumerable(const char *s, size_t n)
{
        int depth = 0, seg = 0;

        for (size_t i = 1; i < n; i++) {
                if (s[i] == '/') {
                        seg = 0;
                        continue;
                }
                if (s[i] != 'a' && s[i] != 'b' && s[i] != '.')
                        return false;
                if (seg++ == 0)
                        depth++;
                if (seg > 3)
                        return false;
        }
        return depth <= 3;
}

struct stats { int yes, no_enum, no_beyond, budget; };

/* One test line per property; the first failing pair of each is reported. */
enum { P_SOUND, P_REAL, P_SHORTEST, P_BEYOND, P_ERROR, P_SHORTCUT, NPROPS };
static const char *const prop_name[NPROPS] = {
        "brute-never-false-subset", "brute-counterexample-real",
        "brute-counterexample-shortest", "brute-counterexample-beyond-enumeration",
        "brute-no-errors", "brute-shortcut-agrees-with-search",
};
static struct policy_work full;        /* exhaustive: the search alone */
static char prop_why[NPROPS][512];
static int prop_fails[NPROPS];

__attribute__((format(printf, 2, 3))) static void
prop_fail(int prop, const char *fmt, ...)
{
        va_list ap;

        if (prop_fails[prop]++ == 0) {
                va_start(ap, fmt);
                vsnprintf(prop_why[prop], sizeof prop_why[prop], fmt, ap);
                va_end(ap);
        }
}

static void
check_pair(int c, int p, struct stats *st)
{
        struct policy_verdict v;
        bool mc, mp;
        int e = first_ce(c, p), r;
        char ct[600], pt[600];

        r = policy_subset(&globs[c], &globs[p], &work, &v);
        policy_print(&globs[c], ct, sizeof ct);
        policy_print(&globs[p], pt, sizeof pt);
        if (r == POLICY_E_BUDGET) {
                st->budget++;
                return;
        }
        if (r != POLICY_OK) {
                prop_fail(P_ERROR, "%s <= %s: %s", ct, pt, policy_error_name(r));
                return;
        }
        if (v.subset) {
                struct policy_verdict fv;

                /* What the shortcut proves, the search must prove too. */
                if (policy_subset(&globs[c], &globs[p], &full, &fv) == POLICY_OK && !fv.subset)
                        prop_fail(P_SHORTCUT, "%s <= %s: shortcut says subset, the search "
                                  "finds '%s'", ct, pt, fv.ce);
                if (e >= 0)
                        prop_fail(P_SOUND, "%s <= %s: claimed subset, but %s is a counterexample",
                                  ct, pt, paths[e]);
                st->yes++;
                return;
        }
        if (policy_match(&globs[c].glob, v.ce, v.ce_len, &mc) ||
            policy_match(&globs[p].glob, v.ce, v.ce_len, &mp) || !mc || mp) {
                prop_fail(P_REAL, "%s <= %s: bogus counterexample '%s'", ct, pt, v.ce);
                return;
        }
        if (e >= 0) {
                st->no_enum++;
                if (v.ce_len > plen[e])
                        prop_fail(P_SHORTEST, "%s <= %s: counterexample '%s' longer than '%s'",
                                  ct, pt, v.ce, paths[e]);
        } else {
                st->no_beyond++;
                if (enumerable(v.ce, v.ce_len))
                        prop_fail(P_BEYOND, "%s <= %s: '%s' is inside the enumeration, which "
                                  "found no counterexample", ct, pt, v.ce);
        }
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "test_brute");
        int pairs = argc > 2 ? atoi(argv[2]) : 50000;
        struct stats st = {0, 0, 0, 0};
        double t0 = tap_now_ns();

        policy_work_init(&work);
        policy_work_init(&full);
        full.exhaustive = true;
        enumerate();
        build(&seed);
        printf("# %d globs, %d paths enumerated in %.0f ms\n", NGLOBS, NPATHS,
               (tap_now_ns() - t0) / 1e6);
        for (int k = 0; k < pairs; k++) {
                int c = (int)tap_below(&seed, NGLOBS), p;

                /* A third of the pairs: a specialisation against its base. */
                if (k % 3 == 0 && c >= NBASE)
                        p = base_of[c];
                else
                        p = (int)tap_below(&seed, NGLOBS);
                check_pair(c, p, &st);
        }
        printf("# %d pairs: %d subset, %d refused with an enumerated counterexample, "
               "%d refused beyond the enumeration, %d over budget; %.0f ms\n", pairs, st.yes,
               st.no_enum, st.no_beyond, st.budget, (tap_now_ns() - t0) / 1e6);
        for (int k = 0; k < NPROPS; k++) {
                tap_begin();
                if (prop_fails[k])
                        tap_fail("%s (%d pairs)", prop_why[k], prop_fails[k]);
                tap_end(prop_name[k]);
        }
        tap_begin();
        if (st.budget > pairs / 100)
                tap_fail("%d pairs over budget", st.budget);
        if (st.yes < pairs / 20 || st.no_enum < pairs / 20)
                tap_fail("too few subset (%d) or refused (%d) pairs to mean anything", st.yes, st.no_enum);
        tap_end("brute-enough-cases");
        return tap_exit();
}
