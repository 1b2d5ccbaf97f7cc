/*
 * Revocation: a middle node and the root of a tree spread over several processes
 * (derived policies, fds opened through them, dup'ed, weakened and passed ones), use
 * after close, after revoke and after the holder's death, fd numbers reused after a
 * revoke, and revokes racing with other processes' opens, reads and weakens.
 */
#include "harness.h"

/* In one process (moved from /test/policy). */
static void
local(void)
{
	writ_cptr_t top = h_weaken(h_root, "file:/ptest/**:rwcdl");
	writ_cptr_t mid = h_weaken(top, "file:/ptest/*.txt:r");
	writ_cptr_t leaf = h_weaken(mid, "file:/ptest/a.txt:r");
	writ_cptr_t sib = h_weaken(top, "file:/ptest/*.md:r");
	int f1 = writ_open_via(leaf, "/ptest/a.txt", O_RDONLY, 0), f2 = writ_dup(f1);
	int f3 = writ_open_via(mid, "/ptest/in.txt", O_RDONLY, 0);
	int fr = writ_fd_weaken(f3, O_RDONLY);
	int dir = writ_open_via(top, "/ptest", O_RDONLY | O_DIRECTORY, 0);
	char b[8];
	long r;

	hcheck(f1 >= 0 && f2 >= 0 && f3 >= 0 && fr >= 0 && dir >= 0, "revoke/setup",
	       "%d %d %d %d %d", f1, f2, f3, fr, dir);
	r = writ_policy_revoke(mid);
	/* mid, leaf, and the records of f1 (f2 is a copy of its capability), f3, fr. */
	hcheck(r == 5, "revoke/middle-counts-records", "%ld records", r);
	hcheck(writ_read(f1, b, 1) == -EIO && writ_read(f2, b, 1) == -EIO &&
	       writ_read(f3, b, 1) == -EIO && writ_read(fr, b, 1) == -EIO,
	       "revoke/fds-fail-dup-and-weakened-too", "failed");
	hcheck(writ_open_via(leaf, "/ptest/a.txt", O_RDONLY, 0) == -EIO &&
	       writ_open_via(mid, "/ptest/a.txt", O_RDONLY, 0) == -EIO,
	       "revoke/derived-policies-fail", "failed");
	hcheck(writ_policy_weaken(leaf, "file:/ptest/a.txt:r", &mid, NULL) == -EIO,
	       "revoke/revoked-cannot-weaken", "failed");
	hcheck(writ_policy_revoke(leaf) == -EIO, "revoke/revoke-twice", "failed");
	hcheck(h_open_read(top, "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	       "revoke/spares-parent", "failed");
	hcheck(h_open_read(sib, "/ptest/b.md", O_RDONLY, "beta.") == 0,
	       "revoke/spares-sibling", "failed");
	hcheck(writ_openat(dir, "a.txt", O_RDONLY, 0) >= 0, "revoke/spares-parent-fds", "x");
	r = writ_policy_revoke(top);
	hcheck(r > 0 && writ_read(dir, b, 1) == -EIO &&
	       h_open_read(sib, "/ptest/b.md", O_RDONLY, "") == -EIO, "revoke/root-of-tree",
	       "%ld", r);

	/* An fd number reused after a revoke names the new file, never the old record. */
	writ_close(f2);
	int again = writ_open_via(h_root, "/ptest/b.md", O_RDONLY, 0);

	hcheck(again == f2 && writ_read(again, b, 5) == 5 && memcmp(b, "beta.", 5) == 0,
	       "revoke/fd-number-reused-names-new-file", "old %d new %d", f2, again);
	writ_close(again);
	writ_close(f1);
	hcheck(writ_read(f1, b, 1) == -EBADF, "revoke/use-after-close", "x");
	writ_close(f3);
	writ_close(fr);
	writ_close(dir);
	for (writ_cptr_t *c = (writ_cptr_t[]){ top, mid, leaf, sib, 0 }; *c; c++)
		writ_policy_drop(*c);
}

/* A child in role "tree": told 'c', it answers 'A' when all its handles (policies and
 * fds) work, 'D' when none does, 'M' when some do. */
static char
ask(int to, int from)
{
	char b = 'c';

	if (writ_write(to, &b, 1) != 1 || writ_read(from, &b, 1) != 1)
		return '?';
	return b;
}

/*
 * A tree over four processes: here top -> mid -> leaf, and sib beside mid. Children:
 * A holds top, B holds mid, C holds leaf and an fd opened here through mid, D holds
 * sib; each weakens what it holds, opens through both, dups and weakens an fd. Revoke
 * mid: B and C lose every handle, A and D none; then revoke top: everyone loses all.
 */
static void
tree(void)
{
	writ_cptr_t top = h_weaken(h_root, "file:/ptest/**:rl");
	writ_cptr_t mid = h_weaken(top, "file:/ptest/*.txt:r");
	writ_cptr_t leaf = h_weaken(mid, "file:/ptest/a.txt:r");
	writ_cptr_t sib = h_weaken(top, "file:/ptest/a.txt:r");
	writ_cptr_t held[4] = { top, mid, leaf, sib }, kid[4];
	int to[4][2], from[4][2], passed = writ_open_via(mid, "/ptest/a.txt", O_RDONLY, 0);
	char before[4], after_mid[4], after_top[4];
	long pid[4], st;
	bool ok = true;

	for (int i = 0; i < 4; i++) {
		writ_pipe(to[i]);
		writ_pipe(from[i]);
		int fds[3] = { to[i][0], from[i][1], i == 2 ? passed : -1 };
		char b;

		pid[i] = h_spawn_child("tree", held[i], fds, i == 2 ? 3 : 2, &kid[i]);
		ok = ok && pid[i] > 0 && writ_read(from[i][0], &b, 1) == 1 && b == 'r';
	}
	writ_close(passed);
	for (int i = 0; i < 4; i++)
		before[i] = ok ? ask(to[i][1], from[i][0]) : '?';
	hcheck(ok && memcmp(before, "AAAA", 4) == 0, "revoke/tree-over-four-processes-works",
	       "%c%c%c%c", before[0], before[1], before[2], before[3]);
	writ_policy_revoke(mid);
	for (int i = 0; i < 4; i++)
		after_mid[i] = ok ? ask(to[i][1], from[i][0]) : '?';
	hcheck(memcmp(after_mid, "ADDA", 4) == 0, "revoke/middle-node-across-processes",
	       "%c%c%c%c (A: all work, D: none, M: some)", after_mid[0], after_mid[1],
	       after_mid[2], after_mid[3]);
	writ_policy_revoke(top);
	for (int i = 0; i < 4; i++)
		after_top[i] = ok ? ask(to[i][1], from[i][0]) : '?';
	hcheck(memcmp(after_top, "DDDD", 4) == 0, "revoke/root-across-processes",
	       "%c%c%c%c (A: all work, D: none, M: some)", after_top[0], after_top[1],
	       after_top[2], after_top[3]);
	for (int i = 0; i < 4; i++) {
		writ_close(to[i][1]);           /* end of commands: the child leaves */
		if (pid[i] > 0 && !h_wait_ok(kid[i], &st))
			ok = false;
		writ_close(to[i][0]);
		writ_close(from[i][0]);
		writ_close(from[i][1]);
	}
	hcheck(ok, "revoke/tree-children-end", "a child failed");
	for (int i = 0; i < 4; i++)
		writ_policy_drop(held[i]);
}

/* The holder dies: its records go, what others hold keeps working. */
static void
holder_death(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r"), kid;
	int to[2], from[2];
	long before = h_records(), during, after, st;
	char b;

	writ_pipe(to);
	writ_pipe(from);
	int fds[2] = { to[0], from[1] };
	long pid = h_spawn_child("tree", p, fds, 2, &kid);

	if (pid > 0)
		writ_read(from[0], &b, 1);
	during = h_records();
	writ_proc_kill(kid);
	writ_proc_wait(kid);
	after = h_records();
	hcheck(pid > 0 && during > before && after == before,
	       "revoke/holder-death-frees-its-records", "%ld %ld %ld", before, during, after);
	hcheck(h_open_read(p, "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	       "revoke/holder-death-spares-giver", "x");
	st = writ_policy_revoke(p);
	hcheck(st == 1, "revoke/after-holder-death-only-own-record", "%ld", st);
	for (int i = 0; i < 2; i++) {
		writ_close(to[i]);
		writ_close(from[i]);
	}
	writ_policy_drop(p);
}

/* Revokes racing with a sandboxed child's reads, opens and weakens: nothing the child
 * begins after the revoke returned succeeds. Each round revokes after a number of
 * yields drawn from the seed. */
static void
races(void)
{
	unsigned bad = 0;
	long st = 0;

	for (unsigned round = 0; round < h_rounds; round++) {
		writ_cptr_t top = h_weaken(h_root, "file:/ptest/*.txt:r"), child;
		unsigned yields = (unsigned)(h_rand() % 64);
		int to[2], from[2];
		char b[1];

		writ_pipe2(to, O_NONBLOCK);
		writ_pipe(from);
		int fds[2] = { to[0], from[1] };
		long pid = h_spawn_child("race", top, fds, 2, &child);

		if (pid > 0 && writ_read(from[0], b, 1) == 1) {
			for (unsigned k = 0; k < yields; k++)
				writ_yield();
			writ_policy_revoke(top);
			writ_write(to[1], "g", 1);
			st = writ_proc_wait(child);
		}
		if (pid <= 0 || !WRIT_WAIT_EXITED(st) || WRIT_WAIT_STATUS(st) != 0) {
			bad++;
			writ_printf("# race round %u (%u yields): pid %ld status %lx\n", round,
				    yields, pid, st);
		}
		for (int i = 0; i < 2; i++) {
			writ_close(to[i]);
			writ_close(from[i]);
		}
		writ_policy_drop(top);
	}
	hcheck(bad == 0, "revoke/races-with-reads-opens-weakens", "%u of %u rounds failed", bad,
	       h_rounds);
}

void
t_revoke(void)
{
	local();
	tree();
	holder_death();
	races();
}
