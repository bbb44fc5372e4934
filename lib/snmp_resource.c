#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "num.h"
#include "snmp_rate.h"
#include "snmp_resource.h"
#include "state.h"
#include "timeout.h"

static const char *const mode_names[] = { "get", "cpu", "memory", "storage", "processes", "load", "winservice" };

int snmp_mode_parse(const char *name)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof *mode_names; i++)
		if (strcmp(name, mode_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "mem") == 0)
		return SNMP_MODE_MEMORY;
	if (strcmp(name, "disk") == 0)
		return SNMP_MODE_STORAGE;
	if (strcmp(name, "procs") == 0)
		return SNMP_MODE_PROCESSES;
	return -1;
}

/* check_disk's "N%": free space at or below N percent. */
static const char *free_pct(const char *text, double *out)
{
	size_t n = strlen(text);
	char num[32];
	if (n < 2 || n >= sizeof num || text[n - 1] != '%')
		return NULL;
	memcpy(num, text, n - 1);
	num[n - 1] = '\0';
	char *end;
	double d = strtod(num, &end);
	if (*end || end == num || !(d >= 0 && d <= 100))
		return "a free-space percentage must be 0% to 100%";
	*out = d;
	return "";
}

const char *snmp_resource_prepare(enum snmp_mode m, struct snmp_res_conf *rc)
{
	const char *texts[2] = { rc->warn, rc->crit };
	struct range *ranges[2] = { rc->w, rc->c };
	double *frees[2] = { &rc->wfree, &rc->cfree };
	rc->wfree = rc->cfree = -1;
	for (int k = 0; k < 2; k++) {
		if (!texts[k])
			continue;
		if (m == SNMP_MODE_LOAD) {
			size_t n;
			const char *err = range_parse_list(texts[k], ranges[k], 3, &n);
			if (err)
				return err;
			for (size_t i = n; i < 3; i++)   /* one value for all three, as check_load */
				ranges[k][i] = ranges[k][n - 1];
			continue;
		}
		if (m == SNMP_MODE_STORAGE) {
			const char *err = free_pct(texts[k], frees[k]);
			if (err && *err)
				return err;
			if (err)
				continue;
		}
		if (m == SNMP_MODE_WINSERVICE)
			return "--mode winservice takes no -w/-c: a service that is not active is CRITICAL";
		const char *err = range_parse(texts[k], &ranges[k][0]);
		if (err)
			return err;
	}
	if (m == SNMP_MODE_WINSERVICE && rc->nnames == 0)
		return "--mode winservice needs --service NAME";
	if (rc->nnames && m != SNMP_MODE_WINSERVICE && m != SNMP_MODE_STORAGE && m != SNMP_MODE_PROCESSES)
		return "--storage, --process and --service go with --mode storage, processes and winservice";
	return NULL;
}

/* An agent's failed request ends the run; the reason is copied out first,
 * so that nothing is left allocated at exit (LeakSanitizer, and the fuzz
 * harness that catches plugin_die). */
static void die_request(enum snmp_status st, struct buf *err)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s", buf_cstr(err));
	buf_free(err);
	plugin_die(st == SNMPQ_NORESPONSE ? timeout_state() : STATE_UNKNOWN, "%s", msg);
}

static void walk_or_die(struct snmpq *q, const char *oid, struct snmp_value **v, size_t *n)
{
	struct snmp_oid root;
	struct buf err = BUF_INIT;
	snmp_oid_parse_numeric(oid, &root);
	enum snmp_status st = snmpq_walk(q, &root, v, n, &err);
	if (st != SNMPQ_OK)
		die_request(st, &err);
	buf_free(&err);
	/* agent strings (a storage description, a process or service name)
	 * go into long output, where a line break would start a line of the
	 * agent's making. The session already shows bytes other than
	 * printable ASCII, tab and line breaks as hex. */
	for (size_t i = 0; i < *n; i++)
		text_one_line((*v)[i].text, ' ');
}

/* GET of numeric OIDs; false on an agent error when allowed to fail (v1
 * answers a missing object with an error for the whole request). */
