/*
 * memfs internals, shared by the library's files only.
 *
 * Inode states: linked (nlink > 0: reachable by name), orphan (nlink == 0, refs > 0:
 * unlinked but open), freed (nlink == 0 and refs == 0: gone at once). Every inode sits
 * on fs->all, which memfs_check and memfs_destroy walk.
 *
 * Directory: a table of entries sorted by (key, name), key a keyed hash of the name
 * (the readdir cookie), so lookup is a binary search and a scan visits each name once
 * whatever else changes. A directory also points at its parent and at its own name
 * (the bytes of its entry there), which is how canonical paths are built upward.
 * nlink of a directory: 2 + its subdirectories while linked, 0 once removed.
 *
 * File: a radix tree of 4 KiB blocks, height h covering 512^h blocks (h = 0: the root
 * is the only data block). Absent blocks are holes. Bytes past the size inside the
 * last block are always zero, so growing a file never exposes old data.
 */
#ifndef MEMFS_INTERNAL_H
#define MEMFS_INTERNAL_H

#include <errno.h>
#include <string.h>

#include <memfs/memfs.h>

#define RADIX_BITS   9
#define RADIX_FAN    (1u << RADIX_BITS)
#define RADIX_MAXH   4          /* 512^4 blocks of 4 KiB = 2^48 bytes = MEMFS_FILE_MAX */

#define MEMFS_NLINK_MAX 0xfffffff0u

#ifdef MEMFS_DEBUG_ASSERT
#include <assert.h>
#define MEMFS_ASSERT(x) assert(x)
#else
#define MEMFS_ASSERT(x) ((void)0)
#endif

struct memfs_dent {
        uint64_t key;
        struct memfs_node *node;
        char *name;             /* own allocation of len bytes, no NUL */
        uint32_t len;
};

struct memfs_node {
        uint64_t ino;
        uint32_t mode, uid, gid;
        uint32_t nlink;
        uint32_t refs;          /* open references */
        uint64_t size;
        int64_t atime, mtime, ctime;
        struct memfs_node *prev, *next;         /* fs->all */
        uint64_t check_links;                   /* scratch for memfs_check */
        union {
                struct {
                        struct memfs_dent *ents;
                        uint32_t count, cap;
                        struct memfs_node *parent;      /* NULL for root and removed */
                        const char *name;               /* the entry's bytes in parent */
                        uint32_t name_len;
                } dir;
                struct {
                        void *root;
                        unsigned height;
                        uint64_t nblocks;               /* data blocks present */
                        uint64_t nindex;                /* radix nodes present */
                } file;
                struct {
                        char *target;                   /* size bytes, no NUL */
                } lnk;
        } u;
};

/*
 * The last absolute path looked up with success (memfs_walk.c, lookup_cached): the
 * node it reached and its canonical path, good while tree_gen is what it was then.
 * tree_gen moves with every change to any directory's entries (tree_changed), so no
 * name can have gone, moved or appeared in between; the veto still runs every time.
 */
#define MEMFS_CACHE_PATH 128

struct lookup_cache {
        uint64_t gen;                           /* tree_gen then; 0: nothing kept */
        bool follow;
        size_t len, canon_len;
        struct memfs_node *node;
        char path[MEMFS_CACHE_PATH];
        char canon[MEMFS_CACHE_PATH];           /* NUL-terminated */
};

struct memfs {
        struct memfs_config cfg;
        uint64_t used;
        uint64_t next_ino;
        uint64_t nnodes;
        uint64_t tree_gen;                      /* starts at 1 */
        uint64_t lookup_hits;
        struct lookup_cache lookup;
        struct memfs_node *root;
        struct memfs_node *all;
};

/* A directory's entries changed: what the lookup cache kept may be wrong. */
static inline void
tree_changed(struct memfs *fs)
{
        fs->tree_gen++;
}

static inline bool
node_is_dir(const struct memfs_node *n)
{
        return (n->mode & MEMFS_S_IFMT) == MEMFS_S_IFDIR;
}

static inline bool
node_is_reg(const struct memfs_node *n)
{
        return (n->mode & MEMFS_S_IFMT) == MEMFS_S_IFREG;
}

static inline bool
node_is_link(const struct memfs_node *n)
{
        return (n->mode & MEMFS_S_IFMT) == MEMFS_S_IFLNK;
}

/* memfs.c: memory, inodes, times */
void *fs_alloc(struct memfs *fs, size_t n);
void *fs_zalloc(struct memfs *fs, size_t n);
void fs_free(struct memfs *fs, void *p, size_t n);
int64_t fs_now(struct memfs *fs);
struct memfs_node *node_new(struct memfs *fs, uint32_t type, const struct memfs_attr *a);
void node_drop_if_unused(struct memfs *fs, struct memfs_node *n);
void node_touch_mc(struct memfs *fs, struct memfs_node *n);    /* mtime+ctime */
void node_touch_c(struct memfs *fs, struct memfs_node *n);

/* memfs_dir.c */
uint64_t dir_key(const struct memfs *fs, const char *name, size_t len);
struct memfs_dent *dir_find(const struct memfs_node *dir, const char *name, size_t len,
                            uint64_t key, uint32_t *pos);
int dir_reserve(struct memfs *fs, struct memfs_node *dir);
char *name_dup(struct memfs *fs, const char *name, size_t len);
void dir_insert(struct memfs_node *dir, uint32_t pos, uint64_t key, char *name, size_t len,
                struct memfs_node *node);
void dir_remove(struct memfs *fs, struct memfs_node *dir, uint32_t pos);
void dir_free_table(struct memfs *fs, struct memfs_node *dir);
bool dir_is_ancestor(const struct memfs_node *a, const struct memfs_node *d);

/* memfs_file.c */
void file_free_blocks(struct memfs *fs, struct memfs_node *n);
void file_shrink(struct memfs *fs, struct memfs_node *n, uint64_t size);
uint64_t file_count(const struct memfs_node *n, uint64_t *index, const char **why);

/* memfs_walk.c: resolution with the final veto step (which: 0 or 1) */
int walk_lookup(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
                bool follow, int which, struct memfs_node **out, struct memfs_path *canon);
int walk_parent(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
                bool follow, int which, struct memfs_parent *r);

#endif
