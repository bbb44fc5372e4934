#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#else
#include <regex.h>
#endif

#include "snmp_get.h"
#include "snmp_rate.h"
#include "timeout.h"

const char *snmp_get_add_oids(struct snmp_get_conf *g, const char *list)
{
	const char *p = list;
	bool any = false;
	while (*p) {
		size_t n = strcspn(p, ", \t");
		if (n) {
			if (g->n == SNMP_GET_MAX)
				return "too many OIDs (at most 64)";
			if (n > 255)
				return "OID too long";
			char *t = xmalloc(n + 1);
			memcpy(t, p, n);
			t[n] = '\0';
			g->item[g->n++] = (struct snmp_get_item){ .text = t };
			any = true;
		}
		p += n;
		if (*p)
			p++;
	}
	return any ? NULL : "empty OID";
}

/* The n-th comma-separated field of list into out ("" when absent). */
static bool field(const char *list, size_t n, char *out, size_t size)
{
	const char *p = list;
	for (size_t i = 0; i < n; i++) {
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	size_t len = strcspn(p, ",");
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

const char *snmp_get_set_list(struct snmp_get_conf *g, int which, const char *list)
{
	size_t fields = 1;
	for (const char *p = list; *p; p++)
		fields += *p == ',';
	if (fields > g->n)
		return which == 'w' || which == 'c' ? "more thresholds than OIDs" : "more labels or units than OIDs";
	for (size_t i = 0; i < g->n; i++) {
		char f[256];
		/* by position, as monitoring-plugins: OIDs past the list have none */
		if (!field(list, i, f, sizeof f) || !*f)
			continue;
		struct snmp_get_item *it = &g->item[i];
		const char *err;
		switch (which) {
		case 'w': if ((err = range_parse(f, &it->warn))) return err; break;
		case 'c': if ((err = range_parse(f, &it->crit))) return err; break;
		case 'l': it->label = xstrdup(f); break;
		case 'u': it->units = xstrdup(f); break;
		}
	}
	return NULL;
}

bool snmp_get_resolve_builtin(struct snmp_get_conf *g)
{
	bool need = false;
	for (size_t i = 0; i < g->n; i++) {
		struct snmp_get_item *it = &g->item[i];
		it->resolved = snmp_oid_parse_numeric(it->text, &it->oid) || snmp_oid_from_name(it->text, &it->oid);
		need |= !it->resolved;
	}
	return need;
}

const char *snmp_get_resolve_mibs(struct snmp_get_conf *g)
{
	static char why[400];
	for (size_t i = 0; i < g->n; i++) {
		struct snmp_get_item *it = &g->item[i];
		if (!it->resolved && !(it->resolved = snmpq_resolve(it->text, &it->oid))) {
			snprintf(why, sizeof why, "unknown OID '%s': not numeric, not a built-in name, and not in the "
			         "installed MIBs", it->text);
			return why;
		}
	}
	return NULL;
}

const char *snmp_get_compile(struct snmp_get_conf *g)
{
	static char why[300];
	if (!g->regex)
		return NULL;
#ifdef HAVE_PCRE2
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)g->regex, PCRE2_ZERO_TERMINATED, g->caseless ? PCRE2_CASELESS : 0,
	                               &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(why, sizeof why, "bad regex at offset %zu: %s", (size_t)off, (const char *)msg);
		return why;
	}
	g->re = re;
#else
	regex_t *re = xmalloc(sizeof *re);
	int rc = regcomp(re, g->regex, REG_EXTENDED | REG_NOSUB | (g->caseless ? REG_ICASE : 0));
	if (rc) {
		char msg[200];
		regerror(rc, re, msg, sizeof msg);
		free(re);
		snprintf(why, sizeof why, "bad regex: %s", msg);
		return why;
	}
	g->re = re;
#endif
	return NULL;
}

