/*
 * Adversarial inputs: globs of the maximum length, '*' storms, deep '**' chains,
 * many classes, paths of PATH_MAX bytes and over. Each must give an answer or a
 * clear error in bounded time, with no memory beyond the fixed structures.
 * Time bounds are generous (a loaded machine must not fail them: about 50 times the
 * measured figures, which are printed).
 */
#include "tap.h"

static struct policy p, q;
static struct policy_work work;
static char text[POLICY_TEXT_MAX + 64], path[POLICY_PATH_MAX + 64];

static int
parse_text(struct policy *out, size_t len, struct policy_err *err)
{
        return policy_parse(out, text, len, err);
}

/* text = "file:" + glob + ":r"; returns its length. */
static size_t
make(const char *glob)
{
        return (size_t)snprintf(text, sizeof text, "file:%s:r", glob);
}

static size_t
repeat(char *out, const char *head, const char *unit, size_t times, const char *tail)
{
        size_t n = (size_t)sprintf(out, "%s", head);

        for (size_t i = 0; i < times; i++)
                n += (size_t)sprintf(out + n, "%s", unit);
        return n + (size_t)sprintf(out + n, "%s", tail);
}

static void
max_length(void)
{
        static char g[POLICY_TEXT_MAX];
        struct policy_err err;

        tap_begin();
        repeat(g, "/", "a", POLICY_GLOB_MAX - 1, "");
        if (parse_text(&p, make(g), &err) != POLICY_OK)
                tap_fail("glob of exactly %d bytes refused (%s)", POLICY_GLOB_MAX,
                         policy_error_name(err.code));
        repeat(g, "/", "a", POLICY_GLOB_MAX, "");
        if (parse_text(&p, make(g), &err) != POLICY_E_TOO_LONG || err.offset != 5 + POLICY_GLOB_MAX)
                tap_fail("glob of %d bytes: %s at %zu", POLICY_GLOB_MAX + 1,
                         policy_error_name(err.code), err.offset);
        /* Escapes count in the canonical form: 511 of them fit, 512 do not. */
        repeat(g, "/", "\\*", 511, "");
        if (parse_text(&p, make(g), &err) != POLICY_OK)
                tap_fail("511 escaped stars refused");
        repeat(g, "/", "\\*", 512, "");
        if (parse_text(&p, make(g), &err) != POLICY_E_TOO_LONG || err.offset != 6 + 511 * 2)
                tap_fail("512 escaped stars: %s at %zu", policy_error_name(err.code), err.offset);
        /* A long spelling of a short canonical glob is fine: the limit is canonical. */
        repeat(g, "/x[", "a", 3000, "]");
        if (parse_text(&p, make(g), &err) != POLICY_OK || p.glob.nops != 4)
                tap_fail("3000-byte class of one byte refused (%s)", policy_error_name(err.code));
        /* The canonical form of a class may be longer than its spelling. */
        repeat(g, "/", "[]-a]", 200, "");
        if (parse_text(&p, make(g), &err) != POLICY_E_TOO_LONG)
                tap_fail("200 classes of 6 canonical bytes: %s", policy_error_name(err.code));
        tap_end("adversarial-max-length-glob");
}

static double
time_match(const struct policy_glob *g, const char *s, size_t n, int reps, bool *yes, int *r)
{
        double t0 = tap_now_ns();

        for (int i = 0; i < reps; i++)
                *r = policy_match(g, s, n, yes);
        return (tap_now_ns() - t0) / reps;
}

static void
star_storm(void)
{
        static char g[POLICY_TEXT_MAX];
        struct policy_err err;
        bool yes;
        double ns;
        int r;

        tap_begin();
        repeat(g, "/", "*a", (POLICY_GLOB_MAX - 2) / 2 - 1, "*b");
        if (parse_text(&p, make(g), &err) != POLICY_OK)
                tap_fail("star storm refused: %s", policy_error_name(err.code));
        path[0] = '/';
        memset(path + 1, 'a', POLICY_PATH_MAX - 1);
        ns = time_match(&p.glob, path, POLICY_PATH_MAX, 5, &yes, &r);
        printf("# star storm (%u states) vs %d x 'a': %.2f ms\n", p.glob.nops, POLICY_PATH_MAX - 1, ns / 1e6);
        if (r != POLICY_OK || yes)
                tap_fail("star storm matched or failed (%s)", policy_error_name(r));
        if (ns > 50e6)
                tap_fail("star storm took %.0f ms", ns / 1e6);
        path[POLICY_PATH_MAX - 1] = 'b';
        time_match(&p.glob, path, POLICY_PATH_MAX, 1, &yes, &r);
        if (r != POLICY_OK || !yes)
                tap_fail("star storm should match a...ab");
        tap_end("adversarial-star-storm");
}

