/* check_dns's measuring code on ldns: one resolver for one server, one
 * question asked over UDP (ldns) with a TCP retry on truncation (lib/net,
 * one deadline for the whole exchange), every reply
 * checked against the question before it is believed, and the helpers
 * that turn answer records into the text the status line shows and -a
 * matches. Each step returns a code; check_dns.c decides what to say. */
#ifndef MAMORI_DNS_QUERY_H
#define MAMORI_DNS_QUERY_H
#include <stdbool.h>
#include <ldns/ldns.h>

#include "buf.h"

enum dns_result {
	DNS_OK = 0,          /* a reply to our question (any rcode) */
	DNS_NO_REPLY,        /* nothing came back before the deadline */
	DNS_CLOSED,          /* TCP: the server closed without a whole reply */
	DNS_CONNECT_FAIL,    /* TCP connect or UDP send failed (errno in err, else why in detail) */
	DNS_MALFORMED,       /* bytes came back that ldns cannot parse */
	DNS_WRONG_ID,        /* a reply with another id than the query's */
	DNS_NOT_REPLY,       /* QR clear or another opcode */
	DNS_WRONG_QUESTION,  /* a reply to another question */
	DNS_TRUNCATED,       /* TC set even over TCP */
	DNS_FAILED,          /* ldns could not send (ldns status in status) */
};

struct dns_reply {
	enum dns_result result;
	ldns_pkt *pkt;          /* DNS_OK: the reply, owned (dns_reply_free) */
	bool tcp;               /* the reply came over TCP */
	bool truncated_udp;     /* ... because the UDP one had TC set */
	int udp_tries, tcp_tries;
	ldns_status status;     /* the last ldns status */
	int err;                /* errno of a failed connect or send, 0 if only detail says why */
	double seconds;         /* first send to the accepted reply (or to the give-up) */
	double last_wait;       /* the per-try timeout of the last try */
	char detail[256];       /* what was wrong with a rejected reply */
};

struct dns_ask {
	bool tcp;               /* TCP only */
	bool recurse;           /* set RD */
	int udp_tries;          /* >= 1; the remaining time is shared among them */
};

/* A resolver for one server: an address or a host name (resolved here;
 * check_dns reads resolv.conf itself, bounded). On failure returns NULL
 * and a reason in why. */
ldns_resolver *dns_resolver_open(const char *server, unsigned port, char *why, size_t why_size);
/* The address the resolver asks, for messages ("127.0.0.1", "::1"). */
void dns_server_text(const ldns_resolver *r, char *out, size_t size);

/* The name to ask for: HOST as a domain name, or, when HOST is an IP
 * address and *type is 0 or PTR, its reverse name (then *type = PTR).
 * NULL when HOST is no valid name. Free with ldns_rdf_deep_free. */
ldns_rdf *dns_question_name(const char *host, ldns_rr_type *type);

/* Ask name/type/IN, within timeout_remaining() minus a margin so the
 * plugin can say why before the -t alarm fires. */
void dns_query(ldns_resolver *r, const ldns_rdf *name, ldns_rr_type type,
               const struct dns_ask *ask, struct dns_reply *out);
void dns_reply_free(struct dns_reply *rep);
/* Is A the reply to query Q (id, QR, opcode, question)? DNS_OK or why
 * not, with detail. (Exposed for the fuzz/unit tests.) */
enum dns_result dns_check_reply(const ldns_pkt *q, const ldns_pkt *a, char *detail, size_t n);
/* One line for a failed query: "no reply from 127.0.0.1 port 53 over UDP ..." */
void dns_reply_reason(const struct dns_reply *rep, const char *server, unsigned port,
                      struct buf *out);

/* A record's data as dig prints it: "192.0.2.1", "10 mail.example.",
 * "\"v=spf1 -all\"". Owned by the caller (free). */
char *dns_rdata_text(const ldns_rr *rr);
/* Does EXPECTED name this record? An address or CIDR block for A/AAAA
 * (compared as numbers), else the whole data or its last field (the
 * target of MX, SRV, NS, CNAME, PTR) with or without the final dot, names
 * in any case; for TXT also the unquoted text of the strings joined. */
bool dns_rr_matches(const ldns_rr *rr, const char *expected);
/* Is EXPECTED usable for -a: not empty, and for A/AAAA a valid block if
 * it holds a '/'? */
bool dns_expected_valid(ldns_rr_type type, const char *expected);

/* The answer records of the replies: those of the asked type (any type
 * for ANY), and the CNAMEs that led to them. Pointers into the packets,
 * which must outlive this. */
struct dns_records {
	const ldns_rr **rr;
	size_t n;
	const ldns_rr **alias;
	size_t nalias;
};
void dns_records_add(struct dns_records *rec, const ldns_pkt *pkt, ldns_rr_type asked);
/* "192.0.2.1,192.0.2.2": sorted as monitoring-plugins sorts them (so a
 * round-robin order does not change the status line), duplicates once;
 * the CNAME targets when nothing else came. with_type: "MX 10 mx.example." */
void dns_records_text(const struct dns_records *rec, bool with_type, struct buf *out);
/* A record or a CNAME matches EXPECTED (dns_rr_matches). */
bool dns_records_have(const struct dns_records *rec, const char *expected);
/* Every record of the asked type is matched by one of EXPECTED. */
bool dns_records_all_named(const struct dns_records *rec, char *const *expected, size_t n);
void dns_records_free(struct dns_records *rec);

#endif
