/*
 * Unit tests of the cpio newc reader: a valid archive iterated and searched
 * (files, directories, symlinks, an empty file, a hard link), every malformed case
 * with its error code and byte offset, every truncation and every one-byte change
 * of a valid archive (no crash, no read out of bounds under ASan), and the entry
 * limit.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "builder.h"

#define TAP_GROUP "archive/"
#include "../../test/include/test/host_tap.h"

static unsigned char buf[4 << 20];
static struct builder bd;
static struct archive arc;
static struct archive_err err;

static void
reset(void)
{
        memset(buf, 0, sizeof buf);
        bd = (struct builder){buf, sizeof buf, 0};
}

static enum archive_error
open_n(size_t n)
{
        /* A copy of exactly n bytes on the heap, so ASan sees any read past it. */
        static unsigned char *copy;

        free(copy);
        copy = malloc(n ? n : 1);
        memcpy(copy, buf, n);
        return archive_open(&arc, copy, n, &err);
}

static enum archive_error
open_built(void)
{
        return open_n(bd.n);
}

/* ---- a valid archive --------------------------------------------------------- */

static void
build_valid(void)
{
        struct spec link1 = {.name = "bin/sh", .mode = 0100755, .ino = 7, .nlink = 2};
        struct spec link2 = {.name = "bin/ash", .mode = 0100755, .ino = 7, .nlink = 2,
                             .data = "#!ELF", .size = 5, .mtime = 1234};
        struct spec empty = {.name = "etc/empty", .mode = 0100600};

        reset();
        b_dir(&bd, "bin");
        b_dir(&bd, "etc");
        b_entry(&bd, &link1);
        b_file(&bd, "etc/boot.conf", "run sh /bin/sh\n");
        b_entry(&bd, &empty);
        b_symlink(&bd, "etc/rc", "/bin/sh");
        b_entry(&bd, &link2);
        b_trailer(&bd);
}

static void
test_valid(void)
{
        struct archive_iter it;
        struct archive_entry e;
        size_t n = 0;

        tap_begin();
        build_valid();
        if (open_built() != ARCHIVE_OK) {
                tap_fail("open: %s at %zu", err.msg, err.offset);
                tap_end("valid");
                return;
        }
        if (arc.nentries != 7)
                tap_fail("%zu entries", arc.nentries);
        archive_iter_init(&it, &arc);
        while (archive_next(&it, &e)) {
                n++;
                if (strlen(e.name) != e.name_len)
                        tap_fail("name_len of %s", e.name);
                if (n == 1 && (e.type != ARCHIVE_DIR || strcmp(e.name, "bin") || e.perm != 0755 ||
                               e.offset != 0 || e.nlink != 2))
                        tap_fail("entry 1");
                if (n == 3 && (e.type != ARCHIVE_REG || e.size != 5 || memcmp(e.data, "#!ELF", 5)))
                        tap_fail("hard link bin/sh did not get the data of bin/ash");
                if (n == 5 && (e.size != 0 || e.perm != 0600))
                        tap_fail("empty file");
                if (n == 6 && (e.type != ARCHIVE_SYMLINK || e.size != 7 || memcmp(e.data, "/bin/sh", 7)))
                        tap_fail("symlink");
                if (n == 7 && (e.mtime != 1234 || e.ino != 7 || e.mode != 0100755))
                        tap_fail("fields of bin/ash");
        }
        if (n != 7)
                tap_fail("iterated %zu", n);
        if (archive_lookup(&arc, "/etc/boot.conf", 14, &e) != ARCHIVE_OK ||
            e.size != 15 || memcmp(e.data, "run sh /bin/sh\n", 15))
                tap_fail("lookup /etc/boot.conf");
        if (archive_lookup(&arc, "etc", 3, &e) != ARCHIVE_OK || e.type != ARCHIVE_DIR)
                tap_fail("lookup etc");
        if (archive_lookup(&arc, "bin/sh", 6, &e) != ARCHIVE_OK || e.size != 5)
                tap_fail("lookup of the first name of a hard link");
        if (archive_lookup(&arc, "/etc/boot", 9, &e) != ARCHIVE_E_NOT_FOUND ||
            archive_lookup(&arc, "/", 1, &e) != ARCHIVE_E_NOT_FOUND ||
            archive_lookup(&arc, "", 0, &e) != ARCHIVE_E_NOT_FOUND ||
            archive_lookup(&arc, "etc/boot.conf/x", 15, &e) != ARCHIVE_E_NOT_FOUND)
                tap_fail("lookup of missing names");
        /* The trailer padded to a 512-byte block with zeros, as cpio writes it. */
        bd.n = (bd.n + 511) & ~(size_t)511;
        if (open_built() != ARCHIVE_OK || arc.nentries != 7)
                tap_fail("zero padding after the trailer: %s", err.msg);
        /* The empty archive: just the trailer. */
        reset();
        b_trailer(&bd);
        if (open_built() != ARCHIVE_OK || arc.nentries != 0)
                tap_fail("trailer only: %s", err.msg);
        archive_iter_init(&it, &arc);
        if (archive_next(&it, &e))
                tap_fail("iterated an empty archive");
        tap_end("valid");
}

