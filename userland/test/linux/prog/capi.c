/* <writ/cap.h> from an ordinary musl program (lib/wcap): every call, with the POSIX
 * calls on the same fds, bad pointers and junk numbers, and the sandbox calls in
 * children of our own; then the reference's examples, found beside this program
 * (the exec test `capi` adds them all as /wcap: tests/vm/exec_tests.py), each of
 * which must end with 0 and say nothing "unexpected". */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <writ/cap.h>
#include <stdlib.h>

#include "check.h"

/* Never mapped; opaque, so the compiler does not refuse the calls that pass it. */
static void *volatile bad_ptr = (void *)0x10;
#define BAD bad_ptr

static char *self;

static int
kind_of(int fd)
{
	struct wcap_info w[64];
	int n = wcap_list(w, 64);

	for (int i = 0; i < n && i < 64; i++)
		if (w[i].fd == fd)
			return w[i].kind;
	return 0;
}

static int
readable_via(int policy, const char *path)
{
	char b[8];
	int fd = openat(policy, path, O_RDONLY);
	int ok = fd >= 0 && read(fd, b, sizeof(b)) > 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static int
run_self(const char *mode)
{
	char *argv[] = { self, (char *)mode, NULL };
	pid_t pid;
	int st = -1;

	if (posix_spawn(&pid, self, NULL, NULL, argv, NULL) != 0)
		return -1;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* After wcap_enter keeping one policy: only it works; bit i of the status: check i failed. */
static int
child_enter(void)
{
	int p = open("policy:file:/home/yoric/*.txt:r", O_RDONLY), bad = 0, k[1] = { p };
	struct wcap_info w[8];
	char *argv[] = { self, NULL };
	pid_t pid;

	bad |= (wcap_enter(k, 1) != 0) << 0;
	bad |= !(open("/home/yoric/readme.txt", O_RDONLY) < 0 && errno == ENOENT) << 1;
	bad |= !readable_via(p, "home/yoric/readme.txt") << 2;
	bad |= (wcap_list(w, 8) != 1 || w[0].fd != p) << 3;
	bad |= !(open("pipe:", O_RDONLY) < 0) << 4;
	bad |= (posix_spawn(&pid, self, NULL, NULL, argv, NULL) == 0) << 5;
	bad |= !(wcap_weaken(WCAP_NS, "file:/**:r") < 0 && errno == ENOENT) << 6;
	return bad;
}

/* Started by wcap_spawn with exactly file: = readme.txt:r and fd 1. */
static int
child_spawned(void)
{
	struct wcap_info w[8];
	int n = wcap_list(w, 8), bad = 0;

	bad |= !(n == 2 && w[0].kind == WCAP_KIND_NS && strcmp(w[0].scheme, "file") == 0 &&
		 w[1].fd == 1) << 0;
	bad |= !(open("/home/yoric/readme.txt", O_RDONLY) >= 0) << 1;
	bad |= !(open("/home/yoric/notes.md", O_RDONLY) < 0 && errno == ENOENT) << 2;
	bad |= !(open("pipe:", O_RDONLY) < 0) << 3;
	return bad;
}

static void
test_policies(void)
{
	int txt = wcap_weaken(WCAP_NS, "file:/home/yoric/*.txt:r"), readme, d, r;
	struct wcap_info w[64];
	int n = wcap_list(w, 64), found = 0;

	check(txt >= 0, "capi/weaken-namespace", "errno %d", errno);
	for (int i = 0; i < n && i < 64; i++)
		found |= w[i].fd == txt && w[i].kind == WCAP_KIND_POLICY &&
			 strcmp(w[i].what, "file:/home/yoric/*.txt:r") == 0 &&
			 strcmp(w[i].scheme, "file") == 0;
	check(found && n >= 4 && w[0].kind == WCAP_KIND_NS, "capi/list",
	      "%d entries, policy found %d", n, found);
	readme = wcap_weaken(txt, "file:/home/yoric/readme.txt:r");
	r = wcap_open(readme, "home/yoric/readme.txt", O_RDONLY, 0);
	check(readme >= 0 && readable_via(readme, "/home/yoric/readme.txt") &&
	      readable_via(readme, "home/yoric/readme.txt") && r >= 0,
	      "capi/open-through-policy", "errno %d", errno);
	close(r);
	r = openat(readme, "home/yoric/notes.md", O_RDONLY);
	check(r < 0 && errno == ENOENT, "capi/open-outside-enoent", "%d errno %d", r, errno);
	r = wcap_open(readme, "home/yoric/readme.txt", O_RDWR, 0);
	check(r < 0 && errno == EACCES, "capi/open-rights-eacces", "%d errno %d", r, errno);
	r = wcap_weaken(readme, "file:/home/yoric/*:r");
	check(r < 0 && errno == EPERM, "capi/widen-eperm", "%d errno %d", r, errno);
	r = wcap_weaken(txt, "file:/home/[:r");
	check(r < 0 && errno == EINVAL, "capi/malformed-einval", "%d errno %d", r, errno);
	r = wcap_weaken(WCAP_NS, "nosuch:/x:r");
	check(r < 0 && errno == ENOENT, "capi/unknown-scheme-enoent", "%d errno %d", r, errno);
	r = wcap_weaken(1, "file:/x:r");
	check(r < 0 && errno == EBADF, "capi/not-a-policy-ebadf", "%d errno %d", r, errno);
	/* A dup of a policy is the policy; a policy from open("policy:...") as well. */
	d = dup(readme);
	check(d >= 0 && kind_of(d) == WCAP_KIND_POLICY && readable_via(d, "home/yoric/readme.txt"),
	      "capi/dup-policy", "fd %d kind %d", d, kind_of(d));
	r = open("policy:file:/home/**:r", O_RDONLY);
	check(r >= 0 && kind_of(r) == WCAP_KIND_POLICY && readable_via(r, "/home/yoric/notes.md"),
	      "capi/open-policy-text", "%d errno %d", r, errno);
	close(r);
	/* Revoke: every policy derived, every fd opened through them. */
	r = openat(readme, "home/yoric/readme.txt", O_RDONLY);
	long freed = wcap_revoke(txt);
	char b[4];
	check(freed >= 2 && !readable_via(d, "home/yoric/readme.txt") && read(r, b, 4) < 0,
	      "capi/revoke-policy", "freed %ld", freed);
	close(r);
	r = wcap_revoke(1 << 20);
	check(r < 0 && errno == EBADF, "capi/revoke-ebadf", "%d errno %d", r, errno);
	close(d);
	close(readme);
	close(txt);
}

static void
test_fds(void)
{
	int fd = open("/tmp/capi.txt", O_CREAT | O_RDWR | O_TRUNC, 0644), ro, p[2], w = -1;
	char b[8];

	check(fd >= 0 && write(fd, "abc", 3) == 3 && lseek(fd, 0, SEEK_SET) == 0,
	      "capi/posix-open", "errno %d", errno);
	ro = wcap_weaken_fd(fd, O_RDONLY);
	check(ro >= 0 && read(ro, b, 3) == 3 && write(ro, "x", 1) < 0 && kind_of(ro) == WCAP_KIND_FILE,
	      "capi/weaken-posix-fd", "fd %d errno %d", ro, errno);
	check(wcap_weaken_fd(ro, O_RDWR) < 0 && errno == EPERM, "capi/weaken-fd-more-eperm",
	      "errno %d", errno);
	check(wcap_weaken_fd(fd, 7) < 0 && errno == EINVAL, "capi/weaken-fd-bad-mode", "errno %d", errno);
	close(ro);
	close(fd);
	check(pipe(p) == 0 && (w = wcap_weaken_fd(p[1], O_WRONLY)) >= 0 && write(w, "x", 1) == 1 &&
	      wcap_revoke(w) >= 0 && write(w, "y", 1) < 0 && write(p[1], "z", 1) == 1,
	      "capi/revoke-pipe-fd", "errno %d", errno);
	close(w);	/* revoked: its capability is gone, its number stays until closed */
	close(p[0]);
	close(p[1]);
}

static void
test_cable(void)
{
	int c[2], pol = wcap_weaken(WCAP_NS, "file:/home/yoric/*.txt:r"), got[3], s[2];
	unsigned n = 3;
	uint64_t key = 0;
	char b[16];
	long r;

	check(wcap_cable(c) == 0 && wcap_send(c[0], 42, "hi", 2, &pol, 1) == 2 &&
	      wcap_recv(c[1], &key, b, sizeof(b), got, &n) == 2 && key == 42 && n == 1 &&
	      kind_of(got[0]) == WCAP_KIND_POLICY && readable_via(got[0], "home/yoric/readme.txt") &&
	      readable_via(pol, "home/yoric/readme.txt"), "capi/cable-send-policy",
	      "n %u key %lu errno %d", n, (unsigned long)key, errno);
	/* The same cable with sendmsg's SCM_RIGHTS: a socketpair end is a cable end. */
	{
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
		struct iovec iov = { "p", 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pol, sizeof(int));
		n = 3;
		check(sendmsg(c[0], &m, 0) == 1 && wcap_recv(c[1], &key, b, sizeof(b), got, &n) == 1 &&
		      n == 1 && readable_via(got[0], "home/yoric/readme.txt"),
		      "capi/sendmsg-policy-recv", "n %u errno %d", n, errno);
	}
	check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0 && wcap_send(s[0], 7, "k", 1, &pol, 1) == 1,
	      "capi/socketpair-is-cable", "errno %d", errno);
	/* Bad input: errors, never a crash. */
	n = 3;
	r = wcap_send(c[0], 1, BAD, 4, NULL, 0);
	check(r < 0 && errno == EFAULT, "capi/send-bad-data", "%ld errno %d", r, errno);
	r = wcap_send(c[0], 1, "x", 1, BAD, 1);
	check(r < 0 && errno == EFAULT, "capi/send-bad-fds", "%ld errno %d", r, errno);
	r = wcap_send(c[0], 1, "x", 1, got, 4);
	check(r < 0 && errno == EINVAL, "capi/send-too-many-fds", "%ld errno %d", r, errno);
	r = wcap_send(c[0], 1, "x", WCAP_CABLE_DATA + 1, NULL, 0);
	check(r < 0 && errno == EINVAL, "capi/send-too-long", "%ld errno %d", r, errno);
	r = wcap_recv(c[1], BAD, b, sizeof(b), got, &n);
	check(r < 0 && errno == EFAULT, "capi/recv-bad-key", "%ld errno %d", r, errno);
	r = wcap_recv(c[1], &key, b, sizeof(b), got, BAD);
	check(r < 0 && errno == EFAULT, "capi/recv-bad-nfds", "%ld errno %d", r, errno);
	close(got[0]);
	close(c[0]);
	close(c[1]);
	close(s[0]);
	close(s[1]);
	close(pol);
}

static void
test_sandbox(void)
{
	int readme = wcap_weaken(WCAP_NS, "file:/home/yoric/readme.txt:r"), st = -1, r;
	struct wcap_grant g[1] = { { "file", readme } };
	int fds[2] = { -1, 1 };
	char *argv[] = { self, "spawned", NULL };
	pid_t pid = wcap_spawn(self, argv, g, 1, fds, 2);

	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "capi/spawn-exact", "pid %d errno %d status %x", pid, errno, st);
	r = wcap_spawn(self, argv, (const struct wcap_grant *)BAD, 1, fds, 2);
	check(r < 0 && errno == EFAULT, "capi/spawn-bad-grants", "%d errno %d", r, errno);
	r = wcap_spawn(self, (char *const *)BAD, g, 1, fds, 2);
	check(r < 0 && errno == EFAULT, "capi/spawn-bad-argv", "%d errno %d", r, errno);
	g[0].policy = 1;
	r = wcap_spawn(self, argv, g, 1, fds, 2);
	check(r < 0 && errno == EBADF, "capi/spawn-not-a-policy", "%d errno %d", r, errno);
	r = run_self("enter");
	check(r == 0, "capi/enter", "child status %d (bits: failed checks)", r);
	close(readme);
}

