/*
 * Unit tests of the boot.conf parser: valid files and their fields, every error
 * code with its exact line:column, the limits at and one past each bound, the
 * message text, and the print/parse round trip.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootconf/bootconf.h>

#include "conf_print.h"

#define TAP_GROUP "bootconf/"
#include "../../test/include/test/host_tap.h"

#define MAXE 16
static struct bootconf_entry entries[MAXE], entries2[MAXE];
static char pool[64 * 1024], pool2[64 * 1024];
static struct bootconf conf, conf2;
static struct bootconf_err err;

static enum bootconf_error
parse_n(const char *text, size_t len)
{
        bootconf_init(&conf, entries, MAXE, pool, sizeof pool);
        return bootconf_parse(&conf, text, len, &err);
}

static enum bootconf_error
parse(const char *text)
{
        return parse_n(text, strlen(text));
}

static const char *
errtext(void)
{
        static char buf[256];

        bootconf_format_error(&err, "boot.conf", buf, sizeof buf);
        return buf;
}

/* ---- valid files ------------------------------------------------------------- */

static const char example[] =
        "# Writ's boot configuration\n"
        "\n"
        "server log   /sbin/log  serves=log prio=200 restart=yes\n"
        "driver serial /drivers/serial serves=console ioport=0x3f8-0x3ff irq=4 use=log\n"
        "server file /sbin/file serves=file quota=16M use=log use=\"file:/home/**:rw\"\n"
        "  \t# an indented comment\n"
        "driver fb /drivers/fb devmem=0xfd000000+0x400000 devmem=4096+4096 irq=0 irq=23 devmem=framebuffer\n"
        "run tests /bin/tests quota=0 env=TERM=vt100 env=HOME=\"/home/a b\" -- kern \"a b\" \"\" '#x'\n"
        "run shell /bin/sh prio=0 restart=no -- -l # login shell\n";

static void
test_example(void)
{
        const struct bootconf_entry *e;

        tap_begin();
        if (parse(example) != BOOTCONF_OK) {
                tap_fail("parse: %s", errtext());
                tap_end("valid-example");
                return;
        }
        if (conf.nentries != 6)
                tap_fail("%zu entries", conf.nentries);
        e = &entries[0];
        if (e->kind != BOOTCONF_SERVER || strcmp(e->name, "log") || strcmp(e->path, "/sbin/log") ||
            strcmp(e->serves, "log") || e->prio != 200 || !e->restart || e->line != 3 ||
            e->given != (BOOTCONF_HAS_SERVES | BOOTCONF_HAS_PRIO | BOOTCONF_HAS_RESTART))
                tap_fail("entry log");
        e = &entries[1];
        if (e->kind != BOOTCONF_DRIVER || e->nioports != 1 || e->ioports[0].first != 0x3f8 ||
            e->ioports[0].last != 0x3ff || e->nirqs != 1 || e->irqs[0] != 4 || e->nuses != 1 ||
            strcmp(e->uses[0], "log"))
                tap_fail("entry serial");
        e = &entries[2];
        if (e->quota != 16u << 20 || e->nuses != 2 || strcmp(e->uses[1], "file:/home/**:rw"))
                tap_fail("entry file");
        e = &entries[3];
        if (e->ndevmem != 3 || e->devmem[0].addr != 0xfd000000 || e->devmem[0].size != 0x400000 ||
            e->devmem[1].addr != 4096 || e->devmem[1].size != 4096 || e->nirqs != 2 ||
            e->devmem[2].addr != 0 || e->devmem[2].size != 0 ||
            e->irqs[1] != 23 || e->serves[0] || e->line != 7)
                tap_fail("entry fb");
        e = &entries[4];
        if (e->kind != BOOTCONF_RUN || e->nenv != 2 || strcmp(e->env[0], "TERM=vt100") ||
            strcmp(e->env[1], "HOME=/home/a b") || e->nargs != 4 || strcmp(e->args[0], "kern") ||
            strcmp(e->args[1], "a b") || strcmp(e->args[2], "") || strcmp(e->args[3], "'#x'") ||
            e->given != BOOTCONF_HAS_QUOTA || e->quota != 0)
                tap_fail("entry tests");
        e = &entries[5];
        if (e->nargs != 1 || strcmp(e->args[0], "-l") || e->restart || e->prio != 0)
                tap_fail("entry shell");
        if (bootconf_last_run(&conf) != &entries[5])
                tap_fail("last run");
        if (bootconf_find(&conf, "fb") != &entries[3] || bootconf_find(&conf, "nope"))
                tap_fail("find");
        if (bootconf_find_server(&conf, "console") != &entries[1] ||
            bootconf_find_server(&conf, "") || bootconf_find_server(&conf, "zero"))
                tap_fail("find_server");
        tap_end("valid-example");
}

