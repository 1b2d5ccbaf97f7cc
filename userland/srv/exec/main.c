/*
 * /sbin/exec: the program `./writ exec` runs, inside the boot (init's exec.c starts it).
 *
 *   /sbin/exec [--policy POLICY]... -- PROGRAM [ARG...]
 *
 * PROGRAM is a path in file: (a bare name is /bin/NAME), read with this process's
 * authority and started with ARGs, fd 0 on null: (empty input), fds 1 and 2 as this
 * process has them (console: on COM2 and stderr: on COM3, which the host prints as
 * stdout and stderr), and exactly these capabilities: every --policy, each either a
 * whole scheme (`pipe`) or a weakened one (`file:/home/` `**:r`); without --policy, every
 * scheme init gave us but the two internal ones (syscon:, stderr:).
 *
 * Exit status (init passes it to the host): the program's own, 128 + N when it was
 * killed by signal N (a fault nobody handled is SIGSEGV: 139; a kill, SIGKILL: 137),
 * 127 when PROGRAM is not in file:, 126 when it cannot be started, 125 when a policy is
 * refused. Before exiting it drains fds 1 and 2, so every byte is out before QEMU ends.
 * Its own messages for the user go to fd 2 as `writ exec: ...`; diagnostics to COM1.
 */
#include <writ/fd.h>
#include <writ/policy.h>
#include <writ/proc.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_RUN 126
#define STATUS_SETUP 125
#define PROGRAM_QUOTA_BITS 26   /* 64 MiB: a tenth of what Writ boots with gets used */
#define MAX_POLICIES 12

static const char *const internal[] = { "syscon", "stderr" };

static void
say(const char *a, const char *b, const char *c)
{
	char line[400];
	int n = writ_snprintf(line, sizeof(line), "writ exec: %s%s%s\n", a, b, c);

	writ_write(2, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static __attribute__((noreturn)) void
leave(int status)
{
	writ_fsync(1);
	writ_fsync(2);
	writ_exit(status);
}

static bool
is_internal(const char *scheme)
{
	for (unsigned i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (strcmp(scheme, internal[i]) == 0)
			return true;
	return false;
}

/* POLICY's capability: a whole scheme by name, or one weakened from its root. */
static writ_cptr_t
policy_cap(const char *text, char *scheme, size_t n)
{
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	struct writ_weaken_why why = { 0 };
	writ_cptr_t root, out;
	int r;

	if (len == 0 || len >= n) {
		say("--policy '", text, "': no scheme name before ':'");
		return 0;
	}
	memcpy(scheme, text, len);
	scheme[len] = 0;
	if (is_internal(scheme) || !(root = writ_scheme_cap(scheme))) {
		say("--policy '", text, "': no such scheme here");
		return 0;
	}
	if (!colon)
		return root;
	r = writ_policy_weaken(root, text, &out, &why);
	if (r == 0)
		return out;
	if (r == -EINVAL) {
		char at[64];

		writ_snprintf(at, sizeof(at), "': malformed at byte %ld", why.offset);
		say("--policy '", text, at);
	} else {
		char e[32];

		writ_snprintf(e, sizeof(e), "': refused (errno %d)", -r);
		say("--policy '", text, e);
	}
	return 0;
}

static void
add_cap(struct writ_spawn_opts *o, writ_cptr_t cap, const char *scheme)
{
	struct writ_spawn_cap *c = &o->caps[o->ncaps++];

	*c = (struct writ_spawn_cap){ .slot = (uint32_t)cap, .kind = WRIT_SCAP_SCHEME };
	memcpy(c->name, scheme, strlen(scheme) < sizeof(c->name) ? strlen(scheme) + 1 :
	       sizeof(c->name) - 1);
}

/* Without --policy: every scheme we hold but the internal ones. */
static void
default_caps(struct writ_spawn_opts *o)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps && o->ncaps < MAX_POLICIES; i++)
		if (si->caps[i].kind == WRIT_SCAP_SCHEME && !is_internal(si->caps[i].name))
			add_cap(o, si->caps[i].slot, si->caps[i].name);
}

/* Whether the ELF at path asks for an interpreter (PT_INTERP): a dynamically linked
 * program, which init refuses as any ENOEXEC. Read here only to say why, from the
 * first page (where linkers put the program headers); anything odd is "no". */
static bool
is_dynamic(const char *path)
{
	static uint8_t b[4096];
	int fd = writ_open(path, O_RDONLY, 0);
	long n = fd >= 0 ? writ_pread(fd, b, sizeof(b), 0) : -1;
	uint64_t phoff;
	uint16_t phentsize, phnum;

	if (fd >= 0)
		writ_close(fd);
	if (n < 64 || memcmp(b, "\177ELF", 4) != 0)
		return false;
	memcpy(&phoff, b + 32, 8);
	memcpy(&phentsize, b + 54, 2);
	memcpy(&phnum, b + 56, 2);
	if (phentsize < 4 || phoff > (uint64_t)n)
		return false;
	for (uint64_t i = 0; i < phnum && phoff + (i + 1) * phentsize <= (uint64_t)n; i++) {
		uint32_t type;

		memcpy(&type, b + phoff + i * phentsize, 4);
		if (type == 3)	/* PT_INTERP */
			return true;
	}
	return false;
}

static int
spawn_status(long err, const char *program, const char *path)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		say(program, ": no such program in file:", "");
		return STATUS_NOT_FOUND;
	case -ENOEXEC:
		if (is_dynamic(path))
			say(program, ": dynamically linked: not supported (ENOEXEC); build it with "
			    "musl-gcc -static", "");
		else
			say(program, ": not a program Writ can start (ENOEXEC: not a static x86_64 ELF)", "");
		return STATUS_CANNOT_RUN;
	case -E2BIG:
		say(program, ": the arguments are too long for one spawn request (E2BIG)", "");
		return STATUS_CANNOT_RUN;
	default: {
		char e[48];

		writ_snprintf(e, sizeof(e), ": cannot be started (errno %ld)", -err);
		say(program, e, "");
		return STATUS_CANNOT_RUN;
	}
	}
}

