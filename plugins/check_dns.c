/* check_dns: ask one DNS server one question (ldns, UDP with a TCP retry
 * on truncation), then judge the reply: rcode, records (-a), the AA flag
 * (-A) and the response time. Output and perfdata as monitoring-plugins'
 * check_dns; the measuring code is in dns_query.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "buf.h"
#include "dns_query.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"

struct config {
	const char *host, *server;
	long port;
	ldns_rr_type type;           /* 0: A, then AAAA (as nslookup) */
	char **expect;               /* -a values as given, split after parsing */
	size_t nexpect;
	bool all, authority, tcp, norecurse, nxdomain;
	int rcode;                   /* -1: NOERROR with at least one record */
	struct range warn, crit;
};

enum { OPT_RCODE = 256, OPT_TCP, OPT_NORECURSE };

static const struct option_spec options[] = {
	{ "hostname", 'H', "NAME", "The name to look up; an IP address asks for its PTR record" },
	{ "server", 's', "HOST", "The DNS server to ask: an IPv4 or IPv6 address or a host name\n"
	                         "(default: the first nameserver of /etc/resolv.conf)" },
	{ "port", 'p', "PORT", "The server's port (default 53)" },
	{ "querytype", 'q', "TYPE", "The record type: A AAAA MX NS SOA TXT CNAME PTR SRV CAA ANY ...\n"
	                            "or TYPEnnn (default: A and AAAA, two queries, as nslookup)" },
	{ "expected-address", 'a', "VALUE", "CRITICAL unless the answer holds VALUE: an address or CIDR block,\n"
	                                     "a name (CNAME, PTR, MX or SRV target) or a record's data as dig\n"
	                                     "prints it. Repeat it or give a comma list: all must be there\n"
	                                     "(with -q TXT each -a is one whole string)" },
	{ "all", 'L', NULL, "With -a: CRITICAL also when the answer holds a record no -a names" },
	{ "expect-authority", 'A', NULL, "CRITICAL unless the reply is authoritative (AA flag set)" },
	{ "expect-nxdomain", 'E', NULL, "Expect NXDOMAIN: OK when the name does not exist (not with -a)" },
	{ "expect-nxdomain", 'n', NULL, "The same as -E (monitoring-plugins' letter)" },
	{ "rcode", OPT_RCODE, "RCODE", "Expect this response code: NOERROR, NXDOMAIN, SERVFAIL, REFUSED ...\n"
	                               "(--rcode NOERROR also accepts an empty answer)" },
	{ "tcp", OPT_TCP, NULL, "Ask over TCP only (default: UDP, then TCP if the reply is truncated)" },
	{ "norecurse", OPT_NORECURSE, NULL, "Do not ask for recursion (RD flag clear)" },
	{ "warning", 'w', "SECONDS", "WARNING when the response time is outside this range (\"0.5\": above 0.5 s)" },
	{ "critical", 'c', "SECONDS", "CRITICAL likewise" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_dns",
	.service = "DNS",
	.purpose = "Asks a DNS server for a name and checks the reply: that it comes, with the\n"
	           "expected response code, records and authority, within the time thresholds.",
	.usage = "-H NAME [-s SERVER] [-p PORT] [-q TYPE] [-a VALUE]... [-L] [-A] [-E | --rcode RCODE]\n"
	         "       [--tcp] [--norecurse] [-w SECONDS] [-c SECONDS] [-t SECONDS[:STATE]]",
	.options = options,
	.notes = "Every reply must carry the query's id and question, or it is rejected (CRITICAL).\n"
	         "UDP tries share the time left before -t; a truncated reply is asked again over TCP.\n"
	         "Perfdata: time (s), from the first query sent to the last reply accepted.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'H': cfg->host = arg; return NULL;
	case 's': cfg->server = arg; return NULL;
	case 'p': return opt_long(arg, 1, 65535, &cfg->port);
	case 'q':
		cfg->type = ldns_get_rr_type_by_name(arg);
		if (cfg->type == 0)
			return "unknown record type";
		if (cfg->type == LDNS_RR_TYPE_AXFR || cfg->type == LDNS_RR_TYPE_IXFR || cfg->type == LDNS_RR_TYPE_OPT)
			return "not a type one can query";
		return NULL;
	case 'a':
		cfg->expect = xrealloc(cfg->expect, (cfg->nexpect + 1) * sizeof *cfg->expect);
		cfg->expect[cfg->nexpect++] = xstrdup(arg);
		return NULL;
	case 'L': cfg->all = true; return NULL;
	case 'A': cfg->authority = true; return NULL;
	case 'E': case 'n': cfg->nxdomain = true; return NULL;
	case OPT_RCODE: {
		ldns_lookup_table *t = ldns_lookup_by_name(ldns_rcodes, arg);
		long v;
		if (t)
			cfg->rcode = t->id;
		else if (num_parse_long(arg, 0, 15, &v))
			cfg->rcode = (int)v;
		else
			return "not a response code (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or 0..15)";
		return NULL;
	}
	case OPT_TCP: cfg->tcp = true; return NULL;
	case OPT_NORECURSE: cfg->norecurse = true; return NULL;
	case 'w': return opt_range(arg, &cfg->warn);
	case 'c': return opt_range(arg, &cfg->crit);
	}
	return "unhandled option";
}

