/* Helpers shared by the memfs host tests: a fixture file system and short wrappers. */
#ifndef MEMFS_TEST_COMMON_H
#define MEMFS_TEST_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include "tap.h"

static uint64_t test_clock;

static uint64_t
test_tick(void *ctx)
{
        (void)ctx;
        return test_clock += 1000;
}

static inline struct memfs *
test_fs(uint64_t budget)
{
        struct memfs_config cfg = { .budget = budget, .now = test_tick, .root_mode = 0755,
                                    .hash_key = { 0x0123456789abcdefull, 42 } };
        struct memfs *fs = memfs_create(&cfg);

        if (!fs) {
                printf("not ok - file/fixture: memfs_create failed\n");
                exit(1);
        }
        return fs;
}

static inline const char *
en(int e)
{
        if (e == 0)
                return "0";
        const char *s = strerrorname_np(e);
        return s ? s : "E?";
}

static const struct memfs_attr test_attr = { 0644, 1000, 1000 };

#define P(s) (s), strlen(s)

static inline int
t_mkdir(struct memfs *fs, const char *p)
{
        return memfs_mkdir(fs, NULL, P(p), &test_attr);
}

static inline int
t_rmdir(struct memfs *fs, const char *p)
{
        return memfs_rmdir(fs, NULL, P(p));
}

static inline int
t_unlink(struct memfs *fs, const char *p)
{
        return memfs_unlink(fs, NULL, P(p));
}

static inline int
t_symlink(struct memfs *fs, const char *target, const char *p)
{
        return memfs_symlink(fs, P(target), NULL, P(p), &test_attr);
}

static inline int
t_link(struct memfs *fs, const char *a, const char *b)
{
        return memfs_link(fs, NULL, P(a), NULL, P(b), 0);
}

static inline int
t_rename(struct memfs *fs, const char *a, const char *b, unsigned flags)
{
        return memfs_rename(fs, NULL, P(a), NULL, P(b), flags);
}

/* open(O_CREAT|O_EXCL), write data, close. */
static inline int
t_mkfile(struct memfs *fs, const char *p, const char *data)
{
        struct memfs_node *n;
        size_t done;
        int err = memfs_open(fs, NULL, P(p), MEMFS_O_CREAT | MEMFS_O_EXCL | MEMFS_O_WRITE,
                             &test_attr, &n, NULL);

        if (err)
                return err;
        if (data)
                err = memfs_write(fs, n, 0, data, strlen(data), &done);
        memfs_unref(fs, n);
        return err;
}

static inline int
t_open(struct memfs *fs, const char *p, unsigned flags)
{
        struct memfs_node *n;
        int err = memfs_open(fs, NULL, P(p), flags, &test_attr, &n, NULL);

        if (!err)
                memfs_unref(fs, n);
        return err;
}

static inline struct memfs_node *
t_get(struct memfs *fs, const char *p, bool follow)
{
        struct memfs_node *n;

        return memfs_lookup(fs, NULL, P(p), follow ? MEMFS_LOOKUP_FOLLOW : 0, &n, NULL) ? NULL : n;
}

#define EXPECT(expr, want) do {                                                     \
        int r_ = (expr), w_ = (want);                                               \
        if (r_ != w_)                                                               \
                tap_fail("line %d: %s: got %s, want %s", __LINE__, #expr, en(r_),   \
                         en(w_));                                                   \
} while (0)

#define CHECK(cond) do {                                                            \
        if (!(cond))                                                                \
                tap_fail("line %d: %s", __LINE__, #cond);                           \
} while (0)

#define CONSISTENT(fs) do {                                                         \
        const char *why_ = memfs_check(fs);                                         \
        if (why_)                                                                   \
                tap_fail("line %d: memfs_check: %s", __LINE__, why_);               \
} while (0)

#endif
