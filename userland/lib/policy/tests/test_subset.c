/*
 * Inclusion unit tests: known pairs with their exact shortest counterexample, the
 * dotfile rule and canonical-path restriction seen through inclusion, schemes and
 * rights, weaken(), and the budget answering "cannot prove".
 */
#include "tap.h"

static struct policy pc, pp, out;
static struct policy_work work, full;   /* full: the search alone, no shortcut */

struct scase { const char *child, *parent, *ce; };   /* ce NULL: subset */

static int
parse2(const char *c, const char *p)
{
        struct policy_err err;

        if (policy_parse(&pc, c, strlen(c), &err) != POLICY_OK) {
                tap_fail("'%s' refused at %zu", c, err.offset);
                return -1;
        }
        if (policy_parse(&pp, p, strlen(p), &err) != POLICY_OK) {
                tap_fail("'%s' refused at %zu", p, err.offset);
                return -1;
        }
        return 0;
}

/* Set: every case again on copies of policy_size bytes in blocks of that size (under
 * ASan, a read past what policy_size promises is an error). */
static bool compact;

static struct policy *
dup_policy(const struct policy *p)
{
        struct policy *d = malloc(policy_size(p));

        if (!d)
                abort();
        memcpy(d, p, policy_size(p));
        return d;
}

static void check_pair(const struct scase *s, const struct policy *pc, const struct policy *pp);

static void
check_case(const struct scase *s)
{
        char c[256], p[256];

        snprintf(c, sizeof c, "file:%s:r", s->child);
        snprintf(p, sizeof p, "file:%s:r", s->parent);
        if (parse2(c, p) < 0)
                return;
        if (compact) {
                struct policy *dc = dup_policy(&pc), *dp = dup_policy(&pp);

                check_pair(s, dc, dp);
                free(dc);
                free(dp);
        } else {
                check_pair(s, &pc, &pp);
        }
}

static void
check_pair(const struct scase *s, const struct policy *pc, const struct policy *pp)
{
        struct policy_verdict v;
        bool mc, mp;
        int r;

        if ((r = policy_subset(pc, pp, &work, &v)) != POLICY_OK) {
                tap_fail("%s <= %s: %s", s->child, s->parent, policy_error_name(r));
                return;
        }
        {
                struct policy_verdict fv;

                if (policy_subset(pc, pp, &full, &fv) != POLICY_OK || fv.subset != v.subset)
                        tap_fail("%s <= %s: the shortcut and the search disagree", s->child,
                                 s->parent);
        }
        if (s->ce == NULL) {
                if (!v.subset)
                        tap_fail("%s <= %s: refused with '%s'", s->child, s->parent, v.ce);
                return;
        }
        if (v.subset || v.why != POLICY_WHY_GLOB) {
                tap_fail("%s <= %s: claimed subset", s->child, s->parent);
                return;
        }
        if (strcmp(v.ce, s->ce) != 0)
                tap_fail("%s <= %s: counterexample '%s', want '%s'", s->child, s->parent,
                         v.ce, s->ce);
        if (policy_match(&pc->glob, v.ce, v.ce_len, &mc) || policy_match(&pp->glob, v.ce, v.ce_len, &mp) ||
            !mc || mp)
                tap_fail("%s <= %s: counterexample '%s' is not one", s->child, s->parent, v.ce);
}

static void
table(const char *name, const struct scase *s, size_t n)
{
        char full_name[64];

        snprintf(full_name, sizeof full_name, "%s%s", compact ? "compact-" : "", name);
        tap_begin();
        for (size_t i = 0; i < n; i++)
                check_case(&s[i]);
        tap_end(full_name);
}

