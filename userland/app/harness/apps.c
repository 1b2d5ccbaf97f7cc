/*
 * The seed's two examples (userland/app: each exits 0 when it went as it should) and
 * captree, which prints the policy tree the server lists (STATS 7, 10, 11) with who
 * holds each record now (init's writ_proc_holders).
 */
#include "harness.h"

static bool
run(const char *path, const char *arg)
{
	const char *argv[] = { path, arg, NULL };
	writ_cptr_t child;
	long pid = writ_spawn(path, argv, NULL, &child), st = -1;

	return pid > 0 && h_wait_ok(child, &st);
}

/* Is this listing line a policy with rights "rl"? */
static bool
has_rl(const char *l)
{
	for (; *l; l++)
		if (l[0] == ' ' && l[1] == 'r' && l[2] == 'l' && l[3] == ' ')
			return true;
	return false;
}

static void
captree(void)
{
	writ_cptr_t top = h_weaken(h_root, "file:/ptest/**:rl");
	writ_cptr_t mid = h_weaken(top, "file:/ptest/*.txt:r");
	int fd = writ_open_via(mid, "/ptest/a.txt", O_RDONLY, 0);
	static char text[8192];
	size_t used = 0;
	writ_word_t from = 1;
	char want[64];
	unsigned top_index = 0, me = writ_startinfo()->pid;
	bool found = false;

	do {
		writ_word_t a[2] = { 7, from }, next = 0;
		long n = writ_scheme_call(h_root, SCHEME_OP_STATS, a, 2, NULL, 0, text + used,
					  sizeof(text) - 1 - used, &next, 1);

		if (n < 0 || used + (size_t)n >= sizeof(text) - 1)
			break;
		used += (size_t)n;
		from = next;
	} while (from);
	text[used] = 0;
	/* "index parent rights flags fds maker openers glob": find top's index, then mid
	 * under it. */
	for (int pass = 0; pass < 2; pass++)
		for (char *l = text; *l;) {
			char *e = strchr(l, '\n');
			size_t len;

			if (!e)
				break;
			*e = 0;
			len = strlen(l);
			if (pass == 0 && len > 10 && strcmp(l + len - 10, " /ptest/**") == 0 &&
			    has_rl(l))
				for (const char *c = l; *c >= '0' && *c <= '9'; c++)
					top_index = top_index * 10 + (unsigned)(*c - '0');
			/* mid: weakened by us, one file open, by us. */
			writ_snprintf(want, sizeof(want), " %u r - 1 %u %u /ptest/*.txt", top_index,
				      me, me);
			if (pass == 1 && top_index && len > strlen(want) &&
			    strcmp(l + len - strlen(want), want) == 0)
				found = true;
			*e = '\n';
			l = e + 1;
		}
	hcheck(found, "apps/stats-lists-policy-tree-with-maker-and-openers", "top %u", top_index);
	hcheck(run("/bin/captree", "file"), "apps/captree-text", "failed");
	hcheck(run("/bin/captree", "--dot"), "apps/captree-dot", "failed");
	writ_close(fd);
	writ_policy_drop(mid);
	writ_policy_drop(top);
}

