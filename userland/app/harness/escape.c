/*
 * Escapes: every way a path could reach outside a policy's glob, or past its rights,
 * each with cases that must be denied and cases that must still work. A path the
 * policy cannot see answers ENOENT (never ENOTDIR, ELOOP or EACCES, which would tell
 * that something is there), one it sees without the right EACCES.
 */
#include "harness.h"

/* Checks in /ptest through p = /ptest/ *.txt:r (moved from /test/policy). */
static void
open_and_rights(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r");
	long r;

	r = h_open_read(p, "/ptest/a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/open-in-glob", "%ld", r);
	r = h_open_read(p, "//ptest///a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/double-slashes", "%ld", r);
	r = h_open_read(p, "/ptest/sub/../a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/dotdot-back-in", "%ld", r);
	r = h_open_read(p, "/../ptest/a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/dotdot-at-root-stays", "%ld", r);
	r = h_open_read(p, "/ptest/sub/../../ptest/./a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/dotdot-twice-back-in", "%ld", r);
	r = h_open_read(p, "/ptest/./a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/dot-component", "%ld", r);
	r = h_open_read(p, "/ptest/b.md", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/outside-glob-enoent", "%ld", r);
	r = h_open_read(p, "/ptest/.hid.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/dotfile-hidden-from-star", "%ld", r);
	r = h_open_read(p, "/ptest/sub/c.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/star-not-crossing-slash", "%ld", r);
	r = h_open_read(p, "/ptest/../etc/boot.conf", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/dotdot-out-enoent", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt/../../etc/boot.conf", O_RDONLY, "");
	hcheck(r == -ENOTDIR, "escape/dotdot-after-file", "%ld", r);
	r = h_open_read(p, "/ptest/out.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/symlink-absolute-out", "%ld", r);
	r = h_open_read(p, "/ptest/in.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/symlink-relative-in", "%ld", r);
	r = h_open_read(p, "/outside/x.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/symlink-from-outside-leading-in", "%ld", r);
	r = h_open_read(p, "/ptest/subl.txt", O_RDONLY | O_DIRECTORY, "");
	hcheck(r == -ENOENT, "escape/symlink-to-dir-outside-glob", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt", O_WRONLY, "");
	hcheck(r == -EACCES, "escape/write-without-w", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt", O_RDWR, "");
	hcheck(r == -EACCES, "escape/rdwr-without-w", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt", O_RDONLY | O_TRUNC, "");
	hcheck(r == -EACCES, "escape/trunc-under-r", "%ld", r);
	r = h_open_read(p, "/ptest/new.txt", O_RDONLY | O_CREAT, "");
	hcheck(r == -EACCES, "escape/creat-under-r", "%ld", r);
	r = h_open_read(p, "/ptest/new.md", O_RDONLY | O_CREAT, "");
	hcheck(r == -ENOENT, "escape/creat-outside-glob", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt", O_RDONLY | SCHEME_O_EXEC, "");
	hcheck(r == -EACCES, "escape/exec-needs-x", "%ld", r);
	r = h_pcall(p, SCHEME_OP_MKDIR, 0755, "/ptest/d.txt");
	hcheck(r == -EACCES, "escape/mkdir-needs-c", "%ld", r);
	r = h_pcall(p, SCHEME_OP_UNLINK, 0, "/ptest/a.txt");
	hcheck(r == -EACCES, "escape/unlink-needs-d", "%ld", r);
	r = h_pcall(p, SCHEME_OP_UNLINK, 0, "/ptest/b.md");
	hcheck(r == -ENOENT, "escape/unlink-outside-enoent", "%ld", r);
	r = h_pcall(p, SCHEME_OP_STAT, 0, "/ptest/a.txt");
	hcheck(r > 0, "escape/stat-in-glob", "%ld", r);
	r = h_pcall(p, SCHEME_OP_STAT, 0, "/etc/boot.conf");
	hcheck(r == -ENOENT, "escape/stat-outside-enoent", "%ld", r);
	r = h_pcall(p, SCHEME_OP_READLINK, 64, "/ptest/in.txt");
	hcheck(r == 5, "escape/readlink-with-r", "%ld", r);
	r = h_pcall2(p, SCHEME_OP_SYMLINK, "/etc/boot.conf", "/ptest/l2.txt");
	hcheck(r == -EACCES, "escape/symlink-needs-c", "%ld", r);
	writ_policy_drop(p);

	/* Renames and links, both ends. */
	writ_cptr_t w = h_weaken(h_root, "file:/ptest/**:rwcdl");
	writ_cptr_t nod = h_weaken(w, "file:/ptest/*.txt:rwc");

	r = h_pcall2(nod, SCHEME_OP_RENAME, "/ptest/a.txt", "/ptest/a2.txt");
	hcheck(r == -EACCES, "escape/rename-needs-d", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_RENAME, "/ptest/a.txt", "/outside/a.txt");
	hcheck(r == -ENOENT, "escape/rename-out-of-glob", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_RENAME, "/outside/o.txt", "/ptest/o.txt");
	hcheck(r == -ENOENT, "escape/rename-into-glob-from-outside", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_RENAME, "/ptest/a.txt", "/ptest/a2.txt");
	hcheck(r == 0, "escape/rename-within", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_RENAME, "/ptest/a2.txt", "/ptest/a.txt");
	hcheck(r == 0, "escape/rename-back", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_LINK, "/etc/boot.conf", "/ptest/boot.txt");
	hcheck(r == -ENOENT, "escape/hardlink-from-outside-in", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_LINK, "/ptest/a.txt", "/outside/a.txt");
	hcheck(r == -ENOENT, "escape/hardlink-from-inside-out", "%ld", r);
	r = h_pcall2(w, SCHEME_OP_LINK, "/ptest/a.txt", "/ptest/a3.txt");
	hcheck(r == 0, "escape/hardlink-within", "%ld", r);
	r = h_pcall(nod, SCHEME_OP_UNLINK, 0, "/ptest/a3.txt");
	hcheck(r == -EACCES, "escape/unlink-link-needs-d", "%ld", r);
	r = h_pcall(w, SCHEME_OP_UNLINK, 0, "/ptest/a3.txt");
	hcheck(r == 0, "escape/unlink-with-d", "%ld", r);
	r = h_open_read(nod, "/ptest/n.txt", O_RDWR | O_CREAT, "");
	hcheck(r == -1000, "escape/creat-with-c", "%ld (the new file is empty)", r);
	r = h_pcall(w, SCHEME_OP_UNLINK, 0, "/ptest/n.txt");
	hcheck(r == 0, "escape/unlink-created", "%ld", r);

	/* Hard links made by someone else: the name reached is what counts. */
	writ_link("/outside/o.txt", "/ptest/hl.txt");
	writ_link("/ptest/a.txt", "/outside/al.txt");
	r = h_open_read(nod, "/ptest/hl.txt", O_RDONLY, "other");
	hcheck(r == 0, "escape/hardlink-in-by-root-opens-by-its-name", "%ld", r);
	r = h_open_read(nod, "/outside/al.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/hardlink-out-by-root-hidden", "%ld", r);
	writ_unlink("/ptest/hl.txt");
	writ_unlink("/outside/al.txt");
	writ_policy_drop(nod);
	writ_policy_drop(w);
}

/* Does a listing of dir through p hold name? -1 on error (*err). */
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
listings(void)
{
	writ_cptr_t l = h_weaken(h_root, "file:/ptest/**:rl");
	writ_cptr_t nol = h_weaken(h_root, "file:/ptest/**:r");
	writ_cptr_t md = h_weaken(h_root, "file:/ptest/**/*.md:rl");
	writ_cptr_t dot = h_weaken(h_root, "file:/ptest/.hid.txt:r");
	long e = 0;

	hcheck(lists(l, "/ptest", "a.txt", &e) == 1, "escape/getdents-lists-visible", "%ld", e);
	hcheck(lists(l, "/ptest", ".hid.txt", &e) == 0, "escape/getdents-hides-dotfile", "%ld", e);
	hcheck(lists(md, "/ptest/sub", "c.txt", &e) == -1, "escape/getdents-needs-dir-in-glob",
	       "%ld", e);
	hcheck(lists(h_root, "/ptest", ".hid.txt", &e) == 1, "escape/getdents-root-sees-all",
	       "%ld", e);
	hcheck(lists(nol, "/ptest", "a.txt", &e) == -1 && e == -EACCES,
	       "escape/opendir-needs-l", "%ld", e);
	e = 0;
	hcheck(lists(md, "/ptest", "a.txt", &e) == -1 && e == -ENOENT,
	       "escape/opendir-outside-glob", "%ld", e);
	hcheck(h_open_read(l, "/ptest/sub/c.txt", O_RDONLY, "gamma") == 0,
	       "escape/dstar-crosses-slash", "x");
	hcheck(h_open_read(l, "/ptest/.hid.txt", O_RDONLY, "") == -ENOENT,
	       "escape/dstar-skips-dotfiles", "x");
	hcheck(h_open_read(dot, "/ptest/.hid.txt", O_RDONLY, "hidde") == 0,
	       "escape/dotfile-named-exactly", "x");
	writ_policy_drop(l);
	writ_policy_drop(nol);
	writ_policy_drop(md);
	writ_policy_drop(dot);
}

/* Symbolic links of every kind, dangling ones, loops. */
static void
links(void)
{
	writ_cptr_t w = h_weaken(h_root, "file:/ptest/**:rwcdl");
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r");
	struct scheme_stat st;
	long r;

	writ_symlink("/outside/made.txt", "/ptest/dang");
	r = h_open_read(w, "/ptest/dang", O_WRONLY | O_CREAT, "");
	hcheck(r == -ENOENT && writ_stat("/outside/made.txt", &st, 0) == -ENOENT,
	       "escape/creat-through-dangling-link-out", "%ld", r);
	writ_symlink("/ptest/made.txt", "/ptest/dang2");
	r = h_open_read(w, "/ptest/dang2", O_WRONLY | O_CREAT, "");
	hcheck(r == -1000 && writ_stat("/ptest/made.txt", &st, 0) == 0,
	       "escape/creat-through-dangling-link-in", "%ld", r);
	writ_symlink("loop2", "/ptest/loop1");
	writ_symlink("loop1", "/ptest/loop2");
	r = h_open_read(w, "/ptest/loop1", O_RDONLY, "");
	hcheck(r == -ELOOP, "escape/symlink-loop-eloop", "%ld", r);
	writ_symlink("/outside/hloop", "/ptest/hloop");
	writ_symlink("/ptest/hloop", "/outside/hloop");
	r = h_open_read(w, "/ptest/hloop", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/symlink-loop-through-hidden-link", "%ld", r);
	writ_symlink("/outside", "/ptest/mid");
	r = h_open_read(w, "/ptest/mid/o.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/symlink-middle-component-out", "%ld", r);
	writ_symlink("/ptest", "/outside/back");
	r = h_open_read(p, "/outside/back/a.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/symlink-middle-component-in", "%ld", r);
	writ_symlink("../outside/o.txt", "/ptest/rel.txt");
	r = h_open_read(p, "/ptest/rel.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/symlink-relative-dotdot-out", "%ld", r);
	writ_symlink("c2.txt", "/ptest/c1.txt");
	writ_symlink("in.txt", "/ptest/c2.txt");
	r = h_open_read(p, "/ptest/c1.txt", O_RDONLY, "alpha");
	hcheck(r == 0, "escape/symlink-chain-in", "%ld", r);
	writ_symlink("out.txt", "/ptest/c3.txt");
	r = h_open_read(p, "/ptest/c3.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/symlink-chain-out", "%ld", r);
	r = h_pcall(p, SCHEME_OP_READLINK, 64, "/outside/x.txt");
	hcheck(r == -ENOENT, "escape/readlink-outside-enoent", "%ld", r);
	for (const char *const *n = (const char *const[]){ "/ptest/dang", "/ptest/dang2",
	     "/ptest/made.txt", "/ptest/loop1", "/ptest/loop2", "/ptest/hloop", "/outside/hloop",
	     "/ptest/mid", "/outside/back", "/ptest/rel.txt", "/ptest/c1.txt", "/ptest/c2.txt",
	     "/ptest/c3.txt", NULL }; *n; n++)
		writ_unlink(*n);
	writ_policy_drop(w);
	writ_policy_drop(p);
}

/* Directory fds, renames during lookups and after opens. */
static void
renames(void)
{
	writ_cptr_t w = h_weaken(h_root, "file:/ptest/**:rwcdl");
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r");
	char b[8];
	long r;
	int fd, dir;

	dir = writ_open_via(w, "/ptest/sub", O_RDONLY | O_DIRECTORY, 0);
	r = writ_openat(dir, "../../etc/boot.conf", O_RDONLY, 0);
	hcheck(dir >= 0 && r == -ENOENT, "escape/dirfd-dotdot-out", "%d %ld", dir, r);
	r = writ_open_via(writ_fd_cap(dir), "/etc/boot.conf", O_RDONLY, 0);
	hcheck(r == -ENOENT, "escape/dirfd-absolute-out", "%ld", r);
	fd = writ_openat(dir, "../a.txt", O_RDONLY, 0);
	hcheck(fd >= 0, "escape/dirfd-dotdot-in", "%d", fd);
	writ_close(fd);
	r = writ_rename("/ptest/sub", "/outside/sub");
	fd = writ_openat(dir, "c.txt", O_RDONLY, 0);
	hcheck(r == 0 && fd == -ENOENT, "escape/dir-renamed-out-under-dirfd", "%ld %d", r, fd);
	hcheck(writ_getdents(dir, b, sizeof(b)) == -ENOENT, "escape/getdents-dir-renamed-out",
	       "x");
	writ_rename("/outside/sub", "/ptest/sub");
	fd = writ_openat(dir, "c.txt", O_RDONLY, 0);
	hcheck(fd >= 0, "escape/dir-renamed-back", "%d", fd);
	writ_close(fd);
	writ_close(dir);

	/* An open file renamed out keeps its access; opening it again does not work. */
	fd = writ_open_via(p, "/ptest/a.txt", O_RDONLY, 0);
	writ_rename("/ptest/a.txt", "/outside/a.txt");
	hcheck(fd >= 0 && writ_pread(fd, b, 5, 0) == 5 &&
	       h_open_read(p, "/outside/a.txt", O_RDONLY, "") == -ENOENT,
	       "escape/open-file-renamed-out", "%d", fd);
	writ_rename("/outside/a.txt", "/ptest/a.txt");
	writ_close(fd);
	/* A file renamed into the glob after the grant is seen from then on. */
	h_put_file("/outside/m.txt", "moved");
	r = h_open_read(p, "/ptest/m.txt", O_RDONLY, "");
	writ_rename("/outside/m.txt", "/ptest/m.txt");
	hcheck(r == -ENOENT && h_open_read(p, "/ptest/m.txt", O_RDONLY, "moved") == 0,
	       "escape/file-renamed-into-glob", "%ld", r);
	writ_unlink("/ptest/m.txt");
	writ_policy_drop(w);
	writ_policy_drop(p);
}

/* A path's shape: trailing slashes, empty and '.' components, schemes inside, NUL,
 * bytes that are no UTF-8, names and paths at and past the limits, glob characters. */
static void
shapes(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r");
	static char longp[SCHEME_PATH_MAX + 16], name[300];
	long r;

	hcheck(h_open_read(p, "/ptest/a.txt/", O_RDONLY, "") == -ENOTDIR,
	       "escape/trailing-slash-on-visible-file", "x");
	r = h_open_read(p, "/outside/o.txt/", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/trailing-slash-on-hidden-file", "%ld", r);
	r = h_open_read(p, "/outside/o.txt/x.txt", O_RDONLY, "");
	hcheck(r == -ENOENT, "escape/hidden-file-mid-path-enoent", "%ld", r);
	r = h_pcall(p, SCHEME_OP_STAT, 0, "/etc/boot.conf/x");
	hcheck(r == -ENOENT, "escape/stat-hidden-file-mid-path-enoent", "%ld", r);
	r = h_open_read(p, "/ptest/a.txt/x.txt", O_RDONLY, "");
	hcheck(r == -ENOTDIR, "escape/visible-file-mid-path-enotdir", "%ld", r);
	hcheck(h_open_read(p, "/ptest/", O_RDONLY, "") == -ENOENT, "escape/dir-outside-glob",
	       "x");
	hcheck(h_open_read(p, "/ptest/.", O_RDONLY, "") == -ENOENT, "escape/dot-at-end", "x");
	hcheck(h_open_read(p, "", O_RDONLY, "") == -ENOENT, "escape/empty-path", "x");
	hcheck(h_open_read(p, "/ptest//./a.txt", O_RDONLY, "alpha") == 0,
	       "escape/empty-and-dot-components", "x");
	hcheck(h_open_read(p, "file:/ptest/a.txt", O_RDONLY, "") == -ENOENT,
	       "escape/scheme-prefix-inside-path", "x");
	hcheck(h_open_read(p, "/ptest/file:/etc/boot.conf", O_RDONLY, "") == -ENOENT,
	       "escape/scheme-mid-path", "x");
	hcheck(h_open_read(p, "/ptest//etc/boot.conf", O_RDONLY, "") == -ENOENT,
	       "escape/absolute-mid-path", "x");
	/* NUL inside the bytes the request says are the path. */
	r = writ_scheme_call(p, SCHEME_OP_STAT, (writ_word_t[]){ 0, 14 }, 2,
			     "/ptest/a\0b.txt", 15, NULL, 0, NULL, 0);
	hcheck(r == -EINVAL, "escape/nul-inside-path", "%ld", r);
	h_put_file("/ptest/\xff\xfe.txt", "bytes");
	hcheck(h_open_read(p, "/ptest/\xff\xfe.txt", O_RDONLY, "bytes") == 0,
	       "escape/invalid-utf8-name-inside", "x");
	hcheck(h_open_read(p, "/ptest/\xff\xfe.md", O_RDONLY, "") == -ENOENT,
	       "escape/invalid-utf8-name-outside", "x");
	writ_unlink("/ptest/\xff\xfe.txt");
	memcpy(name, "/ptest/", 7);
	memset(name + 7, 'n', 251);
	memcpy(name + 258, ".txt", 5);          /* a 255-byte name */
	h_put_file(name, "long.");
	hcheck(h_open_read(p, name, O_RDONLY, "long.") == 0, "escape/name-255-bytes", "x");
	writ_unlink(name);
	memcpy(name + 258, "x.txt", 6);
	hcheck(h_open_read(p, name, O_RDONLY, "") == -ENAMETOOLONG, "escape/name-256-bytes", "x");
	for (size_t i = 0; i + 2 < sizeof(longp); i += 2)
		memcpy(longp + i, "/.", 2);
	longp[SCHEME_PATH_MAX] = 0;
	hcheck(h_open_read(p, longp, O_RDONLY, "") == -ENAMETOOLONG, "escape/path-4096-bytes",
	       "x");

	writ_cptr_t lit = h_weaken(h_root, "file:/ptest/\\[x\\].txt:r");

	h_put_file("/ptest/[x].txt", "lit..");
	h_put_file("/ptest/x.txt", "plain");
	hcheck(lit && h_open_read(lit, "/ptest/[x].txt", O_RDONLY, "lit..") == 0 &&
	       h_open_read(lit, "/ptest/x.txt", O_RDONLY, "") == -ENOENT,
	       "escape/glob-chars-in-names", "x");
	writ_unlink("/ptest/[x].txt");
	hcheck(h_open_read(lit, "/ptest/[x].txt", O_RDONLY, "") == -ENOENT,
	       "escape/deleted-after-grant", "x");
	h_put_file("/ptest/[x].txt", "again");
	hcheck(h_open_read(lit, "/ptest/[x].txt", O_RDONLY, "again") == 0,
	       "escape/recreated-after-grant", "x");
	h_put_file("/ptest/late.txt", "late.");
	hcheck(h_open_read(p, "/ptest/late.txt", O_RDONLY, "late.") == 0,
	       "escape/created-after-grant", "x");
	writ_unlink("/ptest/late.txt");
	writ_unlink("/ptest/[x].txt");
	writ_unlink("/ptest/x.txt");
	writ_policy_drop(lit);
	writ_policy_drop(p);
}

/*
 * A component swapped for a symlink between check and use, and a directory renamed
 * in and out while lookups walk it: a child swaps as fast as it can while we open
 * through the policy; every open that works must reach the file inside the glob.
 */
static void
swaps(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/**:r"), child;
	unsigned opened = 0, wrong = 0, n = h_rounds * 25;
	int go[2];
	long pid, st = 0;

	h_put_file("/outside/secret.txt", "SECRT");
	writ_mkdir("/ptest/sw", 0755);
	h_put_file("/ptest/sw/f.txt", "inner");
	writ_pipe(go);
	int fds[1] = { go[0] };
	pid = h_spawn_child("swapper", h_root, fds, 1, &child);
	for (unsigned i = 0; pid > 0 && i < n; i++) {
		char b[8] = { 0 };
		int fd = writ_open_via(p, i & 1 ? "/ptest/sw/f.txt" : "/ptest/swap.txt", O_RDONLY,
				       0);

		if (fd < 0)
			continue;
		opened++;
		if (writ_read(fd, b, 5) == 5 && memcmp(b, "SECRT", 5) == 0)
			wrong++;
		writ_close(fd);
		if (i % 7 == 0)
			writ_yield();
	}
	writ_close(go[1]);              /* the child's read sees the end: it stops */
	bool waited = pid > 0 && h_wait_ok(child, &st) && wrong == 0;

	hcheck(waited,
	       "escape/swap-symlink-and-rename-during-opens",
	       "pid %ld status %lx, %u of %u opens reached outside", pid, st, wrong, opened);
	writ_close(go[0]);
	writ_unlink("/ptest/swap.txt");
	writ_unlink("/ptest/sw/f.txt");
	writ_rmdir("/ptest/sw");
	writ_unlink("/outside/sw/f.txt");
	writ_rmdir("/outside/sw");
	writ_unlink("/outside/secret.txt");
	writ_policy_drop(p);
}

/* A child holding a narrow policy guesses every empty slot and re-badges its policy. */
static void
forgery(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/a.txt:r"), child;
	long pid = h_spawn_child("forge", p, NULL, 0, &child), st = -1;

	bool waited = pid > 0 && h_wait_ok(child, &st);

	hcheck(waited, "escape/forged-slots-and-badges",
	       "pid %ld status %lx (bits: what worked)", pid, st);
	writ_policy_drop(p);
}

void
t_escape(void)
{
	forgery();
	open_and_rights();
	listings();
	links();
	renames();
	shapes();
	swaps();
}
