/* --rate: the change per second of an SNMP value since the last run, from
 * a state file per host and OID (lib/state). Counter32 and Counter64 that
 * wrap are followed; a counter that went back by more than half its range
 * is taken as reset (agent restart) and restarts the baseline. */
#ifndef MAMORI_SNMP_RATE_H
#define MAMORI_SNMP_RATE_H
#include <stdbool.h>

#include "buf.h"
#include "snmp_session.h"

enum snmp_rate_verdict { SRATE_OK, SRATE_FIRST, SRATE_RESET, SRATE_CORRUPT, SRATE_CLOCK };

struct snmp_sample {
	enum snmp_vtype type;
	unsigned long long u;   /* counters */
	double num;             /* everything else */
	double time;            /* CLOCK_REALTIME seconds */
};

struct snmp_rate {
	enum snmp_rate_verdict v;
	double rate;            /* per second, when v == SRATE_OK */
	double secs;
	bool wrapped;
};

/* The rate between two samples (pure, for tests of the arithmetic). */
void snmp_rate_compute(const struct snmp_sample *prev, const struct snmp_sample *cur, struct snmp_rate *out);
/* The rate from a saved state text (len bytes; empty: none yet): a text
 * that is not one snmp_rate_format() wrote is SRATE_CORRUPT. Pure. */
void snmp_rate_judge(const char *saved, size_t len, const struct snmp_sample *cur, struct snmp_rate *out);
/* The state text of a sample. */
void snmp_rate_format(struct buf *b, const struct snmp_sample *cur);
/* Load the last sample of (key, oid), save cur, compute. NULL or a reason
 * (state directory unusable). */
const char *snmp_rate_advance(const char *key, const char *oid, const struct snmp_sample *cur, struct snmp_rate *out);
/* "first sample, rate from the next run" and the like; "" for SRATE_OK. */
const char *snmp_rate_reason(enum snmp_rate_verdict v);
/* Now on the clock the samples use. */
double snmp_rate_clock(void);

#endif