static bool re_match(const struct snmp_get_conf *g, const char *s)
{
#ifdef HAVE_PCRE2
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = pcre2_match(g->re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
#else
	return regexec(g->re, s, 0, NULL, 0) == 0;
#endif
}

static void re_free(struct snmp_get_conf *g)
{
	if (!g->re)
		return;
#ifdef HAVE_PCRE2
	pcre2_code_free(g->re);
#else
	regfree(g->re);
	free(g->re);
#endif
	g->re = NULL;
}

/* Units that perfdata allows, for -u that happens to be one. */
static const char *perf_uom(const char *u)
{
	static const char *const ok[] = { "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c" };
	for (size_t i = 0; u && i < sizeof ok / sizeof *ok; i++)
		if (strcmp(u, ok[i]) == 0)
			return u;
	return "";
}

static void judge(const struct snmp_get_conf *g, const struct snmp_get_item *it, const struct snmp_value *v,
                  const char *label, struct check *c, const char **sep)
{
	check_summary(c, "%s%s ", *sep, label);
	*sep = ", ";
	if (snmp_value_missing(v)) {
		check_raise(c, STATE_UNKNOWN);
		check_summary(c, "%s", snmp_type_name(v->type));
		return;
	}
	bool thresholds = it->warn.set || it->crit.set;
	double num;
	bool is_num = snmp_value_number(v, &num);
	if (!thresholds && !g->rate && (g->expect || g->regex)) {
		const char *s = v->text ? v->text : "";
		bool match = g->expect ? strcmp(s, g->expect) == 0 : true;
		if (match && g->regex)
			match = re_match(g, s);
		enum state st = match != g->invert ? STATE_OK : STATE_CRITICAL;
		check_raise(c, st);
		check_summary(c, "\"%s\"%s", s, st ? " (CRITICAL: " : "");
		if (st)
			check_summary(c, "%s %s)", g->invert ? "matches" : "does not match",
			              g->expect ? "the expected string" : "the regex");
		return;
	}
	if (!is_num) {
		if (thresholds || g->rate) {
			check_raise(c, STATE_UNKNOWN);
			check_summary(c, "\"%s\" (UNKNOWN: %s, not a number)", v->text ? v->text : "", snmp_type_name(v->type));
		} else {
			check_summary(c, "\"%s\"", v->text ? v->text : "");
		}
		return;
	}
	num = num * g->mult + g->offset;
	const char *uom = perf_uom(it->units);
	if (g->rate) {
		struct snmp_sample s = { .type = v->type, .u = v->u, .num = num, .time = snmp_rate_clock() };
		if (v->type != SV_COUNTER32 && v->type != SV_COUNTER64)
			s.type = v->numeric ? v->type : SV_STRING;
		char oidtext[SNMP_OID_MAX * 11];
		snmp_oid_format(&it->oid, oidtext, sizeof oidtext);
		struct snmp_rate r;
		const char *err = snmp_rate_advance(g->key, oidtext, &s, &r);
		if (err)
			plugin_die(STATE_UNKNOWN, "%s", err);
		if (r.v != SRATE_OK) {
			check_summary(c, "rate: %s", snmp_rate_reason(r.v));
			check_long(c, "%s: %s %s, %s", label, snmp_type_name(v->type), v->text, snmp_rate_reason(r.v));
			return;
		}
		/* a counter's rate is in its own units per second */
		num = (v->type == SV_COUNTER32 || v->type == SV_COUNTER64 ? r.rate * g->mult : r.rate) * g->rate_mult;
		check_long(c, "%s: %s %s, %.6g per %s over %.1fs%s", label, snmp_type_name(v->type), v->text, num,
		           g->rate_mult == 60 ? "minute" : g->rate_mult == 1 ? "second" : "rate unit", r.secs,
		           r.wrapped ? " (the counter wrapped)" : "");
	} else if (v->type == SV_COUNTER32 || v->type == SV_COUNTER64) {
		uom = "c";
	}
	enum state st = range_judge(num, &it->warn, &it->crit);
	check_raise(c, st);
	char text[64];
	if (fabs(num) >= 1e15)
		snprintf(text, sizeof text, "%g", num);
	else
		snprintf(text, sizeof text, num == floor(num) ? "%.0f" : "%.2f", num);
	check_summary(c, "%s%s%s%s%s%s", text, g->rate ? (g->rate_mult == 60 ? "/min" : g->rate_mult == 1 ? "/s" : "") : "",
	              it->units ? " " : "", it->units ? it->units : "", st ? " " : "", st ? state_name(st) : "");
	check_perf(c, &(struct perf){ .label = label, .value = num, .uom = uom, .decimals = -1, .warn = &it->warn,
	                              .crit = &it->crit });
}

void snmp_get_run(struct snmpq *q, struct snmp_get_conf *g, struct check *c)
{
	struct snmp_oid oids[SNMP_GET_MAX];
	struct snmp_value v[SNMP_GET_MAX];
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < g->n; i++)
		oids[i] = g->item[i].oid;
	enum snmp_status st = snmpq_get(q, oids, g->n, v, &err);
	if (st == SNMPQ_NORESPONSE)
		plugin_die(timeout_state(), "%s", buf_cstr(&err));
	if (st != SNMPQ_OK)
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
	buf_free(&err);
	const char *sep = "";
	for (size_t i = 0; i < g->n; i++) {
		const struct snmp_get_item *it = &g->item[i];
		char label[SNMP_OID_MAX * 11 + 64];
		struct snmp_oid probe;
		if (it->label)
			snprintf(label, sizeof label, "%s", it->label);
		else if (g->perf_oids)
			snmp_oid_format(&it->oid, label, sizeof label);
		else if (snmp_oid_parse_numeric(it->text, &probe) || snmp_oid_from_name(it->text, &probe))
			snmp_oid_label(&it->oid, label, sizeof label);   /* numeric reads back as a name */
		else
			snprintf(label, sizeof label, "%s", it->text);   /* a name from the MIBs, as given */
		judge(g, it, &v[i], label, c, &sep);
		/* the agent's string: a line break in it would start a line of its making */
		if (plugin_verbose)
			check_long(c, "%s = %s: %s", label, snmp_type_name(v[i].type),
			           v[i].text ? text_one_line(v[i].text, ' ') : "");
		snmp_value_free(&v[i]);
	}
	re_free(g);
}
