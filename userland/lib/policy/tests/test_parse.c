/*
 * Grammar tests: what parses, its canonical form, every error code with the offset
 * of the offending byte, and the printer's fixed point (table and random texts).
 * Usage: test_parse [SEED]
 */
#include "tap.h"

static struct policy p1, p2;

struct good { const char *in, *canon; };

static const struct good goods[] = {
        {"file:/home/yoric/*.txt:r", "file:/home/yoric/*.txt:r"},
        {"file:/srv/**:rwc", "file:/srv/**:rwc"},
        {"file:/tmp/a\\:b[0-9].log:rw", "file:/tmp/a\\:b[0-9].log:rw"},
        {"file:/:r", "file:/:r"},
        {"file:/a:", "file:/a:"},
        {"file:/a:lxdcwr", "file:/a:rwcdxl"},
        {"my-scheme2:/x:r", "my-scheme2:/x:r"},
        {"file:/\\a\\b:r", "file:/ab:r"},
        {"file:/a]b!c-d^e:r", "file:/a]b!c-d^e:r"},
        {"file:/**/x/**:r", "file:/**/x/**:r"},
        {"file:/a\\*\\*:r", "file:/a\\*\\*:r"},
        {"file:/\\*\\*:r", "file:/\\*\\*:r"},
        {"file:/x/\\.hidden:r", "file:/x/.hidden:r"},
        {"file:/\\?\\[\\\\:r", "file:/\\?\\[\\\\:r"},
        {"file:/\xc3\xa9t\xc3\xa9:r", "file:/\xc3\xa9t\xc3\xa9:r"},
        {"file:/?*?:r", "file:/?*?:r"},
};

static const struct good classes[] = {
        {"file:/[a]:r", "file:/a:r"},
        {"file:/[.]x:r", "file:/.x:r"},
        {"file:/[*]:r", "file:/\\*:r"},
        {"file:/[\\:]:r", "file:/\\::r"},
        {"file:/[ab]:r", "file:/[ab]:r"},
        {"file:/[cba]:r", "file:/[a-c]:r"},
        {"file:/[a-cb-d]:r", "file:/[a-d]:r"},
        {"file:/[]a]:r", "file:/[\\]a]:r"},
        {"file:/[!]]:r", "file:/[!\\]]:r"},
        {"file:/[!]a]:r", "file:/[!\\]a]:r"},
        {"file:/[!/]:r", "file:/?:r"},
        {"file:/[!x]:r", "file:/[!x]:r"},
        {"file:/[a-]:r", "file:/[\\-a]:r"},
        {"file:/[-a]:r", "file:/[\\-a]:r"},
        {"file:/[!-]:r", "file:/[!\\-]:r"},
        {"file:/[\\]\\\\]:r", "file:/[\\\\\\]]:r"},
        {"file:/[[!^]:r", "file:/[\\!\\[\\^]:r"},
        {"file:/[\x01-\xff]:r", "file:/?:r"},
        {"file:/[!a-z]:r", "file:/[!a-z]:r"},
        {"file:/[a-z0-9_]:r", "file:/[0-9_a-z]:r"},
        {"file:/[.-0]:r", "file:/[.0]:r"},
        {"file:/x[a-c]y[!a-c]z:r", "file:/x[a-c]y[!a-c]z:r"},
};

struct bad { const char *in; size_t len; enum policy_error code; size_t off; const char *name; };

