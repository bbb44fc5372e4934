#include "netcheck.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>

#include "num.h"
#include "proto.h"
#include "secret.h"
#include "timeout.h"

#define BASE_OPTIONS \
	{ "hostname", NK_HOST, "HOST", "Host name or address to connect to (required)" }, \
	{ "port", NK_PORT, "PORT", "Port (default: the service's)" }, \
	{ "use-ipv4", NK_IPV4, NULL, "Use IPv4 only" }, \
	{ "use-ipv6", NK_IPV6, NULL, "Use IPv6 only" }, \
	{ "warning", NK_WARN, "SECONDS", "WARNING when the response time is outside this range" }, \
	{ "critical", NK_CRIT, "SECONDS", "CRITICAL when the response time is outside this range" }, \
	{ "mismatch", NK_MISMATCH, "STATE", "State when the reply does not match (default warning)" }

#define EXPECT_OPTION \
	{ "expect", NK_EXPECT, "STRING", "The greeting must contain STRING" }
#define REFUSE_OPTION(key) \
	{ "refuse", key, "STATE", "State when the connection is refused (default critical)" }

#define TLS_OPTIONS \
	{ "certificate", NK_CERTDAYS, "DAYS[,CRITDAYS]", \
	  "WARNING when the server certificate expires within DAYS, CRITICAL within CRITDAYS" }, \
	{ "ca-file", NK_CAFILE, "FILE", "Trust the CA certificates in FILE (default: the system store)" }, \
	{ "insecure", NK_INSECURE, NULL, "Do not verify the certificate chain and host name" }, \
	{ "sni", NK_SNI, "NAME", "Server name for SNI and verification (default: -H when a name)" }, \
	{ "client-cert", NK_CLIENT_CERT, "FILE", "Client certificate (PEM)" }, \
	{ "client-key", NK_CLIENT_KEY, "FILE", "Key of the client certificate (PEM; default: the cert file)" }

/* check_ssh uses -r for --remote-version, as monitoring-plugins does */
const struct option_spec netcheck_plain_options[] = {
	BASE_OPTIONS, EXPECT_OPTION, REFUSE_OPTION(NK_REFUSE_LONG), { NULL, 0, NULL, NULL }
};

/* check_tcp has its own -e (the reply, not the greeting) and no STARTTLS */
const struct option_spec netcheck_tcp_options[] = {
	BASE_OPTIONS, REFUSE_OPTION(NK_REFUSE), TLS_OPTIONS,
	{ "ssl", NK_S, NULL, "Speak TLS from the start (-D alone turns it on too)" },
	{ NULL, 0, NULL, NULL },
};

const struct option_spec netcheck_tls_options[] = {
	BASE_OPTIONS, EXPECT_OPTION, REFUSE_OPTION(NK_REFUSE), TLS_OPTIONS,
	{ "ssl", NK_S, NULL, "Implicit TLS: speak TLS from the start (default port: the TLS one)" },
	{ "starttls", NK_STARTTLS, NULL, "Upgrade to TLS with the protocol's STARTTLS command" },
	{ NULL, 0, NULL, NULL },
};

const struct option_spec netcheck_smtp_options[] = {
	BASE_OPTIONS, EXPECT_OPTION, REFUSE_OPTION(NK_REFUSE), TLS_OPTIONS,
	{ "starttls", NK_S, NULL, "Upgrade to TLS with STARTTLS (as monitoring-plugins' -S)" },
	{ "ssl", NK_SSL, NULL, "Implicit TLS (SMTPS, default port 465)" },
	{ NULL, 0, NULL, NULL },
};

void netcheck_init(struct netcheck *n, const struct service *svc, tls_start_fn start_tls)
{
	memset(n, 0, sizeof *n);
	n->svc = svc;
	n->family = AF_UNSPEC;
	n->mismatch = STATE_WARNING;
	n->refuse = STATE_CRITICAL;
	n->tls_start = start_tls;
	n->tls.verify = true;
}

static const char *parse_days(struct netcheck *n, const char *arg)
{
	n->days_crit = 0;
	if (!num_parse_pair(arg, 0, 100000, &n->days_warn, &n->days_crit))
		return "days must be WARN[,CRIT], numbers from 0 to 100000";
	n->days_set = true;
	return NULL;
}

