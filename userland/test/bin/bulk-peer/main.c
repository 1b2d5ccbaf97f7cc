/*
 * Shares a window with file: (a 64 KiB read of argv[2]) and ends without closing
 * anything: `exit` returns, `fault` writes through a null pointer. The file tests
 * check that the server's records and windows are back where they were.
 */
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/writ.h>

int
main(int argc, char **argv)
{
	static char b[65536];
	int fd;

	if (argc < 3 || (fd = writ_open(argv[2], O_RDONLY, 0)) < 0)
		return 2;
	if (writ_read(fd, b, sizeof(b)) != (long)sizeof(b))
		return 3;
	if (strcmp(argv[1], "fault") == 0)
		*(volatile int *)0 = 1;
	return 0;
}
