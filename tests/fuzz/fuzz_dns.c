/* check_dns's reading of a reply: the bytes ldns_wire2pkt accepts, then
 * our own judging (anyone on the path, or the server, shapes them): the
 * reply check against the question, the answer records and their text,
 * -a matching. A reply with another id or question is never accepted;
 * the records' text is one line; every record matches its own text.
 * SOURCES: plugins/dns_query.c lib/net.c
 * LIBS: -lldns */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netdb.h>
#include <netinet/in.h>

#include "../../plugins/dns_query.h"

/* ldns names each port of a WKS record through getservbyport, which
 * parses /etc/services per call: 30% of the harness's time went there.
 * The system's table is not under test; port 25 keeps a named branch. */
struct servent *getservbyport(int port, const char *proto)
{
	static char *none[] = { NULL };
	static struct servent smtp = { "smtp", none, 0, "tcp" };
	(void)proto;
	if (ntohs((uint16_t)port) != 25)
		return NULL;
	smtp.s_port = port;
	return &smtp;
}

/* ldns prints a tab inside a URI's text as it is: harmless on a status
 * line; a line break would not be */
static void one_line(const char *s)
{
	if (strpbrk(s, "\r\n"))
		abort();
}

static void judge(const ldns_pkt *q, const ldns_pkt *a)
{
	char detail[256] = "";
	enum dns_result r = dns_check_reply(q, a, detail, sizeof detail);
	if (r == DNS_OK) {
		if (ldns_pkt_id(a) != ldns_pkt_id(q) || !ldns_pkt_qr(a))
			abort();
		const ldns_rr_list *qs = ldns_pkt_question(a);
		if (ldns_rr_list_rr_count(qs) > 1)
			abort();
	} else {
		if (!detail[0])
			abort();  /* a rejected reply says why */
		one_line(detail);
		return;
	}
	const ldns_rr *mine = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	ldns_rr_type type = ldns_rr_get_type(mine);
	struct dns_records rec = { 0 };
	dns_records_add(&rec, a, type);
	struct buf text = BUF_INIT;
	dns_records_text(&rec, type == LDNS_RR_TYPE_ANY, &text);
	one_line(buf_cstr(&text));
	for (size_t i = 0; i < rec.n; i++) {
		char *data = dns_rdata_text(rec.rr[i]);
		one_line(data);
		if (!dns_rr_matches(rec.rr[i], data) || !dns_records_have(&rec, data))
			abort();  /* -a with what the status line showed must match */
		free(data);
	}
	char *expect[] = { "192.0.2.1", "mx.example.jp", "10.0.0.0/8" };
	(void)dns_records_all_named(&rec, expect, 3);
	(void)dns_records_have(&rec, "2001:db8::/32");
	dns_records_free(&rec);
	buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ldns_pkt *a = NULL;
	if (ldns_wire2pkt(&a, data, size) != LDNS_STATUS_OK)
		return 0;
	/* our question as check_dns asks it, with the reply's id so that the
	 * judging goes past the id check */
	static const ldns_rr_type types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_ANY };
	ldns_rr_type type = types[ldns_pkt_id(a) & 3];
	ldns_rdf *name = NULL;
	const ldns_rr *theirs = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	if (theirs && (ldns_pkt_id(a) & 4)) {
		name = ldns_rdf_clone(ldns_rr_owner(theirs));
		type = ldns_rr_get_type(theirs);
	} else {
		name = dns_question_name("www.example.jp", &type);
	}
	ldns_pkt *q = name ? ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, LDNS_RD) : NULL;
	if (q) {
		ldns_pkt_set_id(q, ldns_pkt_id(a));
		judge(q, a);
		ldns_pkt_set_id(q, (uint16_t)(ldns_pkt_id(a) + 1));
		char detail[256];
		if (dns_check_reply(q, a, detail, sizeof detail) != DNS_WRONG_ID)
			abort();
		ldns_pkt_free(q);
	}
	ldns_pkt_free(a);
	return 0;
}
