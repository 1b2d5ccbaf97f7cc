/*
 * CMOS clock registers to dates and epoch seconds (see rtc/rtc.h for the coding).
 *
 * The day count is the usual era arithmetic: a 400-year era of the Gregorian
 * calendar has exactly 146,097 days, and counting years from March puts the leap day
 * last, so the day of the year follows from the month by one linear formula.
 */
#include <rtc/rtc.h>

static int
bcd(uint8_t b, int *out)
{
	if ((b & 0x0f) > 9 || (b >> 4) > 9)
		return -1;
	*out = (b >> 4) * 10 + (b & 0x0f);
	return 0;
}

static int
field(uint8_t b, int binary, int *out)
{
	if (binary) {
		*out = b;
		return 0;
	}
	return bcd(b, out);
}

unsigned
rtc_month_days(int64_t year, unsigned mon)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (mon < 1 || mon > 12)
		return 0;
	return days[mon - 1] + (mon == 2 && leap);
}

int64_t
rtc_days_from_civil(int64_t year, unsigned mon, unsigned mday)
{
	int64_t y = year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                    /* 0..399 */
	int64_t doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0..146096 */

	return era * 146097 + doe - 719468;     /* 719468: 0000-03-01 to 1970-01-01 */
}

int64_t
rtc_epoch_seconds(const struct rtc_date *d)
{
	return rtc_days_from_civil(d->year, (unsigned)d->mon, (unsigned)d->mday) * 86400 +
	       d->hour * 3600 + d->min * 60 + d->sec;
}

/* The hours byte: the PM flag comes off before the digits are read, and 12-hour
 * time runs 12 AM (midnight), 1 AM, ..., 11 AM, 12 PM (noon), 1 PM, ... */
static enum rtc_error
hours(uint8_t b, uint8_t status_b, int *out)
{
	int binary = status_b & RTC_B_BINARY, h;

	if (status_b & RTC_B_24H)
		return field(b, binary, out) < 0 ? RTC_E_BCD : RTC_OK;
	if (field(b & ~RTC_HOUR_PM, binary, &h) < 0)
		return RTC_E_BCD;
	if (h < 1 || h > 12)
		return RTC_E_RANGE;
	*out = h % 12 + ((b & RTC_HOUR_PM) ? 12 : 0);
	return RTC_OK;
}

enum rtc_error
rtc_decode(const struct rtc_raw *raw, struct rtc_date *d)
{
	int binary = raw->status_b & RTC_B_BINARY, yy, century = 20;
	enum rtc_error e;

	if (field(raw->sec, binary, &d->sec) < 0 || field(raw->min, binary, &d->min) < 0 ||
	    field(raw->mday, binary, &d->mday) < 0 || field(raw->mon, binary, &d->mon) < 0 ||
	    field(raw->year, binary, &yy) < 0)
		return RTC_E_BCD;
	if ((e = hours(raw->hour, raw->status_b, &d->hour)) != RTC_OK)
		return e;
	if (raw->century && field(raw->century, binary, &century) < 0)
		return RTC_E_BCD;
	if (yy > 99 || century < 19 || century > 99)
		return RTC_E_RANGE;
	d->year = century * 100 + yy;
	if (d->sec > 59 || d->min > 59 || d->hour > 23 || d->mon < 1 || d->mon > 12 ||
	    d->mday < 1 || (unsigned)d->mday > rtc_month_days(d->year, (unsigned)d->mon))
		return RTC_E_RANGE;
	return RTC_OK;
}
