/*
 * memfs: the core of the `file:` server, a hierarchical file system in memory.
 *
 * Model. A struct memfs holds a tree of inodes (struct memfs_node): regular files,
 * directories and symbolic links. A directory maps names to inodes; a file may have
 * several names (hard links, counted in nlink); a directory has exactly one name and
 * knows its parent, so every directory has one canonical absolute path. An inode lives
 * while it has a name or an open reference (memfs_ref/memfs_unref): an unlinked file
 * that is still open stays readable and writable until its last reference goes.
 *
 * Memory. Every allocation (inodes, names, directory tables, symlink targets, file
 * blocks and the radix nodes that index them) is charged to the byte budget given at
 * creation. Running past it, or the allocator returning NULL, gives ENOSPC and leaves
 * the tree exactly as it was (a write keeps the bytes that fitted, as POSIX says).
 * Freeing anything gives its bytes back. memfs_check() verifies the accounting.
 *
 * Errors. Every call returns 0 or a Linux errno value (positive). Only <errno.h>'s
 * constants are used, so a musl build maps them one to one.
 *
 * Paths are byte strings of 1..4095 bytes (MEMFS_PATH_MAX with the NUL); a name is
 * 1..255 bytes of anything but '/' and NUL. Resolution follows Linux: '.', '..'
 * ('..' at the root stays there), repeated and trailing slashes, symbolic links
 * anywhere (at most 40 per resolution). Each resolution yields the canonical absolute
 * path of what it reached, which is what a policy glob is matched against; a veto
 * callback sees every '..', every link followed and the final object, so a caller can
 * refuse a step (the check and the operation are one step: nothing runs between).
 *
 * Not thread-safe: the server calls it from one thread. Mode bits, uid and gid are
 * recorded, never enforced: authority is the caller's policy (see README.md).
 */
#ifndef MEMFS_MEMFS_H
#define MEMFS_MEMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMFS_NAME_MAX     255
#define MEMFS_PATH_MAX     4096            /* with the NUL, as Linux's PATH_MAX */
#define MEMFS_SYMLOOP_MAX  40
#define MEMFS_BLOCK        4096
#define MEMFS_FILE_MAX     (1ull << 48)    /* bytes; past it EFBIG */

/* Linux's file-type bits and dirent types. */
#define MEMFS_S_IFMT   0170000
#define MEMFS_S_IFDIR  0040000
#define MEMFS_S_IFREG  0100000
#define MEMFS_S_IFLNK  0120000
#define MEMFS_DT_DIR   4
#define MEMFS_DT_REG   8
#define MEMFS_DT_LNK   10

struct memfs;
struct memfs_node;

struct memfs_config {
        uint64_t budget;                        /* bytes all allocations may use */
        uint64_t (*now)(void *ctx);             /* ns since the epoch; NULL: always 0 */
        void *(*alloc)(void *ctx, size_t n);    /* NULL: malloc (give both or neither) */
        void (*free)(void *ctx, void *p, size_t n); /* NULL: free */
        void *ctx;
        uint64_t hash_key[2];   /* directory hashing; give a random one (rand:) */
        uint32_t root_mode;     /* permission bits of "/" */
        uint32_t root_uid, root_gid;
};

/* NULL when the allocator fails or the budget cannot hold the root. */
struct memfs *memfs_create(const struct memfs_config *cfg);
/* Frees everything, open inodes included. */
void memfs_destroy(struct memfs *fs);

struct memfs_node *memfs_root(struct memfs *fs);
uint64_t memfs_used(const struct memfs *fs);
/* How many lookups the cache of the last absolute path answered (tests). */
uint64_t memfs_lookup_hits(const struct memfs *fs);
uint64_t memfs_budget(const struct memfs *fs);

/* ---- Path resolution ---------------------------------------------------------- */

/* A canonical absolute path: "/" or "/a/b", no '.', '..', symlinks or empty names. */
struct memfs_path {
        size_t len;
        char buf[MEMFS_PATH_MAX];               /* NUL-terminated */
};

enum memfs_step_kind {
        MEMFS_STEP_DOTDOT,      /* leaving path (a directory) for its parent */
        MEMFS_STEP_SYMLINK,     /* following the link at path, whose body is target */
        MEMFS_STEP_FINAL,       /* reached: node at path (node NULL: a name to create) */
        MEMFS_STEP_NOTDIR,      /* the walk stops: node at path is no directory, yet a
                                 * component or slash follows (ENOTDIR unless vetoed:
                                 * a caller that must hide the node answers ENOENT) */
};

struct memfs_step {
        enum memfs_step_kind kind;
        int which;                      /* FINAL: 0, or 1 for a rename's/link's new name */
        const struct memfs_node *node;
        const char *path;               /* canonical, NUL-terminated */
        size_t path_len;
        const char *target;             /* SYMLINK: the link's body (not NUL-terminated) */
        size_t target_len;
};

