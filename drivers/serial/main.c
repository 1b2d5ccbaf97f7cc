/*
 * The serial driver: a 16550 UART (COM1 in ordinary boots) as the `console:` scheme.
 *
 * It holds the UART's eight I/O ports and its IRQ (COM1: 0x3f8-0x3ff, IRQ 4), nothing
 * else of the machine; the first port of its ioport= says which UART it drives, so the
 * same program serves COM2 and COM3 in `./writ exec` boots (/etc/exec.conf). Input and
 * output are interrupt-driven: a second thread waits on the IRQ's notification, hands
 * received bytes to the terminal's line discipline (lib/tty: editing, echo, ^C...)
 * and refills the transmit FIFO from the output ring when the UART says it is empty
 * (THRE), then acks the line. The scheme itself (reads by line or raw, whole writes,
 * fsync, termios) is lib/ttysrv's, shared with the screen console (drivers/pccon).
 *
 * Without irq= (COM3 shares IRQ 4 with COM1, and one line has one handler) it is
 * output only, raw (no output processing: `./writ exec` passes a program's bytes on
 * unchanged) and polled: a write waits for each byte's THRE, and reads find nothing.
 * `--raw` turns output processing off on an interrupt-driven line too.
 *
 * The kernel still writes its own messages to COM1 by polling; they may land between
 * bytes of ours, which is fine for a console.
 */
#include <ttysrv/ttysrv.h>
#include <writ/mem.h>

#include <errno.h>

#define COM1 0x3f8
#define RBR 0                   /* read: received byte */
#define THR 0                   /* write: byte to send */
#define IER 1
#define IIR 2                   /* read: interrupt identification */
#define FCR 2                   /* write: FIFO control */
#define MCR 4
#define LSR 5
#define MSR 6
#define IER_RX 0x01             /* received data available (and FIFO timeout) */
#define IER_TX 0x02             /* transmit holding register empty */
#define IIR_NONE 0x01
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define MCR_DTR_RTS_OUT2 0x0b   /* OUT2 gates the UART's interrupt onto the ISA line */
#define FCR_ON_CLEAR_1 0x07     /* FIFOs on, both cleared, receive interrupt at 1 byte */
#define TX_FIFO 16
#define UART_PORTS 8
#define RING 8192               /* a power of two */

struct ring {
	uint8_t b[RING];
	unsigned head, tail;    /* free-running: used = head - tail */
};

static struct ttysrv ts;
static struct ring out;
static writ_cptr_t port;
static unsigned base = COM1;    /* the UART's first port */
static uint8_t ier;             /* what IER holds now */

static unsigned ring_used(const struct ring *r) { return r->head - r->tail; }
static unsigned ring_room(const struct ring *r) { return RING - ring_used(r); }

static uint8_t
uart_in(unsigned reg)
{
	uint32_t v = 0;

	writ_ioport_in(port, 1, base + reg, &v);
	return (uint8_t)v;
}

static void
uart_out(unsigned reg, uint8_t v)
{
	writ_ioport_out(port, 1, base + reg, v);
}

static void
set_ier(uint8_t v)
{
	if (v != ier)
		uart_out(IER, v);
	ier = v;
}

/* Fill the transmit FIFO from the output ring. THRE interrupts stay on while bytes
 * are on their way, so the one that finds the ring empty says the FIFO drained too. */
static void
tx_fill(bool thre_event)
{
	if (ring_used(&out) && (uart_in(LSR) & LSR_THRE)) {
		for (unsigned n = 0; n < TX_FIFO && ring_used(&out); n++)
			uart_out(THR, out.b[out.tail++ % RING]);
		set_ier(ier | IER_TX);
		ttysrv_output_moved(&ts);
		return;
	}
	if (!ring_used(&out) && thre_event) {
		set_ier(ier & ~IER_TX);
		ttysrv_output_moved(&ts);
	}
}

/* Received bytes go through the line discipline at once (it keeps its own buffer,
 * and echoes into the output ring). */
static void
rx_drain(void)
{
	for (unsigned n = 0; n < 256 && (uart_in(LSR) & LSR_DR); n++)
		ttysrv_input(&ts, uart_in(RBR));
}

/* Serve every cause the UART reports, until it reports none: its interrupt output
 * stays raised while any is pending, and the line only sees a new edge once it fell. */