static bool get_or_die(struct snmpq *q, const char *const *oids, size_t n, struct snmp_value *out, bool may_fail)
{
	struct snmp_oid o[16];
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		snmp_oid_parse_numeric(oids[i], &o[i]);
	enum snmp_status st = snmpq_get(q, o, n, out, &err);
	if (st == SNMPQ_NORESPONSE || (st != SNMPQ_OK && !may_fail))
		die_request(st, &err);
	buf_free(&err);
	return st == SNMPQ_OK;
}

static bool num_of(const struct snmp_value *v, double *out)
{
	return !snmp_value_missing(v) && snmp_value_number(v, out);
}

/* ---- load: UCD laLoad.1..3, check_load's thresholds and labels ---- */
static void run_load(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	static const char *const oids[] = { "1.3.6.1.4.1.2021.10.1.3.1", "1.3.6.1.4.1.2021.10.1.3.2",
	                                    "1.3.6.1.4.1.2021.10.1.3.3" };
	static const char *const labels[] = { "load1", "load5", "load15" };
	struct snmp_value v[3];
	double l[3];
	if (!get_or_die(q, oids, 3, v, true))
		plugin_die(STATE_UNKNOWN, "the agent has no UCD-SNMP-MIB laTable (laLoad)");
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		if (!bad && !num_of(&v[i], &l[i]))
			bad = i + 1;
		snmp_value_free(&v[i]);
	}
	if (bad)
		plugin_die(STATE_UNKNOWN, "the agent has no UCD-SNMP-MIB laTable (laLoad.%d)", bad);
	for (int i = 0; i < 3; i++)
		if (!(l[i] >= 0))
			plugin_die(STATE_UNKNOWN, "the agent's laLoad.%d (%g) is not a load average", i + 1, l[i]);
	check_summary(c, "load average: %.2f, %.2f, %.2f", l[0], l[1], l[2]);
	for (int i = 0; i < 3; i++) {
		check_raise(c, range_judge(l[i], &rc->w[i], &rc->c[i]));
		check_perf(c, &(struct perf){ .label = labels[i], .value = l[i], .decimals = 3, .warn = &rc->w[i],
		                              .crit = &rc->c[i], .has_min = true });
	}
}

/* ---- storage: hrStorageTable ---- */
struct storage {
	unsigned long index;
	char *descr;
	unsigned long type;       /* last sub-id of hrStorageType: 2 RAM, 3 virtual, 4 fixed disk ... */
	double units, size, used;
	unsigned have;            /* bit per column seen */
};

static struct storage *storage_table(struct snmpq *q, size_t *count)
{
	struct snmp_value *v;
	size_t n;
	walk_or_die(q, "1.3.6.1.2.1.25.2.3.1", &v, &n);
	struct storage *s = NULL;
	size_t ns = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].oid.len != 12)
			continue;
		unsigned long col = v[i].oid.v[10], idx = v[i].oid.v[11];
		/* rows kept in index order, found by bisection: a walk of many
		 * thousand rows (an agent's choice) stays fast */
		size_t lo = 0, hi = ns;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s[mid].index < idx)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t k = lo;
		if (k == ns || s[k].index != idx) {
			if (ns == cap) {
				cap = cap ? 2 * cap : 16;
				s = xrealloc(s, cap * sizeof *s);
			}
			memmove(&s[k + 1], &s[k], (ns - k) * sizeof *s);
			memset(&s[k], 0, sizeof *s);
			s[k].index = idx;
			ns++;
		}
		double d = 0;
		switch (col) {
		case 2:
			if (v[i].type == SV_OID && v[i].text) {
				const char *dot = strrchr(v[i].text, '.');
				s[k].type = strtoul(dot ? dot + 1 : v[i].text, NULL, 10);
				s[k].have |= 1;
			}
			break;
		case 3:
			free(s[k].descr);
			s[k].descr = xstrdup(v[i].text ? v[i].text : "");
			s[k].have |= 2;
			break;
		case 4: if (num_of(&v[i], &d)) { s[k].units = d; s[k].have |= 4; } break;
		case 5: if (num_of(&v[i], &d)) { s[k].size = d; s[k].have |= 8; } break;
		case 6: if (num_of(&v[i], &d)) { s[k].used = d; s[k].have |= 16; } break;
		}
	}
	snmp_values_free(v, n);
	*count = ns;
	return s;
}