struct good {
        const char *name, *text;
};

static const struct good goods[] = {
        {"empty", ""},
        {"only-comments", "# a\n\n   \n\t# b\n#"},
        {"no-final-newline", "run a /a"},
        {"crlf", "run a /a -- x\r\nrun b /b\r\n"},
        {"quoted-escapes", "run a /a -- \"q\\\"b\\\\s\\nn\" x\"y z\"w"},
        {"hash-inside-word", "run a /a -- a#b \"#c\""},
        {"quoted-path", "run a \"/a b/c\""},
        {"eq-after-quote-is-arg", "run a /a -- k=v"},
        {"utf8", "run a /\xc3\xa9t\xc3\xa9 -- \xe2\x9c\x93"},
        {"quota-suffixes", "run a /a quota=1K\nrun b /b quota=3G\nrun c /c quota=17179869183G"},
        {"ioport-single", "driver a /a ioport=0x60 ioport=65535-0xffff ioport=0-0"},
        {"name-max", "run abcdefghijklmnopqrstuvwxyz01234 /a"},
        {"use-escaped-colon", "run a /a use=file:/a\\:b:r"},
        {"env-empty-value", "run a /a env=X= env=_y1=a=b"},
        {"tab-separated", "run\ta\t/a\tprio=3\t--\tx"},
        {"devmem-top", "driver a /a devmem=0xfffffffffffff000+0x1000"},
        {"serves-other-scheme", "server a /a serves=a\nserver b /b serves=b use=a"},
};

static void
test_goods(void)
{
        tap_begin();
        for (size_t k = 0; k < sizeof goods / sizeof goods[0]; k++)
                if (parse(goods[k].text) != BOOTCONF_OK)
                        tap_fail("%s: %s", goods[k].name, errtext());
        if (parse("run a /a -- \"q\\\"b\\\\s\\nn\" x\"y z\"w") == BOOTCONF_OK &&
            (strcmp(entries[0].args[0], "q\"b\\s\nn") || strcmp(entries[0].args[1], "xy zw")))
                tap_fail("escape decoding: '%s' '%s'", entries[0].args[0], entries[0].args[1]);
        if (parse("run c /c quota=17179869183G") == BOOTCONF_OK &&
            entries[0].quota != 17179869183ull << 30)
                tap_fail("quota G");
        if (parse("run a \"/a b/c\"") == BOOTCONF_OK && strcmp(entries[0].path, "/a b/c"))
                tap_fail("quoted path '%s'", entries[0].path);
        if (parse("run a /a -- k=v") == BOOTCONF_OK && strcmp(entries[0].args[0], "k=v"))
                tap_fail("arg k=v");
        tap_end("valid-small");
}

/* ---- limits: at the bound parses, one past fails ----------------------------- */

static char big[256 * 1024];

static void
repeat(const char *head, const char *item, int n, const char *tail)
{
        size_t k = (size_t)snprintf(big, sizeof big, "%s", head);

        for (int i = 0; i < n; i++)
                k += (size_t)snprintf(big + k, sizeof big - k, item, i);
        snprintf(big + k, sizeof big - k, "%s", tail);
}

struct limit {
        const char *name, *head, *item;
        int max;
        enum bootconf_error code;
};

static const struct limit limits[] = {
        {"ioport", "driver a /a", " ioport=%d", 8, BOOTCONF_E_TOO_MANY},
        {"irq", "driver a /a", " irq=%d", 8, BOOTCONF_E_TOO_MANY},
        {"devmem", "driver a /a", " devmem=0x%d000+4096", 4, BOOTCONF_E_TOO_MANY},
        {"use", "run a /a", " use=s%d", 16, BOOTCONF_E_TOO_MANY},
        {"env", "run a /a", " env=V%d=1", 16, BOOTCONF_E_TOO_MANY},
        {"args", "run a /a --", " a%d", 64, BOOTCONF_E_TOO_MANY_ARGS},
        {"entries", "", "run a%d /a\n", MAXE, BOOTCONF_E_ENTRIES},
};

