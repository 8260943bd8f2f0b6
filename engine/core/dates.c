/*
 * Partial dates. A pw_date is a year, a year-month or a full date; an unknown part
 * is 0. Parsing is strict (exact digit layouts, a real calendar date, years
 * 1000..2999) and a rejection says why in words a user understands, because the
 * message ends up in the dead-letter table next to the rejected record.
 *
 * Comparison works at the precision both dates share, so "1968" equals
 * "1968-02-23": that is what matching a partial date of birth needs.
 *
 * Two-digit years (MRZ, PAXLST) are expanded with a century rule relative to a
 * reference date: birth dates take the latest century that does not put the date
 * after the reference; expiry and issue dates take the year nearest to it.
 */
#include "core/core.h"

#include <string.h>
#include <time.h>

#define PW_YEAR_MIN 1000
#define PW_YEAR_MAX 2999

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year))
        return 29;
    return days[month - 1];
}

/* Value of the n ASCII digits at s, or -1 when one of them is not a digit. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/*
 * Splits s into year, month and day by its layout: "YYYY", "YYYY-MM",
 * "YYYY-MM-DD" or "YYYYMMDD". Returns false for any other shape (a missing part
 * stays 0).
 */
static bool split_date(const char *s, int *y, int *m, int *d)
{
    size_t n = strnlen(s, 11);
    *y = *m = *d = 0;
    switch (n) {
    case 4:
        *y = digits(s, 4);
        return *y >= 0;
    case 7:
        if (s[4] != '-')
            return false;
        *y = digits(s, 4);
        *m = digits(s + 5, 2);
        return *y >= 0 && *m >= 0;
    case 8:
        *y = digits(s, 4);
        *m = digits(s + 4, 2);
        *d = digits(s + 6, 2);
        return *y >= 0 && *m >= 0 && *d >= 0;
    case 10:
        if (s[4] != '-' || s[7] != '-')
            return false;
        *y = digits(s, 4);
        *m = digits(s + 5, 2);
        *d = digits(s + 8, 2);
        return *y >= 0 && *m >= 0 && *d >= 0;
    default:
        return false;
    }
}

/*
 * Parses a date and checks it against the calendar. On failure *out is set to
 * "no date" and err explains what is wrong with the text, e.g. "invalid date
 * '1968-02-30': February 1968 has 29 days". The quoted text is cut at 64 bytes.
 */
int pw_date_parse(const char *s, pw_date *out, pw_error *err)
{
    if (out)
        *out = (pw_date){0};
    if (!s || !out)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid date: no text given");

    int y, m, d;
    const char *shape = "expected YYYY-MM-DD, YYYY-MM, YYYY or YYYYMMDD";
    if (!*s)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid date '': empty, %s", shape);
    if (!split_date(s, &y, &m, &d))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid date '%.64s': %s", s, shape);
    if (y < PW_YEAR_MIN || y > PW_YEAR_MAX)
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "invalid date '%s': year %04d is outside %d..%d", s, y, PW_YEAR_MIN,
                            PW_YEAR_MAX);
    if (strlen(s) != 4 && (m < 1 || m > 12))
        return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                            "invalid date '%s': month %02d does not exist (01..12)", s, m);
    if (strlen(s) >= 8) {
        int dim = days_in_month(y, m);
        if (d < 1)
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0,
                                "invalid date '%s': day 00 does not exist (01..%d)", s, dim);
        if (d > dim)
            return pw_error_set(err, PW_EINVAL, NULL, 0, 0, "invalid date '%s': %s %d has %d days",
                                s, month_names[m - 1], y, dim);
    }
    out->year = (int16_t)y;
    out->month = (uint8_t)m;
    out->day = (uint8_t)d;
    return PW_OK;
}

/* Writes n decimal digits of v (zero-padded) at p. */
static char *put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/*
 * The partial form of d. Parts outside their range (a hand-built struct) end the
 * output early rather than print nonsense: an unset or impossible year gives "".
 */
void pw_date_format(pw_date d, char buf[11])
{
    char *p = buf;
    if (d.year >= 1 && d.year <= 9999) {
        p = put_digits(p, d.year, 4);
        if (d.month >= 1 && d.month <= 12) {
            *p++ = '-';
            p = put_digits(p, d.month, 2);
            if (d.day >= 1 && d.day <= 31) {
                *p++ = '-';
                p = put_digits(p, d.day, 2);
            }
        }
    }
    *p = '\0';
}

pw_date pw_date_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (now == (time_t)-1 || !gmtime_r(&now, &tm))
        return (pw_date){0};
    return (pw_date){.year = (int16_t)(tm.tm_year + 1900),
                     .month = (uint8_t)(tm.tm_mon + 1),
                     .day = (uint8_t)tm.tm_mday};
}

static int cmp_int(int a, int b)
{
    return (a > b) - (a < b);
}

/*
 * Compares year, then month and day only while both dates know them, so a partial
 * date equals every full date inside it. An unset date (year 0) sorts before
 * every set date.
 */
int pw_date_compare(pw_date a, pw_date b)
{
    int c = cmp_int(a.year, b.year);
    if (c || !a.year)
        return c;
    if (!a.month || !b.month)
        return 0;
    c = cmp_int(a.month, b.month);
    if (c || !a.day || !b.day)
        return c;
    return cmp_int(a.day, b.day);
}

/*
 * Expands yy into a four-digit year. month and day may be 0 (unknown); they only
 * matter for PW_CENTURY_PAST, where a date in the reference year is compared at
 * the common precision (yy=26, month 12 against 2026-11-26 gives 1926; month 11 or
 * unknown gives 2026). PW_CENTURY_NEAREST picks the year closest to ref's year,
 * a tie going to the later one. An unset ref means today. Returns PW_EINVAL when
 * yy is not 0..99.
 */
int pw_date_century(int yy, uint8_t month, uint8_t day, pw_date ref, enum pw_century_rule rule)
{
    if (yy < 0 || yy > 99)
        return PW_EINVAL;
    if (!pw_date_is_set(ref))
        ref = pw_date_today();

    int year = ref.year / 100 * 100 + yy;
    if (rule == PW_CENTURY_PAST) {
        pw_date cand = {.year = (int16_t)year, .month = month, .day = month ? day : 0};
        if (pw_date_compare(cand, ref) > 0)
            year -= 100;
        return year;
    }

    /* NEAREST: of year - 100, year and year + 100, the closest; ties go later. With d
     * the distance of year from the reference, year - 100 is closer than year when
     * d > 50, and year + 100 at least as close as year when d <= -50 (it can never beat
     * year - 100, which is only chosen for d > 50). */
    int d = year - ref.year;
    return d > 50 ? year - 100 : d <= -50 ? year + 100 : year;
}

/* "1968-02-23", "~1968" or "1960..1965"; "" for no date. */
void pw_dob_format(const pw_dob *d, char buf[32])
{
    buf[0] = '\0';
    if (!d || !pw_date_is_set(d->from))
        return;
    char from[11], to[11];
    pw_date_format(d->from, from);
    switch (d->kind) {
    case PW_DOB_APPROX:
        buf[0] = '~';
        memcpy(buf + 1, from, sizeof from);
        break;
    case PW_DOB_RANGE:
        pw_date_format(d->to, to);
        snprintf(buf, 32, "%s..%s", from, to);
        break;
    default:
        memcpy(buf, from, sizeof from);
        break;
    }
}
