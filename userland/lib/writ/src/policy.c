/*
 * Policies from the client's side (writ/policy.h): requests on policy capabilities,
 * and the sandbox a child starts in.
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

int
writ_policy_weaken(writ_cptr_t policy, const char *text, writ_cptr_t *out,
		   struct writ_weaken_why *why)
{
	return writ_policy_weaken_flags(policy, text, 0, out, why);
}

int
writ_policy_weaken_flags(writ_cptr_t policy, const char *text, unsigned flags,
			 writ_cptr_t *out, struct writ_weaken_why *why)
{
	size_t len = strlen(text);
	writ_word_t args[2] = { len, flags }, res[3] = { 0, 0, 0 };
	char ce[SCHEME_INLINE];
	writ_cptr_t got = 0;
	long r;

	*out = 0;
	if (!policy)
		return -EBADF;
	if (len == 0 || len > SCHEME_INLINE)
		return -EINVAL;
	r = writ_scheme_call_cap(policy, SCHEME_OP_WEAKEN, args, 2, text, len, NULL, 0, res, 3,
				 &got);
	if (r == -EPERM && why) {
		/* The counterexample's length is in register 3, its bytes in the data words. */
		size_t n = res[2] < SCHEME_INLINE ? (size_t)res[2] : SCHEME_INLINE;

		memcpy(ce, &writ_ipc_buffer()->msg[SCHEME_DATA_WORD], n);
		*why = (struct writ_weaken_why){ .why = (int)res[0],
						 .extra_rights = (uint8_t)res[1] };
		memcpy(why->path, ce, n);
		why->path[n] = 0;
	} else if (r == -EINVAL && why) {
		*why = (struct writ_weaken_why){ .code = (long)res[0], .offset = (long)res[1] };
	}
	if (r < 0) {
		if (got)
			writ_policy_drop(got);
		return (int)r;
	}
	if (!got)
		return -EIO;
	writ_ident_set(got, writ_ident_of(policy));
	*out = got;
	return 0;
}

long
writ_policy_revoke(writ_cptr_t policy)
{
	if (!policy)
		return -EBADF;
	return writ_scheme_call(policy, SCHEME_OP_REVOKE, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

long
writ_policy_revoke_id(writ_cptr_t policy, writ_word_t id)
{
	if (!policy)
		return -EBADF;
	return writ_scheme_call(policy, SCHEME_OP_REVOKE_ID, &id, 1, NULL, 0, NULL, 0, NULL, 0);
}

/* file:'s STATS kinds (srv/file/serve.c): the record called, its denials. */
#define POLICY_STATS_SELF 8
#define POLICY_STATS_DENIALS 9

long
writ_policy_id(writ_cptr_t policy)
{
	writ_word_t arg = POLICY_STATS_SELF;

	if (!policy)
		return -EBADF;
	return writ_scheme_call(policy, SCHEME_OP_STATS, &arg, 1, NULL, 0, NULL, 0, NULL, 0);
}

long
writ_policy_denials(writ_cptr_t policy, char *buf, size_t n)
{
	writ_word_t arg = POLICY_STATS_DENIALS;
	long r;

	if (!policy)
		return -EBADF;
	if (n == 0)
		return -EINVAL;
	r = writ_scheme_call(policy, SCHEME_OP_STATS, &arg, 1, NULL, 0, buf, n - 1, NULL, 0);
	buf[r > 0 ? (size_t)r : 0] = 0;
	return r;
}

long
writ_fd_revoke(int fd)
{
	writ_cptr_t cap = writ_fd_cap(fd);

	if (!cap)
		return -EBADF;
	return writ_scheme_call(cap, SCHEME_OP_REVOKE, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
}

void
writ_policy_drop(writ_cptr_t policy)
{
	if (!policy)
		return;
	writ_cnode_delete(WRIT_PSLOT_CNODE, policy, 64);
	writ_slot_free(policy);
}

long
writ_spawn_sandbox(const char *path, const char *const *argv,
		   const struct writ_sandbox_policy *policies, unsigned npolicies,
		   const int *fds, unsigned nfds, writ_cptr_t *child)
{
	struct writ_spawn_opts o = { 0 };
	const unsigned max = sizeof(o.caps) / sizeof(o.caps[0]);

	for (unsigned i = 0; i < npolicies; i++) {
		struct writ_spawn_cap *c;

		if (!policies[i].cap || !policies[i].scheme)
			return -EBADF;
		if (o.ncaps == max)
			return -E2BIG;
		c = &o.caps[o.ncaps++];
		*c = (struct writ_spawn_cap){ .slot = (uint32_t)policies[i].cap,
					      .kind = WRIT_SCAP_SCHEME };
		if (strlen(policies[i].scheme) >= sizeof(c->name))
			return -EINVAL;
		memcpy(c->name, policies[i].scheme, strlen(policies[i].scheme));
	}
	for (unsigned i = 0; i < nfds; i++) {
		int r;

		if (fds[i] < 0)
			continue;
		if ((r = writ_spawn_opts_fd(&o, fds[i], (int)i)) != 0)
			return r == -EMFILE ? -E2BIG : r;
	}
	return writ_spawn(path, argv, &o, child);
}
