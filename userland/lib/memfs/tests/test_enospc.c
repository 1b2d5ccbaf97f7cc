/*
 * Running out of memory: a small budget, and an allocator that fails every Nth call.
 * An operation that fails with ENOSPC must leave the tree exactly as it was (compared
 * by a fingerprint of names, inodes, link counts, sizes, bytes and times but atime,
 * which the fingerprint's own reads move); a write may stop early and keep what fitted;
 * memfs_check() passes after every step; once memory is back, everything works again
 * and deleting everything returns the budget to where it started.
 */
#include "common.h"

struct failing {
        unsigned every, calls;
        bool on;
};

static void *
fail_alloc(void *ctx, size_t n)
{
        struct failing *f = ctx;

        if (f->on && f->every && ++f->calls % f->every == 0)
                return NULL;
        return malloc(n);
}

static void
fail_free(void *ctx, void *p, size_t n)
{
        (void)ctx;
        (void)n;
        free(p);
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++)
                h = (h ^ b[i]) * 0x100000001b3ull;
        return h;
}

struct fp_ctx {
        struct memfs *fs;
        struct memfs_node *dir;
        uint64_t h;
};

static uint64_t fingerprint_dir(struct memfs *fs, struct memfs_node *d, uint64_t h);

static bool
fp_entry(void *ctx, const struct memfs_dirent *d)
{
        struct fp_ctx *c = ctx;
        struct memfs_at at = { c->dir, NULL, NULL };
        struct memfs_node *n;
        struct memfs_stat st;
        static char buf[1 << 16];
        size_t got;

        c->h = fnv(c->h, d->name, d->name_len);
        if (memfs_lookup(c->fs, &at, d->name, d->name_len, 0, &n, NULL))
                return (c->h = 0), true;
        memfs_stat(c->fs, n, &st);
        st.atime_ns = 0;
        c->h = fnv(c->h, &st, sizeof st);
        if ((st.mode & MEMFS_S_IFMT) == MEMFS_S_IFREG) {
                for (uint64_t off = 0; off < st.size; off += got) {
                        memfs_read(c->fs, n, off, buf, sizeof buf, &got);
                        c->h = fnv(c->h, buf, got);
                        if (!got)
                                break;
                }
        } else if ((st.mode & MEMFS_S_IFMT) == MEMFS_S_IFDIR) {
                c->h = fingerprint_dir(c->fs, n, c->h);
        }
        return true;
}

static uint64_t
fingerprint_dir(struct memfs *fs, struct memfs_node *d, uint64_t h)
{
        struct fp_ctx c = { fs, d, h };
        struct memfs_stat st;
        uint64_t cookie = 0;
        size_t keep;

        memfs_stat(fs, d, &st);
        st.atime_ns = 0;
        c.h = fnv(c.h, &st, sizeof st);
        memfs_readdir(fs, d, &cookie, fp_entry, &c, &keep);
        return c.h;
}

static uint64_t
fingerprint(struct memfs *fs)
{
        return fingerprint_dir(fs, memfs_root(fs), 0xcbf29ce484222325ull);
}

static void
test_budget(void)
{
        struct memfs *fs;
        struct memfs_node *n;
        static char big[1 << 20], back[1 << 20];
        uint64_t base;
        size_t done, got;
        int made;
        char name[32];
        struct memfs_config tiny = { .budget = 16 };

        tap_begin();
        CHECK(memfs_create(&tiny) == NULL);
        fs = test_fs(96 * 1024);
        base = memfs_used(fs);
        for (size_t i = 0; i < sizeof big; i++)
                big[i] = (char)(i * 7 + 1);
        EXPECT(memfs_open(fs, NULL, P("/f"), MEMFS_O_CREAT, &test_attr, &n, NULL), 0);
        EXPECT(memfs_write(fs, n, 0, big, sizeof big, &done), 0);
        CHECK(done > 0 && done < sizeof big && done % MEMFS_BLOCK == 0);
        CHECK(memfs_used(fs) <= memfs_budget(fs));
        CONSISTENT(fs);
        EXPECT(memfs_read(fs, n, 0, back, sizeof back, &got), 0);
        CHECK(got == done && !memcmp(back, big, got));
        EXPECT(memfs_write(fs, n, done, big, MEMFS_BLOCK, &got), ENOSPC);
        /* Less than a block is left: fill it with directories. */
        for (made = 0; made < 1000; made++) {
                snprintf(name, sizeof name, "/d%d", made);
                if (t_mkdir(fs, name))
                        break;
        }
        CHECK(made < 1000);
        CONSISTENT(fs);
        EXPECT(t_mkdir(fs, "/d"), ENOSPC);
        EXPECT(t_mkfile(fs, "/g", NULL), ENOSPC);
        EXPECT(t_symlink(fs, "/f", "/l"), ENOSPC);
        /* Writing inside blocks that exist needs nothing new. */
        EXPECT(memfs_write(fs, n, 5, "xyz", 3, &got), 0);
        CHECK(got == 3);
        CONSISTENT(fs);
        /* Shrinking gives blocks back. */
        EXPECT(memfs_truncate(fs, n, done / 2), 0);
        EXPECT(t_mkdir(fs, "/d"), 0);
        for (int i = 0; i < made; i++) {
                snprintf(name, sizeof name, "/d%d", i);
                EXPECT(t_rmdir(fs, name), 0);
        }
        EXPECT(memfs_write(fs, n, done / 2, big, MEMFS_BLOCK, &got), 0);
        CHECK(got == MEMFS_BLOCK);
        memfs_unref(fs, n);
        EXPECT(t_unlink(fs, "/f"), 0);
        EXPECT(t_rmdir(fs, "/d"), 0);
        CHECK(memfs_used(fs) == base);
        /* Now the whole budget is there again. */
        EXPECT(memfs_open(fs, NULL, P("/f"), MEMFS_O_CREAT, &test_attr, &n, NULL), 0);
        EXPECT(memfs_write(fs, n, 0, big, sizeof big, &got), 0);
        CHECK(got == done);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("enospc-budget");
}

