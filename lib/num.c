#include "num.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

bool num_parse_double_prefix(const char *s, double *out, const char **end)
{
	const char *p = s;
	if (!s)
		return false;
	if (*p == '+' || *p == '-')
		p++;
	const char *digits = p;
	while (isdig(*p))
		p++;
	size_t nint = (size_t)(p - digits);
	size_t nfrac = 0;
	if (*p == '.') {
		p++;
		while (isdig(*p)) {
			p++;
			nfrac++;
		}
	}
	if (nint + nfrac == 0)
		return false;
	/* The syntax is checked above; strtod only converts it. It runs in the
	 * C locale (no plugin calls setlocale), so '.' is the point. */
	/* at most 127 characters, not counting the 0 of "0.": the exact form
	 * of a threshold (num_format_exact) adds that 0 to ".00048", and
	 * what we print must read back (found by fuzz_range) */
	char tmp[160];
	size_t n = (size_t)(p - s);
	size_t counted = n - (nint == 1 && *digits == '0' && nfrac > 0);
	if (counted >= 128)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	double v = strtod(tmp, NULL);
	if (errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	if (end)
		*end = p;
	return true;
}

bool num_parse_double(const char *s, double *out)
{
	const char *end;
	double v;
	if (!num_parse_double_prefix(s, &v, &end) || *end)
		return false;
	*out = v;
	return true;
}

bool num_parse_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return false;
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdig(*p))
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool num_parse_ull(const char *s, unsigned long long *out)
{
	if (!s || !isdig(*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

double num_floor(double v)
{
	if (!(v > -9.0e15 && v < 9.0e15))
		return v;  /* huge or not a number: already whole, or nothing to do */
	double t = (double)(long long)v;  /* truncates toward zero */
	return t > v ? t - 1 : t;
}

void num_format(double v, int decimals, char *out, size_t size)
{
	if (!isfinite(v)) {
		snprintf(out, size, "U");  /* the guidelines' "unknown" value */
		return;
	}
	if (decimals >= 0) {
		snprintf(out, size, "%.*f", decimals, v);
		return;
	}
	if (v > -9.0e15 && v < 9.0e15 && v == num_floor(v)) {
		snprintf(out, size, "%.0f", v);
		return;
	}
	snprintf(out, size, "%.6f", v);
	char *dot = strchr(out, '.');
	if (dot) {
		char *e = out + strlen(out) - 1;
		while (e > dot && *e == '0')
			*e-- = '\0';
		if (e == dot)
			*e = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, size, "0");
}

void num_format_exact(double v, char *out, size_t size)
{
	num_format(v, -1, out, size);
	if (!isfinite(v) || strtod(out, NULL) == v)
		return;
	/* 17 significant digits always read back; a small value needs its
	 * leading zeros after the point too */
	for (int p = 7; p <= 340; p++) {
		snprintf(out, size, "%.*f", p, v);
		if (strtod(out, NULL) == v)
			break;
	}
	char *e = out + strlen(out) - 1;
	while (e > out && *e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
}

bool num_parse_pair(const char *s, double min, double max, double *first, double *second)
{
	char head[64];
	const char *comma = strchr(s, ',');
	size_t len = comma ? (size_t)(comma - s) : strlen(s);
	double a, b = 0;
	if (len >= sizeof head)
		return false;
	memcpy(head, s, len);
	head[len] = '\0';
	if (!num_parse_double(head, &a) || a < min || a > max)
		return false;
	if (comma && (!num_parse_double(comma + 1, &b) || b < min || b > max))
		return false;
	*first = a;
	if (comma)
		*second = b;
	return true;
}
