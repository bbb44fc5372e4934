#include "dns_query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "net.h"
#include "num.h"
#include "timeout.h"

/* An IPv4 or IPv6 literal as an ldns address rdf, or NULL. */
static ldns_rdf *address_rdf(const char *s)
{
	unsigned char bin[16];
	if (inet_pton(AF_INET, s, bin) == 1)
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, s);
	if (inet_pton(AF_INET6, s, bin) == 1)
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, s);
	return NULL;
}

/* Letters, digits, '-', '_' and dots: a host name we may hand to the
 * system resolver. Anything else is refused before any lookup. */
static bool hostname_syntax(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return false;
	return strspn(s, "0123456789.") != n;  /* all digits and dots: a bad IPv4 address */
}

static ldns_rdf *server_rdf(const char *server, char *why, size_t why_size)
{
	char lit[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(server);
	/* "[::1]" as well as "::1" */
	if (n >= 2 && n < sizeof lit && server[0] == '[' && server[n - 1] == ']') {
		memcpy(lit, server + 1, n - 2);
		lit[n - 2] = '\0';
		server = lit;
	}
	ldns_rdf *a = address_rdf(server);
	if (a)
		return a;
	if (!hostname_syntax(server)) {
		snprintf(why, why_size, "server '%.64s' is neither an IP address nor a host name", server);
		return NULL;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int rc = getaddrinfo(server, NULL, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(why, why_size, "cannot resolve server %.64s: %s", server, gai_strerror(rc));
		return NULL;
	}
	char text[INET6_ADDRSTRLEN] = "";
	const void *bin = res->ai_family == AF_INET6
		? (const void *)&((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr
		: (const void *)&((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	inet_ntop(res->ai_family, bin, text, sizeof text);
	freeaddrinfo(res);
	return address_rdf(text);
}

ldns_resolver *dns_resolver_open(const char *server, unsigned port, char *why, size_t why_size)
{
	ldns_rdf *addr = server_rdf(server, why, why_size);
	if (!addr)
		return NULL;
	ldns_resolver *r = ldns_resolver_new();
	if (!r || ldns_resolver_push_nameserver(r, addr) != LDNS_STATUS_OK) {
		snprintf(why, why_size, "out of memory");
		ldns_rdf_deep_free(addr);
		if (r)
			ldns_resolver_deep_free(r);
		return NULL;
	}
	ldns_rdf_deep_free(addr);
	ldns_resolver_set_port(r, (uint16_t)port);
	/* we retry ourselves, each try with the time that is left */
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_retrans(r, 0);
	ldns_resolver_set_fallback(r, false);
	ldns_resolver_set_random(r, false);
	ldns_resolver_set_dnsrch(r, false);
	ldns_resolver_set_defnames(r, false);
	ldns_resolver_set_edns_udp_size(r, 0);
	return r;
}

void dns_server_text(const ldns_resolver *r, char *out, size_t size)
{
	char *s = ldns_resolver_nameserver_count(r) ? ldns_rdf2str(ldns_resolver_nameservers(r)[0]) : NULL;
	snprintf(out, size, "%s", s ? s : "?");
	free(s);
}

ldns_rdf *dns_question_name(const char *host, ldns_rr_type *type)
{
	ldns_rdf *a = address_rdf(host);
	if (a && (*type == 0 || *type == LDNS_RR_TYPE_PTR)) {
		ldns_rdf *rev = ldns_rdf_address_reverse(a);
		ldns_rdf_deep_free(a);
		*type = LDNS_RR_TYPE_PTR;
		return rev;
	}
	if (a)
		ldns_rdf_deep_free(a);
	return *host ? ldns_dname_new_frm_str(host) : NULL;
}

static char *rr_head(const ldns_rr *rr)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
	char *cls = ldns_rr_class2str(ldns_rr_get_class(rr));
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s %s %s", owner ? owner : "?", cls ? cls : "?", type ? type : "?");
	free(owner);
	free(type);
	free(cls);
	return b.s;
}

/* Is this the reply to our query? ldns 1.8 takes the first datagram that
 * arrives on the socket, from anyone, so the id and the question are ours
 * to check. */
enum dns_result dns_check_reply(const ldns_pkt *q, const ldns_pkt *a, char *detail, size_t n)
{
	if (ldns_pkt_id(a) != ldns_pkt_id(q)) {
		snprintf(detail, n, "id %u instead of %u", ldns_pkt_id(a), ldns_pkt_id(q));
		return DNS_WRONG_ID;
	}
	if (!ldns_pkt_qr(a) || ldns_pkt_get_opcode(a) != LDNS_PACKET_QUERY) {
		snprintf(detail, n, "%s", !ldns_pkt_qr(a) ? "QR bit clear" : "opcode is not QUERY");
		return DNS_NOT_REPLY;
	}
	const ldns_rr_list *qs = ldns_pkt_question(a);
	size_t nq = ldns_rr_list_rr_count(qs);
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(a);
	/* an error reply may leave the question out (RFC 1035 4.1.1 FORMERR, NOTIMP ...) */
	if (nq == 0 && rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return DNS_OK;
	if (nq != 1) {
		snprintf(detail, n, "%zu questions", nq);
		return DNS_WRONG_QUESTION;
	}
	const ldns_rr *mine = ldns_rr_list_rr(ldns_pkt_question(q), 0), *theirs = ldns_rr_list_rr(qs, 0);
	if (ldns_dname_compare(ldns_rr_owner(mine), ldns_rr_owner(theirs)) != 0 ||
	    ldns_rr_get_type(mine) != ldns_rr_get_type(theirs) ||
	    ldns_rr_get_class(mine) != ldns_rr_get_class(theirs)) {
		char *h = rr_head(theirs);
		snprintf(detail, n, "%.200s", h ? h : "?");
		free(h);
		return DNS_WRONG_QUESTION;
	}
	return DNS_OK;
}

/* The time this try may take: what is left before the -t alarm, less a
 * margin to print our own reason, shared among the tries still to make. */
static double try_budget(int tries_left)
{
	double left = timeout_remaining();
	left -= 0.05 + left * 0.02;
	return left > 0 ? left / tries_left : 0;
}

/* One UDP try through ldns: DNS_OK with *reply set, or why not. */
static enum dns_result udp_try(ldns_resolver *r, const ldns_pkt *q, double wait,
                               ldns_pkt **reply, struct dns_reply *out)
{
	ldns_resolver_set_timeout(r, (struct timeval){ .tv_sec = (time_t)wait,
	                              .tv_usec = (suseconds_t)((wait - (double)(time_t)wait) * 1e6) });
	/* a failed try marks the server unreachable; we decide that ourselves */
	ldns_resolver_set_nameserver_rtt(r, 0, LDNS_RESOLV_RTT_MIN);
	errno = 0;
	ldns_status st = ldns_send(reply, r, q);
	int err = errno;
	out->status = st;
	if (st == LDNS_STATUS_OK && *reply)
		return DNS_OK;
	if (*reply)
		ldns_pkt_free(*reply);
	*reply = NULL;
	if (st == LDNS_STATUS_NETWORK_ERR)
		return DNS_NO_REPLY;
	if (st == LDNS_STATUS_ERR || st == LDNS_STATUS_SOCKET_ERROR) {
		out->err = err;   /* the socket or the send failed */
		return DNS_CONNECT_FAIL;
	}
	snprintf(out->detail, sizeof out->detail, "%s", ldns_get_errorstr_by_id(st));
	return st == LDNS_STATUS_MEM_ERR || st == LDNS_STATUS_RES_NO_NS ? DNS_FAILED : DNS_MALFORMED;
}

/* One TCP try on lib/net rather than ldns: ldns restarts its timeout with
 * every byte read, so a server dripping a byte a second would hold it
 * until the -t alarm. Here connect, send and the whole reply share one
 * deadline of WAIT seconds. DNS_OK with *reply set, or why not. */
static enum dns_result tcp_try(const ldns_resolver *r, const ldns_pkt *q, double wait,
                               ldns_pkt **reply, struct dns_reply *out)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	ldns_status st = ldns_pkt2wire(&wire, q, &len);
	out->status = st;
	if (st != LDNS_STATUS_OK || len > 0xffff) {
		free(wire);
		return DNS_FAILED;
	}
	char server[INET6_ADDRSTRLEN + 8];
	dns_server_text(r, server, sizeof server);
	struct conn c;
	conn_init(&c, wait);
	enum net_result nr = net_connect(&c, server, ldns_resolver_port(r), AF_UNSPEC);
	struct buf msg = BUF_INIT;
	if (nr == NET_OK) {
		/* RFC 1035 4.2.2: a two-byte length, then the message */
		buf_putc(&msg, (char)(len >> 8));
		buf_putc(&msg, (char)(len & 0xff));
		buf_add(&msg, (const char *)wire, len);
		nr = net_write(&c, msg.s, msg.len);
		buf_reset(&msg);
	}
	free(wire);
	if (nr != NET_OK && nr != NET_TIMEOUT && nr != NET_CLOSED) {
		net_close(&c);
		buf_free(&msg);
		out->err = nr == NET_REFUSED ? ECONNREFUSED : nr == NET_CONNECT_TIMEOUT ? ETIMEDOUT : 0;
		snprintf(out->detail, sizeof out->detail, "%s", c.detail);
		return DNS_CONNECT_FAIL;
	}
	size_t need = 2;
	while (nr == NET_OK && msg.len < need) {
		nr = net_read_some(&c, &msg, need);
		if (nr == NET_OK && need == 2 && msg.len >= 2)
			need = 2 + ((size_t)(unsigned char)msg.s[0] << 8 | (unsigned char)msg.s[1]);
	}
	net_close(&c);
	enum dns_result v = DNS_OK;
	if (nr == NET_TIMEOUT) {
		v = DNS_NO_REPLY;
	} else if (nr != NET_OK) {
		v = DNS_CLOSED;   /* an orderly close or a reset before the whole reply */
	} else {
		st = ldns_wire2pkt(reply, (const uint8_t *)msg.s + 2, msg.len - 2);
		out->status = st;
		if (st != LDNS_STATUS_OK) {
			*reply = NULL;
			snprintf(out->detail, sizeof out->detail, "%s", ldns_get_errorstr_by_id(st));
			v = DNS_MALFORMED;
		}
	}
	buf_free(&msg);
	return v;
}

void dns_query(ldns_resolver *r, const ldns_rdf *name, ldns_rr_type type,
               const struct dns_ask *ask, struct dns_reply *out)
{
	memset(out, 0, sizeof *out);
	/* ldns_resolver_prepare_query_pkt() would draw the id with RAND_bytes(),
	 * whose start-up (OpenSSL's DRBG and config) costs more than the whole
	 * query on loopback; the kernel's getrandom() is as unpredictable. */
	uint16_t id = 0;
	while (id == 0 && getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
		;
	ldns_pkt *q = ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN,
	                                 ask->recurse ? LDNS_RD : 0);
	if (!q) {
		out->status = LDNS_STATUS_MEM_ERR;
		out->result = DNS_FAILED;
		return;
	}
	ldns_pkt_set_id(q, id);
	double t0 = monotonic_now();
	bool tcp = ask->tcp;
	int tries_left = tcp ? 1 : (ask->udp_tries > 0 ? ask->udp_tries : 1);
	out->result = DNS_NO_REPLY;
	while (tries_left > 0) {
		double wait = try_budget(tries_left);
		if (wait < 0.001)
			break;
		ldns_pkt *reply = NULL;
		enum dns_result v = tcp ? tcp_try(r, q, wait, &reply, out) : udp_try(r, q, wait, &reply, out);
		if (tcp)
			out->tcp_tries++;
		else
			out->udp_tries++;
		out->last_wait = wait;
		tries_left--;
		if (v == DNS_NO_REPLY && !tcp)
			continue;   /* UDP: the next try, if any */
		if (v == DNS_OK) {
			v = dns_check_reply(q, reply, out->detail, sizeof out->detail);
			if (v == DNS_OK && ldns_pkt_tc(reply)) {
				if (!tcp) {
					/* the answer did not fit: ask again over TCP with all the time left */
					ldns_pkt_free(reply);
					out->truncated_udp = true;
					tcp = true;
					tries_left = 1;
					continue;
				}
				v = DNS_TRUNCATED;
			}
			if (v == DNS_OK)
				out->pkt = reply;
			else
				ldns_pkt_free(reply);
		}
		out->result = v;
		break;
	}
	out->tcp = tcp;
	out->seconds = monotonic_now() - t0;
	ldns_pkt_free(q);
}

void dns_reply_free(struct dns_reply *rep)
{
	if (rep->pkt)
		ldns_pkt_free(rep->pkt);
	rep->pkt = NULL;
}

void dns_reply_reason(const struct dns_reply *rep, const char *server, unsigned port, struct buf *out)
{
	const char *proto = rep->tcp ? "TCP" : "UDP";
	const char *after = rep->truncated_udp ? " after a truncated UDP reply" : "";
	switch (rep->result) {
	case DNS_OK:
		buf_printf(out, "reply from %s port %u over %s", server, port, proto);
		break;
	case DNS_NO_REPLY:
		if (rep->udp_tries + rep->tcp_tries == 0)
			buf_printf(out, "no time left to ask %s port %u", server, port);
		else if (rep->tcp)
			buf_printf(out, "no reply from %s port %u over TCP%s within %.1f seconds",
			           server, port, after, rep->last_wait);
		else
			buf_printf(out, "no reply from %s port %u over UDP within %.1f seconds (%d %s)",
			           server, port, rep->seconds, rep->udp_tries, rep->udp_tries == 1 ? "try" : "tries");
		break;
	case DNS_CLOSED:
		buf_printf(out, "%s port %u closed the TCP connection%s without a whole reply", server, port, after);
		break;
	case DNS_CONNECT_FAIL:
		if (rep->tcp)
			buf_printf(out, "cannot connect to %s port %u over TCP%s: %s", server, port, after,
			           rep->err ? strerror(rep->err) : rep->detail[0] ? rep->detail : "connection failed");
		else
			buf_printf(out, "cannot send to %s port %u over UDP: %s", server, port,
			           rep->err ? strerror(rep->err) : "socket error");
		break;
	case DNS_MALFORMED:
		buf_printf(out, "malformed reply from %s port %u over %s: %s", server, port, proto, rep->detail);
		break;
	case DNS_WRONG_ID:
		buf_printf(out, "reply from %s port %u over %s has the wrong %s: rejected", server, port, proto, rep->detail);
		break;
	case DNS_NOT_REPLY:
		buf_printf(out, "packet from %s port %u over %s is not a DNS reply (%s)", server, port, proto, rep->detail);
		break;
	case DNS_WRONG_QUESTION:
		buf_printf(out, "reply from %s port %u over %s answers another question (%s): rejected",
		           server, port, proto, rep->detail);
		break;
	case DNS_TRUNCATED:
		buf_printf(out, "reply from %s port %u is truncated even over TCP", server, port);
		break;
	case DNS_FAILED:
		buf_printf(out, "cannot query %s port %u: %s", server, port, ldns_get_errorstr_by_id(rep->status));
		break;
	}
}

char *dns_rdata_text(const ldns_rr *rr)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, s ? s : "?");
		free(s);
	}
	return b.s ? b.s : xstrdup("");
}

/* "a.example." equals "A.example" : names compare without case and with
 * or without their final dot. */
static bool text_eq(const char *have, const char *want)
{
	size_t h = strlen(have), w = strlen(want);
	if (h && have[h - 1] == '.')
		h--;
	if (w && want[w - 1] == '.')
		w--;
	return h == w && strncasecmp(have, want, h) == 0;
}

/* "192.0.2.1", "2001:db8::/32": the address bytes, their length and the
 * prefix length; false when TEXT is no address or block. */
static bool parse_cidr(const char *text, unsigned char addr[16], size_t *len, long *bits)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	if (n >= sizeof host)
		return false;
	memcpy(host, text, n);
	host[n] = '\0';
	int family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, host, addr) != 1)
		return false;
	*len = family == AF_INET ? 4 : 16;
	*bits = (long)*len * 8;
	return !slash || num_parse_long(slash + 1, 0, *bits, bits);
}

