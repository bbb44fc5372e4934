/* check_http: one HTTP(S) request (lib/http_fetch.c does the libcurl
 * transfer), judged as monitoring-plugins' check_http judges it (status
 * line, content, size, response time, redirects, the certificate's days
 * left on the same connection), with its option letters, its "HTTP OK: "
 * status line and its time/size perfdata. Unlike it, TLS is verified by
 * default.
 *
 * main(): options -> config_finish() -> http_fetch() -> judge() -> check_exit(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_fetch.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"
#include "size.h"
#include "timeout.h"

enum {
	OPT_SNI = 256, OPT_CONTINUE, OPT_INVERT, OPT_MAX_REDIRS, OPT_AUTH_FILE, OPT_PROXY,
	OPT_INSECURE, OPT_CA_FILE, OPT_CA_PATH, OPT_TLS_VERSION, OPT_MAX_SIZE, OPT_EREG,
};

enum {
	SHOW_BODY_MAX = 64 * 1024,     /* -B prints at most this much */
	SEARCH_SHOWN = 29,             /* -s/-d strings in messages, as monitoring-plugins cuts them */
};

struct config {
	struct http_request req;        /* what to ask and how: most options go here */
	/* judging */
	const char *expect, *header_string;
	bool invert, cert_continue, extended, show_body;
	long cert_warn, cert_crit;
	struct range warn, crit, pagesize;
	long max_age;
	double timeout;                 /* -t: the time perfdata's max */
};

