/*
 * Every file: operation through libwrit's fd API, with its error cases; the seeded
 * tree; long names and paths; bad input sent raw; ENOSPC on tmp:.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "ftest.h"

#define IFMT  0170000
#define IFDIR 0040000
#define IFREG 0100000
#define IFLNK 0120000
#define DT_DIR_ 4
#define DT_REG_ 8

static void
append_str(char *d, const char *s)
{
	size_t n = strlen(d), k = strlen(s);

	memcpy(d + n, s, k + 1);
}

static bool
contains(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static uint64_t
type_of(const char *path, int nofollow)
{
	struct scheme_stat st;
	int r = writ_stat(path, &st, nofollow);

	return r < 0 ? (uint64_t)r : st.mode & IFMT;
}

void
test_seeded(void)
{
	static char b[4096];
	int fd = writ_open("/etc/boot.conf", O_RDONLY, 0);
	long n = fd >= 0 ? writ_read(fd, b, sizeof(b)) : fd;
	struct scheme_stat st = { 0 };

	check(n > 0 && contains(b, (size_t)n, "serves=file"), "seeded-boot-conf",
	      "open %d read %ld", fd, n);
	writ_close(fd);
	check(writ_stat("/sbin/file", &st, 0) == 0 && (st.mode & IFMT) == IFREG && st.size > 4096,
	      "seeded-programs", "/sbin/file: mode %lo size %lu", st.mode, st.size);
	check(type_of("/test/file", 0) == IFREG && type_of("/sbin", 0) == IFDIR &&
	      type_of("/test", 0) == IFDIR, "seeded-dirs", "/test/file or /sbin missing");
	fd = writ_open("file:etc/boot.conf", O_RDONLY, 0);
	check(fd >= 0, "open-relative-to-policy", "file:etc/boot.conf: %d", fd);
	writ_close(fd);
	check(writ_stat("/home/yoric/readme.txt", &st, 0) == 0 && st.size == 73 &&
	      type_of("/tmp/.keep", 0) == IFREG, "seeded-home", "size %lu", st.size);
}

/* DUP as the server does it: a new record naming the same open file. */
static int
server_dup(int fd)
{
	struct writ_msg m = { 0 };
	writ_cptr_t slot = writ_slot_alloc();

	writ_set_receive_slot(WRIT_PSLOT_CNODE, slot, 64);
	m.info = writ_msginfo(SCHEME_OP_DUP, 0, 0);
	if (writ_call(writ_fd_cap(fd), &m) != WRIT_OK || (long)m.mr[0] != 0 ||
	    writ_msginfo_caps(m.info) != 1)
		return -1;
	return writ_fd_install(slot);
}

