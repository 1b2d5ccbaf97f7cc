/*
 * <writ/cap.h>: Writ's capabilities for ordinary musl programs (issue 22).
 *
 * A program built with `musl-gcc -static` runs on Writ through the Linux personality
 * (userland/lx), which keeps the process's fds and policies in its own CSpace. This
 * header and libwcap.a (`./writ cc prog.c -o prog` links both) give such a program
 * Writ's own calls: open through a policy, weaken, send and receive over cable:,
 * revoke, spawn a sandbox with an exact list of capabilities, list what it holds and
 * enter a sandbox. The reference, with an example per call: userland/lib/wcap/README.md.
 *
 * Capabilities are fds. A policy (a capability for `scheme:glob:rights` at a scheme's
 * server) is an fd as an open file is: close, dup, dup2, fork's and execve's inheritance
 * and sendmsg's SCM_RIGHTS treat both alike, and POSIX calls mix with these: an fd from
 * open() can be weakened and revoked, and a policy fd is a base for openat().
 *
 * Calls return -1 with errno set on failure, as libc's do. Off Writ (on Linux) every
 * call fails with ENOSYS: wcap_available() says which.
 *
 * How a call travels: each is one system call with a number from WCAP_SYS_BASE, far
 * above Linux's; on Writ the kernel sends every such number to the personality in the
 * process (the same upcall as a Linux call), which answers with libwrit on the
 * process's own capabilities. No server is asked about the call itself.
 */
#ifndef WRIT_CAP_H
#define WRIT_CAP_H

#include <stddef.h>
#include <stdint.h>

/* ---- the calls' numbers (the personality's side: userland/lx/cap.c) ---- */
#define WCAP_SYS_BASE       0x5700  /* "W": no Linux number comes near */
#define WCAP_SYS_NULL       (WCAP_SYS_BASE + 0)   /* () -> 0 */
#define WCAP_SYS_WEAKEN     (WCAP_SYS_BASE + 1)   /* (policy fd, text, flags) -> fd */
#define WCAP_SYS_WEAKEN_FD  (WCAP_SYS_BASE + 2)   /* (fd, O_RDONLY...) -> fd */
#define WCAP_SYS_OPEN       (WCAP_SYS_BASE + 3)   /* (policy fd, path, flags, mode) -> fd */
#define WCAP_SYS_REVOKE     (WCAP_SYS_BASE + 4)   /* (fd) -> records freed */
#define WCAP_SYS_CABLE      (WCAP_SYS_BASE + 5)   /* (int fds[2]) -> 0 */
#define WCAP_SYS_SEND       (WCAP_SYS_BASE + 6)   /* (cable, key, data, len, fds, nfds) -> len */
#define WCAP_SYS_RECV       (WCAP_SYS_BASE + 7)   /* (cable, &key, buf, len, fds, &nfds) -> len */
#define WCAP_SYS_SPAWN      (WCAP_SYS_BASE + 8)   /* (path, argv, grants, n, fds, nfds) -> pid */
#define WCAP_SYS_LIST       (WCAP_SYS_BASE + 9)   /* (struct wcap_info *, n) -> how many held */
#define WCAP_SYS_ENTER      (WCAP_SYS_BASE + 10)  /* (const int *keep, n) -> 0 */
#define WCAP_SYS_LAST       WCAP_SYS_ENTER

/* The namespace: as a policy fd, "the process's own policy for the text's scheme". */
#define WCAP_NS             (-1)
/* wcap_weaken_flags: revocable by its giver only (the holder's wcap_revoke: EPERM). */
#define WCAP_NOREVOKE       1u
/* At most this many fds travel in one cable message. */
#define WCAP_CABLE_FDS      3
/* Bytes of data in one cable message, at most. */
#define WCAP_CABLE_DATA     928

/* What the process holds (wcap_list). */
#define WCAP_KIND_NS        1   /* a namespace policy (fd -1): `open("scheme:...")` uses it */
#define WCAP_KIND_POLICY    2   /* a policy fd */
#define WCAP_KIND_FILE      3   /* an open file, directory, pipe end, cable end... */

struct wcap_info {
	int fd;                 /* -1 for the namespace's */
	int kind;               /* WCAP_KIND_* */
	char scheme[16];        /* "file", "pipe"... ("" when not known) */
	char what[232];         /* the policy's text, or the path the fd was opened with */
};

/* A policy a sandboxed child gets, under a scheme name (its `open("file:...")`). */
struct wcap_grant {
	const char *scheme;
	int policy;             /* a policy fd of the caller, or WCAP_NS */
};

/* 1 on Writ (the personality answers), 0 elsewhere. */
int wcap_available(void);

/* A new policy fd for `text` (`scheme:glob:rights`), provably within policy (WCAP_NS:
 * the process's own policy for the text's scheme). EPERM: not within it (or not
 * provable); EINVAL: malformed; EACCES: policy revoked; EBADF: not a policy. */
int wcap_weaken(int policy, const char *text);
int wcap_weaken_flags(int policy, const char *text, unsigned flags);
/* A new fd on fd's file with access mode acc (O_RDONLY, O_WRONLY, O_RDWR) within fd's;
 * EPERM: more than fd has. */
int wcap_weaken_fd(int fd, int acc);
/* Open path through policy (as openat(policy, path, ...), where a policy fd is the root
 * of what it lets one see: "/a/b" and "a/b" name the same file). */
int wcap_open(int policy, const char *path, int flags, unsigned mode);
/* End a policy and everything derived from it (policies, files opened through them) in
 * every process; or, on a pipe: or cable: fd, that fd and the ones weakened from it.
 * -> records freed. EPERM: a root policy or one revocable by its giver only. */
long wcap_revoke(int fd);
/* A connected pair of cable: ends. */
int wcap_cable(int fds[2]);
/* A message on a cable end: up to WCAP_CABLE_DATA bytes, a key, up to WCAP_CABLE_FDS
 * fds (copies travel: the sender keeps its own). -> len. EPIPE: the other end is gone. */
long wcap_send(int cable, uint64_t key, const void *data, size_t len, const int *fds,
	       unsigned nfds);
/* Wait for a message: -> its length (bytes beyond len dropped), *key, the fds that came
 * in fds[0..*nfds) (*nfds: in, the room; out, how many came). */
long wcap_recv(int cable, uint64_t *key, void *buf, size_t len, int *fds, unsigned *nfds);
/* Start path (a static program; a path without a scheme is file:'s, read with the
 * caller's authority) with exactly these policies and fds (fds[i] is the child's fd i,
 * -1 none) and nothing else. -> its pid, for waitpid(). */
int wcap_spawn(const char *path, char *const argv[], const struct wcap_grant *grants,
	       unsigned ngrants, const int *fds, unsigned nfds);
/* What the process holds: the first n in out. -> how many there are. */
int wcap_list(struct wcap_info *out, unsigned n);
/* Enter a sandbox, for good: every fd not in keep is closed and every namespace policy
 * let go (so `open("/x")` is ENOENT; openat(kept policy, ...) works). */
int wcap_enter(const int *keep, unsigned n);

#endif
