/*
 * Writ's own calls for musl programs (<writ/cap.h>, userland/lib/wcap): numbers from
 * WCAP_SYS_BASE reach lx_dispatch as any Linux call does, and are served here with
 * libwrit on the process's own capabilities.
 *
 * Capabilities are the program's fds. A policy fd is a scheme capability installed in
 * the fd table (writ_fd_install), so close, dup, the vfork/execve inheritance and
 * SCM_RIGHTS carry it with no code of their own. Whether an fd is a policy is asked of
 * its server (FPATH: a policy is no open file, EBADF), so one received from anywhere
 * counts too; the text of the policies made here is kept, by fd and slot, for
 * wcap_list.
 *
 * An fd argument is an int, as Linux's: the upper half of its register is not the
 * program's to set (a varargs syscall() leaves it as it was), so it is cut off.
 *
 * Every pointer and length is the program's: checked with lx_readable/lx_writable
 * before use, strings copied in with lx_string_in. Bad input is -errno, never a fault.
 */
#include <writ/cap.h>
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/policy.h>
#include <writ/proc.h>

#include <errno.h>
#include <fcntl.h>

#include "lx.h"

_Static_assert(WCAP_CABLE_DATA == SCHEME_INLINE, "a cable message's bytes");
_Static_assert(WCAP_CABLE_FDS == SCHEME_CABLE_FDS, "a cable message's fds");
_Static_assert(WCAP_SYS_BASE >= LX_NR_MAX, "Writ's numbers are no Linux call's");

_Static_assert(sizeof(struct wcap_grant) == 16, "the grants' layout read below");

#define LX_PATH 1024            /* as fs.c's: a path with its NUL */
#define TEXT_MAX 232            /* struct wcap_info's what[] */
#define GRANTS_MAX 8
#define SPAWN_ARGS 32
#define SPAWN_STRINGS 2048

/* The text of a policy made here (malloc'ed: every process carries this table, and
 * its pages count against its quota), valid while fd still names slot. */
static struct {
	writ_cptr_t slot;
	char *text;
} ptext[WRIT_FD_MAX];

static bool
is_policy(int fd)
{
	char b[8];

	return lx_fd_valid(fd) && writ_fpath(fd, b, sizeof(b)) == -EBADF;
}

static void
text_set(int fd, const char *text)
{
	size_t n = strlen(text);

	if (n >= TEXT_MAX)
		n = TEXT_MAX - 1;
	ptext[fd].slot = 0;
	if (!ptext[fd].text && !(ptext[fd].text = malloc(TEXT_MAX)))
		return;	/* wcap_list says "(a policy)" */
	ptext[fd].slot = writ_fd_cap(fd);
	memcpy(ptext[fd].text, text, n);
	ptext[fd].text[n] = 0;
}

static const char *
text_of(int fd)
{
	return ptext[fd].slot && ptext[fd].slot == writ_fd_cap(fd) ? ptext[fd].text : NULL;
}

/* The policy capability for fd (WCAP_NS: the namespace's for text's scheme). */
static writ_cptr_t
policy_cap(int fd, const char *text)
{
	char scheme[WRIT_CAP_NAME];
	const char *colon;
	size_t n;

	if (fd != WCAP_NS)
		return fd >= 0 && fd < WRIT_FD_MAX && is_policy((int)fd) ? writ_fd_cap((int)fd) : 0;
	if (!text || !(colon = strchr(text, ':')) || (n = (size_t)(colon - text)) == 0 ||
	    n >= sizeof(scheme))
		return 0;
	memcpy(scheme, text, n);
	scheme[n] = 0;
	return writ_scheme_cap(scheme);
}

/* A capability just made into the lowest free fd: -> the fd, or -errno (dropped). */
static long
install(writ_cptr_t cap)
{
	int fd = writ_fd_install(cap);

	if (fd < 0) {
		writ_policy_drop(cap);
		return fd;
	}
	return lx_fd_opened(fd, O_RDONLY);
}

static long
cap_weaken(const uint64_t *a)
{
	char text[SCHEME_INLINE + 1];
	writ_cptr_t from, got;
	long r, fd;

	if ((r = lx_string_in(a[1], text, sizeof(text))) < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	if ((unsigned)a[2] & ~WCAP_NOREVOKE)
		return -EINVAL;
	if (!(from = policy_cap((int)a[0], text)))
		return (int)a[0] == WCAP_NS ? -ENOENT : -EBADF;
	lx_lock();
	r = writ_policy_weaken_flags(from, text, (unsigned)a[2], &got, NULL);
	fd = r < 0 ? r : install(got);
	if (fd >= 0)
		text_set((int)fd, text);
	lx_unlock();
	return fd;
}

static long
cap_weaken_fd(const uint64_t *a)
{
	long r;

	int acc = (int)a[1];

	if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR)
		return -EINVAL;
	if (!lx_fd_valid((int)a[0]))
		return -EBADF;
	lx_lock();
	r = writ_fd_weaken((int)a[0], acc);
	if (r >= 0)
		lx_fd_opened(r, (unsigned)acc);
	lx_unlock();
	return r;
}

