/*
 * Stopping the machine, and the backtrace it prints on the way.
 *
 * The backtrace trusts nothing about the stack it walks: a corrupt RBP must not fault
 * inside the panic handler. Each frame pointer must be 8-byte aligned, in the kernel half,
 * and strictly above the previous one (stacks grow down, so a chain that does not climb
 * is a loop or garbage); the walk stops at RBP = 0, which boot.asm sets for the first
 * frame, or after a fixed number of frames.
 */
#include <stdarg.h>

#include <kern/boot.h>
#include <kern/console.h>
#include <kern/ksyms.h>
#include <kern/panic.h>

#include <arch/cpu.h>

#define BACKTRACE_MAX 32

/* "PREFIX ADDRESS <function+offset>", the line shape the host annotator reads. */
void
print_symbolic(const char *prefix, uint64_t addr)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		kprintf("%s %016lx <%s+0x%lx>\n", prefix, addr, name, off);
	else
		kprintf("%s %016lx <?>\n", prefix, addr);
}

static void
print_frame(unsigned depth, uint64_t addr)
{
	char prefix[8];

	ksnprintf(prefix, sizeof(prefix), "  #%u", depth);
	print_symbolic(prefix, addr);
}

void
backtrace_print(uint64_t rip, uint64_t rbp)
{
	unsigned depth = 0;

	kprintf("backtrace:\n");
	if (rip)
		print_frame(depth++, rip);
	while (rbp != 0 && depth < BACKTRACE_MAX) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t next;

		if (rbp % 8 != 0 || rbp < KERN_DIRECT_MAP || rbp > UINT64_MAX - 16)
			break;
		/* frame[1] is the return address: the caller's instruction after the call. */
		print_frame(depth++, frame[1] - 1);
		next = frame[0];
		if (next != 0 && next <= rbp)
			break;
		rbp = next;
	}
	kprintf("end of backtrace\n");
}

void
kpanic(const char *fmt, ...)
{
	va_list ap;

	x86_cli();
	kprintf("\n*** kernel panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_print(0, (uint64_t)__builtin_frame_address(0));
	panic_halt();
}

void
panic_halt(void)
{
	x86_cli();
	kprintf("*** kernel halted\n");
	if (boot_is_test())
		boot_exit_qemu(WRIT_EXIT_PANIC);
	for (;;)
		x86_hlt();
}