static const struct option_spec options[] = {
	{ "hostname", 'H', "HOST[:PORT]",
	  "Virtual host: the Host header, the TLS server name (SNI) and the name\n"
	  "the certificate must carry; also the server when -I is not given.\n"
	  "A :PORT goes into the Host header only, as in monitoring-plugins" },
	{ "IP-address", 'I', "ADDRESS", "Connect to this address (or name) instead of -H's" },
	{ "port", 'p', "PORT", "Port (default: 80, or 443 with -S or -C)" },
	{ "url", 'u', "PATH|URL",
	  "Path to request (default: /), or a whole http:// or https:// URL,\n"
	  "which then names the scheme, host and port itself (no -H, -I, -p)" },
	{ "use-ipv4", '4', NULL, "Connect over IPv4 only" },
	{ "use-ipv6", '6', NULL, "Connect over IPv6 only" },
	{ "ssl", 'S', NULL, "Use HTTPS (for a lowest TLS version see --tls-version)" },
	{ "tls-version", OPT_TLS_VERSION, "1.0|1.1|1.2|1.3", "Lowest TLS version to accept" },
	{ "sni", OPT_SNI, NULL, "Send the host name by SNI (always done for a host name; accepted\n"
	                        "for command definitions written for monitoring-plugins)" },
	{ "insecure", OPT_INSECURE, NULL, "Do not verify the certificate's chain and host name" },
	{ "ca-file", OPT_CA_FILE, "FILE", "Trust only the CA certificates in this PEM file" },
	{ "ca-path", OPT_CA_PATH, "DIR", "Trust only the CA certificates in this directory (hashed names,\n"
	                                  "as `openssl rehash` makes; default " HTTP_SYSTEM_CA_PATH ")" },
	{ "client-cert", 'J', "FILE", "Client certificate (PEM)" },
	{ "private-key", 'K', "FILE", "Private key of the client certificate (PEM)" },
	{ "certificate", 'C', "WARN[,CRIT]",
	  "Days the server certificate must still be valid: WARNING at WARN days\n"
	  "or fewer, CRITICAL at CRIT (default 0) or fewer or when expired. Only\n"
	  "the certificate is checked unless --continue-after-certificate" },
	{ "continue-after-certificate", OPT_CONTINUE, NULL, "With -C, make the HTTP request too and judge both" },
	{ "expect", 'e', "STRING[,STRING...]",
	  "The status line must contain one of these (a three-digit item must be\n"
	  "the status code). Replaces the default: 4xx WARNING, 5xx CRITICAL,\n"
	  "3xx as --onredirect" },
	{ "header-string", 'd', "STRING", "CRITICAL unless the response headers contain STRING" },
	{ "string", 's', "STRING", "CRITICAL unless the body contains STRING" },
	{ "regex", 'r', "REGEX", "CRITICAL unless the body matches this PCRE2 regular expression" },
	{ "ereg", OPT_EREG, "REGEX", "Same as --regex" },
	{ "eregi", 'R', "REGEX", "Like --regex, ignoring case" },
	{ "linespan", 'l', NULL, "Let . match a newline (else ^ and $ also match at line ends)" },
	{ "invert-regex", OPT_INVERT, NULL, "CRITICAL when the regex matches, OK when it does not" },
	{ "method", 'j', "METHOD", "Request method (default GET, POST with -P; HEAD reads no body)" },
	{ "post", 'P', "DATA", "Send DATA as the request body (a URL-encoded form unless -T)" },
	{ "content-type", 'T', "TYPE", "Content-Type of the request body" },
	{ "no-body", 'N', NULL, "Stop reading after the headers (the request is still GET or POST)" },
	{ "header", 'k', "'NAME: VALUE'", "Send this request header (repeatable)" },
	{ "useragent", 'A', "STRING", "User-Agent (default: check_http/" PACKAGE_VERSION " (mamori))" },
	{ "authorization", 'a', "USER:PASSWORD", "Basic authentication (visible in ps: prefer --auth-file)" },
	{ "auth-file", OPT_AUTH_FILE, "FILE",
	  "Basic authentication from the first line of FILE, USER:PASSWORD;\n"
	  "the file must be mode 0600 or stricter" },
	{ "proxy", OPT_PROXY, "URL",
	  "Go through this proxy (http://HOST:PORT, socks5h://HOST:PORT ...).\n"
	  "Without it no proxy is used, whatever http_proxy says" },
	{ "proxy-authorization", 'b', "USER:PASSWORD", "Basic authentication for the proxy" },
	{ "onredirect", 'f', "ok|warning|critical|follow|sticky|stickyport",
	  "A 3xx answer is OK, WARNING or CRITICAL (default ok), or is followed;\n"
	  "sticky follows but keeps connecting to the first address, stickyport\n"
	  "also to the first port. A redirect loop is CRITICAL, too many WARNING" },
	{ "max-redirs", OPT_MAX_REDIRS, "N", "Most redirects to follow (default 15)" },
	{ "pagesize", 'm', "MIN[:MAX]", "WARNING when the response (headers and body) is below MIN or\n"
	                                "above MAX bytes" },
	{ "max-size", OPT_MAX_SIZE, "SIZE", "Read at most this much (default 16M; 512K, 1G ...): more is\n"
	                                    "WARNING and only this much is searched" },
	{ "max-age", 'M', "AGE", "CRITICAL when Last-Modified is more than AGE before the server's\n"
	                         "Date (seconds, or with m, h or d: 10m, 12h, 7d)" },
	{ "warning", 'w', "SECONDS", "WARNING when the response time is outside this range" },
	{ "critical", 'c', "SECONDS", "CRITICAL when the response time is outside this range" },
	{ "extended-perfdata", 'E', NULL, "Add time_connect, time_ssl, time_headers, time_firstbyte and\n"
	                                  "time_transfer to the perfdata" },
	{ "show-body", 'B', NULL, "Print the body (up to 64 KiB) after the status line" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_http",
	.service = "HTTP",
	.purpose = "Checks a web server: makes one HTTP or HTTPS request (libcurl) and judges\n"
	           "the status, the content, the size, the response time, redirects and the\n"
	           "certificate. The certificate is verified unless --insecure.",
	.usage = "-H HOST | -I ADDRESS | --url URL [-p PORT] [-u PATH] [-S] [-e CODES]\n"
	         "       [-s STRING] [-r REGEX] [-w SECONDS] [-c SECONDS] [-C DAYS[,DAYS]] ...",
	.options = options,
	.notes = "Perfdata: time (s) and size (B, headers and body) as monitoring-plugins,\n"
	         "days with -C. Network failures and TLS errors are CRITICAL, a timeout\n"
	         "takes the -t STATE.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

/* ---- options ---------------------------------------------------------- */

static const char *parse_pagesize(const char *arg, struct range *r)
{
	char lo[64] = "", *colon = strchr(arg, ':');
	double a = 0, b = 0;
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n >= sizeof lo)
		return "not MIN[:MAX] bytes";
	memcpy(lo, arg, n);
	lo[n] = '\0';
	/* "MIN:" has no maximum, as in monitoring-plugins */
	bool has_max = colon && colon[1];
	if ((*lo && !size_parse(lo, 1, &a, NULL)) || (has_max && !size_parse(colon + 1, 1, &b, NULL)))
		return "not MIN[:MAX] bytes";
	if (!*lo && !has_max)
		return "not MIN[:MAX] bytes";
	if (has_max && b < a)
		return "MAX is below MIN";
	*r = (struct range){ .lo = a, .hi = b, .hi_inf = !has_max, .set = true };
	return NULL;
}

static const char *parse_certdays(const char *arg, struct config *cfg)
{
	double w, c = (double)cfg->cert_crit;
	if (!num_parse_pair(arg, 0, 100000, &w, &c) || w != num_floor(w) || c != num_floor(c))
		return "not WARN[,CRIT] whole days from 0 to 100000";
	cfg->cert_warn = (long)w;
	cfg->cert_crit = (long)c;
	if (cfg->cert_crit > cfg->cert_warn)
		return "CRIT days must not be more than WARN days";
	cfg->req.cert = true;
	return NULL;
}

static const char *parse_age(const char *arg, long *out)
{
	char num[32];
	size_t n = strlen(arg);
	long mult = 1;
	if (n == 0 || n >= sizeof num)
		return "not an age (seconds, or 10m, 12h, 7d)";
	memcpy(num, arg, n + 1);
	switch (num[n - 1]) {
	case 's': mult = 1; num[--n] = '\0'; break;
	case 'm': mult = 60; num[--n] = '\0'; break;
	case 'h': mult = 3600; num[--n] = '\0'; break;
	case 'd': mult = 86400; num[--n] = '\0'; break;
	}
	long v;
	if (!num_parse_long(num, 1, 100L * 365 * 86400 / mult, &v))
		return "not an age (seconds, or 10m, 12h, 7d)";
	*out = v * mult;
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	struct http_request *r = &cfg->req;
	switch (key) {
	case 'H': return http_parse_vhost(r, arg);
	case 'I': r->address = arg; return http_check_host(arg);
	case 'p': return opt_long(arg, 1, 65535, &r->port);
	case 'u': r->url = arg; return *arg ? NULL : "empty URL";
	case '4': r->family = 4; return NULL;
	case '6': r->family = 6; return NULL;
	case 'S': r->ssl = true; return NULL;
	case OPT_TLS_VERSION: return http_parse_tls_version(arg, &r->tls_min);
	case OPT_SNI: return NULL;  /* always on for names; IP literals have no SNI */
	case OPT_INSECURE: r->insecure = true; return NULL;
	/* checked now: after the connection a bad file would be CRITICAL */
	case OPT_CA_FILE: r->ca_file = arg; return file_check_pem(arg);
	case OPT_CA_PATH: r->ca_path = arg; return NULL;
	case 'J': r->client_cert = arg; return file_check_pem(arg);
	case 'K': r->client_key = arg; return file_check_pem(arg);
	case 'C': return parse_certdays(arg, cfg);
	case OPT_CONTINUE: cfg->cert_continue = true; return NULL;
	case 'e': cfg->expect = arg; return http_check_expect(arg);
	case 'd': cfg->header_string = arg; return *arg ? NULL : "empty string";
	case 's': r->find = arg; return *arg ? NULL : "empty string";
	case 'r': case OPT_EREG: r->regex = arg; r->regex_icase = false; return NULL;
	case 'R': r->regex = arg; r->regex_icase = true; return NULL;
	case 'l': r->linespan = true; return NULL;
	case OPT_INVERT: cfg->invert = true; return NULL;
	case 'j': r->method = arg; return http_check_method(arg);
	case 'P': r->post = arg; return NULL;
	case 'T': r->content_type = arg; return strpbrk(arg, "\r\n") ? "a line break in the type" : NULL;
	case 'N': r->no_body = true; return NULL;
	case 'k': return http_add_header(r, arg);
	case 'A': r->agent = arg; return strpbrk(arg, "\r\n") ? "a line break in the user agent" : NULL;
	case 'a': r->auth = arg; return strchr(arg, ':') ? NULL : "not USER:PASSWORD";
	case OPT_AUTH_FILE: r->auth_file = arg; return NULL;
	case OPT_PROXY: r->proxy = arg; return http_check_proxy(arg);
	case 'b': r->proxy_auth = arg; return strchr(arg, ':') ? NULL : "not USER:PASSWORD";
	case 'f': return http_parse_redirect(arg, &r->redirect);
	case OPT_MAX_REDIRS: return opt_long(arg, 0, 1000, &r->max_redirs);
	case 'm': return parse_pagesize(arg, &cfg->pagesize);
	case OPT_MAX_SIZE:
		if (!size_parse(arg, 1, &r->max_size, NULL) || r->max_size < 1 || r->max_size > 1073741824.0)
			return "not a size from 1 byte to 1G";
		return NULL;
	case 'M': return parse_age(arg, &cfg->max_age);
	case 'w': return opt_range(arg, &cfg->warn);
	case 'c': return opt_range(arg, &cfg->crit);
	case 'E': cfg->extended = true; return NULL;
	case 'B': cfg->show_body = true; return NULL;
	}
	return "unhandled option";
}

static void config_finish(struct config *cfg)
{
	cfg->timeout = timeout_seconds();  /* perfdata's max, as monitoring-plugins */
	cfg->req.handshake_only = cfg->req.cert && !cfg->cert_continue;  /* as monitoring-plugins' -C */
	cfg->req.keep_body = cfg->show_body ? SHOW_BODY_MAX : 0;
	http_request_ready(&cfg->req);
}

/* ---- judging and printing ---------------------------------------------- */

/* A failed transfer, in monitoring-plugins' phrasing where it has one. A
 * timeout takes the -t STATE, as when the alarm ends the run; an unusable
 * client certificate is our input, not the server's fault. */
static void judge_failure(struct check *c, const struct config *cfg, enum http_rc rc, const struct http_result *r)
{
	check_raise(c, rc == HTTP_TIMEOUT ? timeout_state() : rc == HTTP_CLIENT_CERT_FAIL ? STATE_UNKNOWN
	               : rc == HTTP_TOO_MANY_REDIRECTS ? STATE_WARNING : STATE_CRITICAL);
	switch (rc) {
	case HTTP_REDIRECT_LOOP:
		check_summary(c, "redirection creates an infinite loop - %s", r->url);
		break;
	case HTTP_TOO_MANY_REDIRECTS:
		check_summary(c, "maximum redirection depth %ld exceeded - %s", cfg->req.max_redirs, r->url);
		break;
	case HTTP_NO_RESPONSE:
		check_summary(c, "No data received from host (%s)", r->detail);
		break;
	case HTTP_BAD_RESPONSE:
		check_summary(c, "Invalid HTTP response received from host on port %ld: %s", r->port, r->detail);
		break;
	case HTTP_TLS_FAIL:
		check_summary(c, "Cannot make SSL connection: %s", r->detail);
		break;
	default:
		check_summary(c, "%s", r->detail);
	}
}

/* The certificate's verdict in monitoring-plugins' words and day count
 * (whole days, truncated): WARNING at WARN days or fewer, CRITICAL at CRIT
 * or fewer (so under a day left with the default CRIT 0) or expired. */
struct cert_verdict {
	enum state state;
	bool dated;                     /* the expiry date could be read */
	long days;
	struct range warn, crit;        /* "@~:N": alert at N days or fewer */
	char text[512];
};

static void cert_judge(const struct config *cfg, const struct http_cert *pc, struct cert_verdict *v)
{
	char when[64] = "";
	struct tm tm;
	*v = (struct cert_verdict){
		.warn = { .lo_inf = true, .hi = (double)cfg->cert_warn, .inside = true, .set = true },
		.crit = { .lo_inf = true, .hi = (double)cfg->cert_crit, .inside = true, .set = true },
		.state = STATE_CRITICAL,
	};
	if (!pc->dated) {
		snprintf(v->text, sizeof v->text, "Certificate '%s' has an unreadable expiry date", pc->cn);
		return;
	}
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y +0000", gmtime_r(&pc->not_after, &tm));
	double left = difftime(pc->not_after, time(NULL));
	v->dated = true;
	v->days = (long)(left / 86400);
	if (left >= 0)
		v->state = range_judge((double)v->days, &v->warn, &v->crit);
	if (left < 0)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expired on %s.", pc->cn, when);
	else if (v->days == 0)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expires in %ld %s (%s)", pc->cn,
		         left >= 3600 ? (long)(left / 3600) : (long)(left / 60), left >= 3600 ? "hours" : "minutes", when);
	else if (v->state != STATE_OK)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expires in %ld day(s) (%s).", pc->cn, v->days, when);
	else
		snprintf(v->text, sizeof v->text, "Certificate '%s' will expire on %s.", pc->cn, when);
}

