/*
 * /test/rtc: the CMOS clock driver (drivers/rtc) through time:, seen from a program.
 * QEMU's clock follows the host's, so the date is today's: no earlier than 2024.
 */
#include <test/check.h>
#include <writ/fd.h>
#include <writ/scheme.h>
#include <writ/time.h>
#include <writ/writ.h>

#include <errno.h>
#include <fcntl.h>

#define Y2024 1704067200ll      /* 2024-01-01 00:00:00 UTC */
#define Y2200 7258118400ll      /* 2200-01-01: a year no host clock shows yet */

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
	return test_done("rtc");
}
