/*
 * Operations on paths, with Linux's errors in Linux's order (the order matters when a
 * call is wrong in two ways; checked against Linux 6.x on tmpfs). Each operation does
 * all its allocation first and mutates only when nothing can fail any more, so ENOSPC
 * never leaves half an operation behind.
 */
#include "memfs_internal.h"

/* Allocates the inode, its name and the table slot, then links it into parent. */
static int
make_node(struct memfs *fs, struct memfs_node *parent, const char *name, size_t len,
          uint32_t type, const struct memfs_attr *attr, struct memfs_node **out)
{
        uint64_t key = dir_key(fs, name, len);
        struct memfs_node *n;
        uint32_t pos;
        char *nm;

        if (type == MEMFS_S_IFDIR && parent->nlink >= MEMFS_NLINK_MAX)
                return EMLINK;
        n = node_new(fs, type, attr);
        if (!n)
                return ENOSPC;
        nm = name_dup(fs, name, len);
        if (!nm || dir_reserve(fs, parent)) {
                fs_free(fs, nm, len);
                n->nlink = 0;
                node_drop_if_unused(fs, n);
                return ENOSPC;
        }
        dir_find(parent, name, len, key, &pos);
        dir_insert(parent, pos, key, nm, len, n);
        tree_changed(fs);
        n->nlink = type == MEMFS_S_IFDIR ? 2 : 1;
        if (type == MEMFS_S_IFDIR)
                parent->nlink++;
        node_touch_mc(fs, parent);
        *out = n;
        return 0;
}

/* Unbinds the name at pos in dir from its inode, which may then be freed. */
static void
unbind(struct memfs *fs, struct memfs_node *dir, uint32_t pos)
{
        struct memfs_node *n = dir->u.dir.ents[pos].node;

        dir_remove(fs, dir, pos);
        if (node_is_dir(n)) {
                n->nlink = 0;
                n->u.dir.parent = NULL;
                n->u.dir.name = NULL;
                n->u.dir.name_len = 0;
                dir->nlink--;
        } else {
                n->nlink--;
        }
        node_touch_c(fs, n);
        node_touch_mc(fs, dir);
        node_drop_if_unused(fs, n);
}

static uint32_t
pos_of(struct memfs *fs, struct memfs_node *dir, const char *name, size_t len)
{
        uint32_t pos;
        struct memfs_dent *e = dir_find(dir, name, len, dir_key(fs, name, len), &pos);

        MEMFS_ASSERT(e);
        (void)e;
        return pos;
}

static int
open_create(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
            unsigned of, const struct memfs_attr *attr, struct memfs_node **n,
            struct memfs_path *canon)
{
        struct memfs_parent r;
        int err = walk_parent(fs, at, path, len, !(of & (MEMFS_O_EXCL | MEMFS_O_NOFOLLOW)), 0,
                              &r);

        if (err)
                return err;
        if (r.last != MEMFS_LAST_NORM)         /* ".", ".." or "/": an existing dir */
                return of & MEMFS_O_EXCL ? EEXIST : EISDIR;
        if (r.trailing)
                return EISDIR;
        if (canon) {
                canon->len = r.canon.len;
                memcpy(canon->buf, r.canon.buf, r.canon.len + 1);
        }
        if (r.node) {
                if (of & MEMFS_O_EXCL)
                        return EEXIST;
                if (node_is_dir(r.node))
                        return EISDIR;
                *n = r.node;
                return 0;
        }
        return make_node(fs, r.parent, r.name, r.name_len, MEMFS_S_IFREG, attr, n);
}

int
memfs_open(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
           unsigned of, const struct memfs_attr *attr, struct memfs_node **out,
           struct memfs_path *canon)
{
        struct memfs_node *n = NULL;
        struct memfs_path scratch;
        bool created = false;
        int err;

        *out = NULL;
        if ((of & MEMFS_O_CREAT) && (of & MEMFS_O_DIRECTORY))
                return EINVAL;          /* Linux since 6.4: never "create a directory" */
        if (of & MEMFS_O_CREAT) {
                uint64_t before = fs->next_ino;

                err = open_create(fs, at, path, len, of, attr, &n, canon);
                created = fs->next_ino != before;
        } else {
                err = walk_lookup(fs, at, path, len, !(of & MEMFS_O_NOFOLLOW), 0, &n,
                                  canon ? canon : &scratch);
        }
        if (err)
                return err;
        if ((of & MEMFS_O_DIRECTORY) && !node_is_dir(n))
                return ENOTDIR;
        if (node_is_link(n))
                return ELOOP;
        if (node_is_dir(n) && (of & (MEMFS_O_WRITE | MEMFS_O_TRUNC)))
                return EISDIR;
        if ((of & MEMFS_O_TRUNC) && !created) {
                file_shrink(fs, n, 0);
                node_touch_mc(fs, n);
        }
        memfs_ref(fs, n);
        *out = n;
        return 0;
}