static void cert_perf(struct check *c, const struct cert_verdict *v)
{
	if (v->dated)
		check_perf(c, &(struct perf){ .label = "days", .value = (double)v->days, .decimals = 0,
		                              .warn = &v->warn, .crit = &v->crit });
}

/* The status line: the -e list, or 5xx CRITICAL, 4xx WARNING, 3xx as -f.
 * false: the answer is final (the line is already written). */
static bool judge_status(struct check *c, const struct config *cfg, const struct http_result *r)
{
	const char *status = r->status.s ? r->status.s : "";
	if (cfg->expect) {
		if (http_expect_match(cfg->expect, status, r->code)) {
			check_summary(c, "Status line output matched \"%s\" - ", cfg->expect);
			return true;
		}
		c->sep = " - ";
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "Invalid HTTP response received from host on port %ld: %s", r->port, status);
		return false;
	}
	if (r->code < 100 || r->code > 599) {
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "Invalid Status (%s)", status);
		return false;
	}
	static const enum state redirect_state[] = { STATE_OK, STATE_WARNING, STATE_CRITICAL };
	if (r->code >= 500)
		check_raise(c, STATE_CRITICAL);
	else if (r->code >= 400)
		check_raise(c, STATE_WARNING);
	else if (r->code >= 300 && cfg->req.redirect < HTTP_REDIR_FOLLOW)
		check_raise(c, redirect_state[cfg->req.redirect]);
	check_summary(c, "%s - ", status);
	return true;
}

