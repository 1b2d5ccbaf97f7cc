/*
 * revoke: take back a policy, and everything derived from it, by its id.
 *
 *   revoke [SCHEME:]ID...        (SCHEME: file by default)
 *
 * ID is what captree shows ([record ID, ...]) and `sandbox --print-id` prints. The
 * server revokes it only when the policy this process holds for SCHEME is that one or
 * one it was derived from: a shell holding the root policy can revoke any policy of
 * its scheme, a sandboxed program only what it derived itself. Every policy weakened
 * from it and every file opened through them goes too, in every process.
 * Exit status: 0 when every ID was revoked, 1 otherwise (a line on stderr says why).
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>


static bool
revoke_one(const char *arg)
{
	const char *colon = strchr(arg, ':'), *num = colon ? colon + 1 : arg;
	char scheme[16] = "file";
	writ_word_t id = 0;
	writ_cptr_t mine;
	long r;

	if (colon) {
		size_t n = (size_t)(colon - arg);

		if (n == 0 || n >= sizeof(scheme)) {
			writ_dprintf(2, "revoke: '%s': no scheme name before ':'\n", arg);
			return false;
		}
		memcpy(scheme, arg, n);
		scheme[n] = 0;
	}
	for (const char *p = num; *p; p++) {
		if (*p < '0' || *p > '9' || id > 1000000000) {
			writ_dprintf(2, "revoke: '%s': an id is a number (captree shows them)\n", arg);
			return false;
		}
		id = id * 10 + (writ_word_t)(*p - '0');
	}
	if (!*num) {
		writ_dprintf(2, "revoke: '%s': an id is a number (captree shows them)\n", arg);
		return false;
	}
	if (!(mine = writ_scheme_cap(scheme))) {
		writ_dprintf(2, "revoke: you hold no %s: policy\n", scheme);
		return false;
	}
	r = writ_policy_revoke_id(mine, id);
	if (r >= 0) {
		writ_dprintf(1, "revoke: %s policy %lu revoked (%ld records)\n", scheme, id, r);
		return true;
	}
	if (r == -ENOENT)
		writ_dprintf(2, "revoke: no %s policy has id %lu (captree lists them)\n", scheme, id);
	else if (r == -EPERM)
		writ_dprintf(2, "revoke: %s policy %lu is not yours to revoke: you hold neither it nor a "
		    "policy it was derived from (or it is the root)\n", scheme, id);
	else
		writ_dprintf(2, "revoke: %s policy %lu: refused (errno %ld)\n", scheme, id, -r);
	return false;
}

int
main(int argc, char **argv)
{
	bool ok = true;

	if (argc < 2) {
		writ_dprintf(2, "usage: revoke [SCHEME:]ID...   (ids as captree shows them)\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		ok &= revoke_one(argv[i]);
	return ok ? 0 : 1;
}
