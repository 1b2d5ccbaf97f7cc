/* files: files and directories under /tmp, made, read, listed and removed again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_ "/tmp/writ-diff-files"

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list(const char *path)
{
	char *names[32];
	int n = 0;
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d) {
		printf("opendir %s: %s\n", path, strerror(errno));
		return;
	}
	while ((e = readdir(d)) && n < 32)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", path);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

/* The call's result, and errno's text when it failed (read after the call, which an
 * argument list of printf would not promise). */
static void
said(const char *what, long r)
{
	printf("%s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static void
cleanup(void)
{
	unlink(DIR_ "/sub/c.txt");
	rmdir(DIR_ "/sub");
	unlink(DIR_ "/a.txt");
	unlink(DIR_ "/b.txt");
	rmdir(DIR_);
}

int
main(void)
{
	char buf[64] = { 0 };
	struct stat st;
	int fd;

	cleanup();
	said("mkdir", mkdir(DIR_, 0755));
	said("mkdir again", mkdir(DIR_, 0755));
	fd = open(DIR_ "/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	printf("write %zd\n", write(fd, "hello, files\n", 13));
	printf("lseek %ld\n", (long)lseek(fd, 7, SEEK_SET));
	said("read", read(fd, buf, sizeof(buf) - 1));
	printf("[%s]\n", buf);
	said("pwrite", pwrite(fd, "F", 1, 7));
	said("pread", pread(fd, buf, 5, 7));
	buf[5] = 0;
	printf("now [%s]\n", buf);
	printf("ftruncate %d\n", ftruncate(fd, 5));
	fstat(fd, &st);
	printf("fstat size %ld regular %d mode %o\n", (long)st.st_size, S_ISREG(st.st_mode),
	       st.st_mode & 0777);
	close(fd);
	printf("rename %d\n", rename(DIR_ "/a.txt", DIR_ "/b.txt"));
	said("stat old", stat(DIR_ "/a.txt", &st));
	printf("mkdir sub %d\n", mkdir(DIR_ "/sub", 0700));
	fd = open(DIR_ "/sub/c.txt", O_CREAT | O_WRONLY, 0600);
	close(fd);
	list(DIR_);
	list(DIR_ "/sub");
	said("rmdir non-empty", rmdir(DIR_ "/sub"));
	said("stat dir", stat(DIR_ "/sub", &st));
	printf("a directory: %d\n", S_ISDIR(st.st_mode));
	cleanup();
	said("gone", access(DIR_, F_OK));
	return 0;
}