static void item(struct buf *items, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct buf *items, const char *fmt, ...)
{
	va_list ap;
	if (items->len)
		buf_puts(items, ", ");
	va_start(ap, fmt);
	buf_vprintf(items, fmt, ap);
	va_end(ap);
}

/* "the first 26 bytes..." as monitoring-plugins shows a searched string */
static void shown(char *out, size_t size, const char *s)
{
	if (strlen(s) <= SEARCH_SHOWN)
		snprintf(out, size, "%s", s);
	else
		snprintf(out, size, "%.*s...", SEARCH_SHOWN - 3, s);
}

/* -M as monitoring-plugins: Last-Modified against the server's Date. */
static void judge_age(struct check *c, const struct config *cfg, const struct http_result *r, struct buf *items)
{
	char *date = http_header(r, "Date");
	char *modified = http_header(r, "Last-Modified");
	time_t srv = date ? http_date(date) : -1;
	time_t doc = modified ? http_date(modified) : -1;
	if (!date) {
		item(items, "Server date unknown");
		check_raise(c, STATE_UNKNOWN);
	} else if (!modified) {
		item(items, "Document modification date unknown");
		check_raise(c, STATE_CRITICAL);
	} else if (srv <= 0 || doc <= 0) {
		item(items, "%s date \"%.100s\" unparsable", srv <= 0 ? "Server" : "Document", srv <= 0 ? date : modified);
		check_raise(c, STATE_CRITICAL);
	} else if (doc > srv + 30) {
		item(items, "Document is %ld seconds in the future", (long)(doc - srv));
		check_raise(c, STATE_CRITICAL);
	} else if (doc < srv - cfg->max_age) {
		long n = (long)(srv - doc);
		if (n > 2 * 86400)
			item(items, "Last modified %.1f days ago", n / 86400.0);
		else
			item(items, "Last modified %ld:%02ld:%02ld ago", n / 3600, (n / 60) % 60, n % 60);
		check_raise(c, STATE_CRITICAL);
	}
	free(date);
	free(modified);
}

