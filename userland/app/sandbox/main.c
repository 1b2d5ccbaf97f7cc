/*
 * sandbox: run a program holding only the policies named, weakened from the caller's.
 *
 *   sandbox POLICY... [--fd N]... [--explain] [--print-id] -- PROGRAM [ARG...]
 *
 * POLICY is `scheme:glob:rights` (file:/home/yoric/ then *.txt:r), weakened from this
 * process's own policy of that scheme (the server proves it is within), or a bare
 * scheme name (pipe), handed on whole. PROGRAM gets exactly those, plus fds 0, 1 and 2
 * and every --fd N (as the same number), and nothing else: no console, no log:, no
 * other scheme. It is read with the caller's authority (a bare name is /bin/NAME).
 *
 * --print-id prints the id of each weakened policy (the id captree shows, what
 * `revoke ID` takes), one number a line on stdout, before the program starts.
 * --explain: when the program ends, each request a weakened policy refused (the
 * server keeps the last few) is told on stderr, with the policy that refused it.
 *
 * Exit status: the program's; 128 + N when signal N ended it; 127 when PROGRAM is not
 * there; 126 when it cannot be started; 125 when a POLICY is malformed or not within
 * what the caller holds (or the options are wrong).
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>

#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_RUN 126
#define STATUS_SETUP 125
#define PROGRAM_QUOTA_BITS 24   /* 16 MiB: busybox's applets need a few */
#define MAX_POLICIES 12

struct given {
	const char *text;
	char scheme[16];
	writ_cptr_t cap;
	bool weakened;
};

static struct given given[MAX_POLICIES];
static const char *const free_schemes[] = { "time", "pipe" };
static unsigned n_given;

static void
err(const char *fmt, ...)
{
	char line[400];
	va_list ap;
	int n = writ_snprintf(line, sizeof(line), "sandbox: ");

	va_start(ap, fmt);
	n += writ_vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	writ_write(2, line, (size_t)n);
}

static __attribute__((noreturn)) void
usage(void)
{
	err("usage: sandbox POLICY... [--fd N]... [--explain] [--print-id] -- PROGRAM [ARG...]");
	writ_exit(STATUS_SETUP);
}

static const char *
weaken_why(int r, const struct writ_weaken_why *why)
{
	static char b[SCHEME_INLINE + 64];

	if (r == -EINVAL)
		writ_snprintf(b, sizeof(b), "malformed at byte %ld", why->offset);
	else if (r == -EPERM && why->why == SCHEME_WEAKEN_RIGHTS)
		writ_snprintf(b, sizeof(b), "asks for rights you do not hold");
	else if (r == -EPERM && why->why == SCHEME_WEAKEN_GLOB)
		writ_snprintf(b, sizeof(b), "reaches %s, which your policy cannot see", why->path);
	else if (r == -EPERM)
		writ_snprintf(b, sizeof(b), "not provably within your policy");
	else
		writ_snprintf(b, sizeof(b), "refused (errno %d)", -r);
	return b;
}

/* POLICY's capability: weakened from ours, or ours whole for a bare scheme name. */
static bool
take_policy(struct given *g)
{
	const char *colon = strchr(g->text, ':');
	size_t len = colon ? (size_t)(colon - g->text) : strlen(g->text);
	struct writ_weaken_why why = { 0 };
	writ_cptr_t mine;
	int r;

	if (len == 0 || len >= sizeof(g->scheme)) {
		err("'%s': no scheme name before ':'", g->text);
		return false;
	}
	memcpy(g->scheme, g->text, len);
	g->scheme[len] = 0;
	if (!(mine = writ_scheme_cap(g->scheme))) {
		err("'%s': you hold no %s: policy", g->text, g->scheme);
		return false;
	}
	if (!colon) {
		g->cap = mine;
		return true;
	}
	if ((r = writ_policy_weaken(mine, g->text, &g->cap, &why)) != 0) {
		err("'%s': %s", g->text, weaken_why(r, &why));
		return false;
	}
	g->weakened = true;
	return true;
}

static int
spawn_status(long e, const char *program)
{
	if (e == -ENOENT || e == -ENOTDIR) {
		err("%s: no such program", program);
		return STATUS_NOT_FOUND;
	}
	if (e == -ENOEXEC)
		err("%s: not a program Writ can start (not a static x86_64 ELF)", program);
	else
		err("%s: cannot be started (errno %ld)", program, -e);
	return STATUS_CANNOT_RUN;
}

