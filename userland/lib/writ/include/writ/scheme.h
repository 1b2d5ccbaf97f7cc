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
 * one). Each path is followed by a NUL in the bytes (two paths: one after the other);
 * its length field does not count the NUL. Replies to open and dup carry the new
 * file's capability (the policy or file capability must have GrantReply). An
 * operation a server does not implement answers -ENOSYS (or -EBADF / -ENOTDIR where
 * POSIX says so).
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
	E(SCHEME_OP_CLOSE,     10)  /* () -> badge, closer cap: see "Closing" below */ \
	E(SCHEME_OP_DUP,       11)  /* () -> a new record, same object and offset, cap */ \
	E(SCHEME_OP_FPATH,     12)  /* () -> n, the path opened */                  \
	E(SCHEME_OP_GETDENTS,  13)  /* (len) -> n, packed struct scheme_dirent */    \
	E(SCHEME_OP_MKDIR,     14)  /* (mode, path len) path */                     \
	E(SCHEME_OP_RMDIR,     15)  /* (0, path len) path */                        \
	E(SCHEME_OP_UNLINK,    16)  /* (0, path len) path */                        \
	E(SCHEME_OP_RENAME,    17)  /* (flags, len1, len2) path1 path2 */           \
	E(SCHEME_OP_LINK,      18)  /* (flags, len1, len2) existing new */          \
	E(SCHEME_OP_SYMLINK,   19)  /* (0, len1, len2) target linkpath */           \
	E(SCHEME_OP_READLINK,  20)  /* (buf len, path len) path -> n, bytes */       \
	E(SCHEME_OP_STAT,      21)  /* (nofollow, path len) path -> struct scheme_stat */ \
	E(SCHEME_OP_STATS,     22)  /* () -> server figures: records live, ... */    \
	E(SCHEME_OP_SEND,      23)  /* cable: (len, key, flags) bytes + fds */       \
	E(SCHEME_OP_RECV,      24)  /* cable: (len, flags) -> n, key, nfds, bytes + fds */ \
	E(SCHEME_OP_PAIR,      25)  /* cable/pipe: (flags) -> two caps in one reply */ \
	E(SCHEME_OP_WEAKEN,    26)  /* (text len) text -> policy cap; fd: (acc mode) -> cap */ \
	E(SCHEME_OP_REVOKE,    27)  /* () on a policy -> records freed: see "Policies" */ \
	E(SCHEME_OP_WRITE_REGS, 28) /* (len, bytes 0..7, bytes 8..15) -> n: see below */ \
	E(SCHEME_OP_SHARE,     29)  /* (pages, radix) + CNode of frames -> n, window cap */ \
	E(SCHEME_OP_TTY_GETATTR, 30) /* () -> struct writ_termios: see "Terminals" */  \
	E(SCHEME_OP_TTY_SETATTR, 31) /* (when) struct writ_termios */                \
	E(SCHEME_OP_TTY_GETWINSZ, 32) /* () -> struct writ_winsize */                \
	E(SCHEME_OP_TTY_SETWINSZ, 33) /* () struct writ_winsize */                   \
	E(SCHEME_OP_TTY_GETPGRP, 34) /* () -> the foreground process group */        \
	E(SCHEME_OP_TTY_SETPGRP, 35) /* (pgrp) */                                    \
	E(SCHEME_OP_TTY_EVENTS,  36) /* (flags) -> TTY_EV_* bits, reg 1: the pgrp */ \
	E(SCHEME_OP_SETFL,     37)  /* (flags) -> 0: this record's SCHEME_O_NONBLOCK */ \
	E(SCHEME_OP_REVOKE_ID, 38)  /* (record) on a policy -> records freed: "Policies" */ \
	E(SCHEME_OP_TIMER,     45)  /* time: (TSC deadline) + notification: signalled then */

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

/*
 * Writes that stay whole (pipes). A write of at most SCHEME_PIPE_BUF bytes is never
 * interleaved with another writer's (POSIX's PIPE_BUF). One that fits in a message is
 * whole by itself; a longer one travels as a group: WRITE's second argument is
 *   0                              a write of its own (whole: all of it or none)
 *   SCHEME_WRITE_FIRST | total     the first part of a whole write of `total` bytes; the
 *                                  reply's register 1 is a token for the rest
 *   SCHEME_WRITE_MORE | token      a further part of that write, in order
 *   SCHEME_WRITE_PARTIAL           a part of a write longer than SCHEME_PIPE_BUF: the
 *                                  server may take less than all of it
 * A pipe accepts a group's first part only when the whole group fits, and then holds
 * that room for the rest, taking no other writer's bytes until the group is complete.
 * Servers without streams ignore the argument. READ's second argument may say
 * SCHEME_READ_NOWAIT: the later parts of one read must not block once bytes came.
 */
