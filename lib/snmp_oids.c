/* The built-in OID names: SNMPv2-MIB system, IF-MIB, HOST-RESOURCES-MIB,
 * UCD-SNMP-MIB and the LAN Manager MIB of Windows' SNMP service. The
 * numbers are those of the MIB files; a wrong one here would make a name
 * mean something else, so tests check a few against a real snmpd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_oids.h"

struct entry {
	const char *name, *oid;
};

static const struct entry table[] = {
	/* SNMPv2-MIB system group */
	{ "sysDescr", "1.3.6.1.2.1.1.1" }, { "sysObjectID", "1.3.6.1.2.1.1.2" },
	{ "sysUpTime", "1.3.6.1.2.1.1.3" }, { "sysContact", "1.3.6.1.2.1.1.4" },
	{ "sysName", "1.3.6.1.2.1.1.5" }, { "sysLocation", "1.3.6.1.2.1.1.6" },
	{ "sysServices", "1.3.6.1.2.1.1.7" },
	/* IF-MIB ifTable and ifXTable */
	{ "ifNumber", "1.3.6.1.2.1.2.1" }, { "ifIndex", "1.3.6.1.2.1.2.2.1.1" },
	{ "ifDescr", "1.3.6.1.2.1.2.2.1.2" }, { "ifType", "1.3.6.1.2.1.2.2.1.3" },
	{ "ifMtu", "1.3.6.1.2.1.2.2.1.4" }, { "ifSpeed", "1.3.6.1.2.1.2.2.1.5" },
	{ "ifPhysAddress", "1.3.6.1.2.1.2.2.1.6" }, { "ifAdminStatus", "1.3.6.1.2.1.2.2.1.7" },
	{ "ifOperStatus", "1.3.6.1.2.1.2.2.1.8" }, { "ifLastChange", "1.3.6.1.2.1.2.2.1.9" },
	{ "ifInOctets", "1.3.6.1.2.1.2.2.1.10" }, { "ifInUcastPkts", "1.3.6.1.2.1.2.2.1.11" },
	{ "ifInNUcastPkts", "1.3.6.1.2.1.2.2.1.12" }, { "ifInDiscards", "1.3.6.1.2.1.2.2.1.13" },
	{ "ifInErrors", "1.3.6.1.2.1.2.2.1.14" }, { "ifInUnknownProtos", "1.3.6.1.2.1.2.2.1.15" },
	{ "ifOutOctets", "1.3.6.1.2.1.2.2.1.16" }, { "ifOutUcastPkts", "1.3.6.1.2.1.2.2.1.17" },
	{ "ifOutNUcastPkts", "1.3.6.1.2.1.2.2.1.18" }, { "ifOutDiscards", "1.3.6.1.2.1.2.2.1.19" },
	{ "ifOutErrors", "1.3.6.1.2.1.2.2.1.20" }, { "ifOutQLen", "1.3.6.1.2.1.2.2.1.21" },
	{ "ifName", "1.3.6.1.2.1.31.1.1.1.1" }, { "ifInMulticastPkts", "1.3.6.1.2.1.31.1.1.1.2" },
	{ "ifInBroadcastPkts", "1.3.6.1.2.1.31.1.1.1.3" }, { "ifOutMulticastPkts", "1.3.6.1.2.1.31.1.1.1.4" },
	{ "ifOutBroadcastPkts", "1.3.6.1.2.1.31.1.1.1.5" }, { "ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6" },
	{ "ifHCInUcastPkts", "1.3.6.1.2.1.31.1.1.1.7" }, { "ifHCInMulticastPkts", "1.3.6.1.2.1.31.1.1.1.8" },
	{ "ifHCInBroadcastPkts", "1.3.6.1.2.1.31.1.1.1.9" }, { "ifHCOutOctets", "1.3.6.1.2.1.31.1.1.1.10" },
	{ "ifHCOutUcastPkts", "1.3.6.1.2.1.31.1.1.1.11" }, { "ifHCOutMulticastPkts", "1.3.6.1.2.1.31.1.1.1.12" },
	{ "ifHCOutBroadcastPkts", "1.3.6.1.2.1.31.1.1.1.13" }, { "ifHighSpeed", "1.3.6.1.2.1.31.1.1.1.15" },
	{ "ifAlias", "1.3.6.1.2.1.31.1.1.1.18" },
	/* IP, TCP, UDP, SNMP counters */
	{ "ipInReceives", "1.3.6.1.2.1.4.3" }, { "tcpActiveOpens", "1.3.6.1.2.1.6.5" },
	{ "tcpPassiveOpens", "1.3.6.1.2.1.6.6" }, { "tcpCurrEstab", "1.3.6.1.2.1.6.9" },
	{ "tcpInSegs", "1.3.6.1.2.1.6.10" }, { "tcpOutSegs", "1.3.6.1.2.1.6.11" },
	{ "udpInDatagrams", "1.3.6.1.2.1.7.1" }, { "udpOutDatagrams", "1.3.6.1.2.1.7.4" },
	{ "snmpInPkts", "1.3.6.1.2.1.11.1" },
	/* HOST-RESOURCES-MIB */
	{ "hrSystemUptime", "1.3.6.1.2.1.25.1.1" }, { "hrSystemDate", "1.3.6.1.2.1.25.1.2" },
	{ "hrSystemNumUsers", "1.3.6.1.2.1.25.1.5" }, { "hrSystemProcesses", "1.3.6.1.2.1.25.1.6" },
	{ "hrSystemMaxProcesses", "1.3.6.1.2.1.25.1.7" }, { "hrMemorySize", "1.3.6.1.2.1.25.2.2" },
	{ "hrStorageIndex", "1.3.6.1.2.1.25.2.3.1.1" }, { "hrStorageType", "1.3.6.1.2.1.25.2.3.1.2" },
	{ "hrStorageDescr", "1.3.6.1.2.1.25.2.3.1.3" }, { "hrStorageAllocationUnits", "1.3.6.1.2.1.25.2.3.1.4" },
	{ "hrStorageSize", "1.3.6.1.2.1.25.2.3.1.5" }, { "hrStorageUsed", "1.3.6.1.2.1.25.2.3.1.6" },
	{ "hrStorageAllocationFailures", "1.3.6.1.2.1.25.2.3.1.7" },
	{ "hrProcessorFrwID", "1.3.6.1.2.1.25.3.3.1.1" }, { "hrProcessorLoad", "1.3.6.1.2.1.25.3.3.1.2" },
	{ "hrSWRunIndex", "1.3.6.1.2.1.25.4.2.1.1" }, { "hrSWRunName", "1.3.6.1.2.1.25.4.2.1.2" },
	{ "hrSWRunID", "1.3.6.1.2.1.25.4.2.1.3" }, { "hrSWRunPath", "1.3.6.1.2.1.25.4.2.1.4" },
	{ "hrSWRunParameters", "1.3.6.1.2.1.25.4.2.1.5" }, { "hrSWRunType", "1.3.6.1.2.1.25.4.2.1.6" },
	{ "hrSWRunStatus", "1.3.6.1.2.1.25.4.2.1.7" }, { "hrSWRunPerfCPU", "1.3.6.1.2.1.25.5.1.1.1" },
	{ "hrSWRunPerfMem", "1.3.6.1.2.1.25.5.1.1.2" },
	/* UCD-SNMP-MIB */
	{ "prIndex", "1.3.6.1.4.1.2021.2.1.1" }, { "prNames", "1.3.6.1.4.1.2021.2.1.2" },
	{ "prMin", "1.3.6.1.4.1.2021.2.1.3" }, { "prMax", "1.3.6.1.4.1.2021.2.1.4" },
	{ "prCount", "1.3.6.1.4.1.2021.2.1.5" }, { "prErrorFlag", "1.3.6.1.4.1.2021.2.1.100" },
	{ "prErrMessage", "1.3.6.1.4.1.2021.2.1.101" },
	{ "memTotalSwap", "1.3.6.1.4.1.2021.4.3" }, { "memAvailSwap", "1.3.6.1.4.1.2021.4.4" },
	{ "memTotalReal", "1.3.6.1.4.1.2021.4.5" }, { "memAvailReal", "1.3.6.1.4.1.2021.4.6" },
	{ "memTotalFree", "1.3.6.1.4.1.2021.4.11" }, { "memMinimumSwap", "1.3.6.1.4.1.2021.4.12" },
	{ "memShared", "1.3.6.1.4.1.2021.4.13" }, { "memBuffer", "1.3.6.1.4.1.2021.4.14" },
	{ "memCached", "1.3.6.1.4.1.2021.4.15" }, { "memSysAvail", "1.3.6.1.4.1.2021.4.27" },
	{ "memSwapError", "1.3.6.1.4.1.2021.4.100" }, { "memSwapErrorMsg", "1.3.6.1.4.1.2021.4.101" },
	{ "extNames", "1.3.6.1.4.1.2021.8.1.2" }, { "extCommand", "1.3.6.1.4.1.2021.8.1.3" },
	{ "extResult", "1.3.6.1.4.1.2021.8.1.100" }, { "extOutput", "1.3.6.1.4.1.2021.8.1.101" },
	{ "dskIndex", "1.3.6.1.4.1.2021.9.1.1" }, { "dskPath", "1.3.6.1.4.1.2021.9.1.2" },
	{ "dskDevice", "1.3.6.1.4.1.2021.9.1.3" }, { "dskMinimum", "1.3.6.1.4.1.2021.9.1.4" },
	{ "dskMinPercent", "1.3.6.1.4.1.2021.9.1.5" }, { "dskTotal", "1.3.6.1.4.1.2021.9.1.6" },
	{ "dskAvail", "1.3.6.1.4.1.2021.9.1.7" }, { "dskUsed", "1.3.6.1.4.1.2021.9.1.8" },
	{ "dskPercent", "1.3.6.1.4.1.2021.9.1.9" }, { "dskPercentNode", "1.3.6.1.4.1.2021.9.1.10" },
	{ "dskErrorFlag", "1.3.6.1.4.1.2021.9.1.100" }, { "dskErrorMsg", "1.3.6.1.4.1.2021.9.1.101" },
	{ "laIndex", "1.3.6.1.4.1.2021.10.1.1" }, { "laNames", "1.3.6.1.4.1.2021.10.1.2" },
	{ "laLoad", "1.3.6.1.4.1.2021.10.1.3" }, { "laConfig", "1.3.6.1.4.1.2021.10.1.4" },
	{ "laLoadInt", "1.3.6.1.4.1.2021.10.1.5" }, { "laLoadFloat", "1.3.6.1.4.1.2021.10.1.6" },
	{ "laErrorFlag", "1.3.6.1.4.1.2021.10.1.100" }, { "laErrMessage", "1.3.6.1.4.1.2021.10.1.101" },
	{ "ssCpuUser", "1.3.6.1.4.1.2021.11.9" }, { "ssCpuSystem", "1.3.6.1.4.1.2021.11.10" },
	{ "ssCpuIdle", "1.3.6.1.4.1.2021.11.11" }, { "ssCpuRawUser", "1.3.6.1.4.1.2021.11.50" },
	{ "ssCpuRawNice", "1.3.6.1.4.1.2021.11.51" }, { "ssCpuRawSystem", "1.3.6.1.4.1.2021.11.52" },
	{ "ssCpuRawIdle", "1.3.6.1.4.1.2021.11.53" }, { "ssCpuRawWait", "1.3.6.1.4.1.2021.11.54" },
	{ "ssCpuRawKernel", "1.3.6.1.4.1.2021.11.55" }, { "ssCpuRawInterrupt", "1.3.6.1.4.1.2021.11.56" },
	{ "ssCpuRawSoftIRQ", "1.3.6.1.4.1.2021.11.61" }, { "ssCpuRawSteal", "1.3.6.1.4.1.2021.11.64" },
	/* LanMgr-Mib-II-MIB (Windows' SNMP service): the service table */
	{ "svSvcName", "1.3.6.1.4.1.77.1.2.3.1.1" }, { "svSvcInstalledState", "1.3.6.1.4.1.77.1.2.3.1.2" },
	{ "svSvcOperatingState", "1.3.6.1.4.1.77.1.2.3.1.3" }, { "svSvcCanBeUninstalled", "1.3.6.1.4.1.77.1.2.3.1.4" },
	{ "svSvcCanBePaused", "1.3.6.1.4.1.77.1.2.3.1.5" },
};