/* Each request a policy we weakened refused, with the policy. */
static void
explain(void)
{
	static char buf[SCHEME_INLINE + 1];

	for (unsigned i = 0; i < n_given; i++) {
		if (!given[i].weakened || writ_policy_denials(given[i].cap, buf, sizeof(buf)) <= 0)
			continue;
		for (char *l = buf, *e; (e = strchr(l, '\n')); l = e + 1) {
			char op[16], code[8];
			const char *path;
			size_t k = 0;

			*e = 0;
			while (*l && *l != ' ' && k + 1 < sizeof(op))
				op[k++] = *l++;
			op[k] = 0;
			l += *l == ' ';
			for (k = 0; *l && *l != ' ' && k + 1 < sizeof(code); )
				code[k++] = *l++;
			code[k] = 0;
			path = l + (*l == ' ');
			err("policy %s refused %s %s (%s: %s)", given[i].text, op, path, code,
			    strcmp(code, "EACCES") == 0 ? "its glob matches, its rights do not" :
							  "outside its glob");
		}
	}
}

static bool
number(const char *s, unsigned *v)
{
	*v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || *v > 100000)
			return false;
		*v = *v * 10 + (unsigned)(*s - '0');
	}
	return true;
}

int
main(int argc, char **argv)
{
	static struct writ_spawn_opts o;
	static char path[512];
	bool print_id = false, want_explain = false;
	unsigned extra[8], n_extra = 0;
	const char *program;
	writ_cptr_t child;
	long pid, status;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--print-id") == 0) {
			print_id = true;
		} else if (strcmp(argv[i], "--explain") == 0) {
			want_explain = true;
		} else if (strcmp(argv[i], "--fd") == 0) {
			if (i + 1 == argc || n_extra == 8 || !number(argv[++i], &extra[n_extra]) ||
			    extra[n_extra] >= WRIT_FD_MAX)
				usage();
			n_extra++;
		} else if (argv[i][0] == '-' || n_given == MAX_POLICIES) {
			usage();
		} else {
			given[n_given++].text = argv[i];
		}
	}
	if (i + 1 >= argc)
		usage();
	program = argv[i + 1];
	for (unsigned k = 0; k < n_given; k++) {
		struct writ_spawn_cap *c = &o.caps[o.ncaps++];

		if (!take_policy(&given[k]))
			writ_exit(STATUS_SETUP);
		*c = (struct writ_spawn_cap){ .slot = (uint32_t)given[k].cap,
					      .kind = WRIT_SCAP_SCHEME };
		memcpy(c->name, given[k].scheme, strlen(given[k].scheme) + 1);
	}
	/* What names no object and so grants nothing, as Capsicum's capability mode leaves
	 * clock_gettime and pipe(): the clock (without it sleep(3) only guesses how fast
	 * time passes) and new anonymous pipes (a Linux program's fork hands its state
	 * over one, and shells build pipelines from them). */
	for (unsigned k = 0; k < sizeof(free_schemes) / sizeof(free_schemes[0]); k++)
		if (writ_scheme_cap(free_schemes[k]) && o.ncaps < 16) {
			struct writ_spawn_cap *c = &o.caps[o.ncaps++];

			*c = (struct writ_spawn_cap){ .slot = (uint32_t)writ_scheme_cap(free_schemes[k]),
						      .kind = WRIT_SCAP_SCHEME };
			memcpy(c->name, free_schemes[k], strlen(free_schemes[k]) + 1);
		}
	for (int fd = 0; fd < 3; fd++)
		if (writ_fd_cap(fd))
			writ_spawn_opts_fd(&o, fd, fd);
	for (unsigned k = 0; k < n_extra; k++)
		if (!writ_fd_cap((int)extra[k]) ||
		    writ_spawn_opts_fd(&o, (int)extra[k], (int)extra[k]) != 0) {
			err("--fd %u: no such fd here (or too many)", extra[k]);
			writ_exit(STATUS_SETUP);
		}
	if (print_id)
		for (unsigned k = 0; k < n_given; k++)
			if (given[k].weakened)
				writ_printf("%ld\n", writ_policy_id(given[k].cap));
	o.quota_bits = PROGRAM_QUOTA_BITS;
	o.flags = WRIT_SPAWN_CONFINED;	/* it sees only its own processes (ps) */
	writ_snprintf(path, sizeof(path), "%s%s%s", strchr(program, ':') ? "" : "file:",
		      strchr(program, '/') || strchr(program, ':') ? "" : "/bin/", program);
	pid = writ_spawn(path, (const char *const *)argv + i + 1, &o, &child);
	if (pid < 0)
		writ_exit(spawn_status(pid, program));
	status = writ_proc_wait(child);
	if (want_explain)
		explain();
	if (status < 0) {
		err("%s: lost while waiting for it (errno %ld)", program, -status);
		writ_exit(STATUS_SETUP);
	}
	writ_exit(WRIT_WAIT_EXITED(status) ? WRIT_WAIT_STATUS(status) :
		  128 + WRIT_WAIT_SIGNAL(status));
}
