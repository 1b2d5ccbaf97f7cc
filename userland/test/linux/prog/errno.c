/* The errors Linux gives, with its errno values: missing files, bad fds, bad pointers
 * (EFAULT, never a crash), calls nobody serves (ENOSYS). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define BAD ((void *)0x10)              /* never mapped */
#define KERNEL ((void *)0xffff800000001000ull)

/* syscall() but the raw result: -errno, as the kernel answers. */
static long
raw(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

int
main(void)
{
	struct stat st;

	check(open("/no/such/file", O_RDONLY) < 0 && errno == ENOENT, "linux/errno-enoent",
	      "errno %d", errno);
	check(close(999) < 0 && errno == EBADF, "linux/errno-ebadf-close", "errno %d", errno);
	check(read(77, &st, 1) < 0 && errno == EBADF, "linux/errno-ebadf-read", "errno %d", errno);
	check(raw(SYS_write, 1, (long)BAD, 10) == -EFAULT &&
	      raw(SYS_write, 1, (long)KERNEL, 10) == -EFAULT, "linux/errno-efault-write",
	      "%ld", raw(SYS_write, 1, (long)BAD, 10));
	int p[2];
	long r = pipe(p) == 0 && write(p[1], "data", 4) == 4 ? raw(SYS_read, p[0], (long)BAD, 4) : 0;
	check(r == -EFAULT, "linux/errno-efault-read", "%ld", r);
	/* Inside one segment without the right (code), and across the stack's top (its
	 * top page holds the program's name) into nothing. */
	char *top = (char *)(((unsigned long)getauxval(AT_EXECFN) | 4095) + 1);
	long in_code = write(p[1], "data", 4) == 4 ? raw(SYS_read, p[0], (long)main, 4) : 0;
	long past_top = write(p[1], "data", 4) == 4 ? raw(SYS_read, p[0], (long)(top - 2), 4) : 0;
	check(in_code == -EFAULT && past_top == -EFAULT && raw(SYS_read, p[0], (long)(top - 4), 4) == 4,
	      "linux/errno-efault-segment-edges", "code %ld past the stack %ld", in_code, past_top);
	check(raw(SYS_open, (long)BAD, O_RDONLY, 0) == -EFAULT &&
	      raw(SYS_stat, (long)"/", (long)KERNEL, 0) == -EFAULT &&
	      raw(SYS_clock_gettime, CLOCK_MONOTONIC, (long)BAD, 0) == -EFAULT &&
	      raw(SYS_uname, (long)KERNEL, 0, 0) == -EFAULT && raw(SYS_pipe, (long)BAD, 0, 0) == -EFAULT,
	      "linux/errno-efault-pointers", "open %ld", raw(SYS_open, (long)BAD, 0, 0));
	/* A path that runs into the end of user memory. */
	check(raw(SYS_open, (long)KERNEL - 4096 - 3, O_RDONLY, 0) == -EFAULT,
	      "linux/errno-efault-path-edge", "%ld", raw(SYS_open, (long)KERNEL - 4096 - 3, 0, 0));
	check(raw(400, 1, 2, 3) == -ENOSYS && raw(400, 1, 2, 3) == -ENOSYS &&
	      syscall(401) < 0 && errno == ENOSYS, "linux/errno-enosys", "%ld", raw(400, 1, 2, 3));
	check(mkdir("/", 0755) < 0 && errno == EEXIST, "linux/errno-eexist", "errno %d", errno);
	check(lseek(0, 0, 7) < 0 && errno == EINVAL, "linux/errno-einval-whence", "errno %d", errno);
	check(stat("", &st) < 0 && errno == ENOENT, "linux/errno-empty-path", "errno %d", errno);
	check(dup3(1, 1, 0) < 0 && errno == EINVAL, "linux/errno-dup3-same", "errno %d", errno);
	char small[1];
	check(getcwd(small, sizeof(small)) == NULL && errno == ERANGE, "linux/errno-getcwd-erange",
	      "errno %d", errno);
	check(write(1, "", 0) == 0, "linux/errno-still-works", "errno %d", errno);
	return failures != 0;
}
