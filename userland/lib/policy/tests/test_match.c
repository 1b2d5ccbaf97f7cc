/*
 * Matching tests: each metacharacter's edge cases, the dotfile rule, byte-string
 * semantics, and the refusal of non-canonical paths with the offending offset.
 */
#include "tap.h"
#include "../src/policy_internal.h"

static struct policy p;

struct mcase { const char *glob, *path; int want; };

static int
run(const char *glob, const char *path, size_t plen, bool *yes)
{
        char text[POLICY_TEXT_MAX];
        struct policy_err err;
        int n = snprintf(text, sizeof text, "file:%s:r", glob);

        if (policy_parse(&p, text, (size_t)n, &err) != POLICY_OK) {
                tap_fail("glob '%s' refused: %s at %zu", glob,
                         policy_error_name(err.code), err.offset);
                return -1;
        }
        return policy_match(&p.glob, path, plen, yes);
}

static void
table(const char *name, const struct mcase *c, size_t n)
{
        tap_begin();
        for (size_t i = 0; i < n; i++) {
                bool yes;
                int r = run(c[i].glob, c[i].path, strlen(c[i].path), &yes);

                if (r == -1)
                        continue;
                if (r != POLICY_OK)
                        tap_fail("'%s' vs '%s': error %s", c[i].glob, c[i].path,
                                 policy_error_name(r));
                else if (yes != (c[i].want != 0))
                        tap_fail("'%s' vs '%s': %s, want %s", c[i].glob, c[i].path,
                                 yes ? "match" : "no match", c[i].want ? "match" : "no match");
        }
        tap_end(name);
}

#define TABLE(name, ...) do {                                           \
        static const struct mcase c_[] = { __VA_ARGS__ };               \
        table(name, c_, sizeof c_ / sizeof c_[0]);                      \
} while (0)

static void
metachars(void)
{
        TABLE("match-literal",
              {"/home/u/a.txt", "/home/u/a.txt", 1}, {"/home/u/a.txt", "/home/u/a.tx", 0},
              {"/home/u/a.txt", "/home/u/a.txtx", 0}, {"/home/u", "/home/u/a", 0},
              {"/", "/", 1}, {"/", "/a", 0}, {"/a", "/", 0});
        TABLE("match-star-never-slash",
              {"/home/u/*.txt", "/home/u/readme.txt", 1}, {"/home/u/*.txt", "/home/u/d/x.txt", 0},
              {"/a/*", "/a/b", 1}, {"/a/*", "/a/b/c", 0}, {"/a/*", "/a", 0},
              {"/*", "/", 0}, {"/a*b", "/ab", 1}, {"/a*b", "/axxb", 1}, {"/a*b", "/a/b", 0},
              {"/*a*a*b", "/aaab", 1}, {"/*a*a*b", "/ab", 0}, {"/*a*a*b", "/aab", 1}, {"/x*", "/x", 1});
        TABLE("match-question",
              {"/?", "/a", 1}, {"/?", "/ab", 0}, {"/a?c", "/abc", 1}, {"/a?c", "/ac", 0},
              {"/a/?/c", "/a/b/c", 1}, {"/a??", "/a/b", 0});
        TABLE("match-dstar-zero-or-more",
              {"/srv/**", "/srv", 1}, {"/srv/**", "/srv/a", 1}, {"/srv/**", "/srv/a/b/c", 1},
              {"/srv/**", "/srvx", 0}, {"/srv/**", "/", 0}, {"/**", "/", 1},
              {"/**", "/a/b", 1}, {"/a/**/b", "/a/b", 1}, {"/a/**/b", "/a/x/y/b", 1},
              {"/a/**/b", "/a/x/y/bb", 0}, {"/**/b", "/b", 1}, {"/**/b", "/x/b", 1},
              {"/**/**/b", "/b", 1}, {"/**/**/b", "/x/y/z/b", 1}, {"/a/**/*.c", "/a/x.c", 1},
              {"/a/**/*.c", "/a/p/q/x.c", 1}, {"/a/**/*.c", "/a/p/q/x.h", 0});
        TABLE("match-classes",
              {"/[a-z]", "/q", 1}, {"/[a-z]", "/Q", 0}, {"/[]a]", "/]", 1}, {"/[]a]", "/a", 1},
              {"/[]a]", "/b", 0}, {"/[!x]", "/y", 1}, {"/[!x]", "/x", 0},
              {"/a[!x]", "/ab", 1}, {"/[!]]", "/]", 0}, {"/[!]]", "/a", 1},
              {"/a[!/]b", "/a/b", 0}, {"/a[!/]b", "/axb", 1}, {"/a[!a]b", "/a/b", 0},
              {"/[a-]", "/-", 1}, {"/x[.-0]", "/x.", 1}, {"/x[.-0]", "/x0", 1},
              {"/a[.-0]b", "/a/b", 0}, {"/[0-9][0-9]", "/42", 1}, {"/[0-9][0-9]", "/4x", 0});
        TABLE("match-escapes",
              {"/a\\*", "/a*", 1}, {"/a\\*", "/ab", 0}, {"/\\?", "/?", 1}, {"/\\?", "/a", 0},
              {"/\\[a]", "/[a]", 1}, {"/\\[a]", "/a", 0}, {"/a\\:b", "/a:b", 1},
              {"/a\\\\b", "/a\\b", 1}, {"/\\*\\*", "/**", 1}, {"/\\*\\*", "/ab", 0},
              {"/\\q", "/q", 1});
}

