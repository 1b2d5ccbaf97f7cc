/*
 * In-kernel self-tests, run when the command line says `test`. Each prints one line in the
 * test protocol (tests/README.md); the boot then leaves QEMU with WRIT_EXIT_PASS or
 * WRIT_EXIT_FAIL. With `fault=KIND` the boot instead ends in a deliberate CPU exception,
 * which the test runner checks for a complete register dump and a named backtrace.
 */
#include <stdbool.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/ksyms.h>
#include <kern/selftest.h>
#include <portable/string.h>
#include <kern/vspace.h>

#include <arch/cpu.h>
#include <arch/trap.h>
#include "boot/mb2.h"

#include <portable/tap.h>

static struct tap tap = { .vformat = kvsnprintf, .write = kputs, .prefix = "boot/" };

static void
check(bool ok, const char *name, const char *why)
{
	tap_check(&tap, ok, name, "%s", why);
}

static void
test_kprintf(void)
{
	char buf[48];
	bool ok = true;

	ksnprintf(buf, sizeof(buf), "%d|%5u|%-4x|%016lx|%s|%c", -42, 7u, 0xabu,
		  0xffffffff80001234ul, "str", 'z');
	ok &= strncmp(buf, "-42|    7|ab  |ffffffff80001234|str|z", sizeof(buf)) == 0;
	ok &= ksnprintf(buf, 4, "%s", "truncate") == 8 && strncmp(buf, "tru", 4) == 0;
	ksnprintf(buf, sizeof(buf), "%05d|%lu|%X", -7, 18446744073709551615ul, 0xbeefu);
	ok &= strncmp(buf, "-0007|18446744073709551615|BEEF", sizeof(buf)) == 0;
	check(ok, "kprintf-formats", "ksnprintf output differs from the expected text");
}

static void
test_breakpoint(void)
{
	uint64_t before = trap_breakpoints;

	__asm__ volatile("int3");
	check(trap_breakpoints == before + 1, "trap-returns",
	      "int3 did not come back through the IDT exactly once");
}

static void
test_ksyms(void)
{
	uint64_t off = 1;
	const char *name = ksyms_lookup((uint64_t)kmain + 3, &off);

	check(name && strncmp(name, "kmain", 6) == 0 && off == 3, "ksyms-lookup",
	      "kmain+3 does not resolve to kmain+0x3");
}

static void
test_boot_state(void)
{
	const struct mb2_info *bi = boot_information();
	uint32_t r[4];
	uint64_t efer_lo, efer_hi;

	check(bi->n_regions > 0 && bi->ram_bytes >= (16u << 20), "mb2-memory-map",
	      "no usable RAM found in the memory map");
	check(boot_pml4[0] == 0, "identity-map-removed", "PML4[0] still maps low memory");
	x86_cpuid(0x80000001, 0, r);
	__asm__ volatile("rdmsr" : "=a"(efer_lo), "=d"(efer_hi) : "c"(0xc0000080));
	check(!(r[3] & (1u << 20)) || (efer_lo & (1u << 11)), "nx-enabled",
	      "CPU has NX but EFER.NXE is clear");
}

static volatile unsigned overflow_limit = ~0u;

/* Deeper and deeper until the kernel stack runs into its guard page (gdt.c). */
static __attribute__((noinline)) unsigned
stack_overflow(unsigned depth)
{
	volatile uint8_t frame[512];

	frame[0] = (uint8_t)depth;
	if (depth == overflow_limit)
		return 0;
	return stack_overflow(depth + 1) + frame[0];
}

/* noinline so each level is a real frame with a name in the backtrace. */
static __attribute__((noinline)) void
fault_trigger(const char *kind)
{
	if (strncmp(kind, "stack", 6) == 0)
		stack_overflow(0);
	else if (strncmp(kind, "pf", 3) == 0)
		*(volatile uint64_t *)0xdead000 = 1;	/* low half: unmapped after boot */
	else if (strncmp(kind, "ud", 3) == 0)
		__asm__ volatile("ud2");
	else if (strncmp(kind, "gp", 3) == 0)
		*(volatile uint64_t *)0x8000000000000000ull = 1;	/* non-canonical */
	else if (strncmp(kind, "de", 3) == 0) {
		volatile unsigned zero = 0;
		kprintf("%u\n", 1u / zero);
	}
	char name[32];

	ksnprintf(name, sizeof(name), "fault-%s", kind);
	tap_check(&tap, false, name, "no exception was raised");
}

static __attribute__((noinline)) void
fault_selftest(const char *kind)
{
	kprintf("# triggering a deliberate '%s' exception\n", kind);
	fault_trigger(kind);
}

/*
 * Runs the kernel's own checks. With `last`, there is no root task to hand over to, so
 * the boot ends here (after `hold`, if asked); otherwise the root task's harness goes on
 * and ends the boot itself.
 */
void
selftest_run(bool last)
{
	char kind[8];

	if (cmdline_value("fault", kind, sizeof(kind))) {
		fault_selftest(kind);
		boot_exit_qemu(WRIT_EXIT_FAIL);
	}
	test_kprintf();
	test_breakpoint();
	test_ksyms();
	test_boot_state();
	kprintf("# self-tests done: %u failed\n", tap.failures);
	if (cmdline_has("hold")) {
		/* The runner reads the screen through QEMU's monitor, then lets us go. */
		kprintf("# holding: send a byte on COM1 to go on\n");
		serial_getc();
	}
	if (!last && !tap.failures)
		return;
	boot_exit_qemu(tap.failures ? WRIT_EXIT_FAIL : WRIT_EXIT_PASS);
}
