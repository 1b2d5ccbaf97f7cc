/* Files and directories through libc: fopen, fread, fwrite, opendir, readdir, stat,
 * rename, unlink, and the fd calls under them. Works in a fresh directory of its own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define DIR_NAME "lx-files-test"

int
main(void)
{
	char base[512], cwd[512];
	struct stat st;
	FILE *f;

	/* A directory of our own under /tmp if there is one, else the root. */
	snprintf(base, sizeof(base), "%s/" DIR_NAME, access("/tmp", F_OK) == 0 ? "/tmp" : "");
	check(mkdir(base, 0755) == 0, "linux/files-mkdir", "errno %d", errno);
	check(chdir(base) == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, base) == 0,
	      "linux/files-chdir-getcwd", "cwd '%s' errno %d", cwd, errno);

	f = fopen("a.txt", "w");
	check(f && fprintf(f, "line one\nline two\n") == 18 && fclose(f) == 0,
	      "linux/files-fopen-write", "errno %d", errno);
	check(stat("a.txt", &st) == 0 && st.st_size == 18 && S_ISREG(st.st_mode),
	      "linux/files-stat", "size %lld mode %o", (long long)st.st_size, st.st_mode);

	/* Paths that need resolving and one that does not: the same file. */
	char odd[3][600];
	struct stat o[3];
	snprintf(odd[0], sizeof(odd[0]), "%s//a.txt", base);
	snprintf(odd[1], sizeof(odd[1]), "/./%s/./a.txt", base + 1);
	snprintf(odd[2], sizeof(odd[2]), "%s/../" DIR_NAME "/.//a.txt", base);
	check(stat(odd[0], &o[0]) == 0 && stat(odd[1], &o[1]) == 0 && stat(odd[2], &o[2]) == 0 &&
	      o[0].st_ino == st.st_ino && o[1].st_ino == st.st_ino && o[2].st_ino == st.st_ino &&
	      stat("/.", &o[0]) == 0 && S_ISDIR(o[0].st_mode), "linux/files-path-forms",
	      "errno %d", errno);

	char line[64] = "";
	f = fopen(DIR_NAME "/../" DIR_NAME "/a.txt", "r");
	f = f ? f : fopen("a.txt", "r");
	check(f && fgets(line, sizeof(line), f) && strcmp(line, "line one\n") == 0 &&
	      fgets(line, sizeof(line), f) && strcmp(line, "line two\n") == 0 &&
	      !fgets(line, sizeof(line), f) && feof(f), "linux/files-fopen-read", "'%s'", line);
	if (f)
		fclose(f);

	int fd = open("a.txt", O_RDWR | O_APPEND);
	check(fd >= 0 && write(fd, "three\n", 6) == 6 && lseek(fd, 0, SEEK_END) == 24 &&
	      pread(fd, line, 5, 5) == 5 && memcmp(line, "one\nl", 5) == 0,
	      "linux/files-append-lseek-pread", "fd %d errno %d", fd, errno);
	check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR && (fcntl(fd, F_GETFL) & O_APPEND) &&
	      fcntl(fd, F_GETFD) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 &&
	      fcntl(fd, F_GETFD) == FD_CLOEXEC, "linux/files-fcntl", "errno %d", errno);
	int fd2 = dup(fd);
	check(fd2 > fd && lseek(fd2, 0, SEEK_CUR) == lseek(fd, 0, SEEK_CUR) &&
	      dup2(fd, 20) == 20 && fcntl(20, F_GETFD) == 0 && close(20) == 0,
	      "linux/files-dup", "fd2 %d errno %d", fd2, errno);
	struct stat st2;
	check(fstat(fd, &st2) == 0 && st2.st_size == 24 && st2.st_ino == st.st_ino,
	      "linux/files-fstat", "size %lld", (long long)st2.st_size);
	close(fd2);
	close(fd);

	check(rename("a.txt", "b.txt") == 0 && stat("a.txt", &st) < 0 && errno == ENOENT &&
	      stat("b.txt", &st) == 0, "linux/files-rename", "errno %d", errno);
	check(mkdir("sub", 0755) == 0 && symlink("b.txt", "lnk") == 0 &&
	      readlink("lnk", line, sizeof(line)) == 5 && memcmp(line, "b.txt", 5) == 0,
	      "linux/files-symlink-readlink", "errno %d", errno);

	DIR *d = opendir(".");
	int seen = 0, entries = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		entries++;
		seen |= strcmp(e->d_name, "b.txt") == 0 ? 1 : strcmp(e->d_name, "sub") == 0 ? 2
			: strcmp(e->d_name, "lnk") == 0 ? 4 : 0;
	}
	check(d && seen == 7, "linux/files-readdir", "seen %d of %d entries", seen, entries);
	if (d)
		closedir(d);

	int p[2];
	char pb[8] = "";
	check(pipe(p) == 0 && write(p[1], "pipe", 4) == 4 && read(p[0], pb, 8) == 4 &&
	      memcmp(pb, "pipe", 4) == 0 && close(p[1]) == 0 && read(p[0], pb, 8) == 0,
	      "linux/files-pipe", "errno %d", errno);
	close(p[0]);

	/* Owners, modes and times are accepted for a file that exists, and refused as
	 * Linux does otherwise: `touch` creates a file only when utimensat says ENOENT. */
	struct timespec ts[2] = { { 0, 0 }, { 0, 1000000000 } };
	int e1, e2, e3, e4, e5;
	e1 = utimensat(AT_FDCWD, "no-such", NULL, 0) < 0 ? errno : 0;
	e2 = chmod("no-such", 0600) < 0 ? errno : 0;
	e3 = chown("sub/no-such", 0, 0) < 0 ? errno : 0;
	e4 = fchmod(999, 0600) < 0 ? errno : 0;
	e5 = utimensat(AT_FDCWD, "b.txt", ts, 0) < 0 ? errno : 0;
	check(e1 == ENOENT && e2 == ENOENT && e3 == ENOENT && e4 == EBADF && e5 == EINVAL &&
	      utimensat(AT_FDCWD, "b.txt", NULL, 0) == 0 && chmod("b.txt", 0600) == 0 &&
	      lchown("lnk", 0, 0) == 0 && fchownat(AT_FDCWD, "sub", 0, 0, 0) == 0,
	      "linux/files-attrs-need-the-file", "errno %d %d %d %d %d", e1, e2, e3, e4, e5);

	check(unlink("lnk") == 0 && unlink("b.txt") == 0 && rmdir("sub") == 0 &&
	      chdir("..") == 0 && rmdir(base) == 0 && stat(base, &st) < 0 && errno == ENOENT,
	      "linux/files-unlink-rmdir", "errno %d", errno);
	check(!isatty(1) && isatty(-1) == 0, "linux/files-isatty-pipe", "errno %d", errno);
	return failures != 0;
}
