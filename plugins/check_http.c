/* check_http: one HTTP(S) request through libcurl, judged as
 * monitoring-plugins' check_http judges it (status line, content, size,
 * response time, redirects, the certificate's days left on the same
 * connection), with its option letters, its "HTTP OK: " status line and
 * its time/size perfdata. Unlike it, TLS is verified by default.
 *
 * main(): options -> config_finish() -> fetch_run() (curl) -> judge() ->
 * check_exit(). The body is counted as it arrives; only what -r/-B need
 * is kept, and never more than --max-size. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pcre2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"
#include "size.h"
#include "timeout.h"

/* Debian's (and most distributions') trust store as c_rehash lays it out */
#define SYSTEM_CA_PATH "/etc/ssl/certs"

enum redirect { REDIR_OK, REDIR_WARNING, REDIR_CRITICAL, REDIR_FOLLOW, REDIR_STICKY, REDIR_STICKYPORT };

enum {
	OPT_SNI = 256, OPT_CONTINUE, OPT_INVERT, OPT_MAX_REDIRS, OPT_AUTH_FILE, OPT_PROXY,
	OPT_INSECURE, OPT_CA_FILE, OPT_CA_PATH, OPT_TLS_VERSION, OPT_MAX_SIZE, OPT_EREG,
};

enum {
	HEADERS_KEEP = 64 * 1024,      /* response headers kept for -d, -M and -vv */
	SHOW_BODY_MAX = 64 * 1024,     /* -B prints at most this much */
	SEARCH_SHOWN = 29,             /* -s/-d strings in messages, as monitoring-plugins cuts them */
	VISITED_MAX = 64,
};

struct config {
	/* where */
	const char *hostname, *address, *url_arg;
	char *vhost;                    /* -H without its :PORT */
	long vport;                     /* -H's :PORT, for the Host header */
	long port;                      /* 0: 80 or 443 */
	bool ssl;
	long ipresolve;
	/* the request */
	const char *method, *post, *content_type, *agent;
	struct curl_slist *headers;
	const char *auth, *auth_file, *proxy, *proxy_auth;
	/* TLS */
	bool insecure;
	const char *ca_file, *ca_path, *client_cert, *client_key;
	long tls_min;
	bool cert_check, cert_continue;
	long cert_warn, cert_crit;
	/* judging */
	const char *expect, *header_string, *string, *regex;
	bool regex_icase, invert, linespan;
	enum redirect onredirect;
	long max_redirs;
	struct range warn, crit, pagesize;
	double max_size;
	long max_age;
	bool no_body, extended, show_body;
	/* derived by config_finish() */
	char *url;
	bool https;
	struct curl_slist *connect_to;
	char userpwd[1024];
	pcre2_code *re;
	double timeout;
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
	                                  "as `openssl rehash` makes; default " SYSTEM_CA_PATH ")" },
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
	         "days with -C. Network failures, timeouts and TLS errors are CRITICAL.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

/* ---- options ---------------------------------------------------------- */

/* curl_slist_append() returns NULL without memory, and the list is lost. */
static void list_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);
	if (!n)
		plugin_die(STATE_UNKNOWN, "out of memory");
	*l = n;
}

/* An address literal ([v6] too), or a DNS name of letters, digits, '-' and
 * '_' labels, so nothing odd reaches the URL or a resolver. Internationalized
 * names go in their punycode form: curl's IDN conversion depends on the
 * locale, which a monitoring engine rarely sets. */
static const char *check_host(const char *s)
{
	unsigned char a6[16];
	size_t n = strlen(s);
	if (strpbrk(s, "/?#"))
		return "a host, not a URL (a URL goes to --url)";
	if (n > 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < 64) {
		char v6[64];
		memcpy(v6, s + 1, n - 2);
		v6[n - 2] = '\0';
		return inet_pton(AF_INET6, v6, a6) == 1 ? NULL : "not an IPv6 address in [ ]";
	}
	/* dotted quads only: inet_aton's "127.1" or "999" forms hide typos */
	if (inet_pton(AF_INET6, s, a6) == 1 || inet_pton(AF_INET, s, a6) == 1)
		return NULL;
	if (n == 0 || n > 253)
		return "not a host name or address";
	/* no top-level domain is all digits: "10.0.0.300" is a typo, not a name */
	const char *last = strrchr(s, '.');
	last = last && last[1] ? last + 1 : s;
	if (strspn(last, "0123456789") == strlen(last) && strcspn(last, ".") == strlen(last))
		return "not an IPv4 address";
	size_t label = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80)
			return "not a host name or address (write an internationalized name as xn--...)";
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return "not a host name or address";
			label = 0;
		} else if (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		           (*p == '-' && label > 0)) {
			if (++label > 63)
				return "not a host name or address (a label over 63 bytes)";
		} else {
			return "not a host name or address";
		}
	}
	return NULL;
}