static void storage_free(struct storage *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].descr);
	free(s);
}

static bool storage_wanted(const struct snmp_res_conf *rc, const struct storage *s)
{
	if (rc->nnames == 0)
		return s->type == 4 && s->size > 0;   /* hrStorageFixedDisk */
	for (size_t i = 0; i < rc->nnames; i++)
		if (fnmatch(rc->names[i], s->descr ? s->descr : "", 0) == 0)
			return true;
	return false;
}

/* Sizes a row can hold (the MIB: units 1..2^31-1, size and used 0..2^31-1):
 * an agent that wraps a large volume's size to a negative number, or
 * reports more used than there is, gives no percentage to judge. */
static bool storage_sane(const struct storage *s)
{
	return s->units > 0 && s->size >= 0 && s->used >= 0 && s->used <= s->size && isfinite(s->size * s->units);
}

static void run_storage(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	size_t n, shown = 0;
	struct storage *s = storage_table(q, &n);
	check_summary(c, "free space:");
	for (size_t i = 0; i < n; i++) {
		if ((s[i].have & 30) != 30 || !storage_wanted(rc, &s[i]))
			continue;
		shown++;
		if (!storage_sane(&s[i])) {
			check_raise(c, STATE_UNKNOWN);
			check_summary(c, " %s sizes that do not add up;", s[i].descr);
			check_long(c, "%s: the agent's sizes do not add up (allocation units %g, size %g, used %g)",
			           s[i].descr, s[i].units, s[i].size, s[i].used);
			continue;
		}
		double total = s[i].size * s[i].units, used = s[i].used * s[i].units;
		double used_pct = s[i].size > 0 ? 100 * (s[i].used / s[i].size) : 0, free_pct = 100 - used_pct;
		enum state st = range_judge(used_pct, &rc->w[0], &rc->c[0]);
		if (rc->cfree >= 0 && free_pct <= rc->cfree)
			st = STATE_CRITICAL;
		else if (rc->wfree >= 0 && free_pct <= rc->wfree && st == STATE_OK)
			st = STATE_WARNING;
		check_raise(c, st);
		check_summary(c, " %s %.0fMiB (%.0f%%);", s[i].descr, (total - used) / 1048576, floor(free_pct));
		char tot[32], us[32];
		human_bytes(total, tot, sizeof tot);
		human_bytes(used, us, sizeof us);
		check_long(c, "%s: %s used of %s (%.1f%%)%s%s", s[i].descr, us, tot, used_pct,
		           st ? " " : "", st ? state_name(st) : "");
		/* perfdata as check_disk: used bytes, limits in bytes */
		struct range wb = { 0 }, cb = { 0 };
		if (rc->wfree >= 0)
			wb = range_above(floor(total * (1 - rc->wfree / 100)));
		else if (rc->w[0].set && !rc->w[0].inside && rc->w[0].lo_inf == false && rc->w[0].lo == 0)
			wb = range_above(floor(total * rc->w[0].hi / 100));
		if (rc->cfree >= 0)
			cb = range_above(floor(total * (1 - rc->cfree / 100)));
		else if (rc->c[0].set && !rc->c[0].inside && rc->c[0].lo_inf == false && rc->c[0].lo == 0)
			cb = range_above(floor(total * rc->c[0].hi / 100));
		check_perf(c, &(struct perf){ .label = s[i].descr, .value = used, .uom = "B", .decimals = 0,
		                              .warn = &wb, .crit = &cb, .has_min = true, .has_max = true, .max = total });
	}
	storage_free(s, n);
	if (shown == 0)
		plugin_die(STATE_UNKNOWN, rc->nnames ? "no storage in hrStorageTable matches --storage"
		                                     : "no fixed disk in the agent's hrStorageTable");
}