static void
dotfiles(void)
{
        TABLE("match-dotfiles",
              {"/h/*", "/h/.ssh", 0}, {"/h/*", "/h/a.b", 1}, {"/h/?ssh", "/h/.ssh", 0},
              {"/h/[.a]ssh", "/h/.ssh", 0}, {"/h/[!a]ssh", "/h/.ssh", 0},
              {"/h/.*", "/h/.ssh", 1}, {"/h/\\.*", "/h/.ssh", 1}, {"/h/[.]ssh", "/h/.ssh", 1},
              {"/h/*.txt", "/h/.txt", 0}, {"/h/*.txt", "/h/a.txt", 1},
              {"/h/**", "/h/.ssh", 0}, {"/h/**", "/h/a/.ssh", 0}, {"/h/**", "/h/a/b.c", 1},
              {"/h/**/x", "/h/.git/x", 0}, {"/h/**/.x", "/h/a/.x", 1},
              {"/h/.*/**", "/h/.config/a", 1}, {"/h/.*/**", "/h/.config/.a", 0},
              {"/h/a*", "/h/a.", 1}, {"/h/*", "/h/a.", 1});
}

static void
bytes(void)
{
        TABLE("match-bytes-no-folding",
              {"/A", "/a", 0}, {"/a", "/A", 0}, {"/\xc3\xa9", "/\xc3\xa9", 1},
              {"/\xc3\xa9", "/e\xcc\x81", 0}, {"/?", "/\xc3\xa9", 0}, {"/??", "/\xc3\xa9", 1},
              {"/\xff", "/\xff", 1}, {"/[\x80-\xff]", "/\xfe", 1}, {"/[!\x80-\xff]", "/\xfe", 0},
              {"/*", "/\x01", 1});
}

static void
paths(void)
{
        static const struct { const char *path; size_t len; int code; size_t off; } c[] = {
                {"", 0, POLICY_E_PATH_RELATIVE, 0}, {"a/b", 3, POLICY_E_PATH_RELATIVE, 0},
                {"//", 2, POLICY_E_PATH_EMPTY_SEG, 1}, {"/a//b", 5, POLICY_E_PATH_EMPTY_SEG, 3},
                {"/a/", 3, POLICY_E_PATH_EMPTY_SEG, 2}, {"/.", 2, POLICY_E_PATH_DOT, 1},
                {"/a/..", 5, POLICY_E_PATH_DOT, 3}, {"/a/./b", 6, POLICY_E_PATH_DOT, 3},
                {"/a\0b", 4, POLICY_E_PATH_NUL, 2}, {"/a/...", 6, POLICY_OK, 0},
                {"/.a", 3, POLICY_OK, 0}, {"/", 1, POLICY_OK, 0},
        };
        bool yes;
        size_t off;

        tap_begin();
        if (policy_parse(&p, "file:/**:r", 10, &(struct policy_err){0}) != POLICY_OK)
                tap_fail("parse");
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
                int r = policy_check_path(c[i].path, c[i].len, &off);
                int m = policy_match(&p.glob, c[i].path, c[i].len, &yes);

                if (r != c[i].code || (r != POLICY_OK && off != c[i].off))
                        tap_fail("path #%zu gave %s at %zu, want %s at %zu", i,
                                 policy_error_name(r), off, policy_error_name(c[i].code), c[i].off);
                if (m != c[i].code || (m != POLICY_OK && yes))
                        tap_fail("match of path #%zu returned %s", i, policy_error_name(m));
        }
        tap_end("match-rejects-noncanonical-paths");
}

static void
rights(void)
{
        bool ok;

        tap_begin();
        policy_parse(&p, "file:/a/*:rl", 12, &(struct policy_err){0});
        if (policy_match_policy(&p, "/a/b", 4, POLICY_R_READ, &ok) || !ok)
                tap_fail("read refused");
        if (policy_match_policy(&p, "/a/b", 4, POLICY_R_READ | POLICY_R_LIST, &ok) || !ok)
                tap_fail("read+list refused");
        if (policy_match_policy(&p, "/a/b", 4, POLICY_R_WRITE, &ok) || ok)
                tap_fail("write allowed");
        if (policy_match_policy(&p, "/a/b/c", 6, POLICY_R_READ, &ok) || ok)
                tap_fail("outside glob allowed");
        if (policy_match(NULL, "/a", 2, &ok) != POLICY_E_ARG)
                tap_fail("NULL glob accepted");
        tap_end("match-policy-rights");
}