/* -H HOST[:PORT] or [V6][:PORT]: the port is for the Host header only. */
static const char *parse_vhost(struct config *cfg, const char *arg)
{
	const char *colon = NULL;
	if (strpbrk(arg, "/?#"))
		return "a host, not a URL (a URL goes to --url)";
	if (arg[0] == '[') {
		const char *end = strstr(arg, "]:");
		colon = end ? end + 1 : NULL;
	} else {
		colon = strchr(arg, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;   /* a bare IPv6 address */
	}
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	free(cfg->vhost);
	cfg->vhost = xmalloc(n + 1);
	memcpy(cfg->vhost, arg, n);
	cfg->vhost[n] = '\0';
	cfg->vport = 0;
	if (colon && !num_parse_long(colon + 1, 1, 65535, &cfg->vport))
		return "the port after : is not a number from 1 to 65535";
	return check_host(cfg->vhost);
}

/* SCHEME://HOST[:PORT][/] with a scheme curl can use as a proxy. */
static const char *check_proxy(const char *arg)
{
	static const char *const schemes[] = { "http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://" };
	const char *rest = NULL;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !rest; i++)
		if (strncasecmp(arg, schemes[i], strlen(schemes[i])) == 0)
			rest = arg + strlen(schemes[i]);
	if (!rest)
		return "give SCHEME://HOST:PORT (http, https, socks4, socks4a, socks5, socks5h)";
	char host[300];
	size_t n = strcspn(rest, "/");
	if (rest[n] && strcmp(rest + n, "/") != 0)
		return "a proxy URL has no path";
	if (n >= sizeof host)
		return "not a host name or address";
	memcpy(host, rest, n);
	host[n] = '\0';
	/* HOST:PORT or [V6]:PORT */
	char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
	if (colon && host[0] == '[')
		colon++;
	long port;
	if (colon) {
		*colon = '\0';
		if (!num_parse_long(colon + 1, 1, 65535, &port))
			return "the proxy port is not a number from 1 to 65535";
	}
	return check_host(host);
}