/* 1: EXPECTED (address or CIDR) covers the address rdf; 0: it does not;
 * -1: EXPECTED is no address at all. */
static int address_match(const ldns_rdf *rdf, const char *expected)
{
	unsigned char want[16];
	size_t len;
	long bits;
	if (!parse_cidr(expected, want, &len, &bits))
		return -1;
	if (ldns_rdf_size(rdf) != len)
		return 0;   /* an IPv6 address never matches an A record */
	const unsigned char *have = ldns_rdf_data(rdf);
	size_t whole = (size_t)bits / 8;
	if (memcmp(have, want, whole) != 0)
		return 0;
	unsigned rest = (unsigned)bits % 8;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((have[whole] & mask) != (want[whole] & mask))
			return 0;
	}
	return 1;
}

bool dns_expected_valid(ldns_rr_type type, const char *expected)
{
	unsigned char addr[16];
	size_t len;
	long bits;
	if (!*expected)
		return false;
	if (type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA)
		return true;
	/* a slash in an address check only makes sense in a CIDR block */
	return !strchr(expected, '/') || parse_cidr(expected, addr, &len, &bits);
}

bool dns_rr_matches(const ldns_rr *rr, const char *expected)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	size_t n = ldns_rr_rd_count(rr);
	if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) && n == 1) {
		int m = address_match(ldns_rr_rdf(rr, 0), expected);
		if (m >= 0)
			return m == 1;
	}
	char *all = dns_rdata_text(rr);
	bool ok = text_eq(all, expected);
	free(all);
	if (!ok && n > 1) {
		char *last = ldns_rdf2str(ldns_rr_rdf(rr, n - 1));
		ok = last && text_eq(last, expected);
		free(last);
	}
	if (!ok && t == LDNS_RR_TYPE_TXT) {
		/* the strings as they are, joined: what SPF and DKIM readers see */
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < n; i++) {
			const ldns_rdf *s = ldns_rr_rdf(rr, i);
			if (ldns_rdf_size(s) >= 1)
				buf_add(&b, (const char *)ldns_rdf_data(s) + 1, ldns_rdf_size(s) - 1);
		}
		ok = strcmp(buf_cstr(&b), expected) == 0;
		buf_free(&b);
	}
	return ok;
}

