/*
 * /test/policy: path-glob policies in the running system (group policy; issue 21).
 * Opening through a weakened policy: the glob is matched against the canonical path of
 * what was reached ('.', '..', '//', symlinks in and out of the glob), ENOENT for what
 * the policy cannot see, EACCES for rights it lacks, for every path operation;
 * getdents hiding names; weaken by glob and rights, every kind of refusal with its
 * reason and counterexample, chains, fds weakened to fewer rights; revoke of a subtree
 * (policies, fds, dup'ed fds, a sandboxed process's fd) while siblings and ancestors
 * keep working; a sandboxed child holding nothing but its policy; no record leaked.
 * The tree it works in is /ptest, made with the root policy.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

static writ_cptr_t root;

/* A path operation on a given policy: (a0, len) path. */
static long
pcall(writ_cptr_t cap, unsigned op, writ_word_t a0, const char *path)
{
	writ_word_t a[2] = { a0, strlen(path) };
	char out[64];

	return writ_scheme_call(cap, op, a, 2, path, strlen(path) + 1, out, sizeof(out), NULL, 0);
}

/* rename/link on a given policy: (flags, len1, len2) p1 p2. */
static long
pcall2(writ_cptr_t cap, unsigned op, const char *p1, const char *p2)
{
	char b[256];
	size_t l1 = strlen(p1), l2 = strlen(p2);
	writ_word_t a[3] = { 0, l1, l2 };

	memcpy(b, p1, l1 + 1);
	memcpy(b + l1 + 1, p2, l2 + 1);
	return writ_scheme_call(cap, op, a, 3, b, l1 + l2 + 2, NULL, 0, NULL, 0);
}

static writ_cptr_t
weaken(writ_cptr_t from, const char *text)
{
	writ_cptr_t c = 0;
	int r = writ_policy_weaken(from, text, &c, NULL);

	check(r == 0 && c, "policy/weaken-ok", "%s: %d", text, r);
	return c;
}

static void
put_file(const char *path, const char *data)
{
	int fd = writ_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		writ_write(fd, data, strlen(data));
		writ_close(fd);
	}
}

static long
records(void)
{
	return writ_scheme_call(root, SCHEME_OP_STATS, (writ_word_t[]){ 0 }, 1, NULL, 0, NULL,
				0, NULL, 0);
}

static void
setup(void)
{
	writ_mkdir("/ptest", 0755);
	writ_mkdir("/ptest/sub", 0755);
	writ_mkdir("/outside", 0755);
	put_file("/ptest/a.txt", "alpha");
	put_file("/ptest/b.md", "beta.");
	put_file("/ptest/.hid.txt", "hidden");
	put_file("/ptest/sub/c.txt", "gamma");
	writ_symlink("/etc/boot.conf", "/ptest/out.txt");
	writ_symlink("a.txt", "/ptest/in.txt");
	writ_symlink("../ptest/a.txt", "/outside/x.txt");
	writ_symlink("/ptest/sub", "/ptest/subl.txt");
}

/* open through p: the fd's first 5 bytes equal want, or the error. */
static long
open_read(writ_cptr_t p, const char *path, int flags, const char *want)
{
	char b[8] = { 0 };
	int fd = writ_open_via(p, path, flags, 0644);
	long r;

	if (fd < 0)
		return fd;
	r = writ_read(fd, b, 5);
	writ_close(fd);
	return r == 5 && memcmp(b, want, 5) == 0 ? 0 : -1000;
}