/* ---- memory: UCD memory group (kB), else hrStorageRam ---- */
static void memory_report(struct check *c, const struct snmp_res_conf *rc, double total, double avail,
                          const char *how)
{
	if (!(total > 0 && isfinite(total) && avail >= 0 && isfinite(avail)))
		plugin_die(STATE_UNKNOWN, "the agent's memory figures do not add up (total %g, available %g, from %s)",
		           total, avail, how);
	if (avail > total)   /* free + buffers + cached may count shared pages twice */
		avail = total;
	double used = total - avail, pct = total > 0 ? 100 * (used / total) : 0;   /* used <= total: no overflow */
	char t[32], u[32], a[32];
	human_bytes(total, t, sizeof t);
	human_bytes(used, u, sizeof u);
	human_bytes(avail, a, sizeof a);
	check_raise(c, range_judge(pct, &rc->w[0], &rc->c[0]));
	check_summary(c, "%.1f%% used (%s of %s), %s available", pct, u, t, a);
	check_long(c, "memory from %s", how);
	check_perf(c, &(struct perf){ .label = "used_pct", .value = pct, .uom = "%", .decimals = 2, .warn = &rc->w[0],
	                              .crit = &rc->c[0], .has_min = true, .has_max = true, .max = 100 });
	check_perf(c, &(struct perf){ .label = "used", .value = used, .uom = "B", .decimals = 0, .has_min = true,
	                              .has_max = true, .max = total });
	check_perf(c, &(struct perf){ .label = "available", .value = avail, .uom = "B", .decimals = 0,
	                              .has_min = true, .has_max = true, .max = total });
}

static void run_memory(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	static const char *const oids[] = {
		"1.3.6.1.4.1.2021.4.5.0", "1.3.6.1.4.1.2021.4.6.0", "1.3.6.1.4.1.2021.4.14.0",
		"1.3.6.1.4.1.2021.4.15.0", "1.3.6.1.4.1.2021.4.27.0",
	};
	struct snmp_value v[5];
	double d[5];
	bool have[5] = { false };
	/* memSysAvail (MemAvailable) is newer: an SNMPv1 agent without it
	 * fails the whole request, so ask again without it */
	size_t n = 5;
	if (!get_or_die(q, oids, n, v, true)) {
		n = 4;
		if (!get_or_die(q, oids, n, v, true))
			n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		have[i] = num_of(&v[i], &d[i]);
		snmp_value_free(&v[i]);
	}
	if (have[0] && have[4]) {
		memory_report(c, rc, d[0] * 1024, d[4] * 1024, "UCD-SNMP-MIB memTotalReal - memSysAvail (as free's \"available\")");
		return;
	}
	if (have[0] && have[1] && have[2] && have[3]) {
		memory_report(c, rc, d[0] * 1024, (d[1] + d[2] + d[3]) * 1024,
		              "UCD-SNMP-MIB memTotalReal - memAvailReal - memBuffer - memCached");
		return;
	}
	size_t ns;
	struct storage *s = storage_table(q, &ns);
	for (size_t i = 0; i < ns; i++)
		if (s[i].type == 2 && (s[i].have & 28) == 28 && s[i].size > 0) {
			double total = s[i].size * s[i].units, avail = (s[i].size - s[i].used) * s[i].units;
			storage_free(s, ns);
			memory_report(c, rc, total, avail, "HOST-RESOURCES-MIB hrStorageRam (cache counts as used)");
			return;
		}
	storage_free(s, ns);
	plugin_die(STATE_UNKNOWN, "the agent has neither UCD-SNMP-MIB memory nor an hrStorageRam row");
}