void dns_records_add(struct dns_records *rec, const ldns_pkt *pkt, ldns_rr_type asked)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t j = 0; j < ldns_rr_list_rr_count(an); j++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, j);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (asked == LDNS_RR_TYPE_ANY || t == asked) {
			rec->rr = xrealloc(rec->rr, (rec->n + 1) * sizeof *rec->rr);
			rec->rr[rec->n++] = rr;
		} else if (t == LDNS_RR_TYPE_CNAME) {
			rec->alias = xrealloc(rec->alias, (rec->nalias + 1) * sizeof *rec->alias);
			rec->alias[rec->nalias++] = rr;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dns_records_text(const struct dns_records *rec, bool with_type, struct buf *out)
{
	const ldns_rr **list = rec->n ? rec->rr : rec->alias;
	size_t n = rec->n ? rec->n : rec->nalias;
	char **texts = xcalloc(n ? n : 1, sizeof *texts);
	for (size_t i = 0; i < n; i++) {
		char *data = dns_rdata_text(list[i]);
		if (with_type) {
			char *type = ldns_rr_type2str(ldns_rr_get_type(list[i]));
			struct buf b = BUF_INIT;
			buf_printf(&b, "%s %s", type ? type : "?", data);
			free(type);
			free(data);
			data = b.s;
		}
		texts[i] = data;
	}
	qsort(texts, n, sizeof *texts, cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(texts[i], texts[i - 1]) != 0)   /* a CNAME in both A and AAAA replies */
			buf_printf(out, "%s%s", out->len ? "," : "", texts[i]);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
}

bool dns_records_have(const struct dns_records *rec, const char *expected)
{
	for (size_t i = 0; i < rec->n; i++)
		if (dns_rr_matches(rec->rr[i], expected))
			return true;
	for (size_t i = 0; i < rec->nalias; i++)
		if (dns_rr_matches(rec->alias[i], expected))
			return true;
	return false;
}

bool dns_records_all_named(const struct dns_records *rec, char *const *expected, size_t n)
{
	for (size_t i = 0; i < rec->n; i++) {
		bool named = false;
		for (size_t j = 0; j < n && !named; j++)
			named = dns_rr_matches(rec->rr[i], expected[j]);
		if (!named)
			return false;
	}
	return true;
}

void dns_records_free(struct dns_records *rec)
{
	free(rec->rr);
	free(rec->alias);
	rec->rr = rec->alias = NULL;
	rec->n = rec->nalias = 0;
}
