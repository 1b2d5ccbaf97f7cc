/*
 * The CMOS real-time clock driver: the PC's date and time as the `time:` scheme.
 *
 * It holds ports 0x70-0x71 (index and data of the CMOS RAM) and nothing else: no IRQ.
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
 * It prints nothing unless something is wrong: lines on COM1 go out a byte per call,
 * and one printed while another process prints (the calibration thread runs whenever
 * the CPU would idle) would cut through that process's line.
 */
#include <rtc/rtc.h>
#include <srv/srv.h>
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
#define A_UIP 0x80
#define NS 1000000000ll

static struct srv s;
static writ_cptr_t port;
static struct writ_time_base base;      /* under s.lock once the workers run */
static struct writ_thread calib_thread;

static uint8_t
cmos(uint8_t reg)
{
	uint32_t v = 0;

	writ_ioport_out(port, 1, CMOS_INDEX, reg);
	writ_ioport_in(port, 1, CMOS_DATA, &v);
	return (uint8_t)v;
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
	if (!next_second(&d1, &t1) || !next_second(&d2, &t2) ||
	    rtc_epoch_seconds(&d2) != rtc_epoch_seconds(&d1) + 1 || t2 <= t1) {
		writ_printf("rtc: the clock did not tick one second as expected: no TSC rate\n");
		return;
	}
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
	if (!port)
		die("needs ioport=0x70-0x71 in boot.conf");
	base.tsc = writ_rdtsc();
	if ((e = read_clock(&d)) != RTC_OK)
		die(e == RTC_E_BCD ? "the clock's registers are not valid BCD" :
		    "the clock holds an impossible date");
	base.realtime_ns = rtc_epoch_seconds(&d) * NS;
	if (srv_init(&s, "time", &ops) != 0 || srv_root_policy(&s) != 1)
		die("no endpoint to serve");
	if (writ_thread_create(&calib_thread, calibrate, NULL, 1) != WRIT_OK)
		writ_printf("rtc: no thread to measure the TSC: the time stays to the second\n");
	srv_run(&s);
}
