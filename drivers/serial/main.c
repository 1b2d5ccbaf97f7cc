/*
 * The serial driver: a 16550 UART (COM1 in ordinary boots) as the `console:` scheme.
 *
 * It holds the UART's eight I/O ports and its IRQ (COM1: 0x3f8-0x3ff, IRQ 4), nothing
 * else of the machine; the first port of its ioport= says which UART it drives, so the
 * same program serves COM2 and COM3 in `./writ exec` boots (/etc/exec.conf). Input and
 * output are interrupt-driven: a second thread waits on the IRQ's notification, moves
 * received bytes into the input ring and refills the transmit FIFO from the output
 * ring when the UART says it is empty (THRE), then acks the line. The server's workers
 * answer clients: a read blocks (srv_wait) until input came, raw bytes, no line
 * editing; a write queues its bytes whole (it waits only while the output ring has no
 * room for them) and returns; fsync waits until the ring and the FIFO are drained.
 *
 * Records: 1 is the root policy, 2 the console itself, pinned, so that init can mint
 * every program's fds 0, 1 and 2 knowing the badge without calling this server (init
 * is single-threaded and must never wait on a server). Each open makes a record of its
 * own, swept when its last holder is gone.
 *
 * Without irq= (COM3 shares IRQ 4 with COM1, and one line has one handler) it is
 * output only and polled: a write waits for each byte's THRE, and reads find nothing.
 *
 * The kernel still writes its own messages to COM1 by polling; they may land between
 * bytes of ours, which is fine for a console.
 */
#include <srv/srv.h>
#include <writ/mem.h>

#include <errno.h>

#define COM1 0x3f8
#define UART_PORTS 8
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
#define RING 8192               /* a power of two */
#define CONSOLE_RECORD 2
#define S_IFCHR 0020000

struct ring {
	uint8_t b[RING];
	unsigned head, tail;    /* free-running: used = head - tail */
};

static struct srv s;
static struct ring in, out;
static struct srv_waitq readers, writers, drainers;
static writ_cptr_t port, irq, irq_ntfn;
static unsigned base = COM1;    /* the UART's first port */
static uint8_t ier;             /* what IER holds now */
static struct writ_thread irq_thread;
static unsigned long overruns;

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
		srv_wake(&writers);
		set_ier(ier | IER_TX);
		return;
	}
	if (!ring_used(&out) && thre_event) {
		set_ier(ier & ~IER_TX);
		srv_wake(&drainers);
	}
}

