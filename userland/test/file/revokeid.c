/*
 * Policies by id (what `captree` shows, `sandbox --print-id` prints and `revoke ID`
 * takes): STATS SELF names a policy's record, REVOKE_ID revokes another policy through
 * one's own only when that is it or an ancestor, STATS DENIALS tells what a policy
 * refused. The tree: root, a (all under /tmp/rid) weakened from it, b (all under
 * /tmp/rid/x) from a, and c (the files of /tmp) from the root.
 */
#include <errno.h>
#include <fcntl.h>

#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include "ftest.h"

static bool
contains(const char *s, const char *part)
{
	size_t n = strlen(part);

	for (; *s; s++)
		if (strncmp(s, part, n) == 0)
			return true;
	return false;
}

void
test_revoke_id(void)
{
	writ_cptr_t root = writ_scheme_cap("file"), a, b, c;
	long ida, idb, idc, r;
	char why[512];
	int fd, ra, rb, rc;

	writ_mkdir("/tmp/rid", 0755);
	writ_mkdir("/tmp/rid/x", 0755);
	put_file("/tmp/rid/x/f", 1, 10);
	put_file("/tmp/rid/g", 2, 10);
	ra = writ_policy_weaken(root, "file:/tmp/rid/" "**:rwl", &a, NULL);
	rb = ra ? ra : writ_policy_weaken(a, "file:/tmp/rid/x/" "**:r", &b, NULL);
	rc = writ_policy_weaken(root, "file:/tmp/" "*:r", &c, NULL);
	check(ra == 0 && rb == 0 && rc == 0, "revoke-id/setup", "weakens: %d %d %d", ra, rb, rc);
	ida = writ_policy_id(a);
	idb = writ_policy_id(b);
	idc = writ_policy_id(c);
	check(writ_policy_id(root) == 1 && ida > 1 && idb > 1 && idc > 1 && ida != idb &&
	      idb != idc, "revoke-id/ids", "root %ld a %ld b %ld c %ld",
	      writ_policy_id(root), ida, idb, idc);

	/* Not under the caller's policy: a sibling, an ancestor, the root; no policy. */
	check(writ_policy_revoke_id(a, (writ_word_t)idc) == -EPERM, "revoke-id/sibling-refused",
	      "a revoked c");
	check(writ_policy_revoke_id(b, (writ_word_t)ida) == -EPERM, "revoke-id/ancestor-refused",
	      "b revoked a");
	check(writ_policy_revoke_id(root, 1) == -EPERM, "revoke-id/root-refused",
	      "the root was revoked");
	check(writ_policy_revoke_id(a, 100000) == -ENOENT &&
	      writ_policy_revoke_id(a, 0) == -ENOENT, "revoke-id/no-such-id", "a bad id taken");
	fd = writ_open_via(b, "/tmp/rid/x/f", O_RDONLY, 0);
	check(fd >= 0, "revoke-id/open-through-b", "open: %d", fd);

	/* The denials b made, as --explain tells them. */
	writ_open_via(b, "/tmp/rid/g", O_RDONLY, 0);
	writ_open_via(b, "/tmp/rid/x/f", O_WRONLY, 0);
	r = writ_policy_denials(b, why, sizeof(why));
	check(r > 0 && contains(why, "open ENOENT /tmp/rid/g\n") &&
	      contains(why, "open EACCES /tmp/rid/x/f\n"), "revoke-id/denials", "%ld '%s'", r, why);
	r = writ_policy_denials(c, why, sizeof(why));
	check(r == 0, "revoke-id/denials-own-only", "c has %ld bytes of denials", r);

	/* Through an ancestor: b and its open file go, a and c stay. */
	r = writ_policy_revoke_id(a, (writ_word_t)idb);
	check(r >= 2, "revoke-id/by-ancestor", "revoke b through a: %ld", r);
	check(writ_read(fd, why, 1) < 0 && writ_open_via(b, "/tmp/rid/x/f", O_RDONLY, 0) < 0,
	      "revoke-id/subtree-gone", "b or its fd still work");
	check(writ_policy_revoke_id(a, (writ_word_t)idb) == -ENOENT, "revoke-id/twice",
	      "b revoked twice");
	r = writ_open_via(a, "/tmp/rid/x/f", O_RDONLY, 0);
	check(r >= 0, "revoke-id/others-stay", "a cannot open: %ld", r);
	if (r >= 0)
		writ_close((int)r);
	if (fd >= 0)
		writ_close(fd);
	/* A policy revokes itself by its own id, as REVOKE would. */
	check(writ_policy_revoke_id(c, (writ_word_t)idc) >= 1, "revoke-id/self", "c stayed");
	writ_policy_revoke(a);
	writ_policy_drop(a);
	writ_policy_drop(b);
	writ_policy_drop(c);
	writ_unlink("/tmp/rid/x/f");
	writ_unlink("/tmp/rid/g");
	writ_rmdir("/tmp/rid/x");
	writ_rmdir("/tmp/rid");
}