/* -a values: comma lists split (as mp), except TXT data, which may hold commas. */
static void split_expected(struct config *cfg)
{
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < cfg->nexpect; i++) {
		char *arg = cfg->expect[i], *save = NULL;
		size_t before = n;
		for (char *p = cfg->type == LDNS_RR_TYPE_TXT ? arg : strtok_r(arg, ",", &save); p && *p;
		     p = cfg->type == LDNS_RR_TYPE_TXT ? NULL : strtok_r(NULL, ",", &save)) {
			out = xrealloc(out, (n + 1) * sizeof *out);
			out[n++] = xstrdup(p);
		}
		if (n == before)
			plugin_die(STATE_UNKNOWN, "--expected-address: empty value (see check_dns --help)");
		free(arg);
	}
	free(cfg->expect);
	cfg->expect = out;
	cfg->nexpect = n;
	for (size_t i = 0; i < n; i++)
		if (!dns_expected_valid(cfg->type ? cfg->type : LDNS_RR_TYPE_A, out[i]))
			plugin_die(STATE_UNKNOWN, "--expected-address '%.64s': not an address or CIDR block", out[i]);
}

static void validate(struct config *cfg)
{
	if (!cfg->host || !*cfg->host)
		plugin_die(STATE_UNKNOWN, "no name to look up: give -H NAME (see check_dns --help)");
	if (cfg->nxdomain && cfg->nexpect)
		plugin_die(STATE_UNKNOWN, "-E (expect NXDOMAIN) and -a cannot be used together");
	if (cfg->nxdomain && cfg->rcode >= 0 && cfg->rcode != LDNS_RCODE_NXDOMAIN)
		plugin_die(STATE_UNKNOWN, "-E and --rcode ask for two different response codes");
	if (cfg->nxdomain)
		cfg->rcode = LDNS_RCODE_NXDOMAIN;
	if (cfg->all && !cfg->nexpect)
		plugin_die(STATE_UNKNOWN, "-L needs the expected records (-a)");
	split_expected(cfg);
}

/* -a: every value must be in the answer; with -L every record must be expected. */
static bool expected_ok(const struct config *cfg, const struct dns_records *rec)
{
	for (size_t i = 0; i < cfg->nexpect; i++)
		if (!dns_records_have(rec, cfg->expect[i]))
			return false;
	return !cfg->all || dns_records_all_named(rec, cfg->expect, cfg->nexpect);
}

static char *rcode_name(int rcode)
{
	char *s = ldns_pkt_rcode2str((ldns_pkt_rcode)rcode);
	return s ? s : xstrdup("?");
}

