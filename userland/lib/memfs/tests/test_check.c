/*
 * The checker checks: each case builds a small tree, breaks one invariant by hand
 * (through the internal structures), expects memfs_check() to report it with the
 * right reason, and repairs it before the tree is freed.
 */
#include "common.h"
#include "../src/memfs_internal.h"

static struct memfs *
small_tree(void)
{
        struct memfs *fs = test_fs(1 << 20);

        if (t_mkdir(fs, "/a") || t_mkdir(fs, "/a/b") || t_mkfile(fs, "/a/f", "12345") ||
            t_mkfile(fs, "/g", NULL) || t_symlink(fs, "a", "/l") || t_link(fs, "/a/f", "/h")) {
                printf("not ok - file/check-fixture: could not build the tree\n");
                exit(1);
        }
        return fs;
}

static void
expect_report(struct memfs *fs, const char *what, const char *want)
{
        const char *why = memfs_check(fs);

        if (!why)
                tap_fail("%s: not reported", what);
        else if (!strstr(why, want))
                tap_fail("%s: reported as '%s', want '%s'", what, why, want);
}

#define BREAK(name, want, broken, repair) do {                                      \
        struct memfs *fs = small_tree();                                            \
        struct memfs_node *a = t_get(fs, "/a", false), *b = t_get(fs, "/a/b", false); \
        struct memfs_node *f = t_get(fs, "/a/f", false);                            \
        (void)a; (void)b; (void)f;                                                  \
        tap_begin();                                                                \
        if (memfs_check(fs))                                                        \
                tap_fail("the fixture is already broken: %s", memfs_check(fs));     \
        broken;                                                                     \
        expect_report(fs, name, want);                                              \
        repair;                                                                     \
        CONSISTENT(fs);                                                             \
        memfs_destroy(fs);                                                          \
        tap_end("check-detects-" name);                                             \
} while (0)

int
main(void)
{
        struct memfs_dent tmp;
        char saved;

        BREAK("file-nlink", "nlink differs", f->nlink++, f->nlink--);
        BREAK("dir-nlink", "2 + subdirectories", a->nlink++, a->nlink--);
        BREAK("accounting", "accounting", fs->used++, fs->used--);
        BREAK("over-budget", "more used than the budget", fs->cfg.budget = fs->used - 1,
              fs->cfg.budget = 1 << 20);
        BREAK("key", "key is not the hash", a->u.dir.ents[0].key ^= 1,
              a->u.dir.ents[0].key ^= 1);
        BREAK("order", "out of order",
              (tmp = a->u.dir.ents[0], a->u.dir.ents[0] = a->u.dir.ents[1],
               a->u.dir.ents[1] = tmp),
              (tmp = a->u.dir.ents[0], a->u.dir.ents[0] = a->u.dir.ents[1],
               a->u.dir.ents[1] = tmp));
        BREAK("cycle", "parent", a->u.dir.parent = b, a->u.dir.parent = fs->root);
        BREAK("dir-name", "name is not its entry", b->u.dir.name_len++, b->u.dir.name_len--);
        BREAK("slash-in-name", "'/' or NUL",
              (saved = a->u.dir.ents[0].name[0], a->u.dir.ents[0].name[0] = '/'),
              a->u.dir.ents[0].name[0] = saved);
        BREAK("tail-bytes", "past the end of file",
              ((char *)f->u.file.root)[10] = 'x', ((char *)f->u.file.root)[10] = 0);
        BREAK("block-past-eof", "past the end", f->size = 0, f->size = 5);
        BREAK("leak", "neither names nor references",
              (t_get(fs, "/g", false)->nlink = 0, fs->root->u.dir.count--),
              (t_get(fs, "/g", false)->nlink = 1, fs->root->u.dir.count++));
        BREAK("block-count", "block counts", f->u.file.nblocks++, f->u.file.nblocks--);
        BREAK("list-count", "inode count", fs->nnodes++, fs->nnodes--);
        return tap_exit();
}