static void
uart_service(void)
{
	for (unsigned n = 0; n < 64; n++) {
		uint8_t iir = uart_in(IIR);

		if (iir & IIR_NONE)
			break;
		switch ((iir >> 1) & 7) {
		case 0:
			uart_in(MSR);
			break;
		case 1:
			tx_fill(true);
			break;
		case 3:
			uart_in(LSR);
			break;
		default:                /* 2: data, 6: FIFO timeout */
			rx_drain();
			break;
		}
	}
	rx_drain();
}

static struct srv_irq uart_irq = { .s = &ts.s, .service = uart_service };

/* ---- the device under the terminal (lib/ttysrv) ---- */

static size_t
dev_room(void *ctx)
{
	(void)ctx;
	return ring_room(&out);
}

/* Without an IRQ: each byte once the UART can take it (a bounded wait: QEMU's UART
 * sends at once, and a wedged one must not hold the worker for ever). */
static void
poll_out(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (unsigned tries = 0; tries < 100000 && !(uart_in(LSR) & LSR_THRE); tries++)
			;
		uart_out(THR, b[i]);
	}
}

static void
dev_put(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	if (!uart_irq.irq) {
		poll_out(p, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out.b[out.head++ % RING] = p[i];
	tx_fill(false);
}

static bool
dev_drained(void *ctx)
{
	(void)ctx;
	return !ring_used(&out) && !(ier & IER_TX);
}

static const struct ttysrv_dev uart_dev = {
	.room = dev_room, .put = dev_put, .drained = dev_drained,
};

static writ_cptr_t
cap_of_kind(unsigned kind, writ_word_t *arg)
{
	const struct writ_startinfo *si = writ_startinfo();

	for (unsigned i = 0; si && i < si->n_caps; i++)
		if (si->caps[i].kind == kind && (kind != WRIT_SCAP_IOPORT ||
						 strcmp(si->caps[i].name, "serial") != 0)) {
			if (arg)
				*arg = si->caps[i].arg;
			return si->caps[i].slot;
		}
	return 0;
}

static void
die(const char *why)
{
	writ_printf("serial: %s\n", why);
	writ_exit(1);
}

/* `--raw`: no output processing (`./writ exec`'s program output, which the host shows
 * byte for byte, as a Linux program's redirected output would be). */
int
main(int argc, char **argv)
{
	writ_word_t range = 0;
	bool raw = argc > 1 && strcmp(argv[1], "--raw") == 0;

	port = cap_of_kind(WRIT_SCAP_IOPORT, &range);
	uart_irq.irq = cap_of_kind(WRIT_SCAP_IRQ, NULL);
	base = range & 0xffff;
	if (!port || (range >> 16 & 0xffff) - base + 1 != UART_PORTS)
		die("needs a UART's eight ports (ioport=0x3f8-0x3ff) in boot.conf");
	/* Until the workers run, COM1's driver prints its own messages by polling, as the
	 * kernel does; another UART's driver prints on COM1 only if it was lent it. */
	if (base == COM1)
		writ_console_init(port, 0);
	/* A serial line has no size of its own: 24x80, until someone says otherwise. */
	if (ttysrv_init(&ts, "console", "console:", &uart_dev, NULL, 24, 80) != 0)
		die("cannot serve console: (no endpoint, or its first records)");
	if (raw || !uart_irq.irq)
		ts.tty.tio.c_oflag &= ~TTY_OPOST;
	if (!uart_irq.irq) {
		uart_out(IER, 0);
		uart_out(FCR, FCR_ON_CLEAR_1);
		ttysrv_run(&ts);
	}
	if (srv_irq_take(&uart_irq) != WRIT_OK)
		die("cannot take its IRQ");
	uart_out(IER, 0);
	uart_out(FCR, FCR_ON_CLEAR_1);
	uart_out(MCR, MCR_DTR_RTS_OUT2);
	rx_drain();                     /* typed ahead: kept */
	uart_in(IIR);
	uart_in(MSR);
	set_ier(ier | IER_RX);        /* and TX, if echo of typed-ahead bytes queued some */
	if (srv_irq_start(&uart_irq, 120) != WRIT_OK)
		die("cannot start the IRQ thread");
	ttysrv_run(&ts);
}