static void verbose_lines(struct check *c, const struct dns_reply *rep, int nrep, const ldns_rr_type *types,
                          const char *server, unsigned port)
{
	for (int i = 0; i < nrep; i++) {
		char *type = ldns_rr_type2str(types[i]);
		struct buf why = BUF_INIT;
		dns_reply_reason(&rep[i], server, port, &why);
		if (rep[i].result == DNS_OK) {
			const ldns_pkt *p = rep[i].pkt;
			char *rc = rcode_name(ldns_pkt_get_rcode(p));
			check_long(c, "%s: %s, %s%s%s%s%s, %u answer(s), %zu bytes, %.6f s%s, %s", type ? type : "?", rc,
			           ldns_pkt_qr(p) ? "qr" : "", ldns_pkt_aa(p) ? " aa" : "", ldns_pkt_tc(p) ? " tc" : "",
			           ldns_pkt_rd(p) ? " rd" : "", ldns_pkt_ra(p) ? " ra" : "", ldns_pkt_ancount(p),
			           ldns_pkt_size(p), rep[i].seconds,
			           rep[i].truncated_udp ? ", UDP reply truncated, asked again over TCP" : "", buf_cstr(&why));
			free(rc);
			const ldns_rr_list *an = ldns_pkt_answer(p);
			for (size_t j = 0; plugin_verbose > 1 && j < ldns_rr_list_rr_count(an); j++) {
				char *line = ldns_rr2str(ldns_rr_list_rr(an, j));
				if (line) {
					line[strcspn(line, "\n")] = '\0';
					check_long(c, "  %s", line);
				}
				free(line);
			}
		} else {
			check_long(c, "%s: %s", type ? type : "?", buf_cstr(&why));
		}
		free(type);
		buf_free(&why);
	}
}

/* Judge the replies into the status line (mp's wording where it has one). */
static void judge(struct check *c, const struct config *cfg, const struct dns_reply *rep, int nrep,
                  const ldns_rr_type *types, const char *server, unsigned port, double secs)
{
	const struct dns_reply *last = &rep[nrep - 1];
	if (last->result != DNS_OK) {
		struct buf why = BUF_INIT;
		dns_reply_reason(last, server, port, &why);
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "%s", buf_cstr(&why));
		buf_free(&why);
		return;
	}
	check_perf(c, &(struct perf){ .label = "time", .value = secs, .uom = "s", .decimals = 6,
	                              .warn = &cfg->warn, .crit = &cfg->crit, .has_min = true });

	struct dns_records rec = { 0 };
	struct buf got = BUF_INIT;
	for (int i = 0; i < nrep; i++)
		dns_records_add(&rec, rep[i].pkt, types[i]);
	dns_records_text(&rec, types[0] == LDNS_RR_TYPE_ANY, &got);
	int rcode = ldns_pkt_get_rcode(last->pkt);
	int want = cfg->rcode >= 0 ? cfg->rcode : LDNS_RCODE_NOERROR;
	bool aa = true;
	for (int i = 0; i < nrep; i++)
		aa = aa && ldns_pkt_aa(rep[i].pkt);
	char *rc = rcode_name(rcode), *want_rc = rcode_name(want);

	bool bad = true;
	if (rcode != want && rcode == LDNS_RCODE_NXDOMAIN)
		check_summary(c, "Domain '%s' was not found by the server", cfg->host);
	else if (rcode != want && want == LDNS_RCODE_NXDOMAIN && rcode == LDNS_RCODE_NOERROR)
		check_summary(c, "Domain '%s' was found by the server: '%s'", cfg->host, buf_cstr(&got));
	else if (rcode != want)
		check_summary(c, "server %s returned %s for %s, expected %s", server, rc, cfg->host, want_rc);
	else if (rcode == LDNS_RCODE_NOERROR && cfg->rcode < 0 && !got.len) {
		char *t = cfg->type ? ldns_rr_type2str(cfg->type) : NULL;
		check_summary(c, "'%s' has no %s record", cfg->host, t ? t : "A or AAAA");
		free(t);
	} else if (cfg->authority && !aa)
		check_summary(c, "server %s is not authoritative for %s", server, cfg->host);
	else if (cfg->nexpect && !expected_ok(cfg, &rec)) {
		check_summary(c, "expected '");
		for (size_t i = 0; i < cfg->nexpect; i++)
			check_summary(c, "%s%s", i ? "; " : "", cfg->expect[i]);
		check_summary(c, "' but got '%s'", buf_cstr(&got));
	} else {
		/* the reply is right: the time decides, in mp's "DNS OK: " form */
		bad = false;
		c->sep = ": ";
		check_summary(c, "%.3f seconds response time. %s returns %s", secs, cfg->host,
		              rcode != LDNS_RCODE_NOERROR ? rc : got.len ? buf_cstr(&got) : "no records");
	}
	check_raise(c, bad ? STATE_CRITICAL : range_judge(secs, &cfg->warn, &cfg->crit));
	free(rc);
	free(want_rc);
	buf_free(&got);
	dns_records_free(&rec);
}