int
memfs_mkdir(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
            const struct memfs_attr *attr)
{
        struct memfs_parent r;
        struct memfs_node *n;
        int err = walk_parent(fs, at, path, len, false, 0, &r);

        if (err)
                return err;
        if (r.last != MEMFS_LAST_NORM || r.node)
                return EEXIST;
        return make_node(fs, r.parent, r.name, r.name_len, MEMFS_S_IFDIR, attr, &n);
}

int
memfs_rmdir(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len)
{
        struct memfs_parent r;
        int err = walk_parent(fs, at, path, len, false, 0, &r);

        if (err)
                return err;
        if (r.last == MEMFS_LAST_DOTDOT)
                return ENOTEMPTY;
        if (r.last == MEMFS_LAST_DOT)
                return EINVAL;
        if (r.last == MEMFS_LAST_ROOT)
                return EBUSY;
        if (!r.node)
                return ENOENT;
        if (!node_is_dir(r.node))
                return ENOTDIR;
        if (r.node->u.dir.count)
                return ENOTEMPTY;
        unbind(fs, r.parent, pos_of(fs, r.parent, r.name, r.name_len));
        return 0;
}

int
memfs_unlink(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len)
{
        struct memfs_parent r;
        int err = walk_parent(fs, at, path, len, false, 0, &r);

        if (err)
                return err;
        if (r.last != MEMFS_LAST_NORM)
                return EISDIR;
        if (!r.node)
                return ENOENT;
        if (node_is_dir(r.node))
                return EISDIR;
        if (r.trailing)
                return ENOTDIR;
        unbind(fs, r.parent, pos_of(fs, r.parent, r.name, r.name_len));
        return 0;
}

/* Where link and symlink put their new name: Linux's filename_create(). */
static int
new_name(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
         int which, struct memfs_parent *r)
{
        int err = walk_parent(fs, at, path, len, false, which, r);

        if (err)
                return err;
        if (r->last != MEMFS_LAST_NORM || r->node)
                return EEXIST;
        if (r->trailing)
                return ENOENT;
        return 0;
}

int
memfs_symlink(struct memfs *fs, const char *target, size_t target_len,
              const struct memfs_at *at, const char *path, size_t len,
              const struct memfs_attr *attr)
{
        struct memfs_parent r;
        struct memfs_node *n;
        char *body;
        int err;

        if (target_len == 0)
                return ENOENT;
        if (target_len >= MEMFS_PATH_MAX)
                return ENAMETOOLONG;
        if (memchr(target, '\0', target_len))
                return EINVAL;
        err = new_name(fs, at, path, len, 0, &r);
        if (err)
                return err;
        body = name_dup(fs, target, target_len);
        if (!body)
                return ENOSPC;
        err = make_node(fs, r.parent, r.name, r.name_len, MEMFS_S_IFLNK, attr, &n);
        if (err) {
                fs_free(fs, body, target_len);
                return err;
        }
        n->mode |= 0777;
        n->u.lnk.target = body;
        n->size = target_len;
        return 0;
}

int
memfs_readlink(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
               char *buf, size_t cap, size_t *got)
{
        struct memfs_path canon;
        struct memfs_node *n;
        int err = walk_lookup(fs, at, path, len, false, 0, &n, &canon);

        *got = 0;
        if (err)
                return err;
        if (!node_is_link(n))
                return EINVAL;
        *got = n->size < cap ? (size_t)n->size : cap;
        memcpy(buf, n->u.lnk.target, *got);
        memfs_accessed(fs, n);
        return 0;
}

int
memfs_link(struct memfs *fs, const struct memfs_at *old_at, const char *old_path,
           size_t old_len, const struct memfs_at *new_at, const char *new_path,
           size_t new_len, unsigned flags)
{
        struct memfs_path canon;
        struct memfs_parent r;
        struct memfs_node *n;
        uint32_t pos;
        uint64_t key;
        char *nm;
        int err = walk_lookup(fs, old_at, old_path, old_len, flags & MEMFS_LOOKUP_FOLLOW, 0,
                              &n, &canon);

        if (err)
                return err;
        err = new_name(fs, new_at, new_path, new_len, 1, &r);
        if (err)
                return err;
        if (node_is_dir(n))
                return EPERM;
        if (n->nlink == 0)
                return ENOENT;
        if (n->nlink >= MEMFS_NLINK_MAX)
                return EMLINK;
        nm = name_dup(fs, r.name, r.name_len);
        if (!nm || dir_reserve(fs, r.parent)) {
                fs_free(fs, nm, r.name_len);
                return ENOSPC;
        }
        key = dir_key(fs, r.name, r.name_len);
        dir_find(r.parent, r.name, r.name_len, key, &pos);
        dir_insert(r.parent, pos, key, nm, r.name_len, n);
        tree_changed(fs);
        n->nlink++;
        node_touch_c(fs, n);
        node_touch_mc(fs, r.parent);
        return 0;
}

