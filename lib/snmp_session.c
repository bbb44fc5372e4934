/* net-snmp's single-session API (snmp_sess_*): one session, synchronous
 * requests, nothing global but the library's own start-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* config.h is forced in front of every file; net-snmp's own config header
 * defines the same autoconf names */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <openssl/evp.h>

#include "snmp_session.h"
#include "timeout.h"

struct snmpq {
	void *sess;
	char peer[300];
	int version;
	bool priv;      /* v3 authPriv: a wrong privacy passphrase is dropped silently */
	int retries;
};

/* What is left of -t, less a margin to print the answer in. */
static double budget(void)
{
	return timeout_remaining() - 0.3;
}

/* net-snmp's timeout per try, in microseconds, from the time left. */
static long per_try_us(int retries)
{
	double left = budget();
	double per = left / (retries + 1);
	if (per < 0.05)
		per = 0.05;
	return (long)(per * 1e6);
}

void snmpq_init(bool load_mibs, bool v3, int verbose)
{
	/* no persistent files: a check must not write under /var/lib/snmp */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
	if (verbose < 3) {
		netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
		netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
		netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
	} else {
		snmp_enable_stderrlog();
	}
	if (!load_mibs && !v3) {
		/* v1/v2c with numeric OIDs needs only the transports: init_snmp()
		 * would also start OpenSSL, the certificate store, USM and the
		 * config files, which together cost more than the query itself */
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_APPTYPE, "check_snmp");
		netsnmp_container_init_list();
		init_snmp_transport();
		return;
	}
	if (!load_mibs) {
		/* numeric OIDs only: skip the MIB directories entirely */
		setenv("MIBS", "", 1);
		setenv("MIBDIRS", "", 1);
		netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	} else if (!getenv("MIBS")) {
		setenv("MIBS", "ALL", 1);
	}
	init_snmp("check_snmp");
}