static void
rx_drain(void)
{
	bool got = false;

	for (unsigned n = 0; n < 256 && (uart_in(LSR) & LSR_DR); n++) {
		uint8_t c = uart_in(RBR);

		if (ring_room(&in)) {
			in.b[in.head++ % RING] = c;
			got = true;
		} else {
			overruns++;
		}
	}
	if (got)
		srv_wake(&readers);
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

static void
irq_loop(void *arg)
{
	writ_word_t w;

	(void)arg;
	for (;;) {
		writ_wait(irq_ntfn, &w);
		writ_mutex_lock(&s.lock);
		uart_service();
		writ_irq_handler_ack(irq);
		/* A cause that came between the service and the Ack raised no new edge. */
		uart_service();
		srv_unlock(&s);
	}
}

static void
console_stat(struct srv_req *req, uint64_t ino)
{
	struct scheme_stat st = { .ino = ino, .mode = S_IFCHR | 0620, .nlink = 1,
				  .blksize = 4096, .rdev = 0x0440 };

	srv_put_bytes(req, 0, &st, sizeof(st));
	srv_result(req, sizeof(st));
}

static void
new_file(struct srv_req *req)
{
	int i = srv_record_new(&s, SCHEME_KIND_FILE, NULL);

	if (i < 0) {
		srv_result(req, -ENFILE);
		return;
	}
	srv_reply_record(req, &s, i);
	srv_result(req, 0);
}

static void
policy_request(struct srv_req *req)
{
	char path[8];
	size_t plen = req->m.mr[2];

	switch (req->op) {
	case SCHEME_OP_OPEN:
		if (plen >= sizeof(path) || srv_get_bytes(req, 0, path, plen) < 0 ||
		    (plen && !(plen == 1 && path[0] == '/'))) {
			srv_result(req, -ENOENT);
			return;
		}
		new_file(req);
		return;
	case SCHEME_OP_STAT:
		console_stat(req, 1);
		return;
	case SCHEME_OP_STATS:
		srv_sweep(&s);
		srv_result(req, (long)s.live);
		return;
	case SCHEME_OP_READ:
	case SCHEME_OP_WRITE:
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
		srv_result(req, -EBADF);        /* a policy is no open file */
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
console_read(struct srv_req *req)
{
	uint8_t buf[SCHEME_INLINE];
	writ_word_t len = req->m.mr[0];
	unsigned n;

	if (len > SCHEME_INLINE) {
		srv_result(req, -EINVAL);
		return;
	}
	if (len == 0) {
		srv_result(req, 0);
		return;
	}
	if (!irq) {
		srv_result(req, 0);     /* output only: end of file */
		return;
	}
	while (!ring_used(&in))
		srv_wait(&s, &readers);
	for (n = 0; n < len && ring_used(&in); n++)
		buf[n] = in.b[in.tail++ % RING];
	srv_put_bytes(req, 0, buf, n);
	srv_result(req, n);
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
console_write(struct srv_req *req)
{
	uint8_t buf[SCHEME_INLINE];     /* on this worker's stack: it may wait below */
	writ_word_t len = req->m.mr[0];

	if (len == 0) {
		srv_result(req, 0);
		return;
	}
	if (len > SCHEME_INLINE || srv_get_bytes(req, 0, buf, len) < 0) {
		srv_result(req, -EINVAL);
		return;
	}
	if (!irq) {
		poll_out(buf, len);
		srv_result(req, (long)len);
		return;
	}
	/* Whole writes, so lines from different writers never mix. */
	while (ring_room(&out) < len)
		srv_wait(&s, &writers);
	for (unsigned i = 0; i < len; i++)
		out.b[out.head++ % RING] = buf[i];
	tx_fill(false);
	srv_result(req, (long)len);
}

static void
file_request(struct srv_req *req)
{
	switch (req->op) {
	case SCHEME_OP_READ:
		console_read(req);
		return;
	case SCHEME_OP_WRITE:
		console_write(req);
		return;
	case SCHEME_OP_FSYNC:
		while (ring_used(&out) || (ier & IER_TX))
			srv_wait(&s, &drainers);
		srv_result(req, 0);
		return;
	case SCHEME_OP_PREAD:
	case SCHEME_OP_PWRITE:
	case SCHEME_OP_SEEK:
		srv_result(req, -ESPIPE);
		return;
	case SCHEME_OP_FSTAT:
		console_stat(req, 2);
		return;
	case SCHEME_OP_FTRUNCATE:
		srv_result(req, -EINVAL);
		return;
	case SCHEME_OP_GETDENTS:
		srv_result(req, -ENOTDIR);
		return;
	case SCHEME_OP_FPATH:
		srv_put_bytes(req, 0, "console:", 8);
		srv_result(req, 8);
		return;
	case SCHEME_OP_DUP:
		new_file(req);
		return;
	case SCHEME_OP_CLOSE:
		req->rec->closed = true;
		srv_result(req, 0);
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
console_request(struct srv *srv, struct srv_req *req)
{
	(void)srv;
	if (req->rec->kind == SCHEME_KIND_POLICY)
		policy_request(req);
	else
		file_request(req);
}

static const struct srv_ops ops = { .request = console_request };

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

int
main(void)
{
	writ_word_t range = 0;

	port = cap_of_kind(WRIT_SCAP_IOPORT, &range);
	irq = cap_of_kind(WRIT_SCAP_IRQ, NULL);
	base = range & 0xffff;
	if (!port || (range >> 16 & 0xffff) - base + 1 != UART_PORTS)
		die("needs a UART's eight ports (ioport=0x3f8-0x3ff) in boot.conf");
	/* Until the workers run, COM1's driver prints its own messages by polling, as the
	 * kernel does; another UART's driver prints on COM1 only if it was lent it. */
	if (base == COM1)
		writ_console_init(port, 0);
	if (srv_init(&s, "console", &ops) != 0)
		die("no endpoint to serve");
	if (srv_root_policy(&s) != 1 || srv_pinned_record(&s, SCHEME_KIND_FILE, NULL) !=
	    CONSOLE_RECORD)
		die("cannot make its first records");
	if (!irq) {
		uart_out(IER, 0);
		uart_out(FCR, FCR_ON_CLEAR_1);
		srv_run(&s);
	}
	if (writ_own_notification(&irq_ntfn) != WRIT_OK ||
	    writ_irq_handler_set_notification(irq, irq_ntfn) != WRIT_OK)
		die("cannot take its IRQ");
	uart_out(IER, 0);
	uart_out(FCR, FCR_ON_CLEAR_1);
	uart_out(MCR, MCR_DTR_RTS_OUT2);
	rx_drain();                     /* typed ahead: kept */
	uart_in(IIR);
	uart_in(MSR);
	set_ier(IER_RX);
	writ_irq_handler_ack(irq);
	if (writ_thread_create(&irq_thread, irq_loop, NULL, 120) != WRIT_OK)
		die("cannot start the IRQ thread");
	srv_run(&s);
}