#define SCHEME_PIPE_BUF       4096
#define SCHEME_WRITE_FIRST    (1ull << 63)
#define SCHEME_WRITE_MORE     (1ull << 62)
#define SCHEME_WRITE_PARTIAL  (1ull << 61)
#define SCHEME_WRITE_ARG_MASK ((1ull << 61) - 1)
#define SCHEME_READ_NOWAIT    1ull

/*
 * Small messages in registers. A message of at most WRIT_MSG_REGS words takes the
 * kernel's fast path, and bytes in the data words make it longer. So READ's second
 * argument may also say SCHEME_READ_REGS: the caller takes an answer of at most
 * SCHEME_REGS_BYTES bytes in registers 1..3 (a reply of at most WRIT_MSG_REGS words
 * with bytes has them there; servers that ignore the flag answer in the data words, a
 * longer reply). WRITE_REGS is a write of at most 16 bytes held in registers 1 and 2,
 * whole, as a WRITE of its own; a server without it answers -ENOSYS or -EINVAL and the
 * caller writes with WRITE instead.
 */
#define SCHEME_READ_REGS      2ull
#define SCHEME_REGS_BYTES     24

/* PAIR's and SEND's flags: Linux's O_NONBLOCK. */
#define SCHEME_O_NONBLOCK     04000

/*
 * Closing. A record lives while anyone holds a capability to it, and only the holder
 * can delete its own copy, so CLOSE is two calls: CLOSE on the file answers the
 * record's badge in register 1 and a *closer* capability; the caller deletes its copy
 * of the file capability, then calls CLOSE on the closer with the badge in register 0
 * (the server then looks whether any copy is left, and frees the record if none is),
 * and deletes the closer. A forged badge only makes the server look.
 *
 * One call instead. Every reply that hands out new records (OPEN, DUP, PAIR) says the
 * first two records' badges in registers 1 and 2 and the server's identity in register
 * 3 (a number no other server and no other life of this one has), and CLOSE's reply
 * says the identity in register 2 beside the badge. The closer is the same capability
 * for every record of a server, so a client that kept it from an earlier CLOSE, and
 * knows the record's badge and server, deletes its copy and calls the closer alone. A
 * server that lies about its identity or a badge only makes some server look.
 *
 * Closing later. A server whose records hold nothing anyone waits on (file:'s: no peer
 * sees a close) says SCHEME_OPEN_LATER in register 2 of OPEN's reply. A client that keeps
 * its closer may then delete its copy and tell nobody: the badge goes with its next OPEN
 * through the same scheme capability, in register 3 (0: none), and the server looks at
 * that record as the closer would, before the open (whose new record can then take the
 * freed one's place). Until then, or until the client ends, the record stays; a sweep
 * (STATS) frees it too. A forged badge again only makes the server look.
 *
 * cable: SEND (len, key, flags) carries up to SCHEME_CABLE_FDS capabilities, which the
 * server keeps until the peer's RECV; RECV (len, flags) answers n, the key in register
 * 1, the number of capabilities in register 2, the bytes, and the capabilities.
 */
#define SCHEME_CABLE_FDS      WRIT_MSG_MAX_CAPS
#define SCHEME_OPEN_LATER     0x72657461436c4cull   /* not a path length that stayed there */

