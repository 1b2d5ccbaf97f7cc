/*
 * Figures for ./writ bench: `bench file/NAME VALUE ns accel=host`, each the median
 * over 15 batches of ns per operation, on the optimised library. The tree has 64
 * names in every directory on the path, so lookups pay for real binary searches.
 */
#include "tap.h"

#define BATCHES 15

static int
cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static void
report(const char *name, double *t)
{
        qsort(t, BATCHES, sizeof *t, cmp);
        printf("bench file/%s %.0f ns accel=host\n", name, t[BATCHES / 2]);
}

static uint64_t
no_clock(void *ctx)
{
        (void)ctx;
        return 1;
}

static const struct memfs_attr attr = { 0755, 0, 0 };

static void
must(int err, const char *what)
{
        if (err) {
                fprintf(stderr, "bench: %s failed: %d\n", what, err);
                exit(1);
        }
}

static struct memfs *
build(void)
{
        struct memfs_config cfg = { .budget = 256 << 20, .now = no_clock, .root_mode = 0755,
                                    .hash_key = { 1, 2 } };
        struct memfs *fs = memfs_create(&cfg);
        const char *dirs[] = { "/usr", "/usr/share", "/usr/share/doc", "/usr/share/doc/writ" };
        char p[128];
        struct memfs_node *n;
        static char block[MEMFS_BLOCK];
        size_t done;

        for (int d = 0; d < 4; d++) {
                must(memfs_mkdir(fs, NULL, dirs[d], strlen(dirs[d]), &attr), "mkdir");
                for (int i = 0; i < 63; i++) {
                        snprintf(p, sizeof p, "%s/sibling-%02d", d ? dirs[d - 1] : "", i);
                        must(memfs_mkdir(fs, NULL, p, strlen(p), &attr), "mkdir sibling");
                }
        }
        must(memfs_open(fs, NULL, "/usr/share/doc/writ/README", 26, MEMFS_O_CREAT, &attr, &n,
                        NULL), "create");
        memset(block, 'w', sizeof block);
        must(memfs_write(fs, n, 0, block, sizeof block, &done), "write");
        memfs_unref(fs, n);
        return fs;
}

int
main(void)
{
        struct memfs *fs = build();
        const char *path = "/usr/share/doc/writ/README";
        size_t len = strlen(path), got;
        struct memfs_path canon;
        struct memfs_node *n;
        static char buf[MEMFS_BLOCK];
        volatile char sink;
        double t[BATCHES];
        const int iters = 200000;

        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();

                for (int i = 0; i < iters; i++)
                        memfs_lookup(fs, NULL, path, len, MEMFS_LOOKUP_FOLLOW, &n, &canon);
                t[b] = (tap_now_ns() - t0) / iters;
        }
        report("lookup-5-components", t);

        must(memfs_lookup(fs, NULL, path, len, 0, &n, NULL), "lookup");
        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();

                for (int i = 0; i < iters; i++) {
                        memfs_read(fs, n, 0, buf, sizeof buf, &got);
                        sink = buf[i & (MEMFS_BLOCK - 1)];
                }
                t[b] = (tap_now_ns() - t0) / iters;
        }
        report("read-4k", t);

        for (int b = 0; b < BATCHES; b++) {
                double t0 = tap_now_ns();

                for (int i = 0; i < iters; i++) {
                        memfs_open(fs, NULL, path, len, 0, NULL, &n, &canon);
                        memfs_read(fs, n, 0, buf, sizeof buf, &got);
                        memfs_unref(fs, n);
                }
                t[b] = (tap_now_ns() - t0) / iters;
        }
        report("open-read-4k-close", t);
        (void)sink;
        memfs_destroy(fs);
        return 0;
}
