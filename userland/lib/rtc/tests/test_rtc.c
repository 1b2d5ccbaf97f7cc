/*
 * Host tests of the CMOS clock decoding (group "rtc"): fixed dates in every coding the
 * chip has (BCD and binary, 12- and 24-hour, with and without a century register),
 * every malformed byte, and the epoch seconds of a million random dates against the C
 * library's timegm.
 */
#define _DEFAULT_SOURCE
#define TAP_GROUP "rtc/"
#include <test/host_tap.h>

#include <rtc/rtc.h>

static uint8_t
to_bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

/* The registers a chip in `status_b`'s coding shows for a date. */
static struct rtc_raw
encode(const struct rtc_date *d, uint8_t status_b, int with_century)
{
	int binary = status_b & RTC_B_BINARY;
	struct rtc_raw r = { .status_b = status_b };
	int h = d->hour;
	uint8_t pm = 0;

	if (!(status_b & RTC_B_24H)) {
		pm = h >= 12 ? RTC_HOUR_PM : 0;
		h = h % 12 == 0 ? 12 : h % 12;
	}
#define ENC(v) (binary ? (uint8_t)(v) : to_bcd(v))
	r.sec = ENC(d->sec);
	r.min = ENC(d->min);
	r.hour = (uint8_t)(ENC(h) | pm);
	r.mday = ENC(d->mday);
	r.mon = ENC(d->mon);
	r.year = ENC(d->year % 100);
	r.century = with_century ? ENC(d->year / 100) : 0;
#undef ENC
	return r;
}

static int64_t
libc_epoch(const struct rtc_date *d)
{
	struct tm tm = { .tm_year = d->year - 1900, .tm_mon = d->mon - 1, .tm_mday = d->mday,
			 .tm_hour = d->hour, .tm_min = d->min, .tm_sec = d->sec };

	return (int64_t)timegm(&tm);
}

static void
expect_date(const char *what, struct rtc_raw r, int y, int mo, int da, int h, int mi, int s)
{
	struct rtc_date d;
	enum rtc_error e = rtc_decode(&r, &d);

	if (e != RTC_OK) {
		tap_fail("%s: error %d", what, e);
		return;
	}
	if (d.year != y || d.mon != mo || d.mday != da || d.hour != h || d.min != mi || d.sec != s)
		tap_fail("%s: got %04d-%02d-%02d %02d:%02d:%02d", what, d.year, d.mon, d.mday,
			 d.hour, d.min, d.sec);
}

static void
test_codings(void)
{
	tap_begin();
	/* 2026-12-07 13:05:09 in BCD, 24-hour, century register 0x20. */
	expect_date("bcd 24h", (struct rtc_raw){ 0x09, 0x05, 0x13, 0x07, 0x12, 0x26, 0x20,
						 RTC_B_24H }, 2026, 12, 7, 13, 5, 9);
	expect_date("binary 24h", (struct rtc_raw){ 9, 5, 13, 7, 12, 26, 20,
						    RTC_B_24H | RTC_B_BINARY }, 2026, 12, 7, 13, 5, 9);
	expect_date("bcd 12h 1 PM", (struct rtc_raw){ 0x09, 0x05, 0x81, 0x07, 0x12, 0x26, 0x20, 0 },
		    2026, 12, 7, 13, 5, 9);
	expect_date("bcd 12h 12 AM is midnight", (struct rtc_raw){ 0, 0, 0x12, 1, 1, 0x24, 0, 0 },
		    2024, 1, 1, 0, 0, 0);
	expect_date("bcd 12h 12 PM is noon", (struct rtc_raw){ 0, 0, 0x92, 1, 1, 0x24, 0, 0 },
		    2024, 1, 1, 12, 0, 0);
	expect_date("binary 12h 11 PM", (struct rtc_raw){ 59, 59, 0x80 | 11, 31, 12, 99, 19,
							  RTC_B_BINARY }, 1999, 12, 31, 23, 59, 59);
	expect_date("no century register: 20xx", (struct rtc_raw){ 0, 0, 0, 0x29, 2, 0x00, 0,
								   RTC_B_24H }, 2000, 2, 29, 0, 0, 0);
	tap_end("codings");
}

static void
expect_error(const char *what, struct rtc_raw r, enum rtc_error want)
{
	struct rtc_date d;
	enum rtc_error e = rtc_decode(&r, &d);

	if (e != want)
		tap_fail("%s: error %d, expected %d", what, e, want);
}