const char *netcheck_option(struct netcheck *n, int key, const char *arg)
{
	long v;
	switch (key) {
	case NK_HOST:
		if (!*arg || strlen(arg) > 253 || strpbrk(arg, " \t\r\n/"))
			return "not a host name or address";
		n->host = arg;
		return NULL;
	case NK_PORT:
		if (!num_parse_long(arg, 1, 65535, &v))
			return "port must be a number from 1 to 65535";
		n->port = (unsigned)v;
		return NULL;
	case NK_IPV4: n->family = AF_INET; return NULL;
	case NK_IPV6: n->family = AF_INET6; return NULL;
	case NK_WARN: return range_parse(arg, &n->warn);
	case NK_CRIT: return range_parse(arg, &n->crit);
	case NK_EXPECT: n->expect = arg; return NULL;
	case NK_MISMATCH: return opt_state(arg, &n->mismatch);
	case NK_REFUSE:
	case NK_REFUSE_LONG: return opt_state(arg, &n->refuse);
	case NK_CERTDAYS: return parse_days(n, arg);
	case NK_CAFILE: n->tls.ca_file = arg; return NULL;
	case NK_INSECURE: n->insecure = true; return NULL;
	case NK_SNI: n->tls.sni = n->tls.verify_name = arg; return NULL;
	case NK_CLIENT_CERT: n->tls.cert_file = arg; return NULL;
	case NK_CLIENT_KEY: n->tls.key_file = arg; return NULL;
	case NK_S:
		*(n->s_is_starttls ? &n->starttls : &n->implicit_tls) = true;
		return NULL;
	case NK_SSL: n->implicit_tls = true; return NULL;
	case NK_STARTTLS: n->starttls = true; return NULL;
	}
	return "unhandled option";
}

void netcheck_ready(struct netcheck *n)
{
	if (!n->host)
		plugin_die(STATE_UNKNOWN, "no host given (-H)");
	if (n->implicit_tls && n->starttls)
		plugin_die(STATE_UNKNOWN, "--ssl and --starttls exclude each other");
	if (n->starttls && (!n->svc || !n->svc->starttls))
		plugin_die(STATE_UNKNOWN, "this protocol has no STARTTLS");
	if ((n->implicit_tls || n->starttls) && !n->tls_start)
		plugin_die(STATE_UNKNOWN, "this program has no TLS");
	/* -D alone means TLS from the start, as in monitoring-plugins */
	if (n->days_set && !n->implicit_tls && !n->starttls)
		n->implicit_tls = true;
	/* before connecting: a FIFO, a device or a file that is not PEM would
	 * otherwise reach the TLS library after the connection (or hang it) */
	const char *files[] = { n->tls.ca_file, n->tls.cert_file, n->tls.key_file };
	for (size_t i = 0; i < 3; i++) {
		const char *bad = files[i] ? file_check_pem(files[i]) : NULL;
		if (bad)
			plugin_die(STATE_UNKNOWN, "'%.200s': %s", files[i], bad);
	}
	if (!n->port && n->svc)
		n->port = n->implicit_tls && n->svc->tls_port ? n->svc->tls_port : n->svc->port;
	if (!n->port)
		plugin_die(STATE_UNKNOWN, "no port given (-p)");
	if (!n->tls.sni)
		n->tls.sni = n->tls.verify_name = n->host;
	n->tls.verify = !n->insecure;
	n->timeout = timeout_seconds();
}

void netcheck_fail(struct netcheck *n, struct check *c, enum net_result r, const char *step)
{
	enum state st = STATE_CRITICAL;
	if (r == NET_TIMEOUT || r == NET_CONNECT_TIMEOUT)
		st = timeout_state();  /* -t SECONDS:STATE */
	else if (r == NET_REFUSED)
		st = n->refuse;
	else if (r == NET_PROTO_FAIL)
		st = n->mismatch;
	else if (r == NET_RESOLVE_FAIL)
		st = STATE_UNKNOWN;
	check_raise(c, st);
	const char *addr = n->conn.addr[0] ? n->conn.addr : n->host;
	switch (r) {
	case NET_REFUSED:
		check_summary(c, "Connection refused by %s port %u", addr, n->port);
		break;
	case NET_RESOLVE_FAIL:
		check_summary(c, "%s", n->conn.detail);
		break;
	case NET_CONNECT_TIMEOUT:
	case NET_TIMEOUT:
		check_summary(c, "No answer from %s port %u within %.1f s (%s)", addr, n->port,
		              net_elapsed(&n->conn), step);
		break;
	default:
		check_summary(c, "%s on %s port %u: %s", step, addr, n->port,
		              n->conn.detail[0] ? n->conn.detail : net_result_text(r));
	}
}

static enum net_result do_tls(struct netcheck *n)
{
	enum net_result r = n->tls_start(&n->conn, &n->tls, &n->peer);
	n->tls_on = r == NET_OK || r == NET_TLS_VERIFY_FAIL;
	return r;
}

