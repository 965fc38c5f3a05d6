#include "timeutil.h"

#include <stdio.h>
#include <time.h>

void time_iso8601(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) {
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_parse_utc(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, m = 0;
	time_t v;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (sscanf(s, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		s += m;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &sec, &m) != 1 || m != 2)
				return -1;
			s += 3;
		}
		if (*s == 'Z')
			s++;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	v = timegm(&tm);
	/* 2025-02-30 would roll over to March: not a date. */
	if (v == (time_t)-1 || tm.tm_mday != d)
		return -1;
	*ms = (int64_t)v * 1000;
	return 0;
}

uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void sleep_ms(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) == -1)
		;
}

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
