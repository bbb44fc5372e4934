/* An SNMP value as the plugin and the resource modes see it, without
 * net-snmp's types: built from the wire's integer or octets here, so the
 * session and the fuzz harness of the resource modes convert the same way. */
#ifndef MAMORI_SNMP_VALUE_H
#define MAMORI_SNMP_VALUE_H
#include <stdbool.h>
#include <stddef.h>

#include "snmp_oids.h"

enum snmp_vtype {
	SV_INTEGER, SV_GAUGE, SV_COUNTER32, SV_COUNTER64, SV_TIMETICKS, SV_UINTEGER,
	SV_STRING, SV_OID, SV_IPADDRESS, SV_OPAQUE, SV_NULL,
	SV_NOSUCHOBJECT, SV_NOSUCHINSTANCE, SV_ENDOFMIB, SV_OTHER,
};

struct snmp_value {
	struct snmp_oid oid;
	enum snmp_vtype type;
	bool numeric;              /* an integer type: num (and u for unsigned ones) hold it */
	double num;
	unsigned long long u;
	char *text;                /* display form: the string, dotted OID, number */
};

/* An integer type (SV_INTEGER .. SV_UINTEGER) from the decoded wire value:
 * INTEGER signed, Gauge32, Counter32, TimeTicks and UInteger32 cut to 32
 * bits, Counter64 whole. Sets type, numeric, num, u and text (oid kept). */
void snmp_value_integer(struct snmp_value *v, enum snmp_vtype t, unsigned long long raw);
/* An OCTET STRING or Opaque: printable bytes as they are, anything else
 * as hex like net-snmp's Hex-STRING ("00 1A 2B ..."). Sets type and text. */
void snmp_value_octets(struct snmp_value *v, enum snmp_vtype t, const unsigned char *p, size_t n);

void snmp_value_free(struct snmp_value *v);
void snmp_values_free(struct snmp_value *v, size_t n);
const char *snmp_type_name(enum snmp_vtype t);
/* A value that holds no data: noSuchObject, noSuchInstance, endOfMibView. */
bool snmp_value_missing(const struct snmp_value *v);
/* The value as a number: integer types, and strings that are one number
 * (UCD's laLoad is "0.42"). false when it is not. */
bool snmp_value_number(const struct snmp_value *v, double *out);

#endif