static void judge_content(struct check *c, const struct config *cfg, const struct http_result *r, bool too_large,
                          struct buf *items)
{
	char s[64];
	if (cfg->header_string && !(r->headers.len && memmem(r->headers.s, r->headers.len, cfg->header_string,
	                                                     strlen(cfg->header_string)))) {
		shown(s, sizeof s, cfg->header_string);
		item(items, "header '%s' not found on '%s'", s, r->url);
		check_raise(c, STATE_CRITICAL);
	}
	if (cfg->req.find && !r->found) {
		shown(s, sizeof s, cfg->req.find);
		item(items, "string '%s' not found on '%s'", s, r->url);
		check_raise(c, STATE_CRITICAL);
	}
	if (cfg->req.regex) {
		char err[160];
		int m = http_body_matches(&cfg->req, r, err, sizeof err);
		if (m < 0) {
			item(items, "Execute Error: %s", err);
			check_raise(c, STATE_CRITICAL);
		} else if (m == cfg->invert) {
			item(items, cfg->invert ? "pattern found" : "pattern not found");
			check_raise(c, STATE_CRITICAL);
		}
	}
	if (cfg->max_age)
		judge_age(c, cfg, r, items);
	unsigned long long size = r->header_bytes + r->body_bytes;
	if (cfg->pagesize.set && range_alerts(&cfg->pagesize, (double)size)) {
		item(items, "page size %llu too %s", size, (double)size < cfg->pagesize.lo ? "small" : "large");
		check_raise(c, STATE_WARNING);
	}
	if (too_large) {
		item(items, "stopped reading at --max-size %.0f bytes", cfg->req.max_size);
		check_raise(c, STATE_WARNING);
	}
}