/* Returns 0 to let the step happen, or an errno that the operation then returns. */
typedef int (*memfs_veto_fn)(void *ctx, const struct memfs_step *step);

/* Where a relative path starts (as openat's dirfd), and who may veto the steps. */
struct memfs_at {
        struct memfs_node *dir;         /* NULL: the root */
        memfs_veto_fn veto;             /* NULL: every step allowed */
        void *ctx;
};

#define MEMFS_LOOKUP_FOLLOW  0x1        /* follow a symlink in the final component */

/*
 * Resolves path (len bytes, no NUL needed) to an inode and its canonical path.
 * A trailing slash requires a directory and follows a final symlink.
 */
int memfs_lookup(struct memfs *fs, const struct memfs_at *at, const char *path,
                 size_t len, unsigned flags, struct memfs_node **out,
                 struct memfs_path *canon);

enum memfs_last { MEMFS_LAST_NORM, MEMFS_LAST_DOT, MEMFS_LAST_DOTDOT, MEMFS_LAST_ROOT };

/*
 * "Resolve parent" mode: what create, mkdir, unlink, rmdir, rename, link and symlink
 * start from. parent is the directory holding the final name; node the inode that
 * name is bound to (NULL when it does not exist); canon the canonical path of node,
 * or of the name to create (parent's path + "/" + name); parent_len the length of the
 * parent's path inside canon. A final symlink is not followed (unless follow, which
 * open(O_CREAT) uses: then parent/name are those of the link's target).
 */
struct memfs_parent {
        struct memfs_node *parent;
        struct memfs_node *node;
        enum memfs_last last;
        bool trailing;                  /* the final name was followed by a slash */
        size_t name_len;
        char name[MEMFS_NAME_MAX + 1];
        size_t parent_len;
        struct memfs_path canon;
};

int memfs_lookup_parent(struct memfs *fs, const struct memfs_at *at, const char *path,
                        size_t len, bool follow, struct memfs_parent *out);

/* The canonical path of a directory (ENOENT once removed, ENOTDIR for other types). */
int memfs_dir_path(struct memfs *fs, const struct memfs_node *dir, struct memfs_path *out);

/* ---- Open references ------------------------------------------------------------ */

/* An open file keeps its inode alive past its last unlink. */
void memfs_ref(struct memfs *fs, struct memfs_node *n);
/* Drops one reference; frees the inode when it has neither names nor references. */
void memfs_unref(struct memfs *fs, struct memfs_node *n);

/* ---- Operations on paths ------------------------------------------------------ */

struct memfs_attr {
        uint32_t mode;                  /* permission bits (07777); the type is implied */
        uint32_t uid, gid;
};

#define MEMFS_O_CREAT      0x01
#define MEMFS_O_EXCL       0x02
#define MEMFS_O_TRUNC      0x04
#define MEMFS_O_DIRECTORY  0x08
#define MEMFS_O_NOFOLLOW   0x10
#define MEMFS_O_WRITE      0x20         /* opened for writing (EISDIR on a directory) */

/*
 * open/openat: resolves, creates (MEMFS_O_CREAT) and truncates (MEMFS_O_TRUNC) as
 * Linux does; on success *out holds a reference the caller drops with memfs_unref.
 * canon (may be NULL) gets the canonical path of the file opened.
 */
int memfs_open(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
               unsigned oflags, const struct memfs_attr *attr, struct memfs_node **out,
               struct memfs_path *canon);

int memfs_mkdir(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len,
                const struct memfs_attr *attr);
int memfs_rmdir(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len);
int memfs_unlink(struct memfs *fs, const struct memfs_at *at, const char *path, size_t len);
/* target: the link body, 1..4095 bytes, stored as given. */
int memfs_symlink(struct memfs *fs, const char *target, size_t target_len,
                  const struct memfs_at *at, const char *path, size_t len,
                  const struct memfs_attr *attr);
/* Copies up to cap bytes of the body, sets *got (the body's full length is the size). */
int memfs_readlink(struct memfs *fs, const struct memfs_at *at, const char *path,
                   size_t len, char *buf, size_t cap, size_t *got);
/* linkat: the old path's final symlink is followed only with MEMFS_LOOKUP_FOLLOW. */
int memfs_link(struct memfs *fs, const struct memfs_at *old_at, const char *old_path,
               size_t old_len, const struct memfs_at *new_at, const char *new_path,
               size_t new_len, unsigned flags);

#define MEMFS_RENAME_NOREPLACE 0x1
int memfs_rename(struct memfs *fs, const struct memfs_at *old_at, const char *old_path,
                 size_t old_len, const struct memfs_at *new_at, const char *new_path,
                 size_t new_len, unsigned flags);

/* ---- Operations on inodes -------------------------------------------------------- */