/* ---- malformed archives ------------------------------------------------------ */

#define FIELD(f) (6 + 8 * (f))

struct bad {
        const char *name;
        enum archive_error code;
        size_t (*build)(void);          /* builds into bd, returns the expected offset */
};

static size_t
bad_empty(void)
{
        return 0;
}

static size_t
bad_magic(void)
{
        b_trailer(&bd);
        memcpy(buf, "070707", 6);
        return 0;
}

static size_t
bad_magic_crc(void)
{
        size_t at = b_file(&bd, "a", "x");

        b_trailer(&bd);
        buf[at + 5] = '2';
        return at;
}

static size_t
bad_hex(void)
{
        size_t at;

        b_file(&bd, "a", "x");
        at = b_file(&bd, "b", "y");
        b_trailer(&bd);
        buf[at + FIELD(6) + 3] = 'g';
        return at + FIELD(6) + 3;
}

static size_t
bad_hex_space(void)
{
        size_t at = b_file(&bd, "a", "x");

        b_trailer(&bd);
        buf[at + FIELD(11)] = ' ';
        return at + FIELD(11);
}

static size_t
bad_namesize0(void)
{
        struct spec s = {.name = "a", .mode = 0100644, .namesize = -1};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + FIELD(11);
}

static size_t
bad_name_past_end(void)
{
        struct spec s = {.name = "abc", .mode = 0100644, .namesize = 1000};

        return b_entry(&bd, &s) + FIELD(11);
}

static size_t
bad_name_no_nul(void)
{
        struct spec s = {.name = "abcd", .mode = 0100644, .namesize = 4, .no_nul = 1};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + 110 + 3;
}

static size_t
bad_name_inner_nul(void)
{
        struct spec s = {.name = "ab\0cd", .name_len = 5, .mode = 0100644};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + 110 + 2;
}

static size_t
bad_data_past_end(void)
{
        struct spec s = {.name = "a", .mode = 0100644, .data = "xy", .size = 2, .filesize = 1000};

        b_file(&bd, "b", "z");
        return b_entry(&bd, &s) + FIELD(6);
}

static size_t
bad_no_trailer(void)
{
        b_file(&bd, "a", "x");
        b_dir(&bd, "d");
        return bd.n;
}

static size_t
bad_truncated(void)
{
        size_t at;

        b_file(&bd, "a", "x");
        at = b_trailer(&bd);
        bd.n = at + 109;
        return at;
}

static size_t
bad_trailer_data(void)
{
        struct spec s = {.name = "TRAILER!!!", .data = "x", .size = 1};
        size_t at;

        b_file(&bd, "a", "x");
        at = b_entry(&bd, &s);
        return at + FIELD(6);
}

static size_t
bad_after_trailer(void)
{
        b_file(&bd, "a", "x");
        b_trailer(&bd);
        bd.n += 100;
        buf[bd.n - 7] = 1;
        return bd.n - 7;
}

static size_t
bad_second_archive(void)
{
        b_trailer(&bd);
        b_file(&bd, "a", "x");
        b_trailer(&bd);
        return 124;
}

/* Names: each returns the offset of the bad segment within the name. */
static size_t
name_case(const char *name, size_t seg)
{
        size_t at;

        b_file(&bd, "ok", "x");
        at = b_file(&bd, name, "y");
        b_trailer(&bd);
        return at + 110 + seg;
}

