/*
 * init, the root task: the first process, and the process manager.
 *
 * It holds all memory and device authority at boot. It reads the boot modules, keeps
 * RAM as a buddy allocator of untyped blocks (umem.c), builds processes from ELF files
 * (spawn.c) and serves them (serve.c): exits, faults, spawn, wait and kill. With `test`
 * or `bench` on the kernel command line it first runs the kernel suite (/test/kern or
 * /bench/kern), lending it the authority a root task has, then leaves QEMU with the
 * verdict.
 */
#include <portable/cmdline.h>

#include "init.h"

#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11
#define MODULE_VA 0x7ffd00000000ull     /* boot modules, mapped read-only */

struct init_state init;

/*
 * Slots of the root CNode, from first_empty_slot up: a bitmap, so that a run of
 * consecutive slots (a buddy split takes two, a process's text masters and the spawn
 * window more) can be carved from slots returned earlier too, not only from those
 * never handed out. A search starts at the lowest slot that may be free.
 */
#define SLOTS_MAX 65536u
static uint64_t slot_used[SLOTS_MAX / 64];
static unsigned slot_low, slot_end, n_slots_free;

static bool
slot_is_used(unsigned s)
{
	return slot_used[s / 64] >> (s % 64) & 1;
}

static void
slots_init(unsigned first, unsigned radix)
{
	slot_end = radix >= 16 ? SLOTS_MAX : 1u << radix;
	slot_low = first;
	n_slots_free = slot_end > first ? slot_end - first : 0;
	for (unsigned s = 0; s < first && s < SLOTS_MAX; s++)
		slot_used[s / 64] |= 1ull << (s % 64);
}

writ_cptr_t
slot_alloc_run(unsigned n)
{
	unsigned run = 0;

	assert_init(n > 0, "a run of no slots");
	for (unsigned s = slot_low; s < slot_end;) {
		uint64_t free_from_s = ~slot_used[s / 64] >> (s % 64);

		if (!free_from_s || (free_from_s & 1) == 0) {
			/* used from s: on to the next free slot, a word at a time */
			run = 0;
			s = free_from_s ? s + (unsigned)__builtin_ctzll(free_from_s)
					: (s / 64 + 1) * 64;
			continue;
		}
		s++;
		if (++run < n)
			continue;
		unsigned first = s - n;

		for (unsigned k = first; k < s; k++)
			slot_used[k / 64] |= 1ull << (k % 64);
		n_slots_free -= n;
		if (first == slot_low)
			slot_low = s;
		return first;
	}
	return 0;
}

writ_cptr_t
slot_alloc(void)
{
	writ_cptr_t s = slot_alloc_run(1);

	if (!s)
		writ_printf("init: out of slots in the root CNode\n");
	return s;
}

/* Free slots, counting those never handed out. */
unsigned
slots_left(void)
{
	return n_slots_free;
}

void
slot_free(writ_cptr_t slot)
{
	if (!slot || slot >= slot_end || !slot_is_used((unsigned)slot))
		return;
	slot_used[slot / 64] &= ~(1ull << (slot % 64));
	n_slots_free++;
	if (slot < slot_low)
		slot_low = (unsigned)slot;
}

void
assert_init(bool ok, const char *why)
{
	if (ok)
		return;
	writ_printf("init: internal error: %s\n", why);
	writ_exit_qemu(EXIT_FAIL);
}

void
check(bool ok, const char *name, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (ok) {
		writ_printf("ok - %s\n", name);
		return;
	}
	init.failures++;
	va_start(ap, fmt);
	writ_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	writ_printf("not ok - %s: %s\n", name, why);
}

/* Is `word` one of the space-separated words of the kernel command line? */
bool
cmdline_has(const char *word)
{
	return cmdline_word(init.bi->cmdline, word) != NULL;
}

/* `only=/test/x` on the command line: test boots run that user-space suite alone
 * (`./writ test harness`); `only=/bench/a,/bench/b` runs those, in init's order. Every
 * suite when the word is absent. */
