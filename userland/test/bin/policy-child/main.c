/*
 * /test/bin/policy-child: the process at the other end of /test/policy's sandbox and
 * revocation checks. It runs with exactly what writ_spawn_sandbox gave it: a `file`
 * policy, fd 0 (a pipe it waits on) and fd 1 (a pipe it reports on); no serial, so it
 * says what it found in its exit status (a bit per failed expectation).
 *   sandbox   open /ptest/a.txt (works), /ptest/b.md (ENOENT), write (EACCES); no
 *             other scheme (pipe:, the root) reachable
 *   hold      open /ptest/a.txt, say "r" on fd 1, wait for a byte on fd 0 (the parent
 *             revoked meanwhile), then the fd and the policy must both fail
 *   race      open /ptest/a.txt, say "r", then read it, open it and weaken the policy
 *             over and over while the parent revokes; fd 0 (non-blocking) brings a
 *             byte once the revoke returned: no operation begun after that byte came
 *             may succeed. Exit status: 0, 1 (one did), 2 (never saw the end)
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

int
main(int argc, char **argv)
{
	char b[16];
	int fail = 0, fd;

	if (argc < 2)
		return 100;
	if (strcmp(argv[1], "sandbox") == 0) {
		fd = writ_open("file:/ptest/a.txt", O_RDONLY, 0);
		if (fd < 0 || writ_read(fd, b, 5) != 5 || memcmp(b, "alpha", 5) != 0)
			fail |= 1;
		if (writ_open("file:/ptest/b.md", O_RDONLY, 0) != -ENOENT)
			fail |= 2;
		if (writ_open("/ptest/a.txt", O_WRONLY, 0) != -EACCES)
			fail |= 4;
		if (writ_scheme_cap("pipe") || writ_open("pipe:", O_RDONLY, 0) != -ENOENT)
			fail |= 8;
		if (writ_open("/etc/boot.conf", O_RDONLY, 0) != -ENOENT)
			fail |= 16;
		return fail;
	}
	if (strcmp(argv[1], "hold") == 0) {
		fd = writ_open("/ptest/a.txt", O_RDONLY, 0);
		if (fd < 0)
			return 1;
		if (writ_write(1, "r", 1) != 1 || writ_read(0, b, 1) != 1)
			return 2;
		if (writ_read(fd, b, 5) >= 0)
			fail |= 4;
		if (writ_open("/ptest/a.txt", O_RDONLY, 0) >= 0)
			fail |= 8;
		return fail;
	}
	if (strcmp(argv[1], "race") == 0) {
		bool after = false;

		fd = writ_open("/ptest/a.txt", O_RDONLY, 0);
		if (fd < 0 || writ_write(1, "r", 1) != 1)
			return 3;
		for (unsigned i = 0; i < 200000; i++) {
			writ_cptr_t w = 0;
			int g;
			bool ok;

			after = after || writ_read(0, b, 1) == 1;
			switch (i % 3) {
			case 0:
				ok = writ_pread(fd, b, 1, 0) == 1;
				break;
			case 1:
				g = writ_open("/ptest/a.txt", O_RDONLY, 0);
				ok = g >= 0;
				if (ok)
					writ_close(g);
				break;
			default:
				ok = writ_policy_weaken(writ_scheme_cap("file"),
							"file:/ptest/a.txt:r", &w, NULL) == 0;
				writ_policy_drop(w);
				break;
			}
			if (after && ok)
				return 1;
			if (after && i % 3 == 2)
				return 0;       /* each kind tried after the end */
		}
		return 2;
	}
	return 100;
}