/* A header line: a token, a colon, then no CR or LF. */
static const char *check_header(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s)
		return "a header is NAME: VALUE";
	for (const char *p = s; p < colon; p++)
		if (!strchr("!#$%&'*+-.^_`|~", *p) && !(*p >= '0' && *p <= '9') &&
		    !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return "the header name has a character a header name cannot have";
	if (strpbrk(s, "\r\n"))
		return "a header cannot hold a line break";
	return NULL;
}

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
	char w[32];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	if (n >= sizeof w)
		return "not WARN[,CRIT] days";
	memcpy(w, arg, n);
	w[n] = '\0';
	if (!num_parse_long(w, 0, 100000, &cfg->cert_warn) ||
	    (comma && !num_parse_long(comma + 1, 0, 100000, &cfg->cert_crit)))
		return "not WARN[,CRIT] whole days from 0 to 100000";
	if (cfg->cert_crit > cfg->cert_warn)
		return "CRIT days must not be more than WARN days";
	cfg->cert_check = true;
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
	static const char *const policies[] = { "ok", "warning", "critical", "follow", "sticky", "stickyport" };
	struct config *cfg = cfg_;
	const char *err;
	switch (key) {
	case 'H': cfg->hostname = arg; return parse_vhost(cfg, arg);
	case 'I': cfg->address = arg; return check_host(arg);
	case 'p': return opt_long(arg, 1, 65535, &cfg->port);
	case 'u': cfg->url_arg = arg; return *arg ? NULL : "empty URL";
	case '4': cfg->ipresolve = CURL_IPRESOLVE_V4; return NULL;
	case '6': cfg->ipresolve = CURL_IPRESOLVE_V6; return NULL;
	case 'S': cfg->ssl = true; return NULL;
	case OPT_TLS_VERSION: {
		static const char *const v[] = { "1.0", "1.1", "1.2", "1.3" };
		static const long cv[] = { CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_1,
		                           CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3 };
		for (size_t i = 0; i < 4; i++)
			if (strcmp(arg, v[i]) == 0) {
				cfg->tls_min = cv[i];
				return NULL;
			}
		return "give 1.0, 1.1, 1.2 or 1.3";
	}
	case OPT_SNI: return NULL;  /* always on for names; IP literals have no SNI */
	case OPT_INSECURE: cfg->insecure = true; return NULL;
	case OPT_CA_FILE: cfg->ca_file = arg; return NULL;
	case OPT_CA_PATH: cfg->ca_path = arg; return NULL;
	case 'J': cfg->client_cert = arg; return NULL;
	case 'K': cfg->client_key = arg; return NULL;
	case 'C': return parse_certdays(arg, cfg);
	case OPT_CONTINUE: cfg->cert_continue = true; return NULL;
	case 'e':
		cfg->expect = arg;
		if (!*arg || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
			return "an empty item in the list";
		return NULL;
	case 'd': cfg->header_string = arg; return *arg ? NULL : "empty string";
	case 's': cfg->string = arg; return *arg ? NULL : "empty string";
	case 'r': case OPT_EREG: cfg->regex = arg; cfg->regex_icase = false; return NULL;
	case 'R': cfg->regex = arg; cfg->regex_icase = true; return NULL;
	case 'l': cfg->linespan = true; return NULL;
	case OPT_INVERT: cfg->invert = true; return NULL;
	case 'j':
		if (!*arg || strlen(arg) > 32 || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                                           "0123456789!#$%&'*+-.^_`|~") != strlen(arg))
			return "not a method name";
		if (strncasecmp(arg, "CONNECT", 7) == 0)
			return "CONNECT is not a check: use --proxy to go through a proxy";
		cfg->method = arg;
		return NULL;
	case 'P': cfg->post = arg; return NULL;
	case 'T': cfg->content_type = arg; return strpbrk(arg, "\r\n") ? "a line break in the type" : NULL;
	case 'N': cfg->no_body = true; return NULL;
	case 'k':
		if ((err = check_header(arg)))
			return err;
		list_add(&cfg->headers, arg);
		return NULL;
	case 'A': cfg->agent = arg; return strpbrk(arg, "\r\n") ? "a line break in the user agent" : NULL;
	case 'a': cfg->auth = arg; return strchr(arg, ':') ? NULL : "not USER:PASSWORD";
	case OPT_AUTH_FILE: cfg->auth_file = arg; return NULL;
	case OPT_PROXY: cfg->proxy = arg; return check_proxy(arg);
	case 'b': cfg->proxy_auth = arg; return strchr(arg, ':') ? NULL : "not USER:PASSWORD";
	case 'f':
		for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
			if (strcasecmp(arg, policies[i]) == 0) {
				cfg->onredirect = (enum redirect)i;
				return NULL;
			}
		return "give ok, warning, critical, follow, sticky or stickyport";
	case OPT_MAX_REDIRS: return opt_long(arg, 0, 1000, &cfg->max_redirs);
	case 'm': return parse_pagesize(arg, &cfg->pagesize);
	case OPT_MAX_SIZE:
		if (!size_parse(arg, 1, &cfg->max_size, NULL) || cfg->max_size < 1 || cfg->max_size > 1073741824.0)
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

/* ---- the target: URL, connect-to, credentials, regex ------------------- */

static bool has_scheme(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* "[v6]" for URLs and connect-to entries; names and IPv4 as they are. */
static void url_host(struct buf *b, const char *host)
{
	if (strchr(host, ':') && host[0] != '[')
		buf_printf(b, "[%s]", host);
	else
		buf_puts(b, host);
}

static void readable(const char *what, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		plugin_die(STATE_UNKNOWN, "%s '%.200s': cannot read it", what, path);
	fclose(f);
}

/* The host of an http(s) URL as written (curl's parser would turn "999"
 * into 0.0.3.231 before we could look at it). */
static const char *check_url_host(const char *url)
{
	char host[300];
	const char *p = strstr(url, "://") + 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n >= sizeof host)
		return "not a host name or address";
	memcpy(host, p, n);
	host[n] = '\0';
	char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
	if (colon)
		colon[host[0] == '[' ? 1 : 0] = '\0';
	return check_host(host);
}

static void build_url(struct config *cfg)
{
	struct buf url = BUF_INIT;
	if (cfg->url_arg && has_scheme(cfg->url_arg)) {
		if (cfg->hostname || cfg->address || cfg->port)
			plugin_die(STATE_UNKNOWN, "a whole URL in --url names the host and port itself: "
			           "drop -H, -I and -p (for a proxy use --proxy)");
		cfg->https = strncasecmp(cfg->url_arg, "https://", 8) == 0;
		if (cfg->ssl && !cfg->https)
			plugin_die(STATE_UNKNOWN, "-S with an http:// URL: write https://");
		buf_puts(&url, cfg->url_arg);
	} else {
		const char *path = cfg->url_arg ? cfg->url_arg : "/";
		if (path[0] != '/')
			plugin_die(STATE_UNKNOWN, "--url '%.100s': give a path starting with / or an http(s):// URL", path);
		if (!cfg->hostname && !cfg->address)
			plugin_die(STATE_UNKNOWN, "give the server: -H HOST, -I ADDRESS or --url URL");
		cfg->https = cfg->ssl || cfg->cert_check;
		long port = cfg->port ? cfg->port : (cfg->https ? 443 : 80);

		const char *name = cfg->vhost;
		if (cfg->vport) {
			struct buf h = BUF_INIT;
			buf_puts(&h, "Host: ");
			url_host(&h, name);
			buf_printf(&h, ":%ld", cfg->vport);
			list_add(&cfg->headers, buf_cstr(&h));
			buf_free(&h);
		}
		buf_printf(&url, "%s://", cfg->https ? "https" : "http");
		url_host(&url, name ? name : cfg->address);
		buf_printf(&url, ":%ld%s", port, path);

		/* Connect to -I while the URL (Host, SNI, verification) keeps -H's name;
		 * sticky redirects keep connecting there (stickyport: and to this port). */
		const char *to = cfg->address ? cfg->address : name;
		struct buf ct = BUF_INIT;
		if (cfg->onredirect == REDIR_STICKY || cfg->onredirect == REDIR_STICKYPORT) {
			buf_puts(&ct, "::");
			url_host(&ct, to);
			buf_putc(&ct, ':');
			if (cfg->onredirect == REDIR_STICKYPORT)
				buf_printf(&ct, "%ld", port);
		} else if (name && cfg->address) {
			url_host(&ct, name);
			buf_printf(&ct, ":%ld:", port);
			url_host(&ct, cfg->address);
			buf_printf(&ct, ":%ld", port);
		}
		if (ct.len)
			list_add(&cfg->connect_to, buf_cstr(&ct));
		buf_free(&ct);
	}

	/* curl's own parser says now whether the URL is usable, so a typo is
	 * UNKNOWN (our input), not CRITICAL (the server). */
	CURLU *u = curl_url();
	if (!u)
		plugin_die(STATE_UNKNOWN, "out of memory");
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, buf_cstr(&url), 0);
	curl_url_cleanup(u);
	const char *bad_host = uc == CURLUE_OK ? check_url_host(buf_cstr(&url)) : NULL;
	if (uc != CURLUE_OK)
		plugin_die(STATE_UNKNOWN, "bad URL '%.200s': %s", buf_cstr(&url), curl_url_strerror(uc));
	if (bad_host)
		plugin_die(STATE_UNKNOWN, "bad URL '%.200s': %s", buf_cstr(&url), bad_host);
	cfg->url = xstrdup(buf_cstr(&url));
	buf_free(&url);
}

static bool has_header(const struct curl_slist *l, const char *name)
{
	for (; l; l = l->next)
		if (strncasecmp(l->data, name, strlen(name)) == 0 && l->data[strlen(name)] == ':')
			return true;
	return false;
}