static bool
cmdline_allows(const char *path)
{
	size_t n = strlen(path);

	for (const char *s = init.bi->cmdline; *s;) {
		while (*s == ' ')
			s++;
		if (strncmp(s, "only=", 5) == 0) {
			for (s += 5; *s && *s != ' '; s += *s == ',') {
				if (strncmp(s, path, n) == 0 && (s[n] == 0 || s[n] == ' ' || s[n] == ','))
					return true;
				while (*s && *s != ' ' && *s != ',')
					s++;
			}
			return false;
		}
		while (*s && *s != ' ')
			s++;
	}
	return true;
}

/* ---- boot modules ---- */

struct module {
	const char *name;
	const void *data;
	size_t size;
	const struct writ_bootinfo_module *bm;
};

static struct module modules[WRIT_BOOTINFO_MAX_MODULES];
static unsigned n_modules;

static long
module_table(void *ctx, unsigned type, writ_cptr_t *out)
{
	struct writ_ut *ut = ctx;
	writ_cptr_t s = slot_alloc();
	long err = s ? writ_obj_new(ut, 1, type, 0, s) : WRIT_E_RANGE;

	if (err == WRIT_OK)
		*out = s;
	return err;
}

/* Map every module BootInfo lists (init itself is not among them), read-only. */
static void
map_modules(void)
{
	static struct writ_ut tables;
	uint64_t va = MODULE_VA;

	if (umem_alloc(20, &tables.slot) < 0) {
		writ_printf("init: no memory to map the boot modules\n");
		return;
	}
	for (unsigned m = 0; m < init.bi->n_modules; m++) {
		const struct writ_bootinfo_module *bm = &init.bi->modules[m];
		long err = WRIT_OK;

		for (unsigned i = 0; i < bm->frames && err == WRIT_OK; i++)
			err = writ_map_frame(WRIT_SLOT_ROOT_VSPACE, bm->first_frame_slot + i,
					     va + 4096ull * i, WRIT_RIGHT_READ, WRIT_MAP_WRITE_BACK,
					     module_table, &tables);
		if (err != WRIT_OK) {
			writ_printf("init: cannot map module %u: %s\n", m, writ_error_name((int)err));
			continue;
		}
		modules[n_modules++] = (struct module){ bm->name, (const void *)(va + (bm->paddr & 4095)),
							bm->size, bm };
		va += 4096ull * (bm->frames + 1);
	}
}

const void *
module_named(const char *name, size_t *size, const struct writ_bootinfo_module **bm)
{
	for (unsigned i = 0; i < n_modules; i++)
		if (strcmp(modules[i].name, name) == 0) {
			*size = modules[i].size;
			if (bm)
				*bm = modules[i].bm;
			return modules[i].data;
		}
	return NULL;
}

/* The boot archive is the module named "archive". */
static bool
find_archive(void)
{
	for (unsigned i = 0; i < n_modules; i++)
		if (strcmp(modules[i].name, "archive") == 0) {
			init.archive = modules[i].bm;
			return archive_init(modules[i].data, modules[i].size);
		}
	writ_printf("init: no boot archive among the modules\n");
	return false;
}

/* ---- the kernel suite ---- */

/*
 * /test/kern (or /bench/kern) gets what the root task has: the control capabilities
 * and device memory, lent and taken back when it ends, COM1 to print on, and most of
 * the RAM as its quota. Its verdict is its exit status.
 */
