/* socketpair: AF_UNIX stream and datagram pairs, bytes both ways, and fds passed with
 * SCM_RIGHTS (the sender keeps its own). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
said(const char *what, long r)
{
	printf("%s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

/* Send len bytes of data with fd (or none: -1) as SCM_RIGHTS. */
static long
send_fd(int s, const char *data, size_t len, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec v = { (void *)data, len };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(ctl, 0, sizeof(ctl));
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(s, &m, 0);
}

/* Receive up to len bytes into buf; *fd: the fd that came, or -1. */
static long
recv_fd(int s, char *buf, size_t len, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec v = { buf, len };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	long n = recvmsg(s, &m, 0);

	*fd = -1;
	for (c = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

int
main(void)
{
	int sv[2], p[2], got, d[2];
	char buf[256];
	long n;

	signal(SIGPIPE, SIG_IGN);
	said("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	said("write", write(sv[0], "hello, other end", 16));
	n = read(sv[1], buf, 6);
	printf("read part %ld [%.*s]\n", n, (int)n, buf);
	n = read(sv[1], buf, sizeof(buf));
	printf("read rest %ld [%.*s]\n", n, (int)n, buf);
	said("write back", write(sv[1], "and back", 8));
	n = read(sv[0], buf, sizeof(buf));
	printf("read back %ld [%.*s]\n", n, (int)n, buf);

	pipe(p);
	said("sendmsg with a pipe's read end", send_fd(sv[0], "pipe", 4, p[0]));
	n = recv_fd(sv[1], buf, 4, &got);
	printf("recvmsg %ld [%.*s] got an fd: %d, not the same number's file: %d\n", n, (int)n,
	       buf, got >= 0, got != p[0] || got < 0);
	said("the sender's own end still reads? write", write(p[1], "through", 7));
	n = read(got, buf, sizeof(buf));
	printf("read through the passed fd %ld [%.*s]\n", n, (int)n, buf);
	said("write", write(p[1], "again", 5));
	n = read(p[0], buf, sizeof(buf));
	printf("read through the sender's own %ld [%.*s]\n", n, (int)n, buf);
	close(got);
	said("sendmsg without fds", send_fd(sv[1], "none", 4, -1));
	n = recv_fd(sv[0], buf, sizeof(buf), &got);
	printf("recvmsg %ld [%.*s] fd %d\n", n, (int)n, buf, got);
	said("sendmsg with a bad fd", send_fd(sv[0], "bad", 3, 99));
	said("sendmsg on a pipe", send_fd(p[1], "x", 1, -1));

	said("dgram socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
	said("send one", write(d[0], "one", 3));
	said("send two", write(d[0], "second", 6));
	n = read(d[1], buf, sizeof(buf));
	printf("datagram %ld [%.*s]\n", n, (int)n, buf);
	n = read(d[1], buf, 3);
	printf("datagram cut %ld [%.*s]\n", n, (int)n, buf);

	said("non-blocking socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, d));
	said("empty non-blocking read", read(d[0], buf, sizeof(buf)));
	said("write", write(d[1], "now", 3));
	said("read", read(d[0], buf, sizeof(buf)));
	close(d[0]);
	close(d[1]);

	close(sv[1]);
	said("read after the peer closed", read(sv[0], buf, sizeof(buf)));
	said("write after the peer closed", write(sv[0], "x", 1));
	said("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	return 0;
}
