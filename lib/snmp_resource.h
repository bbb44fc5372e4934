/* check_snmp's resource modes (runbook 004 "resources" of a host without
 * an agent of ours): CPU, memory, storage, processes and load from
 * HOST-RESOURCES-MIB and UCD-SNMP-MIB, judged as the local checks judge
 * them (check_cpu, check_mem, check_disk, check_procs, check_load), and
 * Windows service states from the LAN Manager MIB. */
#ifndef MAMORI_SNMP_RESOURCE_H
#define MAMORI_SNMP_RESOURCE_H
#include <stddef.h>

#include "plugin.h"
#include "range.h"
#include "snmp_session.h"

enum snmp_mode {
	SNMP_MODE_GET, SNMP_MODE_CPU, SNMP_MODE_MEMORY, SNMP_MODE_STORAGE,
	SNMP_MODE_PROCESSES, SNMP_MODE_LOAD, SNMP_MODE_WINSERVICE,
};

struct snmp_res_conf {
	const char *warn, *crit;      /* -w / -c as given; each mode reads its own syntax */
	const char **names;           /* --storage, --process or --service */
	size_t nnames;
	const char *key;              /* host:port, for the CPU counters' state */
	/* filled by snmp_resource_prepare */
	struct range w[3], c[3];
	double wfree, cfree;          /* storage "N%": free % at or below N; < 0 unset */
};

/* "cpu" ... "winservice" to a mode; -1 when unknown. */
int snmp_mode_parse(const char *name);
/* Check the thresholds and names for the mode before anything is sent:
 * NULL or a reason for UNKNOWN. */
const char *snmp_resource_prepare(enum snmp_mode m, struct snmp_res_conf *rc);
/* Query, judge and fill c. No response: exits CRITICAL; an agent without
 * the MIB or an error: exits UNKNOWN. */
void snmp_resource_run(struct snmpq *q, enum snmp_mode m, const struct snmp_res_conf *rc, struct check *c);

#endif