static void config_finish(struct config *cfg)
{
	cfg->timeout = timeout_seconds();  /* perfdata's max, as monitoring-plugins */
	build_url(cfg);
	/* as monitoring-plugins asks, so the server's headers (and the size) match */
	if (!has_header(cfg->headers, "Connection"))
		list_add(&cfg->headers, "Connection: close");
	if (cfg->cert_check && !cfg->https)
		plugin_die(STATE_UNKNOWN, "-C needs HTTPS: the URL is http://");
	if (cfg->cert_check && cfg->proxy && strncasecmp(cfg->proxy, "https://", 8) == 0)
		plugin_die(STATE_UNKNOWN, "-C through an https:// proxy would see the proxy's certificate first");
	if (cfg->client_key && !cfg->client_cert)
		plugin_die(STATE_UNKNOWN, "-K needs the client certificate too (-J)");
	if (cfg->client_cert)
		readable("--client-cert", cfg->client_cert);
	if (cfg->client_key)
		readable("--private-key", cfg->client_key);
	if (cfg->ca_file)
		readable("--ca-file", cfg->ca_file);
	if (cfg->ca_path && access(cfg->ca_path, R_OK | X_OK) != 0)
		plugin_die(STATE_UNKNOWN, "--ca-path '%.200s': cannot read the directory", cfg->ca_path);
	if (cfg->auth && cfg->auth_file)
		plugin_die(STATE_UNKNOWN, "give -a or --auth-file, not both");
	if (cfg->auth_file) {
		const char *err = secret_read_file(cfg->auth_file, cfg->userpwd, sizeof cfg->userpwd);
		if (err)
			plugin_die(STATE_UNKNOWN, "--auth-file '%.200s': %s", cfg->auth_file, err);
		if (!strchr(cfg->userpwd, ':'))
			plugin_die(STATE_UNKNOWN, "--auth-file '%.200s': the first line is not USER:PASSWORD", cfg->auth_file);
	} else if (cfg->auth) {
		if (strlen(cfg->auth) >= sizeof cfg->userpwd)
			plugin_die(STATE_UNKNOWN, "-a: too long");
		strcpy(cfg->userpwd, cfg->auth);
	}
	if (cfg->content_type) {
		struct buf h = BUF_INIT;
		buf_printf(&h, "Content-Type: %s", cfg->content_type);
		list_add(&cfg->headers, buf_cstr(&h));
		buf_free(&h);
	}
	if (cfg->regex) {
		int code;
		PCRE2_SIZE off;
		uint32_t flags = (cfg->linespan ? PCRE2_DOTALL : PCRE2_MULTILINE) | (cfg->regex_icase ? PCRE2_CASELESS : 0);
		cfg->re = pcre2_compile((PCRE2_SPTR)cfg->regex, PCRE2_ZERO_TERMINATED, flags, &code, &off, NULL);
		if (!cfg->re) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(code, msg, sizeof msg);
			plugin_die(STATE_UNKNOWN, "--regex '%.60s': %s at offset %zu", cfg->regex, (char *)msg, (size_t)off);
		}
	}
}

static void config_free(struct config *cfg)
{
	explicit_bzero(cfg->userpwd, sizeof cfg->userpwd);
	curl_slist_free_all(cfg->headers);
	curl_slist_free_all(cfg->connect_to);
	pcre2_code_free(cfg->re);
	free(cfg->url);
	free(cfg->vhost);
}

/* ---- measuring: one curl transfer ------------------------------------- */

struct fetch {
	CURL *h;
	const struct config *cfg;
	CURLcode rc;
	char error[CURL_ERROR_SIZE];
	struct buf status;              /* the last response's status line */
	struct buf headers;             /* its header lines, up to HEADERS_KEEP */
	struct buf body;                /* kept for -r and -B only */
	struct buf tail;                /* -s: the end of the body, for a match across chunks */
	unsigned long long header_bytes, body_bytes;
	int code;                       /* from the status line */
	bool in_headers, found, too_big, stopped, loop;
	double t0, t_headers;
	char *visited[VISITED_MAX];     /* URLs that answered with a redirect */
	size_t nvisited;
	char tls[96];                   /* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
	double total, connect, appconnect, pretransfer, starttransfer;
	long redirects;
	char *url;                      /* the last URL requested */
	char ip[64];
	long ip_port, os_errno;
};

/* The server certificate of the first TLS handshake, taken while OpenSSL
 * verifies it, so the dates are known even when verification fails. */
static X509 *peer_cert;

static int on_verify(int ok, X509_STORE_CTX *store)
{
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	if (!peer_cert && leaf && X509_up_ref(leaf))
		peer_cert = leaf;
	return ok;
}

static CURLcode on_ssl_ctx(CURL *h, void *ctx, void *ud)
{
	(void)h;
	(void)ud;
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
	return CURLE_OK;
}

