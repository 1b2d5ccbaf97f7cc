/*
 * socketpair(AF_UNIX) over cable: (srv/cable): a connected pair of fds that carry
 * messages of bytes and fds. SOCK_DGRAM and SOCK_SEQPACKET are the cable's own
 * messages; SOCK_STREAM is bytes, so a message read in part keeps its rest here, per
 * fd, for the next read. sendmsg's SCM_RIGHTS fds travel with the message: the cable
 * moves what it carries, so we send dups and the sender keeps its own.
 *
 * Which fds are sockets (and of what type) is known here, not at the server: dup,
 * dup2, dup3 and F_DUPFD copy it (fs.c), close forgets it.
 */
#include <writ/fd.h>
#include <writ/scheme.h>

#include <errno.h>
#include <stdlib.h>

#include "lx.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define MSG_TRUNC 0x20
#define MSG_CTRUNC 0x08

struct rest {
	size_t at, len;
	uint8_t data[SCHEME_INLINE];
};

static uint8_t sock_type[WRIT_FD_MAX];  /* 0: not a socket */
static struct rest *rest[WRIT_FD_MAX];  /* a stream's unread part of a message */

bool
lx_sock_is(int fd)
{
	return fd >= 0 && fd < WRIT_FD_MAX && sock_type[fd];
}

/* A cable end that came from elsewhere (across execve, from a spawner, over a cable)
 * is a socket too, once a socket call names it: asked of its server then, never on
 * read or write. Taken as a stream, which keeps the bytes a short read leaves. */
static bool
sock_adopt(int fd)
{
	char p[8];

	if (!lx_fd_valid(fd) || writ_fpath(fd, p, sizeof(p)) != 6 || strcmp(p, "cable:") != 0)
		return false;
	sock_type[fd] = SOCK_STREAM;
	return true;
}

/* fork: which fds are sockets goes to the child (a stream's unread rest does not). */
long
lx_sock_fork_io(bool send)
{
	return lx_fork_io(sock_type, sizeof(sock_type), send);
}

void
lx_sock_dup(int from, int to)
{
	if (from >= 0 && from < WRIT_FD_MAX && to >= 0 && to < WRIT_FD_MAX)
		sock_type[to] = sock_type[from];
}

void
lx_sock_closed(int fd)
{
	if (fd < 0 || fd >= WRIT_FD_MAX)
		return;
	sock_type[fd] = 0;
	free(rest[fd]);
	rest[fd] = NULL;
}