bool snmp_oid_parse_numeric(const char *text, struct snmp_oid *out)
{
	const char *p = text;
	out->len = 0;
	if (*p == '.')
		p++;
	for (;;) {
		if (*p < '0' || *p > '9' || out->len == SNMP_OID_MAX)
			return false;
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		if (errno || v > 0xffffffffUL)
			return false;
		out->v[out->len++] = v;
		if (*end == '\0')
			break;
		if (*end != '.')
			return false;
		p = end + 1;
	}
	return out->len >= 2;
}

const char *snmp_oid_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].oid;
	return NULL;
}

bool snmp_oid_from_name(const char *text, struct snmp_oid *out)
{
	const char *colons = strstr(text, "::");
	if (colons)
		text = colons + 2;   /* the module only helps net-snmp choose */
	size_t n = strcspn(text, ".");
	char name[64];
	if (n == 0 || n >= sizeof name)
		return false;
	memcpy(name, text, n);
	name[n] = '\0';
	const char *num = snmp_oid_lookup(name);
	if (!num)
		return false;
	char full[512];
	if ((size_t)snprintf(full, sizeof full, "%s%s", num, text + n) >= sizeof full)
		return false;
	return snmp_oid_parse_numeric(full, out);
}

int snmp_oid_cmp(const struct snmp_oid *a, const struct snmp_oid *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

bool snmp_oid_under(const struct snmp_oid *o, const struct snmp_oid *prefix, bool strict)
{
	if (o->len < prefix->len || (strict && o->len == prefix->len))
		return false;
	for (size_t i = 0; i < prefix->len; i++)
		if (o->v[i] != prefix->v[i])
			return false;
	return true;
}

void snmp_oid_append(struct snmp_oid *o, unsigned long sub)
{
	if (o->len < SNMP_OID_MAX)
		o->v[o->len++] = sub;
}

static void format_from(const struct snmp_oid *o, size_t from, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = from; i < o->len && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%lu", i > from ? "." : "", o->v[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void snmp_oid_format(const struct snmp_oid *o, char *out, size_t size)
{
	format_from(o, 0, out, size);
}

void snmp_oid_label(const struct snmp_oid *o, char *out, size_t size)
{
	size_t best = 0;
	const char *name = NULL;
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		struct snmp_oid t;
		if (snmp_oid_parse_numeric(table[i].oid, &t) && t.len > best && snmp_oid_under(o, &t, false)) {
			best = t.len;
			name = table[i].name;
		}
	}
	if (!name) {
		snmp_oid_format(o, out, size);
		return;
	}
	char rest[SNMP_OID_MAX * 11];
	format_from(o, best, rest, sizeof rest);
	snprintf(out, size, "%s%s%s", name, *rest ? "." : "", rest);
}