static size_t bad_name_abs(void) { return name_case("/etc/a", 0); }
static size_t bad_name_dot(void) { return name_case(".", 0); }
static size_t bad_name_dot_slash(void) { return name_case("./etc/a", 0); }
static size_t bad_name_dotdot(void) { return name_case("etc/../../a", 4); }
static size_t bad_name_dotdot_end(void) { return name_case("etc/..", 4); }
static size_t bad_name_double_slash(void) { return name_case("etc//a", 4); }
static size_t bad_name_trailing_slash(void) { return name_case("etc/", 4); }
static size_t bad_name_empty(void) { return name_case("", 0); }

static size_t
bad_name_segment_long(void)
{
        static char name[300];

        memcpy(name, "d/", 2);
        memset(name + 2, 'n', 256);
        name[258] = '\0';
        return name_case(name, 2);
}

static size_t
bad_name_path_long(void)
{
        static char name[4200];

        for (int k = 0; k < 4096; k++)
                name[k] = k % 100 == 99 ? '/' : 'p';
        name[4096] = '\0';
        return name_case(name, 0);
}

static size_t
type_case(unsigned mode)
{
        struct spec s = {.name = "dev/x", .mode = mode};
        size_t at;

        b_dir(&bd, "dev");
        at = b_entry(&bd, &s);
        b_trailer(&bd);
        return at + FIELD(1);
}

static size_t bad_type_chr(void) { return type_case(0020666); }
static size_t bad_type_blk(void) { return type_case(0060660); }
static size_t bad_type_fifo(void) { return type_case(0010644); }
static size_t bad_type_sock(void) { return type_case(0140755); }
static size_t bad_type_zero(void) { return type_case(0); }

static size_t
bad_dir_data(void)
{
        struct spec s = {.name = "d", .mode = 0040755, .data = "abc", .size = 3};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + FIELD(6);
}

static size_t
bad_symlink_empty(void)
{
        struct spec s = {.name = "l", .mode = 0120777};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + 112;
}

static size_t
bad_symlink_nul(void)
{
        struct spec s = {.name = "ln", .mode = 0120777, .data = "a\0b", .size = 3};
        size_t at = b_entry(&bd, &s);

        b_trailer(&bd);
        return at + 116;
}

static size_t
bad_dup(void)
{
        size_t at;

        b_dir(&bd, "etc");
        b_file(&bd, "etc/a", "1");
        b_file(&bd, "etc/b", "2");
        at = b_file(&bd, "etc/a", "3");
        b_trailer(&bd);
        return at + 110;
}

static size_t
bad_dup_dir(void)
{
        size_t at;

        b_dir(&bd, "etc");
        at = b_dir(&bd, "etc");
        b_trailer(&bd);
        return at + 110;
}

static size_t
bad_parent_file(void)
{
        size_t at;

        b_file(&bd, "etc", "x");
        at = b_file(&bd, "etc/a", "y");
        b_trailer(&bd);
        return at + 110;
}

static size_t
bad_parent_later(void)
{
        size_t at = b_file(&bd, "a/b/c", "y");

        b_symlink(&bd, "a/b", "/x");
        b_trailer(&bd);
        return at + 110;
}