long
lx_socketpair(const uint64_t *a)
{
	unsigned type = (unsigned)a[1] & ~(unsigned)(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fds[2];
	long r;

	if (a[0] == AF_INET || a[0] == AF_INET6)
		return -EOPNOTSUPP;	/* Linux's: the family is known, pairs of it are not */
	if (a[0] != AF_UNIX)
		return -EAFNOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -EINVAL;	/* Linux's answer to an unknown type, as to SOCK_RAW here */
	if (a[2] != 0)
		return -EPROTONOSUPPORT;
	if (!lx_writable(a[3], 8))
		return -EFAULT;
	if ((r = writ_cable_pair(fds)) < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		lx_sock_closed(fds[i]);
		sock_type[fds[i]] = (uint8_t)type;
		lx_fd_opened(fds[i], 02 | ((unsigned)a[1] & (SOCK_NONBLOCK | SOCK_CLOEXEC)));
		if (a[1] & SOCK_NONBLOCK)
			writ_fd_setfl(fds[i], SCHEME_O_NONBLOCK);
	}
	((int *)a[3])[0] = fds[0];
	((int *)a[3])[1] = fds[1];
	return 0;
}

/* ---- sending ---- */

/* Send n bytes of buf with the fds (copies: they stay open here), in messages of
 * SCHEME_INLINE; the fds go with the first. -> bytes sent, or -errno. */
static long
send_bytes(int fd, const uint8_t *buf, size_t n, const int *fds, unsigned nfds)
{
	size_t done = 0;

	if (sock_type[fd] != SOCK_STREAM && n > SCHEME_INLINE)
		return -EMSGSIZE;
	for (unsigned i = 0; i < nfds; i++)
		if (!lx_fd_valid(fds[i]))
			return -EBADF;
	do {
		size_t k = n - done < SCHEME_INLINE ? n - done : SCHEME_INLINE;
		long r = writ_cable_send_copy(fd, 0, buf + done, k, done ? NULL : fds,
					      done ? 0 : nfds);

		if (r < 0)
			return done ? (long)done : (r == -EPIPE ? -EPIPE : r);
		done += k;
	} while (done < n);
	return (long)done;
}

struct lx_iovec {
	uint64_t base, len;
};

struct lx_msghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

struct lx_cmsghdr {
	uint64_t len;
	int32_t level, type;
};

#define CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)

/* Check msghdr at m and its iovecs for the program's memory, and copy the header to
 * *h (the program's threads may change theirs meanwhile); -> their total or -errno. */
static long
msg_check(uint64_t m, bool to_program, struct lx_msghdr *h)
{
	const struct lx_iovec *v;
	uint64_t total = 0;

	if (!lx_readable(m, sizeof(*h)) || (to_program && !lx_writable(m, sizeof(*h))))
		return -EFAULT;
	*h = *(const struct lx_msghdr *)m;
	if (h->iovlen > 1024)
		return -EMSGSIZE;
	v = (const struct lx_iovec *)h->iov;
	if (!lx_readable(h->iov, h->iovlen * sizeof(*v)))
		return -EFAULT;
	for (uint64_t i = 0; i < h->iovlen; i++) {
		if ((total += v[i].len) > (1ull << 30))
			return -EINVAL;
		if (to_program ? !lx_writable(v[i].base, v[i].len) : !lx_readable(v[i].base, v[i].len))
			return -EFAULT;
	}
	if (h->controllen && (to_program ? !lx_writable(h->control, h->controllen)
				      : !lx_readable(h->control, h->controllen)))
		return -EFAULT;
	return (long)total;
}

/* The SCM_RIGHTS fds of a sendmsg's control data -> how many, or -errno. */
static long
rights_of(const struct lx_msghdr *h, int *fds)
{
	uint64_t at = 0;
	unsigned n = 0;

	while (at + sizeof(struct lx_cmsghdr) <= h->controllen) {
		struct lx_cmsghdr c = *(const struct lx_cmsghdr *)(h->control + at);

		if (c.len < sizeof(c) || c.len > h->controllen - at)
			return -EINVAL;
		if (c.level == SOL_SOCKET && c.type == SCM_RIGHTS) {
			const int *f = (const int *)(h->control + at + sizeof(c));

			for (uint64_t i = 0; i < (c.len - sizeof(c)) / 4; i++) {
				if (n == SCHEME_CABLE_FDS)
					return -ETOOMANYREFS;
				fds[n++] = f[i];
			}
		}
		at += CMSG_ALIGN(c.len);
	}
	return n;
}

/*
 * Copy the program's iovecs (h's, checked) to or from buf[total]. Each entry is read once
 * and its memory checked again: another thread of the program may have changed it since.
 * -> false if it did (EFAULT).
 */
static bool
iov_copy(const struct lx_msghdr *h, uint8_t *buf, size_t total, bool to_program)
{
	const struct lx_iovec *v = (const struct lx_iovec *)h->iov;
	size_t at = 0;

	for (uint64_t i = 0; i < h->iovlen && at < total; i++) {
		struct lx_iovec e = v[i];
		size_t k = total - at < e.len ? total - at : e.len;

		if (to_program ? !lx_writable(e.base, k) : !lx_readable(e.base, k))
			return false;
		if (to_program)
			memcpy((void *)e.base, buf + at, k);
		else
			memcpy(buf + at, (const void *)e.base, k);
		at += k;
	}
	return true;
}

long
lx_sendmsg(const uint64_t *a)
{
	struct lx_msghdr h;
	int fds[SCHEME_CABLE_FDS];
	uint8_t *buf;
	long total, nfds, r;

	if (!lx_sock_is((int)a[0]) && !sock_adopt((int)a[0]))
		return lx_fd_valid((int)a[0]) ? -ENOTSOCK : -EBADF;
	if ((total = msg_check(a[1], false, &h)) < 0)
		return total;
	if ((nfds = rights_of(&h, fds)) < 0)
		return nfds;
	if (!(buf = malloc((size_t)total + 1)))
		return -ENOMEM;
	if (!iov_copy(&h, buf, (size_t)total, false)) {
		free(buf);
		return -EFAULT;
	}
	r = send_bytes((int)a[0], buf, (size_t)total, fds, (unsigned)nfds);
	free(buf);
	return r;
}

long
lx_sock_write(int fd, const void *buf, size_t n)
{
	return send_bytes(fd, buf, n, NULL, 0);
}

/* ---- receiving ---- */

/* Up to n bytes into buf, the fds that came with them into fds (*nfds: room in, count
 * out). A stream takes what is left of the last message first (without fds), and
 * keeps what does not fit. -> bytes, 0 at the end, or -errno. */
static long
recv_bytes(int fd, uint8_t *buf, size_t n, int *fds, unsigned *nfds, bool *trunc)
{
	struct rest *r = rest[fd];
	uint64_t key;
	long got;
	size_t given;

	*trunc = false;
	if (r && r->at < r->len) {
		size_t k = r->len - r->at < n ? r->len - r->at : n;

		memcpy(buf, r->data + r->at, k);
		r->at += k;
		*nfds = 0;
		return (long)k;
	}
	if (!r && !(r = rest[fd] = malloc(sizeof(*r))))
		return -ENOMEM;
	got = writ_cable_recv(fd, &key, r->data, sizeof(r->data), fds, nfds);
	if (got == -EPIPE)
		return 0;	/* the peer is gone: a socket's end of file */
	if (got < 0)
		return got;
	r->len = (size_t)got;
	given = r->at = (size_t)got < n ? (size_t)got : n;
	memcpy(buf, r->data, given);
	if (sock_type[fd] != SOCK_STREAM) {
		*trunc = given < r->len;
		r->at = r->len;	/* a datagram's rest is dropped, as Linux does */
	}
	return (long)given;
}

long
lx_sock_read(int fd, void *buf, size_t n)
{
	int fds[SCHEME_CABLE_FDS];
	unsigned nfds = SCHEME_CABLE_FDS;
	bool trunc;
	long r = recv_bytes(fd, buf, n, fds, &nfds, &trunc);

	for (unsigned i = 0; r >= 0 && i < nfds; i++)
		writ_close(fds[i]);	/* a plain read has nowhere for them */
	return r;
}

/* Put the fds received into h's control data as one SCM_RIGHTS; those that do not fit
 * are closed and MSG_CTRUNC said. */
static void
rights_out(struct lx_msghdr *h, const int *fds, unsigned nfds)
{
	struct lx_cmsghdr *c = (struct lx_cmsghdr *)h->control;
	unsigned fit = 0;

	if (h->controllen >= sizeof(*c))
		fit = (unsigned)((h->controllen - sizeof(*c)) / 4);
	if (fit > nfds)
		fit = nfds;
	for (unsigned i = fit; i < nfds; i++)
		writ_close(fds[i]);
	if (nfds > fit)
		h->flags |= MSG_CTRUNC;
	if (!fit) {
		h->controllen = 0;
		return;
	}
	c->len = sizeof(*c) + fit * 4;
	c->level = SOL_SOCKET;
	c->type = SCM_RIGHTS;
	for (unsigned i = 0; i < fit; i++) {
		((int *)(c + 1))[i] = fds[i];
		lx_fd_opened(fds[i], 02);
	}
	h->controllen = CMSG_ALIGN(c->len);
}

long
lx_recvmsg(const uint64_t *a)
{
	struct lx_msghdr h;
	int fds[SCHEME_CABLE_FDS];
	unsigned nfds = SCHEME_CABLE_FDS;
	uint8_t *buf;
	long total, r;
	bool trunc;

	if (!lx_sock_is((int)a[0]) && !sock_adopt((int)a[0]))
		return lx_fd_valid((int)a[0]) ? -ENOTSOCK : -EBADF;
	if ((total = msg_check(a[1], true, &h)) < 0)
		return total;
	if (!(buf = malloc((size_t)total + 1)))
		return -ENOMEM;
	if ((r = recv_bytes((int)a[0], buf, (size_t)total, fds, &nfds, &trunc)) < 0) {
		free(buf);
		return r;
	}
	if (!iov_copy(&h, buf, (size_t)r, true)) {
		/* The bytes are lost, as a fault in Linux's copy loses them. */
		for (unsigned i = 0; i < nfds; i++)
			writ_close(fds[i]);
		free(buf);
		return -EFAULT;
	}
	free(buf);
	h.flags = trunc ? MSG_TRUNC : 0;
	h.namelen = 0;
	rights_out(&h, fds, nfds);
	/* Checked writable by msg_check; only the fields a recvmsg answers. */
	((struct lx_msghdr *)a[1])->flags = h.flags;
	((struct lx_msghdr *)a[1])->namelen = 0;
	((struct lx_msghdr *)a[1])->controllen = h.controllen;
	return r;
}

/* sendto and recvfrom without an address: write and read, with flags ignored. */
long
lx_sendto(const uint64_t *a)
{
	if (!lx_sock_is((int)a[0]) && !sock_adopt((int)a[0]))
		return lx_fd_valid((int)a[0]) ? -ENOTSOCK : -EBADF;
	if (!lx_readable(a[1], a[2]))
		return -EFAULT;
	return send_bytes((int)a[0], (const uint8_t *)a[1], a[2], NULL, 0);
}

long
lx_recvfrom(const uint64_t *a)
{
	if (!lx_sock_is((int)a[0]) && !sock_adopt((int)a[0]))
		return lx_fd_valid((int)a[0]) ? -ENOTSOCK : -EBADF;
	if (!lx_writable(a[1], a[2]))
		return -EFAULT;
	if (a[4] && lx_writable(a[5], 4))
		*(uint32_t *)a[5] = 0;
	return lx_sock_read((int)a[0], (void *)a[1], a[2]);
}
