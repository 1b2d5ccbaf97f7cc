/*
 * Derivation: weaken by glob and by rights, every kind of refused strengthening (each
 * with its reason and counterexample), chains of ten, fds to fewer rights, and
 * policies revocable by their giver only. A received policy is weakened in share.c.
 */
#include "harness.h"

static bool
ends_txt(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && strcmp(s + n - 4, ".txt") == 0;
}

/* Each refusal: (text, reason) against parent /ptest/ *.txt:rw. */
static const struct {
	const char *text, *name;
	int why;
} refusals[] = {
	{ "file:/ptest/*:r", "wider-glob", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/**:r", "dstar", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/*.txt/x:r", "deeper-than-star", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/*.tx?:r", "question-mark", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/[ab].*:r", "class", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/.*.txt:r", "dotfiles", SCHEME_WEAKEN_GLOB },
	{ "file:/**:r", "everything", SCHEME_WEAKEN_GLOB },
	{ "file:/ptest/a.txt:rwx", "more-rights-x", SCHEME_WEAKEN_RIGHTS },
	{ "file:/ptest/a.txt:rwc", "more-rights-c", SCHEME_WEAKEN_RIGHTS },
	{ "file:/ptest/a.txt:rwd", "more-rights-d", SCHEME_WEAKEN_RIGHTS },
	{ "file:/ptest/a.txt:rl", "more-rights-l", SCHEME_WEAKEN_RIGHTS },
	{ "tmp:/ptest/a.txt:r", "other-scheme", SCHEME_WEAKEN_SCHEME },
};

static void
weaken_cases(void)
{
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:rw"), c = 0, n = 0;
	struct writ_weaken_why why;
	char name[64];
	int r;

	r = writ_policy_weaken(p, "file:/ptest/a.txt:r", &n, NULL);
	hcheck(r == 0 && h_open_read(n, "/ptest/a.txt", O_RDONLY, "alpha") == 0 &&
	       h_open_read(n, "/ptest/z.txt", O_RDONLY, "") == -ENOENT &&
	       h_open_read(n, "/ptest/a.txt", O_RDWR, "") == -EACCES,
	       "derive/by-glob-and-rights", "%d", r);
	writ_policy_drop(n);
	r = writ_policy_weaken(p, "file:/ptest/*.txt:w", &n, NULL);
	hcheck(r == 0 && h_open_read(n, "/ptest/a.txt", O_RDONLY, "") == -EACCES,
	       "derive/by-rights-only", "%d", r);
	writ_policy_drop(n);
	for (unsigned i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		memset(&why, 0, sizeof(why));
		c = 0;
		r = writ_policy_weaken(p, refusals[i].text, &c, &why);
		writ_snprintf(name, sizeof(name), "derive/refuses-%s", refusals[i].name);
		hcheck(r == -EPERM && why.why == refusals[i].why && !c &&
		       (why.why != SCHEME_WEAKEN_GLOB ||
			(why.path[0] == '/' && !(strncmp(why.path, "/ptest/", 7) == 0 &&
						 !strchr(why.path + 7, '/') && ends_txt(why.path) &&
						 why.path[7] != '.'))),
		       name, "%d why %d counterexample '%s'", r, why.why, why.path);
	}
	r = writ_policy_weaken(p, "file:/ptest/*:r", &c, &why);
	hcheck(r == -EPERM && strncmp(why.path, "/ptest/", 7) == 0 && !ends_txt(why.path),
	       "derive/counterexample-is-outside-parent", "'%s'", why.path);
	r = writ_policy_weaken(p, "file:/ptest/a.txt:rwx", &c, &why);
	hcheck(r == -EPERM && why.extra_rights == 0x10, "derive/says-which-rights",
	       "extra %x", why.extra_rights);
	r = writ_policy_weaken(p, "file:/a/b**:r", &c, &why);
	hcheck(r == -EINVAL && why.offset == 9, "derive/malformed-says-where", "%d at %ld", r,
	       why.offset);
	r = writ_policy_weaken(p, "file:/ptest/a.txt:rq", &c, &why);
	hcheck(r == -EINVAL, "derive/malformed-rights", "%d", r);

	/* A chain of ten, each within the one before. */
	writ_cptr_t chain[11];
	bool ok = true;
	int i;

	chain[0] = p;
	for (i = 1; i <= 10 && ok; i++)
		ok = writ_policy_weaken(chain[i - 1], i < 5 ? "file:/ptest/?.txt:rw" :
					"file:/ptest/a.txt:r", &chain[i], NULL) == 0;
	hcheck(ok && h_open_read(chain[10], "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	       "derive/chain-of-ten", "broke at %d", i - 1);
	hcheck(h_open_read(chain[10], "/ptest/in.txt", O_RDONLY, "alpha") == 0,
	       "derive/chain-end-through-symlink", "failed");
	hcheck(writ_policy_weaken(chain[10], "file:/ptest/?.txt:r", &c, NULL) == -EPERM &&
	       writ_policy_weaken(chain[5], "file:/ptest/a.txt:rw", &c, NULL) == -EPERM,
	       "derive/chain-cannot-widen-back", "failed");

	/* An fd, to fewer rights. */
	int fd = writ_open_via(p, "/ptest/a.txt", O_RDWR, 0), ro, wo;
	char b[8];

	ro = writ_fd_weaken(fd, O_RDONLY);
	hcheck(fd >= 0 && ro >= 0 && writ_read(ro, b, 5) == 5 && memcmp(b, "alpha", 5) == 0,
	       "derive/fd-to-read-only", "fd %d ro %d", fd, ro);
	hcheck(writ_write(ro, "x", 1) == -EBADF, "derive/fd-weakened-cannot-write", "failed");
	hcheck(writ_fd_weaken(ro, O_RDWR) == -EPERM && writ_fd_weaken(ro, O_WRONLY) == -EPERM,
	       "derive/fd-refuses-more", "failed");
	wo = writ_fd_weaken(fd, O_WRONLY);
	hcheck(wo >= 0 && writ_read(wo, b, 1) == -EBADF, "derive/fd-to-write-only", "%d", wo);
	writ_close(wo);
	writ_close(ro);
	writ_close(fd);
	for (i = 1; i <= 10; i++)
		writ_policy_drop(chain[i]);
	writ_policy_drop(p);
}

/* Revocable by its giver only: the holder uses and weakens it, cannot revoke it; the
 * giver revokes the policy it made it from. */
static void
giver_only(void)
{
	writ_cptr_t own = h_weaken(h_root, "file:/ptest/*.txt:r"), give = 0, sub = 0;
	int r = writ_policy_weaken_flags(own, "file:/ptest/*.txt:r", SCHEME_WEAKEN_NOREVOKE,
					 &give, NULL);

	hcheck(r == 0 && writ_policy_weaken(give, "file:/ptest/a.txt:r", &sub, NULL) == 0 &&
	       h_open_read(give, "/ptest/a.txt", O_RDONLY, "alpha") == 0,
	       "derive/giver-only-usable-weakenable", "%d", r);
	hcheck(writ_policy_revoke(give) == -EPERM, "derive/giver-only-holder-cannot-revoke", "x");
	hcheck(writ_policy_revoke(sub) == 1, "derive/giver-only-holder-revokes-its-own", "x");
	hcheck(writ_policy_revoke(own) == 2 &&
	       h_open_read(give, "/ptest/a.txt", O_RDONLY, "") == -EIO,
	       "derive/giver-only-giver-revokes", "x");
	hcheck(writ_policy_revoke(h_root) == -EPERM, "derive/root-not-revocable", "x");
	writ_policy_drop(own);
	writ_policy_drop(give);
	writ_policy_drop(sub);
}

void
t_derive(void)
{
	weaken_cases();
	giver_only();
}
