/*
 * sandbox-cable, written against POSIX calls: the parent starts itself with
 * posix_spawn, handing it one end of a socketpair as fd 0; the child gives up every
 * other capability with the one Writ call POSIX has no word for (wcap_enter, like
 * Capsicum's cap_enter), then receives an fd the parent opened for it with recvmsg's
 * SCM_RIGHTS, reads the file, fails to open anything itself (ENOENT) and answers with
 * send. Exit status 0 when all went so.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <writ/cap.h>

static int
recv_fd(int sock, char *data, size_t len, int *fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(sock, &m, 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	if (n < 0 || !c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return (int)n;
}

static int
send_fd(int sock, const char *data, int fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) < 0 ? -1 : 0;
}

static int
child(void)
{
	const int keep[] = { 0 };
	char data[64], text[128], report[200];
	int fd = -1, own, n;
	long m;

	if (wcap_enter(keep, 1) != 0)
		return 1;
	if ((n = recv_fd(0, data, sizeof(data) - 1, &fd)) < 0)
		return 1;
	data[n] = 0;
	m = read(fd, text, sizeof(text) - 1);
	own = open("/home/yoric/notes.md", O_RDONLY);
	n = snprintf(report, sizeof(report), "child: got \"%s\" and an fd, read %ld bytes; own open -> %s",
		     data, m, own < 0 ? strerror(errno) : "opened");
	send(0, report, (size_t)n, 0);
	return m > 0 && own < 0 && errno == ENOENT ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char *cargv[] = { argv[0], "child", NULL }, report[200];
	posix_spawn_file_actions_t fa;
	int sv[2], fd, st = -1;
	pid_t pid;
	ssize_t n;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		return 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, cargv, NULL) != 0)
		return 1;
	close(sv[1]);
	printf("sandbox-cable-posix: started the child with one socket as fd 0\n");
	fd = open("/home/yoric/notes.md", O_RDONLY);
	if (fd < 0 || send_fd(sv[0], "notes", fd) != 0)
		return 1;
	close(fd);
	printf("sandbox-cable-posix: sent it notes.md's fd with sendmsg(SCM_RIGHTS)\n");
	n = recv(sv[0], report, sizeof(report) - 1, 0);
	report[n > 0 ? n : 0] = 0;
	printf("sandbox-cable-posix: %s\n", report);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
