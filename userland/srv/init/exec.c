/*
 * `exec` boots (`./writ exec`, tests/runner.py): run one program and leave QEMU.
 *
 * The host puts two modules beside the boot archive, read by GRUB from a small disk:
 * "exec", the argument vector of /sbin/exec (NUL-terminated strings, so arguments keep
 * their spaces, quotes and newlines), and "added", a cpio archive of the files given
 * with --add, which file: seeds over the boot archive's tree (spawn.c lends it).
 *
 * init starts /etc/exec.conf's servers (COM2 serves console: for the program's fds 0
 * and 1, COM3 serves stderr: for its fd 2, COM1 keeps the kernel's and init's lines),
 * then /sbin/exec with those fds and every scheme. /sbin/exec weakens the policies,
 * spawns the program, waits for it, drains its output and exits with the status the
 * host should return. init prints that status on COM1 as `exec: status N` (the host
 * reads it there: isa-debug-exit can only carry odd QEMU statuses) and leaves QEMU.
 */
#include "init.h"

#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11
#define EXEC_HELPER "/sbin/exec"
#define EXEC_BROKEN 125         /* Writ itself failed: no program status to give */

static __attribute__((noreturn)) void
exec_leave(int status, const char *why)
{
	if (why)
		writ_printf("exec: %s\n", why);
	writ_printf("exec: status %d\n", status);
	writ_exit_qemu(status == EXEC_BROKEN ? EXIT_FAIL : EXIT_PASS);
	for (;;)
		;
}

/*
 * The helper's argv from the "exec" module: NUL-terminated strings, at most
 * SPAWN_MAX_ARGS, the last one ending the module. -> argc, or 0 if malformed.
 */
static unsigned
exec_argv(const char *d, size_t n, const char **argv)
{
	unsigned argc = 0;
	size_t at = 0;

	if (n == 0 || d[n - 1] != 0)
		return 0;
	while (at < n) {
		if (argc == SPAWN_MAX_ARGS)
			return 0;
		argv[argc++] = d + at;
		at += strlen(d + at) + 1;
	}
	argv[argc] = NULL;
	return argc;
}

void
exec_run(void)
{
	static struct spawn_args a;
	static const char *argv[SPAWN_MAX_ARGS + 1];
	static const char *const envp[] = { "PATH=/bin:/sbin", "HOME=/", NULL };
	size_t size;
	const char *desc = module_named("exec", &size, NULL);
	unsigned pid;
	struct proc *p;
	int status;

	if (!desc)
		exec_leave(EXEC_BROKEN, "no exec module: the host gave no program to run");
	if (!exec_argv(desc, size, argv))
		exec_leave(EXEC_BROKEN, "the exec module is malformed (or has too many arguments)");
	if (module_named("added", &size, &init.added) && size == 0)
		init.added = NULL;
	init.conf_path = "/etc/exec.conf";
	if (!boot_services())
		exec_leave(EXEC_BROKEN, "the servers of /etc/exec.conf did not all start");
	memset(&a, 0, sizeof(a));
	a.name = EXEC_HELPER;
	a.elf = archive_file(EXEC_HELPER, &a.elf_size);
	if (!a.elf)
		exec_leave(EXEC_BROKEN, "no " EXEC_HELPER " in the boot archive");
	argv[0] = EXEC_HELPER;
	a.argv = argv;
	a.envp = envp;
	a.quota_bits = 22;      /* the program has a quota of its own, from init */
	a.cnode_radix = 12;
	a.prio = 100;
	a.mcp = 100;
	if (init.serial)        /* its own diagnostics go to COM1, never the program's fds */
		a.caps[a.n_caps++] = (struct spawn_cap){ .name = "serial", .src = init.serial,
			.kind = WRIT_SCAP_IOPORT, .arg = 0x3f8 | 0x3ffull << 16 };
	all_scheme_caps(&a);
	if (!scheme_fd(&a, "console", 0) || !scheme_fd(&a, "console", 1) ||
	    !scheme_fd(&a, "stderr", 2))
		exec_leave(EXEC_BROKEN, "no console: or stderr: to give the program");
	pid = spawn(&a);
	if (!pid)
		exec_leave(EXEC_BROKEN, "cannot start " EXEC_HELPER);
	serve(&pid, 1);
	p = proc_get(pid);
	status = p->status;
	proc_reap(p);
	if (!WRIT_WAIT_EXITED(status))
		exec_leave(EXEC_BROKEN, EXEC_HELPER " itself was killed");
	exec_leave(WRIT_WAIT_STATUS(status), NULL);
}
