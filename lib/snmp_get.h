/* check_snmp's GET mode: one or more OIDs, each judged by its own
 * threshold (comma-separated -w/-c lists, as monitoring-plugins' check_snmp),
 * or by an expected string or regular expression, optionally as a rate of
 * change since the last run. */
#ifndef MAMORI_SNMP_GET_H
#define MAMORI_SNMP_GET_H
#include <stdbool.h>
#include <stddef.h>

#include "plugin.h"
#include "range.h"
#include "snmp_session.h"

enum { SNMP_GET_MAX = 64 };

struct snmp_get_item {
	const char *text;          /* as given: "sysUpTime.0", "1.3.6.1..." */
	struct snmp_oid oid;
	bool resolved;
	struct range warn, crit;
	const char *label, *units;
};

struct snmp_get_conf {
	struct snmp_get_item item[SNMP_GET_MAX];
	size_t n;
	const char *expect;        /* -s */
	const char *regex;         /* -r / -R */
	bool caseless, invert;
	bool rate, perf_oids;
	double rate_mult, mult, offset;
	const char *key;           /* host:port for the rate state */
	void *re;                  /* compiled regex */
};

/* Split "a,b c" (commas or blanks) into the items; NULL or a reason. */
const char *snmp_get_add_oids(struct snmp_get_conf *g, const char *list);
/* Per-item -w/-c/-l/-u lists, after every -o: NULL or a reason. */
const char *snmp_get_set_list(struct snmp_get_conf *g, int which, const char *list);
/* Resolve names without net-snmp; true when some need the MIBs. */
bool snmp_get_resolve_builtin(struct snmp_get_conf *g);
/* The rest, with net-snmp's MIBs (after snmpq_init(true)): NULL or a reason. */
const char *snmp_get_resolve_mibs(struct snmp_get_conf *g);
/* Compile -r/-R: NULL or a reason. */
const char *snmp_get_compile(struct snmp_get_conf *g);
/* Query and judge into c (exits on no response / agent errors). */
void snmp_get_run(struct snmpq *q, struct snmp_get_conf *g, struct check *c);

#endif