static void
test_errors(void)
{
	tap_begin();
	expect_error("seconds 0x5a", (struct rtc_raw){ 0x5a, 0, 0, 1, 1, 0x24, 0x20, RTC_B_24H },
		     RTC_E_BCD);
	expect_error("hour 0x1f", (struct rtc_raw){ 0, 0, 0x1f, 1, 1, 0x24, 0x20, RTC_B_24H },
		     RTC_E_BCD);
	expect_error("century 0xa0", (struct rtc_raw){ 0, 0, 0, 1, 1, 0x24, 0xa0, RTC_B_24H },
		     RTC_E_BCD);
	expect_error("seconds 60", (struct rtc_raw){ 0x60, 0, 0, 1, 1, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("hour 24", (struct rtc_raw){ 0, 0, 0x24, 1, 1, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("12h hour 0", (struct rtc_raw){ 0, 0, 0x00, 1, 1, 0x24, 0x20, 0 },
		     RTC_E_RANGE);
	expect_error("12h hour 13", (struct rtc_raw){ 0, 0, 0x13, 1, 1, 0x24, 0x20, 0 },
		     RTC_E_RANGE);
	expect_error("month 13", (struct rtc_raw){ 0, 0, 0, 1, 0x13, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("month 0", (struct rtc_raw){ 0, 0, 0, 1, 0, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("day 0", (struct rtc_raw){ 0, 0, 0, 0, 1, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("29 February 2100", (struct rtc_raw){ 0, 0, 0, 0x29, 2, 0, 0x21, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("31 April", (struct rtc_raw){ 0, 0, 0, 0x31, 4, 0x24, 0x20, RTC_B_24H },
		     RTC_E_RANGE);
	expect_error("binary year 100", (struct rtc_raw){ 0, 0, 0, 1, 1, 100, 20,
							  RTC_B_24H | RTC_B_BINARY }, RTC_E_RANGE);
	tap_end("malformed-registers");
}

static void
test_fixed_epochs(void)
{
	static const struct { struct rtc_date d; int64_t want; } cases[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 2000, 2, 29, 12, 0, 0 }, 951825600 },
		{ { 2024, 12, 31, 23, 59, 59 }, 1735689599 },
		{ { 2038, 1, 19, 3, 14, 8 }, 2147483648 },
		{ { 1900, 3, 1, 0, 0, 0 }, -2203891200 },
	};

	tap_begin();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (rtc_epoch_seconds(&cases[i].d) != cases[i].want)
			tap_fail("%04d-%02d-%02d: %lld, expected %lld", cases[i].d.year,
				 cases[i].d.mon, cases[i].d.mday,
				 (long long)rtc_epoch_seconds(&cases[i].d), (long long)cases[i].want);
	tap_end("fixed-epochs");
}

/* Random dates 1900..2099 in all four codings: decoded back exactly, and the epoch
 * seconds equal timegm's. */
static void
test_against_timegm(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	tap_begin();
	for (unsigned i = 0; i < 1000000; i++) {
		struct rtc_date d, got;
		struct rtc_raw r;
		uint8_t b;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d.year = 1900 + (int)(x % 200);
		d.mon = 1 + (int)(x >> 8 & 0xff) % 12;
		d.mday = 1 + (int)((x >> 16) % rtc_month_days(d.year, (unsigned)d.mon));
		d.hour = (int)((x >> 24) % 24);
		d.min = (int)((x >> 32) % 60);
		d.sec = (int)((x >> 40) % 60);
		b = (uint8_t)((x >> 48 & 1 ? RTC_B_24H : 0) | (x >> 49 & 1 ? RTC_B_BINARY : 0));
		r = encode(&d, b, 1);
		if (rtc_decode(&r, &got) != RTC_OK || got.year != d.year || got.mon != d.mon ||
		    got.mday != d.mday || got.hour != d.hour || got.min != d.min ||
		    got.sec != d.sec) {
			tap_fail("%04d-%02d-%02d %02d:%02d:%02d coding %#x did not decode back",
				 d.year, d.mon, d.mday, d.hour, d.min, d.sec, b);
			continue;
		}
		if (rtc_epoch_seconds(&d) != libc_epoch(&d))
			tap_fail("%04d-%02d-%02d %02d:%02d:%02d: %lld, timegm %lld", d.year,
				 d.mon, d.mday, d.hour, d.min, d.sec,
				 (long long)rtc_epoch_seconds(&d), (long long)libc_epoch(&d));
	}
	tap_end("epoch-matches-timegm");
}

int
main(void)
{
	test_codings();
	test_errors();
	test_fixed_epochs();
	test_against_timegm();
	return tap_failed_total ? 1 : 0;
}
