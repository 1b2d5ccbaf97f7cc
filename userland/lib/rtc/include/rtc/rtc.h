/*
 * The PC's CMOS real-time clock, as numbers: what drivers/rtc reads from its registers
 * turned into a calendar date and seconds since the Unix epoch. Pure C, no machine
 * access: the driver reads the registers, this decodes them, host tests check it
 * against the C library's timegm (tests/test_rtc.c).
 *
 * The registers (MC146818): seconds 0x00, minutes 0x02, hours 0x04, day of month
 * 0x07, month 0x08, year 0x09 (two digits), status B 0x0b, and on most PCs (QEMU's
 * too; ACPI's FADT names it) the century at 0x32. Status B says how they are coded:
 * bit 2 set = binary, clear = BCD; bit 1 set = 24-hour, clear = 12-hour, where bit 7
 * of the hours byte means PM and the hour runs 12, 1, ..., 11.
 */
#ifndef RTC_RTC_H
#define RTC_RTC_H

#include <stdint.h>

#define RTC_B_24H    0x02
#define RTC_B_BINARY 0x04
#define RTC_HOUR_PM  0x80

/* The registers as read, each byte as the chip gave it. */
struct rtc_raw {
	uint8_t sec, min, hour, mday, mon, year;
	uint8_t century;                /* 0 when the machine has none: 20xx is assumed */
	uint8_t status_b;
};

struct rtc_date {
	int year;                       /* e.g. 2026 */
	int mon, mday;                  /* 1..12, 1..31 */
	int hour, min, sec;             /* 0..23, 0..59, 0..59 */
};

enum rtc_error {
	RTC_OK = 0,
	RTC_E_BCD = 1,          /* a byte is not two BCD digits */
	RTC_E_RANGE = 2,        /* a field out of its range (a 31 February, hour 24...) */
};

/* Decode the registers (BCD or binary, 12- or 24-hour, century) into *d, checked. */
enum rtc_error rtc_decode(const struct rtc_raw *raw, struct rtc_date *d);
/* Seconds since 1970-01-01 00:00:00 UTC of a checked date (the RTC holds UTC). */
int64_t rtc_epoch_seconds(const struct rtc_date *d);
/* Days since 1970-01-01 of a proleptic Gregorian date (negative before it). */
int64_t rtc_days_from_civil(int64_t year, unsigned mon, unsigned mday);
/* Days in a month of a year (0 for a month out of 1..12). */
unsigned rtc_month_days(int64_t year, unsigned mon);

#endif
