/* pipes: a pipe within one process, its ends' errors, non-blocking reads. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
said(const char *what, long r)
{
	printf("%s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int
main(void)
{
	int p[2];
	char buf[4096];
	ssize_t n;
	long total = 0;

	signal(SIGPIPE, SIG_IGN);
	printf("pipe %d\n", pipe(p));
	printf("write %zd\n", write(p[1], "through the pipe", 16));
	n = read(p[0], buf, sizeof(buf));
	printf("read %zd [%.*s]\n", n, (int)n, buf);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	said("empty non-blocking read", read(p[0], buf, 1));
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		total += n;
	said("filled a pipe, the last write", n);
	printf("held at least 4 KiB: %d\n", total >= 4096);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total -= n;
	printf("drained: %ld\n", total);
	close(p[1]);
	printf("read after writer closed %zd\n", read(p[0], buf, 1));
	close(p[0]);
	printf("pipe2 %d\n", pipe2(p, O_CLOEXEC));
	printf("cloexec %d\n", (fcntl(p[0], F_GETFD) & FD_CLOEXEC) != 0);
	close(p[0]);
	said("write with no reader", write(p[1], "x", 1));
	said("lseek on a pipe", lseek(p[1], 0, SEEK_SET));
	return 0;
}
