/*
 * Console output: programs lent the serial port's IOPort capability (the root task, the
 * kernel suite, test programs) write straight to COM1, so their lines never wait for a
 * server; every other program writes to its fd 1 (init opens it on console:, the serial
 * driver's scheme). And leaving QEMU through
 * isa-debug-exit. Each byte is one IOPort invocation: slow, but it needs no driver and
 * works in release kernels, which have no debug syscalls.
 */
#include <writ/fd.h>
#include <writ/writ.h>

#define COM1 0x3f8
#define LSR 5
#define LSR_THR_EMPTY 0x20
#define DEBUG_EXIT_PORT 0xf4

static writ_cptr_t serial_cap, exit_cap;

void
writ_console_init(writ_cptr_t serial, writ_cptr_t exit_port)
{
	serial_cap = serial;
	exit_cap = exit_port;
}

void
writ_putc(char c)
{
	uint32_t lsr = LSR_THR_EMPTY;

	if (!serial_cap)
		return;
	if (c == '\n')
		writ_putc('\r');
	for (int i = 0; i < 1000; i++)
		if (writ_ioport_in(serial_cap, 1, COM1 + LSR, &lsr) != WRIT_OK ||
		    (lsr & LSR_THR_EMPTY))
			break;
	writ_ioport_out(serial_cap, 1, COM1, (uint8_t)c);
}

int
writ_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = writ_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!serial_cap) {
		/* One write per line keeps lines whole among other writers'. */
		writ_write(1, buf, strnlen(buf, sizeof(buf)));
		return n;
	}
	for (const char *p = buf; *p; p++)
		writ_putc(*p);
	return n;
}

void
writ_exit_qemu(unsigned code)
{
	if (exit_cap)
		writ_ioport_out(exit_cap, 4, DEBUG_EXIT_PORT, code);
	for (;;)
		writ_yield();
}
