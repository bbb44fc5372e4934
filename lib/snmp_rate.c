#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snmp_rate.h"
#include "state.h"

double snmp_rate_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_counter(enum snmp_vtype t)
{
	return t == SV_COUNTER32 || t == SV_COUNTER64;
}

void snmp_rate_compute(const struct snmp_sample *prev, const struct snmp_sample *cur, struct snmp_rate *out)
{
	memset(out, 0, sizeof *out);
	out->secs = cur->time - prev->time;
	if (prev->type != cur->type) {
		out->v = SRATE_RESET;
		return;
	}
	if (out->secs <= 0) {
		out->v = SRATE_CLOCK;
		return;
	}
	double delta;
	if (is_counter(cur->type)) {
		if (cur->u >= prev->u) {
			delta = (double)(cur->u - prev->u);
		} else {
			/* unsigned arithmetic wraps exactly as the counter does */
			unsigned long long d = cur->type == SV_COUNTER32 ? (cur->u - prev->u) & 0xffffffffULL : cur->u - prev->u;
			unsigned long long half = cur->type == SV_COUNTER32 ? 1ULL << 31 : 1ULL << 63;
			if (d >= half) {
				out->v = SRATE_RESET;
				return;
			}
			delta = (double)d;
			out->wrapped = true;
		}
	} else {
		delta = cur->num - prev->num;
	}
	out->rate = delta / out->secs;
	/* gauges far apart can overflow a double: no rate is better than inf */
	out->v = isfinite(out->rate) ? SRATE_OK : SRATE_RESET;
	if (out->v != SRATE_OK)
		out->rate = 0;
}

const char *snmp_rate_reason(enum snmp_rate_verdict v)
{
	switch (v) {
	case SRATE_FIRST: return "first sample, rate from the next run";
	case SRATE_RESET: return "counter went back (agent restarted?), baseline restarted";
	case SRATE_CORRUPT: return "state file was corrupt, baseline restarted";
	case SRATE_CLOCK: return "no time passed since the last sample, baseline restarted";
	case SRATE_OK: break;
	}
	return "";
}

/* The text snmp_rate_format() writes, and nothing else: a damaged file
 * (NaN, inf, a time before 1970, a Counter32 past 2^32, trailing bytes,
 * a NUL) is not a sample. */
static bool parse_sample(const char *text, size_t len, struct snmp_sample *s)
{
	int type, n = 0;
	char value[64];
	memset(s, 0, sizeof *s);
	if (memchr(text, '\0', len) ||
	    sscanf(text, "mamori-snmp-rate 1 %d %63s %lf\n%n", &type, value, &s->time, &n) != 3 || n == 0 ||
	    text[n] != '\0' || type < 0 || type > SV_OTHER || !isfinite(s->time) || s->time <= 0)
		return false;
	s->type = (enum snmp_vtype)type;
	char *end;
	errno = 0;
	if (is_counter(s->type)) {
		if (value[0] < '0' || value[0] > '9')
			return false;
		s->u = strtoull(value, &end, 10);
		if (s->type == SV_COUNTER32 && s->u > 0xffffffffULL)
			return false;
	} else {
		s->num = strtod(value, &end);
		if (!isfinite(s->num))
			return false;
	}
	return *end == '\0' && errno == 0;
}

void snmp_rate_format(struct buf *b, const struct snmp_sample *cur)
{
	if (is_counter(cur->type))
		buf_printf(b, "mamori-snmp-rate 1 %d %llu %.6f\n", (int)cur->type, cur->u, cur->time);
	else
		buf_printf(b, "mamori-snmp-rate 1 %d %.17g %.6f\n", (int)cur->type, cur->num, cur->time);
}

void snmp_rate_judge(const char *saved, size_t len, const struct snmp_sample *cur, struct snmp_rate *out)
{
	struct snmp_sample prev;
	memset(out, 0, sizeof *out);
	if (len == 0)
		out->v = SRATE_FIRST;
	else if (!parse_sample(saved, len, &prev))
		out->v = SRATE_CORRUPT;
	else
		snmp_rate_compute(&prev, cur, out);
}

const char *snmp_rate_advance(const char *key, const char *oid, const struct snmp_sample *cur, struct snmp_rate *out)
{
	struct state_file sf;
	struct buf b = BUF_INIT, k = BUF_INIT;
	buf_printf(&k, "%s/%s", key, oid);
	const char *err = state_open(&sf, state_dir(), "check_snmp", buf_cstr(&k));
	buf_free(&k);
	if (err)
		return err;
	if ((err = state_read(&sf, &b))) {
		state_close(&sf);
		buf_free(&b);
		return err;
	}
	snmp_rate_judge(buf_cstr(&b), b.len, cur, out);
	buf_reset(&b);
	snmp_rate_format(&b, cur);
	err = state_write(&sf, b.s, b.len);
	state_close(&sf);
	buf_free(&b);
	return err;
}