static const char *nm[] = { "a", "b", "c" };

static void
rand_path(uint64_t *r, char *out)
{
        int n = 1 + tap_below(r, 3);

        out[0] = '\0';
        for (int i = 0; i < n; i++) {
                strcat(out, "/");
                strcat(out, nm[tap_below(r, 3)]);
        }
}

/* One random operation; returns its error and whether it may change the tree on ENOSPC. */
static int
rand_op(struct memfs *fs, uint64_t *r, bool *partial)
{
        char a[64], b[64];
        struct memfs_node *n;
        static char data[3 * MEMFS_BLOCK];
        size_t done;
        int err;

        rand_path(r, a);
        rand_path(r, b);
        *partial = false;
        switch (tap_below(r, 9)) {
        case 0:
                return t_mkdir(fs, a);
        case 1:
                return t_symlink(fs, b, a);
        case 2:
                return t_link(fs, a, b);
        case 3:
                return t_rename(fs, a, b, 0);
        case 4:
                return tap_below(r, 2) ? t_unlink(fs, a) : t_rmdir(fs, a);
        default:
                err = memfs_open(fs, NULL, P(a), MEMFS_O_CREAT | MEMFS_O_WRITE, &test_attr,
                                 &n, NULL);
                if (err)
                        return err;
                memset(data, 'a' + (int)tap_below(r, 26), sizeof data);
                *partial = true;
                if (tap_below(r, 4) == 0)
                        err = memfs_truncate(fs, n, tap_below(r, 8 * MEMFS_BLOCK));
                else
                        err = memfs_write(fs, n, tap_below(r, 8 * MEMFS_BLOCK), data,
                                          tap_below(r, sizeof data), &done);
                memfs_unref(fs, n);
                return err;
        }
}

static void
remove_all(struct memfs *fs, const char *dir)
{
        char p[256];

        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof p, "%s/%s", dir, nm[i]);
                if (t_unlink(fs, p) == EISDIR) {
                        remove_all(fs, p);
                        t_rmdir(fs, p);
                }
        }
}

static void
test_failing_alloc(uint64_t seed)
{
        int enospc = 0;

        tap_begin();
        for (unsigned every = 1; every <= 40; every++) {
                for (int round = 0; round < 12; round++) {
                        struct failing f = { every, 0, false };
                        struct memfs_config cfg = {
                                .budget = every % 3 ? 1 << 20 : 40 * 1024, .now = test_tick,
                                .alloc = fail_alloc, .free = fail_free, .ctx = &f };
                        struct memfs *fs = memfs_create(&cfg);
                        uint64_t r = seed + every * 1000 + round, base;
                        const char *why;

                        if (!fs) {
                                tap_fail("memfs_create with a working allocator failed");
                                return;
                        }
                        base = memfs_used(fs);
                        f.on = true;
                        for (int s = 0; s < 60; s++) {
                                bool partial;
                                uint64_t before = fingerprint(fs), used = memfs_used(fs);
                                int err = rand_op(fs, &r, &partial);

                                if ((why = memfs_check(fs))) {
                                        tap_fail("every %u seed %llu step %d: %s", every,
                                                 (unsigned long long)r, s, why);
                                        break;
                                }
                                if (err == ENOSPC) {
                                        enospc++;
                                        if (!partial && (fingerprint(fs) != before ||
                                                         memfs_used(fs) != used))
                                                tap_fail("every %u step %d: ENOSPC changed the tree",
                                                         every, s);
                                }
                        }
                        /* Memory back: the tree is usable, and emptying it frees it all. */
                        f.on = false;
                        remove_all(fs, "");
                        EXPECT(t_mkdir(fs, "/a"), 0);
                        EXPECT(t_mkfile(fs, "/a/b", "ok"), 0);
                        remove_all(fs, "");
                        CONSISTENT(fs);
                        if (memfs_used(fs) != base)
                                tap_fail("every %u: %llu bytes still used after emptying", every,
                                         (unsigned long long)(memfs_used(fs) - base));
                        memfs_destroy(fs);
                }
        }
        printf("# %d operations failed with ENOSPC\n", enospc);
        CHECK(enospc > 500);
        tap_end("enospc-failing-alloc");
}

int
main(int argc, char **argv)
{
        uint64_t seed = tap_seed(argc, argv, "enospc");

        test_budget();
        test_failing_alloc(seed);
        return tap_exit();
}
