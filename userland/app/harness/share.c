/*
 * Sharing: a policy over cable: and over IPC with Grant, along a chain of three
 * processes (here -> IPC -> a relay that weakens what it got -> cable: -> a sandboxed
 * leaf), each receiver using and weakening, never widening; a revoke here reaches the
 * end of the chain.
 */
#include "harness.h"

static void
over_cable(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r"), c = 0, c2 = 0, q;
	int cab[2], got[3], fd = writ_fd_install(p);
	unsigned n = 3;
	uint64_t key;
	long r;

	writ_cable_pair(cab);
	r = writ_cable_send(cab[0], 7, "p", 1, &fd, 1);
	r = r < 0 ? r : writ_cable_recv(cab[1], &key, NULL, 0, got, &n);
	hcheck(r >= 0 && n == 1, "share/policy-over-cable", "%ld, %u fds", r, n);
	if (r >= 0 && n == 1) {
		q = writ_fd_cap(got[0]);
		hcheck(h_open_read(q, "/ptest/a.txt", O_RDONLY, "alpha") == 0 &&
		       h_open_read(q, "/ptest/b.md", O_RDONLY, "") == -ENOENT,
		       "share/received-policy-bounded", "failed");
		hcheck(writ_policy_weaken(q, "file:/ptest/a.txt:r", &c, NULL) == 0 &&
		       writ_policy_weaken(q, "file:/ptest/**:r", &c2, NULL) == -EPERM && !c2,
		       "share/received-policy-weakens-not-widens", "failed");
		writ_policy_drop(c);
		writ_close(got[0]);
	}
	writ_close(cab[0]);
	writ_close(cab[1]);
}

/* Sandboxed processes: one holding nothing but its policy, one given a directory fd
 * (bounded by the policy it was opened through, whoever holds it). */
static void
sandboxes(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r"), child;
	writ_cptr_t d = h_weaken(h_root, "file:/ptest/**:rl");
	long pid = h_spawn_child("sandbox", p, NULL, 0, &child), st = -1;
	int dir = writ_open_via(d, "/ptest", O_RDONLY | O_DIRECTORY, 0);
	bool waited = pid > 0 && h_wait_ok(child, &st);

	/* file: records the child's denied opens under its own pid (the host checks). */
	writ_printf("# harness: sandbox child pid %ld\n", pid);

	hcheck(waited, "share/sandboxed-child-holds-only-its-policy",
	       "pid %ld status %lx (bits: what failed)", pid, st);
	int fds[1] = { dir };
	pid = h_spawn_child("dirfd", 0, fds, 1, &child);
	waited = pid > 0 && h_wait_ok(child, &st);
	hcheck(waited, "share/dir-fd-sent-stays-bounded",
	       "pid %ld status %lx (bits: what failed)", pid, st);
	writ_close(dir);
	writ_policy_drop(d);
	writ_policy_drop(p);
}

/* here -> (IPC, Grant) -> relay -> (cable:) -> leaf; then a revoke here. */
static void
chain_of_three(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r"), ep = 0, relay = 0, leaf = 0;
	int cab[2], rep[2], go[2];
	struct writ_spawn_opts o = { 0 };
	const char *rargv[] = { h_self, "child", "relay", NULL };
	struct writ_msg m = { 0 };
	long rpid = -1, lpid, st = -1, r = -1;
	char b[1];

	writ_own_object(WRIT_OBJ_ENDPOINT, 0, &ep);
	writ_cable_pair(cab);
	writ_pipe(rep);
	writ_pipe(go);
	o.caps[o.ncaps++] = (struct writ_spawn_cap){ .slot = (uint32_t)ep,
		.kind = WRIT_SCAP_OTHER, .name = "ep" };
	writ_spawn_opts_fd(&o, cab[0], 0);
	if (ep)
		rpid = writ_spawn(h_self, rargv, &o, &relay);
	int lfds[3] = { cab[1], rep[1], go[0] };
	lpid = h_spawn_child("leaf", 0, lfds, 3, &leaf);
	if (rpid > 0) {
		m.info = writ_msginfo(1, 1, 1);
		writ_set_cap(0, p);
		r = writ_call(ep, &m);
	}
	hcheck(rpid > 0 && r == 0 && m.mr[0] == 0, "share/policy-over-ipc-weakened-by-receiver",
	       "pid %ld call %ld bits %lx", rpid, r, (unsigned long)m.mr[0]);
	bool waited = rpid > 0 && h_wait_ok(relay, &st);

	hcheck(waited, "share/relay-ends", "status %lx", st);
	r = lpid > 0 ? writ_read(rep[0], b, 1) : -1;
	hcheck(r == 1 && b[0] == 'r', "share/chain-of-three-leaf-uses-it", "%ld", r);
	r = writ_policy_revoke(p);
	writ_write(go[1], "g", 1);
	bool leaf_ok = lpid > 0 && h_wait_ok(leaf, &st);

	hcheck(r > 0 && leaf_ok,
	       "share/chain-of-three-revoked-from-the-top",
	       "revoke %ld, leaf status %lx (bits: what still worked)", r, st);
	for (int i = 0; i < 2; i++) {
		writ_close(cab[i]);
		writ_close(rep[i]);
		writ_close(go[i]);
	}
	writ_policy_drop(p);
	if (ep) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, ep, 64);
		writ_slot_free(ep);
	}
}

