/*
 * /test/rtc: the CMOS clock driver (drivers/rtc) through time:, seen from a program.
 * QEMU's clock follows the host's, so the date is today's: no earlier than 2024.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/scheme.h>
#include <writ/time.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

#define Y2024 1704067200ll      /* 2024-01-01 00:00:00 UTC */
#define Y2200 7258118400ll      /* 2200-01-01: a year no host clock shows yet */

/* time:'s STATS: -> timers armed now; *fired, *refused. */
static long
timer_stats(uint64_t *fired, uint64_t *refused)
{
	writ_word_t r[2] = { 0, 0 };
	long n = writ_scheme_call(writ_scheme_cap("time"), SCHEME_OP_STATS, NULL, 0, NULL, 0,
				  NULL, 0, r, 2);

	*fired = r[0];
	*refused = r[1];
	return n;
}

/* The TSC ticks in ms milliseconds (at 1 GHz while the driver has no rate yet). */
static uint64_t
ticks_ms(unsigned ms)
{
	struct writ_time_base b = { 0 };

	writ_time_base(&b);
	return (b.tsc_hz ? b.tsc_hz : 1000000000ull) / 1000 * ms;
}

static void
timer_tests(void)
{
	writ_cptr_t n = 0, time = writ_scheme_cap("time");
	uint64_t fired0, fired1, refused0, refused1, deadline;
	writ_word_t w;
	long r, armed;
	unsigned k;

	check(writ_own_notification(&n) == WRIT_OK, "rtc/timer-notification", "no notification");
	timer_stats(&fired0, &refused0);
	deadline = writ_rdtsc() + ticks_ms(20);
	r = writ_timer_arm(n, deadline);
	if (r == 0)
		writ_wait(n, &w);
	timer_stats(&fired1, &refused1);
	check(r == 0 && writ_rdtsc() >= deadline && fired1 > fired0, "rtc/timer-wakes-after-deadline",
	      "arm %ld; woke %ld ticks before the deadline; fired %lu -> %lu", r,
	      (long)(deadline - writ_rdtsc()), (unsigned long)fired0, (unsigned long)fired1);

	/* A deadline already past is signalled at once, by the call itself, and counted
	 * with the timers signalled (so the check above holds when a loaded machine let
	 * its deadline pass before the arm). */
	timer_stats(&fired0, &refused0);
	r = writ_timer_arm(n, 1);
	timer_stats(&fired1, &refused1);
	check(r == 0 && writ_poll(n, &w) == WRIT_OK && w != 0 && fired1 > fired0,
	      "rtc/timer-past-deadline-at-once", "arm %ld, word %lu, fired %lu -> %lu", r,
	      (unsigned long)w, (unsigned long)fired0, (unsigned long)fired1);

	/* Bad input: no capability; a capability that is no notification. */
	r = writ_scheme_call(time, SCHEME_OP_TIMER, (writ_word_t[]){ writ_rdtsc() + ticks_ms(5) }, 1,
			     NULL, 0, NULL, 0, NULL, 0);
	check(r == -EINVAL, "rtc/timer-without-cap-refused", "TIMER with no capability gave %ld", r);
	/* time:'s own endpoint comes to it as a badge, not a capability (the kernel
	 * unwraps a server's own): no capability at all. */
	r = writ_timer_arm(time, writ_rdtsc() + ticks_ms(5));
	check(r == -EINVAL, "rtc/timer-own-endpoint-refused",
	      "time:'s own endpoint as the notification gave %ld", r);
	/* Another server's endpoint is kept: a Signal on it is an empty non-blocking send,
	 * which the caller could make itself and which null: ignores. */
	r = writ_timer_arm(writ_scheme_cap("null"), writ_rdtsc() + ticks_ms(5));
	deadline = writ_rdtsc() + ticks_ms(15);
	armed = writ_timer_arm(n, deadline);
	if (armed == 0)
		while (writ_rdtsc() < deadline)
			writ_wait(n, &w);
	check(r == 0 && armed == 0, "rtc/timer-after-bad-cap-still-works",
	      "endpoint armed %ld, then a notification %ld", r, armed);

	/* The table fills: -EAGAIN, not a lost wake; every armed one still fires. */
	timer_stats(&fired0, &refused0);
	deadline = writ_rdtsc() + ticks_ms(1000);	/* none due while the table fills */
	for (k = 0; k < 200 && (r = writ_timer_arm(n, deadline)) == 0; k++)
		;
	timer_stats(&fired1, &refused1);
	check(r == -EAGAIN && k >= 64 && refused1 == refused0 + 1, "rtc/timer-table-full-eagain",
	      "arm %u gave %ld; refused %lu -> %lu", k, r, (unsigned long)refused0,
	      (unsigned long)refused1);
	while (writ_rdtsc() < deadline)
		writ_wait(n, &w);
	for (unsigned i = 0; i < 1000 && timer_stats(&fired1, &refused1) > 0; i++)
		writ_yield();	/* the IRQ thread signals them at the next tick */
	check(fired1 >= fired0 + k, "rtc/timer-full-table-all-fire", "%u armed, %lu fired",
	      k, (unsigned long)(fired1 - fired0));

	/* A Linux program's nanosleep waits on a timer instead of yielding. */
	{
		const char *argv[] = { "/bin/busybox", "sleep", "0.05", NULL };
		struct writ_spawn_opts o = { .quota_bits = 24 };	/* glibc's TLS and heap */
		writ_cptr_t child = 0;
		long pid, st;

		writ_spawn_opts_inherit(&o);
		timer_stats(&fired0, &refused0);
		pid = writ_spawn(argv[0], argv, &o, &child);
		st = pid > 0 ? writ_proc_wait(child) : pid;
		timer_stats(&fired1, &refused1);
		check(pid > 0 && WRIT_WAIT_STATUS(st) == 0 && fired1 > fired0, "rtc/linux-sleep-uses-timer",
		      "spawn %ld, status %ld, timers fired %lu -> %lu", pid, st,
		      (unsigned long)fired0, (unsigned long)fired1);
	}
}

int
main(void)
{
	struct writ_time_base b = { 0 }, c = { 0 };
	int r = writ_time_base(&b), fd;
	int64_t s = b.realtime_ns / 1000000000;
	long n;

	check(r == 0, "rtc/time-base", "writ_time_base: %d", r);
	check(s >= Y2024 && s < Y2200, "rtc/year-at-least-2024",
	      "the clock says %lld s since 1970 (before 2024 or after 2199)", (long long)s);
	check(b.tsc != 0 && b.tsc <= writ_rdtsc(), "rtc/base-tsc-in-the-past",
	      "the base's TSC %lu is not a past reading", (unsigned long)b.tsc);
	check(writ_realtime_ns(&b, writ_rdtsc()) >= b.realtime_ns, "rtc/realtime-not-backwards",
	      "the real time computed now is before the base");
	/* The same base through an open file, as a program reading time: would. */
	fd = writ_open("time:", O_RDONLY, 0);
	n = fd >= 0 ? writ_read(fd, &c, sizeof(c)) : fd;
	check(n == (long)sizeof(c) && c.realtime_ns / 1000000000 >= Y2024, "rtc/read-through-fd",
	      "open/read of time: gave %ld", n);
	if (fd >= 0)
		writ_close(fd);
	n = writ_scheme_call(writ_scheme_cap("time"), SCHEME_OP_READ,
			     (writ_word_t[]){ 4 }, 1, NULL, 0, &c, 4, NULL, 0);
	check(n == -EINVAL, "rtc/short-read-refused", "a 4-byte read gave %ld, not -EINVAL", n);
	timer_tests();
	return test_done("rtc");
}