/* Through a policy fd, "/a/b" and "a/b" are the same file: the policy is the root of
 * what it sees (Linux's RESOLVE_IN_ROOT, not openat's absolute paths). */
long
lx_cap_open(int dirfd, const char *path, unsigned flags, unsigned mode)
{
	char abs[LX_PATH + 2];
	size_t n = strlen(path);
	long r;

	while (*path == '/')
		path++, n--;
	if (n + 2 > sizeof(abs))
		return -ENAMETOOLONG;
	abs[0] = '/';
	memcpy(abs + 1, path, n + 1);
	r = writ_open_via(writ_fd_cap(dirfd), abs, (int)(flags & ~(unsigned)O_CLOEXEC), mode);
	return lx_fd_opened(r, flags);
}

/* open("policy:TEXT") (or openat(policy fd, "policy:TEXT")): a policy weakened from
 * the namespace's (or from that policy fd), as a new fd: POSIX's way to wcap_weaken. */
long
lx_cap_open_policy(int dirfd, const char *text, unsigned flags)
{
	writ_cptr_t from = policy_cap(dirfd, text), got;
	long r, fd;

	if (!from)
		return dirfd == WCAP_NS ? -ENOENT : -EBADF;
	if ((r = writ_policy_weaken(from, text, &got, NULL)) < 0)
		return r;
	if ((fd = install(got)) >= 0) {
		text_set((int)fd, text);
		lx_fd_opened(fd, flags & O_CLOEXEC);
	}
	return fd;
}

bool
lx_cap_is_policy(int fd)
{
	return is_policy(fd);
}