static void perf_time(struct check *c, const char *label, double v, const struct config *cfg,
                      const struct range *w, const struct range *cr)
{
	check_perf(c, &(struct perf){ .label = label, .value = v, .uom = "s", .decimals = 6, .warn = w, .crit = cr,
	                              .has_min = true, .has_max = true, .max = cfg->timeout });
}

static void judge_response(struct check *c, const struct config *cfg, const struct http_result *r, bool too_large)
{
	struct buf items = BUF_INIT;
	struct cert_verdict cert = { .dated = false };
	c->sep = ": ";
	if (judge_status(c, cfg, r)) {
		if (cfg->req.cert && r->cert.have) {
			/* the certificate goes into the line when it is the problem */
			cert_judge(cfg, &r->cert, &cert);
			check_raise(c, cert.state);
			if (cert.state != STATE_OK)
				item(&items, "%s", cert.text);
			else
				check_long(c, "%s", cert.text);
		}
		judge_content(c, cfg, r, too_large, &items);
		if (items.len)
			check_summary(c, "%s - ", buf_cstr(&items));
		check_summary(c, "%llu bytes in %.3f second response time", r->header_bytes + r->body_bytes, r->total);
		check_raise(c, range_judge(r->total, &cfg->warn, &cfg->crit));
	}
	buf_free(&items);

	perf_time(c, "time", r->total, cfg, &cfg->warn, &cfg->crit);
	check_perf(c, &(struct perf){ .label = "size", .value = (double)(r->header_bytes + r->body_bytes),
	                              .uom = "B", .decimals = 0, .warn = cfg->pagesize.set ? &cfg->pagesize : NULL,
	                              .has_min = true });
	if (cfg->extended) {
		perf_time(c, "time_connect", r->connect, cfg, NULL, NULL);
		if (r->appconnect > 0)
			perf_time(c, "time_ssl", r->appconnect - r->connect, cfg, NULL, NULL);
		perf_time(c, "time_headers", r->headers_done > r->pretransfer ? r->headers_done - r->pretransfer : 0,
		          cfg, NULL, NULL);
		perf_time(c, "time_firstbyte", r->starttransfer - r->pretransfer, cfg, NULL, NULL);
		perf_time(c, "time_transfer", r->total - r->starttransfer, cfg, NULL, NULL);
	}
	cert_perf(c, &cert);
	if (cfg->show_body && r->body.len) {
		size_t n = r->body.len < SHOW_BODY_MAX ? r->body.len : SHOW_BODY_MAX;
		if (n == r->body.len && r->body.s[n - 1] == '\n')
			n--;
		check_long(c, "%.*s", (int)n, r->body.s);
	}
}

