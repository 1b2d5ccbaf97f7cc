/*
 * /test/console: the console: scheme (the serial driver), log: and rand:, seen from a
 * program. Lines come out straight on COM1 (init lends this program the port), so they
 * never wait behind the console's own queue.
 *
 * The host helps twice (tests/vm/scenarios.py, qemu.py): it types the bytes this
 * program asks for on a "# send on COM1: HEX" line, which come back through console:,
 * and it checks that the log line written here reached the serial log with its prefix.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define S_IFMT 0170000
#define S_IFCHR 0020000

static long
stats(writ_cptr_t policy)
{
	return writ_scheme_call(policy, SCHEME_OP_STATS, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

/* ---- console: ---- */

static void
test_stdio(void)
{
	struct scheme_stat st;
	static const char line[] = "# console test: this line went through fd 1\n";
	long n;

	check(writ_fd_cap(0) && writ_fd_cap(1) && writ_fd_cap(2), "console/stdio-fds",
	      "fds 0, 1, 2 are %u %u %u", (unsigned)writ_fd_cap(0), (unsigned)writ_fd_cap(1),
	      (unsigned)writ_fd_cap(2));
	n = writ_write(1, line, sizeof(line) - 1);
	check(n == (long)sizeof(line) - 1, "console/stdout-write", "write gave %ld", n);
	n = writ_fstat(2, &st);
	check(n == 0 && (st.mode & S_IFMT) == S_IFCHR, "console/stderr-fstat",
	      "fstat gave %ld, mode %lo", n, (unsigned long)st.mode);
	check(writ_fsync(1) == 0, "console/fsync-drains", "fsync failed");
}

static void
test_open_close(void)
{
	writ_cptr_t pol = writ_scheme_cap("console");
	long before = stats(pol), after;
	int fd = writ_open("console:", O_RDWR, 0), fd2;
	char path[16];

	check(fd >= 0, "console/open", "open gave %d", fd);
	check(writ_open("console:/nothing", O_RDWR, 0) == -ENOENT, "console/open-bad-path",
	      "a path under console: opened");
	check(writ_seek(fd, 0, 0) == -ESPIPE, "console/seek-espipe", "seek did not say ESPIPE");
	check(writ_fpath(fd, path, sizeof(path)) == 8 && strcmp(path, "console:") == 0,
	      "console/fpath", "fpath gave '%s'", path);
	fd2 = writ_dup(fd);
	check(fd2 >= 0 && writ_write(fd2, "", 0) == 0, "console/dup", "dup gave %d", fd2);
	writ_close(fd2);
	writ_close(fd);
	after = stats(pol);
	check(before >= 2 && after == before, "console/close-frees-records",
	      "%ld records before the opens, %ld after the closes", before, after);
}

static void
test_bad_input(void)
{
	writ_cptr_t pol = writ_scheme_cap("console");
	int fd = writ_open("console:", O_RDWR, 0);
	writ_cptr_t cap = writ_fd_cap(fd);
	char buf[16] = "12345678";
	writ_word_t a[1];
	long r;

	a[0] = SCHEME_INLINE + 1;
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-too-long", "gave %ld", r);
	a[0] = ~0ull;
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-huge", "gave %ld", r);
	a[0] = 900;     /* more than the 8 bytes the message carries */
	r = writ_scheme_call(cap, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EINVAL, "console/write-length-past-message", "gave %ld", r);
	a[0] = SCHEME_INLINE + 1;
	r = writ_scheme_call(cap, SCHEME_OP_READ, a, 1, NULL, 0, buf, sizeof(buf), NULL, 0);
	check(r == -EINVAL, "console/read-length-too-long", "gave %ld", r);
	a[0] = 8;
	r = writ_scheme_call(pol, SCHEME_OP_READ, a, 1, NULL, 0, buf, sizeof(buf), NULL, 0);
	check(r == -EBADF, "console/read-on-policy", "gave %ld", r);
	r = writ_scheme_call(pol, SCHEME_OP_WRITE, a, 1, buf, 8, NULL, 0, NULL, 0);
	check(r == -EBADF, "console/write-on-policy", "gave %ld", r);
	r = writ_scheme_call(cap, SCHEME_OP_OPEN, a, 1, NULL, 0, NULL, 0, NULL, 0);
	check(r == -ENOSYS, "console/open-on-file", "gave %ld", r);
	writ_close(fd);
}