static void
test_open(void)
{
	writ_cptr_t p = weaken(root, "file:/ptest/*.txt:r");
	long r;

	r = open_read(p, "/ptest/a.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/open-in-glob", "%ld", r);
	r = open_read(p, "//ptest///a.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/open-double-slashes", "%ld", r);
	r = open_read(p, "/ptest/sub/../a.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/open-dotdot-back-in", "%ld", r);
	r = open_read(p, "/ptest/./a.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/open-dot", "%ld", r);
	r = open_read(p, "/ptest/b.md", O_RDONLY, "");
	check(r == -ENOENT, "policy/open-outside-glob-enoent", "%ld", r);
	r = open_read(p, "/ptest/.hid.txt", O_RDONLY, "");
	check(r == -ENOENT, "policy/open-dotfile-enoent", "%ld", r);
	r = open_read(p, "/ptest/sub/c.txt", O_RDONLY, "");
	check(r == -ENOENT, "policy/star-not-crossing-slash", "%ld", r);
	r = open_read(p, "/ptest/../etc/boot.conf", O_RDONLY, "");
	check(r == -ENOENT, "policy/open-dotdot-out-enoent", "%ld", r);
	r = open_read(p, "/ptest/out.txt", O_RDONLY, "");
	check(r == -ENOENT, "policy/symlink-out-enoent", "%ld", r);
	r = open_read(p, "/ptest/in.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/symlink-in-glob", "%ld", r);
	r = open_read(p, "/outside/x.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/symlink-from-outside-leading-in", "%ld", r);
	r = open_read(p, "/ptest/subl.txt", O_RDONLY | O_DIRECTORY, "");
	check(r == -ENOENT, "policy/symlink-to-dir-outside", "%ld", r);
	r = open_read(p, "/ptest/a.txt", O_WRONLY, "");
	check(r == -EACCES, "policy/write-without-w-eacces", "%ld", r);
	r = open_read(p, "/ptest/a.txt", O_RDWR, "");
	check(r == -EACCES, "policy/rdwr-without-w-eacces", "%ld", r);
	r = open_read(p, "/ptest/a.txt", O_RDONLY | O_TRUNC, "");
	check(r == -EACCES, "policy/trunc-needs-w", "%ld", r);
	r = open_read(p, "/ptest/new.txt", O_RDONLY | O_CREAT, "");
	check(r == -EACCES, "policy/creat-needs-c", "%ld", r);
	r = open_read(p, "/ptest/new.md", O_RDONLY | O_CREAT, "");
	check(r == -ENOENT, "policy/creat-outside-glob-enoent", "%ld", r);
	r = open_read(p, "/ptest/a.txt", O_RDONLY | SCHEME_O_EXEC, "");
	check(r == -EACCES, "policy/exec-needs-x", "%ld", r);
	r = pcall(p, SCHEME_OP_MKDIR, 0755, "/ptest/d.txt");
	check(r == -EACCES, "policy/mkdir-needs-c", "%ld", r);
	r = pcall(p, SCHEME_OP_UNLINK, 0, "/ptest/a.txt");
	check(r == -EACCES, "policy/unlink-needs-d", "%ld", r);
	r = pcall(p, SCHEME_OP_UNLINK, 0, "/ptest/b.md");
	check(r == -ENOENT, "policy/unlink-outside-enoent", "%ld", r);
	r = pcall(p, SCHEME_OP_STAT, 0, "/ptest/a.txt");
	check(r > 0, "policy/stat-in-glob", "%ld", r);
	r = pcall(p, SCHEME_OP_STAT, 0, "/etc/boot.conf");
	check(r == -ENOENT, "policy/stat-outside-enoent", "%ld", r);
	r = pcall(p, SCHEME_OP_READLINK, 64, "/ptest/in.txt");
	check(r == 5, "policy/readlink-with-r", "%ld", r);
	r = pcall2(p, SCHEME_OP_SYMLINK, "/etc/boot.conf", "/ptest/l2.txt");
	check(r == -EACCES, "policy/symlink-needs-c", "%ld", r);
	writ_policy_drop(p);

	/* Rights for renames and links, both ends. */
	writ_cptr_t w = weaken(root, "file:/ptest/**:rwcdl");
	writ_cptr_t nod = weaken(w, "file:/ptest/*.txt:rwc");

	r = pcall2(nod, SCHEME_OP_RENAME, "/ptest/a.txt", "/ptest/a2.txt");
	check(r == -EACCES, "policy/rename-needs-d", "%ld", r);
	r = pcall2(w, SCHEME_OP_RENAME, "/ptest/a.txt", "/outside/a.txt");
	check(r == -ENOENT, "policy/rename-out-of-glob-enoent", "%ld", r);
	r = pcall2(w, SCHEME_OP_RENAME, "/ptest/a.txt", "/ptest/a2.txt");
	check(r == 0, "policy/rename-within", "%ld", r);
	r = pcall2(w, SCHEME_OP_RENAME, "/ptest/a2.txt", "/ptest/a.txt");
	check(r == 0, "policy/rename-back", "%ld", r);
	r = pcall2(w, SCHEME_OP_LINK, "/etc/boot.conf", "/ptest/boot.txt");
	check(r == -ENOENT, "policy/link-from-outside-in-enoent", "%ld", r);
	r = pcall2(w, SCHEME_OP_LINK, "/ptest/a.txt", "/outside/a.txt");
	check(r == -ENOENT, "policy/link-from-inside-out-enoent", "%ld", r);
	r = pcall2(w, SCHEME_OP_LINK, "/ptest/a.txt", "/ptest/a3.txt");
	check(r == 0, "policy/link-within", "%ld", r);
	r = pcall(nod, SCHEME_OP_UNLINK, 0, "/ptest/a3.txt");
	check(r == -EACCES, "policy/unlink-link-needs-d", "%ld", r);
	r = pcall(w, SCHEME_OP_UNLINK, 0, "/ptest/a3.txt");
	check(r == 0, "policy/unlink-with-d", "%ld", r);
	r = open_read(nod, "/ptest/n.txt", O_RDWR | O_CREAT, "");
	check(r == -1000, "policy/creat-with-c", "%ld (the new file is empty)", r);
	r = pcall(w, SCHEME_OP_UNLINK, 0, "/ptest/n.txt");
	check(r == 0, "policy/unlink-created", "%ld", r);
	writ_policy_drop(nod);
	writ_policy_drop(w);
}

