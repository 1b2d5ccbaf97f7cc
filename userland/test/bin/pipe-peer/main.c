/*
 * The other process of /test/pipe, /test/cable and /bench/pipe: pipe-peer MODE, with
 * fds 3 and 4 as the test gave them.
 *   echo          copy fd 3 to fd 4 until end of file (the bench's 1-byte round trip)
 *   write-spin    write "x" to fd 4, then spin until killed
 *   read-one      read one byte from fd 3, exit
 *   leak-pipes    make 8 pipes and write into each, exit without closing them
 *   cable-echo    receive messages on cable fd 3 and send each back with its fds,
 *                 key + 1, until the cable ends
 *   cable-read    receive one message on cable fd 3 with one fd, read 16 bytes from that
 *                 fd and send them back (with the key) on fd 3
 * Exit status 0, or which step failed.
 */
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

static int
echo(void)
{
	char buf[256];

	for (;;) {
		long n = writ_read(3, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0 || writ_write(4, buf, (size_t)n) != n)
			return 2;
	}
}

static int
cable_echo(void)
{
	char buf[SCHEME_INLINE];
	int fds[SCHEME_CABLE_FDS];

	for (;;) {
		unsigned n = SCHEME_CABLE_FDS;
		uint64_t key;
		long r = writ_cable_recv(3, &key, buf, sizeof(buf), fds, &n);

		if (r < 0)
			return 0;
		if (writ_cable_send(3, key + 1, buf, (size_t)r, fds, n) != r)
			return 2;
	}
}

static int
cable_read(void)
{
	char buf[32];
	int fd;
	unsigned n = 1;
	uint64_t key;
	long r = writ_cable_recv(3, &key, buf, sizeof(buf), &fd, &n);

	if (r < 0 || n != 1)
		return 2;
	r = writ_read(fd, buf, 16);
	if (r != 16)
		return 3;
	writ_close(fd);
	return writ_cable_send(3, key, buf, 16, NULL, 0) == 16 ? 0 : 4;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "echo") == 0)
		return echo();
	if (strcmp(mode, "write-spin") == 0) {
		if (writ_write(4, "x", 1) != 1)
			return 2;
		for (;;)
			writ_yield();
	}
	if (strcmp(mode, "read-one") == 0) {
		char c;

		return writ_read(3, &c, 1) == 1 ? 0 : 2;
	}
	if (strcmp(mode, "leak-pipes") == 0) {
		for (unsigned i = 0; i < 8; i++) {
			int p[2];

			if (writ_pipe(p) != 0 || writ_write(p[1], "leak", 4) != 4)
				return 2;
		}
		return 0;
	}
	if (strcmp(mode, "cable-echo") == 0)
		return cable_echo();
	if (strcmp(mode, "cable-read") == 0)
		return cable_read();
	return 1;
}