/*
 * Bulk data. A message carries SCHEME_INLINE bytes; more travels through a *window*,
 * memory the client pays for and shares with the server:
 *
 * SHARE (pages, radix) on any capability of the server, carrying one capability: a
 * CNode of 2^radix slots (radix <= 16) whose slots 0..pages-1 hold 4 KiB frames with
 * Read and Write, unmapped (1 <= pages <= SCHEME_WINDOW_PAGES). The server *moves*
 * the frames out of the CNode into its own CSpace and maps them; the reply is the
 * window's size in bytes and a window capability (a record of kind
 * SCHEME_KIND_WINDOW). Errors: EINVAL (no CNode, a slot empty or not an unmapped 4 KiB
 * frame with Read and Write, pages or radix out of range; nothing is kept), ENFILE
 * (the server holds its most windows), ENOSYS/EINVAL from servers without windows.
 * Each SHARE makes a window of its own (a client may hold several); the server bounds
 * how many it maps at once. SHARE (0, 0) without a capability asks whether the server
 * has windows at all: 0 if it has, so a client pays for none where none would serve.
 *
 * Why frames move, not copy: a copy sent in a message is a child of the sender's
 * capability in the derivation tree, and the sender could Revoke it away while the
 * server copies into the page (the kernel unmaps a frame whose capability goes): the
 * server would fault. Moved frames are no descendants of anything the client keeps
 * (it keeps a copy of each for its own mapping, a child of the server's): deleting or
 * revoking what the client holds leaves the server's mapping whole. What still takes
 * the frames from the server is a revoke of the untyped memory they came from (the
 * client's quota, when it dies, or an untyped of its own it revokes): the kernel then
 * unmaps them from the server as well. The server handles its own faults (lib/srv's
 * window.c): a touch of such a page maps zeros there and the window is dead; the
 * request that touched it, and any later one carrying it, answers ESTALE.
 *
 * Using a window: a request that carries the window capability (it is unwrapped: the
 * kernel turns a capability to the server's own endpoint into its badge) has its bytes
 * at the start of the window instead of in the message, and its answer's bytes go
 * there too: READ/PREAD (len <= window) answer n with the bytes in the window;
 * WRITE/PWRITE take len bytes from the window; path operations (OPEN, MKDIR, RMDIR,
 * UNLINK, RENAME, LINK, SYMLINK, READLINK, STAT) find their path(s) in the window, so a
 * path may be as long as SCHEME_PATH_MAX - 1 bytes (longer: ENAMETOOLONG); READLINK,
 * STAT and FSTAT answer in the window. A request that carries a capability of the
 * server's that names no live window (the server restarted since) is ESTALE: share a
 * new one. A window capability alone is no file (other operations on
 * it are EBADF); close it as a file (CLOSE), and the server unmaps and deletes its
 * frames; so does the sweep when its holder dies.
 *
 * Copies of a 64 KiB read: through writ_read, two (the server copies the file's blocks
 * into the window, libwrit copies the window into the caller's buffer: the caller's
 * buffer is not shared memory); through writ_read_window, one (the caller reads the
 * window itself). Inline, a 64 KiB read was 71 Calls and three copies (file into the
 * server's IPC buffer, the kernel from one IPC buffer to the other, libwrit into the
 * caller's buffer); with a 64 KiB window it is one Call.
 */
#define SCHEME_WINDOW_PAGES   64        /* the largest window: 256 KiB */
#define SCHEME_PATH_MAX       4096      /* Linux's PATH_MAX: bytes with the NUL */
#define SCHEME_NAME_MAX       255

/*
 * Policies (file:; userland/lib/policy's language). What each right allows, checked at
 * the object an operation reaches, by its canonical path (after '.', '..', '//',
 * trailing slashes and every symbolic link are resolved):
 *   r  open a file O_RDONLY (or O_RDWR with w); readlink
 *   w  open a file O_WRONLY (or O_RDWR with r); O_TRUNC needs w too; the fd then writes
 *      and ftruncates
 *   c  create a name: open O_CREAT of a name that does not exist (with the rights of
 *      the access mode), mkdir, symlink (the new link), link (the new name), rename's
 *      new name
 *   d  delete a name: unlink, rmdir, rename's old name, and rename's new name when it
 *      replaces one (then c and d)
 *   x  open a file for execution: O_RDONLY | SCHEME_O_EXEC (a read-only fd to load it)
 *   l  open a directory (any open of one: its fd is a base for openat and lists
 *      names); getdents needs l where the directory is now
 * stat needs no right, only that the glob matches; link's existing name likewise (a
 * file outside the glob cannot be linked in: ENOENT). A path whose object the glob
 * does not match answers ENOENT (the policy cannot see it; O_CREAT there too); one it
 * matches without the rights asked for, EACCES. getdents lists ".", ".." and the names
 * whose path the glob matches. '..' and symbolic links met on the way are not checked
 * themselves: only where they lead counts. An fd keeps the rights it was opened with,
 * even if its file is renamed out of the glob later (as Capsicum); a directory fd's
 * opens are checked against the policy it came through. The root policy (record 1)
 * sees every path, dotfiles too, with every right.
 *
 * WEAKEN on a policy (text len, flags) carries `scheme:glob:rights` text: the answer is a new
 * policy capability only when its glob is provably within the parent's and its rights
 * a subset (lib/policy's exact inclusion; the root takes any text). Refused: -EPERM,
 * register 1 the reason (SCHEME_WEAKEN_*), 2 the rights not held, 3 the length of a
 * counterexample path (shortest; the child matches it, the parent not) in the data
 * words; a malformed text -EINVAL with register 1 lib/policy's error code and 2 the
 * byte offset. With SCHEME_WEAKEN_NOREVOKE in flags the new policy is *revocable by its
 * giver only*: REVOKE through it (or a copy) is -EPERM, while the holder can use and
 * weaken it (and revoke what it derived itself); the giver keeps the policy it made
 * it from, of its own, and revokes that. WEAKEN on an fd (access mode: O_RDONLY...) is a new fd on the same file
 * with a subset of its access (own offset, starting at the old one); more: -EPERM.
 *
 * REVOKE on a policy ends it and its whole subtree at once: every policy derived from
 * it, every fd opened through any of them (dup'ed, inherited and sent copies too).
 * The server revokes the original capabilities it keeps, so the kernel deletes every
 * copy in every process before REVOKE answers; the next call on one of them fails with
 * -EIO in libwrit (the capability is gone, as with a dead server), and a request
 * already queued with such a badge answers -EBADF. The root policy answers -EPERM.
 *
 * REVOKE_ID (record) on a policy revokes another by its record index (the id captree
 * shows), as REVOKE through it would, when the caller's policy is that one or one it
 * was derived from (a giver-only policy too, from an ancestor); -EPERM otherwise, or
 * for the root or (through itself) a giver-only one; -ENOENT when no live policy has
 * that index.
 */
