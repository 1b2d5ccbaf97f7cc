/*
 * The harness started again as the other process of a case (`harness child ROLE`).
 * Sandboxed children hold no serial and no console: they say what they found in their
 * exit status (a bit per failed expectation) or on the pipes they were given.
 *   sandbox  holds one policy (file:/ptest/ *.txt:r): it works, nothing else is there
 *   dirfd    holds only fd 0, a directory fd on /ptest opened through /ptest/ **:rl
 *   race     reads, opens and weakens over and over while the parent revokes; fd 0
 *            (non-blocking) brings a byte once the revoke returned: nothing begun
 *            after that may succeed. 0, 1 (one did), 2 (never saw the end)
 *   tree     weakens its policy, opens through both, dups, weakens an fd; answers 'r'
 *            on fd 1, then for each 'c' on fd 0 'A' (all its handles work), 'D' (none)
 *            or 'M'; leaves at the end of fd 0
 *   relay    receives a policy over IPC on "ep", weakens it, sends that over cable:
 *            (fd 0) to a leaf, answers the IPC with the bits of what went wrong
 *   leaf     receives a policy over cable: (fd 0), uses it, says 'r' on fd 1, waits
 *            for fd 2 (the parent revoked), then nothing may work
 *   swapper  holds the root: swaps /ptest/swap.txt between a file and a symlink out,
 *            and renames /ptest/sw out and back, until fd 0 ends
 *   forge    holds a narrow policy and tries every slot of its CSpace and a re-badged
 *            copy of its policy for what it was not given
 */
#include "harness.h"

static char b[16];

static int
sandbox(void)
{
	int fail = 0, fd = writ_open("file:/ptest/a.txt", O_RDONLY, 0);

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
	if (writ_open("tmp:/x", O_RDWR | O_CREAT, 0644) != -ENOENT)
		fail |= 32;
	return fail;
}

static int
dirfd(void)
{
	int fail = 0, fd;

	if (writ_scheme_cap("file"))
		fail |= 1;
	fd = writ_openat(0, "a.txt", O_RDONLY, 0);
	if (fd < 0 || writ_read(fd, b, 5) != 5)
		fail |= 2;
	if (writ_openat(0, "../etc/boot.conf", O_RDONLY, 0) != -ENOENT)
		fail |= 4;
	if (writ_openat(0, "/etc/boot.conf", O_RDONLY, 0) != -ENOENT)
		fail |= 8;
	if (writ_openat(0, "a.txt", O_RDWR, 0) != -EACCES)
		fail |= 16;
	return fail;
}