/* ---- processes: hrSWRunTable, UCD prTable ---- */
static void run_processes(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	struct snmp_value *v, *pr;
	size_t n, npr, count = 0;
	walk_or_die(q, "1.3.6.1.2.1.25.4.2.1.2", &v, &n);
	for (size_t i = 0; i < n; i++) {
		bool match = rc->nnames == 0;
		for (size_t k = 0; k < rc->nnames && !match; k++)
			match = v[i].text && strcmp(v[i].text, rc->names[k]) == 0;
		count += match;
	}
	snmp_values_free(v, n);
	if (n == 0)
		plugin_die(STATE_UNKNOWN, "the agent's hrSWRunTable is empty or missing");
	check_raise(c, range_judge((double)count, &rc->w[0], &rc->c[0]));
	check_summary(c, "%zu process%s", count, count == 1 ? "" : "es");
	if (rc->nnames) {
		check_summary(c, " with name");
		for (size_t k = 0; k < rc->nnames; k++)
			check_summary(c, "%s '%s'", k ? "," : "", rc->names[k]);
	}
	check_perf(c, &(struct perf){ .label = "procs", .value = (double)count, .decimals = 0, .warn = &rc->w[0],
	                              .crit = &rc->c[0], .has_min = true });
	/* the agent's own process checks (snmpd.conf "proc NAME MAX MIN") */
	walk_or_die(q, "1.3.6.1.4.1.2021.2.1", &pr, &npr);
	for (size_t i = 0; i < npr; i++) {
		if (pr[i].oid.len != 11 || pr[i].oid.v[9] != 100)
			continue;
		double flag;
		if (!num_of(&pr[i], &flag) || flag == 0)
			continue;
		const char *msg = "process check failed";
		for (size_t k = 0; k < npr; k++)
			if (pr[k].oid.len == 11 && pr[k].oid.v[9] == 101 && pr[k].oid.v[10] == pr[i].oid.v[10] && pr[k].text)
				msg = pr[k].text;
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "; prTable: %s", msg);
	}
	for (size_t i = 0; i < npr; i++)
		if (pr[i].oid.len == 11 && pr[i].oid.v[9] == 2) {
			double cnt = NAN;
			for (size_t k = 0; k < npr; k++)
				if (pr[k].oid.len == 11 && pr[k].oid.v[9] == 5 && pr[k].oid.v[10] == pr[i].oid.v[10])
					num_of(&pr[k], &cnt);
			char num[32] = "?";
			if (cnt >= 0 && cnt < 1e15)
				snprintf(num, sizeof num, "%.0f", cnt);
			check_long(c, "prTable %s: %s running", pr[i].text ? pr[i].text : "?", num);
		}
	snmp_values_free(pr, npr);
}

/* ---- cpu: hrProcessorLoad (the agent's 1-minute average per CPU), else
 * UCD's raw CPU counters against the last run's ---- */
static void cpu_report(struct check *c, const struct snmp_res_conf *rc, double busy, const char *how)
{
	check_raise(c, range_judge(busy, &rc->w[0], &rc->c[0]));
	check_summary(c, "%.1f%% busy (%s)", busy, how);
	check_perf(c, &(struct perf){ .label = "busy", .value = busy, .uom = "%", .decimals = 2, .warn = &rc->w[0],
	                              .crit = &rc->c[0], .has_min = true, .has_max = true, .max = 100 });
}

