/*
 * The scheme protocol: how a process talks to a scheme server (file:, pipe:, rand:,
 * null:, zero:, log:, cable:, drivers' own). One header for clients and servers.
 *
 * Capabilities. Everything a process can reach at a server is a badged capability to
 * the server's endpoint, in the process's own CSpace:
 *  - a *policy* (a scheme capability): a record at the server naming a path glob and
 *    rights (`file:/home/u/` then `*.txt:r`; the root policy of a scheme matches every path
 *    with every right). open, mkdir, unlink... are calls on it, with a path the server resolves
 *    and checks against the glob;
 *  - an *open file* (a file descriptor): a record holding the object and the offset.
 *    read, write, seek, fstat... are calls on it, straight to the server.
 * The badge names the record and carries a generation, so a record reused for another
 * file never answers to an old badge, and the server's epoch (how many times init
 * restarted it), so a restarted server answers records of its past life with EIO.
 *
 * Messages. A request is a Call whose label is the operation (SCHEME_OP_*), with its
 * arguments in message registers 0..3 and any bytes (paths, data to write) from
 * message word SCHEME_DATA_WORD on. The reply's message register 0 is the result: a
 * non-negative value, or -errno with Linux's errno values (so POSIX maps them one to
 * one). Replies to open and dup carry the new file's capability (the policy or file
 * capability must have GrantReply). An operation a server does not implement answers
 * -ENOSYS (or -EBADF / -ENOTDIR where POSIX says so).
 */
#ifndef WRIT_SCHEME_H
#define WRIT_SCHEME_H

#include <stdint.h>

#include <writ/abi.h>

#define SCHEME_OPS(E)                                                            \
	E(SCHEME_OP_OPEN,       1)  /* (flags, mode, path len) path -> file cap */  \
	E(SCHEME_OP_READ,       2)  /* (len) -> n, bytes */                         \
	E(SCHEME_OP_WRITE,      3)  /* (len) bytes -> n */                          \
	E(SCHEME_OP_PREAD,      4)  /* (len, offset) -> n, bytes */                 \
	E(SCHEME_OP_PWRITE,     5)  /* (len, offset) bytes -> n */                  \
	E(SCHEME_OP_SEEK,       6)  /* (offset, whence) -> new offset */            \
	E(SCHEME_OP_FSTAT,      7)  /* () -> struct scheme_stat in the data words */ \
	E(SCHEME_OP_FSYNC,      8)  /* () */                                        \
	E(SCHEME_OP_FTRUNCATE,  9)  /* (length) */                                  \
	E(SCHEME_OP_CLOSE,     10)  /* () the record goes; the caller deletes its cap */ \
	E(SCHEME_OP_DUP,       11)  /* () -> a new record, same object and offset, cap */ \
	E(SCHEME_OP_FPATH,     12)  /* () -> n, the path opened */                  \
	E(SCHEME_OP_GETDENTS,  13)  /* (len) -> n, packed struct scheme_dirent */    \
	E(SCHEME_OP_MKDIR,     14)  /* (mode, path len) path */                     \
	E(SCHEME_OP_RMDIR,     15)  /* (path len) path */                           \
	E(SCHEME_OP_UNLINK,    16)  /* (path len) path */                           \
	E(SCHEME_OP_RENAME,    17)  /* (flags, len1, len2) path1 path2 */           \
	E(SCHEME_OP_LINK,      18)  /* (len1, len2) existing new */                 \
	E(SCHEME_OP_SYMLINK,   19)  /* (len1, len2) target linkpath */              \
	E(SCHEME_OP_READLINK,  20)  /* (path len, buf len) path -> n, bytes */       \
	E(SCHEME_OP_STAT,      21)  /* (flags, path len) path -> struct scheme_stat */ \
	E(SCHEME_OP_STATS,     22)  /* () -> server figures: records live, ... */    \
	E(SCHEME_OP_SEND,      23)  /* cable: (len, key) bytes + fds */              \
	E(SCHEME_OP_RECV,      24)  /* cable: (len) -> n, key, bytes + fds */        \
	E(SCHEME_OP_PAIR,      25)  /* cable/pipe: () -> two caps, in two replies */  \
	E(SCHEME_OP_WEAKEN,    26)  /* policies (part 2) */                         \
	E(SCHEME_OP_REVOKE,    27)  /* policies (part 2) */

enum scheme_op {
#define SCHEME_OP_ENUM_(name, num) name = num,
	SCHEME_OPS(SCHEME_OP_ENUM_)
#undef SCHEME_OP_ENUM_
};

/* The rights of every capability a server hands out: call it, send capabilities
 * through it, and take capabilities from its replies. */
#define SCHEME_CAP_RIGHTS (WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY)

/* Bytes of a request or reply start at this message word; at most SCHEME_INLINE. */
#define SCHEME_DATA_WORD 4
#define SCHEME_INLINE ((WRIT_MSG_MAX_LENGTH - SCHEME_DATA_WORD) * 8)

/* ---- badges ----
 *   bits  0..19  record index
 *   bits 20..43  record generation
 *   bits 44..47  record kind (SCHEME_KIND_*)
 *   bits 48..63  server epoch
 */
#define SCHEME_KIND_POLICY 1
#define SCHEME_KIND_FILE   2
/* A capability init minted for one process: the index field is that process's pid and
 * the generation 0. Only init holds the unbadged endpoint, and a badge is set once, so
 * a server that accepts these (lib/srv: srv.idents) knows who calls, unforgeably. */
#define SCHEME_KIND_IDENT  3

static inline writ_word_t
scheme_badge(uint32_t index, uint32_t gen, unsigned kind, unsigned epoch)
{
	return (writ_word_t)(index & 0xfffff) | (writ_word_t)(gen & 0xffffff) << 20 |
	       (writ_word_t)(kind & 0xf) << 44 | (writ_word_t)(epoch & 0xffff) << 48;
}

static inline uint32_t scheme_badge_index(writ_word_t b) { return b & 0xfffff; }
static inline uint32_t scheme_badge_gen(writ_word_t b) { return (b >> 20) & 0xffffff; }
static inline unsigned scheme_badge_kind(writ_word_t b) { return (b >> 44) & 0xf; }
static inline unsigned scheme_badge_epoch(writ_word_t b) { return (b >> 48) & 0xffff; }

/* fstat's answer, in the data words: Linux's fields, widened. */
struct scheme_stat {
	uint64_t ino, mode, nlink, uid, gid, size, blocks;
	int64_t atime_ns, mtime_ns, ctime_ns;
	uint64_t dev, rdev, blksize;
};

/* getdents: entries packed one after the other, each 8-byte aligned. */
struct scheme_dirent {
	uint64_t ino;
	uint64_t cookie;                /* resume the listing after this entry */
	uint16_t reclen;                /* bytes of this entry, name and padding included */
	uint8_t type;                   /* DT_* as Linux's */
	char name[];                    /* NUL-terminated */
};

#endif
