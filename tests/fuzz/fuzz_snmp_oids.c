/* check_snmp's OID texts (-o, from a config or a command line) and the
 * built-in name table: a parsed OID has 2..128 sub-ids each < 2^32, and
 * its numeric text and its label parse back to the same OID.
 * SOURCES: lib/snmp_oids.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_oids.h"
#include "fuzz_util.h"

static void same(const struct snmp_oid *a, const struct snmp_oid *b)
{
	if (a->len != b->len || memcmp(a->v, b->v, a->len * sizeof a->v[0]))
		abort();
}

static void check(const struct snmp_oid *o)
{
	if (o->len < 2 || o->len > SNMP_OID_MAX)
		abort();
	for (size_t i = 0; i < o->len; i++)
		if (o->v[i] > 0xffffffffUL)
			abort();
	char text[SNMP_OID_MAX * 11 + 1], label[SNMP_OID_MAX * 11 + 64];
	struct snmp_oid back;
	snmp_oid_format(o, text, sizeof text);
	if (!snmp_oid_parse_numeric(text, &back))
		abort();
	same(o, &back);
	snmp_oid_label(o, label, sizeof label);
	if (!snmp_oid_parse_numeric(label, &back) && !snmp_oid_from_name(label, &back))
		abort();
	same(o, &back);
	if (!snmp_oid_under(o, o, false) || snmp_oid_under(o, o, true))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct snmp_oid o;
	if (snmp_oid_parse_numeric(text, &o))
		check(&o);
	if (snmp_oid_from_name(text, &o))
		check(&o);
	const char *num = snmp_oid_lookup(text);
	if (num && !snmp_oid_parse_numeric(num, &o))
		abort();
	free(text);
	return 0;
}