bool snmpq_resolve(const char *name, struct snmp_oid *out)
{
	oid o[MAX_OID_LEN];
	size_t len = MAX_OID_LEN;
	if (!snmp_parse_oid(name, o, &len) || len < 2 || len > SNMP_OID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		out->v[i] = o[i];
	out->len = len;
	return true;
}

/* RFC 3414 A.2 (and RFC 7860 for SHA-2): Ku is the hash of the passphrase
 * repeated over 1 MiB. net-snmp's generate_Ku() feeds it 64 bytes at a
 * time and takes about 5 ms per key; one call over the whole buffer takes
 * a fraction of that, and a check derives two keys on every run. */
static bool derive_ku(enum snmp_auth auth, const char *pass, u_char *out, size_t *len)
{
	enum { KU_INPUT = 1048576, CHUNK = 65536 };
	const EVP_MD *md = auth == SNMP_AUTH_MD5 ? EVP_md5() : auth == SNMP_AUTH_SHA ? EVP_sha1()
	                 : auth == SNMP_AUTH_SHA256 ? EVP_sha256() : EVP_sha512();
	size_t n = strlen(pass);
	unsigned int mdlen = 0;
	if (n == 0 || (size_t)EVP_MD_get_size(md) > *len)
		return false;
	/* whole copies of the passphrase per chunk, so every chunk starts
	 * where the passphrase starts */
	size_t chunk = n < CHUNK ? CHUNK - CHUNK % n : n;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	u_char *buf = xmalloc(chunk);
	for (size_t i = 0; i < chunk; i += n)
		memcpy(buf + i, pass, n);
	bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (size_t done = 0; ok && done < KU_INPUT; done += chunk)
		ok = EVP_DigestUpdate(ctx, buf, KU_INPUT - done < chunk ? KU_INPUT - done : chunk) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	free(buf);
	*len = mdlen;
	return ok;
}

static const char *setup_v3(netsnmp_session *s, const struct snmp_conf *c)
{
	s->securityName = (char *)c->secname;
	s->securityNameLen = strlen(c->secname);
	if (c->context) {
		s->contextName = (char *)c->context;
		s->contextNameLen = strlen(c->context);
	}
	static const int levels[] = { SNMP_SEC_LEVEL_NOAUTH, SNMP_SEC_LEVEL_AUTHNOPRIV, SNMP_SEC_LEVEL_AUTHPRIV };
	s->securityLevel = levels[c->level];
	if (c->level == SNMP_NOAUTH_NOPRIV)
		return NULL;
	switch (c->auth) {
	case SNMP_AUTH_MD5:
		s->securityAuthProto = usmHMACMD5AuthProtocol;
		s->securityAuthProtoLen = OID_LENGTH(usmHMACMD5AuthProtocol);
		break;
	case SNMP_AUTH_SHA:
		s->securityAuthProto = usmHMACSHA1AuthProtocol;
		s->securityAuthProtoLen = OID_LENGTH(usmHMACSHA1AuthProtocol);
		break;
	case SNMP_AUTH_SHA256:
		s->securityAuthProto = usmHMAC192SHA256AuthProtocol;
		s->securityAuthProtoLen = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
		break;
	case SNMP_AUTH_SHA512:
		s->securityAuthProto = usmHMAC384SHA512AuthProtocol;
		s->securityAuthProtoLen = OID_LENGTH(usmHMAC384SHA512AuthProtocol);
		break;
	}
	/* RFC 3414: passphrases shorter than 8 octets are refused by agents */
	if (!c->authpass || strlen(c->authpass) < 8)
		return "the SNMPv3 auth passphrase must be at least 8 characters";
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (!derive_ku(c->auth, c->authpass, s->securityAuthKey, &s->securityAuthKeyLen))
		return "cannot derive the SNMPv3 auth key from the passphrase";
	if (c->level != SNMP_AUTH_PRIV)
		return NULL;
	switch (c->priv) {
	case SNMP_PRIV_DES:
#ifndef NETSNMP_DISABLE_DES
		s->securityPrivProto = usmDESPrivProtocol;
		s->securityPrivProtoLen = OID_LENGTH(usmDESPrivProtocol);
		break;
#else
		return "this net-snmp has no DES";
#endif
	case SNMP_PRIV_AES:
		s->securityPrivProto = usmAESPrivProtocol;
		s->securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
		break;
	case SNMP_PRIV_AES256:
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
		s->securityPrivProto = usmAES256PrivProtocol;
		s->securityPrivProtoLen = OID_LENGTH(usmAES256PrivProtocol);
		break;
#else
		return "this net-snmp has no AES-256";
#endif
	}
	if (!c->privpass || strlen(c->privpass) < 8)
		return "the SNMPv3 privacy passphrase must be at least 8 characters";
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (strcmp(c->privpass, c->authpass) == 0 && s->securityAuthKeyLen <= USM_PRIV_KU_LEN) {
		memcpy(s->securityPrivKey, s->securityAuthKey, s->securityAuthKeyLen);
		s->securityPrivKeyLen = s->securityAuthKeyLen;
	} else if (!derive_ku(c->auth, c->privpass, s->securityPrivKey, &s->securityPrivKeyLen))
		return "cannot derive the SNMPv3 privacy key from the passphrase";
	return NULL;
}

const char *snmpq_open(struct snmpq **out, const struct snmp_conf *c)
{
	netsnmp_session s;
	static char why[400];
	struct snmpq *q = xcalloc(1, sizeof *q);

	snmp_sess_init(&s);
	/* an IPv6 literal needs brackets and the udp6 transport */
	if (strchr(c->host, ':'))
		snprintf(q->peer, sizeof q->peer, "udp6:[%s]:%ld", c->host, c->port);
	else
		snprintf(q->peer, sizeof q->peer, "udp:%s:%ld", c->host, c->port);
	s.peername = q->peer;
	s.version = c->version == 1 ? SNMP_VERSION_1 : c->version == 2 ? SNMP_VERSION_2c : SNMP_VERSION_3;
	q->version = c->version;
	q->priv = c->version == 3 && c->level == SNMP_AUTH_PRIV;
	q->retries = c->retries;
	s.retries = c->retries;
	s.timeout = per_try_us(c->retries);
	if (c->version == 3) {
		const char *err = setup_v3(&s, c);
		if (err) {
			free(q);
			return err;
		}
	} else {
		s.community = (u_char *)c->community;
		s.community_len = strlen(c->community);
	}
	/* v3 discovers the agent's engine here: a first round trip */
	q->sess = snmp_sess_open(&s);
	if (!q->sess) {
		char *msg = NULL;
		int liberr = 0, syserr = 0;
		snmp_error(&s, &liberr, &syserr, &msg);
		bool timeout = liberr == SNMPERR_TIMEOUT;
		snprintf(why, sizeof why, "%s%s: %s", timeout ? "no response from " : "cannot open a session to ",
		         c->host, msg ? msg : "unknown error");
		free(msg);
		free(q);
		*out = NULL;
		return why;
	}
	*out = q;
	return NULL;
}

void snmpq_close(struct snmpq *q)
{
	if (!q)
		return;
	snmp_sess_close(q->sess);
	free(q);
}

static void convert(const netsnmp_variable_list *vb, struct snmp_value *v)
{
	char tmp[64];
	memset(v, 0, sizeof *v);
	v->oid.len = vb->name_length > SNMP_OID_MAX ? SNMP_OID_MAX : vb->name_length;
	for (size_t i = 0; i < v->oid.len; i++)
		v->oid.v[i] = vb->name[i];
	switch (vb->type) {
	case ASN_INTEGER:
		snmp_value_integer(v, SV_INTEGER, (unsigned long long)(long long)*vb->val.integer);
		return;
	case ASN_GAUGE: case ASN_COUNTER: case ASN_TIMETICKS: case ASN_UINTEGER:
		snmp_value_integer(v, vb->type == ASN_GAUGE ? SV_GAUGE : vb->type == ASN_COUNTER ? SV_COUNTER32
		                      : vb->type == ASN_TIMETICKS ? SV_TIMETICKS : SV_UINTEGER,
		                   (unsigned long long)*vb->val.integer);
		return;
	case ASN_COUNTER64:
		snmp_value_integer(v, SV_COUNTER64, ((unsigned long long)vb->val.counter64->high << 32)
		                                      | (vb->val.counter64->low & 0xffffffffUL));
		return;
	case ASN_OCTET_STR:
		snmp_value_octets(v, SV_STRING, vb->val.string, vb->val_len);
		return;
	case ASN_OPAQUE:
		snmp_value_octets(v, SV_OPAQUE, vb->val.string, vb->val_len);
		return;
	case ASN_OBJECT_ID: {
		struct snmp_oid o = { .len = vb->val_len / sizeof(oid) };
		if (o.len > SNMP_OID_MAX)
			o.len = SNMP_OID_MAX;
		for (size_t i = 0; i < o.len; i++)
			o.v[i] = vb->val.objid[i];
		char s[SNMP_OID_MAX * 11];
		snmp_oid_format(&o, s, sizeof s);
		v->type = SV_OID;
		v->text = xstrdup(s);
		return;
	}
	case ASN_IPADDRESS:
		v->type = SV_IPADDRESS;
		if (vb->val_len == 4)
			snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", vb->val.string[0], vb->val.string[1], vb->val.string[2],
			         vb->val.string[3]);
		else
			snprintf(tmp, sizeof tmp, "?");
		break;
	case ASN_NULL: v->type = SV_NULL; snprintf(tmp, sizeof tmp, "NULL"); break;
	case SNMP_NOSUCHOBJECT: v->type = SV_NOSUCHOBJECT; snprintf(tmp, sizeof tmp, "noSuchObject"); break;
	case SNMP_NOSUCHINSTANCE: v->type = SV_NOSUCHINSTANCE; snprintf(tmp, sizeof tmp, "noSuchInstance"); break;
	case SNMP_ENDOFMIBVIEW: v->type = SV_ENDOFMIB; snprintf(tmp, sizeof tmp, "endOfMibView"); break;
	default: v->type = SV_OTHER; snprintf(tmp, sizeof tmp, "type 0x%02x", vb->type); break;
	}
	v->text = xstrdup(tmp);
}

