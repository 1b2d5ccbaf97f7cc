/* time: clocks that agree with themselves, sleeps that last, and fixed conversions;
 * nothing that differs between two runs is printed. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static long long
ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int
main(void)
{
	struct timespec a, b, r, sl = { 0, 20 * 1000 * 1000 };
	struct timeval tv;
	time_t fixed = 1733574896, now;     /* 2024-12-07 12:34:56 UTC */
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("monotonic does not go back: %d\n", ns(&b) >= ns(&a));
	clock_gettime(CLOCK_REALTIME, &r);
	printf("realtime after 2024: %d\n", r.tv_sec >= 1704067200);
	now = time(NULL);
	gettimeofday(&tv, NULL);
	printf("time() and gettimeofday agree: %d\n", tv.tv_sec - now >= 0 && tv.tv_sec - now < 5);
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&sl, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("nanosleep 20 ms lasted at least that: %d\n", ns(&b) - ns(&a) >= 20000000);
	gmtime_r(&fixed, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %A %j", &tm);
	printf("gmtime: %s\n", buf);
	printf("timegm back: %lld\n", (long long)timegm(&tm));
	printf("clock_getres monotonic ok: %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 &&
	       ns(&r) > 0 && ns(&r) <= 10000000);
	return 0;
}
