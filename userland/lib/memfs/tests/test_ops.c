/*
 * Unit tests of memfs: each operation and each of its errors, with Linux's answer
 * (the errno expected is what Linux 6.x gives on tmpfs for the same call; the cases
 * were run there). memfs_check() after every group.
 */
#include "common.h"

uint64_t memfs_siphash(const uint64_t k[2], const void *data, size_t len);

static void
test_siphash(void)
{
        uint64_t k[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
        unsigned char m[15];

        tap_begin();
        for (int i = 0; i < 15; i++)
                m[i] = (unsigned char)i;
        /* The reference vectors of the SipHash paper (64-bit output). */
        CHECK(memfs_siphash(k, m, 0) == 0x726fdb47dd0e0e31ull);
        CHECK(memfs_siphash(k, m, 15) == 0xa129ca6149be45e5ull);
        tap_end("siphash");
}

/* The canonical path a lookup reports. */
static void
canon_is(struct memfs *fs, const char *path, unsigned flags, int want_err, const char *want)
{
        struct memfs_path c;
        struct memfs_node *n;
        int err = memfs_lookup(fs, NULL, P(path), flags, &n, &c);

        if (err != want_err)
                tap_fail("lookup %s: got %s, want %s", path, en(err), en(want_err));
        else if (!err && (c.len != strlen(want) || strcmp(c.buf, want)))
                tap_fail("lookup %s: path %s, want %s", path, c.buf, want);
}

static void
test_resolve(void)
{
        struct memfs *fs = test_fs(1 << 20);
        char name[300], path[MEMFS_PATH_MAX + 10];

        tap_begin();
        EXPECT(t_mkdir(fs, "/a"), 0);
        EXPECT(t_mkdir(fs, "/a/b"), 0);
        EXPECT(t_mkdir(fs, "/a/b/c"), 0);
        EXPECT(t_mkfile(fs, "/a/f", "x"), 0);
        EXPECT(t_symlink(fs, "b/c", "/a/lc"), 0);
        EXPECT(t_symlink(fs, "/a/b", "/la"), 0);
        EXPECT(t_symlink(fs, "../f", "/a/b/up"), 0);
        EXPECT(t_symlink(fs, "f", "/a/lf"), 0);
        EXPECT(t_symlink(fs, "nowhere", "/a/dang"), 0);
        EXPECT(t_symlink(fs, "loop2", "/loop1"), 0);
        EXPECT(t_symlink(fs, "loop1", "/loop2"), 0);
        EXPECT(t_symlink(fs, "/", "/lroot"), 0);
        canon_is(fs, "/", 0, 0, "/");
        canon_is(fs, "///", 0, 0, "/");
        canon_is(fs, "/..", 0, 0, "/");
        canon_is(fs, "/../../a/./b/../b//c/", 0, 0, "/a/b/c");
        canon_is(fs, "a/b", 0, 0, "/a/b");
        canon_is(fs, "/a/lc", 0, 0, "/a/lc");
        canon_is(fs, "/a/lc", MEMFS_LOOKUP_FOLLOW, 0, "/a/b/c");
        canon_is(fs, "/a/lc/", 0, 0, "/a/b/c");             /* a slash follows */
        canon_is(fs, "/a/lc/..", 0, 0, "/a/b");
        canon_is(fs, "/la/c/../up", MEMFS_LOOKUP_FOLLOW, 0, "/a/f");
        canon_is(fs, "/la/up", 0, 0, "/a/b/up");
        canon_is(fs, "/lroot/a", 0, 0, "/a");
        canon_is(fs, "/lroot", MEMFS_LOOKUP_FOLLOW, 0, "/");
        canon_is(fs, "/a/f", 0, 0, "/a/f");
        canon_is(fs, "/a/f/", 0, ENOTDIR, "");
        canon_is(fs, "/a/f/.", 0, ENOTDIR, "");
        canon_is(fs, "/a/f/..", 0, ENOTDIR, "");
        canon_is(fs, "/a/lf/", 0, ENOTDIR, "");
        canon_is(fs, "/a/nx", 0, ENOENT, "");
        canon_is(fs, "/a/nx/.", 0, ENOENT, "");
        canon_is(fs, "/a/dang", 0, 0, "/a/dang");
        canon_is(fs, "/a/dang", MEMFS_LOOKUP_FOLLOW, ENOENT, "");
        canon_is(fs, "", 0, ENOENT, "");
        canon_is(fs, "/loop1", 0, 0, "/loop1");
        canon_is(fs, "/loop1", MEMFS_LOOKUP_FOLLOW, ELOOP, "");
        canon_is(fs, "/loop1/x", 0, ELOOP, "");
        /* Names: 255 bytes are fine, 256 are not, whether or not they exist. */
        memset(name, 'n', sizeof name);
        name[0] = '/';
        name[256] = '\0';
        EXPECT(t_mkfile(fs, name, NULL), 0);
        canon_is(fs, name, 0, 0, name);
        name[256] = 'n';
        name[257] = '\0';
        canon_is(fs, name, 0, ENAMETOOLONG, "");
        EXPECT(t_mkdir(fs, name), ENAMETOOLONG);
        /* Paths: 4095 bytes resolve, 4096 do not. */
        memset(path, '/', sizeof path);
        memcpy(path + 4095 - 2, "/a", 2);
        path[4095] = '\0';
        canon_is(fs, path, 0, 0, "/a");
        path[4095] = '/';
        path[4096] = '\0';
        canon_is(fs, path, 0, ENAMETOOLONG, "");
        EXPECT(memfs_lookup(fs, NULL, "/a\0b", 4, 0, &(struct memfs_node *){ 0 }, NULL),
               EINVAL);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("resolve");
}

static void
test_symloop(void)
{
        struct memfs *fs = test_fs(1 << 20);
        char a[32], b[32];

        tap_begin();
        /* l0 -> f, l1 -> l0, ... l40 -> l39: 40 links resolve, 41 do not. */
        EXPECT(t_mkfile(fs, "/f", "x"), 0);
        EXPECT(t_symlink(fs, "f", "/l0"), 0);
        for (int i = 1; i <= 41; i++) {
                snprintf(a, sizeof a, "l%d", i - 1);
                snprintf(b, sizeof b, "/l%d", i);
                EXPECT(t_symlink(fs, a, b), 0);
        }
        canon_is(fs, "/l39", MEMFS_LOOKUP_FOLLOW, 0, "/f");
        canon_is(fs, "/l40", MEMFS_LOOKUP_FOLLOW, ELOOP, "");
        canon_is(fs, "/l40", 0, 0, "/l40");
        /* Links in middle components count too. */
        EXPECT(t_mkdir(fs, "/d"), 0);
        EXPECT(t_symlink(fs, "d", "/m0"), 0);
        for (int i = 1; i <= 40; i++) {
                snprintf(a, sizeof a, "m%d", i - 1);
                snprintf(b, sizeof b, "/m%d", i);
                EXPECT(t_symlink(fs, a, b), 0);
        }
        canon_is(fs, "/m39/.", 0, 0, "/d");
        canon_is(fs, "/m40/.", 0, ELOOP, "");
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("symloop");
}

struct veto_log {
        char seen[2048];
        int refuse_kind;                /* -1: none */
        int refuse_err;
};

static int
veto_cb(void *ctx, const struct memfs_step *st)
{
        struct veto_log *v = ctx;
        static const char *k[] = { "dotdot", "symlink", "final" };
        size_t n = strlen(v->seen);

        snprintf(v->seen + n, sizeof v->seen - n, "%s%d:%s ", k[st->kind], st->which,
                 st->path);
        return (int)st->kind == v->refuse_kind ? v->refuse_err : 0;
}

static void
test_veto(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct veto_log v = { "", -1, 0 };
        struct memfs_at at = { NULL, veto_cb, &v };
        struct memfs_node *n;

        tap_begin();
        EXPECT(t_mkdir(fs, "/a"), 0);
        EXPECT(t_mkdir(fs, "/a/b"), 0);
        EXPECT(t_symlink(fs, "../b", "/a/b/l"), 0);
        EXPECT(memfs_lookup(fs, &at, P("/a/b/l/.."), 0, &n, NULL), 0);
        /* l's body "../b" leaves /a/b and comes back; the final ".." leaves it again. */
        if (strcmp(v.seen, "symlink0:/a/b/l dotdot0:/a/b dotdot0:/a/b final0:/a "))
                tap_fail("veto steps: %s", v.seen);
        v.refuse_kind = MEMFS_STEP_SYMLINK;
        v.refuse_err = EACCES;
        EXPECT(memfs_lookup(fs, &at, P("/a/b/l/"), 0, &n, NULL), EACCES);
        v.refuse_kind = MEMFS_STEP_DOTDOT;
        EXPECT(memfs_lookup(fs, &at, P("/a/.."), 0, &n, NULL), EACCES);
        v.refuse_kind = MEMFS_STEP_FINAL;
        v.refuse_err = ENOENT;
        EXPECT(memfs_mkdir(fs, &at, P("/a/new"), &test_attr), ENOENT);
        CHECK(!t_get(fs, "/a/new", false));
        v.seen[0] = '\0';
        v.refuse_kind = -1;
        EXPECT(memfs_rename(fs, &at, P("/a/b"), &at, P("/a/c"), 0), 0);
        CHECK(!strcmp(v.seen, "final0:/a/b final1:/a/c "));
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("veto");
}

/* The cache of the last absolute lookup: used again only while no directory changed,
 * the veto asked each time, never for a walk through '..' or a link. */
static void
test_lookup_cache(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct veto_log v = { "", -1, 0 };
        struct memfs_at at = { NULL, veto_cb, &v };
        struct memfs_node *n, *m;
        uint64_t h;

        tap_begin();
        EXPECT(t_mkdir(fs, "/a"), 0);
        EXPECT(t_mkfile(fs, "/a/f", "x"), 0);
        EXPECT(t_mkfile(fs, "/a/g", "y"), 0);
        EXPECT(t_symlink(fs, "f", "/a/l"), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/f"), 0, &n, NULL), 0);
        h = memfs_lookup_hits(fs);
        EXPECT(memfs_lookup(fs, NULL, P("/a/f"), 0, &m, NULL), 0);
        CHECK(m == n && memfs_lookup_hits(fs) == h + 1);
        /* The veto still decides, with the path it would have seen. */
        v.refuse_kind = MEMFS_STEP_FINAL;
        v.refuse_err = EACCES;
        EXPECT(memfs_lookup(fs, &at, P("/a/f"), 0, &m, NULL), EACCES);
        CHECK(memfs_lookup_hits(fs) == h + 2 && !strcmp(v.seen, "final0:/a/f "));
        v.refuse_kind = -1;
        /* Any change to a directory: walked again. */
        EXPECT(t_rename(fs, "/a/g", "/a/f", 0), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/f"), 0, &m, NULL), 0);
        CHECK(m != n && memfs_lookup_hits(fs) == h + 2);
        EXPECT(t_unlink(fs, "/a/f"), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/f"), 0, &m, NULL), ENOENT);
        /* '..' and links ask the veto on the way: never kept. */
        EXPECT(t_mkfile(fs, "/a/f", "x"), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/../a/f"), 0, &m, NULL), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/../a/f"), 0, &m, NULL), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/l"), MEMFS_LOOKUP_FOLLOW, &m, NULL), 0);
        EXPECT(memfs_lookup(fs, NULL, P("/a/l"), MEMFS_LOOKUP_FOLLOW, &m, NULL), 0);
        CHECK(memfs_lookup_hits(fs) == h + 2);
        v.refuse_kind = MEMFS_STEP_DOTDOT;
        EXPECT(memfs_lookup(fs, &at, P("/a/../a/f"), 0, &m, NULL), EACCES);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("lookup-cache");
}

static void
test_relative(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *d, *n;
        struct memfs_path c;

        tap_begin();
        EXPECT(t_mkdir(fs, "/a"), 0);
        EXPECT(t_mkdir(fs, "/a/b"), 0);
        d = t_get(fs, "/a/b", false);
        memfs_ref(fs, d);
        struct memfs_at at = { d, NULL, NULL };
        EXPECT(memfs_mkdir(fs, &at, P("x"), &test_attr), 0);
        EXPECT(memfs_lookup(fs, &at, P("x/../../b/x"), 0, &n, &c), 0);
        CHECK(!strcmp(c.buf, "/a/b/x"));
        EXPECT(memfs_dir_path(fs, d, &c), 0);
        CHECK(!strcmp(c.buf, "/a/b"));
        EXPECT(t_rename(fs, "/a", "/z", 0), 0);
        EXPECT(memfs_lookup(fs, &at, P("x"), 0, &n, &c), 0);
        CHECK(!strcmp(c.buf, "/z/b/x"));
        EXPECT(t_rmdir(fs, "/z/b/x"), 0);
        EXPECT(t_rmdir(fs, "/z/b"), 0);
        /* A removed directory: nothing can be looked up or made in it. */
        EXPECT(memfs_lookup(fs, &at, P("x"), 0, &n, &c), ENOENT);
        EXPECT(memfs_mkdir(fs, &at, P("y"), &test_attr), ENOENT);
        EXPECT(memfs_dir_path(fs, d, &c), ENOENT);
        EXPECT(memfs_lookup(fs, &at, P("/z"), 0, &n, &c), 0);  /* absolute still works */
        CONSISTENT(fs);
        memfs_unref(fs, d);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("relative");
}

static void
test_open(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *n;
        struct memfs_path c;
        struct memfs_stat st;
        const unsigned C = MEMFS_O_CREAT;

        tap_begin();
        EXPECT(t_mkdir(fs, "/dir"), 0);
        EXPECT(t_mkfile(fs, "/f", "hello"), 0);
        EXPECT(t_symlink(fs, "dir", "/ld"), 0);
        EXPECT(t_symlink(fs, "f", "/lf"), 0);
        EXPECT(t_symlink(fs, "nx", "/dang"), 0);
        EXPECT(t_symlink(fs, "f/", "/lfs"), 0);
        EXPECT(t_symlink(fs, "nx2/", "/dangs"), 0);
        EXPECT(t_open(fs, "/f", 0), 0);
        EXPECT(t_open(fs, "/f", C | MEMFS_O_EXCL), EEXIST);
        EXPECT(t_open(fs, "/f/", C), EISDIR);
        EXPECT(t_open(fs, "/dir/", C), EISDIR);
        EXPECT(t_open(fs, "/new/", C), EISDIR);
        EXPECT(t_open(fs, "/.", C), EISDIR);
        EXPECT(t_open(fs, "/", C), EISDIR);
        EXPECT(t_open(fs, "/..", C | MEMFS_O_EXCL), EEXIST);
        EXPECT(t_open(fs, "/dir/.", C | MEMFS_O_EXCL), EEXIST);
        EXPECT(t_open(fs, "/dir", C), EISDIR);
        EXPECT(t_open(fs, "/dir", MEMFS_O_WRITE), EISDIR);
        EXPECT(t_open(fs, "/dir", MEMFS_O_TRUNC), EISDIR);
        EXPECT(t_open(fs, "/dir", MEMFS_O_DIRECTORY), 0);
        EXPECT(t_open(fs, "/dir", MEMFS_O_DIRECTORY | C), EINVAL);
        EXPECT(t_open(fs, "/newd", MEMFS_O_DIRECTORY | C), EINVAL);
        CHECK(!t_get(fs, "/newd", false));
        EXPECT(t_open(fs, "/f", MEMFS_O_DIRECTORY), ENOTDIR);
        EXPECT(t_open(fs, "/lf", MEMFS_O_NOFOLLOW), ELOOP);
        EXPECT(t_open(fs, "/ld", MEMFS_O_NOFOLLOW | MEMFS_O_DIRECTORY), ENOTDIR);
        EXPECT(t_open(fs, "/lf/", 0), ENOTDIR);
        EXPECT(t_open(fs, "/ld/", 0), 0);
        EXPECT(t_open(fs, "/ld/", MEMFS_O_NOFOLLOW), 0);        /* the slash follows */
        EXPECT(t_open(fs, "/lf/", MEMFS_O_NOFOLLOW), ENOTDIR);
        EXPECT(t_link(fs, "/ld/", "/x"), EPERM);
        EXPECT(t_open(fs, "/lfs", 0), ENOTDIR);
        EXPECT(t_open(fs, "/lfs", C), EISDIR);
        EXPECT(t_open(fs, "/dangs", C), EISDIR);
        EXPECT(t_open(fs, "/dang", C | MEMFS_O_EXCL), EEXIST);
        EXPECT(t_open(fs, "/dang", C | MEMFS_O_NOFOLLOW), ELOOP);
        EXPECT(t_open(fs, "/nx/f", C), ENOENT);
        EXPECT(t_open(fs, "/f/x", C), ENOTDIR);
        CHECK(!t_get(fs, "/nx", false));
        /* O_CREAT through a dangling link makes its target. */
        EXPECT(memfs_open(fs, NULL, P("/dang"), C, &test_attr, &n, &c), 0);
        CHECK(!strcmp(c.buf, "/nx"));
        memfs_unref(fs, n);
        CHECK(t_get(fs, "/nx", false) != NULL);
        /* O_TRUNC empties an existing file. */
        EXPECT(memfs_open(fs, NULL, P("/lf"), MEMFS_O_TRUNC | MEMFS_O_WRITE, NULL, &n, &c),
               0);
        CHECK(!strcmp(c.buf, "/f"));
        memfs_stat(fs, n, &st);
        CHECK(st.size == 0 && st.nlink == 1 && (st.mode & MEMFS_S_IFMT) == MEMFS_S_IFREG);
        memfs_unref(fs, n);
        /* Creating records mode, owner and the caller's path. */
        EXPECT(memfs_open(fs, NULL, P("/dir//g"), C, &test_attr, &n, &c), 0);
        CHECK(!strcmp(c.buf, "/dir/g"));
        memfs_stat(fs, n, &st);
        CHECK(st.mode == (MEMFS_S_IFREG | 0644) && st.uid == 1000 && st.gid == 1000);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("open");
}

static void
test_mkdir_rmdir(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_stat st;

        tap_begin();
        EXPECT(t_mkdir(fs, "/dir"), 0);
        EXPECT(t_mkdir(fs, "/dir/sub"), 0);
        EXPECT(t_mkfile(fs, "/f", NULL), 0);
        EXPECT(t_symlink(fs, "dir", "/ld"), 0);
        EXPECT(t_symlink(fs, "nx", "/dang"), 0);
        memfs_stat(fs, memfs_root(fs), &st);
        CHECK(st.nlink == 3);
        memfs_stat(fs, t_get(fs, "/dir", false), &st);
        CHECK(st.nlink == 3);
        EXPECT(t_mkdir(fs, "/."), EEXIST);
        EXPECT(t_mkdir(fs, "/"), EEXIST);
        EXPECT(t_mkdir(fs, "/dir/"), EEXIST);
        EXPECT(t_mkdir(fs, "/dang"), EEXIST);
        EXPECT(t_mkdir(fs, "/dang/"), EEXIST);
        EXPECT(t_mkdir(fs, "/f/x"), ENOTDIR);
        EXPECT(t_mkdir(fs, "/nx/x"), ENOENT);
        EXPECT(t_mkdir(fs, "/new/"), 0);
        EXPECT(t_rmdir(fs, "/ld/"), ENOTDIR);
        EXPECT(t_rmdir(fs, "/ld"), ENOTDIR);
        EXPECT(t_rmdir(fs, "/f/"), ENOTDIR);
        EXPECT(t_rmdir(fs, "/f"), ENOTDIR);
        EXPECT(t_rmdir(fs, "/dang/"), ENOTDIR);
        EXPECT(t_rmdir(fs, "."), EINVAL);
        EXPECT(t_rmdir(fs, "/dir/."), EINVAL);
        EXPECT(t_rmdir(fs, ".."), ENOTEMPTY);
        EXPECT(t_rmdir(fs, "/dir/.."), ENOTEMPTY);
        EXPECT(t_rmdir(fs, "/"), EBUSY);
        EXPECT(t_rmdir(fs, "/dir"), ENOTEMPTY);
        EXPECT(t_rmdir(fs, "/nx"), ENOENT);
        EXPECT(t_rmdir(fs, "/dir/sub/"), 0);
        EXPECT(t_rmdir(fs, "/dir"), 0);
        EXPECT(t_rmdir(fs, "/new"), 0);
        memfs_stat(fs, memfs_root(fs), &st);
        CHECK(st.nlink == 2);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("mkdir-rmdir");
}

static void
test_unlink_link_symlink(void)
{
        struct memfs *fs = test_fs(1 << 20);
        char buf[64];
        size_t got;
        struct memfs_stat st;

        tap_begin();
        EXPECT(t_mkdir(fs, "/dir"), 0);
        EXPECT(t_mkfile(fs, "/f", "data"), 0);
        EXPECT(t_symlink(fs, "dir", "/ld"), 0);
        EXPECT(t_symlink(fs, "f", "/lf"), 0);
        EXPECT(t_symlink(fs, "nx", "/dang"), 0);
        EXPECT(t_unlink(fs, "/ld/"), ENOTDIR);
        EXPECT(t_unlink(fs, "/lf/"), ENOTDIR);
        EXPECT(t_unlink(fs, "/f/"), ENOTDIR);
        EXPECT(t_unlink(fs, "/dir/"), EISDIR);
        EXPECT(t_unlink(fs, "/dir"), EISDIR);
        EXPECT(t_unlink(fs, "/nx/"), ENOENT);
        EXPECT(t_unlink(fs, "/nx"), ENOENT);
        EXPECT(t_unlink(fs, "/dang/"), ENOTDIR);
        EXPECT(t_unlink(fs, "."), EISDIR);
        EXPECT(t_unlink(fs, ".."), EISDIR);
        EXPECT(t_unlink(fs, "/"), EISDIR);
        /* symlink and link make new names only. */
        EXPECT(t_symlink(fs, "", "/e"), ENOENT);
        EXPECT(t_symlink(fs, "x", "/n1/"), ENOENT);
        EXPECT(t_symlink(fs, "x", "/f/"), EEXIST);
        EXPECT(t_symlink(fs, "x", "/dir/."), EEXIST);
        EXPECT(t_symlink(fs, "x", "/dang"), EEXIST);
        EXPECT(t_link(fs, "/f", "/n2/"), ENOENT);
        EXPECT(t_link(fs, "/f", "/f/"), EEXIST);
        EXPECT(t_link(fs, "/dir", "/nl"), EPERM);
        EXPECT(t_link(fs, "/dir", "/f"), EEXIST);
        EXPECT(t_link(fs, "/f/", "/n2"), ENOTDIR);
        EXPECT(t_link(fs, "/nx", "/n4"), ENOENT);
        EXPECT(t_link(fs, "/f", "/dir/."), EEXIST);
        EXPECT(t_link(fs, "/", "/n5"), EPERM);
        EXPECT(t_link(fs, "/f", "/"), EEXIST);
        EXPECT(t_link(fs, "/dang", "/n5"), 0);       /* the link itself, not followed */
        EXPECT(memfs_readlink(fs, NULL, P("/n5"), buf, sizeof buf, &got), 0);
        CHECK(got == 2 && !memcmp(buf, "nx", 2));
        EXPECT(memfs_link(fs, NULL, P("/lf"), NULL, P("/n6"), MEMFS_LOOKUP_FOLLOW), 0);
        CHECK(t_get(fs, "/n6", false) == t_get(fs, "/f", false));
        EXPECT(t_link(fs, "/f", "/dir/h"), 0);
        memfs_stat(fs, t_get(fs, "/f", false), &st);
        CHECK(st.nlink == 3);
        EXPECT(t_unlink(fs, "/f"), 0);
        EXPECT(t_unlink(fs, "/n6"), 0);
        memfs_stat(fs, t_get(fs, "/dir/h", false), &st);
        CHECK(st.nlink == 1 && st.size == 4);
        /* readlink */
        EXPECT(memfs_readlink(fs, NULL, P("/dir/h"), buf, sizeof buf, &got), EINVAL);
        EXPECT(memfs_readlink(fs, NULL, P("/ld/"), buf, sizeof buf, &got), EINVAL);
        EXPECT(memfs_readlink(fs, NULL, P("/lf/"), buf, sizeof buf, &got), ENOENT);
        EXPECT(memfs_readlink(fs, NULL, P("/nx"), buf, sizeof buf, &got), ENOENT);
        EXPECT(memfs_readlink(fs, NULL, P("/ld"), buf, 2, &got), 0);
        CHECK(got == 2 && !memcmp(buf, "di", 2));
        memfs_stat(fs, t_get(fs, "/ld", false), &st);
        CHECK(st.size == 3 && st.mode == (MEMFS_S_IFLNK | 0777));
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("unlink-link-symlink");
}

static void
test_rename(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *f, *d;
        struct memfs_stat st;
        const unsigned NR = MEMFS_RENAME_NOREPLACE;

        tap_begin();
        EXPECT(t_mkdir(fs, "/dir"), 0);
        EXPECT(t_mkdir(fs, "/dir/sub"), 0);
        EXPECT(t_mkdir(fs, "/e1"), 0);
        EXPECT(t_mkfile(fs, "/f", "data"), 0);
        EXPECT(t_symlink(fs, "dir", "/ld"), 0);
        EXPECT(t_symlink(fs, "f", "/lf"), 0);
        EXPECT(t_symlink(fs, "nx", "/dang"), 0);
        EXPECT(t_rename(fs, ".", "/x", 0), EBUSY);
        EXPECT(t_rename(fs, "/", "/x", 0), EBUSY);
        EXPECT(t_rename(fs, "/f", "/dir/.", 0), EBUSY);
        EXPECT(t_rename(fs, "/f", "/dir/..", 0), EBUSY);
        EXPECT(t_rename(fs, "/f", "/dir/.", NR), EEXIST);
        EXPECT(t_rename(fs, "/f", "/", 0), EBUSY);
        EXPECT(t_rename(fs, "/f/", "/x", 0), ENOTDIR);
        EXPECT(t_rename(fs, "/f", "/x/", 0), ENOTDIR);
        EXPECT(t_rename(fs, "/dang/", "/x", 0), ENOTDIR);
        EXPECT(t_rename(fs, "/ld/", "/x", 0), ENOTDIR);
        EXPECT(t_rename(fs, "/dir", "/dir/sub/x", 0), EINVAL);
        EXPECT(t_rename(fs, "/dir", "/dir/x", 0), EINVAL);
        EXPECT(t_rename(fs, "/dir/sub", "/dir", 0), ENOTEMPTY);
        EXPECT(t_rename(fs, "/dir", "/f", 0), ENOTDIR);
        EXPECT(t_rename(fs, "/f", "/dir", 0), EISDIR);
        EXPECT(t_rename(fs, "/nx", "/dir", 0), ENOENT);
        EXPECT(t_rename(fs, "/f", "/lf", NR), EEXIST);
        EXPECT(t_rename(fs, "/nx", "/lf", NR), ENOENT);
        EXPECT(t_rename(fs, "/f", "/nx/x", 0), ENOENT);
        EXPECT(t_rename(fs, "/e1", "/dir", 0), ENOTEMPTY);
        EXPECT(memfs_rename(fs, NULL, P("/f"), NULL, P("/g"), 0x8), EINVAL);
        EXPECT(t_rename(fs, "/dir", "/dir", 0), 0);
        EXPECT(t_rename(fs, "/dir", "/dir/", 0), 0);
        /* A hard link of the same inode: nothing happens, both names stay. */
        EXPECT(t_link(fs, "/f", "/hl"), 0);
        EXPECT(t_rename(fs, "/f", "/hl", 0), 0);
        CHECK(t_get(fs, "/f", false) && t_get(fs, "/hl", false));
        /* Across directories, a directory over an empty one, replacing a file. */
        d = t_get(fs, "/dir", false);
        EXPECT(t_rename(fs, "/dir/", "/e1/", 0), 0);
        CHECK(t_get(fs, "/e1", false) == d && !t_get(fs, "/dir", false));
        EXPECT(t_rename(fs, "/e1/sub", "/sub2", 0), 0);
        memfs_stat(fs, memfs_root(fs), &st);
        CHECK(st.nlink == 4);                   /* e1, sub2 */
        memfs_stat(fs, d, &st);
        CHECK(st.nlink == 2);
        EXPECT(t_mkfile(fs, "/e1/g", "gg"), 0);
        f = t_get(fs, "/f", false);
        EXPECT(t_rename(fs, "/f", "/e1/g", 0), 0);
        CHECK(t_get(fs, "/e1/g", false) == f && !t_get(fs, "/f", false));
        memfs_stat(fs, f, &st);
        CHECK(st.nlink == 2);
        EXPECT(t_rename(fs, "/e1/g", "/e1/h", NR), 0);
        EXPECT(t_rename(fs, "/sub2", "/e1/sub3", 0), 0);
        canon_is(fs, "/e1/sub3/..", 0, 0, "/e1");
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("rename");
}

static void
test_data(void)
{
        struct memfs *fs = test_fs(64 << 20);
        struct memfs_node *n;
        struct memfs_stat st;
        static char buf[3 * MEMFS_BLOCK], zero[3 * MEMFS_BLOCK];
        size_t got;
        const void *cp;
        void *wp;
        uint64_t before;

        tap_begin();
        EXPECT(memfs_open(fs, NULL, P("/f"), MEMFS_O_CREAT | MEMFS_O_WRITE, &test_attr, &n,
                          NULL), 0);
        before = memfs_used(fs);
        EXPECT(memfs_write(fs, n, 10, "abc", 3, &got), 0);
        CHECK(got == 3);
        EXPECT(memfs_read(fs, n, 0, buf, sizeof buf, &got), 0);
        CHECK(got == 13 && !memcmp(buf, zero, 10) && !memcmp(buf + 10, "abc", 3));
        /* A write far away leaves a hole that reads as zeros and costs nothing. */
        EXPECT(memfs_write(fs, n, 1ull << 40, "z", 1, &got), 0);
        memfs_stat(fs, n, &st);
        CHECK(st.size == (1ull << 40) + 1 && st.blocks == 2 * 8);
        EXPECT(memfs_read(fs, n, (1ull << 40) - 5000, buf, 5001, &got), 0);
        CHECK(got == 5001 && !memcmp(buf, zero, 5000) && buf[5000] == 'z');
        EXPECT(memfs_read_span(fs, n, 1ull << 30, &cp, &got), 0);
        CHECK(cp == NULL && got == MEMFS_BLOCK);
        EXPECT(memfs_read_span(fs, n, 11, &cp, &got), 0);
        CHECK(cp && got == MEMFS_BLOCK - 11 && !memcmp(cp, "bc", 2));
        EXPECT(memfs_read_span(fs, n, (1ull << 40) + 1, &cp, &got), 0);
        CHECK(got == 0);
        /* Shrinking frees blocks and zeroes the tail; growing back shows zeros. */
        EXPECT(memfs_truncate(fs, n, 11), 0);
        memfs_stat(fs, n, &st);
        CHECK(st.size == 11 && st.blocks == 8);
        EXPECT(memfs_truncate(fs, n, 2 * MEMFS_BLOCK), 0);
        EXPECT(memfs_read(fs, n, 0, buf, sizeof buf, &got), 0);
        CHECK(got == 2 * MEMFS_BLOCK && buf[10] == 'a' && !memcmp(buf + 11, zero, got - 11));
        EXPECT(memfs_truncate(fs, n, 0), 0);
        CHECK(memfs_used(fs) == before);
        /* Past the maximum. */
        EXPECT(memfs_write(fs, n, MEMFS_FILE_MAX, "x", 1, &got), EFBIG);
        EXPECT(memfs_write(fs, n, MEMFS_FILE_MAX - 2, "xyz", 3, &got), 0);
        CHECK(got == 2);
        EXPECT(memfs_truncate(fs, n, MEMFS_FILE_MAX + 1), EFBIG);
        EXPECT(memfs_truncate(fs, n, 0), 0);
        /* The span API writes straight into the block. */
        EXPECT(memfs_write_span(fs, n, MEMFS_BLOCK - 2, 10, &wp, &got), 0);
        CHECK(got == 2);
        memcpy(wp, "hi", 2);
        memfs_stat(fs, n, &st);
        CHECK(st.size == MEMFS_BLOCK);
        EXPECT(memfs_read(fs, n, MEMFS_BLOCK - 2, buf, 10, &got), 0);
        CHECK(got == 2 && !memcmp(buf, "hi", 2));
        CONSISTENT(fs);
        /* Wrong types. */
        EXPECT(memfs_write(fs, memfs_root(fs), 0, "x", 1, &got), EISDIR);
        EXPECT(memfs_read(fs, memfs_root(fs), 0, buf, 1, &got), EISDIR);
        EXPECT(memfs_truncate(fs, memfs_root(fs), 0), EISDIR);
        EXPECT(t_symlink(fs, "f", "/l"), 0);
        EXPECT(memfs_truncate(fs, t_get(fs, "/l", false), 0), EINVAL);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("data");
}

static void
test_orphan(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *n;
        struct memfs_stat st;
        char buf[8];
        size_t got;
        uint64_t empty = memfs_used(fs);

        tap_begin();
        EXPECT(t_mkfile(fs, "/f", "keep"), 0);
        EXPECT(memfs_open(fs, NULL, P("/f"), 0, NULL, &n, NULL), 0);
        EXPECT(t_unlink(fs, "/f"), 0);
        CHECK(!t_get(fs, "/f", false));
        CONSISTENT(fs);
        EXPECT(memfs_read(fs, n, 0, buf, sizeof buf, &got), 0);
        CHECK(got == 4 && !memcmp(buf, "keep", 4));
        EXPECT(memfs_write(fs, n, 4, "!", 1, &got), 0);
        memfs_stat(fs, n, &st);
        CHECK(st.nlink == 0 && st.size == 5);
        CHECK(memfs_used(fs) > empty);
        memfs_ref(fs, n);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_unref(fs, n);
        CHECK(memfs_used(fs) == empty);
        /* Replaced by rename while open: the same. */
        EXPECT(t_mkfile(fs, "/a", "A"), 0);
        EXPECT(t_mkfile(fs, "/b", "B"), 0);
        EXPECT(memfs_open(fs, NULL, P("/b"), 0, NULL, &n, NULL), 0);
        EXPECT(t_rename(fs, "/a", "/b", 0), 0);
        EXPECT(memfs_read(fs, n, 0, buf, sizeof buf, &got), 0);
        CHECK(got == 1 && buf[0] == 'B');
        CONSISTENT(fs);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("orphan");
}

struct names {
        int n;
        char name[64][32];
        int cap;
};

static bool
collect(void *ctx, const struct memfs_dirent *d)
{
        struct names *s = ctx;

        if (s->n >= s->cap)
                return false;
        snprintf(s->name[s->n++], 32, "%.*s", (int)d->name_len, d->name);
        return true;
}

static int
count_name(struct names *all, int n, const char *name)
{
        int c = 0;

        for (int i = 0; i < n; i++)
                c += !strcmp(all->name[i], name);
        return c;
}

static void
test_readdir(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *d;
        struct names batch, seen = { 0 };
        uint64_t cookie = 0;
        size_t keep;
        char p[32];
        int round = 0;

        tap_begin();
        EXPECT(t_mkdir(fs, "/d"), 0);
        for (int i = 0; i < 20; i++) {
                snprintf(p, sizeof p, "/d/old%d", i);
                EXPECT(t_mkfile(fs, p, NULL), 0);
        }
        d = t_get(fs, "/d", false);
        /* Read three at a time; between batches delete odd names, add new ones. */
        while (cookie != MEMFS_COOKIE_END) {
                batch.n = 0;
                batch.cap = 3;
                EXPECT(memfs_readdir(fs, d, &cookie, collect, &batch, &keep), 0);
                for (size_t i = 0; i < keep; i++)
                        strcpy(seen.name[seen.n++], batch.name[i]);
                snprintf(p, sizeof p, "/d/old%d", 2 * round + 1);
                t_unlink(fs, p);
                snprintf(p, sizeof p, "/d/new%d", round);
                EXPECT(t_mkfile(fs, p, NULL), 0);
                CHECK(++round < 40);
        }
        for (int i = 0; i < 20; i += 2) {
                snprintf(p, sizeof p, "old%d", i);
                if (count_name(&seen, seen.n, p) != 1)
                        tap_fail("%s listed %d times", p, count_name(&seen, seen.n, p));
        }
        for (int i = 0; i < seen.n; i++)
                if (count_name(&seen, seen.n, seen.name[i]) != 1)
                        tap_fail("%s listed more than once", seen.name[i]);
        /* A buffer that takes nothing is an error. */
        cookie = 0;
        batch.n = 0;
        batch.cap = 0;
        EXPECT(memfs_readdir(fs, d, &cookie, collect, &batch, &keep), EINVAL);
        EXPECT(memfs_readdir(fs, t_get(fs, "/d/new0", false), &cookie, collect, &batch,
                             &keep), ENOTDIR);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("readdir");
}

static bool
count_all(void *ctx, const struct memfs_dirent *d)
{
        (void)d;
        ++*(int *)ctx;
        return true;
}

/* A big directory: tables grow, lookups stay right, and shrink back as names go. */
static void
test_bigdir(void)
{
        struct memfs *fs = test_fs(16 << 20);
        uint64_t base, full;
        char p[32];
        int listed = 0;
        uint64_t cookie = 0;
        size_t keep;

        tap_begin();
        EXPECT(t_mkdir(fs, "/d"), 0);
        base = memfs_used(fs);
        for (int i = 0; i < 3000; i++) {
                snprintf(p, sizeof p, "/d/%d", i);
                EXPECT(t_mkfile(fs, p, NULL), 0);
        }
        full = memfs_used(fs);
        for (int i = 0; i < 3000; i += 7) {
                snprintf(p, sizeof p, "/d/%d", i);
                CHECK(t_get(fs, p, false) != NULL);
        }
        CONSISTENT(fs);
        for (int i = 10; i < 3000; i++) {
                snprintf(p, sizeof p, "/d/%d", i);
                EXPECT(t_unlink(fs, p), 0);
        }
        CONSISTENT(fs);
        CHECK(memfs_used(fs) - base < (full - base) / 100);      /* the table shrank too */
        EXPECT(memfs_readdir(fs, t_get(fs, "/d", false), &cookie, count_all, &listed, &keep),
               0);
        CHECK(listed == 10 && keep == 10 && cookie == MEMFS_COOKIE_END);
        memfs_destroy(fs);
        tap_end("bigdir");
}

static void
test_times(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *n, *root = memfs_root(fs);
        struct memfs_stat a, b, r1, r2;
        size_t got;
        char c;

        tap_begin();
        memfs_stat(fs, root, &r1);
        EXPECT(memfs_open(fs, NULL, P("/f"), MEMFS_O_CREAT, &test_attr, &n, NULL), 0);
        memfs_stat(fs, root, &r2);
        memfs_stat(fs, n, &a);
        CHECK(r2.mtime_ns > r1.mtime_ns && r2.ctime_ns == r2.mtime_ns);
        CHECK(a.atime_ns == a.mtime_ns && a.mtime_ns == a.ctime_ns && a.mtime_ns > 0);
        EXPECT(memfs_write(fs, n, 0, "x", 1, &got), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.mtime_ns > a.mtime_ns && b.ctime_ns == b.mtime_ns && b.atime_ns == a.atime_ns);
        EXPECT(memfs_read(fs, n, 0, &c, 1, &got), 0);
        memfs_stat(fs, n, &a);
        CHECK(a.atime_ns > b.atime_ns && a.mtime_ns == b.mtime_ns);
        EXPECT(memfs_chmod(fs, n, 0600), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.ctime_ns > a.ctime_ns && b.mtime_ns == a.mtime_ns &&
              b.mode == (MEMFS_S_IFREG | 0600));
        EXPECT(memfs_chown(fs, n, 7, 8), 0);
        EXPECT(memfs_chown(fs, n, MEMFS_ID_KEEP, MEMFS_ID_KEEP), 0);
        memfs_stat(fs, n, &a);
        CHECK(a.uid == 7 && a.gid == 8 && a.ctime_ns > b.ctime_ns);
        EXPECT(memfs_utimens(fs, n, 5, MEMFS_UTIME_OMIT), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.atime_ns == 5 && b.mtime_ns == a.mtime_ns && b.ctime_ns > a.ctime_ns);
        EXPECT(memfs_utimens(fs, n, MEMFS_UTIME_OMIT, MEMFS_UTIME_OMIT), 0);
        memfs_stat(fs, n, &a);
        CHECK(a.ctime_ns == b.ctime_ns);
        EXPECT(memfs_utimens(fs, n, MEMFS_UTIME_NOW, 9), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.mtime_ns == 9 && b.atime_ns == b.ctime_ns);
        EXPECT(memfs_utimens(fs, n, -5, 0), EINVAL);
        memfs_stat(fs, root, &r1);
        EXPECT(t_link(fs, "/f", "/g"), 0);
        memfs_stat(fs, n, &a);
        memfs_stat(fs, root, &r2);
        CHECK(a.ctime_ns > b.ctime_ns && r2.mtime_ns > r1.mtime_ns);
        EXPECT(t_rename(fs, "/g", "/h", 0), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.ctime_ns > a.ctime_ns && b.mtime_ns == a.mtime_ns);
        EXPECT(t_unlink(fs, "/h"), 0);
        memfs_stat(fs, n, &a);
        CHECK(a.ctime_ns > b.ctime_ns && a.nlink == 1);
        EXPECT(memfs_truncate(fs, n, 100), 0);
        memfs_stat(fs, n, &b);
        CHECK(b.mtime_ns > a.mtime_ns && b.size == 100);
        memfs_unref(fs, n);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("times");
}

static void
test_seed(void)
{
        struct memfs *fs = test_fs(1 << 20);
        struct memfs_node *n;
        struct memfs_stat st;
        char buf[16];
        size_t got, bad = 99;
        const struct memfs_seed ok[] = {
                { "/etc", MEMFS_S_IFDIR | 0700, 0, 0, NULL, 0, NULL, 77 },
                { "etc/boot.conf", MEMFS_S_IFREG | 0600, 1, 2, "start\n", 6, NULL, 88 },
                { "/bin/sub/deep/prog", MEMFS_S_IFREG | 0755, 0, 0, "\177ELF", 4, NULL, 0 },
                { "/bin/sh", MEMFS_S_IFLNK | 0777, 0, 0, NULL, 0, "sub/deep/prog", 0 },
                { "/etc/", MEMFS_S_IFDIR | 0755, 0, 0, NULL, 0, NULL, 0 },
        };
        const struct memfs_seed dup[] = {
                { "/tmp", MEMFS_S_IFDIR | 01777, 0, 0, NULL, 0, NULL, 0 },
                { "/etc/boot.conf", MEMFS_S_IFREG | 0600, 0, 0, "x", 1, NULL, 0 },
        };
        const struct memfs_seed badtype = { "/dev", 0020000, 0, 0, NULL, 0, NULL, 0 };
        const struct memfs_seed nodata = { "/x", MEMFS_S_IFREG | 0644, 0, 0, NULL, 3, NULL, 0 };

        tap_begin();
        EXPECT(memfs_seed(fs, ok, 5, &bad), 0);
        n = t_get(fs, "/etc/boot.conf", false);
        CHECK(n != NULL);
        if (n) {
                memfs_stat(fs, n, &st);
                CHECK(st.mode == (MEMFS_S_IFREG | 0600) && st.uid == 1 && st.mtime_ns == 88);
                EXPECT(memfs_read(fs, n, 0, buf, sizeof buf, &got), 0);
                CHECK(got == 6 && !memcmp(buf, "start\n", 6));
        }
        memfs_stat(fs, t_get(fs, "/etc", false), &st);
        CHECK(st.mode == (MEMFS_S_IFDIR | 0755));
        canon_is(fs, "/bin/sh", MEMFS_LOOKUP_FOLLOW, 0, "/bin/sub/deep/prog");
        EXPECT(memfs_seed(fs, dup, 2, &bad), EEXIST);
        CHECK(bad == 1 && t_get(fs, "/tmp", false));
        EXPECT(memfs_seed(fs, &badtype, 1, &bad), EINVAL);
        EXPECT(memfs_seed(fs, &nodata, 1, &bad), EINVAL);
        CONSISTENT(fs);
        memfs_destroy(fs);
        tap_end("seed");
}

int
main(void)
{
        test_siphash();
        test_resolve();
        test_symloop();
        test_veto();
        test_lookup_cache();
        test_relative();
        test_open();
        test_mkdir_rmdir();
        test_unlink_link_symlink();
        test_rename();
        test_data();
        test_orphan();
        test_readdir();
        test_bigdir();
        test_times();
        test_seed();
        return tap_exit();
}