/* The checks of Linux's renameat2 and vfs_rename, in their order. */
static int
rename_check(const struct memfs_parent *o, const struct memfs_parent *t, unsigned flags)
{
        if (o->last != MEMFS_LAST_NORM)
                return EBUSY;
        if (t->last != MEMFS_LAST_NORM)
                return flags & MEMFS_RENAME_NOREPLACE ? EEXIST : EBUSY;
        if (!o->node)
                return ENOENT;
        if ((flags & MEMFS_RENAME_NOREPLACE) && t->node)
                return EEXIST;
        if (!node_is_dir(o->node) && (o->trailing || t->trailing))
                return ENOTDIR;
        if (node_is_dir(o->node) && dir_is_ancestor(o->node, t->parent))
                return EINVAL;          /* into its own subtree */
        if (t->node && node_is_dir(t->node) && dir_is_ancestor(t->node, o->parent))
                return ENOTEMPTY;       /* over one of its own ancestors */
        if (o->node == t->node)
                return -1;              /* the same inode: nothing to do */
        if (t->node) {
                if (node_is_dir(o->node) && !node_is_dir(t->node))
                        return ENOTDIR;
                if (!node_is_dir(o->node) && node_is_dir(t->node))
                        return EISDIR;
                if (node_is_dir(t->node) && t->node->u.dir.count)
                        return ENOTEMPTY;
        }
        return 0;
}

/* Points the existing entry at the moved inode and drops what it named. */
static void
rename_replace(struct memfs *fs, struct memfs_parent *o, struct memfs_parent *t)
{
        struct memfs_dent *e = dir_find(t->parent, t->name, t->name_len,
                                        dir_key(fs, t->name, t->name_len), NULL);
        struct memfs_node *victim = t->node, *n = o->node;

        MEMFS_ASSERT(e && e->node == victim);
        e->node = n;
        tree_changed(fs);
        if (node_is_dir(victim)) {
                victim->nlink = 0;
                victim->u.dir.parent = NULL;
                victim->u.dir.name = NULL;
                t->parent->nlink--;
        } else {
                victim->nlink--;
        }
        node_touch_c(fs, victim);
        node_drop_if_unused(fs, victim);
        if (node_is_dir(n)) {
                /* The old entry's name is about to go: point at the surviving one. */
                n->u.dir.parent = t->parent;
                n->u.dir.name = e->name;
                n->u.dir.name_len = e->len;
                t->parent->nlink++;
        }
}

int
memfs_rename(struct memfs *fs, const struct memfs_at *old_at, const char *old_path,
             size_t old_len, const struct memfs_at *new_at, const char *new_path,
             size_t new_len, unsigned flags)
{
        struct memfs_parent o, t;
        struct memfs_node *n;
        char *nm = NULL;
        int err;

        if (flags & ~MEMFS_RENAME_NOREPLACE)
                return EINVAL;
        err = walk_parent(fs, old_at, old_path, old_len, false, 0, &o);
        if (err)
                return err;
        err = walk_parent(fs, new_at, new_path, new_len, false, 1, &t);
        if (err)
                return err;
        err = rename_check(&o, &t, flags);
        if (err)
                return err < 0 ? 0 : err;
        n = o.node;
        if (!t.node) {
                nm = name_dup(fs, t.name, t.name_len);
                if (!nm || dir_reserve(fs, t.parent)) {
                        fs_free(fs, nm, t.name_len);
                        return ENOSPC;
                }
        }
        /* Nothing can fail from here on. */
        if (node_is_dir(n))
                o.parent->nlink--;
        if (t.node) {
                rename_replace(fs, &o, &t);
        } else {
                uint64_t key = dir_key(fs, t.name, t.name_len);
                uint32_t pos;

                dir_find(t.parent, t.name, t.name_len, key, &pos);
                dir_insert(t.parent, pos, key, nm, t.name_len, n);
                tree_changed(fs);
                if (node_is_dir(n))
                        t.parent->nlink++;
        }
        dir_remove(fs, o.parent, pos_of(fs, o.parent, o.name, o.name_len));
        node_touch_c(fs, n);
        node_touch_mc(fs, o.parent);
        node_touch_mc(fs, t.parent);
        return 0;
}