#define SCHEME_O_EXEC         (1u << 30)        /* OPEN: for execution (right x) */
#define SCHEME_WEAKEN_SCHEME  1                 /* not the parent's scheme */
#define SCHEME_WEAKEN_RIGHTS  2                 /* a right the parent lacks */
#define SCHEME_WEAKEN_GLOB    3                 /* a path the parent cannot see */
#define SCHEME_WEAKEN_BUDGET  4                 /* inclusion could not be proven */
#define SCHEME_WEAKEN_NOREVOKE 1                /* WEAKEN's flags: see above */

/*
 * Terminals (console: and the screen's scheme; lib/tty is the line discipline). An
 * open console file is a terminal: READ follows its mode (canonical: one line per
 * read, 0 at an EOF character; raw: VMIN/VTIME; READ's SCHEME_READ_NOWAIT makes a
 * read that would wait answer -EAGAIN), WRITE goes through output processing. The
 * TTY_ ops map Linux's ioctls one to one, with <writ/termios.h>'s structures (Linux's
 * layout) in the data words:
 *   GETATTR  () -> struct writ_termios                 TCGETS
 *   SETATTR  (when) struct writ_termios                TCSETS/TCSETSW/TCSETSF (when =
 *            TTY_TCSANOW/TCSADRAIN/TCSAFLUSH; DRAIN waits for the output to leave)
 *   GETWINSZ () -> struct writ_winsize                 TIOCGWINSZ
 *   SETWINSZ () struct writ_winsize                    TIOCSWINSZ
 *   GETPGRP  () -> the foreground process group        TIOCGPGRP (0 until one is set)
 *   SETPGRP  (pgrp > 0; 0: none, for a new session)    TIOCSPGRP
 * Signals: with ISIG, ^C ^\ ^Z are not input; the terminal drops pending input and
 * records TTY_EV_INT/QUIT/SUSP. EVENTS (flags) waits until one is recorded (or, with
 * SCHEME_READ_NOWAIT in flags, answers at once), answers the bits, clears them, and
 * says in register 1 the foreground group they are meant for: the Linux personality
 * keeps a thread in EVENTS and sends SIGINT, SIGQUIT or SIGTSTP to that group. A
 * read blocked meanwhile keeps waiting (the line it was reading is gone).
 * No op types input for the device (Linux's TIOCSTI lets any holder of a terminal
 * type commands into a shell; tests type through QEMU instead). Errors: EINVAL (a
 * short structure, a bad `when` or pgrp), ENOTTY on a terminal server's policies;
 * servers that are no terminal answer ENOSYS, as for any op they lack (the
 * personality's ioctl answers ENOTTY for both). VTIME is not timed yet (no clock in
 * user space): a timed raw read answers when it would otherwise wait for its timer.
 */

/* ---- badges ----
 *   bits  0..19  record index
 *   bits 20..43  record generation
 *   bits 44..47  record kind (SCHEME_KIND_*)
 *   bits 48..63  server epoch
 */
#define SCHEME_KIND_POLICY 1
#define SCHEME_KIND_FILE   2
#define SCHEME_KIND_CLOSER 3            /* the server's closer: only CLOSE (badge) */
/* A capability init minted for one process: the index field is that process's pid and
 * the generation 0. Only init holds the unbadged endpoint, and a badge is set once, so
 * a server that accepts these (lib/srv: srv.idents) knows who calls, unforgeably. */
#define SCHEME_KIND_IDENT  4
#define SCHEME_KIND_WINDOW 5            /* a shared window: see "Bulk data" */

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