static void
test_limits(void)
{
        tap_begin();
        for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
                const struct limit *l = &limits[k];

                repeat(l->head, l->item, l->max, "");
                if (parse(big) != BOOTCONF_OK)
                        tap_fail("%s: %d rejected: %s", l->name, l->max, errtext());
                repeat(l->head, l->item, l->max + 1, "");
                if (parse(big) != l->code)
                        tap_fail("%s: %d accepted or wrong error: %s", l->name, l->max + 1, errtext());
        }
        /* Path: 255 bytes fine, 256 not. */
        memset(big, 0, sizeof big);
        strcpy(big, "run a /");
        memset(big + 7, 'p', 254);
        if (parse(big) != BOOTCONF_OK)
                tap_fail("path 255: %s", errtext());
        big[7 + 254] = 'p';
        if (parse(big) != BOOTCONF_E_PATH || err.col != 7)
                tap_fail("path 256: %s", errtext());
        /* Line: 4096 bytes fine, 4097 not (column 4097). */
        memset(big, 0, sizeof big);
        strcpy(big, "run a /a --");
        memset(big + 11, ' ', 4096 - 12);
        big[4095] = 'x';
        if (strlen(big) != 4096 || parse(big) != BOOTCONF_OK || entries[0].nargs != 1)
                tap_fail("line 4096: %s", errtext());
        strcat(big, "y\n");
        if (parse(big) != BOOTCONF_E_LINE_LONG || err.line != 1 || err.col != 4097)
                tap_fail("line 4097: %s", errtext());
        /* Pool: exactly enough, then one byte short. */
        bootconf_init(&conf, entries, MAXE, pool, 6);
        if (bootconf_parse(&conf, "run a /a -- ab cd", 17, &err) != BOOTCONF_OK)
                tap_fail("pool exact: %s", errtext());
        bootconf_init(&conf, entries, MAXE, pool, 5);
        if (bootconf_parse(&conf, "run a /a -- ab cd", 17, &err) != BOOTCONF_E_SPACE ||
            err.col != 16)
                tap_fail("pool short: %s", errtext());
        bootconf_init(&conf, NULL, 0, NULL, 0);
        if (bootconf_parse(&conf, "#\n", 2, &err) != BOOTCONF_OK)
                tap_fail("no memory, no entries");
        if (bootconf_parse(NULL, "", 0, &err) != BOOTCONF_E_ARG)
                tap_fail("NULL conf");
        tap_end("limits");
}

/* ---- errors ------------------------------------------------------------------ */

struct bad {
        const char *name, *text;
        enum bootconf_error code;
        uint32_t line, col;
        const char *msg;        /* a substring of the message */
};