static const struct bad bads[] = {
        {"", 0, POLICY_E_EMPTY, 0, "empty"},
        {"File:/a:r", 0, POLICY_E_SCHEME, 0, "scheme-upper"},
        {"9file:/a:r", 0, POLICY_E_SCHEME, 0, "scheme-digit-first"},
        {"fi_le:/a:r", 0, POLICY_E_SCHEME, 2, "scheme-byte"},
        {":/a:r", 0, POLICY_E_SCHEME, 0, "scheme-empty"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:/a:r", 0, POLICY_E_SCHEME, 31, "scheme-long"},
        {"file", 0, POLICY_E_COLON, 4, "colon-after-scheme"},
        {"file:/a", 0, POLICY_E_COLON, 7, "colon-after-glob"},
        {"file:/a\\:r", 0, POLICY_E_COLON, 10, "colon-escaped"},
        {"file:a:r", 0, POLICY_E_RELATIVE, 5, "relative"},
        {"file::r", 0, POLICY_E_RELATIVE, 5, "relative-empty"},
        {"file://a:r", 0, POLICY_E_EMPTY_SEGMENT, 6, "empty-segment"},
        {"file:/a//b:r", 0, POLICY_E_EMPTY_SEGMENT, 8, "empty-segment-mid"},
        {"file:/a/:r", 0, POLICY_E_EMPTY_SEGMENT, 8, "trailing-slash"},
        {"file:/.:r", 0, POLICY_E_DOT_SEGMENT, 6, "dot"},
        {"file:/a/..:r", 0, POLICY_E_DOT_SEGMENT, 8, "dotdot"},
        {"file:/a/\\.[.]:r", 0, POLICY_E_DOT_SEGMENT, 8, "dotdot-spelled"},
        {"file:/a**:r", 0, POLICY_E_DSTAR, 7, "dstar-suffix"},
        {"file:/**a:r", 0, POLICY_E_DSTAR, 6, "dstar-prefix"},
        {"file:/***:r", 0, POLICY_E_DSTAR, 6, "dstar-triple"},
        {"file:/a/b***c:r", 0, POLICY_E_DSTAR, 9, "dstar-inside"},
        {"file:/[ab:r", 0, POLICY_E_CLASS_OPEN, 6, "class-open"},
        {"file:/[a:b]:r", 0, POLICY_E_CLASS_OPEN, 6, "class-colon"},
        {"file:/[]:r", 0, POLICY_E_CLASS_OPEN, 6, "class-bracket-only"},
        {"file:/[!]:r", 0, POLICY_E_CLASS_OPEN, 6, "class-neg-bracket-only"},
        {"file:/x[a-", 0, POLICY_E_CLASS_OPEN, 7, "class-open-range"},
        {"file:/[/]:r", 0, POLICY_E_CLASS_EMPTY, 6, "class-slash-only"},
        {"file:/[!\x01-\xff]:r", 0, POLICY_E_CLASS_EMPTY, 6, "class-empty"},
        {"file:/[z-a]:r", 0, POLICY_E_CLASS_RANGE, 7, "class-range"},
        {"file:/a\\/b:r", 0, POLICY_E_ESCAPE, 7, "escape-slash"},
        {"file:/a\\", 0, POLICY_E_ESCAPE, 7, "escape-end"},
        {"file:/[a\\/]:r", 0, POLICY_E_ESCAPE, 8, "escape-slash-class"},
        {"file:/[a-\\/]:r", 0, POLICY_E_ESCAPE, 9, "escape-slash-range"},
        {"file:/a\0b:r", 11, POLICY_E_NUL, 7, "nul-glob"},
        {"fi\0le:/a:r", 10, POLICY_E_NUL, 2, "nul-scheme"},
        {"file:/a:r\0", 10, POLICY_E_NUL, 9, "nul-rights"},
        {"file:/a:rq", 0, POLICY_E_RIGHT, 9, "right-unknown"},
        {"file:/a:R", 0, POLICY_E_RIGHT, 8, "right-case"},
        {"file:/a:r:", 0, POLICY_E_RIGHT, 9, "right-colon"},
        {"file:/a:rwr", 0, POLICY_E_RIGHT_DUP, 10, "right-dup"},
};

static void
check_good(const struct good *g, size_t n, const char *name)
{
        char out[POLICY_TEXT_MAX + 8];
        struct policy_err err;

        tap_begin();
        for (size_t i = 0; i < n; i++) {
                if (policy_parse(&p1, g[i].in, strlen(g[i].in), &err) != POLICY_OK) {
                        tap_fail("'%s' refused: %s at %zu", g[i].in,
                                 policy_error_name(err.code), err.offset);
                        continue;
                }
                policy_print(&p1, out, sizeof out);
                if (strcmp(out, g[i].canon) != 0)
                        tap_fail("'%s' printed '%s', want '%s'", g[i].in, out, g[i].canon);
        }
        tap_end(name);
}

static void
check_bads(void)
{
        for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
                const struct bad *b = &bads[i];
                size_t len = b->len ? b->len : strlen(b->in);
                struct policy_err err = {POLICY_OK, 999};
                char name[64];
                int r;

                tap_begin();
                r = policy_parse(&p1, b->in, len, &err);
                if (r != (int)b->code || err.code != b->code || err.offset != b->off)
                        tap_fail("'%s' gave %s at %zu (returned %d), want %s at %zu",
                                 b->in, policy_error_name(err.code), err.offset, r,
                                 policy_error_name(b->code), b->off);
                snprintf(name, sizeof name, "error-%s", b->name);
                tap_end(name);
        }
}