static int
run_kernel_suite(const char *path)
{
	static struct spawn_args a;
	static const char *argv[] = { NULL, NULL };
	const struct writ_bootinfo *bi = init.bi;
	unsigned pid;
	struct proc *p;

	memset(&a, 0, sizeof(a));
	a.elf = archive_file(path, &a.elf_size);
	if (!a.elf) {
		writ_printf("init: no %s among the boot modules\n", path);
		return -1;
	}
	argv[0] = path;
	a.name = path;
	a.argv = argv;
	a.cnode_radix = bi->root_cnode_radix;
	a.prio = WRIT_PRIO_MAX;
	a.mcp = WRIT_PRIO_MAX;
	a.bootinfo_view = true;
	a.stack_pages = WRIT_ROOT_STACK_PAGES;	/* its tests use the page table around it */
	/* Its own image and CSpace from a quota; the rest of RAM lent whole, as the root
	 * task has it (its tests need blocks as large as the machine has). */
	a.quota_bits = 23;
	a.lend_ram = true;
	a.caps[a.n_caps++] = (struct spawn_cap){ .src = WRIT_SLOT_IRQ_CONTROL, .move = true,
						 .dest = WRIT_PSLOT_IRQ_CONTROL };
	a.caps[a.n_caps++] = (struct spawn_cap){ .src = WRIT_SLOT_IOPORT_CONTROL, .move = true,
						 .dest = WRIT_PSLOT_IOPORT_CONTROL };
	if (init.serial)
		a.caps[a.n_caps++] = (struct spawn_cap){ .name = "serial", .src = init.serial,
							 .kind = WRIT_SCAP_IOPORT,
							 .arg = 0x3f8 | 0x3ffull << 16 };
	for (unsigned i = 0; i < bi->n_untyped && a.n_caps < SPAWN_MAX_CAPS - 1; i++)
		if (bi->untyped[i].is_device)
			a.caps[a.n_caps++] = (struct spawn_cap){
				.src = bi->untyped[i].slot, .move = true,
				.kind = WRIT_SCAP_DEVMEM,
				.arg = bi->untyped[i].paddr | (uint64_t)bi->untyped[i].size_bits << 56 };
	pid = spawn(&a);
	if (!pid)
		return -1;
	serve(&pid, 1);
	p = proc_get(pid);
	{
		int status = p->status;

		proc_reap(p);
		return status;
	}
}

/* Is `pid` one of the boot configuration's services now? */
static bool
is_service(unsigned pid)
{
	unsigned sp;

	for (unsigned i = 0; service_ep(i, &sp) != (writ_cptr_t)-1; i++)
		if (sp == pid)
			return true;
	return false;
}

/* Processes a suite started and left running (orphans, or children it never waited
 * for) would go on taking the CPU and memory from the suites after it and skew their
 * figures: name them and end them. Pids grow, so those are the ones from `first` on
 * that are not services (a service a test killed is restarted with a new pid). */
static void
end_leftovers(unsigned first, const char *path)
{
	for (unsigned i = 0; proc_at(i); i++) {
		struct proc *q = proc_at(i);

		if (!q->pid || !q->alive || q->pid < first || is_service(q->pid))
			continue;
		writ_printf("init: %s left pid %u (%s) running: ending it\n", path, q->pid, q->name);
		proc_end(q, WRIT_WAIT_KILLED);
		if (!q->parent)
			proc_reap(q);
	}
}

/* A user-space test or benchmark program: every scheme, COM1 to print its lines on;
 * its exit status is its verdict. */
