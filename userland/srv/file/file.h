/* file: the in-memory file system server: what its parts share (see main.c). */
#ifndef FILE_FILE_H
#define FILE_FILE_H

#include <memfs/memfs.h>
#include <srv/srv.h>

/*
 * Rights a policy grants (user space part 2 decides what each allows; the root policy
 * has them all). The letters are userland/lib/policy's.
 */
#define FP_R 0x01
#define FP_W 0x02
#define FP_C 0x04
#define FP_D 0x08
#define FP_X 0x10
#define FP_L 0x20
#define FP_ALL 0x3f

/*
 * A policy record's object: which canonical paths its holder may reach, with which
 * rights. Part 1 has only the root policy (glob NULL: every path, every right). Part 2
 * adds derived ones: glob and rights narrowed from `parent`, checked by a memfs veto
 * (policy_at), and revoked together with everything opened through them (`revoked`,
 * and the records that name them).
 */
struct fpolicy {
	char *glob;                     /* NULL: every path (the root policy) */
	uint32_t rights;                /* FP_* */
	struct fpolicy *parent;         /* derived from; NULL for the root */
	unsigned refs;                  /* records and open files naming it */
	bool revoked;
};

/* An open file description: what a file record names. dup'ed records share one. */
struct ofd {
	struct memfs_node *node;        /* holds a memfs reference */
	uint64_t off;                   /* bytes; for a directory, the readdir cookie */
	unsigned flags;                 /* Linux's O_ACCMODE and O_APPEND bits */
	unsigned refs;                  /* records naming it */
	struct fpolicy *via;            /* the policy it was opened through */
	char *path;                     /* canonical path when opened (fpath) */
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
