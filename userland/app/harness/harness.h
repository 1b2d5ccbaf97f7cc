/*
 * /bin/harness: the derivation and revocation test harness (issue 21), shared parts.
 * Each family is one file (derive.c, share.c, revoke.c, escape.c, kern.c); child.c is
 * the harness started again as the other process of a check (argv[1] "child").
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

extern writ_cptr_t h_root;              /* this process's root file policy */
extern unsigned h_rounds;               /* race rounds (--rounds) */
extern uint64_t h_seed;                 /* --seed */
extern const char *h_self;              /* this program's path, for children */

/* One case: `ok N - harness/NAME` or `not ok N - harness/NAME: why`. */
void hcheck(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The next pseudo-random number of the run (xorshift from --seed). */
uint64_t h_rand(void);

writ_cptr_t h_weaken(writ_cptr_t from, const char *text);
/* open through p and read 5 bytes: 0 when they equal want, -1000 when not, -errno. */
long h_open_read(writ_cptr_t p, const char *path, int flags, const char *want);
/* A path operation (a0, len) path / (flags, len1, len2) p1 p2 on a given policy. */
long h_pcall(writ_cptr_t cap, unsigned op, writ_word_t a0, const char *path);
long h_pcall2(writ_cptr_t cap, unsigned op, const char *p1, const char *p2);
void h_put_file(const char *path, const char *data);
/* file:'s records alive (after a sweep). */
long h_records(void);
/* This program again as a sandboxed child in `role`, holding policy (0: none) as its
 * file: and fds (as writ_spawn_sandbox). -> pid or -errno. */
long h_spawn_child(const char *role, writ_cptr_t policy, const int *fds, unsigned nfds,
		   writ_cptr_t *child);
/* Wait for a child: did it exit with status 0? *st gets the status. */
bool h_wait_ok(writ_cptr_t child, long *st);

void t_escape(void);
void t_derive(void);
void t_share(void);
void t_revoke(void);
void t_kern(void);
void t_apps(void);

int h_child(int argc, char **argv);

#endif