struct memfs_stat {
        uint64_t ino;
        uint32_t mode;                  /* type and permission bits */
        uint32_t nlink;
        uint32_t uid, gid;
        uint64_t size;
        uint64_t blocks;                /* 512-byte units allocated */
        uint32_t blksize;
        int64_t atime_ns, mtime_ns, ctime_ns;
};

void memfs_stat(struct memfs *fs, const struct memfs_node *n, struct memfs_stat *st);

/* Reads up to len bytes at off into buf; *got < len only at end of file. */
int memfs_read(struct memfs *fs, struct memfs_node *n, uint64_t off, void *buf, size_t len,
               size_t *got);
/*
 * Writes len bytes at off (past the end: the gap reads as zeros). *done < len when the
 * budget ran out after some bytes (then the result is 0); ENOSPC when none fitted,
 * EFBIG at or past MEMFS_FILE_MAX, EISDIR/EINVAL for a directory/symlink.
 */
int memfs_write(struct memfs *fs, struct memfs_node *n, uint64_t off, const void *buf,
                size_t len, size_t *done);
int memfs_truncate(struct memfs *fs, struct memfs_node *n, uint64_t size);

/*
 * Direct block access, for copying straight between a file and shared memory.
 * read_span: *data points at the file's bytes at off (NULL: a hole, read as zeros) and
 * *len is how many of them lie in this block and below the end of file (0 at EOF).
 * It does not touch atime: call memfs_accessed once per read request.
 * write_span: makes the block holding off present (zero-filled when new), moves the end
 * of file to off + *len when that is further, updates mtime/ctime, and points *data at
 * off; *len = min(len, bytes to the block's end). The caller must then store exactly
 * *len bytes at *data before calling anything else on this file system.
 */
int memfs_read_span(struct memfs *fs, struct memfs_node *n, uint64_t off,
                    const void **data, size_t *len);
int memfs_write_span(struct memfs *fs, struct memfs_node *n, uint64_t off, size_t len,
                     void **data, size_t *got);
void memfs_accessed(struct memfs *fs, struct memfs_node *n);

/*
 * Directory listing in a stable order (by a keyed hash of the name), resumable by a
 * cookie: cookie 0..MEMFS_COOKIE_FIRST-1 start at the beginning (the caller may use them
 * for "." and ".."), MEMFS_COOKIE_END means done. A name is listed at most once per
 * scan; a name that exists for the whole scan is listed exactly once.
 * emit returns false when the caller's buffer is full; memfs_readdir then sets *keep to
 * the number of entries emitted in this call that the caller keeps (it never splits a
 * run of entries whose names hash alike: their cookie is shared) and *cookie to resume.
 */
#define MEMFS_COOKIE_FIRST  4
#define MEMFS_COOKIE_END    ((uint64_t)INT64_MAX)

struct memfs_dirent {
        uint64_t ino;
        uint64_t next;                  /* cookie that resumes after this entry */
        uint8_t type;                   /* MEMFS_DT_* */
        size_t name_len;
        const char *name;               /* not NUL-terminated */
};
typedef bool (*memfs_emit_fn)(void *ctx, const struct memfs_dirent *d);

int memfs_readdir(struct memfs *fs, struct memfs_node *dir, uint64_t *cookie,
                  memfs_emit_fn emit, void *ctx, size_t *keep);

#define MEMFS_UTIME_NOW   (-1ll)
#define MEMFS_UTIME_OMIT  (-2ll)
int memfs_utimens(struct memfs *fs, struct memfs_node *n, int64_t atime_ns, int64_t mtime_ns);
int memfs_chmod(struct memfs *fs, struct memfs_node *n, uint32_t mode);
/* MEMFS_ID_KEEP ((uint32_t)-1, as chown's -1) leaves that id as it is. */
#define MEMFS_ID_KEEP  UINT32_MAX
int memfs_chown(struct memfs *fs, struct memfs_node *n, uint32_t uid, uint32_t gid);

bool memfs_is_dir(const struct memfs_node *n);

/* ---- Seeding and checking --------------------------------------------------------- */

/* One archive entry: mode carries the type (MEMFS_S_IF*); link only for symlinks. */
struct memfs_seed {
        const char *path;               /* absolute or relative to "/", NUL-terminated */
        uint32_t mode;
        uint32_t uid, gid;
        const void *data;
        size_t size;
        const char *link;               /* NUL-terminated */
        int64_t mtime_ns;               /* all three times; 0: the clock */
};

/*
 * Adds entries in order; missing parent directories are made (0755). An existing
 * directory takes the entry's mode and owner; anything else existing is EEXIST.
 * On error *bad (may be NULL) is the index of the entry that failed.
 */
int memfs_seed(struct memfs *fs, const struct memfs_seed *e, size_t n, size_t *bad);

/* Checks every invariant; returns NULL or a description of the first broken one. */
const char *memfs_check(struct memfs *fs);

#endif