/* Agents drop what they cannot authenticate without a word. */
static const char *hint(const struct snmpq *q)
{
	return q->priv ? ": down, filtered, or a wrong privacy passphrase"
	       : q->version == 3 ? ": down or filtered"
	       : ": down, filtered, or a wrong community";
}

/* One request and its answer; *resp is the caller's to free on SNMPQ_OK. */
static enum snmp_status request(struct snmpq *q, netsnmp_pdu *pdu, netsnmp_pdu **resp, struct buf *err)
{
	netsnmp_session *sp = snmp_sess_session(q->sess);
	double left = budget();
	*resp = NULL;
	if (left < 0.05) {
		snmp_free_pdu(pdu);
		buf_printf(err, "no response from %s before the timeout", q->peer + (q->peer[3] == '6' ? 5 : 4));
		return SNMPQ_NORESPONSE;
	}
	sp->retries = q->retries;
	sp->timeout = per_try_us(q->retries);
	int st = snmp_sess_synch_response(q->sess, pdu, resp);
	if (st == STAT_SUCCESS && *resp) {
		if ((*resp)->errstat == SNMP_ERR_NOERROR)
			return SNMPQ_OK;
		buf_printf(err, "agent error: %s", snmp_errstring((int)(*resp)->errstat));
		if ((*resp)->errindex > 0) {
			long i = 1;
			for (netsnmp_variable_list *vb = (*resp)->variables; vb; vb = vb->next_variable, i++)
				if (i == (*resp)->errindex) {
					struct snmp_value v;
					convert(vb, &v);
					char s[SNMP_OID_MAX * 11];
					snmp_oid_format(&v.oid, s, sizeof s);
					buf_printf(err, " (OID %s)", s);
					snmp_value_free(&v);
				}
		}
		snmp_free_pdu(*resp);
		*resp = NULL;
		return SNMPQ_ERROR;
	}
	if (*resp)
		snmp_free_pdu(*resp);
	*resp = NULL;
	const char *host = q->peer + (q->peer[3] == '6' ? 5 : 4);
	if (st == STAT_TIMEOUT) {
		buf_printf(err, "no response from %s (%d tr%s, %.1fs)%s", host, q->retries + 1,
		           q->retries ? "ies" : "y", (double)sp->timeout / 1e6 * (q->retries + 1), hint(q));
		return SNMPQ_NORESPONSE;
	}
	char *msg = NULL;
	int liberr = 0, syserr = 0;
	snmp_sess_error(q->sess, &liberr, &syserr, &msg);
	/* SNMPv3's engine discovery that gets no answer ends here, not in
	 * STAT_TIMEOUT; after datagrams it could not parse the message is
	 * "Timeout (parse header length ...)": still no answer, not an error */
	bool timeout = liberr == SNMPERR_TIMEOUT
	               || (msg && strncmp(msg, "Timeout", 7) == 0 && (msg[7] == '\0' || msg[7] == ' '));
	if (timeout)
		buf_printf(err, "no response from %s (%d tr%s, %.1fs)%s", host, q->retries + 1, q->retries ? "ies" : "y",
		           (double)sp->timeout / 1e6 * (q->retries + 1), hint(q));
	else
		buf_printf(err, "%s: %s", host, msg ? msg : "request failed");
	free(msg);
	return timeout ? SNMPQ_NORESPONSE : SNMPQ_ERROR;
}

