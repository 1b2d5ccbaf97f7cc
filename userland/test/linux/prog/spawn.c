/* New processes as musl makes them: posix_spawn (clone with CLONE_VM | CLONE_VFORK,
 * then execve), vfork + execve, vfork + _exit, and waitpid's statuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--print-pid") == 0) {
		printf("%d %d\n", getpid(), getppid());
		return 3;
	}

	const char *hello = argc > 1 ? argv[1] : "/test/bin/lx-hello";
	char *a5[] = { (char *)hello, "5", NULL }, *a6[] = { (char *)hello, "6", NULL };
	int status = -1, p[2];
	pid_t pid, w;

	int r = posix_spawn(&pid, hello, NULL, NULL, a5, environ);
	w = r == 0 ? waitpid(pid, &status, 0) : -1;
	check(r == 0 && w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "linux/posix-spawn-wait", "r %d w %d status %x", r, w, status);

	r = posix_spawn(&pid, "/no/such/program", NULL, NULL, a5, environ);
	check(r == ENOENT, "linux/posix-spawn-enoent", "r %d", r);

	posix_spawn_file_actions_t fa;
	char buf[64] = "";
	ssize_t n = -1;
	r = pipe2(p, O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	r = r == 0 ? posix_spawn(&pid, hello, &fa, NULL, a6, environ) : -1;
	close(p[1]);
	if (r == 0) {
		n = read(p[0], buf, sizeof(buf) - 1);
		waitpid(pid, &status, 0);
	}
	close(p[0]);
	check(r == 0 && n == 16 && memcmp(buf, "hello, world 42\n", 16) == 0 &&
	      WEXITSTATUS(status) == 6, "linux/posix-spawn-dup2-pipe", "r %d n %zd", r, n);
	check(fcntl(1, F_GETFD) == 0 && write(1, "", 0) == 0 && fcntl(p[1], F_GETFD) < 0,
	      "linux/posix-spawn-parent-fds-kept", "errno %d", errno);

	/* addopen: the child opens a file itself between clone and execve, with the
	 * personality's frames on the few KiB of stack musl gives it. */
	unlink("/tmp/spawn-addopen");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/tmp/spawn-addopen",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	r = posix_spawn(&pid, hello, &fa, NULL, a6, environ);
	posix_spawn_file_actions_destroy(&fa);
	w = r == 0 ? waitpid(pid, &status, 0) : -1;
	int fd = open("/tmp/spawn-addopen", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	check(r == 0 && w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 6 && n == 16 &&
	      memcmp(buf, "hello, world 42\n", 16) == 0, "linux/posix-spawn-addopen",
	      "r %d w %d status %x n %zd", r, w, status, n);

	pid = vfork();
	if (pid == 0) {
		execve(hello, a6, environ);
		_exit(127);
	}
	w = pid > 0 ? waitpid(pid, &status, 0) : -1;
	check(pid > 0 && w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 6,
	      "linux/vfork-execve-wait", "pid %d w %d status %x", pid, w, status);

	pid = vfork();
	if (pid == 0)
		_exit(9);
	w = pid > 0 ? waitpid(pid, &status, 0) : -1;
	check(pid > 0 && w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 9,
	      "linux/vfork-exit-wait", "pid %d w %d status %x", pid, w, status);

	/* A child that closes, replaces and opens fds: the parent's table is as it was.
	 * The child runs on our memory, so what it opened is seen here. */
	static volatile int child_new = -1;
	int before0 = fcntl(0, F_GETFL), spare = open("/dev/null", O_RDONLY);
	close(spare);		/* the number the child's second open takes */
	pid = vfork();
	if (pid == 0) {
		close(2);
		dup2(open("/dev/zero", O_RDONLY), 0);	/* the open takes 2 */
		child_new = open("/dev/null", O_WRONLY);
		_exit(4);
	}
	w = pid > 0 ? waitpid(pid, &status, 0) : -1;
	check(pid > 0 && w == pid && WEXITSTATUS(status) == 4 && child_new == spare &&
	      fcntl(spare, F_GETFD) < 0 && fcntl(0, F_GETFL) == before0 && write(2, "", 0) == 0,
	      "linux/vfork-child-fd-changes-undone", "status %x child's fd %d (%d) flags %x/%x",
	      status, child_new, spare, fcntl(0, F_GETFL), before0);

	/* fork, then execve in the child: the program is that child, by its pid and its
	 * parent (and kill or waitpid with the pid fork gave reach it). */
	int q[2], got_pid = -1, got_ppid = -1;
	char line[64] = "";
	n = -1;
	if (pipe(q) == 0 && (pid = fork()) == 0) {
		char *av[] = { argv[0], "--print-pid", NULL };

		dup2(q[1], 1);
		execve(argv[0], av, environ);
		_exit(126);
	}
	close(q[1]);
	if (pid > 0)
		n = read(q[0], line, sizeof(line) - 1);
	close(q[0]);
	if (n > 0)
		sscanf(line, "%d %d", &got_pid, &got_ppid);
	w = pid > 0 ? waitpid(pid, &status, 0) : -1;
	check(pid > 0 && got_pid == pid && got_ppid == getpid() && w == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 3, "linux/execve-keeps-pid",
	      "fork %d printed %d %d (us %d) w %d status %x", pid, got_pid, got_ppid, getpid(), w,
	      status);

	check(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "linux/wait-echild",
	      "errno %d", errno);
	return failures != 0;
}
