/*
 * The CMOS real-time clock driver: the PC's date and time as the `time:` scheme.
 *
 * It holds ports 0x70-0x71 (index and data of the CMOS RAM) and the clock's IRQ 8.
 * At start it reads the clock once (userland/lib/rtc decodes the registers) and serves
 * a time base (writ/time.h): the real time at a TSC reading, and the TSC's rate. A read
 * on the policy capability itself, or on a file opened from it, answers the base, so a
 * process asks once and then computes the real time from rdtsc alone.
 *
 * The rate. The kernel keeps the PIT, so the TSC is measured against the clock's own
 * seconds: a thread at the lowest priority watches for two second boundaries (about
 * two seconds, in idle time only, yielding between looks) and then publishes a base at
 * the second boundary it saw, with the ticks between the two as the rate. Until then
 * tsc_hz is 0 and the base is the start's reading, exact to the second.
 *
 * Reading the registers: the chip updates them once a second and says so in status A's
 * update-in-progress bit (set about 244 us before the update); a read waits until the
 * bit is clear and is repeated until two reads in a row agree, so it never mixes two
 * seconds (a 59 -> 00 carry between the minutes and the seconds, say).
 *
 * Timers. With irq=8 it also wakes sleepers: TIMER (a TSC deadline, with a notification
 * capability) keeps the notification and signals it once the TSC has passed the
 * deadline, so a process sleeps in a Wait instead of yielding until its time comes (the
 * Linux personality's nanosleep, timed futex waits and poll). While any timer is armed
 * the chip's periodic interrupt runs at 1024 Hz, and the IRQ thread signals those that
 * are due; with none armed the interrupt is off, so an idle system takes no ticks. A
 * wake is one-shot and may come late by one period (under 1 ms) or, when the caller's
 * TSC rate was a guess, early: the caller checks its clock and arms again. The table is
 * shared by every client; when it is full TIMER answers -EAGAIN (the caller yields
 * instead), and a notification that is gone (its process ended) is simply dropped. A
 * capability that is no notification is taken too: a Signal on an endpoint is an empty
 * non-blocking send, which its holder could make itself.
 * STATS answers the timers armed now, those signalled so far and the arms refused.
 *
 * It prints nothing unless something is wrong: lines on COM1 go out a byte per call,
 * and one printed while another process prints (the calibration thread runs whenever
 * the CPU would idle) would cut through that process's line.
 */
#include <rtc/rtc.h>
#include <srv/srv.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/thread.h>
#include <writ/time.h>
#include <writ/writ.h>

#include <errno.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define REG_SEC 0x00
#define REG_MIN 0x02
#define REG_HOUR 0x04
#define REG_MDAY 0x07
#define REG_MON 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_CENTURY 0x32
#define REG_C 0x0c
#define A_UIP 0x80
#define A_RATE_1024HZ 0x06
#define B_PIE 0x40
#define NS 1000000000ll
#define MAX_TIMERS 128

static struct srv s;
static writ_cptr_t port;
static struct writ_time_base base;      /* under s.lock once the workers run */
static struct writ_thread calib_thread;
/* Index then data: two port calls that another thread's access must not split. */
static struct writ_mutex port_lock;

/* Armed timers, under s.lock: the notification (a slot of ours) and its deadline. */
static struct {
	writ_cptr_t ntfn;
	uint64_t deadline;
} timers[MAX_TIMERS];
static unsigned n_timers;
static bool ticking;
static uint64_t fired, refused;         /* timers signalled; arms refused, table full */

static uint8_t
cmos(uint8_t reg)
{
	uint32_t v = 0;

	writ_mutex_lock(&port_lock);
	writ_ioport_out(port, 1, CMOS_INDEX, reg);
	writ_ioport_in(port, 1, CMOS_DATA, &v);
	writ_mutex_unlock(&port_lock);
	return (uint8_t)v;
}

static void
cmos_set(uint8_t reg, uint8_t v)
{
	writ_mutex_lock(&port_lock);
	writ_ioport_out(port, 1, CMOS_INDEX, reg);
	writ_ioport_out(port, 1, CMOS_DATA, v);
	writ_mutex_unlock(&port_lock);
}

