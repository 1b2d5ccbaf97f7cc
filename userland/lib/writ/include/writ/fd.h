/*
 * File descriptors: small numbers for capabilities to open files.
 *
 * An fd is a slot of the process's own CSpace holding a badged endpoint capability of
 * the server that keeps the open file; every call below on an fd is one IPC straight
 * to that server. dup copies the capability (both name the same open file and share
 * its offset), close deletes it, and sending an fd (over cable:, or to a child at
 * spawn) hands over a copy of the capability.
 *
 * Names. `scheme:path` opens through the process's capability for that scheme, and a
 * path without a scheme is `file:`. A process that holds no capability for a scheme
 * cannot open anything there, whatever the path: -ENOENT. Paths travel in the message
 * itself, so one longer than SCHEME_INLINE - 1 bytes is -ENAMETOOLONG.
 *
 * Errors. Every call returns a non-negative result or -errno, with Linux's values
 * (<errno.h>). A server that died answers -EIO, promptly.
 */
#ifndef WRIT_FD_H
#define WRIT_FD_H

#include <stddef.h>
#include <stdint.h>

#include <writ/abi.h>
#include <writ/scheme.h>

#define WRIT_FD_MAX 256

/* open("file:/etc/motd", O_RDONLY): Linux's O_* flags and mode. -> fd or -errno.
 * Example: `int fd = writ_open("/home/yoric/readme.txt", O_RDONLY, 0);` */
int writ_open(const char *path, int flags, unsigned mode);
/* As open, relative to the directory fd `dirfd` (or a path with a scheme). */
int writ_openat(int dirfd, const char *path, int flags, unsigned mode);
/* Example: `char b[64]; long n = writ_read(fd, b, sizeof(b));  // 0 at end of file` */
long writ_read(int fd, void *buf, size_t n);
/* Example: `writ_write(1, "hello\n", 6);` */
long writ_write(int fd, const void *buf, size_t n);
long writ_pread(int fd, void *buf, size_t n, int64_t off);
long writ_pwrite(int fd, const void *buf, size_t n, int64_t off);
/* whence: SEEK_SET, SEEK_CUR, SEEK_END. -> the new offset. */
int64_t writ_seek(int fd, int64_t off, int whence);
int writ_fstat(int fd, struct scheme_stat *st);
int writ_fsync(int fd);
int writ_ftruncate(int fd, int64_t len);
/* Example: `writ_close(fd);` — the server forgets the open file once no copy is left. */
int writ_close(int fd);
/* A new fd naming the same open file (shared offset). Example: `int fd2 = writ_dup(fd);` */
int writ_dup(int fd);
/* Make newfd name fd's open file, closing newfd first. */
int writ_dup2(int fd, int newfd);
/* The path fd was opened with, NUL-terminated in buf. -> its length. */
long writ_fpath(int fd, char *buf, size_t n);
/* Directory entries (struct scheme_dirent, packed) from fd's position. -> bytes. */
long writ_getdents(int fd, void *buf, size_t n);
int writ_mkdir(const char *path, unsigned mode);
int writ_rmdir(const char *path);
int writ_unlink(const char *path);
int writ_rename(const char *from, const char *to);
int writ_link(const char *from, const char *to);
int writ_symlink(const char *target, const char *linkpath);
long writ_readlink(const char *path, char *buf, size_t n);
int writ_stat(const char *path, struct scheme_stat *st, int nofollow);

/* The capability behind fd (0 if none), and an fd for a capability already in a slot
 * (the fd takes the slot over). */
writ_cptr_t writ_fd_cap(int fd);
int writ_fd_install(writ_cptr_t cap);
/* The process's capability for `scheme` (its first policy there), or 0. */
writ_cptr_t writ_scheme_cap(const char *scheme);

/* One raw request on a capability: label op, args, bytes out and in. For servers'
 * own operations (pipe pairs, cable sends...). Returns the reply's result word. */
long writ_scheme_call(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
		      const void *out, size_t out_len, void *in, size_t in_len,
		      writ_word_t *results, unsigned nresults);

void writ_fd_init(void);

#endif