static void note_tls(struct fetch *f)
{
	struct curl_tlssessioninfo *ti = NULL;
	if (f->tls[0] || curl_easy_getinfo(f->h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
		return;
	SSL *ssl = ti->internals;
	snprintf(f->tls, sizeof f->tls, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

static bool over_budget(const struct fetch *f, size_t more)
{
	return (double)(f->header_bytes + f->body_bytes + more) > f->cfg->max_size;
}

static void start_response(struct fetch *f, const char *p, size_t len)
{
	f->in_headers = true;
	buf_reset(&f->status);
	size_t n = len;
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	buf_add(&f->status, p, n);
	const char *sp = memchr(p, ' ', n);
	f->code = (sp && n - (size_t)(sp - p) >= 4) ? atoi(sp + 1) : 0;
	buf_reset(&f->headers);
	buf_reset(&f->body);
	buf_reset(&f->tail);
	f->header_bytes = f->body_bytes = 0;
	f->found = false;
	note_tls(f);
}

static bool following(const struct config *cfg)
{
	return cfg->onredirect >= REDIR_FOLLOW;
}

/* false stops the transfer: a redirect loop, or -N has what it wants. */
static bool end_of_headers(struct fetch *f)
{
	f->in_headers = false;
	f->t_headers = monotonic_now() - f->t0;
	bool redirect = f->code >= 300 && f->code < 400;
	if (redirect && following(f->cfg)) {
		char *url = NULL;
		curl_easy_getinfo(f->h, CURLINFO_EFFECTIVE_URL, &url);
		for (size_t i = 0; url && i < f->nvisited; i++)
			if (strcmp(f->visited[i], url) == 0) {
				f->loop = true;
				return false;
			}
		if (url && f->nvisited < VISITED_MAX)
			f->visited[f->nvisited++] = xstrdup(url);
		return true;
	}
	if (f->cfg->no_body && f->code >= 200) {
		f->stopped = true;
		return false;
	}
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct fetch *f = ud;
	size_t len = size * n;
	/* a status line starts each response (1xx, redirects, the last one);
	 * other lines outside a header block are chunked trailers */
	if (!f->in_headers && len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		start_response(f, p, len);
	if (over_budget(f, len)) {
		f->too_big = true;
		return 0;
	}
	f->header_bytes += len;
	if ((len == 2 && p[0] == '\r' && p[1] == '\n') || (len == 1 && p[0] == '\n'))
		return !f->in_headers || end_of_headers(f) ? len : 0;
	if (f->headers.len + len <= HEADERS_KEEP)
		buf_add(&f->headers, p, len);
	return len;
}

/* -s without keeping the body: the last strlen-1 bytes are enough to find
 * a match that straddles two chunks. */
static void search_stream(struct fetch *f, const char *p, size_t len)
{
	size_t need = strlen(f->cfg->string);
	buf_add(&f->tail, p, len);
	if (memmem(f->tail.s, f->tail.len, f->cfg->string, need)) {
		f->found = true;
		buf_free(&f->tail);
	} else if (f->tail.len >= need) {
		memmove(f->tail.s, f->tail.s + f->tail.len - (need - 1), need - 1);
		f->tail.len = need - 1;
	}
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct fetch *f = ud;
	size_t len = size * n, take = len;
	if (over_budget(f, len)) {
		f->too_big = true;
		double room = f->cfg->max_size - (double)(f->header_bytes + f->body_bytes);
		take = room > 0 ? (size_t)room : 0;
	}
	f->body_bytes += take;
	if (f->cfg->re || (f->cfg->show_body && f->body.len < SHOW_BODY_MAX))
		buf_add(&f->body, p, take);
	if (f->cfg->string && !f->found)
		search_stream(f, p, take);
	return take == len ? len : 0;
}

static double info_secs(CURL *h, CURLINFO what)
{
	curl_off_t us = 0;
	curl_easy_getinfo(h, what, &us);
	return (double)us / 1e6;
}

#define SETOPT(opt, val) do { \
		CURLcode setopt_rc_ = curl_easy_setopt(h, opt, val); \
		if (setopt_rc_ != CURLE_OK) \
			plugin_die(STATE_UNKNOWN, "libcurl: %s: %s", #opt, curl_easy_strerror(setopt_rc_)); \
	} while (0)

static void fetch_setup(struct fetch *f, const struct config *cfg)
{
	CURL *h = f->h;
	SETOPT(CURLOPT_URL, cfg->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, f->error);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, f);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, f);
	/* answer by ourselves, a little before the -t alarm would */
	double left = timeout_remaining() - 0.05;
	SETOPT(CURLOPT_TIMEOUT_MS, left > 0.001 ? (long)(left * 1000) : 1L);
	SETOPT(CURLOPT_PROXY, cfg->proxy ? cfg->proxy : "");  /* "": ignore http_proxy & co. */
	if (cfg->proxy_auth) {
		SETOPT(CURLOPT_PROXYUSERPWD, cfg->proxy_auth);
		SETOPT(CURLOPT_PROXYAUTH, (long)CURLAUTH_BASIC);
	}
	SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	if (cfg->ipresolve)
		SETOPT(CURLOPT_IPRESOLVE, cfg->ipresolve);
	if (cfg->connect_to)
		SETOPT(CURLOPT_CONNECT_TO, cfg->connect_to);
	if (cfg->headers)
		SETOPT(CURLOPT_HTTPHEADER, cfg->headers);
	SETOPT(CURLOPT_USERAGENT, cfg->agent ? cfg->agent : "check_http/" PACKAGE_VERSION " (mamori)");
	if (cfg->userpwd[0]) {
		SETOPT(CURLOPT_USERPWD, cfg->userpwd);  /* curl keeps a copy; ours is wiped at the end */
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (cfg->post) {
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(cfg->post));
		SETOPT(CURLOPT_POSTFIELDS, cfg->post);
	}
	if (cfg->method && strcasecmp(cfg->method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	else if (cfg->method && strcmp(cfg->method, cfg->post ? "POST" : "GET") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, cfg->method);
	if (following(cfg)) {
		SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
		SETOPT(CURLOPT_MAXREDIRS, cfg->max_redirs);
	}
	/* TLS: verified unless --insecure; the certificate is noted either way */
	if (cfg->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	/* The system store as a hashed directory: OpenSSL then reads only the
	 * issuer it needs, where the bundle file (curl's default) costs ~25 ms
	 * of parsing 140 certificates on every run. */
	const char *ca_path = cfg->ca_path ? cfg->ca_path : cfg->ca_file ? NULL : SYSTEM_CA_PATH;
	SETOPT(CURLOPT_CAINFO, cfg->ca_file);
	SETOPT(CURLOPT_CAPATH, ca_path);
	if (cfg->proxy) {
		/* an https:// proxy is trusted (or not) like the server */
		SETOPT(CURLOPT_PROXY_CAINFO, cfg->ca_file);
		SETOPT(CURLOPT_PROXY_CAPATH, ca_path);
		if (cfg->insecure) {
			SETOPT(CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
			SETOPT(CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
		}
	}
	if (cfg->client_cert)
		SETOPT(CURLOPT_SSLCERT, cfg->client_cert);
	if (cfg->client_key)
		SETOPT(CURLOPT_SSLKEY, cfg->client_key);
	if (cfg->tls_min)
		SETOPT(CURLOPT_SSLVERSION, cfg->tls_min);
	if (cfg->https || following(cfg)) {
		if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) != CURLE_OK && cfg->cert_check)
			plugin_die(STATE_UNKNOWN, "-C needs libcurl built with OpenSSL");
	}
	if (cfg->cert_check && !cfg->cert_continue)
		SETOPT(CURLOPT_CONNECT_ONLY, 1L);  /* handshake only, as monitoring-plugins' -C */
}

static void fetch_run(struct fetch *f, const struct config *cfg)
{
	memset(f, 0, sizeof *f);
	f->cfg = cfg;
	signal(SIGPIPE, SIG_IGN);  /* a peer that hangs up mid-write is an error, not a signal */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(f->h = curl_easy_init()))
		plugin_die(STATE_UNKNOWN, "libcurl could not start");
	fetch_setup(f, cfg);
	f->t0 = monotonic_now();
	f->rc = curl_easy_perform(f->h);

	CURL *h = f->h;
	f->total = info_secs(h, CURLINFO_TOTAL_TIME_T);
	f->connect = info_secs(h, CURLINFO_CONNECT_TIME_T);
	f->appconnect = info_secs(h, CURLINFO_APPCONNECT_TIME_T);
	f->pretransfer = info_secs(h, CURLINFO_PRETRANSFER_TIME_T);
	f->starttransfer = info_secs(h, CURLINFO_STARTTRANSFER_TIME_T);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &f->redirects);
	char *s = NULL;
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &s);
	f->url = xstrdup(s ? s : cfg->url);
	s = NULL;
	curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &s);
	snprintf(f->ip, sizeof f->ip, "%s", s ? s : "");
	curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &f->ip_port);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &f->os_errno);
	if (cfg->cert_check && !cfg->cert_continue) {
		note_tls(f);
		if (f->rc == CURLE_OK)
			f->total = f->appconnect;
	}
}

