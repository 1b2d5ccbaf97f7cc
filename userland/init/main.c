/*
 * init, the root task: the first and only program the kernel starts.
 *
 * For now it is the in-VM test harness of the kernel core: it takes the serial port
 * and the isa-debug-exit port through IOPort capabilities, runs the tests in tests.c
 * (each prints `ok - group/name` or `not ok - group/name: why`), and leaves QEMU with
 * the verdict. The process manager, namespace and servers will grow here.
 */
#include <writ/writ.h>

#include "init.h"

#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11

struct init_state init;

writ_cptr_t
slot_alloc(void)
{
	if (init.next_slot >= (1u << init.bi->root_cnode_radix)) {
		writ_printf("# init: out of root CNode slots\n");
		writ_exit_qemu(EXIT_FAIL);
	}
	return init.next_slot++;
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

void
check_err(long got, long want, const char *name)
{
	check(got == want, name, "got %s, want %s", writ_error_name((int)got),
	      writ_error_name((int)want));
}

/* The largest RAM untyped BootInfo lists: the tests' memory. */
static void
find_memory(void)
{
	unsigned best = 0;

	for (unsigned i = 0; i < init.bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &init.bi->untyped[i];

		if (!u->is_device && u->size_bits > best) {
			best = u->size_bits;
			init.ram = u->slot;
			init.ram_bits = u->size_bits;
		}
		if (u->is_device && !init.device)
			init.device = u->slot;
	}
}

/* Is `word` one of the space-separated words of the kernel command line? */
bool
cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *s = init.bi->cmdline; *s;) {
		while (*s == ' ')
			s++;
		if (memcmp(s, word, n) == 0 && (s[n] == 0 || s[n] == ' ' || s[n] == '='))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

int
writ_main(struct writ_bootinfo *bi)
{
	uint64_t start = rdtsc();
	writ_cptr_t serial, exit_port;

	init.bi = bi;
	init.next_slot = bi->first_empty_slot;
	serial = slot_alloc();
	exit_port = slot_alloc();
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0x3f8, 0x3ff, WRIT_SLOT_ROOT_CNODE,
			      serial, 64) != WRIT_OK)
		serial = 0;
	if (writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, 0xf4, 0xf7, WRIT_SLOT_ROOT_CNODE,
			      exit_port, 64) != WRIT_OK)
		exit_port = 0;
	writ_console_init(serial, exit_port);
	writ_printf("init: root task up: %u untyped, slots from %u, command line '%s'\n",
		    bi->n_untyped, bi->first_empty_slot, bi->cmdline);
	writ_printf("init: %lu TSC ticks from kernel entry to the root task\n",
		    start - bi->boot_tsc);
	find_memory();
	{
		uint64_t ram = 0;

		for (unsigned i = 0; i < bi->n_untyped; i++)
			if (!bi->untyped[i].is_device)
				ram += 1ull << bi->untyped[i].size_bits;
		writ_printf("init: %lu MiB of RAM as untyped memory\n", ram >> 20);
	}
	if (cmdline_has("preempt")) {	/* the -icount boot: only the timer tests */
		preempt_tests_run();
		writ_printf("# init: %u test failures\n", init.failures);
		writ_exit_qemu(init.failures ? EXIT_FAIL : EXIT_PASS);
	}
	if (cmdline_has("bench")) {
		bench_run();
		writ_exit_qemu(EXIT_PASS);
	}
	if (!cmdline_has("test")) {
		struct writ_msg m = { 0 };
		writ_cptr_t idle = slot_alloc();

		writ_printf("init: nothing to run yet: the process manager and servers come "
			    "next. Boot with 'test' on the kernel command line for the test "
			    "harness.\n");
		writ_untyped_retype(init.ram, WRIT_OBJ_ENDPOINT, 0, WRIT_SLOT_ROOT_CNODE, 0, 0,
				    idle, 1);
		for (;;)
			writ_recv(idle, &m);	/* nobody sends: the CPU idles */
	}
	tests_run();
	writ_printf("# init: %u test failures\n", init.failures);
	writ_exit_qemu(init.failures ? EXIT_FAIL : EXIT_PASS);
}
