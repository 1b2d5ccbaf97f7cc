/*
 * Seeding the tree from the boot archive: (path, mode, data, link) tuples applied in
 * order with the ordinary operations, so a seeded tree obeys every invariant a built
 * one does. Missing parents are made on the way, as `tar x` does.
 */
#include "memfs_internal.h"

static int
make_parents(struct memfs *fs, const char *path, size_t len)
{
        struct memfs_attr dflt = { 0755, 0, 0 };
        struct memfs_node *n;
        struct memfs_path canon;

        for (size_t i = 1; i < len; i++) {
                int err;

                if (path[i] != '/' || path[i - 1] == '/')
                        continue;
                err = memfs_mkdir(fs, NULL, path, i, &dflt);
                if (err == EEXIST) {
                        err = walk_lookup(fs, NULL, path, i, true, 0, &n, &canon);
                        if (!err && !node_is_dir(n))
                                err = ENOTDIR;
                }
                if (err)
                        return err;
        }
        return 0;
}

static void
set_times(struct memfs *fs, struct memfs_node *n, int64_t t)
{
        if (t == 0)
                t = fs_now(fs);
        n->atime = n->mtime = n->ctime = t;
}

static int
seed_dir(struct memfs *fs, const struct memfs_seed *e, size_t len,
         const struct memfs_attr *a)
{
        struct memfs_path canon;
        struct memfs_node *n;
        int err = memfs_mkdir(fs, NULL, e->path, len, a);

        if (err && err != EEXIST)
                return err;
        err = walk_lookup(fs, NULL, e->path, len, false, 0, &n, &canon);
        if (err)
                return err;
        if (!node_is_dir(n))
                return EEXIST;
        n->mode = MEMFS_S_IFDIR | (a->mode & 07777);
        n->uid = a->uid;
        n->gid = a->gid;
        set_times(fs, n, e->mtime_ns);
        return 0;
}

static int
seed_file(struct memfs *fs, const struct memfs_seed *e, size_t len,
          const struct memfs_attr *a)
{
        struct memfs_node *n;
        size_t done;
        int err;

        if (e->size && !e->data)
                return EINVAL;
        err = memfs_open(fs, NULL, e->path, len, MEMFS_O_CREAT | MEMFS_O_EXCL | MEMFS_O_WRITE,
                         a, &n, NULL);
        if (err)
                return err;
        err = memfs_write(fs, n, 0, e->data, e->size, &done);
        if (!err && done < e->size)
                err = ENOSPC;
        set_times(fs, n, e->mtime_ns);
        memfs_unref(fs, n);
        if (err)
                memfs_unlink(fs, NULL, e->path, len);
        return err;
}

static int
seed_one(struct memfs *fs, const struct memfs_seed *e)
{
        struct memfs_attr a = { e->mode & 07777, e->uid, e->gid };
        size_t len = strlen(e->path);
        struct memfs_path canon;
        struct memfs_node *n;
        int err;

        while (len > 1 && e->path[len - 1] == '/')
                len--;
        err = make_parents(fs, e->path, len);
        if (err)
                return err;
        switch (e->mode & MEMFS_S_IFMT) {
        case MEMFS_S_IFDIR:
                return seed_dir(fs, e, len, &a);
        case MEMFS_S_IFREG:
                return seed_file(fs, e, len, &a);
        case MEMFS_S_IFLNK:
                if (!e->link)
                        return EINVAL;
                err = memfs_symlink(fs, e->link, strlen(e->link), NULL, e->path, len, &a);
                if (err)
                        return err;
                err = walk_lookup(fs, NULL, e->path, len, false, 0, &n, &canon);
                if (!err)
                        set_times(fs, n, e->mtime_ns);
                return err;
        default:
                return EINVAL;
        }
}

int
memfs_seed(struct memfs *fs, const struct memfs_seed *e, size_t n, size_t *bad)
{
        for (size_t i = 0; i < n; i++) {
                int err = seed_one(fs, &e[i]);

                if (err) {
                        if (bad)
                                *bad = i;
                        return err;
                }
        }
        return 0;
}