static void fetch_free(struct fetch *f)
{
	curl_easy_cleanup(f->h);
	curl_global_cleanup();
	buf_free(&f->status);
	buf_free(&f->headers);
	buf_free(&f->body);
	buf_free(&f->tail);
	for (size_t i = 0; i < f->nvisited; i++)
		free(f->visited[i]);
	free(f->url);
	X509_free(peer_cert);
	peer_cert = NULL;
}

/* ---- judging ----------------------------------------------------------- */

/* A network or protocol failure: CRITICAL with curl's words, in
 * monitoring-plugins' phrasing where it has one. */
static void judge_failure(struct check *c, const struct config *cfg, const struct fetch *f)
{
	const char *why = f->error[0] ? f->error : curl_easy_strerror(f->rc);
	enum state st = STATE_CRITICAL;
	switch (f->rc) {
	case CURLE_WRITE_ERROR:
		if (f->loop) {
			check_summary(c, "redirection creates an infinite loop - %s", f->url);
			break;
		}
		check_summary(c, "%s", why);
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		st = STATE_WARNING;
		check_summary(c, "maximum redirection depth %ld exceeded - %s", cfg->max_redirs, f->url);
		break;
	case CURLE_GOT_NOTHING:
		check_summary(c, "No data received from host (%s)", why);
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_OUT_OF_MEMORY:       /* curl's answer to a header line over 100 kB */
	case CURLE_BAD_CONTENT_ENCODING:
		check_summary(c, "Invalid HTTP response received from host on port %ld: %s",
		              f->ip_port, why);
		break;
	case CURLE_COULDNT_CONNECT:
		/* curl 7.x says "Couldn't connect to server"; the reason is errno */
		if (f->os_errno) {
			const char *vague = strstr(why, ": Couldn't connect to server");
			int n = vague ? (int)(vague - why) : (int)strlen(why);
			check_summary(c, "%.*s: %s", n, why, strerror((int)f->os_errno));
		} else {
			check_summary(c, "%s", why);
		}
		break;
	case CURLE_SSL_CONNECT_ERROR:
		check_summary(c, "Cannot make SSL connection: %s", why);
		break;
	case CURLE_SSL_CERTPROBLEM:     /* our client certificate, not the server */
		st = STATE_UNKNOWN;
		check_summary(c, "%s", why);
		break;
	default:
		check_summary(c, "%s", why);
	}
	check_raise(c, st);
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

static void cert_judge(const struct config *cfg, struct cert_verdict *v)
{
	char cn[256] = "", when[64] = "";
	struct tm tm;
	int days = 0, secs = 0;
	const ASN1_TIME *na = X509_get0_notAfter(peer_cert);
	X509_NAME_get_text_by_NID(X509_get_subject_name(peer_cert), NID_commonName, cn, sizeof cn);
	*v = (struct cert_verdict){
		.warn = { .lo_inf = true, .hi = (double)cfg->cert_warn, .inside = true, .set = true },
		.crit = { .lo_inf = true, .hi = (double)cfg->cert_crit, .inside = true, .set = true },
		.state = STATE_CRITICAL,
	};
	if (!ASN1_TIME_to_tm(na, &tm) || !ASN1_TIME_diff(&days, &secs, NULL, na)) {
		snprintf(v->text, sizeof v->text, "Certificate '%s' has an unreadable expiry date", cn);
		return;
	}
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y +0000", &tm);
	double left = (double)days * 86400 + secs;
	v->dated = true;
	v->days = (long)(left / 86400);
	if (left >= 0)
		v->state = range_judge((double)v->days, &v->warn, &v->crit);
	if (left < 0)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expired on %s.", cn, when);
	else if (v->days == 0)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expires in %ld %s (%s)", cn,
		         left >= 3600 ? (long)(left / 3600) : (long)(left / 60), left >= 3600 ? "hours" : "minutes", when);
	else if (v->state != STATE_OK)
		snprintf(v->text, sizeof v->text, "Certificate '%s' expires in %ld day(s) (%s).", cn, v->days, when);
	else
		snprintf(v->text, sizeof v->text, "Certificate '%s' will expire on %s.", cn, when);
}

