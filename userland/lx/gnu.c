/*
 * Calls that glibc's static programs make and musl's do not (Debian's busybox-static):
 * rseq, prctl and sendfile.
 */
#include "lx.h"

#include <writ/fd.h>

#include <errno.h>

#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define LX_COMM_LEN 16

/* The thread's name as prctl sees it (Linux's comm): one per process here. */
static char comm[LX_COMM_LEN];

void
lx_set_comm(const char *path)
{
	const char *base = path;
	size_t i;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			base = p + 1;
	for (i = 0; i + 1 < LX_COMM_LEN && base[i]; i++)
		comm[i] = base[i];
	comm[i] = '\0';
}

/* glibc registers rseq at start and goes on without it when told there is none: no
 * line on stderr, as for the calls lx_enosys reports. */
long
lx_rseq(const uint64_t *a)
{
	(void)a;
	return -ENOSYS;
}

long
lx_prctl(const uint64_t *a)
{
	switch (a[0]) {
	case PR_SET_NAME: {
		char name[LX_COMM_LEN];
		size_t i;

		for (i = 0; i + 1 < LX_COMM_LEN; i++) {
			if (!lx_readable(a[1] + i, 1))
				return -EFAULT;
			name[i] = ((const char *)a[1])[i];
			if (!name[i])
				break;
		}
		name[i < LX_COMM_LEN ? i : LX_COMM_LEN - 1] = '\0';
		for (i = 0; i < LX_COMM_LEN; i++)
			comm[i] = name[i];
		return 0;
	}
	case PR_GET_NAME:
		if (!lx_writable(a[1], LX_COMM_LEN))
			return -EFAULT;
		for (size_t i = 0; i < LX_COMM_LEN; i++)
			((char *)a[1])[i] = comm[i];
		return 0;
	default:
		return -EINVAL;
	}
}

/* sendfile(out, in, offset, count) as reads and writes through a buffer here: the
 * bytes pass through this process either way. */
long
lx_sendfile(const uint64_t *a)
{
	int out = (int)a[0], in = (int)a[1];
	uint64_t count = a[3], done = 0;
	int64_t off = 0;
	char buf[4096];

	if (a[0] >= WRIT_FD_MAX || a[1] >= WRIT_FD_MAX || !writ_fd_cap(out) || !writ_fd_cap(in))
		return -EBADF;
	if (a[2]) {
		if (!lx_writable(a[2], sizeof(int64_t)))
			return -EFAULT;
		off = *(const int64_t *)a[2];
		if (off < 0)
			return -EINVAL;
	}
	while (done < count) {
		size_t want = count - done < sizeof(buf) ? (size_t)(count - done) : sizeof(buf);
		long got = a[2] ? writ_pread(in, buf, want, off) : writ_read(in, buf, want);
		long put;

		if (got <= 0) {
			if (got < 0 && done == 0)
				return got;
			break;
		}
		put = writ_write(out, buf, (size_t)got);
		if (put < 0 && done == 0)
			return put;
		if (put < 0)
			put = 0;
		done += (uint64_t)put;
		if (a[2])
			off += put;
		else if (put < got)
			writ_seek(in, put - got, 1);	/* what was read but not written stays unread */
		if (put < got)
			break;
	}
	if (a[2])
		*(int64_t *)a[2] = off;
	return (long)done;
}
