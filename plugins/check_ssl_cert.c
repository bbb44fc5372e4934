/* check_ssl_cert: days until the server certificate expires, chain trust,
 * host name, issuer and subject, for any host:port, with STARTTLS for
 * SMTP, POP3, IMAP and FTP (runbook 004's certificate item). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "netcheck.h"
#include "num.h"
#include "proto.h"
#include "tls.h"

enum { OPT_ISSUER = 4000, OPT_SUBJECT };

struct config {
	struct netcheck n;
	struct range warn, crit;
	const char *protocol, *issuer, *subject;
	bool accept_untrusted;
};

static const struct option_spec options[] = {
	{ "hostname", 'H', "HOST", "Host name or address to connect to (required)" },
	{ "port", 'p', "PORT", "Port (default 443, or the protocol's)" },
	{ "protocol", 'P', "PROTO", "STARTTLS first: smtp, submission, pop3, imap, ftp; or none\n"
	  "(TLS from the start, the default)" },
	{ "warning", 'w', "DAYS", "WARNING when fewer than DAYS days are left (default 30)" },
	{ "critical", 'c', "DAYS", "CRITICAL when fewer than DAYS days are left (default 14)" },
	{ "sni", NK_SNI, "NAME", "Server name for SNI and the host name check (default: -H when a name)" },
	{ "ca-file", NK_CAFILE, "FILE", "Trust the CA certificates in FILE (default: the system store)" },
	{ "insecure", NK_INSECURE, NULL, "Report an untrusted chain or wrong host name without alerting" },
	{ "issuer", OPT_ISSUER, "STRING", "CRITICAL unless the issuer's name contains STRING" },
	{ "subject", OPT_SUBJECT, "STRING", "CRITICAL unless the subject's name contains STRING" },
	{ "use-ipv4", '4', NULL, "Use IPv4 only" },
	{ "use-ipv6", '6', NULL, "Use IPv6 only" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_ssl_cert",
	.service = "SSL_CERT",
	.purpose = "Checks a server's TLS certificate: days left, chain trust, host name, issuer\n"
	           "and subject. STARTTLS protocols are spoken first where asked (-P).",
	.usage = "-H HOST [-p PORT] [-P smtp|submission|pop3|imap|ftp] [-w DAYS] [-c DAYS] [--sni NAME]\n"
	         "       [--ca-file FILE] [--issuer STRING] [--subject STRING]",
	.options = options,
	.notes = "An untrusted chain or a certificate for another name is CRITICAL unless\n"
	         "--insecure. Perfdata: days (whole days left until notAfter), time (s).",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	double d;
	const char *err;
	switch (key) {
	case 'P': cfg->protocol = arg; return NULL;
	case 'w':
	case 'c':
		if ((err = opt_double(arg, 0, 100000, &d)))
			return err;
		*(key == 'w' ? &cfg->warn : &cfg->crit) = range_below(d);
		return NULL;
	case OPT_ISSUER: cfg->issuer = arg; return NULL;
	case OPT_SUBJECT: cfg->subject = arg; return NULL;
	case NK_INSECURE: cfg->accept_untrusted = true; return NULL;
	}
	return netcheck_option(&cfg->n, key, arg);
}

static enum net_result ehlo(struct netcheck *n, struct check *c, void *ctx)
{
	(void)c;
	(void)ctx;
	struct buf reply = BUF_INIT;
	int code;
	enum net_result r = proto_command(&n->conn, n->svc, "EHLO mamori.check-ssl-cert", &reply, &code);
	if (r == NET_OK && code != 250)
		r = NET_PROTO_FAIL;
	buf_free(&reply);
	return r;
}

int main(int argc, char **argv)
{
	struct config cfg = { .warn = range_below(30), .crit = range_below(14) };
	struct check c;

	netcheck_init(&cfg.n, NULL, tls_start);
	program_parse(&prog, argc, argv, on_option, &cfg);
	if (cfg.protocol && strcmp(cfg.protocol, "none") != 0) {
		cfg.n.svc = service_find(cfg.protocol);
		if (!cfg.n.svc || !cfg.n.svc->starttls)
			plugin_die(STATE_UNKNOWN, "protocol must be smtp, submission, pop3, imap, ftp or none");
		cfg.n.starttls = true;
	} else {
		cfg.n.implicit_tls = true;
		if (!cfg.n.port)
			cfg.n.port = 443;
	}
	netcheck_ready(&cfg.n);
	/* trust is judged below, so the dates of an untrusted certificate are
	 * still reported */
	cfg.n.tls.verify = false;
	check_init(&c, prog.service);
	if (!netcheck_open(&cfg.n, &c, cfg.n.svc && cfg.n.svc->style == REPLY_CODE &&
	                                   strcmp(cfg.n.svc->name, "ftp") ? ehlo : NULL, NULL))
		netcheck_finish(&cfg.n, &c, false);

	const struct tls_peer *p = &cfg.n.peer;
	if (!p->have_cert) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, "the server sent no certificate");
		netcheck_finish(&cfg.n, &c, true);
	}
	char until[64];
	strftime(until, sizeof until, "%Y-%m-%d %H:%M UTC", gmtime(&p->not_after));
	/* whole days, rounded down: what is shown is what is judged */
	double days = num_floor(p->days_left);
	check_raise(&c, range_judge(days, &cfg.warn, &cfg.crit));
	if (p->days_left < 0) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, "certificate '%s' expired %.0f days ago (%s)", p->subject, num_floor(-p->days_left), until);
	} else {
		check_summary(&c, "certificate '%s' expires in %.0f days (%s)", p->subject, days, until);
	}
	if (p->verify_code != 0) {
		if (!cfg.accept_untrusted)
			check_raise(&c, STATE_CRITICAL);
		check_summary(&c, ", not trusted: %s", p->verify_text);
	} else {
		check_summary(&c, ", chain and host name verified");
	}
	if (cfg.issuer && !strstr(p->issuer, cfg.issuer)) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, ", issuer '%s' does not contain '%s'", p->issuer, cfg.issuer);
	}
	if (cfg.subject && !strstr(p->subject, cfg.subject)) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, ", subject does not contain '%s'", cfg.subject);
	}
	check_long(&c, "issuer: %s", p->issuer);
	check_long(&c, "protocol: %s, cipher %s", p->version, p->cipher);
	check_perf(&c, &(struct perf){ .label = "days", .value = days, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit });
	/* the response-time item is not this check's business */
	cfg.n.warn.set = cfg.n.crit.set = false;
	cfg.n.cert_judged = true;
	netcheck_finish(&cfg.n, &c, true);
}
