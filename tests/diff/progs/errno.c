/* errno: bad calls get Linux's error numbers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW(call) do { errno = 0; long r_ = (long)(call); \
	printf("%-40s %ld %s\n", #call, r_, r_ < 0 ? strerrorname(errno) : "-"); } while (0)

static const char *
strerrorname(int e)
{
	switch (e) {
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EEXIST: return "EEXIST";
	case ESPIPE: return "ESPIPE";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTEMPTY: return "ENOTEMPTY";
	default: return strerror(e);
	}
}

int
main(void)
{
	char small[2], longname[5000];
	struct stat st;
	int fd = open("/etc/passwd", O_RDONLY);
	int p[2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	pipe(p);
	SHOW(close(-1));
	SHOW(read(999, small, 1));
	SHOW(open("", O_RDONLY));
	SHOW(open("/no/such/file", O_RDONLY));
	SHOW(open("/etc/passwd/x", O_RDONLY));
	SHOW(open("/etc/passwd", O_RDONLY | O_DIRECTORY));
	SHOW(open("/etc", O_WRONLY));
	SHOW(open(longname, O_RDONLY));
	SHOW(write(fd, "x", 1));
	SHOW(read(fd, NULL, 10));
	SHOW(lseek(p[0], 0, SEEK_SET));
	SHOW(lseek(fd, -1, SEEK_SET));
	SHOW(mkdir("/etc", 0755));
	SHOW(rmdir("/etc"));
	SHOW(chdir("/etc/passwd"));
	SHOW(chdir("/etc"));
	SHOW(getcwd(small, sizeof(small)) ? 0 : -1);
	SHOW(fstat(-5, &st));
	SHOW(unlink("/no/such/file"));
	SHOW(syscall(400));	/* no call at all: nothing but ENOSYS, on stderr neither */
	return 0;
}
