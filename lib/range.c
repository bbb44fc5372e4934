#include "range.h"

#include <stdio.h>
#include <string.h>

#include "num.h"

const char *range_parse(const char *text, struct range *out)
{
	struct range r = { .set = true };
	const char *p = text;

	if (!p || !*p)
		return "empty threshold";
	if (*p == '@') {
		r.inside = true;
		p++;
	}
	const char *colon = strchr(p, ':');
	if (colon) {
		if (strchr(colon + 1, ':'))
			return "more than one ':' in threshold";
		if (p[0] == '~' && p + 1 == colon) {
			r.lo_inf = true;
		} else if (p == colon) {
			r.lo = 0;  /* ":10" is "0:10", as the guidelines' default start */
		} else {
			const char *end;
			if (!num_parse_double_prefix(p, &r.lo, &end) || end != colon)
				return "start of threshold is not a number";
		}
		const char *e = colon + 1;
		if (!*e)
			r.hi_inf = true;
		else if (!num_parse_double(e, &r.hi))
			return "end of threshold is not a number";
	} else {
		if (!num_parse_double(p, &r.hi))
			return "threshold is not a number or range";
		r.lo = 0;
	}
	if (r.lo_inf && r.hi_inf)
		return "threshold \"~:\" has no bound";
	if (!r.lo_inf && !r.hi_inf && r.lo > r.hi)
		return "threshold start is above its end";
	*out = r;
	return NULL;
}

const char *range_parse_list(const char *text, struct range *out, size_t max, size_t *count)
{
	size_t n = 0;
	const char *p = text;
	if (!p || !*p)
		return "empty threshold";
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];
		if (n == max)
			return "too many comma-separated thresholds";
		if (len >= sizeof item)
			return "threshold too long";
		memcpy(item, p, len);
		item[len] = '\0';
		const char *err = range_parse(item, &out[n]);
		if (err)
			return err;
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*count = n;
	return NULL;
}

bool range_alerts(const struct range *r, double v)
{
	if (!r || !r->set)
		return false;
	bool outside = (!r->lo_inf && v < r->lo) || (!r->hi_inf && v > r->hi);
	return r->inside ? !outside : outside;
}

enum state range_judge(double v, const struct range *warn, const struct range *crit)
{
	if (range_alerts(crit, v))
		return STATE_CRITICAL;
	if (range_alerts(warn, v))
		return STATE_WARNING;
	return STATE_OK;
}

void range_format(const struct range *r, char *out, size_t size)
{
	char lo[384], hi[384];
	if (!r || !r->set) {
		if (size)
			out[0] = '\0';
		return;
	}
	num_format_exact(r->lo, lo, sizeof lo);
	num_format_exact(r->hi, hi, sizeof hi);
	const char *at = r->inside ? "@" : "";
	if (r->lo_inf)
		snprintf(out, size, "%s~:%s", at, hi);
	else if (r->hi_inf)
		snprintf(out, size, "%s%s:", at, lo);
	else if (r->lo == 0 && !r->inside)
		snprintf(out, size, "%s", hi);
	else
		snprintf(out, size, "%s%s:%s", at, lo, hi);
}

struct range range_above(double n)
{
	/* For a value that cannot be negative "0:n" (printed "n") is the form
	 * graphing tools read as a plain upper threshold. */
	if (n >= 0)
		return (struct range){ .lo = 0, .hi = n, .set = true };
	return (struct range){ .lo_inf = true, .hi = n, .set = true };
}

struct range range_below(double n)
{
	return (struct range){ .lo = n, .hi_inf = true, .set = true };
}
