/* check_snmp --rate's state file (lib/snmp_rate: the last sample of a
 * host and OID) in any state a crash, a full disk or a hand edit leaves,
 * and the file name of any state key (lib/state). Input: the state text,
 * NUL, then bytes that make the current sample (type, counter, gauge,
 * seconds later). A rate is never NaN, inf, or negative for a counter;
 * a text we did not write starts afresh (corrupt); the text a run saves
 * reads back as the same sample (the next run's rate is 0); a key's file
 * name is one plain file name that decodes back to the key.
 * SOURCES: lib/snmp_rate.c lib/state.c */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_rate.h"
#include "state.h"

static uint64_t take(const uint8_t **p, const uint8_t *end, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && *p < end; i++, (*p)++)
		v = v << 8 | **p;
	return v;
}

static void rate_ok(const struct snmp_sample *cur, const struct snmp_rate *r)
{
	if (r->v > SRATE_CLOCK)
		abort();
	if (r->v == SRATE_OK && (!isfinite(r->rate) || !(r->secs > 0)))
		abort();
	if (r->v == SRATE_OK && (cur->type == SV_COUNTER32 || cur->type == SV_COUNTER64) && r->rate < 0)
		abort();
	if (r->v != SRATE_OK && *snmp_rate_reason(r->v) == '\0')
		abort();
}

/* the name holds only [A-Za-z0-9._%-], is not hidden, and decodes to plugin.key */
static void name_ok(const char *key)
{
	char name[256], back[256];
	if (!state_file_name(name, sizeof name, "check_snmp", key))
		return;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%-") != strlen(name) ||
	    strncmp(name, "check_snmp.", 11) != 0 || name[11] == '.')
		abort();
	size_t n = 0;
	for (const char *p = name; *p; n++) {
		if (*p == '%') {
			unsigned v;
			if (sscanf(p + 1, "%2x", &v) != 1)
				abort();
			back[n] = (char)v;
			p += 3;
		} else {
			back[n] = *p++;
		}
	}
	back[n] = '\0';
	if (strncmp(back, "check_snmp.", 11) != 0 || strcmp(back + 11, key) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size), *end = data + size;
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char *text = strndup((const char *)data, tlen);
	const uint8_t *p = nul ? nul + 1 : end;

	static const enum snmp_vtype types[] = { SV_COUNTER32, SV_COUNTER64, SV_GAUGE, SV_INTEGER, SV_TIMETICKS };
	struct snmp_sample cur = { .type = types[take(&p, end, 1) % 5] };
	cur.u = take(&p, end, 8);
	if (cur.type == SV_COUNTER32)
		cur.u &= 0xffffffffULL;
	cur.num = (double)(int64_t)take(&p, end, 8) / 1000.0;
	cur.time = 1.7e9 + (double)take(&p, end, 4) / 64.0;

	struct snmp_rate r;
	snmp_rate_judge(text, tlen, &cur, &r);
	rate_ok(&cur, &r);

	/* what this run saves, the next run (10 s later, same value) reads */
	struct buf saved = BUF_INIT;
	snmp_rate_format(&saved, &cur);
	struct snmp_sample next = cur;
	next.time += 10;
	snmp_rate_judge(buf_cstr(&saved), saved.len, &next, &r);
	if (r.v != SRATE_OK || r.rate != 0 || r.wrapped)
		abort();
	buf_free(&saved);

	name_ok(text);
	free(text);
	return 0;
}