int
main(int argc, char **argv)
{
	static struct writ_spawn_opts o;
	static char path[512], schemes[MAX_POLICIES][16];
	const char *program;
	writ_cptr_t child;
	int i, nul, npol = 0;
	long pid, status;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--policy") != 0 || i + 1 == argc) {
			say("usage: /sbin/exec [--policy POLICY]... -- PROGRAM [ARG...]", "", "");
			leave(STATUS_SETUP);
		}
		if (npol == MAX_POLICIES) {
			say("too many --policy options", "", "");
			leave(STATUS_SETUP);
		}
		writ_cptr_t cap = policy_cap(argv[++i], schemes[npol], sizeof(schemes[npol]));

		if (!cap)
			leave(STATUS_SETUP);
		add_cap(&o, cap, schemes[npol++]);
	}
	if (i + 1 >= argc) {
		say("no program to run", "", "");
		leave(STATUS_SETUP);
	}
	program = argv[i + 1];
	if (npol == 0)
		default_caps(&o);
	o.quota_bits = PROGRAM_QUOTA_BITS;
	if ((nul = writ_open("null:", O_RDONLY, 0)) >= 0)
		writ_spawn_opts_fd(&o, nul, 0);
	writ_spawn_opts_fd(&o, 1, 1);
	writ_spawn_opts_fd(&o, 2, 2);
	/* A path of file:, so added files are found; a bare name is looked up in /bin. */
	writ_snprintf(path, sizeof(path), "%s%s%s", strchr(program, ':') ? "" : "file:",
		      strchr(program, '/') || strchr(program, ':') ? "" : "/bin/", program);
	pid = writ_spawn(path, (const char *const *)argv + i + 1, &o, &child);
	if (pid < 0)
		leave(spawn_status(pid, program, path));
	if (nul >= 0)
		writ_close(nul);
	status = writ_proc_wait(child);
	if (status < 0) {
		say(program, ": lost while waiting for it", "");
		leave(STATUS_SETUP);
	}
	writ_printf("exec: %s (pid %ld) ended with wait status 0x%lx\n", program, pid, status);
	leave(WRIT_WAIT_EXITED(status) ? WRIT_WAIT_STATUS(status) :
	      128 + WRIT_WAIT_SIGNAL(status));
}
