/* check_snmp's resource modes (lib/snmp_resource) against an agent that
 * answers anything: the monitored host's owner controls its sizes, counts
 * and strings. snmpq_get and snmpq_walk are defined here and answer from
 * the input; values are built by lib/snmp_value as the session builds
 * them. Input, one item a line:
 *   mode NAME | w TEXT | c TEXT | n NAME (--storage/--process/--service)
 *   v1 (a GET with a missing object fails) | fail K | noresp K (request K)
 *   state TEXT (the CPU counters' last sample)
 *   OID TYPE VALUE: TYPE i g c C t u (integers), s q (string, Opaque:
 *   \n \\ \xHH escapes), o (OID), a n O I E x (IpAddress NULL noSuchObject
 *   noSuchInstance endOfMibView other). An OID given twice answers its
 *   second value in the second run (each input runs the mode twice).
 * Checked: states 0..3; the status line is one line of UTF-8; no long
 * output line holds a line break from the agent; every perfdata value is
 * finite, within its min and max, a percentage 0..100, bytes and counts
 * not negative; nothing is left allocated after a plugin_die.
 * SOURCES: lib/snmp_resource.c lib/snmp_value.c lib/snmp_oids.c lib/state.c
 * LIBS: -Wl,--wrap=plugin_die -Wl,--wrap=check_long -Wl,--wrap=check_perf */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snmp_resource.h"
#include "state.h"
#include "fuzz_util.h"

enum { MAXV = 512, MAXN = 8 };
static struct snmp_value agent[MAXV];
static size_t nagent, nreq;
static int run, fail_at, noresp_at;
static bool v1;
static jmp_buf died;