static void
dstar_chain(void)
{
        static char g[POLICY_TEXT_MAX];
        struct policy_verdict v;
        struct policy_err err;
        size_t n = 0;
        bool yes;
        double ns, t0;
        int r;

        tap_begin();
        repeat(g, "", "/**", POLICY_GLOB_MAX / 3 - 1, "/b");
        if (parse_text(&p, make(g), &err) != POLICY_OK)
                tap_fail("deep ** chain refused: %s", policy_error_name(err.code));
        while (n + 2 < POLICY_PATH_MAX) {
                path[n++] = '/';
                path[n++] = 'x';
        }
        path[n - 1] = 'b';
        ns = time_match(&p.glob, path, n, 5, &yes, &r);
        printf("# deep ** chain (%u states) vs %zu-byte path: %.2f ms\n", p.glob.nops, n, ns / 1e6);
        if (r != POLICY_OK || !yes || ns > 50e6)
                tap_fail("deep chain: %s, %s, %.0f ms", policy_error_name(r), yes ? "match" : "no match", ns / 1e6);
        /* Against the same chain ending in `*`: a subset, found by search (identical
         * globs would take the shortcut). */
        repeat(g, "", "/**", POLICY_GLOB_MAX / 3 - 1, "/*");
        parse_text(&q, make(g), &err);
        t0 = tap_now_ns();
        r = policy_subset(&p, &q, &work, &v);
        printf("# deep ** chain <= chain/*: %s in %.1f ms, %u states\n",
               r ? policy_error_name(r) : v.subset ? "subset" : "not", (tap_now_ns() - t0) / 1e6, work.nstates);
        if (r != POLICY_OK || !v.subset || work.nstates == 0)
                tap_fail("chain <= chain/*: %s", policy_error_name(r));
        if (tap_now_ns() - t0 > 2e9)
                tap_fail("chain <= chain/* took %.0f ms", (tap_now_ns() - t0) / 1e6);
        tap_end("adversarial-deep-dstar-chain");
}

static void
many_classes(void)
{
        static char g[POLICY_TEXT_MAX];
        struct policy_verdict v;
        struct policy_err err;
        size_t n = 0;
        double t0;
        int r;

        tap_begin();
        g[n++] = '/';
        for (int k = 0; n + 8 < POLICY_GLOB_MAX; k++)
                n += (size_t)sprintf(g + n, "[%c-%c]", 'A' + k % 26, 'A' + k % 26 + 1 + k % 5);
        g[n] = '\0';
        if (parse_text(&p, make(g), &err) != POLICY_OK)
                tap_fail("class-heavy glob refused: %s at %zu", policy_error_name(err.code), err.offset);
        printf("# class-heavy glob: %u states, %u distinct sets\n", p.glob.nops, p.glob.nsets);
        parse_text(&q, make("/**"), &err);
        t0 = tap_now_ns();
        r = policy_subset(&p, &q, &work, &v);
        if (r != POLICY_OK || !v.subset)
                tap_fail("class-heavy <= /**: %s", policy_error_name(r));
        r = policy_subset(&q, &p, &work, &v);
        if (r != POLICY_OK || v.subset || strcmp(v.ce, "/"))
                tap_fail("/** <= class-heavy: %s ce %s", policy_error_name(r), r ? "" : v.ce);
        printf("# class-heavy subsets: %.2f ms\n", (tap_now_ns() - t0) / 1e6);
        tap_end("adversarial-many-classes");
}

static void
path_max(void)
{
        static char big[1 << 20];
        struct policy_err err;
        size_t off;
        bool yes;
        int r;

        tap_begin();
        parse_text(&p, make("/**"), &err);
        path[0] = '/';
        memset(path + 1, 'a', POLICY_PATH_MAX - 1);
        if (policy_match(&p.glob, path, POLICY_PATH_MAX, &yes) != POLICY_OK || !yes)
                tap_fail("path of exactly %d bytes refused", POLICY_PATH_MAX);
        path[POLICY_PATH_MAX] = 'a';
        r = policy_check_path(path, POLICY_PATH_MAX + 1, &off);
        if (r != POLICY_E_PATH_TOO_LONG || off != POLICY_PATH_MAX ||
            policy_match(&p.glob, path, POLICY_PATH_MAX + 1, &yes) != POLICY_E_PATH_TOO_LONG || yes)
                tap_fail("path of %d bytes: %s at %zu", POLICY_PATH_MAX + 1, policy_error_name(r), off);
        big[0] = '/';
        memset(big + 1, 'a', sizeof big - 1);
        double t0 = tap_now_ns();
        r = policy_match(&p.glob, big, sizeof big, &yes);
        if (r != POLICY_E_PATH_TOO_LONG || tap_now_ns() - t0 > 1e6)
                tap_fail("1 MiB path: %s", policy_error_name(r));
        tap_end("adversarial-path-max");
}

static void
memory(void)
{
        tap_begin();
        printf("# sizeof(struct policy) = %zu, sizeof(struct policy_work) = %zu\n",
               sizeof(struct policy), sizeof(struct policy_work));
        if (sizeof(struct policy) > 24 * 1024 || sizeof(struct policy_work) > 6u << 20)
                tap_fail("fixed structures grew past their documented bounds");
        tap_end("adversarial-fixed-memory");
}

int
main(void)
{
        policy_work_init(&work);
        max_length();
        star_storm();
        dstar_chain();
        many_classes();
        path_max();
        memory();
        return tap_exit();
}
