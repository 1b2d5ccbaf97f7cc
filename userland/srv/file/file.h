/* file: the in-memory file system server: what its parts share (see main.c). */
#ifndef FILE_FILE_H
#define FILE_FILE_H

#include <memfs/memfs.h>
#include <srv/srv.h>

#include <policy/policy.h>

/*
 * A policy record's object: which canonical paths its holder may reach, with which
 * rights (userland/lib/policy's glob and rwcdxl bits). The root policy: every path
 * with every right, checked by nothing (the glob "/" + "**" would not do: its
 * wildcards skip dotfiles). Derived ones (WEAKEN): a compiled glob (22 KiB each, so
 * only policies that narrow have one) and rights narrowed from `parent`, checked by a
 * memfs veto that policy_at installs (nothing runs between check and use), revoked
 * with everything opened through them (`revoked`, and the records naming them).
 * `refs` counts records, open files and derived policies naming it.
 */
struct fpolicy {
	struct policy *policy;          /* glob and rights; NULL: every path (the root) */
	uint8_t rights;                 /* policy's rights bits */
	struct fpolicy *parent;         /* derived from; NULL for the root */
	unsigned refs;                  /* records and open files naming it */
	bool revoked;
	bool norevoke;                  /* REVOKE through it is EPERM (revocable by its giver) */
	unsigned maker;                 /* the pid that weakened it (0: not known) */
	uint64_t serial;                /* which policy made at this address (denials) */
};

/* An open file description: what a file record names. dup'ed records share one. */
#define OFD_SHORT 64
struct ofd {
	struct memfs_node *node;        /* holds a memfs reference */
	uint64_t off;                   /* bytes; for a directory, the readdir cookie */
	unsigned flags;                 /* Linux's O_ACCMODE and O_APPEND bits */
	unsigned refs;                  /* records naming it */
	struct fpolicy *via;            /* the policy it was opened through */
	unsigned opener;                /* the pid that opened it (0: not known) */
	char *path;                     /* canonical path when opened (fpath): */
	char short_path[OFD_SHORT];     /* here when it fits (ofd_new) */
};

struct fserver {
	struct srv srv;
	struct memfs *fs;
	struct fpolicy root;
	unsigned n_ofd;                 /* open file descriptions alive */
};

/* alloc.c: memfs's allocator (struct memfs_config's alloc and free). */
void *file_alloc(void *ctx, size_t n);
void file_free(void *ctx, void *p, size_t n);

void file_request(struct srv *s, struct srv_req *req);
void file_release(struct srv *s, struct srv_record *rec);

#endif