void
test_files(void)
{
	char b[256];
	struct scheme_stat st = { 0 };
	int fd, fd2, fd3;
	long r;

	check(writ_mkdir("/ft", 0755) == 0, "mkdir", "mkdir /ft");
	check(put_file("/ft/a", 1, 5000) == 5000 && file_is("/ft/a", 1, 5000), "write-read",
	      "5000 bytes did not come back");
	fd = writ_open("/ft/a", O_RDWR, 0);
	check(fd >= 0 && writ_fstat(fd, &st) == 0 && st.size == 5000 &&
	      (st.mode & 07777) == 0644 && (st.mode & IFMT) == IFREG && st.nlink == 1,
	      "fstat", "size %lu mode %lo nlink %lu", st.size, st.mode, st.nlink);
	check(writ_seek(fd, 0, SEEK_END) == 5000 && writ_seek(fd, -10, SEEK_CUR) == 4990 &&
	      writ_read(fd, b, 100) == 10 && writ_seek(fd, 0, SEEK_CUR) == 5000,
	      "seek", "SEEK_END/CUR");
	check(writ_seek(fd, -1, SEEK_SET) == -EINVAL && writ_seek(fd, 0, 7) == -EINVAL &&
	      writ_seek(fd, -6000, SEEK_END) == -EINVAL, "seek-errors", "negative or bad whence");
	check(writ_pwrite(fd, "hello", 5, 100) == 5 && writ_pread(fd, b, 5, 100) == 5 &&
	      memcmp(b, "hello", 5) == 0 && writ_seek(fd, 0, SEEK_CUR) == 5000 &&
	      writ_pread(fd, b, 10, 6000) == 0, "pread-pwrite", "hello at 100");
	r = writ_pread(fd, b, 5, -1);
	check(r == -EINVAL, "pread-negative", "got %ld", r);
	/* A write past the end leaves a hole that reads as zeros. */
	memset(b, 0x55, sizeof(b));
	check(writ_pwrite(fd, "z", 1, 8000) == 1 && writ_pread(fd, b, 16, 7000) == 16 &&
	      b[0] == 0 && b[15] == 0 && writ_fstat(fd, &st) == 0 && st.size == 8001, "hole",
	      "size %lu", st.size);
	check(writ_ftruncate(fd, 10) == 0 && writ_fstat(fd, &st) == 0 && st.size == 10 &&
	      writ_ftruncate(fd, 100) == 0 && writ_pread(fd, b, 100, 0) == 100 && b[10] == 0 &&
	      b[99] == 0, "ftruncate", "size %lu", st.size);
	check(writ_ftruncate(fd, -1) == -EINVAL, "ftruncate-negative", "not EINVAL");
	check(writ_fsync(fd) == 0, "fsync", "not 0");
	r = writ_fpath(fd, b, sizeof(b));
	check(r == 5 && strcmp(b, "/ft/a") == 0, "fpath", "%ld '%s'", r, b);
	/* dup'ed fds share the offset, whether libwrit copies the capability or the
	 * server makes a new record. */
	writ_seek(fd, 0, SEEK_SET);
	fd2 = writ_dup(fd);
	fd3 = server_dup(fd);
	check(fd2 >= 0 && writ_read(fd, b, 10) == 10 && writ_seek(fd2, 0, SEEK_CUR) == 10,
	      "dup-shares-offset", "fd2 %d", fd2);
	check(fd3 >= 0 && writ_read(fd3, b, 5) == 5 && writ_seek(fd, 0, SEEK_CUR) == 15,
	      "server-dup", "fd3 %d", fd3);
	writ_close(fd2);
	writ_close(fd3);
	check(writ_close(fd) == 0 && writ_close(fd) == -EBADF && writ_read(fd, b, 1) == -EBADF,
	      "close", "second close or read after close");

	fd = writ_open("/ft/a", O_WRONLY | O_APPEND, 0);
	check(fd >= 0 && writ_write(fd, "xyz", 3) == 3 && writ_fstat(fd, &st) == 0 &&
	      st.size == 103, "append", "size %lu", st.size);
	check(writ_read(fd, b, 1) == -EBADF, "read-on-write-only", "not EBADF");
	writ_close(fd);
	fd = writ_open("/ft/a", O_RDONLY, 0);
	check(writ_write(fd, "x", 1) == -EBADF, "write-on-read-only", "not EBADF");
	check(writ_ftruncate(fd, 0) == -EINVAL, "ftruncate-read-only", "not EINVAL");
	writ_close(fd);

	check(writ_open("/ft/nope", O_RDONLY, 0) == -ENOENT &&
	      writ_open("/nope/x", O_CREAT | O_WRONLY, 0644) == -ENOENT, "open-enoent",
	      "missing file or parent");
	check(writ_open("/ft/a", O_CREAT | O_EXCL | O_WRONLY, 0644) == -EEXIST, "open-eexist",
	      "O_EXCL");
	check(writ_open("/ft", O_WRONLY, 0) == -EISDIR, "open-eisdir", "a directory to write");
	check(writ_open("/ft/a", O_RDONLY | O_DIRECTORY, 0) == -ENOTDIR &&
	      writ_open("/ft/a/x", O_RDONLY, 0) == -ENOTDIR, "open-enotdir", "file as dir");
	check(writ_open("/ft/a", O_ACCMODE, 0) == -EINVAL, "open-bad-accmode", "O_ACCMODE");

	/* An unlinked file that is open stays readable; it goes with its last close. */
	{
		long before = file_stats("file", 4);

		fd = writ_open("/ft/u", O_CREAT | O_RDWR, 0600);
		r = writ_write(fd, "data", 4);
		check(fd >= 0 && r == 4 && writ_unlink("/ft/u") == 0 &&
		      writ_open("/ft/u", O_RDONLY, 0) == -ENOENT && writ_pread(fd, b, 8, 0) == 4 &&
		      memcmp(b, "data", 4) == 0 && writ_fstat(fd, &st) == 0 && st.nlink == 0,
		      "unlinked-open-readable", "nlink %lu", st.nlink);
		writ_close(fd);
		check(file_stats("file", 4) == before, "close-frees-open-file",
		      "%ld open before, %ld after", before, file_stats("file", 4));
		/* The close reaches the server with the next open (scheme.h, "Closing
		 * later"), which frees the record, with no sweep (no process ended). */
		fd = writ_open("/ft/a", O_RDONLY, 0);
		writ_close(fd);
		fd = writ_open("/ft/a", O_RDONLY, 0);
		check(fd >= 0 && file_stats("file", 5) == before + 1, "close-frees-without-sweep",
		      "%ld open before, %ld after", before, file_stats("file", 5) - 1);
		writ_close(fd);
	}
}