bool netcheck_open(struct netcheck *n, struct check *c, netcheck_step before_starttls, void *ctx)
{
	conn_init(&n->conn, timeout_remaining());
	enum net_result r = net_connect(&n->conn, n->host, n->port, n->family);
	if (r != NET_OK) {
		netcheck_fail(n, c, r, "connect");
		return false;
	}
	if (n->implicit_tls && (r = do_tls(n)) != NET_OK) {
		netcheck_fail(n, c, r, "TLS handshake");
		return false;
	}
	if (n->svc && n->svc->greeting_ok) {
		r = proto_greeting(&n->conn, n->svc, &n->greeting);
		if (r != NET_OK) {
			netcheck_fail(n, c, r, "waiting for the greeting");
			return false;
		}
	}
	if (n->expect && !strstr(buf_cstr(&n->greeting), n->expect)) {
		char first[120];
		proto_first_line(buf_cstr(&n->greeting), first, sizeof first);
		check_raise(c, n->mismatch);
		check_summary(c, "greeting '%s' does not contain '%s'", first, n->expect);
		return false;
	}
	if (n->starttls) {
		if (before_starttls && (r = before_starttls(n, c, ctx)) != NET_OK) {
			if (c->state == STATE_OK)
				netcheck_fail(n, c, r, "before STARTTLS");
			return false;
		}
		struct buf reply = BUF_INIT;
		int code;
		r = proto_command(&n->conn, n->svc, n->svc->starttls, &reply, &code);
		if (r == NET_OK && !proto_reply_ok(buf_cstr(&reply), n->svc->starttls_ok)) {
			char first[120];
			proto_first_line(buf_cstr(&reply), first, sizeof first);
			snprintf(n->conn.detail, sizeof n->conn.detail, "STARTTLS refused: '%s'", first);
			r = NET_PROTO_FAIL;
		}
		buf_free(&reply);
		if (r == NET_OK)
			r = do_tls(n);
		if (r != NET_OK) {
			/* a server without STARTTLS is a failure of the check, not a mismatch */
			check_raise(c, STATE_CRITICAL);
			netcheck_fail(n, c, r, "STARTTLS");
			return false;
		}
	}
	return true;
}

static void judge_certificate(struct netcheck *n, struct check *c)
{
	if (!n->tls_on || !n->peer.have_cert || n->cert_judged)
		return;
	struct range w = range_below(n->days_warn), cr = range_below(n->days_crit);
	/* whole days, rounded down as monitoring-plugins counts them: what is
	 * shown is what is judged */
	double days = num_floor(n->peer.days_left);
	enum state s = n->days_set ? range_judge(days, &w, &cr) : STATE_OK;
	if (n->peer.days_left < 0)
		s = STATE_CRITICAL;
	check_raise(c, s);
	if (n->peer.days_left < 0)
		check_summary(c, ", certificate '%s' expired %.0f days ago", n->peer.subject, num_floor(-n->peer.days_left));
	else if (s != STATE_OK || plugin_verbose || n->days_set)
		check_summary(c, ", certificate '%s' expires in %.0f days", n->peer.subject, days);
	if (n->days_set)
		check_perf(c, &(struct perf){ .label = "days", .value = days, .decimals = 0, .warn = &w, .crit = &cr });
	check_long(c, "TLS: %s %s; subject %s; issuer %s; verify: %s", n->peer.version, n->peer.cipher,
	           n->peer.subject, n->peer.issuer, n->peer.verify_text);
}

void netcheck_tcp_summary(struct netcheck *n, struct check *c)
{
	check_summary(c, "%.3f second response time on %s port %u", net_elapsed(&n->conn),
	              n->conn.addr[0] ? n->conn.addr : n->host, n->port);
}

_Noreturn void netcheck_finish(struct netcheck *n, struct check *c, bool quit)
{
	double elapsed = net_elapsed(&n->conn);
	if (quit && n->conn.fd >= 0 && n->svc)
		proto_quit(&n->conn, n->svc);
	if (c->state == STATE_OK || c->state == STATE_WARNING)
		check_raise(c, range_judge(elapsed, &n->warn, &n->crit));
	judge_certificate(n, c);
	check_perf(c, &(struct perf){ .label = "time", .value = elapsed, .uom = "s", .decimals = 6,
	                              .warn = &n->warn, .crit = &n->crit, .has_min = true,
	                              .has_max = true, .max = n->timeout });
	net_close(&n->conn);
	buf_free(&n->greeting);
	check_exit(c);
}
