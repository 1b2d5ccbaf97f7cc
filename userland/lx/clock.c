/*
 * The personality's clocks, from time: (drivers/rtc, <writ/time.h>): a time base gives
 * the real time at one TSC reading and the TSC's measured rate, and from then on both
 * clocks are rdtsc and arithmetic, no call.
 *
 * Until the driver has measured the rate (the first seconds after boot) the base says
 * tsc_hz 0: the TSC is taken at LX_TSC_HZ and the base is asked for again at each read
 * of a clock. When the measured rate arrives MONOTONIC goes on from where it was, at the
 * new rate, so it never steps back.
 */
#include <writ/time.h>

#include "lx.h"

/* The rate assumed while none is measured (or without time:). */
#define LX_TSC_HZ 1000000000ull

static struct writ_time_base base;
static bool base_asked, base_missing;
/* MONOTONIC is mono_ns at mono_tsc plus the ticks since at the rate in use. */
static int64_t mono_ns;
static uint64_t mono_tsc;
/* Set by lx_set_realtime_base: real time no longer from time:. */
static bool realtime_fixed;
static int64_t realtime_fixed_ns;

static uint64_t
rate(void)
{
	return base.tsc_hz ? base.tsc_hz : LX_TSC_HZ;
}

static int64_t
ticks_ns(uint64_t d, uint64_t hz)
{
	return (int64_t)(d / hz * 1000000000ull + d % hz * 1000000000ull / hz);
}

/* Ask time: for a base while it has no measured rate; keep MONOTONIC continuous. */
static void
base_refresh(uint64_t now)
{
	struct writ_time_base b;
	int64_t mono;

	if (base.tsc_hz || base_missing)
		return;
	lx_lock();
	if (writ_time_base(&b) < 0) {
		base_missing = base_asked;	/* one retry: the driver may be starting */
		base_asked = true;
	} else if (!base.tsc_hz) {
		base_asked = true;
		mono = mono_ns + ticks_ns(now > mono_tsc ? now - mono_tsc : 0, rate());
		base = b;
		mono_ns = mono;
		mono_tsc = now;
	}
	lx_unlock();
}

int64_t
lx_monotonic_ns(void)
{
	uint64_t now = writ_rdtsc();

	base_refresh(now);
	/* Before the first base, MONOTONIC counts from TSC 0 (mono_tsc is 0). */
	return mono_ns + ticks_ns(now > mono_tsc ? now - mono_tsc : 0, rate());
}

int64_t
lx_tsc_mono_ns(uint64_t tsc)
{
	uint64_t now = writ_rdtsc();
	int64_t mono = lx_monotonic_ns(), ago = ticks_ns(now > tsc ? now - tsc : 0, rate());

	return mono > ago ? mono - ago : 0;
}

int64_t
lx_realtime_ns(void)
{
	uint64_t now = writ_rdtsc();

	if (realtime_fixed)
		return realtime_fixed_ns + lx_monotonic_ns();
	base_refresh(now);
	if (!base.tsc_hz)
		return base.realtime_ns + ticks_ns(now > base.tsc ? now - base.tsc : 0, LX_TSC_HZ);
	return writ_realtime_ns(&base, now);
}

void
lx_set_realtime_base(int64_t ns_at_mono0)
{
	realtime_fixed = true;
	realtime_fixed_ns = ns_at_mono0;
}

/* Under a tick of time:'s timer (1024 Hz) a sleep yields: a wake would come late by
 * up to a tick, and the wait costs more than a few yields. */
#define LX_TIMER_MIN_NS 1000000

bool
lx_timer_sleep(int64_t ns)
{
	writ_cptr_t wake = lx_thread_wake();
	uint64_t hz, d;
	writ_word_t w;

	if (!wake || ns < LX_TIMER_MIN_NS || base_missing)
		return false;
	base_refresh(writ_rdtsc());
	hz = rate();
	d = (uint64_t)ns / 1000000000ull * hz + (uint64_t)ns % 1000000000ull * hz / 1000000000ull;
	if (writ_timer_arm(wake, writ_rdtsc() + d) != 0)
		return false;
	if (lx_sig_wait_begin(wake)) {
		writ_wait(wake, &w);
		lx_sig_wait_end();
	}
	return true;
}