/* valid UTF-8 without control characters (but LF when nl) */
static bool clean(const char *s, size_t n, bool nl)
{
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = ch < 0x80 ? 0 : ch >= 0xc2 && ch <= 0xdf ? 1 : ch >= 0xe0 && ch <= 0xef ? 2
		         : ch >= 0xf0 && ch <= 0xf4 ? 3 : 9;
		if (k == 9 || i + k >= n || (ch < 0x20 && !(nl && ch == '\n')) || ch == 0x7f)
			return false;
		for (size_t j = 1; j <= k; j++)
			if (((unsigned char)s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

void __real_check_long(struct check *c, const char *fmt, ...);
void __wrap_check_long(struct check *c, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (strchr(line, '\n'))   /* one call, one line (check_long blanks other controls) */
		abort();
	__real_check_long(c, "%s", line);
}

void __real_check_perf(struct check *c, const struct perf *p);
void __wrap_check_perf(struct check *c, const struct perf *p)
{
	double v = p->value;
	if (!isfinite(v) || (p->has_min && v < p->min) || (p->has_max && !(v <= p->max)) ||
	    (p->uom && strcmp(p->uom, "%") == 0 && !(v >= 0 && v <= 100)) ||
	    (p->uom && strcmp(p->uom, "B") == 0 && v < 0) || (p->decimals == 0 && !p->uom && (v < 0 || v != floor(v))))
		abort();
	/* the label as printed: an agent's hrStorageDescr may hold any bytes,
	 * perf_label makes them UTF-8 (found after 3 M executions, when the
	 * contract moved to lib/plugin.c) */
	struct buf label = BUF_INIT;
	perf_label(&label, p->label);
	if (!clean(buf_cstr(&label), label.len, false))
		abort();
	buf_free(&label);
	__real_check_perf(c, p);
}

_Noreturn void __wrap_plugin_die(enum state s, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((unsigned)s > STATE_UNKNOWN || !*msg)
		abort();
	if (!clean(msg, strlen(msg), true))   /* plugin_die turns controls into blanks */
		abort();
	longjmp(died, 1);
}

/* the value of o in this run: its second occurrence in the second run */
static const struct snmp_value *lookup(const struct snmp_oid *o)
{
	const struct snmp_value *first = NULL;
	for (size_t i = 0; i < nagent; i++)
		if (agent[i].oid.len == o->len && !memcmp(agent[i].oid.v, o->v, o->len * sizeof o->v[0])) {
			if (!run || first)
				return &agent[i];
			first = &agent[i];
		}
	return first;
}

static void copy(struct snmp_value *to, const struct snmp_value *from)
{
	*to = *from;
	to->text = from->text ? xstrdup(from->text) : NULL;
}

static enum snmp_status failed(struct buf *err)
{
	size_t k = nreq++;
	if ((int)k == noresp_at) {
		buf_printf(err, "no response from fuzz");
		return SNMPQ_NORESPONSE;
	}
	if ((int)k == fail_at) {
		buf_printf(err, "agent error: genErr");
		return SNMPQ_ERROR;
	}
	return SNMPQ_OK;
}

enum snmp_status snmpq_get(struct snmpq *q, const struct snmp_oid *oids, size_t n, struct snmp_value *out,
                           struct buf *err)
{
	(void)q;
	enum snmp_status st = failed(err);
	if (st != SNMPQ_OK)
		return st;
	for (size_t i = 0; i < n; i++) {
		const struct snmp_value *v = lookup(&oids[i]);
		if (v1 && (!v || snmp_value_missing(v))) {
			for (size_t k = 0; k < i; k++)
				snmp_value_free(&out[k]);
			buf_printf(err, "agent error: noSuchName");
			return SNMPQ_ERROR;
		}
		if (v)
			copy(&out[i], v);
		else
			out[i] = (struct snmp_value){ .oid = oids[i], .type = SV_NOSUCHOBJECT, .text = xstrdup("noSuchObject") };
	}
	return SNMPQ_OK;
}

static int oid_cmp(const void *pa, const void *pb)
{
	return snmp_oid_cmp(&(*(const struct snmp_value *const *)pa)->oid, &(*(const struct snmp_value *const *)pb)->oid);
}

/* what the session's walk hands on: distinct OIDs under root in order,
 * up to an endOfMibView */
enum snmp_status snmpq_walk(struct snmpq *q, const struct snmp_oid *root, struct snmp_value **out, size_t *n,
                            struct buf *err)
{
	(void)q;
	*out = NULL;
	*n = 0;
	enum snmp_status st = failed(err);
	if (st != SNMPQ_OK)
		return st;
	const struct snmp_value *under[MAXV];
	size_t m = 0;
	for (size_t i = 0; i < nagent; i++)
		if (snmp_oid_under(&agent[i].oid, root, true) && lookup(&agent[i].oid) == &agent[i])
			under[m++] = &agent[i];
	qsort(under, m, sizeof under[0], oid_cmp);
	*out = xcalloc(m ? m : 1, sizeof **out);
	for (size_t i = 0; i < m && under[i]->type != SV_ENDOFMIB; i++)
		copy(&(*out)[(*n)++], under[i]);
	return SNMPQ_OK;
}

/* The state's durability is not under test here; a sync per CPU-mode
 * input on a busy disk made the harness run a few dozen inputs a second. */
int fsync(int fd)
{
	(void)fd;
	return 0;
}

static size_t unescape(const char *s, unsigned char *out)
{
	size_t n = 0;
	for (; *s; s++) {
		unsigned x;
		if (*s == '\\' && s[1] == 'n') {
			out[n++] = '\n';
			s++;
		} else if (*s == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3]) &&
		           sscanf(s + 2, "%2x", &x) == 1) {
			out[n++] = (unsigned char)x;
			s += 3;
		} else if (*s == '\\' && s[1]) {
			out[n++] = (unsigned char)*++s;
		} else {
			out[n++] = (unsigned char)*s;
		}
	}
	return n;
}

/* "OID TYPE VALUE" into agent[]: false when the line is not one */
static bool varbind(char *line)
{
	char *sp = strchr(line, ' ');
	if (!sp || !sp[1] || (sp[2] && sp[2] != ' ') || nagent == MAXV)
		return false;
	*sp = '\0';
	struct snmp_value *v = &agent[nagent];
	memset(v, 0, sizeof *v);
	if (!snmp_oid_parse_numeric(line, &v->oid))
		return false;
	char type = sp[1], *val = sp[2] ? sp + 3 : sp + 2;
	static const char ints[] = "igCctu";
	static const enum snmp_vtype itypes[] = { SV_INTEGER, SV_GAUGE, SV_COUNTER64, SV_COUNTER32, SV_TIMETICKS,
	                                          SV_UINTEGER };
	static const char others[] = "anOIEx";
	static const enum snmp_vtype otypes[] = { SV_IPADDRESS, SV_NULL, SV_NOSUCHOBJECT, SV_NOSUCHINSTANCE,
	                                          SV_ENDOFMIB, SV_OTHER };
	const char *t;
	if ((t = strchr(ints, type))) {
		snmp_value_integer(v, itypes[t - ints],
		                   type == 'i' ? (unsigned long long)strtoll(val, NULL, 0) : strtoull(val, NULL, 0));
	} else if (type == 's' || type == 'q') {
		unsigned char *b = xmalloc(strlen(val) + 1);
		size_t n = unescape(val, b);
		snmp_value_octets(v, type == 's' ? SV_STRING : SV_OPAQUE, b, n);
		free(b);
	} else if (type == 'o') {
		struct snmp_oid o;
		if (!snmp_oid_parse_numeric(val, &o))
			return false;
		char text[SNMP_OID_MAX * 11];
		snmp_oid_format(&o, text, sizeof text);
		v->type = SV_OID;
		v->text = xstrdup(text);
	} else if ((t = strchr(others, type))) {
		v->type = otypes[t - others];
		v->text = xstrdup(type == 'a' ? val : snmp_type_name(v->type));
	} else {
		return false;
	}
	nagent++;
	return true;
}

static void run_mode(enum snmp_mode m, const struct snmp_res_conf *rc)
{
	struct check c;
	check_init(&c, "SNMP");
	if (!setjmp(died)) {
		snmp_resource_run(NULL, m, rc, &c);
		if ((unsigned)c.state > STATE_UNKNOWN)
			abort();
		/* the status line as check_exit prints it */
		struct buf line = BUF_INIT;
		buf_printf(&line, "SNMP %s - %s | %s", state_name(c.state), buf_cstr(&c.summary), buf_cstr(&c.perf));
		if (!clean(line.s, line.len, false) || !clean(buf_cstr(&c.longout), c.longout.len, true))
			abort();
		buf_free(&line);
	}
	buf_free(&c.summary);
	buf_free(&c.perf);
	buf_free(&c.longout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *save = NULL;
	struct snmp_res_conf rc = { .key = "fuzz" };
	const char *names[MAXN];
	int mode = SNMP_MODE_STORAGE;
	const char *state = NULL;
	nagent = 0;
	v1 = false;
	fail_at = noresp_at = -1;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "mode ", 5) == 0)
			mode = snmp_mode_parse(l + 5);
		else if (strncmp(l, "w ", 2) == 0)
			rc.warn = l + 2;
		else if (strncmp(l, "c ", 2) == 0)
			rc.crit = l + 2;
		else if (strncmp(l, "n ", 2) == 0 && rc.nnames < MAXN && clean(l + 2, strlen(l + 2), false))
			names[rc.nnames++] = l + 2;   /* the operator's own names: clean UTF-8 */
		else if (strcmp(l, "v1") == 0)
			v1 = true;
		else if (strncmp(l, "fail ", 5) == 0)
			fail_at = atoi(l + 5);
		else if (strncmp(l, "noresp ", 7) == 0)
			noresp_at = atoi(l + 7);
		else if (strncmp(l, "state ", 6) == 0)
			state = l + 6;
		else
			varbind(l);
	}
	rc.names = names;
	if (mode > SNMP_MODE_GET && !snmp_resource_prepare(mode, &rc)) {
		/* the CPU counters' state: the input's, else none */
		char name[300], path[600];
		if (!state_file_name(name, sizeof name, "check_snmp", "fuzz/cpu-raw"))
			abort();
		snprintf(path, sizeof path, "%s/%s", state_dir(), name);
		unlink(path);
		if (state) {
			struct state_file sf;
			char line[600];
			snprintf(line, sizeof line, "%s\n", state);
			if (!state_open(&sf, state_dir(), "check_snmp", "fuzz/cpu-raw")) {
				state_write(&sf, line, strlen(line));
				state_close(&sf);
			}
		}
		nreq = 0;
		for (run = 0; run < 2; run++)
			run_mode(mode, &rc);
	}
	for (size_t i = 0; i < nagent; i++)
		snmp_value_free(&agent[i]);
	free(text);
	return 0;
}