/* The host types `want` when it sees the line below; it comes back through console:. */
static void
test_input(void)
{
	static const char want[] = "typed on COM1\r";
	char hex[2 * sizeof(want) + 1], got[sizeof(want)];
	int fd = writ_open("console:", O_RDONLY, 0);
	size_t have = 0;
	long n = 0;

	for (size_t i = 0; i < sizeof(want) - 1; i++)
		writ_snprintf(hex + 2 * i, 3, "%02x", (unsigned char)want[i]);
	writ_printf("# send on COM1: %s\n", hex);
	while (have < sizeof(want) - 1 &&
	       (n = writ_read(fd, got + have, sizeof(want) - 1 - have)) > 0)
		have += (size_t)n;
	got[have] = 0;
	check(have == sizeof(want) - 1 && memcmp(got, want, have) == 0, "console/input",
	      "read %lu bytes '%s' (last read %ld)", (unsigned long)have, got, n);
	writ_close(fd);
}

/* ---- log: ---- */

/* The log capability names this process by its badge; a badge is set once, so no
 * copy of it can be made to name another process. */
static void
test_log_forge(void)
{
	writ_cptr_t mine = writ_scheme_cap("log"), copy = writ_slot_alloc();
	long err = writ_cnode_mint(WRIT_PSLOT_CNODE, copy, 64, WRIT_PSLOT_CNODE, mine, 64,
				   WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT | WRIT_RIGHT_GRANT_REPLY,
				   scheme_badge(1, 0, SCHEME_KIND_IDENT, 0));

	check(mine && err != WRIT_OK, "log/identity-cannot-be-reminted",
	      "minting a new badge onto the log capability gave %ld", err);
	if (err == WRIT_OK)
		writ_cnode_delete(WRIT_PSLOT_CNODE, copy, 64);
	writ_slot_free(copy);
}

static void
test_log(void)
{
	static const char two[] = "log: second line\nlog: third line";
	int fd = writ_open("log:", O_WRONLY, 0);
	static const char line[] = "log: hello from the console test\n";
	char buf[8];

	check(fd >= 0, "log/open", "open gave %d", fd);
	check(writ_write(fd, line, sizeof(line) - 1) == (long)sizeof(line) - 1, "log/write",
	      "short write");
	check(writ_write(fd, two, sizeof(two) - 1) == (long)sizeof(two) - 1,
	      "log/write-two-lines", "short write");
	check(writ_read(fd, buf, sizeof(buf)) == -EBADF, "log/read-refused", "a read worked");
	test_log_forge();
	writ_close(fd);
	/* log: queued its lines on the console before answering: drain them. */
	check(writ_fsync(1) == 0, "log/drained", "fsync failed");
}

/* ---- rand: ---- */

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void
test_rand(void)
{
	static uint8_t big[65536];
	uint8_t a[32], b[32];
	int fd = writ_open("rand:", O_RDONLY, 0);
	unsigned long ones = 0;
	long n;

	check(fd >= 0, "rand/open", "open gave %d", fd);
	check(writ_read(fd, a, sizeof(a)) == 32 && writ_read(fd, b, sizeof(b)) == 32,
	      "rand/read", "short read");
	check(memcmp(a, b, sizeof(a)) != 0, "rand/reads-differ", "two reads gave the same bytes");
	check(!all_zero(a, sizeof(a)) && !all_zero(b, sizeof(b)), "rand/not-zero",
	      "a read gave only zeros");
	n = writ_read(fd, big, sizeof(big));
	for (size_t i = 0; i < sizeof(big); i++)
		ones += (unsigned long)__builtin_popcount(big[i]);
	check(n == (long)sizeof(big), "rand/large-read", "a 64 KiB read gave %ld", n);
	/* 524288 bits: a fair source stays within 1% of half (7 sigma). */
	check(ones > 259500 && ones < 264800, "rand/large-read-balanced", "%lu of %lu bits set",
	      ones, (unsigned long)sizeof(big) * 8);
	check(!all_zero(big + 60000, 5536), "rand/large-read-tail", "the tail is zeros");
	check(writ_write(fd, "more entropy", 12) == 12, "rand/write-mixes", "write refused");
	writ_close(fd);
}

int
main(void)
{
	int rc;

	test_stdio();
	test_open_close();
	test_bad_input();
	test_log();
	test_rand();
	test_input();
	rc = test_done("console");
	writ_fsync(1);
	return rc;
}
