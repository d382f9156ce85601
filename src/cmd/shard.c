/* Shards: parsing --shard and --start-at, and dealing out a share. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "shard.h"
#include "util.h"

/* Parse a whole decimal number from 0 to max; 0, or -1. */
static int
shard_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Parse "I/N" or "env" into index and total. */
int
shard_parse(const char *arg, int *index, int *total, char *err,
    size_t errlen)
{
	long i, n;

	if (strcmp(arg, "env") == 0) {
		const char *si = getenv(SHARD_ENV_INDEX);
		const char *sn = getenv(SHARD_ENV_TOTAL);

		if (si == NULL || shard_num(si, SHARD_MAX - 1, &i) < 0) {
			snprintf(err, errlen, "--shard env: %s is %s%s%s (the "
			    "index of a Kubernetes Indexed Job pod, 0 to N-1)",
			    SHARD_ENV_INDEX, si == NULL ? "not set" : "'",
			    si == NULL ? "" : si, si == NULL ? "" : "'");
			return -1;
		}
		if (sn == NULL || shard_num(sn, SHARD_MAX, &n) < 0 || n < 1) {
			snprintf(err, errlen, "--shard env: %s is %s%s%s (set it "
			    "to the Job's completions, 1 to %d)",
			    SHARD_ENV_TOTAL, sn == NULL ? "not set" : "'",
			    sn == NULL ? "" : sn, sn == NULL ? "" : "'",
			    SHARD_MAX);
			return -1;
		}
	} else {
		const char *slash = strchr(arg, '/');
		char tmp[32];

		if (slash == NULL || (size_t)(slash - arg) >= sizeof(tmp)) {
			snprintf(err, errlen, "--shard '%s': expected I/N "
			    "(such as 0/4) or env", arg);
			return -1;
		}
		memcpy(tmp, arg, (size_t)(slash - arg));
		tmp[slash - arg] = '\0';
		if (shard_num(tmp, SHARD_MAX - 1, &i) < 0 ||
		    shard_num(slash + 1, SHARD_MAX, &n) < 0 || n < 1) {
			snprintf(err, errlen, "--shard '%s': expected I/N with "
			    "N from 1 to %d (such as 0/4) or env", arg,
			    SHARD_MAX);
			return -1;
		}
	}
	if (i >= n) {
		snprintf(err, errlen, "--shard %ld/%ld: the index counts from 0 "
		    "and must be below %ld", i, n, n);
		return -1;
	}
	*index = (int)i;
	*total = (int)n;
	return 0;
}

/* The share of n for one shard. */
uint64_t
shard_share(uint64_t n, int index, int total)
{
	return n / (uint64_t)total +
	    ((uint64_t)index < n % (uint64_t)total ? 1 : 0);
}

/* Whether item k is the shard's. */
int
shard_owns(uint64_t k, int index, int total)
{
	return k % (uint64_t)total == (uint64_t)index;
}

/* The shard's items of a comma-separated list. */
char *
shard_list(const char *list, int index, int total)
{
	char *copy = xstrdup(list), *tok, *save = NULL, *out;
	struct buf b;
	uint64_t k = 0, count = 1;
	const char *p;

	for (p = list; *p != '\0'; p++)
		if (*p == ',')
			count++;
	buf_init(&b);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), k++)
		if (count < (uint64_t)total || shard_owns(k, index, total)) {
			if (buf_len(&b) > 0)
				buf_append(&b, ",", 1);
			buf_append_str(&b, tok);
		}
	buf_append(&b, "", 1);
	out = xstrdup((const char *)buf_data(&b));
	buf_free(&b);
	free(copy);
	return out;
}

/* Read exactly n digits at *pp into out; 0, or -1. */
static int
shard_digits(const char **pp, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**pp))
			return -1;
		v = v * 10 + (**pp - '0');
		(*pp)++;
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
shard_days(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* Parse RFC 3339 date-time (section 5.6); 0, or -1. */
static int
shard_rfc3339(const char *p, double *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	double frac = 0, scale = 0.1;

	if (shard_digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    shard_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    shard_digits(&p, 2, &d) < 0)
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (shard_digits(&p, 2, &h) < 0 || *p++ != ':' ||
	    shard_digits(&p, 2, &mi) < 0 || *p++ != ':' ||
	    shard_digits(&p, 2, &s) < 0)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (shard_digits(&p, 2, &oh) < 0 || *p++ != ':' ||
		    shard_digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	/* A leap second (60) is accepted and lands on the next second. */
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0)) || h > 23 || mi > 59 || s > 60)
		return -1;
	*out = (double)(shard_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    s - sign * (oh * 3600 + om * 60)) + frac;
	return 0;
}

/* Parse unix seconds or RFC 3339. */
int
shard_parse_time(const char *s, double *out)
{
	char *end;
	double v;

	/* Both forms: after 1970-01-01T00:00:00Z (0 means "no --start-at")
	 * and no later than 1e11 s (year 5138). */
	if (strchr(s, '-') != NULL && strlen(s) >= 19) {
		if (shard_rfc3339(s, &v) < 0)
			return -1;
	} else {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = strtod(s, &end);
		if (*end != '\0')
			return -1;
	}
	if (!isfinite(v) || v <= 0 || v > 1e11)
		return -1;
	*out = v;
	return 0;
}

/* Format t as RFC 3339 UTC with milliseconds. */
void
shard_format_time(double t, char *out, size_t outlen)
{
	time_t sec = (time_t)floor(t);
	long ms = lround((t - floor(t)) * 1000);
	struct tm tm;

	if (ms >= 1000) {
		sec++;
		ms -= 1000;
	}
	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(out, outlen, "%.3f", t);
		return;
	}
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
}

/* Unix seconds now. */
double
shard_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
