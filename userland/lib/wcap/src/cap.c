/*
 * libwcap: <writ/cap.h> for ordinary musl programs. Each call is one system call with
 * a number of Writ's own (WCAP_SYS_*), which the Linux personality in the process
 * serves (userland/lx/cap.c); musl's syscall() turns its -errno into -1 and errno.
 * Every argument is widened to a long here: syscall() reads longs, and an int passed
 * as one would leave the upper half of its register to chance.
 * Nothing is kept here: the process's capabilities are its fds, kept by the
 * personality, so this library and the POSIX calls never disagree about them.
 */
#include <writ/cap.h>

#include <unistd.h>
#include <sys/syscall.h>

int
wcap_available(void)
{
	return syscall(WCAP_SYS_NULL) == 0;
}

int
wcap_weaken(int policy, const char *text)
{
	return (int)syscall(WCAP_SYS_WEAKEN, (long)policy, text, 0L);
}

int
wcap_weaken_flags(int policy, const char *text, unsigned flags)
{
	return (int)syscall(WCAP_SYS_WEAKEN, (long)policy, text, (long)flags);
}

int
wcap_weaken_fd(int fd, int acc)
{
	return (int)syscall(WCAP_SYS_WEAKEN_FD, (long)fd, (long)acc);
}

int
wcap_open(int policy, const char *path, int flags, unsigned mode)
{
	return (int)syscall(WCAP_SYS_OPEN, (long)policy, path, (long)flags, (long)mode);
}

long
wcap_revoke(int fd)
{
	return syscall(WCAP_SYS_REVOKE, (long)fd);
}

int
wcap_cable(int fds[2])
{
	return (int)syscall(WCAP_SYS_CABLE, fds);
}

long
wcap_send(int cable, uint64_t key, const void *data, size_t len, const int *fds,
	  unsigned nfds)
{
	return syscall(WCAP_SYS_SEND, (long)cable, key, data, len, fds, (long)nfds);
}

long
wcap_recv(int cable, uint64_t *key, void *buf, size_t len, int *fds, unsigned *nfds)
{
	return syscall(WCAP_SYS_RECV, (long)cable, key, buf, len, fds, nfds);
}

int
wcap_spawn(const char *path, char *const argv[], const struct wcap_grant *grants,
	   unsigned ngrants, const int *fds, unsigned nfds)
{
	return (int)syscall(WCAP_SYS_SPAWN, path, argv, grants, (long)ngrants, fds, (long)nfds);
}

int
wcap_list(struct wcap_info *out, unsigned n)
{
	return (int)syscall(WCAP_SYS_LIST, out, (long)n);
}

int
wcap_enter(const int *keep, unsigned n)
{
	return (int)syscall(WCAP_SYS_ENTER, keep, (long)n);
}