static void judge(struct check *c, const struct config *cfg, enum http_rc rc, const struct http_result *r)
{
	struct cert_verdict cert;
	if (rc != HTTP_OK && rc != HTTP_TOO_LARGE) {
		judge_failure(c, cfg, rc, r);
		if (cfg->req.cert && r->cert.have) {
			/* e.g. verification refused it: its dates still help */
			cert_judge(cfg, &r->cert, &cert);
			check_long(c, "%s", cert.text);
			cert_perf(c, &cert);
		}
	} else if (cfg->req.handshake_only) {
		if (r->cert.have) {
			cert_judge(cfg, &r->cert, &cert);
			check_raise(c, cert.state);
			check_summary(c, "%s", cert.text);
			cert_perf(c, &cert);
		} else {
			check_raise(c, STATE_CRITICAL);
			check_summary(c, "No server certificate received");
		}
	} else {
		judge_response(c, cfg, r, rc == HTTP_TOO_LARGE);
	}
}

/* -v: what was asked of whom; -vv adds the response headers. */
static void describe(struct check *c, const struct config *cfg, const struct http_result *r)
{
	if (!plugin_verbose)
		return;
	const struct http_request *q = &cfg->req;
	check_long(c, "%s %s%s%s", q->method ? q->method : q->post ? "POST" : "GET", r->url, r->ip[0] ? " at " : "", r->ip);
	if (r->redirects)
		check_long(c, "followed %ld redirect(s)", r->redirects);
	if (r->tls[0])
		check_long(c, "TLS: %s", r->tls);
	if (r->cert.have)
		check_long(c, "certificate %s issued by %s", r->cert.subject, r->cert.issuer);
	if (plugin_verbose > 1 && r->headers.len)
		check_long(c, "%.*s", (int)r->headers.len, r->headers.s);
}

int main(int argc, char **argv)
{
	struct config cfg = { .req = { .max_redirs = 15, .max_size = 16 * 1048576.0 } };
	struct http_result r;
	struct check c;

	program_parse(&prog, argc, argv, on_option, &cfg);
	config_finish(&cfg);
	check_init(&c, prog.service);
	enum http_rc rc = http_fetch(&cfg.req, &r);
	judge(&c, &cfg, rc, &r);
	describe(&c, &cfg, &r);
	http_result_free(&r);
	http_request_free(&cfg.req);
	check_exit(&c);
}
