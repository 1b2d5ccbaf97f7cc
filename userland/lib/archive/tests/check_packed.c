/*
 * Reads an archive that test_mkarchive.sh packed with toolchain/mkarchive.sh from
 * a known tree, and checks every entry the library yields against that tree.
 * usage: check_packed ARCHIVE.cpio
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive/archive.h>

static int failed;

__attribute__((format(printf, 2, 3))) static void
check(int ok, const char *fmt, ...)
{
        char buf[300];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (ok) {
                printf("ok - archive/mkarchive-%s\n", buf);
        } else {
                printf("not ok - archive/mkarchive-%s\n", buf);
                failed = 1;
        }
}

struct want {
        const char *name;
        enum archive_type type;
        unsigned perm;
        const char *data;       /* contents or symlink target */
};

static char long_name[300];

static struct want wants[] = {
        {"bin", ARCHIVE_DIR, 0755, NULL},
        {"bin/prog", ARCHIVE_REG, 0755, "#!prog\n"},
        {"bin/sh", ARCHIVE_SYMLINK, 0777, "prog"},
        {"etc", ARCHIVE_DIR, 0750, NULL},
        {"etc/boot.conf", ARCHIVE_REG, 0644, "run sh /bin/sh\n"},
        {"etc/boot.link", ARCHIVE_REG, 0644, "run sh /bin/sh\n"},
        {"etc/empty", ARCHIVE_REG, 0600, ""},
        {"etc/abs", ARCHIVE_SYMLINK, 0777, "/bin/prog"},
        {"long", ARCHIVE_DIR, 0755, NULL},
        {long_name, ARCHIVE_REG, 0644, "255\n"},
};
#define NWANT (sizeof wants / sizeof wants[0])

int
main(int argc, char **argv)
{
        static char buf[1 << 20];
        struct archive a;
        struct archive_err err;
        struct archive_iter it;
        struct archive_entry e;
        int seen[NWANT] = {0}, order_ok = 1, meta_ok = 1;
        FILE *f;
        size_t n;

        if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
                printf("not ok - archive/mkarchive-read: cannot open the archive\n");
                return 1;
        }
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        memcpy(long_name, "long/", 5);
        memset(long_name + 5, 'x', 255);
        check(archive_open(&a, buf, n, &err) == ARCHIVE_OK, "open: %s at %zu", err.msg,
              err.offset);
        if (failed)
                return 1;
        check(a.nentries == NWANT, "count: %zu entries, want %zu", a.nentries, NWANT);
        archive_iter_init(&it, &a);
        while (archive_next(&it, &e)) {
                size_t k;

                for (k = 0; k < NWANT; k++)
                        if (strcmp(wants[k].name, e.name) == 0)
                                break;
                if (k == NWANT) {
                        check(0, "unexpected entry '%s'", e.name);
                        continue;
                }
                seen[k]++;
                const struct want *w = &wants[k];
                size_t len = w->data ? strlen(w->data) : 0;
                int same = e.type == w->type && e.perm == w->perm && e.size == len &&
                           (len == 0 || memcmp(e.data, w->data, len) == 0);

                check(same, "entry %.40s (type %d perm %o size %u)", e.name, e.type, e.perm,
                      e.size);
                if (e.uid || e.gid || e.mtime)
                        meta_ok = 0;
        }
        for (size_t k = 0; k < NWANT; k++)
                if (seen[k] != 1)
                        order_ok = 0;
        check(order_ok, "every entry once");
        check(meta_ok, "owner 0:0 and mtime 0");
        check(archive_lookup(&a, "/etc/boot.link", 14, &e) == ARCHIVE_OK && e.size == 15 &&
              e.nlink == 2, "hard link lookup");
        return failed;
}
