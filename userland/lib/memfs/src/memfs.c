/*
 * memfs: the file system object, the budget, inode life and attributes.
 * Every byte memfs allocates goes through fs_alloc/fs_free, which charge the budget,
 * so the accounting memfs_check verifies has one place to go wrong.
 */
#include <stdlib.h>

#include "memfs_internal.h"

void *
fs_alloc(struct memfs *fs, size_t n)
{
        void *p;

        if (n > fs->cfg.budget - fs->used)      /* used <= budget always: no wrap */
                return NULL;
        p = fs->cfg.alloc ? fs->cfg.alloc(fs->cfg.ctx, n) : malloc(n);
        if (p)
                fs->used += n;
        return p;
}

void *
fs_zalloc(struct memfs *fs, size_t n)
{
        void *p = fs_alloc(fs, n);

        if (p)
                memset(p, 0, n);
        return p;
}

void
fs_free(struct memfs *fs, void *p, size_t n)
{
        if (!p)
                return;
        MEMFS_ASSERT(fs->used >= n);
        fs->used -= n;
        if (fs->cfg.free)
                fs->cfg.free(fs->cfg.ctx, p, n);
        else
                free(p);
}

int64_t
fs_now(struct memfs *fs)
{
        return fs->cfg.now ? (int64_t)fs->cfg.now(fs->cfg.ctx) : 0;
}

struct memfs_node *
node_new(struct memfs *fs, uint32_t type, const struct memfs_attr *a)
{
        struct memfs_node *n = fs_zalloc(fs, sizeof *n);

        if (!n)
                return NULL;
        n->ino = fs->next_ino++;
        n->mode = type | (a ? a->mode & 07777 : 0);
        n->uid = a ? a->uid : 0;
        n->gid = a ? a->gid : 0;
        n->atime = n->mtime = n->ctime = fs_now(fs);
        n->next = fs->all;
        if (fs->all)
                fs->all->prev = n;
        fs->all = n;
        fs->nnodes++;
        return n;
}

static void
node_free(struct memfs *fs, struct memfs_node *n)
{
        if (node_is_dir(n))
                dir_free_table(fs, n);
        else if (node_is_reg(n))
                file_free_blocks(fs, n);
        else
                fs_free(fs, n->u.lnk.target, n->size);
        if (n->prev)
                n->prev->next = n->next;
        else
                fs->all = n->next;
        if (n->next)
                n->next->prev = n->prev;
        fs->nnodes--;
        fs_free(fs, n, sizeof *n);
}

void
node_drop_if_unused(struct memfs *fs, struct memfs_node *n)
{
        if (n->nlink == 0 && n->refs == 0)
                node_free(fs, n);
}

void
node_touch_mc(struct memfs *fs, struct memfs_node *n)
{
        n->mtime = n->ctime = fs_now(fs);
}

void
node_touch_c(struct memfs *fs, struct memfs_node *n)
{
        n->ctime = fs_now(fs);
}

struct memfs *
memfs_create(const struct memfs_config *cfg)
{
        struct memfs *fs = cfg->alloc ? cfg->alloc(cfg->ctx, sizeof *fs) : malloc(sizeof *fs);
        struct memfs_attr a = { cfg->root_mode, cfg->root_uid, cfg->root_gid };

        if (!fs)
                return NULL;
        memset(fs, 0, sizeof *fs);
        fs->cfg = *cfg;
        fs->next_ino = 1;
        fs->tree_gen = 1;
        fs->root = node_new(fs, MEMFS_S_IFDIR, &a);
        if (!fs->root) {
                memfs_destroy(fs);
                return NULL;
        }
        fs->root->nlink = 2;
        return fs;
}

void
memfs_destroy(struct memfs *fs)
{
        while (fs->all)
                node_free(fs, fs->all);
        if (fs->cfg.free)
                fs->cfg.free(fs->cfg.ctx, fs, sizeof *fs);
        else
                free(fs);
}

struct memfs_node *
memfs_root(struct memfs *fs)
{
        return fs->root;
}

uint64_t
memfs_used(const struct memfs *fs)
{
        return fs->used;
}

uint64_t
memfs_budget(const struct memfs *fs)
{
        return fs->cfg.budget;
}

bool
memfs_is_dir(const struct memfs_node *n)
{
        return node_is_dir(n);
}

void
memfs_ref(struct memfs *fs, struct memfs_node *n)
{
        (void)fs;
        MEMFS_ASSERT(n->refs < UINT32_MAX);
        n->refs++;
}

void
memfs_unref(struct memfs *fs, struct memfs_node *n)
{
        MEMFS_ASSERT(n->refs > 0);
        n->refs--;
        node_drop_if_unused(fs, n);
}

/* tmpfs's convention, so `ls -l` shows something that grows with the entries. */
#define BOGO_DIRENT_SIZE 20

void
memfs_stat(struct memfs *fs, const struct memfs_node *n, struct memfs_stat *st)
{
        (void)fs;
        memset(st, 0, sizeof *st);
        st->ino = n->ino;
        st->mode = n->mode;
        st->nlink = n->nlink;
        st->uid = n->uid;
        st->gid = n->gid;
        st->size = node_is_dir(n) ? (uint64_t)(n->u.dir.count + 2) * BOGO_DIRENT_SIZE : n->size;
        st->blocks = node_is_reg(n) ? n->u.file.nblocks * (MEMFS_BLOCK / 512) : 0;
        st->blksize = MEMFS_BLOCK;
        st->atime_ns = n->atime;
        st->mtime_ns = n->mtime;
        st->ctime_ns = n->ctime;
}

int
memfs_utimens(struct memfs *fs, struct memfs_node *n, int64_t atime_ns, int64_t mtime_ns)
{
        int64_t now = fs_now(fs);

        if ((atime_ns < 0 && atime_ns != MEMFS_UTIME_NOW && atime_ns != MEMFS_UTIME_OMIT) ||
            (mtime_ns < 0 && mtime_ns != MEMFS_UTIME_NOW && mtime_ns != MEMFS_UTIME_OMIT))
                return EINVAL;
        if (atime_ns == MEMFS_UTIME_OMIT && mtime_ns == MEMFS_UTIME_OMIT)
                return 0;
        if (atime_ns != MEMFS_UTIME_OMIT)
                n->atime = atime_ns == MEMFS_UTIME_NOW ? now : atime_ns;
        if (mtime_ns != MEMFS_UTIME_OMIT)
                n->mtime = mtime_ns == MEMFS_UTIME_NOW ? now : mtime_ns;
        n->ctime = now;
        return 0;
}

int
memfs_chmod(struct memfs *fs, struct memfs_node *n, uint32_t mode)
{
        n->mode = (n->mode & MEMFS_S_IFMT) | (mode & 07777);
        node_touch_c(fs, n);
        return 0;
}

int
memfs_chown(struct memfs *fs, struct memfs_node *n, uint32_t uid, uint32_t gid)
{
        if (uid != MEMFS_ID_KEEP)
                n->uid = uid;
        if (gid != MEMFS_ID_KEEP)
                n->gid = gid;
        node_touch_c(fs, n);
        return 0;
}

void
memfs_accessed(struct memfs *fs, struct memfs_node *n)
{
        n->atime = fs_now(fs);
}