/* pipe: and cable: fds weakened to fewer rights, and revoked with what came of them. */
static void
pipe_and_cable_fds(void)
{
	int p[2], c[2], got[3];
	char b[4];
	unsigned n = 3;
	uint64_t key;

	writ_pipe(p);
	int w1 = writ_fd_weaken(p[1], O_WRONLY), w2 = w1 >= 0 ? writ_fd_weaken(w1, O_WRONLY) : -1;
	int w3 = w2 >= 0 ? writ_dup(w2) : -1;

	hcheck(w1 >= 0 && w2 >= 0 && writ_write(w2, "x", 1) == 1 && writ_read(p[0], b, 1) == 1,
	       "share/pipe-fd-weakened-writes", "%d %d", w1, w2);
	hcheck(writ_fd_weaken(p[1], O_RDONLY) == -EPERM && writ_fd_weaken(p[0], O_RDWR) == -EPERM,
	       "share/pipe-fd-weaken-refuses-other-direction", "x");
	long r = writ_fd_revoke(w1);

	hcheck(r == 2 && writ_write(w1, "x", 1) == -EIO && writ_write(w2, "x", 1) == -EIO &&
	       writ_write(w3, "x", 1) == -EIO, "share/pipe-fd-revoke-takes-weakened-and-dups",
	       "%ld records", r);
	hcheck(writ_write(p[1], "y", 1) == 1 && writ_read(p[0], b, 1) == 1 && b[0] == 'y',
	       "share/pipe-fd-revoke-spares-parent", "x");
	hcheck(writ_fd_revoke(p[1]) == 1 && writ_read(p[0], b, 1) == 0,
	       "share/pipe-write-end-revoked-reader-sees-eof", "x");
	for (int *fd = (int[]){ p[0], p[1], w1, w2, w3, -1 }; *fd >= 0; fd++)
		writ_close(*fd);

	writ_cable_pair(c);
	int ro = writ_fd_weaken(c[0], O_RDONLY), wo = writ_fd_weaken(c[0], O_WRONLY);

	hcheck(ro >= 0 && wo >= 0 && writ_cable_send(ro, 1, "a", 1, NULL, 0) == -EBADF &&
	       writ_cable_send(wo, 2, "b", 1, NULL, 0) == 1 &&
	       writ_cable_recv(c[1], &key, b, sizeof(b), got, &n) == 1 && key == 2,
	       "share/cable-fd-send-only", "%d %d", ro, wo);
	n = 3;
	hcheck(writ_cable_send(c[1], 3, "c", 1, NULL, 0) == 1 &&
	       writ_cable_recv(ro, &key, b, sizeof(b), got, &n) == 1 && key == 3 &&
	       writ_cable_recv(wo, &key, b, sizeof(b), got, &n) == -EBADF,
	       "share/cable-fd-receive-only", "x");
	hcheck(writ_fd_weaken(ro, O_RDWR) == -EPERM && writ_fd_weaken(ro, O_WRONLY) == -EPERM,
	       "share/cable-fd-weaken-refuses-more", "x");
	r = writ_fd_revoke(ro);
	hcheck(r == 1 && writ_cable_recv(ro, &key, b, sizeof(b), got, &n) == -EIO &&
	       writ_cable_send(c[0], 4, "d", 1, NULL, 0) == 1, "share/cable-fd-revoke",
	       "%ld records", r);
	for (int *fd = (int[]){ c[0], c[1], ro, wo, -1 }; *fd >= 0; fd++)
		writ_close(*fd);
}

void
t_share(void)
{
	pipe_and_cable_fds();
	over_cable();
	sandboxes();
	chain_of_three();
}