static long
cap_open(const uint64_t *a)
{
	char path[LX_PATH];
	long r;

	if ((r = lx_string_in(a[1], path, sizeof(path))) < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	if ((int)a[0] == WCAP_NS)
		return -EBADF;
	lx_lock();
	r = !lx_fd_valid((int)a[0]) ? -EBADF : !is_policy((int)a[0]) ? -ENOTDIR
	    : lx_cap_open((int)a[0], path, (unsigned)a[2], (unsigned)a[3]);
	lx_unlock();
	return r;
}

static long
cap_revoke(const uint64_t *a)
{
	if (!lx_fd_valid((int)a[0]))
		return -EBADF;
	if (is_policy((int)a[0]))
		return writ_policy_revoke(writ_fd_cap((int)a[0]));
	return writ_fd_revoke((int)a[0]);
}

static long
cap_cable(const uint64_t *a)
{
	/* A cable is a SOCK_SEQPACKET socketpair: sendmsg and recvmsg work on it too. */
	const uint64_t b[4] = { 1 /* AF_UNIX */, 5 /* SOCK_SEQPACKET */, 0, a[0] };

	return lx_socketpair(b);
}

static long
cap_send(const uint64_t *a)
{
	int fds[WCAP_CABLE_FDS], dups[WCAP_CABLE_FDS];
	unsigned n = (unsigned)a[5];
	long r;

	if (!lx_fd_valid((int)a[0]))
		return -EBADF;
	if (n > WCAP_CABLE_FDS || a[3] > WCAP_CABLE_DATA)
		return -EINVAL;
	if (!lx_readable(a[2], a[3]) || (n && !lx_readable(a[4], n * sizeof(int))))
		return -EFAULT;
	memcpy(fds, (const void *)a[4], n * sizeof(int));
	/* Copies travel, as with SCM_RIGHTS: the sender keeps its fds. */
	lx_lock();
	for (unsigned i = 0; i < n; i++) {
		r = lx_fd_valid(fds[i]) ? (dups[i] = writ_dup(fds[i])) : -EBADF;
		if (r < 0) {
			while (i--)
				writ_close(dups[i]);
			lx_unlock();
			return r;
		}
	}
	lx_unlock();
	r = writ_cable_send((int)a[0], a[1], (const void *)a[2], a[3], dups, n);
	if (r < 0) {
		lx_lock();
		for (unsigned i = 0; i < n; i++)
			writ_close(dups[i]);
		lx_unlock();
	}
	return r;
}

static long
cap_recv(const uint64_t *a)
{
	int fds[WCAP_CABLE_FDS];
	unsigned room, got = WCAP_CABLE_FDS;
	uint64_t key = 0;
	long r;

	if (!lx_fd_valid((int)a[0]))
		return -EBADF;
	if ((a[1] && !lx_writable(a[1], 8)) || !lx_writable(a[2], a[3]) ||
	    (a[5] && !lx_writable(a[5], sizeof(unsigned))))
		return -EFAULT;
	room = a[5] ? *(const unsigned *)a[5] : 0;
	if (room > WCAP_CABLE_FDS)
		room = WCAP_CABLE_FDS;
	if (room && !lx_writable(a[4], room * sizeof(int)))
		return -EFAULT;
	r = writ_cable_recv((int)a[0], &key, (void *)a[2], a[3], fds, &got);
	if (r < 0)
		return r;
	lx_lock();
	for (unsigned i = 0; i < got; i++) {
		if (i < room) {
			lx_fd_opened(fds[i], O_RDWR);
			ptext[fds[i]].slot = 0;
			((int *)a[4])[i] = fds[i];
		} else {
			writ_close(fds[i]);	/* no room: as recvmsg's MSG_CTRUNC */
		}
	}
	lx_unlock();
	if (a[1])
		*(uint64_t *)a[1] = key;
	if (a[5])
		*(unsigned *)a[5] = got < room ? got : room;
	return r;
}

/* What wcap_spawn copies in: on the heap, not in every process's bss. */
struct spawn_in {
	char path[LX_PATH + 8], strings[SPAWN_STRINGS];
	char schemes[GRANTS_MAX][16];
	const char *argv[SPAWN_ARGS];
};

static long spawn_with(const uint64_t *a, struct spawn_in *in);

static long
cap_spawn(const uint64_t *a)
{
	struct spawn_in *in = malloc(sizeof(*in));
	long r;

	if (!in)
		return -ENOMEM;
	r = spawn_with(a, in);
	free(in);
	return r;
}

static long
spawn_with(const uint64_t *a, struct spawn_in *in)
{
	char *path = in->path, *strings = in->strings;
	char (*schemes)[16] = in->schemes;
	const char **argv = in->argv;
	struct writ_sandbox_policy pol[GRANTS_MAX];
	int fds[16];
	unsigned ng = (unsigned)a[3], nf = (unsigned)a[5];
	size_t left = sizeof(in->strings);
	char *s = strings;
	writ_cptr_t child;
	long r;

	if (ng > GRANTS_MAX || nf > 16)
		return -E2BIG;
	if ((r = lx_path_of(a[0], path)) < 0)
		return r;
	if ((ng && !lx_readable(a[2], ng * 16ull)) || (nf && !lx_readable(a[4], nf * sizeof(int))))
		return -EFAULT;
	for (unsigned i = 0;; i++) {
		uint64_t p;

		if (i + 1 >= SPAWN_ARGS)
			return -E2BIG;
		if (!lx_readable(a[1] + 8ull * i, 8))
			return -EFAULT;
		if (!(p = ((const uint64_t *)a[1])[i])) {
			argv[i] = NULL;
			break;
		}
		if ((r = lx_string_in(p, s, left)) < 0)
			return r == -ENAMETOOLONG ? -E2BIG : r;
		argv[i] = s;
		s += r + 1;
		left -= (size_t)r + 1;
	}
	for (unsigned i = 0; i < ng; i++) {
		const struct wcap_grant *g = &((const struct wcap_grant *)a[2])[i];

		if ((r = lx_string_in((uint64_t)g->scheme, schemes[i], sizeof(in->schemes[i]))) < 0)
			return r == -ENAMETOOLONG ? -EINVAL : r;
		pol[i].scheme = schemes[i];
		pol[i].cap = g->policy == WCAP_NS ? writ_scheme_cap(schemes[i])
			     : g->policy >= 0 && g->policy < WRIT_FD_MAX && is_policy(g->policy)
			     ? writ_fd_cap(g->policy) : 0;
		if (!pol[i].cap)
			return -EBADF;
	}
	memcpy(fds, (const void *)a[4], nf * sizeof(int));
	for (unsigned i = 0; i < nf; i++)
		if (fds[i] >= 0 && !lx_fd_valid(fds[i]))
			return -EBADF;
	r = writ_spawn_sandbox(path, argv, pol, ng, fds, nf, &child);
	if (r < 0)
		return r;
	if (lx_child_add((uint32_t)r, child) < 0) {
		writ_proc_kill(child);
		writ_proc_wait(child);
		return -EAGAIN;
	}
	return r;
}

/* One entry of wcap_list for fd: its kind, scheme and what it names. */
static void
describe(int fd, struct wcap_info *w)
{
	const char *t = text_of(fd);
	char *colon;

	w->fd = fd;
	w->kind = is_policy(fd) ? WCAP_KIND_POLICY : WCAP_KIND_FILE;
	if (t)
		memcpy(w->what, t, strlen(t) + 1);
	else if (w->kind == WCAP_KIND_FILE && writ_fpath(fd, w->what, sizeof(w->what)) >= 0)
		;
	else
		memcpy(w->what, w->kind == WCAP_KIND_POLICY ? "(a policy)" : "(an fd)", 11);
	if ((colon = strchr(w->what, ':')) && colon - w->what < (long)sizeof(w->scheme))
		memcpy(w->scheme, w->what, (size_t)(colon - w->what));
}

static long
cap_list(const uint64_t *a)
{
	const struct writ_startinfo *si = writ_startinfo();
	struct wcap_info w;
	uint64_t n = (unsigned)a[1];
	long count = 0;

	if (n > (1u << 16))
		return -EINVAL;
	if (n && !lx_writable(a[0], n * sizeof(w)))
		return -EFAULT;
	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++) {
		if (si->caps[i].kind != WRIT_SCAP_SCHEME || !writ_startinfo_held(i))
			continue;
		if ((uint64_t)count < n) {
			memset(&w, 0, sizeof(w));
			w.fd = -1;
			w.kind = WCAP_KIND_NS;
			memcpy(w.scheme, si->caps[i].name, strnlen(si->caps[i].name, 15));
			writ_snprintf(w.what, sizeof(w.what), "%s:/**:rwcdxl (root)", w.scheme);
			memcpy((struct wcap_info *)a[0] + count, &w, sizeof(w));
		}
		count++;
	}
	for (int fd = 0; fd < WRIT_FD_MAX; fd++) {
		if (!lx_fd_valid(fd))
			continue;
		if ((uint64_t)count < n) {
			memset(&w, 0, sizeof(w));
			describe(fd, &w);
			memcpy((struct wcap_info *)a[0] + count, &w, sizeof(w));
		}
		count++;
	}
	return count;
}