static void cert_perf(struct check *c, const struct cert_verdict *v)
{
	if (v->dated)
		check_perf(c, &(struct perf){ .label = "days", .value = (double)v->days, .decimals = 0,
		                              .warn = &v->warn, .crit = &v->crit });
}

static bool expect_matches(const char *list, const char *status, int code)
{
	bool match = false;
	char *copy = xstrdup(list), *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item && !match; item = strtok_r(NULL, ",", &save)) {
		bool is_code = strlen(item) == 3 && strspn(item, "0123456789") == 3;
		match = is_code ? atoi(item) == code : strstr(status, item) != NULL;
	}
	free(copy);
	return match;
}

/* The status line: the -e list, or 5xx CRITICAL, 4xx WARNING, 3xx as -f.
 * false: the answer is final (the line is already written). */
static bool judge_status(struct check *c, const struct config *cfg, struct fetch *f)
{
	const char *status = buf_cstr(&f->status);
	if (cfg->expect) {
		if (expect_matches(cfg->expect, status, f->code)) {
			check_summary(c, "Status line output matched \"%s\" - ", cfg->expect);
			return true;
		}
		c->sep = " - ";
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "Invalid HTTP response received from host on port %ld: %s", f->ip_port, status);
		return false;
	}
	if (f->code < 100 || f->code > 599) {
		check_raise(c, STATE_CRITICAL);
		check_summary(c, "Invalid Status (%s)", status);
		return false;
	}
	static const enum state redirect_state[] = { STATE_OK, STATE_WARNING, STATE_CRITICAL };
	if (f->code >= 500)
		check_raise(c, STATE_CRITICAL);
	else if (f->code >= 400)
		check_raise(c, STATE_WARNING);
	else if (f->code >= 300 && !following(cfg))
		check_raise(c, redirect_state[cfg->onredirect]);
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