static int
race(void)
{
	bool after = false;
	int fd = writ_open("/ptest/a.txt", O_RDONLY, 0);

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
			ok = writ_policy_weaken(writ_scheme_cap("file"), "file:/ptest/a.txt:r", &w,
						NULL) == 0;
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

static int
tree(void)
{
	writ_cptr_t pol = writ_scheme_cap("file"), w = 0;
	int fd[5], n = 0, alive;
	char c;

	if (writ_policy_weaken(pol, "file:/ptest/a.txt:r", &w, NULL) != 0)
		return 1;
	fd[n++] = writ_open_via(w, "/ptest/a.txt", O_RDONLY, 0);
	fd[n++] = writ_dup(fd[0]);
	fd[n++] = writ_open_via(pol, "/ptest/a.txt", O_RDONLY, 0);
	fd[n++] = writ_fd_weaken(fd[2], O_RDONLY);
	if (writ_fd_cap(2))
		fd[n++] = 2;                    /* an fd opened by the parent */
	for (int i = 0; i < n; i++)
		if (fd[i] < 0)
			return 2;
	if (writ_write(1, "r", 1) != 1)
		return 3;
	while (writ_read(0, &c, 1) == 1) {
		alive = 0;
		for (int i = 0; i < n; i++)
			alive += writ_pread(fd[i], b, 1, 0) == 1;
		for (int i = 0; i < 2; i++) {
			int g = writ_open_via(i ? pol : w, "/ptest/a.txt", O_RDONLY, 0);

			alive += g >= 0;
			if (g >= 0)
				writ_close(g);
		}
		c = alive == n + 2 ? 'A' : alive == 0 ? 'D' : 'M';
		if (writ_write(1, &c, 1) != 1)
			return 4;
	}
	return 0;
}

static int
relay(void)
{
	writ_cptr_t ep = writ_cap_named("ep"), got = writ_slot_alloc(), w = 0, x = 0;
	struct writ_msg m = { 0 };
	writ_word_t fail = 0;
	int fd;

	if (!ep || !got)
		return 1;
	writ_set_receive_slot(WRIT_PSLOT_CNODE, got, 64);
	if (writ_recv(ep, &m) != 0 || writ_msginfo_caps(m.info) != 1)
		fail |= 1;
	if (writ_policy_weaken(got, "file:/ptest/a.txt:r", &w, NULL) != 0)
		fail |= 2;
	if (writ_policy_weaken(got, "file:/ptest/**:r", &x, NULL) != -EPERM)
		fail |= 4;
	if (writ_open_via(got, "/ptest/b.md", O_RDONLY, 0) != -ENOENT)
		fail |= 8;
	fd = writ_fd_install(w);
	if (fd < 0 || writ_cable_send(0, 1, "p", 1, &fd, 1) < 0)
		fail |= 16;
	m.info = writ_msginfo(0, 0, 1);
	m.mr[0] = fail;
	writ_reply(&m);
	return (int)fail;
}

static int
leaf(void)
{
	writ_cptr_t q, x = 0;
	int got[3], fail = 0, fd;
	unsigned n = 3;
	uint64_t key;

	if (writ_cable_recv(0, &key, b, sizeof(b), got, &n) < 0 || n != 1)
		return 1;
	q = writ_fd_cap(got[0]);
	fd = writ_open_via(q, "/ptest/a.txt", O_RDONLY, 0);
	if (fd < 0 || writ_read(fd, b, 5) != 5)
		fail |= 2;
	if (writ_open_via(q, "/ptest/z.txt", O_RDONLY, 0) != -ENOENT)
		fail |= 4;
	if (writ_policy_weaken(q, "file:/ptest/*.txt:r", &x, NULL) != -EPERM)
		fail |= 8;
	if (writ_write(1, "r", 1) != 1 || writ_read(2, b, 1) != 1)
		return fail | 16;
	if (writ_pread(fd, b, 1, 0) >= 0)
		fail |= 32;
	if (writ_open_via(q, "/ptest/a.txt", O_RDONLY, 0) >= 0)
		fail |= 64;
	if (writ_policy_weaken(q, "file:/ptest/a.txt:r", &x, NULL) >= 0)
		fail |= 128;
	return fail;
}

static int
swapper(void)
{
	for (unsigned i = 0;; i++) {
		long r = writ_read(0, b, 1);

		if (r == 0 || (r < 0 && r != -EAGAIN))
			return 0;
		if (i & 1) {
			writ_unlink("/ptest/swap.txt");
			writ_symlink("/outside/secret.txt", "/ptest/swap.txt");
			writ_rename("/ptest/sw", "/outside/sw");
		} else {
			writ_unlink("/ptest/swap.txt");
			h_put_file("/ptest/swap.txt", "inner");
			writ_rename("/outside/sw", "/ptest/sw");
		}
		writ_yield();
	}
}

/* Every slot, and a copy of the policy minted with another badge: nothing reaches
 * what the policy does not show. */
static int
forge(void)
{
	writ_cptr_t pol = writ_scheme_cap("file"), s = writ_slot_alloc();
	writ_word_t a[2] = { O_RDONLY, 14 };
	int fail = 0;
	long r;

	/* Guessed slots: every empty one (what a slot holds is this process's own: only
	 * empty ones are guesses; the slot 0 never holds anything). */
	for (writ_cptr_t c = 0; s && c < 4096; c++) {
		long e = c ? writ_cnode_copy(WRIT_PSLOT_CNODE, s, 64, WRIT_PSLOT_CNODE, c, 64,
					     0) : WRIT_E_INVALID_CAP;

		if (e == WRIT_OK)
			writ_cnode_delete(WRIT_PSLOT_CNODE, s, 64);
		if (e != WRIT_E_INVALID_CAP && e != WRIT_E_LOOKUP_MISSING_CAP)
			continue;
		r = writ_scheme_call(c, SCHEME_OP_OPEN, a, 2, "/etc/boot.conf", 15, NULL, 0, NULL,
				     0);
		if (r >= 0)
			fail |= 1;
	}
	/* Badges are set once: a re-badged copy is refused, or keeps the old badge. */
	if (s && writ_cnode_mint(WRIT_PSLOT_CNODE, s, 64, WRIT_PSLOT_CNODE, pol, 64,
				 WRIT_RIGHTS_ALL, scheme_badge(1, 1, SCHEME_KIND_POLICY, 0)) == 0) {
		if (writ_open_via(s, "/etc/boot.conf", O_RDONLY, 0) >= 0)
			fail |= 2;
	}
	if (writ_open_via(pol, "/ptest/a.txt", O_RDONLY, 0) < 0)
		fail |= 4;
	return fail;
}

int
h_child(int argc, char **argv)
{
	static const struct { const char *name; int (*run)(void); } roles[] = {
		{ "sandbox", sandbox }, { "dirfd", dirfd }, { "race", race },
		{ "tree", tree }, { "relay", relay }, { "leaf", leaf },
		{ "swapper", swapper }, { "forge", forge },
	};

	h_root = writ_scheme_cap("file");
	if (argc < 1)
		return 100;
	for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(argv[0], roles[i].name) == 0)
			return roles[i].run();
	return 100;
}
