/*
 * file: a hierarchical file system in memory (userland/lib/memfs), seeded from the
 * boot archive, served over the scheme protocol (writ/scheme.h).
 *
 * Memory. The server's quota (boot.conf quota=) is the file system's: memfs's budget
 * is the untyped memory init gave, less a reserve for the server's own code, tables
 * and records, and an allocation that fails is ENOSPC as well, so the tree stays
 * consistent whichever runs out first. The tree's memory comes from alloc.c, which
 * gives a page freed by any object to any other.
 *
 * Seeding. boot.conf gives the server use=archive: init maps the boot archive's frames
 * read-only at WRIT_ARCHIVE_VADDR, and every regular file, directory and symbolic link
 * in it is copied into the tree (a restarted server starts again from the archive).
 *
 * Arguments: --empty (no seeding: a scratch file system), --budget=BYTES (memfs's
 * budget instead of the quota's; one larger than the quota makes the allocator run out
 * first, which tests use to check that path).
 */
#include <archive/archive.h>
#include <writ/mem.h>

#include <errno.h>

#include "file.h"

#define RESERVE (1u << 20)      /* code, stacks, records, page tables: not the tree's */

static struct fserver server;

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* No clock server yet: times are TSC ticks since boot. */
static uint64_t
fs_now(void *ctx)
{
	(void)ctx;
	return rdtsc();
}

static uint64_t
quota_bytes(void)
{
	const struct writ_startinfo *si = writ_startinfo();
	uint64_t n = 0;

	for (unsigned i = 0; si && i < si->n_untyped; i++)
		n += 1ull << si->untyped[i].size_bits;
	return n;
}

static uint64_t
parse_u64(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* An added file replaces the boot archive's at its path (a directory stays, taking
 * the added one's mode): unlink what is there, then seed again. */
static int
seed_over(struct memfs *fs, const struct memfs_seed *s)
{
	int r = memfs_seed(fs, s, 1, NULL);

	if (r == EEXIST && (s->mode & MEMFS_S_IFMT) != MEMFS_S_IFDIR &&
	    memfs_unlink(fs, NULL, s->path, strlen(s->path)) == 0)
		r = memfs_seed(fs, s, 1, NULL);
	return r;
}

/* Every entry of one archive, in order (parents come before what they hold). */
static void
seed_archive(struct memfs *fs, const char *name, const uint8_t *base, size_t size,
	     bool over)
{
	static char path[ARCHIVE_PATH_MAX + 2], link[ARCHIVE_PATH_MAX + 1];
	struct archive a;
	struct archive_err err;
	struct archive_iter it;
	struct archive_entry e;
	unsigned n = 0, bad = 0;

	if (archive_open(&a, base, size, &err) != ARCHIVE_OK) {
		writ_printf("file: the %s archive is malformed at byte %lu: %s\n", name,
			    err.offset, err.msg);
		return;
	}
	archive_iter_init(&it, &a);
	while (archive_next(&it, &e)) {
		struct memfs_seed s = { .path = path, .mode = e.mode, .uid = e.uid, .gid = e.gid,
					.mtime_ns = 0 };
		int r;

		path[0] = '/';
		memcpy(path + 1, e.name, e.name_len + 1);
		if (e.type == ARCHIVE_SYMLINK) {
			memcpy(link, e.data, e.size);
			link[e.size] = 0;
			s.link = link;
		} else if (e.type == ARCHIVE_REG) {
			s.data = e.data;
			s.size = e.size;
		}
		if ((r = over ? seed_over(fs, &s) : memfs_seed(fs, &s, 1, NULL)) != 0) {
			writ_printf("file: cannot seed %s: errno %d\n", path, r);
			bad++;
		}
		n++;
	}
	writ_printf("file: %u entries from the %s archive, %lu bytes used of %lu%s\n", n, name,
		    memfs_used(fs), memfs_budget(fs), bad ? " (some failed)" : "");
}

/* The boot archive, then (in `./writ exec` boots) the added files over it. */
static void
seed(struct memfs *fs)
{
	const struct writ_startinfo *si = writ_startinfo();
	const uint8_t *base = NULL, *added = NULL;
	size_t size = 0, added_size = 0;

	for (unsigned i = 0; si && i < si->n_caps; i++) {
		const struct writ_startinfo_cap *c = &si->caps[i];
		size_t n = c->arg & ((1ull << 52) - 1);
		const uint8_t *at = (const uint8_t *)(uintptr_t)(c->arg >> 52);

		if (c->kind != WRIT_SCAP_ARCHIVE)
			continue;
		if (strcmp(c->name, "added") == 0) {
			added = at + WRIT_ADDED_VADDR;
			added_size = n;
		} else {
			base = at + WRIT_ARCHIVE_VADDR;
			size = n;
		}
	}
	if (!base) {
		writ_printf("file: no boot archive (use=archive): the tree starts empty\n");
		return;
	}
	seed_archive(fs, "boot", base, size, false);
	if (added)
		seed_archive(fs, "added", added, added_size, true);
}

int
main(int argc, char **argv)
{
	struct memfs_config cfg = { .now = fs_now, .alloc = file_alloc, .free = file_free,
				    .root_mode = 0755 };
	static const struct srv_ops ops = { .request = file_request, .release = file_release };
	uint64_t quota = quota_bytes(), budget = quota > 2 * RESERVE ? quota - RESERVE : quota / 2;
	struct policy_err perr;
	bool empty = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--empty") == 0) {
			empty = true;
		} else if (strncmp(argv[i], "--budget=", 9) == 0) {
			uint64_t b = parse_u64(argv[i] + 9);

			if (b)
				budget = b;     /* past the quota: the allocator runs out first */
		} else {
			writ_printf("file: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	cfg.budget = budget;
	/* No rand: to ask yet: the TSC at start keys the directory hash. */
	cfg.hash_key[0] = rdtsc() * 0x9e3779b97f4a7c15ull;
	cfg.hash_key[1] = (rdtsc() ^ 0x5851f42d4c957f2dull) * 0xbf58476d1ce4e5b9ull;
	/* Records: a large instance holds trees of 10,000 policies and their open files
	 * (bench policy/revoke-10000), 32 bytes each; a small one keeps the default. */
	server.srv.max_rec = quota >= (16ull << 20) ? 16384 : 0;
	if (srv_init(&server.srv, "file", &ops) != 0) {
		writ_printf("file: no endpoint to serve\n");
		return 1;
	}
	if (!(server.fs = memfs_create(&cfg))) {
		writ_printf("file: no memory for the file system\n");
		return 1;
	}
	if (!empty)
		seed(server.fs);
	server.root = (struct fpolicy){ .policy = NULL, .refs = 1 };
	if (policy_parse_rights(POLICY_RIGHT_LETTERS, strlen(POLICY_RIGHT_LETTERS),
				&server.root.rights, &perr) != POLICY_OK) {
		writ_printf("file: cannot parse the root policy's rights\n");
		return 1;
	}
	server.srv.user = &server;
	if (srv_root_policy(&server.srv) != 1) {
		writ_printf("file: cannot make the root policy\n");
		return 1;
	}
	server.srv.rec[1].obj = &server.root;
	if (srv_windows_init(&server.srv) != 0)
		writ_printf("file: no windows (out of memory): bulk data goes inline\n");
	srv_run(&server.srv);
}
