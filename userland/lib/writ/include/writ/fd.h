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
 * itself, or through the window when longer than SCHEME_INLINE - 1 bytes; a path of
 * SCHEME_PATH_MAX bytes or more (or a long one to a server without windows) is
 * -ENAMETOOLONG.
 *
 * Bulk data. A read or write longer than a message goes through a window (scheme.h,
 * "Bulk data"): 64 KiB of the process's quota shared with the server, made at the
 * first such transfer, one per scheme capability (so every file opened through
 * `file` shares it) and one per fd of unknown origin; each window-full is one Call.
 * Servers without windows are used inline as before.
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
/* As open, relative to the directory fd `dirfd` (or a path with a scheme).
 * Example: `int d = writ_open("/home/yoric", O_RDONLY | O_DIRECTORY, 0);
 *           int fd = writ_openat(d, "notes.txt", O_RDONLY, 0);` */
int writ_openat(int dirfd, const char *path, int flags, unsigned mode);
/* Example: `char b[64]; long n = writ_read(fd, b, sizeof(b));  // 0 at end of file` */
long writ_read(int fd, void *buf, size_t n);
/* Example: `writ_write(1, "hello\n", 6);` */
long writ_write(int fd, const void *buf, size_t n);
/* At offset off, leaving fd's offset alone.
 * Example: `writ_pread(fd, hdr, 64, 0);  writ_pwrite(fd, "x", 1, 4096);` */
long writ_pread(int fd, void *buf, size_t n, int64_t off);
long writ_pwrite(int fd, const void *buf, size_t n, int64_t off);

/*
 * Reading with one copy: the window itself. writ_fd_window gives fd's window (shared
 * first if need be) and its size, or NULL when its server has none; the *_window
 * calls move n <= size bytes between the file and the window's start in one Call, so
 * the server copies the file's bytes once, into memory the caller reads directly
 * (writ_read copies them a second time, into the caller's buffer). The window is
 * shared by the fds opened through one scheme capability: the caller keeps the bytes it
 * needs before the next transfer on any of them, and threads take turns.
 * Example:
 *   size_t len; const char *w = writ_fd_window(fd, &len);
 *   long n = writ_read_window(fd, len);   // w[0..n) are the file's next n bytes
 */
void *writ_fd_window(int fd, size_t *len);
long writ_read_window(int fd, size_t n);
long writ_write_window(int fd, size_t n);
long writ_pread_window(int fd, size_t n, int64_t off);
long writ_pwrite_window(int fd, size_t n, int64_t off);
/* whence: SEEK_SET, SEEK_CUR, SEEK_END. -> the new offset.
 * Example: `int64_t size = writ_seek(fd, 0, SEEK_END);` */
int64_t writ_seek(int fd, int64_t off, int whence);
/* Example: `struct scheme_stat st; if (writ_fstat(fd, &st) == 0) n = st.size;` */
int writ_fstat(int fd, struct scheme_stat *st);
/* Example: `writ_fsync(fd);  // 0: what was written is kept as the server keeps files` */
int writ_fsync(int fd);
/* Example: `writ_ftruncate(fd, 0);  // empty the file` */
int writ_ftruncate(int fd, int64_t len);
/* Example: `writ_close(fd);` — the server forgets the open file once no copy is left. */
int writ_close(int fd);
/* A new fd naming the same open file (shared offset). Example: `int fd2 = writ_dup(fd);` */
int writ_dup(int fd);
/* Make newfd name fd's open file, closing newfd first.
 * Example: `writ_dup2(pipe_fds[1], 1);  // stdout into the pipe` */
int writ_dup2(int fd, int newfd);
/* The path fd was opened with, NUL-terminated in buf. -> its length.
 * Example: `char p[256]; writ_fpath(fd, p, sizeof(p));` */
long writ_fpath(int fd, char *buf, size_t n);
/* Directory entries (struct scheme_dirent, packed) from fd's position. -> bytes.
 * Example:
 *   char b[1024]; long n = writ_getdents(dirfd, b, sizeof(b));
 *   for (long off = 0; off < n; off += ((struct scheme_dirent *)(b + off))->reclen)
 *           writ_printf("%s\n", ((struct scheme_dirent *)(b + off))->name);
 */
long writ_getdents(int fd, void *buf, size_t n);
/* The path operations, as Linux's (-errno with its values). Examples:
 *   writ_mkdir("/tmp/d", 0755);              writ_rmdir("/tmp/d");
 *   writ_unlink("/tmp/old.txt");             writ_rename("/tmp/a", "/tmp/d/b");
 *   writ_link("/tmp/a", "/tmp/a2");          writ_symlink("a", "/tmp/lnk");
 *   char t[64]; long n = writ_readlink("/tmp/lnk", t, sizeof(t));   // "a", n 1
 *   struct scheme_stat st; writ_stat("/tmp/lnk", &st, 1);           // the link itself
 */
int writ_mkdir(const char *path, unsigned mode);
int writ_rmdir(const char *path);
int writ_unlink(const char *path);
int writ_rename(const char *from, const char *to);
int writ_link(const char *from, const char *to);
int writ_symlink(const char *target, const char *linkpath);
long writ_readlink(const char *path, char *buf, size_t n);
int writ_stat(const char *path, struct scheme_stat *st, int nofollow);