/* The periodic interrupt on or off (under s.lock). Reading C clears what is pending, so
 * the next period raises a new edge. */
static void
set_ticking(bool on)
{
	if (on == ticking)
		return;
	ticking = on;
	if (on)
		cmos_set(REG_A, (uint8_t)((cmos(REG_A) & 0xf0) | A_RATE_1024HZ));
	cmos_set(REG_B, (uint8_t)(on ? cmos(REG_B) | B_PIE : cmos(REG_B) & ~B_PIE));
	cmos(REG_C);
}

/* Signal and drop every timer that is due (under s.lock). */
static void
fire_due(void)
{
	uint64_t now = writ_rdtsc();

	for (unsigned i = 0; i < n_timers;) {
		if (timers[i].deadline > now) {
			i++;
			continue;
		}
		writ_signal(timers[i].ntfn);
		fired++;
		writ_cnode_delete(WRIT_PSLOT_CNODE, timers[i].ntfn, 64);
		writ_slot_free(timers[i].ntfn);
		timers[i] = timers[--n_timers];
	}
	if (n_timers == 0)
		set_ticking(false);
}

/* An interrupt: reading C clears what is pending, so the next period raises a new
 * edge. */
static void
tick(void)
{
	cmos(REG_C);
	fire_due();
}

static struct srv_irq tick_irq = { .s = &s, .service = tick };

/* TIMER (deadline) with a notification: kept and signalled once the TSC passes it. */
static void
arm_timer(struct srv_req *req)
{
	writ_cptr_t n;

	if (!tick_irq.irq) {
		srv_result(req, -ENOSYS);
		return;
	}
	if (req->n_got != 1 || !req->got_cap[0]) {
		srv_result(req, -EINVAL);
		return;
	}
	if (n_timers == MAX_TIMERS) {
		refused++;
		srv_result(req, -EAGAIN);
		return;
	}
	if (req->m.mr[0] <= writ_rdtsc()) {
		/* Due already: signalled now, and counted as any timer signalled (a caller
		 * slowed down past its deadline before it armed finds it in STATS too). */
		if (writ_signal(req->got_cap[0]) != WRIT_OK) {
			srv_result(req, -EINVAL);
			return;
		}
		fired++;
		srv_result(req, 0);
		return;
	}
	if (!(n = srv_take_cap(&s, req, 0))) {
		srv_result(req, -ENOMEM);
		return;
	}
	timers[n_timers].ntfn = n;
	timers[n_timers++].deadline = req->m.mr[0];
	set_ticking(true);
	srv_result(req, 0);
}

static bool
uip(void)
{
	return cmos(REG_A) & A_UIP;
}

static void
read_once(struct rtc_raw *r)
{
	while (uip())
		writ_yield();
	r->sec = cmos(REG_SEC);
	r->min = cmos(REG_MIN);
	r->hour = cmos(REG_HOUR);
	r->mday = cmos(REG_MDAY);
	r->mon = cmos(REG_MON);
	r->year = cmos(REG_YEAR);
	r->century = cmos(REG_CENTURY);
	r->status_b = cmos(REG_B);
}

/* Two reads in a row that agree (a few at most: the chip updates once a second). */
static enum rtc_error
read_clock(struct rtc_date *d)
{
	struct rtc_raw a, b;

	read_once(&a);
	for (unsigned i = 0; i < 16; i++) {
		read_once(&b);
		if (memcmp(&a, &b, sizeof(a)) == 0)
			break;
		a = b;
	}
	return rtc_decode(&a, d);
}

/* The TSC when the seconds register next changes, and the date then. */
static bool
next_second(struct rtc_date *d, uint64_t *tsc)
{
	uint8_t first = cmos(REG_SEC), now;

	do {
		writ_yield();
		now = cmos(REG_SEC);
	} while (now == first);
	*tsc = writ_rdtsc();
	return read_clock(d) == RTC_OK;
}