enum snmp_status snmpq_get(struct snmpq *q, const struct snmp_oid *oids, size_t n, struct snmp_value *out,
                           struct buf *err)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp;
	for (size_t i = 0; i < n; i++) {
		oid o[SNMP_OID_MAX];
		for (size_t k = 0; k < oids[i].len; k++)
			o[k] = oids[i].v[k];
		snmp_add_null_var(pdu, o, oids[i].len);
	}
	enum snmp_status st = request(q, pdu, &resp, err);
	if (st != SNMPQ_OK)
		return st;
	size_t i = 0;
	for (netsnmp_variable_list *vb = resp->variables; vb && i < n; vb = vb->next_variable)
		convert(vb, &out[i++]);
	snmp_free_pdu(resp);
	if (i < n) {
		for (size_t k = 0; k < i; k++)
			snmp_value_free(&out[k]);
		buf_printf(err, "the agent answered %zu of %zu objects", i, n);
		return SNMPQ_ERROR;
	}
	return SNMPQ_OK;
}

enum snmp_status snmpq_walk(struct snmpq *q, const struct snmp_oid *root, struct snmp_value **out, size_t *n,
                            struct buf *err)
{
	enum { MAX_ROWS = 200000 };
	struct snmp_oid cur = *root;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (;;) {
		netsnmp_pdu *pdu = snmp_pdu_create(q->version == 1 ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK), *resp;
		if (q->version != 1) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = 40;
		}
		oid o[SNMP_OID_MAX];
		for (size_t k = 0; k < cur.len; k++)
			o[k] = cur.v[k];
		snmp_add_null_var(pdu, o, cur.len);
		enum snmp_status st = request(q, pdu, &resp, err);
		if (st == SNMPQ_ERROR && q->version == 1 && strstr(buf_cstr(err), "noSuchName")) {
			/* SNMPv1's end of the MIB */
			buf_reset(err);
			return SNMPQ_OK;
		}
		if (st != SNMPQ_OK) {
			snmp_values_free(*out, *n);
			*out = NULL;
			*n = 0;
			return st;
		}
		bool done = resp->variables == NULL;
		for (netsnmp_variable_list *vb = resp->variables; vb; vb = vb->next_variable) {
			struct snmp_value v;
			convert(vb, &v);
			if (v.type == SV_ENDOFMIB || !snmp_oid_under(&v.oid, root, true)) {
				snmp_value_free(&v);
				done = true;
				break;
			}
			/* an agent that does not move forward would loop for ever */
			if (snmp_oid_cmp(&v.oid, &cur) <= 0 || *n >= MAX_ROWS) {
				snmp_value_free(&v);
				snmp_free_pdu(resp);
				buf_printf(err, "the agent's walk does not move forward (or is over %d rows)", MAX_ROWS);
				snmp_values_free(*out, *n);
				*out = NULL;
				*n = 0;
				return SNMPQ_ERROR;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*out = xrealloc(*out, cap * sizeof **out);
			}
			cur = v.oid;
			(*out)[(*n)++] = v;
		}
		snmp_free_pdu(resp);
		if (done)
			return SNMPQ_OK;
	}
}