/*
 * A pipe: fds[0] reads what fds[1] writes, in order, through the pipe: server's 64 KiB
 * buffer. A read waits for bytes and returns what is there (0 once every write end is
 * closed: end of file); a write waits for room and takes all of its bytes, and a write
 * of at most SCHEME_PIPE_BUF (4096) bytes is never interleaved with another's. Writing
 * with no read end left is -EPIPE. writ_pipe2's flags: O_NONBLOCK (SCHEME_O_NONBLOCK):
 * -EAGAIN instead of waiting. Ends are fds as any: dup, close, send them over cable:
 * or to a child; an end whose holders all died counts as closed.
 * -> 0, or -ENOENT (no pipe: capability), -EMFILE, -ENFILE (the server is full), -EIO.
 * Example:
 *   int p[2];
 *   if (writ_pipe(p) == 0) {
 *           writ_write(p[1], "hi", 2);
 *           writ_close(p[1]);
 *           n = writ_read(p[0], buf, sizeof(buf));      // 2, then 0 (end of file)
 *   }
 */
int writ_pipe(int fds[2]);
int writ_pipe2(int fds[2], int flags);

/* Set an fd's O_NONBLOCK (SCHEME_O_NONBLOCK in flags) at its server, as Linux's
 * fcntl(F_SETFL): for this fd, not its dups. -> 0, or -EBADF, -ENOSYS (a server whose
 * calls never wait), -EIO. */
int writ_fd_setfl(int fd, int flags);

/*
 * A cable: a connected pair of fds; a message sent on one end is received on the other,
 * in order, and carries up to SCHEME_INLINE bytes of data, a key (any 64-bit value the
 * programs agree on) and up to SCHEME_CABLE_FDS (3) fds. The fds travel by move:
 * writ_cable_send closes them in the sender once the server holds them, and they
 * arrive as new fds in the receiver; if the cable dies with the message unread, they
 * are closed. Sending on a cable whose other end is closed is -EPIPE.
 *
 * writ_cable_send -> len, or -errno (-EBADF: an fd to send is not open, -EINVAL: too
 * many fds or bytes, or a cable end sent over a cable).
 * writ_cable_recv waits for a message; -> its length (bytes beyond len are dropped),
 * *key, the fds in fds_out[0..*nfds) (*nfds: in, room in fds_out; out, how many came;
 * fds beyond the room are closed). -> -EPIPE once the other end is gone and nothing
 * is left to read.
 * Example:
 *   int c[2], f = writ_open("zero:", O_RDONLY, 0), got[3];
 *   unsigned n = 3; uint64_t key;
 *   writ_cable_pair(c);
 *   writ_cable_send(c[0], 42, "zero", 4, &f, 1);                // f is closed here
 *   writ_cable_recv(c[1], &key, buf, sizeof(buf), got, &n);     // 4, key 42, n 1
 */
int writ_cable_pair(int fds[2]);
long writ_cable_send(int fd, uint64_t key, const void *data, size_t len, const int *fds,
		     unsigned nfds);
long writ_cable_recv(int fd, uint64_t *key, void *buf, size_t len, int *fds, unsigned *nfds);
/* writ_cable_send, but the fds are copied and stay open here (as SCM_RIGHTS sends them):
 * no writ_dup first. Example: writ_cable_send_copy(c[0], 0, "x", 1, &f, 1); // f open */
long writ_cable_send_copy(int fd, uint64_t key, const void *data, size_t len, const int *fds,
			  unsigned nfds);

/* The capability behind fd (0 if none), and an fd for a capability already in a slot
 * (the fd takes the slot over). Example: `int fd = writ_fd_install(received_cap);` */
writ_cptr_t writ_fd_cap(int fd);
/* The identity ("<scheme>.id", from init) sent with path operations, weakens and
 * revokes on cap, so its server can record who did them; 0: none known. libwrit keeps
 * it for the scheme capabilities init gave and the policies weakened from them, and
 * forgets it when the slot is freed. */
writ_cptr_t writ_ident_of(writ_cptr_t cap);
void writ_ident_set(writ_cptr_t cap, writ_cptr_t ident);
int writ_fd_install(writ_cptr_t cap);
/* The process's capability for `scheme` (its first policy there), or 0.
 * Example: `if (!writ_scheme_cap("file")) writ_printf("no files here\n");` */
writ_cptr_t writ_scheme_cap(const char *scheme);

/* printf to an fd: one write of at most 511 bytes (a longer line is cut there).
 * Example: `writ_dprintf(2, "revoke: %s\n", why);` */
int writ_dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One raw request on a capability: label op, args, bytes out and in. For servers'
 * own operations (pipe pairs, cable sends...). Returns the reply's result word.
 * Example: `writ_word_t r[3]; writ_scheme_call(cap, SCHEME_OP_STATS, NULL, 0, NULL, 0,
 *                                              NULL, 0, r, 3);` */
long writ_scheme_call(writ_cptr_t cap, unsigned op, const writ_word_t *args, unsigned nargs,
		      const void *out, size_t out_len, void *in, size_t in_len,
		      writ_word_t *results, unsigned nresults);

void writ_fd_init(void);

#endif
