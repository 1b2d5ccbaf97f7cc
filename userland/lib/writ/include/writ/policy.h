/*
 * Policies from the client's side: weaken, open through, revoke, hand to a sandbox.
 *
 * A policy is a capability to a record at a scheme's server naming a path glob and
 * rights (`file:/home/yoric/` then `*.txt:r`; what each right allows is in writ/scheme.h,
 * "Policies"). The capabilities init gives a process (writ_scheme_cap("file")) are the
 * root policies: every path, every right. A process narrows what it holds with
 * writ_policy_weaken and hands the result on (over cable:, or to a child); the holder
 * can use it and weaken it further, never widen it. Revoking a policy ends it and
 * everything derived from it, open files included, in every process.
 *
 * Example (the seed's first example):
 *   writ_cptr_t txt, readme;
 *   struct writ_weaken_why why;
 *   writ_policy_weaken(writ_scheme_cap("file"), "file:/home/yoric/" "*.txt:r", &txt,
 *                      NULL);
 *   writ_policy_weaken(txt, "file:/home/yoric/readme.txt:r", &readme, NULL);
 *   int fd = writ_open_via(readme, "/home/yoric/readme.txt", O_RDONLY, 0);   // works
 *   writ_open_via(readme, "/home/yoric/notes.md", O_RDONLY, 0);              // -ENOENT
 *   writ_open_via(readme, "/home/yoric/readme.txt", O_WRONLY, 0);            // -EACCES
 *   writ_policy_weaken(txt, "file:/home/yoric/" "*:r", &readme, &why);
 *           // -EPERM, why.why SCHEME_WEAKEN_GLOB, why.path "/home/yoric/a"
 *   writ_policy_revoke(txt);   // txt, readme and fd are gone (their next call: -EIO)
 */
#ifndef WRIT_POLICY_H
#define WRIT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <writ/abi.h>
#include <writ/proc.h>
#include <writ/scheme.h>

/* Why a weaken was refused. */
struct writ_weaken_why {
	int why;                        /* SCHEME_WEAKEN_*, or 0 (malformed text: see code) */
	uint8_t extra_rights;           /* SCHEME_WEAKEN_RIGHTS: the rights not held */
	long code, offset;              /* malformed text: lib/policy's error, byte offset */
	char path[SCHEME_INLINE + 1];   /* SCHEME_WEAKEN_GLOB: a path the parent cannot see */
};

/*
 * A new policy capability (in a fresh slot, *out) for `text` (`scheme:glob:rights`)
 * when it is provably within `policy`. -> 0, -EPERM (not within it, or not provable:
 * *why, if not NULL, says which and gives the counterexample path), -EINVAL (malformed:
 * *why has the error and offset), -EACCES (policy revoked), -ENOMEM, -ENFILE, -EIO.
 */
int writ_policy_weaken(writ_cptr_t policy, const char *text, writ_cptr_t *out,
		       struct writ_weaken_why *why);
/*
 * The same with WEAKEN's flags: SCHEME_WEAKEN_NOREVOKE makes a policy revocable by its
 * giver only (its holder cannot revoke it for the others who hold it). Example:
 *   writ_policy_weaken(mine, "file:/srv/" "**:rl", &own, NULL);     // kept: the handle
 *   writ_policy_weaken_flags(own, "file:/srv/" "**:rl", SCHEME_WEAKEN_NOREVOKE, &give, NULL);
 *   ... send give to helpers; writ_policy_revoke(give) there is -EPERM ...
 *   writ_policy_revoke(own);                                    // give is gone everywhere
 */
int writ_policy_weaken_flags(writ_cptr_t policy, const char *text, unsigned flags,
			     writ_cptr_t *out, struct writ_weaken_why *why);
/* End policy and everything derived from it (scheme.h, "Policies"). -> records freed,
 * -EPERM (a root policy, or one revocable by its giver only), -EIO (it was revoked already or its server died). */
long writ_policy_revoke(writ_cptr_t policy);
/* Revoke the policy whose id (its record at the server, as captree shows it) is `id`,
 * through `policy`, which must be it or one it was derived from. -> records freed,
 * -EPERM (not under policy; the root), -ENOENT (no live policy has that id).
 * Example: `writ_policy_revoke_id(writ_scheme_cap("file"), 12);` */
long writ_policy_revoke_id(writ_cptr_t policy, writ_word_t id);
/* The id of a policy (what captree shows: its record at the server), or -errno. */
long writ_policy_id(writ_cptr_t policy);
/* The open/stat... requests this policy refused lately, as "op ERRNO path" lines
 * (file: keeps the last 16 of all policies), NUL-terminated in buf. -> bytes, -errno.
 * Example: `char why[512]; if (writ_policy_denials(p, why, sizeof(why)) > 0) ...` */
long writ_policy_denials(writ_cptr_t policy, char *buf, size_t n);
/* Let go of this process's copy of a policy capability (the slot is freed). */
void writ_policy_drop(writ_cptr_t policy);
/* open() through a given policy capability (path without a scheme). -> fd or -errno. */
int writ_open_via(writ_cptr_t policy, const char *path, int flags, unsigned mode);
/* A new fd on fd's file with access mode `acc` (O_RDONLY, O_WRONLY, O_RDWR), a subset
 * of fd's: its own offset, starting at fd's. -> the new fd, or -EPERM (more access).
 * On a cable: end, O_RDONLY receives only and O_WRONLY sends only; on a pipe: end, the
 * end's own direction (a copy that writ_fd_revoke on the parent takes back). */
int writ_fd_weaken(int fd, int acc);
/* Take back fd and every fd weakened from it (and dup'ed from those), in every
 * process: pipe: and cable: fds (file: fds answer -EINVAL: revoke their policy).
 * -> the fds' records freed, or -errno; fd itself then fails with -EIO (close it).
 * Example:
 *   int w = writ_fd_weaken(pipe_fds[1], O_WRONLY);   // give w to a helper
 *   writ_fd_revoke(w);                                // the helper's copy is dead */
long writ_fd_revoke(int fd);

/*
 * Start a program in a sandbox, in one call: the child gets exactly these policies
 * (each under the scheme name given, so its writ_open("file:...") uses it) and these
 * fds (fds[i] becomes its fd i; -1 leaves fd i empty), and no other capability: no root
 * policy, no console, no serial. path is read with the caller's authority
 * (writ_spawn). -> pid or -errno; *child as writ_spawn's.
 * Example:
 *   const char *argv[] = { "/app/cat", "/home/yoric/readme.txt", NULL };
 *   struct writ_sandbox_policy p = { "file", readme };
 *   int fds[2] = { -1, out_fd };
 *   long pid = writ_spawn_sandbox("/app/cat", argv, &p, 1, fds, 2, &child);
 */
struct writ_sandbox_policy {
	const char *scheme;
	writ_cptr_t cap;
};

long writ_spawn_sandbox(const char *path, const char *const *argv,
			const struct writ_sandbox_policy *policies, unsigned npolicies,
			const int *fds, unsigned nfds, writ_cptr_t *child);

/* (fd.c) One request on cap whose reply may carry a capability (*got, 0 if none). */
long writ_scheme_call_cap(writ_cptr_t cap, unsigned op, const writ_word_t *args,
			  unsigned nargs, const void *out, size_t out_len, void *in,
			  size_t in_len, writ_word_t *results, unsigned nresults, writ_cptr_t *got);

#endif
