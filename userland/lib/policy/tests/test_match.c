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

/* The bit-parallel run (<= 64 states) against the general one, on random input. */
static void
fast_vs_general(uint64_t seed)
{
        static const char *const items[] = {"a", "b", ".", "\\.", "?", "*", "[ab]", "[!a]",
                                            "[.a]", "/", "/", "/**/", "\xc3"};
        static const char bytes[] = "ab./\xc3";
        char glob[128], path[64];
        int cases = 0;

        tap_begin();
        for (int k = 0; k < 200000; k++) {
                size_t n = 0, m = 0;
                bool fast;
                int r;

                glob[n++] = '/';
                for (int i = (int)tap_below(&seed, 10); i >= 0; i--)
                        n += (size_t)sprintf(glob + n, "%s", items[tap_below(&seed, 13)]);
                glob[n] = '\0';
                path[m++] = '/';
                for (int i = (int)tap_below(&seed, 12); i > 0; i--)
                        path[m++] = bytes[tap_below(&seed, sizeof bytes - 1)];
                {
                        char text[160];
                        struct policy_err err;
                        int tn = snprintf(text, sizeof text, "file:%s:r", glob);
                        if (policy_parse(&p, text, (size_t)tn, &err) != POLICY_OK)
                                continue;
                }
                if ((r = policy_match(&p.glob, path, m, &fast)) != POLICY_OK)
                        continue;
                cases++;
                if (fast != policy_nfa_run(&p.glob, (const unsigned char *)path, m == 1 ? 0 : m))
                        tap_fail("'%s' vs '%.*s': bit-parallel %d, general %d", glob, (int)m, path,
                                 fast, !fast);
        }
        printf("# fast vs general: %d cases\n", cases);
        if (cases < 10000)
                tap_fail("only %d valid cases", cases);
        tap_end("match-bit-parallel-equals-general");
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "test_match");

        fast_vs_general(seed);
        metachars();
        dotfiles();
        bytes();
        paths();
        rights();
        return tap_exit();
}