void
test_dirs(void)
{
	struct scheme_stat st = { 0 };
	char b[64];
	int dfd, fd;
	long r;

	check(writ_mkdir("/ft/d", 0700) == 0 && writ_stat("/ft/d", &st, 0) == 0 &&
	      (st.mode & IFMT) == IFDIR && (st.mode & 07777) == 0700 && st.nlink == 2,
	      "mkdir-stat", "mode %lo", st.mode);
	check(writ_mkdir("/ft/d", 0755) == -EEXIST && writ_mkdir("/ft/nope/x", 0755) == -ENOENT &&
	      writ_mkdir("/ft/a/x", 0755) == -ENOTDIR, "mkdir-errors", "EEXIST/ENOENT/ENOTDIR");
	put_file("/ft/d/f", 2, 10);
	check(writ_rmdir("/ft/d") == -ENOTEMPTY && writ_rmdir("/ft/a") == -ENOTDIR &&
	      writ_rmdir("/ft/zz") == -ENOENT && writ_rmdir("/") == -EBUSY &&
	      writ_rmdir("/ft/d/.") == -EINVAL, "rmdir-errors", "ENOTEMPTY/ENOTDIR/ENOENT/EBUSY");
	check(writ_unlink("/ft/d") == -EISDIR && writ_unlink("/ft/zz") == -ENOENT &&
	      writ_unlink("/ft/a/") == -ENOTDIR, "unlink-errors", "EISDIR/ENOENT/ENOTDIR");
	check(writ_unlink("/ft/d/f") == 0 && writ_rmdir("/ft/d") == 0 &&
	      writ_stat("/ft/d", &st, 0) == -ENOENT, "rmdir", "rmdir /ft/d");

	/* rename across directories, of files and of directories */
	writ_mkdir("/ft/r1", 0755);
	writ_mkdir("/ft/r2", 0755);
	writ_mkdir("/ft/r1/sub", 0755);
	put_file("/ft/r1/x", 3, 300);
	check(writ_rename("/ft/r1/x", "/ft/r2/y") == 0 && writ_stat("/ft/r1/x", &st, 0) == -ENOENT &&
	      file_is("/ft/r2/y", 3, 300), "rename-across-dirs", "file moved");
	put_file("/ft/r1/w", 4, 40);
	check(writ_rename("/ft/r1/w", "/ft/r2/y") == 0 && file_is("/ft/r2/y", 4, 40),
	      "rename-replaces", "y replaced");
	check(writ_rename("/ft/r1", "/ft/r1/sub/in") == -EINVAL, "rename-into-own-subtree",
	      "not EINVAL");
	check(writ_rename("/ft/r1", "/ft/r2") == -ENOTEMPTY, "rename-over-nonempty-dir",
	      "not ENOTEMPTY");
	check(writ_rename("/ft/r2/y", "/ft/r1") == -EISDIR &&
	      writ_rename("/ft/r1", "/ft/r2/y") == -ENOTDIR &&
	      writ_rename("/ft/zz", "/ft/r2/q") == -ENOENT &&
	      writ_rename("/ft/r2/y", "/ft/zz/q") == -ENOENT, "rename-errors",
	      "EISDIR/ENOTDIR/ENOENT");
	check(writ_rename("/ft/r1", "/ft/r2/moved") == 0 && type_of("/ft/r2/moved/sub", 0) == IFDIR,
	      "rename-dir-across", "r1 moved under r2");

	/* openat: relative to a directory fd */
	dfd = writ_open("/ft/r2", O_RDONLY | O_DIRECTORY, 0);
	fd = writ_openat(dfd, "y", O_RDONLY, 0);
	r = writ_fpath(dfd, b, sizeof(b));
	check(dfd >= 0 && fd >= 0 && writ_read(fd, b + 32, 4) == 4 && r == 6 &&
	      memcmp(b, "/ft/r2", 6) == 0, "openat", "dfd %d fd %d fpath %ld", dfd, fd, r);
	check(writ_openat(fd, "x", O_RDONLY, 0) == -ENOTDIR, "openat-on-a-file", "not ENOTDIR");
	writ_close(fd);
	fd = writ_openat(dfd, "moved/sub/../../y", O_RDONLY, 0);
	check(fd >= 0, "openat-dotdot", "moved/sub/../../y: %d", fd);
	writ_close(fd);
	writ_close(dfd);
}