static const struct bad bads[] = {
        {"kind", "# c\nsrever a /a", BOOTCONF_E_KIND, 2, 1, "unknown kind 'srever'"},
        {"kind-quoted", "\"run\" a /a", BOOTCONF_E_KIND, 1, 1, "unknown kind"},
        {"kind-case", "  Run a /a", BOOTCONF_E_KIND, 1, 3, "'Run'"},
        {"missing-name", "run", BOOTCONF_E_MISSING, 1, 4, "missing NAME"},
        {"missing-path", "run a   # c", BOOTCONF_E_MISSING, 1, 9, "missing PATH"},
        {"name-upper", "run Shell /a", BOOTCONF_E_NAME, 1, 5, "bad name 'Shell'"},
        {"name-digit", "run 1a /a", BOOTCONF_E_NAME, 1, 5, "bad name"},
        {"name-long", "run abcdefghijklmnopqrstuvwxyz012345 /a", BOOTCONF_E_NAME, 1, 5, "bad name"},
        {"name-underscore", "run a_b /a", BOOTCONF_E_NAME, 1, 5, "bad name"},
        {"name-dup", "run a /a\nrun b /b\n\nserver a /c", BOOTCONF_E_NAME_DUP, 4, 8,
         "duplicate name 'a' (first on line 1)"},
        {"path-relative", "run a sbin/a", BOOTCONF_E_PATH_RELATIVE, 1, 7, "path 'sbin/a' is not absolute"},
        {"path-empty", "run a \"\"", BOOTCONF_E_PATH_RELATIVE, 1, 7, "not absolute"},
        {"path-dotdot", "run a /a/../b", BOOTCONF_E_PATH, 1, 7, "bad path"},
        {"path-dot", "run a /./b", BOOTCONF_E_PATH, 1, 7, "bad path"},
        {"path-double-slash", "run a /a//b", BOOTCONF_E_PATH, 1, 7, "bad path"},
        {"path-trailing-slash", "run a /a/", BOOTCONF_E_PATH, 1, 7, "bad path"},
        {"path-root", "run a /", BOOTCONF_E_PATH, 1, 7, "bad path"},
        {"not-key", "run a /a prio=1 stray", BOOTCONF_E_NOT_KEY, 1, 17, "expected KEY=VALUE or --, not 'stray'"},
        {"not-key-empty-key", "run a /a =3", BOOTCONF_E_NOT_KEY, 1, 10, "expected KEY=VALUE"},
        {"not-key-quoted", "run a /a \"prio=3\"", BOOTCONF_E_NOT_KEY, 1, 10, "expected KEY=VALUE"},
        {"unknown-key", "\n\nrun x /bin/file qouta=1", BOOTCONF_E_KEY, 3, 17, "unknown key 'qouta'"},
        {"key-case", "run x /a Prio=1", BOOTCONF_E_KEY, 1, 10, "unknown key 'Prio'"},
        {"serves-on-run", "run a /a serves=x", BOOTCONF_E_KEY_KIND, 1, 10, "key 'serves' is not valid for run"},
        {"serves-dup-scheme", "server a /a serves=log\ndriver b /b prio=1 serves=log", BOOTCONF_E_SCHEME_DUP,
         2, 27, "scheme 'log' already served by 'a' (line 1)"},
        {"serves-twice", "server a /a serves=x serves=y", BOOTCONF_E_KEY_DUP, 1, 22, "key 'serves' given twice"},
        {"prio-twice", "run a /a prio=1 prio=1", BOOTCONF_E_KEY_DUP, 1, 17, "key 'prio' given twice"},
        {"quota-twice", "run a /a quota=1 quota=1", BOOTCONF_E_KEY_DUP, 1, 18, "given twice"},
        {"restart-twice", "run a /a restart=no restart=yes", BOOTCONF_E_KEY_DUP, 1, 21, "given twice"},
        {"serves-bad", "server a /a serves=Log", BOOTCONF_E_SCHEME, 1, 20, "bad scheme 'Log'"},
        {"serves-empty", "server a /a serves=", BOOTCONF_E_SCHEME, 1, 20, "bad scheme"},
        {"quota-letters", "run a /a quota=12x", BOOTCONF_E_NUMBER, 1, 16, "bad number '12x'"},
        {"quota-lower-suffix", "run a /a quota=1k", BOOTCONF_E_NUMBER, 1, 16, "bad number"},
        {"quota-hex", "run a /a quota=0x10", BOOTCONF_E_NUMBER, 1, 16, "bad number"},
        {"quota-empty", "run a /a quota=", BOOTCONF_E_NUMBER, 1, 16, "bad number"},
        {"quota-suffix-only", "run a /a quota=M", BOOTCONF_E_NUMBER, 1, 16, "bad number"},
        {"quota-overflow", "run a /a quota=17179869184G", BOOTCONF_E_OUT_OF_RANGE, 1, 16, "out of range"},
        {"quota-overflow-u64", "run a /a quota=18446744073709551616", BOOTCONF_E_OUT_OF_RANGE, 1, 16, "out of range"},
        {"leading-zero", "run a /a prio=010", BOOTCONF_E_NUMBER, 1, 15, "bad number '010'"},
        {"prio-256", "run a /a prio=256", BOOTCONF_E_OUT_OF_RANGE, 1, 15, "number out of range '256' (want 0..255)"},
        {"prio-negative", "run a /a prio=-1", BOOTCONF_E_NUMBER, 1, 15, "bad number"},
        {"prio-bare-0x", "run a /a prio=0x", BOOTCONF_E_NUMBER, 1, 15, "bad number"},
        {"restart-bad", "run a /a restart=true", BOOTCONF_E_VALUE, 1, 18, "bad value 'true' for restart="},
        {"ioport-reversed", "driver a /a ioport=0x3ff-0x3f8", BOOTCONF_E_REVERSED, 1, 20, "range reversed '0x3ff-0x3f8'"},
        {"ioport-big", "driver a /a ioport=0x3f8-0x10000", BOOTCONF_E_OUT_OF_RANGE, 1, 26, "'0x10000'"},
        {"ioport-bad-first", "driver a /a ioport=x-3", BOOTCONF_E_NUMBER, 1, 20, "bad number 'x'"},
        {"ioport-bad-last", "driver a /a ioport=1-", BOOTCONF_E_NUMBER, 1, 22, "bad number ''"},
        {"ioport-quoted-col", "driver a /a ioport=\"1-x\"", BOOTCONF_E_NUMBER, 1, 20, "bad number 'x'"},
        {"irq-24", "driver a /a irq=24", BOOTCONF_E_OUT_OF_RANGE, 1, 17, "(want 0..23)"},
        {"irq-bad", "driver a /a irq=4 irq=", BOOTCONF_E_NUMBER, 1, 23, "bad number"},
        {"devmem-no-plus", "driver a /a devmem=0x1000", BOOTCONF_E_VALUE, 1, 20, "want ADDR+SIZE"},
        {"devmem-framebufferx", "driver a /a devmem=framebufferx", BOOTCONF_E_VALUE, 1, 20, "want ADDR+SIZE"},
        {"devmem-unaligned-addr", "driver a /a devmem=0x1001+0x1000", BOOTCONF_E_ALIGN, 1, 20, "address '0x1001' is not page-aligned"},
        {"devmem-unaligned-size", "driver a /a devmem=0x1000+0x10", BOOTCONF_E_ALIGN, 1, 27, "size '0x10'"},
        {"devmem-zero-size", "driver a /a devmem=0x1000+0", BOOTCONF_E_ALIGN, 1, 27, "size '0'"},
        {"devmem-wrap", "driver a /a devmem=0xfffffffffffff000+0x2000", BOOTCONF_E_OUT_OF_RANGE, 1, 20, "wraps"},
        {"devmem-bad-size", "driver a /a devmem=0x1000+z", BOOTCONF_E_NUMBER, 1, 27, "bad number 'z'"},
        {"use-bad-scheme", "run a /a use=File", BOOTCONF_E_SCHEME, 1, 14, "bad scheme 'File' in use="},
        {"use-empty", "run a /a use=", BOOTCONF_E_SCHEME, 1, 14, "bad scheme"},
        {"use-no-rights", "run a /a use=file:/a", BOOTCONF_E_USE, 1, 14, "bad use= 'file:/a'"},
        {"env-no-eq", "run a /a env=X", BOOTCONF_E_ENV, 1, 14, "bad env= 'X'"},
        {"env-bad-name", "run a /a env=1X=2", BOOTCONF_E_ENV, 1, 14, "bad env="},
        {"env-empty-name", "run a /a env==2", BOOTCONF_E_ENV, 1, 14, "bad env="},
        {"env-twice", "run a /a env=A=1 env=B=2 env=A=3", BOOTCONF_E_ENV, 1, 30, "env 'A' given twice"},
        {"quote-unterminated", "run a /a -- \"abc", BOOTCONF_E_QUOTE, 1, 13, "unterminated quote"},
        {"quote-newline", "run a /a -- \"ab\nc\"", BOOTCONF_E_QUOTE, 1, 13, "unterminated quote"},
        {"quote-backslash-end", "run a /a -- \"ab\\", BOOTCONF_E_QUOTE, 1, 13, "unterminated quote"},
        {"escape-bad", "run a /a -- \"a\\tb\"", BOOTCONF_E_ESCAPE, 1, 15, "bad escape '\\x5ct'"},
        {"escape-x", "run a /a env=A=\"\\x41\"", BOOTCONF_E_ESCAPE, 1, 17, "bad escape"},
        {"control", "run a /a -- a\x01" "b", BOOTCONF_E_CONTROL, 1, 14, "control character"},
        {"control-in-quotes", "run a /a -- \"\x1b[m\"", BOOTCONF_E_CONTROL, 1, 14, "control character in quotes"},
        {"del", "run a /a -- \x7f", BOOTCONF_E_CONTROL, 1, 13, "control character"},
        {"cr-in-quotes", "run a /a -- \"a\r\"", BOOTCONF_E_CONTROL, 1, 15, "control"},
};