/* A path near glob g: sampled from its items, sometimes with one byte changed. */
static size_t
sample_path(uint64_t *seed, const struct policy_glob *g, char *out, size_t cap)
{
        static const char pool[] = "ab./\xc3";
        size_t n = 0;

        for (unsigned i = 0; i + 1 < g->nops && n + 4 < cap; i++) {
                const struct policy_op *op = &g->ops[i];
                unsigned reps = op->kind == POLICY_OP_STAR || op->kind == POLICY_OP_DLOOP ?
                                tap_below(seed, 3) : 1;

                if (op->kind == POLICY_OP_DSTAR) {     /* zero to three segments */
                        for (unsigned k = tap_below(seed, 4); k > 0 && n + 8 < cap; k--) {
                                out[n++] = '/';
                                for (unsigned l = 1 + tap_below(seed, 3); l > 0; l--)
                                        out[n++] = pool[tap_below(seed, 2)];
                        }
                        i += 2;
                        continue;
                }
                for (; reps > 0; reps--) {
                        char c = pool[tap_below(seed, 2)];
                        if (op->kind == POLICY_OP_SLASH || op->kind == POLICY_OP_DSTAR)
                                c = '/';
                        else if (op->kind == POLICY_OP_LIT)
                                c = (char)op->arg;
                        out[n++] = c;
                }
        }
        if (n > 1 && tap_below(seed, 3) == 0)
                out[1 + tap_below(seed, (unsigned)n - 1)] = pool[tap_below(seed, sizeof pool - 1)];
        if (n == 0)
                out[n++] = '/';
        return n;
}

/* The bit-parallel runs (one word, many words) against the state-by-state one. */
static void
fast_vs_general(uint64_t seed)
{
        static const char *const items[] = {"a", "b", ".", "\\.", "?", "*", "[ab]", "[!a]",
                                            "[.a]", "\xc3"};
        static char glob[2048], path[4096], text[2100];
        int cases = 0, wide = 0, yes = 0;

        tap_begin();
        for (int k = 0; k < 100000; k++) {
                unsigned nitems = k % 2 ? tap_below(&seed, 12) : 30 + tap_below(&seed, 300);
                struct policy_err err;
                size_t n = 0, m;
                bool fast;

                /* Segments of 1..4 items or `**`, so that large globs parse. */
                while (nitems > 0 && n < 1000) {
                        unsigned len = 1 + tap_below(&seed, 4);

                        glob[n++] = '/';
                        if (tap_below(&seed, 5) == 0) {
                                n += (size_t)sprintf(glob + n, "**");
                                nitems--;
                                continue;
                        }
                        for (; len > 0 && nitems > 0; len--, nitems--) {
                                const char *it = items[tap_below(&seed, 10)];
                                if (it[0] == '*' && glob[n - 1] == '*')
                                        it = "a";
                                n += (size_t)sprintf(glob + n, "%s", it);
                        }
                }
                if (n == 0)
                        glob[n++] = '/';
                glob[n] = '\0';
                n = (size_t)snprintf(text, sizeof text, "file:%s:r", glob);
                if (policy_parse(&p, text, n, &err) != POLICY_OK)
                        continue;
                m = sample_path(&seed, &p.glob, path, sizeof path);
                if (policy_match(&p.glob, path, m, &fast) != POLICY_OK)
                        continue;
                cases++;
                wide += p.glob.nops > 64;
                yes += fast;
                if (fast != policy_nfa_run(&p.glob, (const unsigned char *)path, m == 1 ? 0 : m))
                        tap_fail("'%s' vs '%.*s': bit-parallel %d, general %d", glob, (int)m, path,
                                 fast, !fast);
        }
        printf("# bit-parallel vs general: %d cases (%d over 64 states), %d matches\n", cases,
               wide, yes);
        if (cases < 10000 || wide < 1000 || yes < cases / 10)
                tap_fail("too few cases: %d, %d wide, %d matches", cases, wide, yes);
        tap_end("match-bit-parallel-equals-general");
}

/* Too many byte classes for the table: the state-by-state run takes over. */
static void
table_overflow(void)
{
        static char text[1100], path[600];
        struct policy_err err;
        size_t n = (size_t)sprintf(text, "file:/"), m = 0;
        bool yes;

        tap_begin();
        path[m++] = '/';
        for (unsigned b = '0'; b < 0x100; b++) {
                if (!((b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
                      (b >= 'a' && b <= 'z') || b >= 0x80))
                        continue;
                text[n++] = (char)b;
                text[n++] = '*';
                path[m++] = (char)b;
        }
        n += (size_t)sprintf(text + n, ":r");
        if (policy_parse(&p, text, n, &err) != POLICY_OK)
                tap_fail("glob refused: %s", policy_error_name(err.code));
        if (p.glob.bits.nclasses != 0)
                tap_fail("%u classes x %u words fit the table", p.glob.bits.nclasses,
                         policy_nwords(&p.glob));
        if (policy_match(&p.glob, path, m, &yes) != POLICY_OK || !yes)
                tap_fail("no match through the fallback");
        path[m - 1] = 'x';
        if (policy_match(&p.glob, path, m, &yes) != POLICY_OK || yes)
                tap_fail("false match through the fallback");
        tap_end("match-class-table-overflow");
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "test_match");

        fast_vs_general(seed);
        table_overflow();
        metachars();
        dotfiles();
        bytes();
        paths();
        rights();
        return tap_exit();
}
