/* Names of the common SNMP objects, built in: Debian's IETF MIBs are
 * non-free (snmp-mibs-downloader), so on most hosts net-snmp cannot
 * resolve "sysUpTime.0" by itself, and loading MIBs costs more than the
 * whole query. The same table gives perfdata its labels. */
#ifndef MAMORI_SNMP_OIDS_H
#define MAMORI_SNMP_OIDS_H
#include <stdbool.h>
#include <stddef.h>

/* RFC 2578: at most 128 sub-identifiers. */
enum { SNMP_OID_MAX = 128 };

struct snmp_oid {
	unsigned long v[SNMP_OID_MAX];
	size_t len;
};

/* "1.3.6.1.2.1.1.3.0" or ".1.3.6..." (each sub-id < 2^32, 2 to 128 of
 * them). false when text is anything else. */
bool snmp_oid_parse_numeric(const char *text, struct snmp_oid *out);
/* "sysUpTime", "sysUpTime.0", "IF-MIB::ifInOctets.2" from the built-in
 * table; false when the name is not there (net-snmp may know it). */
bool snmp_oid_from_name(const char *text, struct snmp_oid *out);
/* The numeric OID of a built-in name, as text; NULL when unknown. */
const char *snmp_oid_lookup(const char *name);
/* "sysUpTime.0" when a built-in name is a prefix of o, else "1.3.6...". */
void snmp_oid_label(const struct snmp_oid *o, char *out, size_t size);
/* Dotted numeric form, no leading dot. */
void snmp_oid_format(const struct snmp_oid *o, char *out, size_t size);
/* o starts with prefix (and is longer when strict). */
/* lexicographic order of sub-ids, as an agent walks them: <0, 0, >0 */
int snmp_oid_cmp(const struct snmp_oid *a, const struct snmp_oid *b);
bool snmp_oid_under(const struct snmp_oid *o, const struct snmp_oid *prefix, bool strict);
/* o = prefix + sub-ids; used to build column OIDs. */
void snmp_oid_append(struct snmp_oid *o, unsigned long sub);

#endif
