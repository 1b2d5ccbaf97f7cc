/*
 * Real time: the date from the PC's CMOS clock, served by drivers/rtc as `time:`.
 *
 * One call gives a time base: the real time (ns since the Unix epoch, UTC) at one
 * reading of the TSC, and the TSC's rate. From then on a process computes the real time
 * itself from rdtsc, without asking again (CLOCK_REALTIME in the Linux personality).
 * The rate is measured against the clock's own second boundaries in the driver's idle
 * time, in the first seconds after boot; until then tsc_hz is 0 and the base is the
 * boot's reading, to the second: ask again for a finer one.
 *
 * Example:
 *   struct writ_time_base b;
 *   if (writ_time_base(&b) == 0)
 *           writ_printf("%lld s since 1970\n", (long long)(writ_realtime_ns(&b, writ_rdtsc()) / 1000000000));
 */
#ifndef WRIT_TIME_H
#define WRIT_TIME_H

#include <stdint.h>

#include <writ/writ.h>

struct writ_time_base {
	int64_t realtime_ns;            /* ns since 1970-01-01 00:00:00 UTC at tsc */
	uint64_t tsc;
	uint64_t tsc_hz;                /* TSC ticks a second; 0 while not yet measured */
};

/* The time base from the `time` capability (a read on the policy itself: one call).
 * -> 0, or -errno (-ENOENT: this process holds no time: capability). */
int writ_time_base(struct writ_time_base *b);

/* Have time: signal notification `ntfn` once the TSC passes `tsc_deadline` (one
 * signal; it may come up to a millisecond late, and a caller that woke early or for
 * another reason checks its clock and arms again). -> 0, -ENOENT (no time:
 * capability), -ENOSYS (the driver has no IRQ: no timers), -EAGAIN (every timer of
 * the driver is armed), -EINVAL (not a capability).
 * Example, sleeping about 10 ms on the thread's own notification:
 *   writ_timer_arm(self->wake, writ_rdtsc() + b.tsc_hz / 100);
 *   writ_wait(self->wake, &w);
 */
int writ_timer_arm(writ_cptr_t ntfn, uint64_t tsc_deadline);

static inline uint64_t
writ_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The real time at TSC reading `tsc` (not before the base's). */
static inline int64_t
writ_realtime_ns(const struct writ_time_base *b, uint64_t tsc)
{
	uint64_t d = tsc > b->tsc ? tsc - b->tsc : 0;

	if (!b->tsc_hz)
		return b->realtime_ns;
	/* Whole seconds first, so d * 1e9 cannot overflow for the remainder. */
	return b->realtime_ns + (int64_t)(d / b->tsc_hz) * 1000000000 +
	       (int64_t)((d % b->tsc_hz) * 1000000000 / b->tsc_hz);
}

#endif