static void
test_bads(void)
{
        for (size_t k = 0; k < sizeof bads / sizeof bads[0]; k++) {
                const struct bad *b = &bads[k];
                enum bootconf_error got;
                char name[96];

                tap_begin();
                got = parse(b->text);
                if (got != b->code || err.code != b->code)
                        tap_fail("got %s, want %s (%s)", bootconf_error_name(got),
                            bootconf_error_name(b->code), errtext());
                else if (err.line != b->line || err.col != b->col)
                        tap_fail("at %u:%u, want %u:%u (%s)", err.line, err.col, b->line, b->col,
                            errtext());
                else if (!strstr(err.msg, b->msg))
                        tap_fail("message '%s' lacks '%s'", err.msg, b->msg);
                snprintf(name, sizeof name, "error-%s", b->name);
                tap_end(name);
        }
}

/* The NUL test needs an explicit length. */
static void
test_nul(void)
{
        static const char text[] = "run a /a\nrun b /b -- x\0y\n";

        tap_begin();
        if (parse_n(text, sizeof text - 1) != BOOTCONF_E_NUL || err.line != 2 || err.col != 14)
                tap_fail("%s", errtext());
        if (parse_n("\0", 1) != BOOTCONF_E_NUL || err.line != 1 || err.col != 1)
                tap_fail("lone NUL: %s", errtext());
        tap_end("error-nul");
}