/* A header's value in the kept headers (case-insensitive name), or NULL. */
static char *header_value(const struct buf *headers, const char *name)
{
	size_t n = strlen(name);
	const char *p = headers->s, *end = headers->s + headers->len;
	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		if ((size_t)(le - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			char *out = xmalloc((size_t)(ve - v) + 1);
			memcpy(out, v, (size_t)(ve - v));
			out[ve - v] = '\0';
			return out;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* -M as monitoring-plugins: Last-Modified against the server's Date. */
static void judge_age(struct check *c, const struct config *cfg, const struct fetch *f, struct buf *items)
{
	char *date = header_value(&f->headers, "Date");
	char *modified = header_value(&f->headers, "Last-Modified");
	time_t srv = date ? curl_getdate(date, NULL) : -1;
	time_t doc = modified ? curl_getdate(modified, NULL) : -1;
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

static void judge_content(struct check *c, const struct config *cfg, const struct fetch *f, struct buf *items)
{
	char s[64];
	if (cfg->header_string && !(f->headers.len && memmem(f->headers.s, f->headers.len, cfg->header_string,
	                                                     strlen(cfg->header_string)))) {
		shown(s, sizeof s, cfg->header_string);
		item(items, "header '%s' not found on '%s'", s, f->url);
		check_raise(c, STATE_CRITICAL);
	}
	if (cfg->string && !f->found) {
		shown(s, sizeof s, cfg->string);
		item(items, "string '%s' not found on '%s'", s, f->url);
		check_raise(c, STATE_CRITICAL);
	}
	if (cfg->re) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(cfg->re, NULL);
		int rc = pcre2_match(cfg->re, (PCRE2_SPTR)(f->body.s ? f->body.s : ""), f->body.len, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(rc, msg, sizeof msg);
			item(items, "Execute Error: %s", (char *)msg);
			check_raise(c, STATE_CRITICAL);
		} else if ((rc >= 0) == cfg->invert) {
			item(items, cfg->invert ? "pattern found" : "pattern not found");
			check_raise(c, STATE_CRITICAL);
		}
	}
	if (cfg->max_age)
		judge_age(c, cfg, f, items);
	unsigned long long size = f->header_bytes + f->body_bytes;
	if (cfg->pagesize.set && range_alerts(&cfg->pagesize, (double)size)) {
		item(items, "page size %llu too %s", size, (double)size < cfg->pagesize.lo ? "small" : "large");
		check_raise(c, STATE_WARNING);
	}
	if (f->too_big) {
		item(items, "stopped reading at --max-size %.0f bytes", cfg->max_size);
		check_raise(c, STATE_WARNING);
	}
}

static void perf_time(struct check *c, const char *label, double v, const struct config *cfg,
                      const struct range *w, const struct range *cr)
{
	check_perf(c, &(struct perf){ .label = label, .value = v, .uom = "s", .decimals = 6, .warn = w, .crit = cr,
	                              .has_min = true, .has_max = true, .max = cfg->timeout });
}

static void judge_response(struct check *c, const struct config *cfg, struct fetch *f)
{
	struct buf items = BUF_INIT;
	struct cert_verdict cert = { .dated = false };
	c->sep = ": ";
	if (judge_status(c, cfg, f)) {
		if (cfg->cert_check && peer_cert) {
			/* the certificate goes into the line when it is the problem */
			cert_judge(cfg, &cert);
			check_raise(c, cert.state);
			if (cert.state != STATE_OK)
				item(&items, "%s", cert.text);
			else
				check_long(c, "%s", cert.text);
		}
		judge_content(c, cfg, f, &items);
		if (items.len)
			check_summary(c, "%s - ", buf_cstr(&items));
		check_summary(c, "%llu bytes in %.3f second response time", f->header_bytes + f->body_bytes, f->total);
		check_raise(c, range_judge(f->total, &cfg->warn, &cfg->crit));
	}
	buf_free(&items);

	perf_time(c, "time", f->total, cfg, &cfg->warn, &cfg->crit);
	check_perf(c, &(struct perf){ .label = "size", .value = (double)(f->header_bytes + f->body_bytes),
	                              .uom = "B", .decimals = 0, .warn = cfg->pagesize.set ? &cfg->pagesize : NULL,
	                              .has_min = true });
	if (cfg->extended) {
		perf_time(c, "time_connect", f->connect, cfg, NULL, NULL);
		if (f->appconnect > 0)
			perf_time(c, "time_ssl", f->appconnect - f->connect, cfg, NULL, NULL);
		perf_time(c, "time_headers", f->t_headers > f->pretransfer ? f->t_headers - f->pretransfer : 0,
		          cfg, NULL, NULL);
		perf_time(c, "time_firstbyte", f->starttransfer - f->pretransfer, cfg, NULL, NULL);
		perf_time(c, "time_transfer", f->total - f->starttransfer, cfg, NULL, NULL);
	}
	cert_perf(c, &cert);
	if (cfg->show_body && f->body.len) {
		size_t n = f->body.len < SHOW_BODY_MAX ? f->body.len : SHOW_BODY_MAX;
		if (n == f->body.len && f->body.s[n - 1] == '\n')
			n--;
		check_long(c, "%.*s", (int)n, f->body.s);
	}
}

static void describe(struct check *c, const struct config *cfg, const struct fetch *f)
{
	if (!plugin_verbose)
		return;
	check_long(c, "%s %s%s%s", cfg->method ? cfg->method : cfg->post ? "POST" : "GET", f->url,
	           f->ip[0] ? " at " : "", f->ip);
	if (f->redirects)
		check_long(c, "followed %ld redirect(s)", f->redirects);
	if (f->tls[0])
		check_long(c, "TLS: %s", f->tls);
	if (peer_cert) {
		char sub[256] = "", iss[256] = "";
		X509_NAME_oneline(X509_get_subject_name(peer_cert), sub, sizeof sub);
		X509_NAME_oneline(X509_get_issuer_name(peer_cert), iss, sizeof iss);
		check_long(c, "certificate %s issued by %s", sub, iss);
	}
	if (plugin_verbose > 1 && f->headers.len)
		check_long(c, "%s", buf_cstr((struct buf *)&f->headers));
}

static void judge(struct check *c, const struct config *cfg, struct fetch *f)
{
	struct cert_verdict cert;
	bool aborted_by_us = f->rc == CURLE_WRITE_ERROR && (f->stopped || f->too_big);
	if (f->rc != CURLE_OK && !aborted_by_us) {
		judge_failure(c, cfg, f);
		if (peer_cert && cfg->cert_check) {
			/* e.g. verification refused it: its dates still help */
			cert_judge(cfg, &cert);
			check_long(c, "%s", cert.text);
			cert_perf(c, &cert);
		}
	} else if (cfg->cert_check && !cfg->cert_continue) {
		if (peer_cert) {
			cert_judge(cfg, &cert);
			check_raise(c, cert.state);
			check_summary(c, "%s", cert.text);
			cert_perf(c, &cert);
		} else {
			check_raise(c, STATE_CRITICAL);
			check_summary(c, "No server certificate received");
		}
	} else {
		judge_response(c, cfg, f);
	}
	describe(c, cfg, f);
}

int main(int argc, char **argv)
{
	struct config cfg = { .max_redirs = 15, .max_size = 16 * 1048576.0 };
	struct fetch f;
	struct check c;

	program_parse(&prog, argc, argv, on_option, &cfg);
	config_finish(&cfg);
	check_init(&c, prog.service);
	fetch_run(&f, &cfg);
	judge(&c, &cfg, &f);
	fetch_free(&f);
	config_free(&cfg);
	check_exit(&c);
}
