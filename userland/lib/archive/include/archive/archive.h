/*
 * The boot archive: a cpio archive in the `newc` format (what `cpio -o -H newc`
 * writes; toolchain/mkarchive.sh packs one). init and the file server read it
 * straight from the boot module's memory.
 *
 * Model. archive_open() checks the whole buffer once: every header, name, size and
 * padding, the trailer, the names (canonical relative paths, no duplicates, no
 * entry under a non-directory), the file types. Only an archive that passed is
 * iterated or searched, so those calls cannot fail on malformed input. Entries
 * point into the caller's buffer, which must stay mapped and unchanged; nothing is
 * copied and nothing allocates.
 *
 * Format (all numbers 8 ASCII hex digits):
 *   "070701" ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
 *   rdevminor namesize check, then the name (namesize bytes, NUL included), padded
 *   so the next byte is at a multiple of 4 from the archive's start; then filesize
 *   bytes of data, padded to 4 the same way. The entry named "TRAILER!!!" ends it.
 * Hard links: cpio writes a file with several names once per name, all with the
 * same (devmajor, devminor, ino), and the data only with the last of them; the
 * others have filesize 0. Iteration and lookup give every name the data.
 */
#ifndef ARCHIVE_ARCHIVE_H
#define ARCHIVE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARCHIVE_HEADER_SIZE   110
#define ARCHIVE_NAME_MAX      255        /* bytes of one path segment */
#define ARCHIVE_PATH_MAX      4095       /* bytes of a whole name, NUL excluded */
#define ARCHIVE_MAX_ENTRIES   4096       /* bounds the quadratic name checks */
#define ARCHIVE_MSG_MAX       128

/* File type bits of mode (POSIX S_IFMT values, as cpio stores them). */
#define ARCHIVE_S_IFMT        0170000
#define ARCHIVE_S_IFREG       0100000
#define ARCHIVE_S_IFDIR       0040000
#define ARCHIVE_S_IFLNK       0120000
#define ARCHIVE_PERM_MASK     07777

#define ARCHIVE_ERRORS(E)                                                       \
        E(ARCHIVE_OK,               0, "ok")                                    \
        E(ARCHIVE_E_TRUNCATED,      1, "truncated header")                      \
        E(ARCHIVE_E_MAGIC,          2, "bad magic (want 070701, cpio -H newc)") \
        E(ARCHIVE_E_HEX,            3, "non-hex digit in a header field")       \
        E(ARCHIVE_E_NAMESIZE,       4, "name size 0")                           \
        E(ARCHIVE_E_NAME_PAST_END,  5, "name runs past the end")                \
        E(ARCHIVE_E_NAME_NUL,       6, "name not NUL-terminated, or NUL inside it") \
        E(ARCHIVE_E_DATA_PAST_END,  7, "data runs past the end")                \
        E(ARCHIVE_E_NO_TRAILER,     8, "missing trailer (TRAILER!!!)")          \
        E(ARCHIVE_E_TRAILER_DATA,   9, "trailer has data")                      \
        E(ARCHIVE_E_AFTER_TRAILER, 10, "non-zero byte after the trailer")       \
        E(ARCHIVE_E_NAME,          11, "bad name (want a/b: relative, no empty, '.' or '..' segment)") \
        E(ARCHIVE_E_NAME_LONG,     12, "name too long (segment > 255 or path > 4095 bytes)") \
        E(ARCHIVE_E_TYPE,          13, "unsupported file type (want regular, directory or symlink)") \
        E(ARCHIVE_E_DIR_DATA,      14, "directory with data")                   \
        E(ARCHIVE_E_SYMLINK,       15, "bad symlink target (empty, NUL, or longer than 4095)") \
        E(ARCHIVE_E_DUP,           16, "duplicate name")                        \
        E(ARCHIVE_E_PARENT,        17, "entry under a name that is not a directory") \
        E(ARCHIVE_E_TOO_MANY,      18, "too many entries (more than 4096)")    \
        E(ARCHIVE_E_NOT_FOUND,     19, "no such entry")                         \
        E(ARCHIVE_E_ARG,           20, "bad argument")

enum archive_error {
#define ARCHIVE_E_ENUM(name, num, msg) name = num,
        ARCHIVE_ERRORS(ARCHIVE_E_ENUM)
#undef ARCHIVE_E_ENUM
};

enum archive_type {
        ARCHIVE_REG = 1,
        ARCHIVE_DIR,
        ARCHIVE_SYMLINK,
};

struct archive_entry {
        const char *name;       /* in the buffer, NUL-terminated, e.g. "sbin/file" */
        size_t   name_len;      /* NUL excluded */
        enum archive_type type;
        uint32_t mode;          /* type and permission bits as stored */
        uint32_t perm;          /* mode & 07777 */
        const void *data;       /* regular: contents; symlink: target (no NUL) */
        uint32_t size;          /* bytes at data */
        uint32_t mtime, ino, nlink, uid, gid, devmajor, devminor;
        size_t   offset;        /* of the entry's header in the buffer */
};

struct archive {
        const uint8_t *base;
        size_t   size;
        size_t   trailer;       /* offset of the trailer's header */
        size_t   nentries;      /* trailer excluded */
};

struct archive_iter {
        const struct archive *a;
        size_t   off;
};

struct archive_err {
        enum archive_error code;
        size_t   offset;        /* of the offending byte or field in the buffer */
        char     msg[ARCHIVE_MSG_MAX];   /* e.g. "duplicate name 'sbin/file' (...)" */
};

/* Checks the whole archive; on success *a describes it. */
enum archive_error archive_open(struct archive *a, const void *buf, size_t size,
                                struct archive_err *err);

/* Entries in archive order, the trailer excluded. */
void archive_iter_init(struct archive_iter *it, const struct archive *a);
bool archive_next(struct archive_iter *it, struct archive_entry *e);

/*
 * The entry named PATH ("sbin/file" or "/sbin/file"; no symlinks followed).
 * ARCHIVE_OK or ARCHIVE_E_NOT_FOUND.
 */
enum archive_error archive_lookup(const struct archive *a, const char *path, size_t len,
                                  struct archive_entry *e);

const char *archive_strerror(enum archive_error e);
const char *archive_error_name(enum archive_error e);

#endif