static void
test_format(void)
{
        char buf[64], small[12];
        size_t n;

        tap_begin();
        parse("\n\nrun x /bin/file qouta=1");
        n = bootconf_format_error(&err, "boot.conf", buf, sizeof buf);
        if (strcmp(buf, "boot.conf:3:17: unknown key 'qouta'") || n != strlen(buf))
                tap_fail("'%s'", buf);
        n = bootconf_format_error(&err, "boot.conf", small, sizeof small);
        if (strcmp(small, "boot.conf:3") || n != strlen(buf))
                tap_fail("truncated '%s' %zu", small, n);
        parse("run a /a -- \"\x1b\"");
        if (strcmp(err.msg, "control character in quotes"))
                tap_fail("'%s'", err.msg);
        parse("run a /a -- \"\\\x1b\"");
        if (strcmp(err.msg, "bad escape '\\x5c\\x1b' (want \\\" \\\\ or \\n)"))
                tap_fail("escape message '%s'", err.msg);
        parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        if (!strstr(err.msg, "aaaa...'"))
                tap_fail("long word not shortened: '%s'", err.msg);
        for (int e = 0; e <= BOOTCONF_E_ARG; e++)
                if (!strcmp(bootconf_strerror((enum bootconf_error)e), "unknown error"))
                        tap_fail("no message for %d", e);
        tap_end("error-format");
}

static void
roundtrip(const char *text, const char *what)
{
        static char out[256 * 1024];
        const char *d;

        if (parse(text) != BOOTCONF_OK) {
                tap_fail("%s: %s", what, errtext());
                return;
        }
        conf_print(&conf, out, sizeof out);
        bootconf_init(&conf2, entries2, MAXE, pool2, sizeof pool2);
        if (bootconf_parse(&conf2, out, strlen(out), &err) != BOOTCONF_OK)
                tap_fail("%s: reparse: %s\n%s", what, errtext(), out);
        else if ((d = conf_diff(&conf, &conf2)) != NULL)
                tap_fail("%s: %s differs after print\n%s", what, d, out);
}

static void
test_roundtrip(void)
{
        tap_begin();
        roundtrip(example, "example");
        for (size_t k = 0; k < sizeof goods / sizeof goods[0]; k++)
                roundtrip(goods[k].text, goods[k].name);
        tap_end("roundtrip");
}

int
main(void)
{
        test_example();
        test_goods();
        test_limits();
        test_bads();
        test_nul();
        test_format();
        test_roundtrip();
        fflush(stdout);
        return tap_failed_total ? 1 : 0;
}