static void
check_limits(void)
{
        static char text[POLICY_TEXT_MAX + 16];
        struct policy_err err;

        tap_begin();
        memset(text, 'a', sizeof text);
        memcpy(text, "file:/", 6);
        if (policy_parse(&p1, text, POLICY_TEXT_MAX + 1, &err) != POLICY_E_TOO_LONG ||
            err.offset != POLICY_TEXT_MAX)
                tap_fail("text over %d bytes gave %s at %zu", POLICY_TEXT_MAX,
                         policy_error_name(err.code), err.offset);
        if (policy_parse(NULL, "file:/:r", 8, &err) != POLICY_E_ARG)
                tap_fail("NULL out accepted");
        if (policy_parse(&p1, NULL, 3, &err) != POLICY_E_ARG)
                tap_fail("NULL text accepted");
        tap_end("error-text-too-long-and-args");
}

static void
check_rights(void)
{
        static const struct { const char *t; uint8_t want; } ok[] = {
                {"", 0}, {"r", POLICY_R_READ}, {"w", POLICY_R_WRITE},
                {"c", POLICY_R_CREATE}, {"d", POLICY_R_DELETE}, {"x", POLICY_R_EXEC},
                {"l", POLICY_R_LIST}, {"lxdcwr", POLICY_R_ALL},
        };
        struct policy_err err;
        char buf[8];
        uint8_t r;

        tap_begin();
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
                if (policy_parse_rights(ok[i].t, strlen(ok[i].t), &r, &err) != POLICY_OK ||
                    r != ok[i].want)
                        tap_fail("rights '%s' gave %#x", ok[i].t, r);
        }
        policy_print_rights(POLICY_R_ALL, buf, sizeof buf);
        if (strcmp(buf, "rwcdxl") != 0)
                tap_fail("all rights print as '%s'", buf);
        if (!policy_rights_subset(POLICY_R_READ, POLICY_R_READ | POLICY_R_WRITE) ||
            policy_rights_subset(POLICY_R_READ | POLICY_R_EXEC, POLICY_R_READ) ||
            !policy_rights_subset(0, 0))
                tap_fail("policy_rights_subset is wrong");
        tap_end("rights-letters");
}

static bool
same_compiled(const struct policy *a, const struct policy *b)
{
        if (strcmp(a->scheme, b->scheme) || a->rights != b->rights ||
            a->glob.nops != b->glob.nops || a->glob.nsets != b->glob.nsets)
                return false;
        return memcmp(a->glob.ops, b->glob.ops, a->glob.nops * sizeof a->glob.ops[0]) == 0 &&
               memcmp(a->glob.sets, b->glob.sets, a->glob.nsets * sizeof a->glob.sets[0]) == 0;
}

/* print(parse(x)) parses back to the same compiled form and prints the same. */
static int
fixed_point(const char *in, size_t len)
{
        static char o1[POLICY_TEXT_MAX + 8], o2[POLICY_TEXT_MAX + 8];
        struct policy_err err;
        size_t n1;

        if (policy_parse(&p1, in, len, &err) != POLICY_OK)
                return 0;
        n1 = policy_print(&p1, o1, sizeof o1);
        if (policy_parse(&p2, o1, n1, &err) != POLICY_OK) {
                tap_fail("canonical '%s' refused: %s at %zu", o1,
                         policy_error_name(err.code), err.offset);
                return 1;
        }
        policy_print(&p2, o2, sizeof o2);
        if (strcmp(o1, o2) != 0 || !same_compiled(&p1, &p2))
                tap_fail("'%s' -> '%s' -> '%s'", in, o1, o2);
        return 1;
}

static void
check_fixed_point_random(uint64_t seed)
{
        static const char alpha[] = "ab./*?[]!-\\:^]\x01\xff";
        char text[64];
        int parsed = 0;

        tap_begin();
        for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++)
                fixed_point(goods[i].in, strlen(goods[i].in));
        for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
                fixed_point(classes[i].in, strlen(classes[i].in));
        for (int n = 0; n < 200000; n++) {
                size_t len = 6 + tap_below(&seed, 20);

                memcpy(text, "file:/", 6);
                for (size_t i = 6; i < len; i++)
                        text[i] = alpha[tap_below(&seed, sizeof alpha - 1)];
                text[len++] = ':';
                text[len++] = 'r';
                parsed += fixed_point(text, len);
        }
        printf("# fixed point: %d of 200000 random texts parsed\n", parsed);
        tap_end("printer-fixed-point");
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "test_parse");

        check_good(goods, sizeof goods / sizeof goods[0], "grammar-canonical");
        check_good(classes, sizeof classes / sizeof classes[0], "grammar-classes");
        check_bads();
        check_limits();
        check_rights();
        check_fixed_point_random(seed);
        return tap_exit();
}