static long
cap_enter(const uint64_t *a)
{
	const struct writ_startinfo *si = writ_startinfo();
	static uint8_t keep[WRIT_FD_MAX];
	uint64_t n = (unsigned)a[1];

	if (n > WRIT_FD_MAX)
		return -EINVAL;
	if (n && !lx_readable(a[0], n * sizeof(int)))
		return -EFAULT;
	memset(keep, 0, sizeof(keep));
	for (uint64_t i = 0; i < n; i++) {
		int fd = ((const int *)a[0])[i];

		if (!lx_fd_valid(fd))
			return -EBADF;
		keep[fd] = 1;
	}
	/* The clocks ask time: for its base until they have a measured rate; once time:
	 * is let go they go on from the base they hold. */
	lx_monotonic_ns();
	lx_lock();
	for (int fd = 0; fd < WRIT_FD_MAX; fd++)
		if (!keep[fd] && lx_fd_valid(fd)) {
			const uint64_t c[1] = { (uint64_t)fd };

			lx_close(c);
		}
	/* Authority the start info gave besides fds: scheme policies, devices, a served
	 * endpoint. What stays is the process's own structure and its identities, which
	 * no server answers anything on. */
	for (unsigned i = 0; si && i < si->n_caps && i < WRIT_STARTINFO_CAPS; i++)
		switch (si->caps[i].kind) {
		case WRIT_SCAP_SCHEME: case WRIT_SCAP_IOPORT: case WRIT_SCAP_IRQ:
		case WRIT_SCAP_DEVMEM: case WRIT_SCAP_SERVE: case WRIT_SCAP_RAM:
			writ_startinfo_drop(i);
			break;
		default:
			break;
		}
	lx_unlock();
	return 0;
}

long
lx_cap_call(const struct lx_call *c)
{
	switch (c->nr) {
	case WCAP_SYS_NULL:      return 0;
	case WCAP_SYS_WEAKEN:    return cap_weaken(c->a);
	case WCAP_SYS_WEAKEN_FD: return cap_weaken_fd(c->a);
	case WCAP_SYS_OPEN:      return cap_open(c->a);
	case WCAP_SYS_REVOKE:    return cap_revoke(c->a);
	case WCAP_SYS_CABLE:     return cap_cable(c->a);
	case WCAP_SYS_SEND:      return cap_send(c->a);
	case WCAP_SYS_RECV:      return cap_recv(c->a);
	case WCAP_SYS_SPAWN:     return cap_spawn(c->a);
	case WCAP_SYS_LIST:      return cap_list(c->a);
	case WCAP_SYS_ENTER:     return cap_enter(c->a);
	default:                 return lx_enosys(c->nr);
	}
}