/* A typical glob's compiled form is sized to it; one with `**` or a class is whole. */
static void
sizes(void)
{
        static const struct { const char *text; bool small; } c[] = {
                {"file:/home/u/*.txt:r", true}, {"file:/tmp/bench-1-*.txt:r", true},
                {"file:/:r", true}, {"file:/a/**:r", false}, {"file:/a/[bc]:r", false},
        };
        struct policy_err err;

        tap_begin();
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
                size_t n;

                if (policy_parse(&pc, c[i].text, strlen(c[i].text), &err) != POLICY_OK) {
                        tap_fail("'%s' refused", c[i].text);
                        continue;
                }
                n = policy_size(&pc);
                if (c[i].small ? n > 256 : n != sizeof pc)
                        tap_fail("'%s': policy_size %zu", c[i].text, n);
        }
        tap_end("size-sized-to-glob");
}

#define TABLE(name, ...) do {                                           \
        static const struct scase c_[] = { __VA_ARGS__ };               \
        table(name, c_, sizeof c_ / sizeof c_[0]);                      \
} while (0)

static void
globs(void)
{
        TABLE("subset-typical",
              {"/home/u/readme.txt", "/home/u/*.txt", NULL},
              {"/home/u/*.txt", "/home/u/*", NULL},
              {"/home/u/*", "/home/u/*.txt", "/home/u/a"},
              {"/home/u/**", "/home/**", NULL},
              {"/home/**", "/home/u/**", "/home"},
              {"/srv/www/**", "/srv/**", NULL},
              {"/a/*", "/a/**", NULL},
              {"/a/**", "/a/*", "/a"},
              {"/", "/**", NULL}, {"/**", "/", "/a"}, {"/**", "/**", NULL},
              {"/x/**/y", "/x/**", NULL}, {"/x/*/y", "/x/**/y", NULL},
              {"/x/**/y", "/x/*/y", "/x/y"}, {"/a/**/b/**", "/a/**", NULL},
              {"/**/a/**", "/**/a/**/**", NULL}, {"/**/a/**/**", "/**/a/**", NULL},
              {"/**/*.c", "/**", NULL}, {"/*a*", "/*a*a*", "/a"});
        TABLE("subset-classes",
              {"/[a-c]", "/[a-z]", NULL}, {"/[a-z]", "/[a-c]", "/d"},
              {"/a?", "/a[!b]", "/ab"}, {"/a[!b]", "/a?", NULL},
              {"/[!a]", "/[!ab]", "/b"}, {"/x[]a]", "/x[]-a]", NULL},
              {"/x[!/]", "/x?", NULL}, {"/x?", "/x[!/]", NULL},
              {"/[0-9][0-9]", "/[0-9]*", NULL}, {"/[0-9]*", "/[0-9][0-9]", "/0"},
              {"/\xc3\xa9", "/??", NULL}, {"/??", "/\xc3\xa9", "/aa"});
        TABLE("subset-escapes",
              {"/a\\*", "/ab", "/a*"}, {"/a\\*", "/a*", NULL}, {"/a*", "/a\\*", "/a"},
              {"/a\\:b", "/a?b", NULL}, {"/\\*\\*", "/*", NULL}, {"/\\*\\*", "/**", NULL});
}

/* The shortcut (src/policy_subset.c, fast_subset): literal children, and segments of
 * literal bytes around one star, at their edges. */
static void
shortcut(void)
{
        TABLE("subset-shortcut",
              {"/p/a.txt", "/p/*.txt", NULL}, {"/p/.a", "/p/*", "/p/.a"},
              {"/p/.a*", "/p/*", "/p/.a"}, {"/p/.a*", "/p/.*", NULL},
              {"/p/bench-*.txt", "/p/*.txt", NULL}, {"/p/ab*", "/p/a*", NULL},
              {"/p/a*", "/p/ab*", "/p/a"}, {"/p/*", "/p/a*", "/p/b"},
              {"/p/a*b", "/p/*b", NULL}, {"/p/ab", "/p/ab*b", "/p/ab"},
              {"/p/abb", "/p/ab*b", NULL}, {"/p/a*", "/p/*a", "/p/ab"},
              {"/p/x/y", "/p/*", "/p/x/y"}, {"/p/*", "/p/*/*", "/p/a"},
              {"/p/*.txt", "/p/*.txt", NULL}, {"/p/*/a", "/p/*/*", NULL},
              {"/p/a/*", "/p/*/*", NULL}, {"/p/a/*.c", "/p/*/*.?", NULL},
              {"/p/x.txt", "/p/**", NULL}, {"/p/.x", "/p/**", "/p/.x"},
              {"/t/*", "/t/*.*", "/t/a"}, {"/t/a.b*", "/t/*.*", NULL});
}

