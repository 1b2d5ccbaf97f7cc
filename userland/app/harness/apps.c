/*
 * The seed's two examples (userland/app: each exits 0 when it went as it should) and
 * captree, which prints the policy tree the server lists (STATS 7).
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

void
t_apps(void)
{
	hcheck(run("/bin/readme-only", NULL), "apps/readme-only", "failed");
	hcheck(run("/bin/sandbox-cable", NULL), "apps/sandbox-cable", "failed");
	captree();
}