static void
calibrate(void *arg)
{
	struct rtc_date d1, d2;
	uint64_t t1, t2;

	(void)arg;
	/* A busy system may keep this thread from the CPU across a whole second (two
	 * boundaries seen two seconds apart): then it looks again, until it sees one.
	 * Quietly: a line on the console now would land in the middle of a user's shell. */
	for (;;)
		if (next_second(&d1, &t1) && next_second(&d2, &t2) &&
		    rtc_epoch_seconds(&d2) == rtc_epoch_seconds(&d1) + 1 && t2 > t1)
			break;
	writ_mutex_lock(&s.lock);
	base = (struct writ_time_base){ .realtime_ns = rtc_epoch_seconds(&d2) * NS, .tsc = t2,
					.tsc_hz = t2 - t1 };
	srv_unlock(&s);
}

static void
answer_base(struct srv_req *req)
{
	struct writ_time_base b = base;

	if (req->m.mr[0] < sizeof(b)) {
		srv_result(req, -EINVAL);
		return;
	}
	srv_put_bytes(req, 0, &b, sizeof(b));
	srv_result(req, sizeof(b));
}

static void
time_request(struct srv *srv, struct srv_req *req)
{
	int i;

	(void)srv;
	switch (req->op) {
	case SCHEME_OP_READ:
		answer_base(req);
		return;
	case SCHEME_OP_TIMER:
		arm_timer(req);
		return;
	case SCHEME_OP_STATS:
		/* Timers armed now, signalled so far, refused (table full). */
		req->m.mr[1] = fired;
		req->m.mr[2] = refused;
		req->reply_len = 3;
		srv_result(req, n_timers);
		return;
	case SCHEME_OP_OPEN:
		if (req->rec->kind != SCHEME_KIND_POLICY) {
			srv_result(req, -ENOTDIR);
			return;
		}
		/* FALLTHROUGH */
	case SCHEME_OP_DUP:
		if ((i = srv_record_new(&s, SCHEME_KIND_FILE, NULL)) < 0) {
			srv_result(req, -ENFILE);
			return;
		}
		srv_reply_record(req, &s, i);
		srv_result(req, 0);
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

static const struct srv_ops ops = { .request = time_request };

static void
die(const char *why)
{
	writ_printf("rtc: %s\n", why);
	writ_exit(1);
}

int
main(void)
{
	const struct writ_startinfo *si = writ_startinfo();
	struct rtc_date d;
	enum rtc_error e;

	for (unsigned i = 0; si && i < si->n_caps; i++)
		if (si->caps[i].kind == WRIT_SCAP_IOPORT && (si->caps[i].arg & 0xffff) == CMOS_INDEX)
			port = si->caps[i].slot;
	for (unsigned i = 0; si && i < si->n_caps; i++)
		if (si->caps[i].kind == WRIT_SCAP_IRQ)
			tick_irq.irq = si->caps[i].slot;
	if (!port)
		die("needs ioport=0x70-0x71 in boot.conf");
	writ_mutex_init(&port_lock);
	base.tsc = writ_rdtsc();
	if ((e = read_clock(&d)) != RTC_OK)
		die(e == RTC_E_BCD ? "the clock's registers are not valid BCD" :
		    "the clock holds an impossible date");
	base.realtime_ns = rtc_epoch_seconds(&d) * NS;
	if (srv_init(&s, "time", &ops) != 0 || srv_root_policy(&s) != 1)
		die("no endpoint to serve");
	if (tick_irq.irq) {
		/* Off until a timer is armed, whatever the firmware left on. */
		ticking = true;
		set_ticking(false);
		/* At the workers' priority: a sleeper's wake waits for nobody of its own. */
		if (srv_irq_take(&tick_irq) != WRIT_OK || srv_irq_start(&tick_irq, s.prio) != WRIT_OK) {
			writ_printf("rtc: cannot take IRQ 8: no timers (sleepers yield)\n");
			tick_irq.irq = 0;
		}
	}
	if (writ_thread_create(&calib_thread, calibrate, NULL, 1) != WRIT_OK)
		writ_printf("rtc: no thread to measure the TSC: the time stays to the second\n");
	srv_run(&s);
}
