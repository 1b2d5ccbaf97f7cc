/* dirs: the working directory, relative paths, the *at calls with a directory fd,
 * symlinks, renames across directories, and the /dev files every program may open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/writ-diff-dirs"

static void
said(const char *what, long r)
{
	printf("%s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static void
cleanup(void)
{
	unlink(DIR_ "/x/moved.txt");
	unlink(DIR_ "/x/link");
	unlink(DIR_ "/y/at.txt");
	unlink(DIR_ "/y/f.txt");
	rmdir(DIR_ "/y/z");
	rmdir(DIR_ "/x");
	rmdir(DIR_ "/y");
	rmdir(DIR_);
}

int
main(void)
{
	char buf[128];
	struct stat st;
	long n;
	int fd, dfd;

	cleanup();
	said("mkdir", mkdir(DIR_, 0755));
	said("chdir", chdir(DIR_));
	printf("getcwd [%s]\n", getcwd(buf, sizeof(buf)));
	said("mkdir relative", mkdir("x", 0755));
	said("mkdir relative 2", mkdir("./y", 0755));
	said("chdir relative", chdir("x/../y"));
	printf("getcwd [%s]\n", getcwd(buf, sizeof(buf)));
	fd = open("f.txt", O_CREAT | O_WRONLY | O_EXCL, 0644);
	said("write relative", write(fd, "in y\n", 5));
	close(fd);
	said("open O_EXCL again", open("f.txt", O_CREAT | O_WRONLY | O_EXCL, 0644));
	said("chdir ..", chdir(".."));
	said("stat y/f.txt", stat("y/f.txt", &st));
	printf("size %ld\n", (long)st.st_size);

	dfd = open("y", O_RDONLY | O_DIRECTORY);
	printf("dirfd ok %d\n", dfd >= 0);
	fd = openat(dfd, "at.txt", O_CREAT | O_RDWR, 0600);
	said("write at", write(fd, "made with openat\n", 17));
	close(fd);
	said("fstatat", fstatat(dfd, "at.txt", &st, 0));
	printf("size %ld\n", (long)st.st_size);
	said("mkdirat", mkdirat(dfd, "z", 0755));
	said("unlinkat dir without AT_REMOVEDIR", unlinkat(dfd, "z", 0));
	said("unlinkat AT_REMOVEDIR", unlinkat(dfd, "z", AT_REMOVEDIR));
	said("renameat across", renameat(dfd, "f.txt", AT_FDCWD, "x/moved.txt"));
	close(dfd);
	fd = open("x/moved.txt", O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	printf("moved %ld [%.*s]\n", n, (int)(n > 0 ? n - 1 : 0), buf);
	close(fd);

	said("symlink", symlink("moved.txt", "x/link"));
	n = readlink("x/link", buf, sizeof(buf));
	printf("readlink %ld [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	said("lstat", lstat("x/link", &st));
	printf("a link %d\n", S_ISLNK(st.st_mode));
	said("stat through", stat("x/link", &st));
	printf("regular %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
	said("access W_OK", access("x/moved.txt", W_OK));
	said("access nothing", access("x/none", F_OK));

	fd = open("/dev/null", O_RDWR);
	said("write /dev/null", write(fd, "gone", 4));
	said("read /dev/null", read(fd, buf, sizeof(buf)));
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 7, 16);
	n = read(fd, buf, 16);
	printf("read /dev/zero %ld, zeros %d\n", n, memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	said("read /dev/urandom", read(fd, buf, 16));
	close(fd);
	said("chdir /", chdir("/"));
	cleanup();
	said("gone", access(DIR_, F_OK));
	return 0;
}