static const struct bad bads[] = {
        {"empty-buffer", ARCHIVE_E_NO_TRAILER, bad_empty},
        {"magic-old-ascii", ARCHIVE_E_MAGIC, bad_magic},
        {"magic-crc", ARCHIVE_E_MAGIC, bad_magic_crc},
        {"hex-digit", ARCHIVE_E_HEX, bad_hex},
        {"hex-space", ARCHIVE_E_HEX, bad_hex_space},
        {"namesize-0", ARCHIVE_E_NAMESIZE, bad_namesize0},
        {"name-past-end", ARCHIVE_E_NAME_PAST_END, bad_name_past_end},
        {"name-no-nul", ARCHIVE_E_NAME_NUL, bad_name_no_nul},
        {"name-inner-nul", ARCHIVE_E_NAME_NUL, bad_name_inner_nul},
        {"data-past-end", ARCHIVE_E_DATA_PAST_END, bad_data_past_end},
        {"no-trailer", ARCHIVE_E_NO_TRAILER, bad_no_trailer},
        {"truncated-header", ARCHIVE_E_TRUNCATED, bad_truncated},
        {"trailer-data", ARCHIVE_E_TRAILER_DATA, bad_trailer_data},
        {"after-trailer", ARCHIVE_E_AFTER_TRAILER, bad_after_trailer},
        {"second-archive", ARCHIVE_E_AFTER_TRAILER, bad_second_archive},
        {"name-absolute", ARCHIVE_E_NAME, bad_name_abs},
        {"name-dot", ARCHIVE_E_NAME, bad_name_dot},
        {"name-dot-slash", ARCHIVE_E_NAME, bad_name_dot_slash},
        {"name-dotdot", ARCHIVE_E_NAME, bad_name_dotdot},
        {"name-dotdot-end", ARCHIVE_E_NAME, bad_name_dotdot_end},
        {"name-double-slash", ARCHIVE_E_NAME, bad_name_double_slash},
        {"name-trailing-slash", ARCHIVE_E_NAME, bad_name_trailing_slash},
        {"name-empty", ARCHIVE_E_NAME, bad_name_empty},
        {"name-segment-256", ARCHIVE_E_NAME_LONG, bad_name_segment_long},
        {"name-path-4096", ARCHIVE_E_NAME_LONG, bad_name_path_long},
        {"type-chardev", ARCHIVE_E_TYPE, bad_type_chr},
        {"type-blockdev", ARCHIVE_E_TYPE, bad_type_blk},
        {"type-fifo", ARCHIVE_E_TYPE, bad_type_fifo},
        {"type-socket", ARCHIVE_E_TYPE, bad_type_sock},
        {"type-none", ARCHIVE_E_TYPE, bad_type_zero},
        {"dir-with-data", ARCHIVE_E_DIR_DATA, bad_dir_data},
        {"symlink-empty", ARCHIVE_E_SYMLINK, bad_symlink_empty},
        {"symlink-nul", ARCHIVE_E_SYMLINK, bad_symlink_nul},
        {"duplicate-name", ARCHIVE_E_DUP, bad_dup},
        {"duplicate-dir", ARCHIVE_E_DUP, bad_dup_dir},
        {"parent-is-file", ARCHIVE_E_PARENT, bad_parent_file},
        {"parent-is-symlink-later", ARCHIVE_E_PARENT, bad_parent_later},
};

static void
test_bads(void)
{
        for (size_t k = 0; k < sizeof bads / sizeof bads[0]; k++) {
                const struct bad *b = &bads[k];
                enum archive_error got;
                size_t want;
                char name[96];

                tap_begin();
                reset();
                want = b->build();
                got = open_built();
                if (got != b->code || err.code != b->code)
                        tap_fail("got %s, want %s (%s)", archive_error_name(got),
                            archive_error_name(b->code), err.msg);
                else if (err.offset != want)
                        tap_fail("offset %zu, want %zu (%s)", err.offset, want, err.msg);
                else if (err.msg[0] == '\0' || strlen(err.msg) >= ARCHIVE_MSG_MAX)
                        tap_fail("no message");
                else
                        printf("# %s: %s at %zu\n", b->name, err.msg, err.offset);
                if (got != ARCHIVE_OK && (arc.nentries || arc.size))
                        tap_fail("a failed open left a usable archive");
                snprintf(name, sizeof name, "error-%s", b->name);
                tap_end(name);
        }
}

static void
test_messages(void)
{
        tap_begin();
        reset();
        bad_hex();
        open_built();
        if (strcmp(err.msg, "non-hex digit 'g' in c_filesize"))
                tap_fail("'%s'", err.msg);
        reset();
        bad_dup();
        open_built();
        if (strcmp(err.msg, "duplicate name 'etc/a' (first at offset 116)"))
                tap_fail("'%s'", err.msg);
        reset();
        bad_type_fifo();
        open_built();
        if (strcmp(err.msg, "unsupported file type of 'dev/x' (mode 0010644; want regular, "
                            "directory or symlink)"))
                tap_fail("'%s'", err.msg);
        reset();
        bad_parent_file();
        open_built();
        if (strcmp(err.msg, "'etc/a' is under 'etc', which is not a directory"))
                tap_fail("'%s'", err.msg);
        for (int e = 0; e <= ARCHIVE_E_ARG; e++)
                if (!strcmp(archive_strerror((enum archive_error)e), "unknown error"))
                        tap_fail("no message for %d", e);
        if (archive_open(NULL, buf, 1, &err) != ARCHIVE_E_ARG ||
            archive_open(&arc, NULL, 1, &err) != ARCHIVE_E_ARG)
                tap_fail("NULL arguments");
        tap_end("error-messages");
}