/* The dotfile rule and the canonical-path restriction, as inclusion sees them. */
static void
dotfiles(void)
{
        TABLE("subset-dotfiles",
              {"/a/.x", "/a/*", "/a/.x"}, {"/a/.*", "/a/**", "/a/.a"},
              {"/a/.*", "/a/*", "/a/.a"}, {"/a/*", "/a/.*", "/a/a"},
              {"/a/.x", "/a/.*", NULL}, {"/h/**/.x", "/h/**", "/h/.x"},
              {"/h/.*/**", "/h/**", "/h/.a"}, {"/h/*", "/h/[!.]*", NULL},
              {"/h/[!.]*", "/h/*", NULL}, {"/h/?*", "/h/*", NULL},
              {"/h/[.a]*", "/h/a*", NULL}, {"/h/a*", "/h/[.a]*", NULL});
        TABLE("subset-canonical-paths-only",
              {"/*", "/?*", NULL}, {"/?*", "/*", NULL},
              {"/.*", "/.?*", NULL}, {"/..*", "/..?*", NULL},
              {"/*/*", "/?*/?*", NULL}, {"/**", "/**/?*", "/"});
}

static void
reasons(void)
{
        struct policy_verdict v;
        char buf[8];

        tap_begin();
        if (parse2("net:/a:r", "file:/a:r") == 0 &&
            (policy_subset(&pc, &pp, &work, &v) || v.subset || v.why != POLICY_WHY_SCHEME))
                tap_fail("different schemes not refused");
        if (parse2("file:/a:rwx", "file:/**:r") == 0 &&
            (policy_subset(&pc, &pp, &work, &v) || v.subset || v.why != POLICY_WHY_RIGHTS ||
             (policy_print_rights(v.extra_rights, buf, sizeof buf), strcmp(buf, "wx"))))
                tap_fail("extra rights not named");
        if (parse2("file:/a:", "file:/a:rwcdxl") == 0 &&
            (policy_subset(&pc, &pp, &work, &v) || !v.subset))
                tap_fail("no rights is not a subset of all");
        if (policy_subset(NULL, &pp, &work, &v) != POLICY_E_ARG)
                tap_fail("NULL child accepted");
        tap_end("subset-scheme-and-rights");
}

static void
weaken(void)
{
        static const char parent[] = "file:/home/u/*.txt:rw";
        static const struct { const char *t; int r; enum policy_why why; size_t off; } c[] = {
                {"file:/home/u/readme.txt:r", POLICY_OK, POLICY_WHY_SUBSET, 0},
                {"file:/home/u/\\*.txt:rw", POLICY_OK, POLICY_WHY_SUBSET, 0},
                {"file:/home/u/*:r", POLICY_E_NOT_SUBSET, POLICY_WHY_GLOB, 0},
                {"file:/home/u/a.txt:rx", POLICY_E_NOT_SUBSET, POLICY_WHY_RIGHTS, 0},
                {"net:/home/u/a.txt:r", POLICY_E_NOT_SUBSET, POLICY_WHY_SCHEME, 0},
                {"file:/home/u/[a.txt:r", POLICY_E_CLASS_OPEN, 0, 13},
        };
        struct policy_verdict v;
        struct policy_err err;
        char buf[128];

        tap_begin();
        policy_parse(&pp, parent, sizeof parent - 1, &err);
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
                int r = policy_weaken(&pp, c[i].t, strlen(c[i].t), &out, &work, &v, &err);

                if (r != c[i].r)
                        tap_fail("weaken to '%s': %s, want %s", c[i].t, policy_error_name(r),
                                 policy_error_name(c[i].r));
                else if (r == POLICY_E_NOT_SUBSET && v.why != c[i].why)
                        tap_fail("weaken to '%s': reason %d, want %d", c[i].t, v.why, c[i].why);
                else if (r == POLICY_E_CLASS_OPEN && err.offset != c[i].off)
                        tap_fail("weaken to '%s': offset %zu", c[i].t, err.offset);
        }
        if (policy_weaken(&pp, "file:/home/u/x.txt:r", 20, &out, &work, &v, &err) == POLICY_OK) {
                policy_print(&out, buf, sizeof buf);
                if (strcmp(buf, "file:/home/u/x.txt:r") != 0)
                        tap_fail("weakened policy prints '%s'", buf);
        }
        tap_end("weaken");
}