static void
test_junk(void)
{
	const long junk = 0x4141414141414141l;
	int odd = -1;

	check(wcap_list(BAD, 4) < 0 && errno == EFAULT, "capi/list-bad-pointer", "errno %d", errno);
	check(wcap_weaken(WCAP_NS, BAD) < 0 && errno == EFAULT, "capi/weaken-bad-text", "errno %d", errno);
	check(wcap_enter(BAD, 1) < 0 && errno == EFAULT, "capi/enter-bad-keep", "errno %d", errno);
	/* Junk in every argument of every Writ number (but enter, which would end us). */
	for (long nr = WCAP_SYS_BASE - 2; nr <= WCAP_SYS_LAST + 4; nr++) {
		long r;

		if (nr == WCAP_SYS_ENTER || nr == WCAP_SYS_RECV)
			continue;
		r = syscall(nr, junk, junk, junk, junk, junk, junk);
		if (r >= 0 && nr != WCAP_SYS_NULL && odd < 0)
			odd = (int)nr;
	}
	check(odd < 0, "capi/junk-arguments", "call %#x succeeded on junk", odd);
}

/* Run the example beside us with its stdout into a pipe: its status, its output. */
static int
run_example(const char *name, char *out, size_t n)
{
	char path[256], *argv[] = { path, NULL }, *slash = strrchr(self, '/');
	posix_spawn_file_actions_t fa;
	size_t got = 0;
	int p[2], st = -1;
	pid_t pid;
	ssize_t k;

	snprintf(path, sizeof(path), "%.*s/%s", slash ? (int)(slash - self) : 1, slash ? self : ".",
		 name);
	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (posix_spawn(&pid, path, &fa, NULL, argv, NULL) != 0)
		return -1;
	close(p[1]);
	while (got + 1 < n && (k = read(p[0], out + got, n - 1 - got)) > 0)
		got += (size_t)k;
	out[got] = 0;
	close(p[0]);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_examples(void)
{
	static const char *const names[] = { "readme-only", "readme-only-posix",
					     "sandbox-cable", "sandbox-cable-posix" };
	static char out[4096];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char check_name[64];
		int s = run_example(names[i], out, sizeof(out));

		snprintf(check_name, sizeof(check_name), "capi/example-%s", names[i]);
		check(s == 0 && !strstr(out, "unexpected") && strlen(out) > 40, check_name,
		      "status %d, output: %.300s", s, out);
	}
}

int
main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "enter") == 0)
		return child_enter();
	if (argc > 1 && strcmp(argv[1], "spawned") == 0)
		return child_spawned();
	check(wcap_available(), "capi/available", "the null call failed: errno %d", errno);
	test_policies();
	test_fds();
	test_cable();
	test_sandbox();
	test_junk();
	test_examples();
	return failures != 0;
}
