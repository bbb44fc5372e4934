#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "snmp_value.h"

void snmp_value_integer(struct snmp_value *v, enum snmp_vtype t, unsigned long long raw)
{
	char tmp[32];
	v->type = t;
	v->numeric = true;
	if (t == SV_INTEGER) {
		long long s = (long long)raw;
		v->u = 0;
		v->num = (double)s;
		snprintf(tmp, sizeof tmp, "%lld", s);
	} else {
		v->u = t == SV_COUNTER64 ? raw : raw & 0xffffffffULL;
		v->num = (double)v->u;
		snprintf(tmp, sizeof tmp, "%llu", v->u);
	}
	v->text = xstrdup(tmp);
}

void snmp_value_octets(struct snmp_value *v, enum snmp_vtype t, const unsigned char *p, size_t n)
{
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		if (!(isprint(p[i]) || p[i] == '\n' || p[i] == '\t' || p[i] == '\r' || (p[i] == 0 && i == n - 1)))
			printable = false;
	struct buf b = BUF_INIT;
	if (printable) {
		buf_add(&b, (const char *)p, n && p[n - 1] == 0 ? n - 1 : n);
	} else {
		for (size_t i = 0; i < n; i++)
			buf_printf(&b, "%s%02X", i ? " " : "", p[i]);
	}
	v->type = t;
	v->text = xstrdup(buf_cstr(&b));
	buf_free(&b);
}

const char *snmp_type_name(enum snmp_vtype t)
{
	static const char *const names[] = {
		"INTEGER", "Gauge32", "Counter32", "Counter64", "Timeticks", "UInteger32",
		"STRING", "OID", "IpAddress", "Opaque", "NULL",
		"noSuchObject", "noSuchInstance", "endOfMibView", "other",
	};
	return names[t];
}

bool snmp_value_missing(const struct snmp_value *v)
{
	return v->type == SV_NOSUCHOBJECT || v->type == SV_NOSUCHINSTANCE || v->type == SV_ENDOFMIB;
}

bool snmp_value_number(const struct snmp_value *v, double *out)
{
	if (v->numeric) {
		*out = v->num;
		return true;
	}
	if (v->type != SV_STRING || !v->text)
		return false;
	const char *p = v->text;
	while (isspace((unsigned char)*p))
		p++;
	char *end;
	double d = strtod(p, &end);
	if (end == p || !isfinite(d))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = d;
	return true;
}

void snmp_value_free(struct snmp_value *v)
{
	free(v->text);
	v->text = NULL;
}

void snmp_values_free(struct snmp_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snmp_value_free(&v[i]);
	free(v);
}