/* Exponential parent determinisation: refused as "cannot prove", fast. */
static void
budget(void)
{
        struct policy_verdict v;
        double t0;
        int r;

        tap_begin();
        /* (Not the same glob twice: identical globs are a subset without search.) */
        if (parse2("file:/*a????????????????:r", "file:/*a????????????????*:r") < 0)
                goto out;
        t0 = tap_now_ns();
        r = policy_subset(&pc, &pp, &work, &v);
        printf("# budget: %s after %u states, %llu steps, %.1f ms\n", policy_error_name(r),
               work.nstates, (unsigned long long)work.steps, (tap_now_ns() - t0) / 1e6);
        if (r != POLICY_E_BUDGET)
                tap_fail("exponential pair answered %s", policy_error_name(r));
        work.max_states = 100;
        if ((r = policy_subset(&pc, &pp, &work, &v)) != POLICY_E_BUDGET || work.nstates > 100)
                tap_fail("state budget 100 not honoured (%s, %u)", policy_error_name(r),
                         work.nstates);
        work.max_states = 0;
        work.max_steps = 50;
        if ((r = policy_subset(&pc, &pp, &work, &v)) != POLICY_E_BUDGET || work.steps > 50 + 2 * (POLICY_WORDS_MAX + POLICY_OPS_MAX))
                tap_fail("step budget 50 not honoured (%s, %llu)", policy_error_name(r),
                         (unsigned long long)work.steps);
        work.max_steps = 0;
        /* The same pair with fewer '?' fits, and is a subset. */
        if (parse2("file:/*a????:r", "file:/*a????*:r") == 0 &&
            (policy_subset(&pc, &pp, &work, &v) != POLICY_OK || !v.subset))
                tap_fail("small pair not proven");
        /* Weaken refuses what it cannot prove. */
        policy_parse(&pp, "file:/*a????????????????*:r", 27, &(struct policy_err){0});
        if (policy_weaken(&pp, "file:/*a????????????????:r", 26, &out, &work, &v,
                          &(struct policy_err){0}) != POLICY_E_BUDGET)
                tap_fail("weaken past the budget not refused");
out:
        tap_end("subset-budget-cannot-prove");
}

/* The workspace is reused without clearing; generations must keep runs apart. */
static void
reuse(void)
{
        struct policy_verdict v;

        tap_begin();
        for (int i = 0; i < 3; i++) {
                if (i == 1)
                        work.gen = UINT32_MAX;  /* force the wrap-around path */
                if (parse2("file:/a/*:r", "file:/a/**:r") == 0 &&
                    (policy_subset(&pc, &pp, &work, &v) || !v.subset))
                        tap_fail("run %d: subset lost", i);
                if (parse2("file:/a/**:r", "file:/a/*:r") == 0 &&
                    (policy_subset(&pc, &pp, &work, &v) || v.subset || strcmp(v.ce, "/a")))
                        tap_fail("run %d: counterexample lost", i);
        }
        tap_end("subset-workspace-reuse");
}

int
main(void)
{
        policy_work_init(&work);
        policy_work_init(&full);
        full.exhaustive = true;
        globs();
        shortcut();
        dotfiles();
        reasons();
        weaken();
        budget();
        reuse();
        sizes();
        compact = true;
        globs();
        return tap_exit();
}
