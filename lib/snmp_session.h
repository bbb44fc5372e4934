/* SNMP GET and table walks with net-snmp, behind a small interface so the
 * plugin and the resource modes never see net-snmp's types. Every request
 * is bounded by what is left of the -t deadline: net-snmp's timeout per
 * try is that time divided by the tries, so "no response" is reported
 * before the alarm would cut the run short. */
#ifndef MAMORI_SNMP_SESSION_H
#define MAMORI_SNMP_SESSION_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "snmp_oids.h"
#include "snmp_value.h"

enum snmp_auth { SNMP_AUTH_MD5, SNMP_AUTH_SHA, SNMP_AUTH_SHA256, SNMP_AUTH_SHA512 };
enum snmp_priv { SNMP_PRIV_DES, SNMP_PRIV_AES, SNMP_PRIV_AES256 };
enum snmp_level { SNMP_NOAUTH_NOPRIV, SNMP_AUTH_NOPRIV, SNMP_AUTH_PRIV };

struct snmp_conf {
	const char *host;
	long port;
	int version;                  /* 1, 2 (v2c) or 3 */
	const char *community;        /* v1, v2c */
	const char *secname, *context;
	enum snmp_level level;
	enum snmp_auth auth;
	enum snmp_priv priv;
	const char *authpass, *privpass;
	int retries;                  /* tries after the first */
};

enum snmp_status { SNMPQ_OK, SNMPQ_NORESPONSE, SNMPQ_ERROR };

struct snmpq;

/* Once, before anything else: load the MIBs only when a name needs them
 * (they cost more than the query), start USM only for v3. Quiet unless
 * verbose (-vvv: net-snmp's own messages on stderr). */
void snmpq_init(bool load_mibs, bool v3, int verbose);
/* A name net-snmp resolves from the installed MIBs (after snmpq_init(true)). */
bool snmpq_resolve(const char *name, struct snmp_oid *out);

/* NULL on success, else a reason (bad host name, passphrase too short). */
const char *snmpq_open(struct snmpq **out, const struct snmp_conf *c);
/* GET of n OIDs into out[0..n-1] (values the caller frees). */
enum snmp_status snmpq_get(struct snmpq *q, const struct snmp_oid *oids, size_t n, struct snmp_value *out,
                           struct buf *err);
/* Every object under root (GETBULK, GETNEXT for v1), in the agent's order. */
enum snmp_status snmpq_walk(struct snmpq *q, const struct snmp_oid *root, struct snmp_value **out, size_t *n,
                            struct buf *err);
void snmpq_close(struct snmpq *q);

#endif