/* Limits that hold: a 255-byte segment, a 4095-byte path. */
static void
test_name_limits(void)
{
        static char name[4200];
        struct archive_entry e;

        tap_begin();
        reset();
        memset(name, 'n', 255);
        name[255] = '\0';
        b_file(&bd, name, "x");
        for (int k = 0; k < 4095; k++)
                name[k] = k % 100 == 99 ? '/' : 'p';
        name[4095] = '\0';
        b_file(&bd, name, "y");
        b_trailer(&bd);
        if (open_built() != ARCHIVE_OK)
                tap_fail("%s", err.msg);
        else if (archive_lookup(&arc, name, 4095, &e) != ARCHIVE_OK || e.name_len != 4095)
                tap_fail("lookup of the 4095-byte name");
        tap_end("name-limits");
}

/* ---- robustness sweeps ------------------------------------------------------- */

static void
test_truncations(void)
{
        size_t full;

        tap_begin();
        build_valid();
        full = bd.n;
        for (size_t n = 0; n < full; n++) {
                enum archive_error e = open_n(n);

                /* Only the trailer's own padding may be missing at the very end. */
                if (e == ARCHIVE_OK && n < full - 3)
                        tap_fail("prefix of %zu bytes accepted", n);
                else if (err.offset > n)
                        tap_fail("prefix %zu: offset %zu past the end", n, err.offset);
        }
        tap_end("every-truncation");
}

static void
test_mutations(void)
{
        static const unsigned char values[] = {0, '/', '.', '0', '7', '9', 'A', 'F', 'f', 'g', 0xff};
        struct archive_iter it;
        struct archive_entry e;
        size_t full, accepted = 0;

        tap_begin();
        build_valid();
        full = bd.n;
        for (size_t at = 0; at < full; at++) {
                for (size_t v = 0; v < sizeof values; v++) {
                        unsigned char old = buf[at];

                        buf[at] = values[v];
                        if (open_n(full) == ARCHIVE_OK) {
                                accepted++;
                                archive_iter_init(&it, &arc);
                                while (archive_next(&it, &e))
                                        if (e.name_len != strlen(e.name))
                                                tap_fail("byte %zu = %u: bad name", at, values[v]);
                        } else if (err.offset > full) {
                                tap_fail("byte %zu: offset %zu past the end", at, err.offset);
                        }
                        buf[at] = old;
                }
        }
        printf("# %zu of %zu one-byte changes still parse\n", accepted, full * sizeof values);
        tap_end("every-byte-changed");
}

static void
test_too_many(void)
{
        char name[16];
        clock_t t0;

        tap_begin();
        reset();
        for (int k = 0; k < ARCHIVE_MAX_ENTRIES; k++) {
                snprintf(name, sizeof name, "f%05d", k);
                b_file(&bd, name, "");
        }
        b_trailer(&bd);
        t0 = clock();
        if (open_built() != ARCHIVE_OK || arc.nentries != ARCHIVE_MAX_ENTRIES)
                tap_fail("4096 entries: %s", err.msg);
        printf("# archive_open of 4096 entries: %.2f s (sanitized build)\n",
               (double)(clock() - t0) / CLOCKS_PER_SEC);
        bd.n -= 124;
        b_file(&bd, "g", "");
        b_trailer(&bd);
        if (open_built() != ARCHIVE_E_TOO_MANY || err.offset != bd.n - 124 - 112)
                tap_fail("4097 entries: %s at %zu", archive_error_name(err.code), err.offset);
        tap_end("too-many-entries");
}

int
main(void)
{
        test_valid();
        test_bads();
        test_messages();
        test_name_limits();
        test_truncations();
        test_mutations();
        test_too_many();
        fflush(stdout);
        return tap_failed_total ? 1 : 0;
}