/* Without -s: the first nameserver of resolv.conf (MAMORI_RESOLV_CONF in
 * the tests), as text for dns_resolver_open. Read whole and bounded by
 * lib/secret first: ldns would wait on a FIFO and read /dev/zero forever. */
static char *resolv_conf_server(char *why, size_t size)
{
	const char *env = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_RESOLV_CONF");
	const char *path = env && *env ? env : "/etc/resolv.conf";
	struct buf text = BUF_INIT;
	const char *bad = file_read_all(path, 1024 * 1024, &text);
	if (bad) {
		snprintf(why, size, "no -s and cannot read %s", bad);
		buf_free(&text);
		return NULL;
	}
	FILE *f = fmemopen(text.len ? text.s : (char *)"", text.len, "r");
	ldns_resolver *r = NULL;
	ldns_status st = f ? ldns_resolver_new_frm_fp(&r, f) : LDNS_STATUS_MEM_ERR;
	if (f)
		fclose(f);
	buf_free(&text);
	if (st != LDNS_STATUS_OK) {
		snprintf(why, size, "no -s and cannot read %.200s: %s", path, ldns_get_errorstr_by_id(st));
		return NULL;
	}
	char *first = ldns_resolver_nameserver_count(r) ? ldns_rdf2str(ldns_resolver_nameservers(r)[0]) : NULL;
	ldns_resolver_deep_free(r);
	if (!first)
		snprintf(why, size, "no -s and no nameserver in %.200s", path);
	return first;
}

int main(int argc, char **argv)
{
	struct config cfg = { .port = 53, .rcode = -1 };
	struct check c;

	program_parse(&prog, argc, argv, on_option, &cfg);
	validate(&cfg);
	check_init(&c, prog.service);

	ldns_rr_type types[2] = { cfg.type, LDNS_RR_TYPE_AAAA };
	ldns_rdf *name = dns_question_name(cfg.host, &types[0]);
	if (!name)
		plugin_die(STATE_UNKNOWN, "-H '%.64s': not a valid domain name", cfg.host);
	int ntypes = 1;
	if (types[0] == 0) {
		types[0] = LDNS_RR_TYPE_A;
		ntypes = 2;
	}
	char why[256], server[64];
	char *first = cfg.server ? NULL : resolv_conf_server(why, sizeof why);
	ldns_resolver *r = cfg.server || first
		? dns_resolver_open(cfg.server ? cfg.server : first, (unsigned)cfg.port, why, sizeof why) : NULL;
	free(first);
	if (!r) {
		ldns_rdf_deep_free(name);
		plugin_die(STATE_UNKNOWN, "%s", why);
	}
	dns_server_text(r, server, sizeof server);

	struct dns_ask ask = { .tcp = cfg.tcp, .recurse = !cfg.norecurse, .udp_tries = 3 };
	struct dns_reply rep[2];
	int nrep = 0;
	double secs = 0;
	while (nrep < ntypes) {
		dns_query(r, name, types[nrep], &ask, &rep[nrep]);
		secs += rep[nrep].seconds;
		nrep++;
		/* NXDOMAIN, SERVFAIL ... speak for the name: no AAAA query after them */
		if (rep[nrep - 1].result != DNS_OK || ldns_pkt_get_rcode(rep[nrep - 1].pkt) != LDNS_RCODE_NOERROR)
			break;
	}

	judge(&c, &cfg, rep, nrep, types, server, (unsigned)cfg.port, secs);
	if (plugin_verbose)
		verbose_lines(&c, rep, nrep, types, server, (unsigned)cfg.port);

	for (int i = 0; i < nrep; i++)
		dns_reply_free(&rep[i]);
	ldns_resolver_deep_free(r);
	ldns_rdf_deep_free(name);
	for (size_t i = 0; i < cfg.nexpect; i++)
		free(cfg.expect[i]);
	free(cfg.expect);
	check_exit(&c);
}