static void
run_user_suite(const char *path, void *skip)
{
	static struct spawn_args a;
	static const char *argv[2], *envp[2];
	static char cmdline_env[WRIT_BOOTINFO_CMDLINE + 16];
	unsigned pid;
	struct proc *p;

	if (strcmp(path, skip) == 0 || !cmdline_allows(path))
		return;
	memset(&a, 0, sizeof(a));
	argv[0] = path;
	/* Tests size themselves by the boot's words (`check` makes every syscall slow). */
	writ_snprintf(cmdline_env, sizeof(cmdline_env), "WRIT_CMDLINE=%s", init.bi->cmdline);
	envp[0] = cmdline_env;
	a.name = path;
	a.argv = argv;
	a.envp = envp;
	a.elf = archive_file(path, &a.elf_size);
	/* /test/linux's programs take their quotas from init, not from it, and three of
	 * them at 16 MiB each (xsig's grandchildren) must fit beside it in the 256 MiB of
	 * a UEFI boot, where the firmware keeps the most. */
	a.quota_bits = strcmp(path, "/test/linux") == 0 ? 25 : 26;
	a.cnode_radix = 12;
	a.prio = 100;
	a.mcp = 100;
	if (init.serial)
		a.caps[a.n_caps++] = (struct spawn_cap){ .name = "serial", .src = init.serial,
			.kind = WRIT_SCAP_IOPORT, .arg = 0x3f8 | 0x3ffull << 16 };
	all_scheme_caps(&a);
	console_fds(&a);
	pid = spawn(&a);
	if (!pid) {
		init.failures++;
		return;
	}
	proc_get(pid)->is_test = true;
	serve(&pid, 1);
	p = proc_get(pid);
	writ_printf("init: %s ended with status %d\n", path, p->status);
	if (p->status != 0)
		init.failures++;
	proc_reap(p);
	end_leftovers(pid, path);
}

int
writ_main(struct writ_bootinfo *bi)
{
	uint64_t start;
	writ_cptr_t serial, exit_port;
	uint64_t ram = 0;
	int status;

	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(start) : : "rdx");
	init.bi = bi;
	slots_init(bi->first_empty_slot, bi->root_cnode_radix);
	serial = slot_alloc();
	exit_port = slot_alloc();
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x3f8, 0x3ff, WRIT_SLOT_ROOT_CNODE,
			      serial, 64) != WRIT_OK)
		serial = 0;
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0xf4, 0xf7, WRIT_SLOT_ROOT_CNODE,
			      exit_port, 64) != WRIT_OK)
		exit_port = 0;
	init.serial = serial;
	init.exit_port = exit_port;
	writ_console_init(serial, exit_port);
	writ_printf("init: root task up: %u untyped, slots from %u, command line '%s'\n",
		    bi->n_untyped, bi->first_empty_slot, bi->cmdline);
	writ_printf("init: %lu TSC ticks from kernel entry to the root task\n",
		    start - bi->boot_tsc);
	for (unsigned i = 0; i < bi->n_untyped; i++)
		if (!bi->untyped[i].is_device) {
			ram += 1ull << bi->untyped[i].size_bits;
			umem_add(bi->untyped[i].slot, bi->untyped[i].size_bits,
				 bi->untyped[i].paddr);
		}
	writ_printf("init: %lu MiB of RAM as untyped memory\n", ram >> 20);
	init.ep = init_object(WRIT_OBJ_ENDPOINT);
	assert_init(init.ep != 0, "no endpoint for the process manager");
	init.trace = cmdline_has("inittrace");
	map_modules();
	if (!find_archive())
		writ_exit_qemu(EXIT_FAIL);
	init.conf_path = "/etc/boot.conf";
	if (cmdline_has("exec"))
		exec_run();
	if (cmdline_has("bench") || cmdline_has("test") || cmdline_has("preempt")) {
		bool bench = cmdline_has("bench");
		const char *suite = bench ? "/bench/kern" : "/test/kern";

		/* `user-only` (or `nokern`): straight to the user-space programs. */
		if (!cmdline_has("user-only") && !cmdline_has("nokern")) {
			status = run_kernel_suite(suite);
			writ_printf("init: %s ended with status %d\n", suite, status);
			if (status != 0)
				init.failures++;
		}
		if (!cmdline_has("kernel-only") && !cmdline_has("preempt")) {
			if (!boot_services())
				writ_exit_qemu(EXIT_FAIL);
			archive_each(bench ? "bench" : "test", run_user_suite, (void *)suite);
		}
		writ_exit_qemu(init.failures == 0 ? EXIT_PASS : EXIT_FAIL);
	}
	if (boot_services()) {
		unsigned pids[16], n = boot_runs(pids, 16);

		if (n == 0)
			writ_printf("init: boot.conf names nothing to run\n");
	}
	serve(NULL, 0);
	return 0;
}