/* argv[0] with argv, its standard output into buf (NUL-terminated): exit status 0? */
static bool
run_capture(const char *const *argv, char *buf, size_t cap)
{
	struct writ_spawn_opts o = { 0 };
	writ_cptr_t child;
	size_t used = 0;
	long pid, n, st = -1;
	int p[2];

	if (writ_pipe(p) < 0)
		return false;
	writ_spawn_opts_inherit(&o);
	writ_spawn_opts_fd(&o, p[1], 1);
	pid = writ_spawn(argv[0], argv, &o, &child);
	writ_close(p[1]);
	while (pid > 0 && used + 1 < cap && (n = writ_read(p[0], buf + used, cap - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = 0;
	writ_close(p[0]);
	return pid > 0 && h_wait_ok(child, &st);
}

static struct writ_holder hs[1024];
static unsigned n_hs;

/* Who holds file:'s capabilities now, as init sees every CSpace. */
static bool
load_holders(void)
{
	unsigned long cursor = 0;

	n_hs = 0;
	do {
		long n = writ_proc_holders(h_root, &cursor, hs + n_hs, 1024 - n_hs);

		if (n < 0)
			return false;
		n_hs += (unsigned)n;
	} while (cursor && n_hs + 64 < 1024);
	return true;
}

/* The record the capability in process pid's slot names, or -1. */
static long
record_at(unsigned pid, writ_word_t slot)
{
	for (unsigned i = 0; i < n_hs; i++)
		if (hs[i].pid == pid && hs[i].slot == slot)
			return scheme_badge_index(hs[i].badge);
	return -1;
}

static bool
pid_holds(unsigned pid, long record)
{
	for (unsigned i = 0; i < n_hs; i++)
		if (hs[i].pid == pid && (long)scheme_badge_index(hs[i].badge) == record &&
		    scheme_badge_kind(hs[i].badge) == SCHEME_KIND_POLICY)
			return true;
	return false;
}

static bool
pid_holds_any(unsigned pid)
{
	for (unsigned i = 0; i < n_hs; i++)
		if (hs[i].pid == pid)
			return true;
	return false;
}

/* Who holds a policy, through a sandboxed child's life, its death and a revoke. */
static void
holders(void)
{
	static char text[16384];
	writ_cptr_t p = h_weaken(h_root, "file:/ptest/*.txt:r"), kid;
	unsigned me = writ_startinfo()->pid;
	int to[2], from[2];
	char b = 0, pidtext[16], mine[32];
	long rec = -1, pid;

	hcheck(load_holders() && (rec = record_at(me, p)) > 1, "apps/holders-see-own-policy",
	       "%u holders, none in slot %lu", n_hs, (unsigned long)p);
	hcheck(writ_proc_holders(1, &(unsigned long){ 0 }, hs, 1024) == -EINVAL,
	       "apps/holders-refused-without-scheme-cap", "init answered for slot 1");
	hcheck(writ_proc_holders(h_root, &(unsigned long){ 0 }, hs, 2) == -EINVAL,
	       "apps/holders-refused-small-array", "init answered into 2 entries");
	writ_pipe(to);
	writ_pipe(from);
	int fds[2] = { to[0], from[1] };
	pid = h_spawn_child("tree", p, fds, 2, &kid);
	if (pid > 0)
		writ_read(from[0], &b, 1);
	hcheck(pid > 0 && b == 'r' && load_holders() && pid_holds((unsigned)pid, rec) &&
	       pid_holds(me, rec), "apps/holders-see-child-holding-policy",
	       "child %ld, record %ld", pid, rec);
	{
		unsigned bad = 0;
		char name[WRIT_CAP_NAME];

		for (unsigned i = 0; i < n_hs; i++)
			if (writ_proc_name(hs[i].pid, name, sizeof(name)) < 0 ||
			    scheme_badge_kind(hs[i].badge) == 0)
				bad++;
		hcheck(n_hs > 2 && !bad, "apps/holders-are-live-processes-with-badges",
		       "%u of %u entries name no live process or no record", bad, n_hs);
	}
	writ_snprintf(pidtext, sizeof(pidtext), "%ld", pid);
	{
		const char *argv[] = { "/bin/captree", "--pid", pidtext, NULL };

		writ_snprintf(mine, sizeof(mine), "held by pid %ld", pid);
		hcheck(pid > 0 && run_capture(argv, text, sizeof(text)) &&
		       strstr(text, "/ptest/*.txt:r") && strstr(text, mine) &&
		       strstr(text, "open /ptest/"), "apps/captree-pid-shows-holder-and-files",
		       "%.300s", text);
	}
	writ_proc_kill(kid);
	writ_proc_wait(kid);
	hcheck(load_holders() && !pid_holds_any((unsigned)pid) && pid_holds(me, rec),
	       "apps/holders-forget-the-dead", "child %ld still listed", pid);
	hcheck(writ_policy_revoke(p) > 0 && load_holders() && record_at(me, p) < 0,
	       "apps/holders-revoked-copy-gone", "slot %lu still holds it", (unsigned long)p);
	{
		const char *argv[] = { "/bin/captree", NULL };

		writ_snprintf(mine, sizeof(mine), "by pid %u", me);
		hcheck(run_capture(argv, text, sizeof(text)) && strstr(text, "revoked (the last") &&
		       strstr(text, "/ptest/*.txt:r  [record") && strstr(text, mine),
		       "apps/captree-shows-revoked", "%.300s", text);
	}
	for (int i = 0; i < 2; i++) {
		writ_close(to[i]);
		writ_close(from[i]);
	}
	writ_policy_drop(p);
}

void
t_apps(void)
{
	hcheck(run("/bin/readme-only", NULL), "apps/readme-only", "failed");
	hcheck(run("/bin/sandbox-cable", NULL), "apps/sandbox-cable", "failed");
	captree();
	holders();
}