/* Does a listing of dir through p hold name? -1 on error. */
static int
lists(writ_cptr_t p, const char *dir, const char *name, long *err)
{
	static uint64_t buf[512];
	int fd = writ_open_via(p, dir, O_RDONLY | O_DIRECTORY, 0), found = 0;
	long n;

	*err = fd;
	if (fd < 0)
		return -1;
	while ((n = writ_getdents(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct scheme_dirent *e = (struct scheme_dirent *)((char *)buf + off);

			found |= strcmp(e->name, name) == 0;
			off += e->reclen;
		}
	*err = n;
	writ_close(fd);
	return n < 0 ? -1 : found;
}

static void
test_getdents(void)
{
	writ_cptr_t l = weaken(root, "file:/ptest/**:rl");
	writ_cptr_t nol = weaken(root, "file:/ptest/**:r");
	writ_cptr_t md = weaken(root, "file:/ptest/**/*.md:rl");
	long e = 0;

	check(lists(l, "/ptest", "a.txt", &e) == 1, "policy/getdents-lists-visible", "%ld", e);
	check(lists(l, "/ptest", ".hid.txt", &e) == 0, "policy/getdents-hides-dotfile", "%ld", e);
	check(lists(root, "/ptest", ".hid.txt", &e) == 1, "policy/getdents-root-sees-all",
	      "%ld", e);
	check(lists(nol, "/ptest", "a.txt", &e) == -1 && e == -EACCES,
	      "policy/opendir-needs-l", "%ld", e);
	e = 0;
	check(lists(md, "/ptest", "a.txt", &e) == -1 && e == -ENOENT,
	      "policy/opendir-outside-glob", "%ld", e);
	writ_policy_drop(l);
	writ_policy_drop(nol);
	writ_policy_drop(md);
}

static bool
ends_txt(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && strcmp(s + n - 4, ".txt") == 0;
}

static void
test_weaken(void)
{
	writ_cptr_t p = weaken(root, "file:/ptest/*.txt:rw"), c = 0;
	struct writ_weaken_why why;
	int r;

	r = writ_policy_weaken(p, "file:/ptest/*:r", &c, &why);
	check(r == -EPERM && why.why == SCHEME_WEAKEN_GLOB && strncmp(why.path, "/ptest/", 7) == 0 &&
	      !ends_txt(why.path) && !c, "policy/weaken-refuses-wider-glob",
	      "%d why %d ce '%s'", r, why.why, why.path);
	r = writ_policy_weaken(p, "file:/ptest/a.txt:rwx", &c, &why);
	check(r == -EPERM && why.why == SCHEME_WEAKEN_RIGHTS && why.extra_rights == 0x10,
	      "policy/weaken-refuses-more-rights", "%d why %d extra %x", r, why.why,
	      why.extra_rights);
	r = writ_policy_weaken(p, "tmp:/ptest/a.txt:r", &c, &why);
	check(r == -EPERM && why.why == SCHEME_WEAKEN_SCHEME, "policy/weaken-refuses-scheme",
	      "%d why %d", r, why.why);
	r = writ_policy_weaken(p, "file:/ptest/**:r", &c, &why);
	check(r == -EPERM && why.why == SCHEME_WEAKEN_GLOB, "policy/weaken-refuses-dstar",
	      "%d why %d ce '%s'", r, why.why, why.path);
	r = writ_policy_weaken(p, "file:/a/b**:r", &c, &why);
	check(r == -EINVAL && why.offset == 9, "policy/weaken-malformed", "%d at %ld", r,
	      why.offset);

	/* A chain of ten. */
	writ_cptr_t chain[11];
	bool ok = true;

	chain[0] = p;
	for (int i = 1; i <= 10 && ok; i++)
		ok = writ_policy_weaken(chain[i - 1], i < 5 ? "file:/ptest/?.txt:rw" :
					"file:/ptest/a.txt:r", &chain[i], NULL) == 0;
	check(ok && open_read(chain[10], "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	      "policy/weaken-chain-of-ten", "chain broke");
	check(open_read(chain[10], "/ptest/in.txt", O_RDONLY, "alpha") == 0,
	      "policy/chain-end-symlink-to-it", "failed");
	check(writ_policy_weaken(chain[10], "file:/ptest/?.txt:r", &c, NULL) == -EPERM,
	      "policy/chain-end-cannot-widen", "failed");

	/* An fd, to fewer rights. */
	int fd = writ_open_via(p, "/ptest/a.txt", O_RDWR, 0), ro;
	char b[8];

	ro = writ_fd_weaken(fd, O_RDONLY);
	check(fd >= 0 && ro >= 0 && writ_read(ro, b, 5) == 5 && memcmp(b, "alpha", 5) == 0,
	      "policy/fd-weaken-reads", "fd %d ro %d", fd, ro);
	check(writ_write(ro, "x", 1) == -EBADF, "policy/fd-weakened-cannot-write", "failed");
	check(writ_fd_weaken(ro, O_RDWR) == -EPERM, "policy/fd-weaken-refuses-more", "failed");
	writ_close(ro);
	writ_close(fd);
	for (int i = 1; i <= 10; i++)
		writ_policy_drop(chain[i]);
	writ_policy_drop(p);
}

static void
test_revoke(void)
{
	writ_cptr_t top = weaken(root, "file:/ptest/**:rwcdl");
	writ_cptr_t mid = weaken(top, "file:/ptest/*.txt:r");
	writ_cptr_t leaf = weaken(mid, "file:/ptest/a.txt:r");
	writ_cptr_t sib = weaken(top, "file:/ptest/*.md:r");
	int f1 = writ_open_via(leaf, "/ptest/a.txt", O_RDONLY, 0), f2 = writ_dup(f1);
	int f3 = writ_open_via(mid, "/ptest/in.txt", O_RDONLY, 0);
	int fr = writ_fd_weaken(f3, O_RDONLY);
	int dir = writ_open_via(top, "/ptest", O_RDONLY | O_DIRECTORY, 0);
	char b[8];
	long r;

	check(f1 >= 0 && f2 >= 0 && f3 >= 0 && fr >= 0 && dir >= 0, "policy/revoke-setup",
	      "%d %d %d %d %d", f1, f2, f3, fr, dir);
	r = writ_policy_revoke(mid);
	/* mid, leaf, and the records of f1 (f2 is a copy of its capability), f3, fr. */
	check(r == 5, "policy/revoke-middle", "%ld records", r);
	check(writ_read(f1, b, 1) == -EIO && writ_read(f2, b, 1) == -EIO &&
	      writ_read(f3, b, 1) == -EIO && writ_read(fr, b, 1) == -EIO,
	      "policy/revoked-fds-fail", "failed");
	check(writ_open_via(leaf, "/ptest/a.txt", O_RDONLY, 0) == -EIO &&
	      writ_open_via(mid, "/ptest/a.txt", O_RDONLY, 0) == -EIO,
	      "policy/revoked-policies-fail", "failed");
	check(writ_policy_weaken(leaf, "file:/ptest/a.txt:r", &mid, NULL) == -EIO,
	      "policy/revoked-cannot-weaken", "failed");
	check(open_read(top, "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	      "policy/revoke-spares-parent", "failed");
	check(open_read(sib, "/ptest/b.md", O_RDONLY, "beta.") == 0,
	      "policy/revoke-spares-sibling", "failed");
	check(writ_openat(dir, "a.txt", O_RDONLY, 0) >= 0, "policy/revoke-spares-parent-fds", "failed");
	check(writ_policy_revoke(root) == -EPERM, "policy/root-not-revocable", "failed");

	/* Across processes: a sandboxed child opens through a policy, we revoke it. */
	writ_cptr_t give = weaken(top, "file:/ptest/*.txt:r"), child;
	int to[2], from[2];
	const char *argv[] = { "/test/bin/policy-child", "hold", NULL };

	writ_pipe(to);
	writ_pipe(from);
	int fds[2] = { to[0], from[1] };
	struct writ_sandbox_policy sp = { "file", give };
	long pid = writ_spawn_sandbox(argv[0], argv, &sp, 1, fds, 2, &child), st = -1;

	if (pid > 0 && writ_read(from[0], b, 1) == 1) {
		r = writ_policy_revoke(top);
		writ_write(to[1], "g", 1);
		st = writ_proc_wait(child);
	}
	check(pid > 0 && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0,
	      "policy/revoke-reaches-other-process", "pid %ld status %lx", pid, st);
	check(writ_read(dir, b, 1) == -EIO && open_read(sib, "/ptest/b.md", O_RDONLY, "") == -EIO,
	      "policy/revoke-top", "failed");
	for (int i = 0; i < 2; i++) {
		writ_close(to[i]);
		writ_close(from[i]);
	}
	writ_policy_drop(give);
	writ_policy_drop(top);
	writ_policy_drop(mid);
	writ_policy_drop(leaf);
	writ_policy_drop(sib);
	writ_close(f1);
	writ_close(f2);
	writ_close(f3);
	writ_close(fr);
	writ_close(dir);
}

static void
test_sandbox(void)
{
	writ_cptr_t p = weaken(root, "file:/ptest/*.txt:r"), child;
	const char *argv[] = { "/test/bin/policy-child", "sandbox", NULL };
	struct writ_sandbox_policy sp = { "file", p };
	long pid = writ_spawn_sandbox(argv[0], argv, &sp, 1, NULL, 0, &child), st = -1;

	if (pid > 0)
		st = writ_proc_wait(child);
	check(pid > 0 && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0,
	      "policy/sandboxed-child", "pid %ld status %lx (bits: what failed)", pid, st);
	writ_policy_drop(p);
}

/* Escapes: links and renames between grant and use, dir fds, odd names. */
static void
test_escapes(void)
{
	writ_cptr_t w = weaken(root, "file:/ptest/**:rwcdl");
	writ_cptr_t p = weaken(root, "file:/ptest/*.txt:r");
	struct scheme_stat st;
	char b[8];
	long r;
	int fd, dir;

	writ_symlink("/outside/made.txt", "/ptest/dang");
	r = open_read(w, "/ptest/dang", O_WRONLY | O_CREAT, "");
	check(r == -ENOENT && writ_stat("/outside/made.txt", &st, 0) == -ENOENT,
	      "policy/creat-through-dangling-link-out", "%ld", r);
	writ_symlink("/ptest/made.txt", "/ptest/dang2");
	r = open_read(w, "/ptest/dang2", O_WRONLY | O_CREAT, "");
	check(r == -1000 && writ_stat("/ptest/made.txt", &st, 0) == 0,  /* write-only: no read */
	      "policy/creat-through-dangling-link-in", "%ld", r);
	writ_symlink("loop2", "/ptest/loop1");
	writ_symlink("loop1", "/ptest/loop2");
	r = open_read(w, "/ptest/loop1", O_RDONLY, "");
	check(r == -ELOOP, "policy/symlink-loop-eloop", "%ld", r);
	put_file("/outside/o.txt", "other");
	writ_symlink("/outside", "/ptest/mid");
	r = open_read(w, "/ptest/mid/o.txt", O_RDONLY, "");
	check(r == -ENOENT, "policy/symlink-middle-component-out", "%ld", r);
	writ_symlink("/ptest", "/outside/back");
	r = open_read(p, "/outside/back/a.txt", O_RDONLY, "alpha");
	check(r == 0, "policy/symlink-middle-component-in", "%ld", r);

	/* A directory fd bounded by its policy; the directory renamed out of the glob. */
	dir = writ_open_via(w, "/ptest/sub", O_RDONLY | O_DIRECTORY, 0);
	r = writ_openat(dir, "../../etc/boot.conf", O_RDONLY, 0);
	check(dir >= 0 && r == -ENOENT, "policy/dirfd-dotdot-out", "%d %ld", dir, r);
	r = writ_open_via(writ_fd_cap(dir), "/etc/boot.conf", O_RDONLY, 0);
	check(r == -ENOENT, "policy/dirfd-absolute-out", "%ld", r);
	fd = writ_openat(dir, "../a.txt", O_RDONLY, 0);
	check(fd >= 0, "policy/dirfd-dotdot-in", "%d", fd);
	writ_close(fd);
	r = writ_rename("/ptest/sub", "/outside/sub");
	fd = writ_openat(dir, "c.txt", O_RDONLY, 0);
	check(r == 0 && fd == -ENOENT, "policy/dir-renamed-out-under-dirfd", "%ld %d", r, fd);
	check(writ_getdents(dir, b, sizeof(b)) == -ENOENT, "policy/getdents-dir-renamed-out",
	      "x");
	writ_rename("/outside/sub", "/ptest/sub");
	fd = writ_openat(dir, "c.txt", O_RDONLY, 0);
	check(fd >= 0, "policy/dir-renamed-back", "%d", fd);
	writ_close(fd);
	writ_close(dir);

	/* An open file renamed out keeps its access; opening it again does not work. */
	fd = writ_open_via(p, "/ptest/a.txt", O_RDONLY, 0);
	writ_rename("/ptest/a.txt", "/outside/a.txt");
	check(fd >= 0 && writ_pread(fd, b, 5, 0) == 5 &&
	      open_read(p, "/outside/a.txt", O_RDONLY, "") == -ENOENT,
	      "policy/open-file-renamed-out", "%d", fd);
	writ_rename("/outside/a.txt", "/ptest/a.txt");
	writ_close(fd);

	/* Paths: trailing slashes, empty, a scheme inside. */
	check(open_read(p, "/ptest/a.txt/", O_RDONLY, "") == -ENOTDIR,
	      "policy/trailing-slash-on-file", "x");
	check(open_read(p, "/ptest/", O_RDONLY, "") == -ENOENT, "policy/dir-outside-glob", "x");
	check(open_read(p, "", O_RDONLY, "") == -ENOENT, "policy/empty-path", "x");
	check(open_read(p, "file:/ptest/a.txt", O_RDONLY, "") == -ENOENT,
	      "policy/scheme-inside-path", "x");

	/* Glob characters in names, created after the grant, deleted and re-created. */
	writ_cptr_t lit = weaken(root, "file:/ptest/\\[x\\].txt:r");

	put_file("/ptest/[x].txt", "lit..");
	put_file("/ptest/x.txt", "plain");
	check(lit && open_read(lit, "/ptest/[x].txt", O_RDONLY, "lit..") == 0 &&
	      open_read(lit, "/ptest/x.txt", O_RDONLY, "") == -ENOENT,
	      "policy/glob-chars-in-names", "x");
	writ_unlink("/ptest/[x].txt");
	check(open_read(lit, "/ptest/[x].txt", O_RDONLY, "") == -ENOENT,
	      "policy/deleted-after-grant", "x");
	put_file("/ptest/[x].txt", "again");
	check(open_read(lit, "/ptest/[x].txt", O_RDONLY, "again") == 0,
	      "policy/recreated-after-grant", "x");
	writ_unlink("/ptest/[x].txt");
	writ_unlink("/ptest/x.txt");
	writ_policy_drop(lit);
	writ_policy_drop(w);
	writ_policy_drop(p);
}

/* Revokes racing with a sandboxed child's reads, opens and weakens: nothing the child
 * begins after the revoke returned succeeds. Rounds revoke at different moments. */
static void
test_race(void)
{
	unsigned bad = 0, rounds = 6;
	long st = 0;

	for (unsigned round = 0; round < rounds; round++) {
		writ_cptr_t top = weaken(root, "file:/ptest/*.txt:r"), child;
		int to[2], from[2];
		const char *argv[] = { "/test/bin/policy-child", "race", NULL };
		char b[1];

		writ_pipe2(to, O_NONBLOCK);
		writ_pipe(from);
		int fds[2] = { to[0], from[1] };
		struct writ_sandbox_policy sp = { "file", top };
		long pid = writ_spawn_sandbox(argv[0], argv, &sp, 1, fds, 2, &child);

		if (pid > 0 && writ_read(from[0], b, 1) == 1) {
			for (unsigned k = 0; k < round * round * 3; k++)
				writ_yield();
			writ_policy_revoke(top);
			writ_write(to[1], "g", 1);
			st = writ_proc_wait(child);
		}
		if (pid <= 0 || !WRIT_WAIT_EXITED(st) || WRIT_WAIT_STATUS(st) != 0) {
			bad++;
			writ_printf("# race round %u: pid %ld status %lx\n", round, pid, st);
		}
		for (int i = 0; i < 2; i++) {
			writ_close(to[i]);
			writ_close(from[i]);
		}
		writ_policy_drop(top);
	}
	check(bad == 0, "policy/revoke-races-child-ops", "%u of %u rounds failed", bad, rounds);
}

/* Revocable by its giver only: the holder uses and weakens it, cannot revoke it; the
 * giver revokes the policy it made it from. */
static void
test_giver_only(void)
{
	writ_cptr_t own = weaken(root, "file:/ptest/*.txt:r"), give = 0, sub = 0;
	int r = writ_policy_weaken_flags(own, "file:/ptest/*.txt:r", SCHEME_WEAKEN_NOREVOKE,
					 &give, NULL);

	check(r == 0 && writ_policy_weaken(give, "file:/ptest/a.txt:r", &sub, NULL) == 0 &&
	      open_read(give, "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	      "policy/giver-only-usable-weakenable", "%d", r);
	check(writ_policy_revoke(give) == -EPERM, "policy/giver-only-holder-cannot-revoke", "x");
	check(writ_policy_revoke(sub) == 1, "policy/giver-only-holder-revokes-its-own", "x");
	check(writ_policy_revoke(own) == 2 &&
	      open_read(give, "/ptest/a.txt", O_RDONLY, "") == -EIO,
	      "policy/giver-only-giver-revokes", "x");
	writ_policy_drop(own);
	writ_policy_drop(give);
	writ_policy_drop(sub);
}

/* A policy sent over cable: the receiver uses and weakens it, never widens it. */
static void
test_share(void)
{
	writ_cptr_t p = weaken(root, "file:/ptest/*.txt:r"), c = 0, c2 = 0;
	int cab[2], got[3], fd = writ_fd_install(p);
	unsigned n = 3;
	uint64_t key;
	long r;

	writ_cable_pair(cab);
	r = writ_cable_send(cab[0], 7, "p", 1, &fd, 1);
	r = r < 0 ? r : writ_cable_recv(cab[1], &key, NULL, 0, got, &n);
	check(r >= 0 && n == 1, "policy/share-over-cable", "%ld, %u fds", r, n);
	if (r < 0 || n != 1)
		return;
	p = writ_fd_cap(got[0]);
	check(open_read(p, "/ptest/a.txt", O_RDONLY, "alpha") == 0 &&
	      open_read(p, "/ptest/b.md", O_RDONLY, "") == -ENOENT,
	      "policy/shared-policy-bounded", "failed");
	check(writ_policy_weaken(p, "file:/ptest/a.txt:r", &c, NULL) == 0 &&
	      writ_policy_weaken(p, "file:/ptest/**:r", &c2, NULL) == -EPERM && !c2,
	      "policy/shared-policy-weakens-not-widens", "failed");
	writ_policy_drop(c);
	writ_close(got[0]);
	writ_close(cab[0]);
	writ_close(cab[1]);
}

/* Is this listing line a policy with rights "rl"? */
static bool
strstr_rl(const char *l)
{
	for (; *l; l++)
		if (l[0] == ' ' && l[1] == 'r' && l[2] == 'l' && l[3] == ' ')
			return true;
	return false;
}

/* The policy tree as the server lists it (STATS 7), and captree printing it. */
static void
test_captree(void)
{
	writ_cptr_t top = weaken(root, "file:/ptest/**:rl");
	writ_cptr_t mid = weaken(top, "file:/ptest/*.txt:r");
	int fd = writ_open_via(mid, "/ptest/a.txt", O_RDONLY, 0);
	static char text[4096];
	size_t used = 0;
	writ_word_t from = 1;
	char want[64];
	unsigned top_index = 0;
	bool found = false;

	do {
		writ_word_t a[2] = { 7, from }, next = 0;
		long n = writ_scheme_call(root, SCHEME_OP_STATS, a, 2, NULL, 0, text + used,
					  sizeof(text) - 1 - used, &next, 1);

		if (n < 0 || used + (size_t)n >= sizeof(text) - 1)
			break;
		used += (size_t)n;
		from = next;
	} while (from);
	text[used] = 0;
	/* "index parent rights flags fds glob": find top's index, then mid under it. */
	for (int pass = 0; pass < 2; pass++)
		for (char *l = text; *l;) {
			char *e = strchr(l, '\n');
			size_t len;

			if (!e)
				break;
			*e = 0;
			len = strlen(l);
			if (pass == 0 && len > 10 && strcmp(l + len - 10, " /ptest/**") == 0 &&
			    strstr_rl(l))
				for (const char *c = l; *c >= '0' && *c <= '9'; c++)
					top_index = top_index * 10 + (unsigned)(*c - '0');
			writ_snprintf(want, sizeof(want), " %u r - 1 /ptest/*.txt", top_index);
			if (pass == 1 && top_index && len > strlen(want) &&
			    strcmp(l + len - strlen(want), want) == 0)
				found = true;
			*e = '\n';
			l = e + 1;
		}
	check(found, "policy/stats-lists-policy-tree", "top %u, listing:\n%s", top_index, text);
	for (int i = 0; i < 2; i++) {
		const char *argv[] = { "/bin/captree", i ? "--dot" : "file", NULL };
		writ_cptr_t child;
		long pid = writ_spawn(argv[0], argv, NULL, &child), st = -1;

		if (pid > 0)
			st = writ_proc_wait(child);
		check(pid > 0 && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0,
		      i ? "policy/captree-dot" : "policy/captree-text", "status %lx", st);
	}
	writ_close(fd);
	writ_policy_drop(mid);
	writ_policy_drop(top);
}

/* The seed's two examples (userland/app): each exits 0 when it went as it should. */
static void
test_apps(void)
{
	const char *apps[] = { "/bin/readme-only", "/bin/sandbox-cable" };
	const char *names[] = { "policy/app-readme-only", "policy/app-sandbox-cable" };

	for (int i = 0; i < 2; i++) {
		const char *argv[] = { apps[i], NULL };
		writ_cptr_t child;
		long pid = writ_spawn(apps[i], argv, NULL, &child), st = -1;

		if (pid > 0)
			st = writ_proc_wait(child);
		check(pid > 0 && WRIT_WAIT_EXITED(st) && WRIT_WAIT_STATUS(st) == 0, names[i],
		      "pid %ld status %lx", pid, st);
	}
}

int
main(void)
{
	long before;

	root = writ_scheme_cap("file");
	setup();
	before = records();
	test_open();
	test_getdents();
	test_escapes();
	test_weaken();
	test_revoke();
	test_sandbox();
	test_share();
	test_giver_only();
	test_race();
	check(records() == before, "policy/no-record-left", "%ld before, %ld after", before,
	      records());
	test_apps();
	test_captree();
	return test_done("policy");
}
