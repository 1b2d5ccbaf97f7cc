/*
 * /bin/harness: the derivation and revocation test harness users run (issue 21).
 *
 *   harness [--seed N] [--rounds N] [FAMILY...]
 *
 * FAMILY is derive, share, revoke, escape, kern or apps (default: all). Each case prints
 * one line, `ok N - harness/FAMILY/NAME` or `not ok N - harness/FAMILY/NAME: why`, and
 * the run ends with `harness: N passed, N failed` (exit status 0 when none failed).
 * --seed picks the revoke races' timings (default: from the TSC, printed so a failing
 * run can be repeated); --rounds how many races run (default 16).
 *
 * It works in /ptest and /outside of file:, made with the root policy it was given,
 * and needs its own program in the file tree (/bin/harness) for the child processes
 * of the sharing, revocation and escape cases. `./writ test harness` boots it alone;
 * every test boot runs it through /test/harness.
 */
#include <portable/tap.h>

#include "harness.h"

writ_cptr_t h_root;
unsigned h_rounds = 16;
uint64_t h_seed;
const char *h_self = "/bin/harness";

static unsigned passed;

static void
write_line(const char *line)
{
	writ_printf("%s", line);
}

static struct tap tap = { .vformat = writ_vsnprintf, .write = write_line };

void
hcheck(bool ok, const char *name, const char *fmt, ...)
{
	char full[96];
	va_list ap;

	writ_snprintf(full, sizeof(full), "harness/%s", name);
	va_start(ap, fmt);
	if (tap_vcheck(&tap, ok, full, fmt, ap))
		passed++;
	va_end(ap);
}

uint64_t
h_rand(void)
{
	h_seed ^= h_seed << 13;
	h_seed ^= h_seed >> 7;
	h_seed ^= h_seed << 17;
	return h_seed;
}

writ_cptr_t
h_weaken(writ_cptr_t from, const char *text)
{
	writ_cptr_t c = 0;
	int r = writ_policy_weaken(from, text, &c, NULL);

	if (r != 0 || !c)
		hcheck(false, "setup/weaken", "%s: %d", text, r);
	return c;
}

long
h_pcall(writ_cptr_t cap, unsigned op, writ_word_t a0, const char *path)
{
	writ_word_t a[2] = { a0, strlen(path) };
	char out[64];

	return writ_scheme_call(cap, op, a, 2, path, strlen(path) + 1, out, sizeof(out), NULL, 0);
}

long
h_pcall2(writ_cptr_t cap, unsigned op, const char *p1, const char *p2)
{
	static char b[2 * 300];
	size_t l1 = strlen(p1), l2 = strlen(p2);
	writ_word_t a[3] = { 0, l1, l2 };

	if (l1 + l2 + 2 > sizeof(b))
		return -ENAMETOOLONG;
	memcpy(b, p1, l1 + 1);
	memcpy(b + l1 + 1, p2, l2 + 1);
	return writ_scheme_call(cap, op, a, 3, b, l1 + l2 + 2, NULL, 0, NULL, 0);
}

void
h_put_file(const char *path, const char *data)
{
	int fd = writ_open_via(h_root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		writ_write(fd, data, strlen(data));
		writ_close(fd);
	}
}

long
h_records(void)
{
	return writ_scheme_call(h_root, SCHEME_OP_STATS, (writ_word_t[]){ 0 }, 1, NULL, 0, NULL,
				0, NULL, 0);
}

long
h_open_read(writ_cptr_t p, const char *path, int flags, const char *want)
{
	char b[8] = { 0 };
	int fd = writ_open_via(p, path, flags, 0644);
	long r;

	if (fd < 0)
		return fd;
	r = writ_read(fd, b, 5);
	writ_close(fd);
	return r == 5 && memcmp(b, want, 5) == 0 ? 0 : -1000;
}

long
h_spawn_child(const char *role, writ_cptr_t policy, const int *fds, unsigned nfds,
	      writ_cptr_t *child)
{
	const char *argv[] = { h_self, "child", role, NULL };
	struct writ_sandbox_policy sp = { "file", policy };

	return writ_spawn_sandbox(h_self, argv, policy ? &sp : NULL, policy ? 1 : 0, fds, nfds,
				  child);
}

bool
h_wait_ok(writ_cptr_t child, long *st)
{
	*st = writ_proc_wait(child);
	return WRIT_WAIT_EXITED(*st) && WRIT_WAIT_STATUS(*st) == 0;
}

/* The tree the cases work in, made with the root policy (again on a second run). */
static void
setup(void)
{
	writ_mkdir("/ptest", 0755);
	writ_mkdir("/ptest/sub", 0755);
	writ_mkdir("/outside", 0755);
	h_put_file("/ptest/a.txt", "alpha");
	h_put_file("/ptest/b.md", "beta.");
	h_put_file("/ptest/z.txt", "zulu.");
	h_put_file("/ptest/.hid.txt", "hidden");
	h_put_file("/ptest/sub/c.txt", "gamma");
	h_put_file("/outside/o.txt", "other");
	writ_symlink("/etc/boot.conf", "/ptest/out.txt");
	writ_symlink("a.txt", "/ptest/in.txt");
	writ_symlink("../ptest/a.txt", "/outside/x.txt");
	writ_symlink("/ptest/sub", "/ptest/subl.txt");
}

static unsigned
number(const char *s)
{
	unsigned v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

static const struct { const char *name; void (*run)(void); } families[] = {
	{ "escape", t_escape }, { "derive", t_derive }, { "share", t_share },
	{ "revoke", t_revoke }, { "kern", t_kern }, { "apps", t_apps },
};

int
main(int argc, char **argv)
{
	bool want[sizeof(families) / sizeof(families[0])] = { 0 }, any = false;
	long before;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return h_child(argc - 2, argv + 2);
	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(h_seed) : : "rdx");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			h_seed = number(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			h_rounds = number(argv[++i]);
		for (unsigned f = 0; f < sizeof(families) / sizeof(families[0]); f++)
			if (strcmp(argv[i], families[f].name) == 0)
				any = want[f] = true;
	}
	if (!h_seed)
		h_seed = 1;
	writ_printf("# harness: pid %u, seed %llu, %u race rounds\n", writ_startinfo()->pid,
		    (unsigned long long)h_seed, h_rounds);
	if (!(h_root = writ_scheme_cap("file"))) {
		writ_printf("harness: no file: policy to work with\n");
		return 2;
	}
	setup();
	before = h_records();
	for (unsigned f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		if (!any || want[f])
			families[f].run();
	hcheck(h_records() == before, "no-record-left", "%ld before, %ld after", before,
	       h_records());
	writ_printf("harness: %u passed, %u failed\n", passed, tap.failures);
	return tap.failures ? 1 : 0;
}