void
test_links(void)
{
	struct scheme_stat st = { 0 };
	char b[64];
	int fd;
	long r;

	put_file("/ft/l", 5, 50);
	check(writ_link("/ft/l", "/ft/h") == 0 && writ_stat("/ft/l", &st, 0) == 0 && st.nlink == 2,
	      "link", "nlink %lu", st.nlink);
	fd = writ_open("/ft/h", O_WRONLY, 0);
	writ_write(fd, "HARD", 4);
	writ_close(fd);
	fd = writ_open("/ft/l", O_RDONLY, 0);
	check(writ_read(fd, b, 4) == 4 && memcmp(b, "HARD", 4) == 0, "link-same-file",
	      "write through h, read through l");
	writ_close(fd);
	check(writ_unlink("/ft/l") == 0 && writ_stat("/ft/h", &st, 0) == 0 && st.nlink == 1 &&
	      st.size == 50, "link-survives-unlink", "nlink %lu", st.nlink);
	check(writ_link("/ft/h", "/ft/a") == -EEXIST && writ_link("/ft/r2", "/ft/r3") == -EPERM &&
	      writ_link("/ft/zz", "/ft/r3") == -ENOENT, "link-errors", "EEXIST/EPERM/ENOENT");

	check(writ_symlink("h", "/ft/s") == 0 && writ_readlink("/ft/s", b, sizeof(b)) == 1 &&
	      b[0] == 'h', "symlink-readlink", "body");
	check(type_of("/ft/s", 0) == IFREG && type_of("/ft/s", 1) == IFLNK, "symlink-stat",
	      "follow/nofollow");
	fd = writ_open("/ft/s", O_RDONLY, 0);
	check(fd >= 0 && writ_read(fd, b, 4) == 4 && memcmp(b, "HARD", 4) == 0, "symlink-open",
	      "fd %d", fd);
	writ_close(fd);
	check(writ_open("/ft/s", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP, "symlink-nofollow",
	      "not ELOOP");
	check(writ_readlink("/ft/h", b, sizeof(b)) == -EINVAL, "readlink-not-a-link", "not EINVAL");
	writ_symlink("a-longer-target", "/ft/s2");
	r = writ_readlink("/ft/s2", b, 3);
	check(r == 3 && memcmp(b, "a-l", 3) == 0, "readlink-truncates", "%ld", r);
	check(writ_symlink("/ft/nothere", "/ft/dl") == 0 &&
	      writ_open("/ft/dl", O_RDONLY, 0) == -ENOENT, "symlink-dangling", "not ENOENT");
	fd = writ_open("/ft/dl", O_CREAT | O_WRONLY, 0644);
	check(fd >= 0 && type_of("/ft/nothere", 1) == IFREG, "symlink-create-through",
	      "fd %d", fd);
	writ_close(fd);
	writ_symlink("/ft/l2", "/ft/l1");
	writ_symlink("l1", "/ft/l2");
	check(writ_open("/ft/l1", O_RDONLY, 0) == -ELOOP, "symlink-loop", "not ELOOP");
	check(writ_symlink("x", "/ft/h") == -EEXIST && writ_symlink("", "/ft/e") == -ENOENT,
	      "symlink-errors", "EEXIST/ENOENT");
	writ_symlink("../ft/r2", "/ft/sd");
	fd = writ_open("/ft/sd/y", O_RDONLY, 0);
	check(fd >= 0, "symlink-middle", "fd %d", fd);
	writ_close(fd);
}

/* Lists dir with buffers of `bufsz`; the entries' names counted by `want` prefix. */
static long
list_count(int dfd, size_t bufsz, const char *prefix, unsigned *seen, unsigned n_seen,
	   unsigned *dots)
{
	static uint64_t buf[4096 / 8];
	long total = 0;

	for (;;) {
		long r = writ_getdents(dfd, buf, bufsz);

		if (r <= 0)
			return r < 0 ? r : total;
		for (long off = 0; off < r;) {
			struct scheme_dirent *e = (struct scheme_dirent *)((char *)buf + off);
			size_t pl = strlen(prefix);

			if (e->reclen == 0 || e->reclen % 8)
				return -1000;
			if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
				(*dots)++;
			else if (strncmp(e->name, prefix, pl) == 0 && e->type == DT_REG_ && e->ino) {
				unsigned k = (unsigned)((e->name[pl] - '0') * 10 + e->name[pl + 1] - '0');

				if (k < n_seen)
					seen[k]++;
			}
			total++;
			off += e->reclen;
		}
	}
}

void
test_getdents(void)
{
	unsigned seen[40], dots;
	char path[32];
	long n;
	int dfd, fd;
	bool once;

	writ_mkdir("/ft/g", 0755);
	for (unsigned i = 0; i < 40; i++) {
		writ_snprintf(path, sizeof(path), "/ft/g/f%02u", i);
		put_file(path, i, i);
	}
	dfd = writ_open("/ft/g", O_RDONLY | O_DIRECTORY, 0);
	memset(seen, 0, sizeof(seen));
	dots = 0;
	n = list_count(dfd, 4096, "f", seen, 40, &dots);
	once = true;
	for (unsigned i = 0; i < 40; i++)
		once &= seen[i] == 1;
	check(n == 42 && once && dots == 2, "getdents", "%ld entries, dots %u", n, dots);
	check(writ_seek(dfd, 0, SEEK_SET) == 0, "getdents-rewind", "seek 0");
	memset(seen, 0, sizeof(seen));
	dots = 0;
	n = list_count(dfd, 40, "f", seen, 40, &dots);
	once = true;
	for (unsigned i = 0; i < 40; i++)
		once &= seen[i] == 1;
	check(n == 42 && once && dots == 2, "getdents-small-buffer", "%ld entries", n);
	writ_seek(dfd, 0, SEEK_SET);
	n = writ_getdents(dfd, path, 8);
	check(n == -EINVAL, "getdents-buffer-too-small", "%ld", n);
	fd = writ_open("/ft/g/f01", O_RDONLY, 0);
	n = writ_getdents(fd, path, sizeof(path));
	check(n == -ENOTDIR, "getdents-on-a-file", "%ld", n);
	writ_close(fd);
	writ_close(dfd);
}

void
test_names(void)
{
	static char p[1200];
	char name[300];
	struct scheme_stat st;
	size_t n;
	int fd;

	memset(name, 'n', 255);
	name[255] = 0;
	writ_snprintf(p, sizeof(p), "/ft/%s", name);
	fd = writ_open(p, O_CREAT | O_WRONLY, 0644);
	check(fd >= 0 && type_of(p, 0) == IFREG, "name-255", "fd %d", fd);
	writ_close(fd);
	name[255] = 'n';
	name[256] = 0;
	writ_snprintf(p, sizeof(p), "/ft/%s", name);
	check(writ_open(p, O_CREAT | O_WRONLY, 0644) == -ENAMETOOLONG &&
	      writ_mkdir(p, 0755) == -ENAMETOOLONG, "name-256", "not ENAMETOOLONG");
	check(put_file("/ft/\x01\xff:*?\\ \t", 6, 6) == 6 && file_is("/ft/\x01\xff:*?\\ \t", 6, 6),
	      "name-any-bytes", "control bytes, glob characters, invalid UTF-8");

	/* Four 200-byte directories: a path of 800+ bytes still fits a message. */
	memcpy(p, "/ft", 4);
	name[200] = 0;
	memset(name, 'd', 200);
	for (int i = 0; i < 4; i++) {
		n = strlen(p);
		p[n] = '/';
		memcpy(p + n + 1, name, 201);
		writ_mkdir(p, 0755);
	}
	append_str(p, "/f");
	n = strlen(p);
	check(n > 800 && put_file(p, 7, 7) == 7 && file_is(p, 7, 7), "long-path-inline",
	      "%lu bytes", n);
	/* Past SCHEME_INLINE - 1 bytes a path travels through the window (bulk.c has
	 * paths up to 4095 bytes). */
	memcpy(p, "/ft", 4);
	while (strlen(p) < SCHEME_INLINE)
		append_str(p, "/.");
	append_str(p, "/a");
	fd = writ_open(p, O_RDONLY, 0);
	check(fd >= 0 && writ_stat(p, &st, 0) == 0 && (st.mode & IFMT) == IFREG,
	      "long-path-window", "a %lu-byte path: %d", strlen(p), fd);
	writ_close(fd);
}

void
test_bad_input(void)
{
	writ_cptr_t pol = writ_scheme_cap("file");
	int fd = writ_open("/ft/a", O_RDWR, 0);
	writ_cptr_t fc = writ_fd_cap(fd);
	static char b[SCHEME_INLINE];
	long r;

	{
		writ_word_t a[3] = { O_RDONLY, 0, 2000 };

		r = writ_scheme_call(pol, SCHEME_OP_OPEN, a, 3, "/etc", 5, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-path-len-past-inline", "%ld", r);
		a[2] = 100;
		r = writ_scheme_call(pol, SCHEME_OP_OPEN, a, 3, "/etc", 5, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-path-len-past-message", "%ld", r);
		a[2] = 6;
		r = writ_scheme_call(pol, SCHEME_OP_OPEN, a, 3, "/e\0tc/", 7, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-path-nul-inside", "%ld", r);
		a[2] = 0;
		r = writ_scheme_call(pol, SCHEME_OP_OPEN, a, 3, "", 1, NULL, 0, NULL, 0);
		check(r == -ENOENT, "bad-path-empty", "%ld", r);
	}
	{
		writ_word_t a[2] = { 900, 0 };

		r = writ_scheme_call(fc, SCHEME_OP_WRITE, a, 1, "12345678", 8, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-write-len-past-message", "%ld", r);
		a[0] = 5000;
		r = writ_scheme_call(fc, SCHEME_OP_PWRITE, a, 2, b, sizeof(b), NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-write-len-past-inline", "%ld", r);
		a[0] = ~0ull;
		r = writ_scheme_call(fc, SCHEME_OP_PREAD, a, 2, NULL, 0, b, sizeof(b), NULL, 0);
		check(r >= 0 && r <= SCHEME_INLINE, "huge-read-len-clamped", "%ld", r);
	}
	{
		writ_word_t a[3] = { 0, ~0ull, 2 };

		r = writ_scheme_call(pol, SCHEME_OP_RENAME, a, 3, "a\0b", 4, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-two-path-lens", "%ld", r);
		a[1] = 1ull << 63;
		a[2] = 1ull << 63;
		r = writ_scheme_call(pol, SCHEME_OP_LINK, a, 3, "a\0b", 4, NULL, 0, NULL, 0);
		check(r == -EINVAL, "bad-two-path-lens-overflow", "%ld", r);
	}
	{
		writ_word_t a[1] = { 16 };

		r = writ_scheme_call(pol, SCHEME_OP_READ, a, 1, NULL, 0, b, 16, NULL, 0);
		check(r == -EBADF && writ_scheme_call(pol, SCHEME_OP_FSTAT, NULL, 0, NULL, 0, b,
						      sizeof(b), NULL, 0) == -EBADF &&
		      writ_scheme_call(pol, SCHEME_OP_GETDENTS, a, 1, NULL, 0, b, 16, NULL, 0) == -EBADF,
		      "read-on-a-policy", "%ld", r);
	}
	{
		writ_word_t a[3] = { O_RDONLY, 0, 1 };

		r = writ_scheme_call(fc, SCHEME_OP_OPEN, a, 3, "x", 2, NULL, 0, NULL, 0);
		check(r == -ENOTDIR, "open-on-a-file", "%ld", r);
		a[0] = 0755;
		r = writ_scheme_call(fc, SCHEME_OP_MKDIR, a, 2, "x", 2, NULL, 0, NULL, 0);
		check(r == -ENOTDIR, "mkdir-on-a-file", "%ld", r);
	}
	check(writ_scheme_call(pol, 99, NULL, 0, NULL, 0, NULL, 0, NULL, 0) == -ENOSYS &&
	      writ_scheme_call(fc, SCHEME_OP_RECV, NULL, 0, NULL, 0, NULL, 0, NULL, 0) == -ENOSYS,
	      "unknown-op", "not ENOSYS");
	check(file_stats("file", 77) == -EINVAL, "bad-stats-which", "not EINVAL");
	writ_close(fd);
	check(file_stats("file", 1) == 0, "bad-input-harmless", "the tree broke");
}

void
test_enospc(void)
{
	static char b[SCHEME_INLINE];
	struct scheme_stat st;
	char path[32];
	long total = 0, r = 0;
	unsigned dirs = 0;
	int fd;

	if (!writ_scheme_cap("tmp")) {
		check(false, "enospc", "no tmp: scheme");
		return;
	}
	check(writ_mkdir("tmp:/d", 0755) == 0 && put_file("tmp:/d/keep", 9, 100) == 100,
	      "enospc-setup", "tmp:/d/keep");
	/* Directories until the allocator runs dry: each failure leaves the tree whole. */
	for (dirs = 0; dirs < 20000; dirs++) {
		writ_snprintf(path, sizeof(path), "tmp:/m%u", dirs);
		if ((r = writ_mkdir(path, 0755)) != 0)
			break;
	}
	check(r == -ENOSPC && file_stats("tmp", 1) == 0, "enospc-mkdir",
	      "%u dirs, then %ld", dirs, r);
	for (unsigned i = 0; i < dirs; i++) {
		writ_snprintf(path, sizeof(path), "tmp:/m%u", i);
		writ_rmdir(path);
	}
	fd = writ_open("tmp:/big", O_CREAT | O_WRONLY, 0644);
	memset(b, 0xab, sizeof(b));
	while (fd >= 0 && total < (16l << 20)) {
		r = writ_write(fd, b, sizeof(b));
		if (r != (long)sizeof(b))
			break;
		total += r;
	}
	if (r > 0) {
		total += r;
		r = writ_write(fd, b, sizeof(b));
	}
	check(fd >= 0 && r == -ENOSPC && total > 100000, "enospc-write",
	      "%ld bytes, then %ld", total, r);
	check(file_stats("tmp", 1) == 0 && writ_fstat(fd, &st) == 0 && (long)st.size == total &&
	      file_is("tmp:/d/keep", 9, 100), "enospc-consistent", "size %lu of %ld", st.size,
	      total);
	check(writ_pread(fd, b, 16, total - 16) == -EBADF, "enospc-write-only", "pread");
	writ_close(fd);
	fd = writ_open("tmp:/big", O_RDONLY, 0);
	memset(b, 0, sizeof(b));
	check(writ_pread(fd, b, 16, total - 16) == 16 && (uint8_t)b[15] == 0xab,
	      "enospc-data-kept", "last bytes");
	writ_close(fd);
	check(writ_unlink("tmp:/big") == 0 && put_file("tmp:/d/after", 10, 8000) == 8000 &&
	      file_is("tmp:/d/after", 10, 8000) && writ_mkdir("tmp:/again", 0755) == 0 &&
	      file_stats("tmp", 1) == 0, "enospc-usable-after", "write after freeing");
}