static void run_cpu_raw(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	/* user nice system idle wait kernel interrupt softirq steal: the
	 * columns of /proc/stat's cpu line (kernel is 0 on Linux) */
	static const char *const oids[] = {
		"1.3.6.1.4.1.2021.11.50.0", "1.3.6.1.4.1.2021.11.51.0", "1.3.6.1.4.1.2021.11.52.0",
		"1.3.6.1.4.1.2021.11.53.0", "1.3.6.1.4.1.2021.11.54.0", "1.3.6.1.4.1.2021.11.55.0",
		"1.3.6.1.4.1.2021.11.56.0", "1.3.6.1.4.1.2021.11.61.0", "1.3.6.1.4.1.2021.11.64.0",
	};
	enum { N = 9 };
	struct snmp_value v[N];
	unsigned long long cur[N] = { 0 };
	bool any = get_or_die(q, oids, N, v, true);
	if (!any) {   /* v1: one missing object fails all; the first four are enough */
		any = get_or_die(q, oids, 4, v, true);
		for (int i = 4; i < N; i++)
			v[i] = (struct snmp_value){ .type = SV_NOSUCHOBJECT };
	}
	if (!any)
		plugin_die(STATE_UNKNOWN, "the agent has neither hrProcessorLoad nor UCD-SNMP-MIB ssCpuRaw counters");
	for (int i = 0; i < N; i++) {
		double d = 0;
		if (i < 4 && !num_of(&v[i], &d)) {
			for (int k = 0; k < N; k++)
				snmp_value_free(&v[k]);
			plugin_die(STATE_UNKNOWN, "the agent has neither hrProcessorLoad nor UCD-SNMP-MIB ssCpuRaw counters");
		}
		if (!snmp_value_missing(&v[i]) && v[i].numeric)
			cur[i] = v[i].u;
		snmp_value_free(&v[i]);
	}
	unsigned long long sum = 0;
	for (int i = 0; i < N; i++)
		sum += cur[i];
	if (sum == 0) {
		/* snmpd answers zeros until its first reading, a few seconds
		 * after it starts: not a baseline */
		check_summary(c, "cpu: the agent has not read its CPU counters yet (it just started), usage from a later run");
		return;
	}
	struct state_file sf;
	struct buf b = BUF_INIT, key = BUF_INIT;
	buf_printf(&key, "%s/cpu-raw", rc->key);
	const char *err = state_open(&sf, state_dir(), "check_snmp", buf_cstr(&key));
	buf_free(&key);
	if (err || (err = state_read(&sf, &b)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	unsigned long long prev[N];
	int got = sscanf(buf_cstr(&b), "mamori-snmp-cpu 2 %llu %llu %llu %llu %llu %llu %llu %llu %llu", &prev[0],
	                 &prev[1], &prev[2], &prev[3], &prev[4], &prev[5], &prev[6], &prev[7], &prev[8]);
	unsigned long long total = 0, idle = 0;
	if (got == N)
		for (int i = 0; i < N; i++) {
			unsigned long long d = (cur[i] - prev[i]) & 0xffffffffULL;   /* Counter32 */
			total += d;
			if (i == 3 || i == 4)
				idle += d;
		}
	if (got == N && total == 0) {
		/* the agent refreshes its counters every few seconds: keep the
		 * older baseline so that the next run spans a longer time */
		state_close(&sf);
		buf_free(&b);
		check_summary(c, "cpu: no CPU time passed since the last sample (the agent has not refreshed its counters), "
		                 "usage from the next run");
		check_long(c, "the agent has no hrProcessorLoad yet (it fills it after a minute): UCD ssCpuRaw counters used");
		return;
	}
	buf_reset(&b);
	buf_printf(&b, "mamori-snmp-cpu 2");
	for (int i = 0; i < N; i++)
		buf_printf(&b, " %llu", cur[i]);
	buf_putc(&b, '\n');
	err = state_write(&sf, b.s, b.len);
	state_close(&sf);
	buf_free(&b);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	if (got != N) {
		check_summary(c, "cpu: first sample, usage from the next run");
		check_long(c, "the agent has no hrProcessorLoad yet (it fills it after a minute): UCD ssCpuRaw counters used");
		return;
	}
	cpu_report(c, rc, 100.0 * (double)(total - idle) / (double)total, "UCD ssCpuRaw since the last run");
}

static void run_cpu(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	struct snmp_value *v;
	size_t n, cpus = 0;
	double sum = 0;
	walk_or_die(q, "1.3.6.1.2.1.25.3.3.1.2", &v, &n);
	for (size_t i = 0; i < n; i++) {
		double d;
		if (!num_of(&v[i], &d))
			continue;
		unsigned long cpu = v[i].oid.v[v[i].oid.len - 1];
		if (!(d >= 0 && d <= 100)) {   /* the MIB's range: an average of more is no average */
			check_long(c, "CPU %lu: hrProcessorLoad %g is not a percentage, left out", cpu, d);
			continue;
		}
		check_long(c, "CPU %lu: %.0f%% (hrProcessorLoad, last minute)", cpu, d);
		sum += d;
		cpus++;
	}
	snmp_values_free(v, n);
	if (cpus == 0) {
		run_cpu_raw(q, rc, c);
		return;
	}
	char how[64];
	snprintf(how, sizeof how, "hrProcessorLoad, %zu CPU%s, last minute", cpus, cpus == 1 ? "" : "s");
	cpu_report(c, rc, sum / (double)cpus, how);
}

/* ---- winservice: LanMgr-Mib-II svSvcTable ---- */
static const char *const svc_states[] = { "?", "active", "continue-pending", "pause-pending", "paused" };

static void run_winservice(struct snmpq *q, const struct snmp_res_conf *rc, struct check *c)
{
	struct snmp_value *v;
	size_t n;
	walk_or_die(q, "1.3.6.1.4.1.77.1.2.3.1", &v, &n);
	struct buf bad = BUF_INIT, good = BUF_INIT;
	size_t nbad = 0, ngood = 0;
	for (size_t k = 0; k < rc->nnames; k++) {
		const struct snmp_value *name = NULL, *state = NULL;
		for (size_t i = 0; i < n && !name; i++)
			if (v[i].oid.len > 12 && v[i].oid.v[11] == 1 && v[i].text && strcasecmp(v[i].text, rc->names[k]) == 0)
				name = &v[i];
		if (name) {
			for (size_t i = 0; i < n && !state; i++) {
				if (v[i].oid.len != name->oid.len || v[i].oid.v[11] != 3)
					continue;
				bool same = true;
				for (size_t j = 12; j < name->oid.len && same; j++)
					same = v[i].oid.v[j] == name->oid.v[j];
				if (same)
					state = &v[i];
			}
		}
		double st = 0;
		if (!name) {
			buf_printf(&bad, "%s%s not found", nbad++ ? ", " : "", rc->names[k]);
			check_long(c, "%s: not in the agent's service table (not installed, or not started: Windows lists "
			              "only started services)", rc->names[k]);
		} else if (!state || !num_of(state, &st) || st != 1) {
			/* svSvcOperatingState is 1..4; anything else (a huge number
			 * does not even fit an int) is unknown */
			bool known = state && (st == 2 || st == 3 || st == 4);
			const char *what = known ? svc_states[(int)st] : "in an unknown state";
			buf_printf(&bad, "%s%s %s", nbad++ ? ", " : "", name->text, what);
			check_long(c, "%s: %s", name->text, what);
		} else {
			buf_printf(&good, "%s%s", ngood++ ? ", " : "", name->text);
			check_long(c, "%s: active", name->text);
		}
	}
	snmp_values_free(v, n);
	if (nbad) {
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "%s", buf_cstr(&bad));
		if (ngood)
			check_summary(c, "; active: %s", buf_cstr(&good));
	} else {
		check_summary(c, "%zu service%s active: %s", ngood, ngood == 1 ? "" : "s", buf_cstr(&good));
	}
	check_perf(c, &(struct perf){ .label = "services_active", .value = (double)ngood, .decimals = 0,
	                              .has_min = true, .has_max = true, .max = (double)rc->nnames });
	buf_free(&bad);
	buf_free(&good);
}

void snmp_resource_run(struct snmpq *q, enum snmp_mode m, const struct snmp_res_conf *rc, struct check *c)
{
	switch (m) {
	case SNMP_MODE_LOAD: run_load(q, rc, c); break;
	case SNMP_MODE_STORAGE: run_storage(q, rc, c); break;
	case SNMP_MODE_MEMORY: run_memory(q, rc, c); break;
	case SNMP_MODE_PROCESSES: run_processes(q, rc, c); break;
	case SNMP_MODE_CPU: run_cpu(q, rc, c); break;
	case SNMP_MODE_WINSERVICE: run_winservice(q, rc, c); break;
	case SNMP_MODE_GET: break;
	}
}
