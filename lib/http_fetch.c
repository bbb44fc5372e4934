/* One HTTP(S) request through libcurl: the option values it takes, the
 * URL and credentials, the transfer with its callbacks (status, headers,
 * body bounded by max_size, redirect loops), the server certificate taken
 * while OpenSSL verifies it, and the result code. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "http_fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pcre2.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "num.h"
#include "plugin.h"
#include "secret.h"
#include "timeout.h"

enum {
	HEADERS_KEEP = 64 * 1024,      /* response headers kept for the caller */
	VISITED_MAX = 64,
};

/* ---- option values ----------------------------------------------------- */

/* An address literal ([v6] too), or a DNS name of letters, digits, '-' and
 * '_' labels, so nothing odd reaches the URL or a resolver. Internationalized
 * names go in their punycode form: curl's IDN conversion depends on the
 * locale, which a monitoring engine rarely sets. */
const char *http_check_host(const char *s)
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

/* HOST[:PORT] or [V6][:PORT]: the port is for the Host header only. */
const char *http_parse_vhost(struct http_request *r, const char *arg)
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
	free(r->vhost);
	r->vhost = xmalloc(n + 1);
	memcpy(r->vhost, arg, n);
	r->vhost[n] = '\0';
	r->vport = 0;
	if (colon && !num_parse_long(colon + 1, 1, 65535, &r->vport))
		return "the port after : is not a number from 1 to 65535";
	return http_check_host(r->vhost);
}

/* SCHEME://HOST[:PORT][/] with a scheme curl can use as a proxy. */
const char *http_check_proxy(const char *arg)
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
	return http_check_host(host);
}

/* A header line: a token, a colon, then no CR or LF. */
const char *http_add_header(struct http_request *r, const char *s)
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
	r->headers = xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
	r->headers[r->nheaders++] = s;
	return NULL;
}

const char *http_check_method(const char *arg)
{
	if (!*arg || strlen(arg) > 32 || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                           "0123456789!#$%&'*+-.^_`|~") != strlen(arg))
		return "not a method name";
	if (strncasecmp(arg, "CONNECT", 7) == 0)
		return "CONNECT is not a check: use --proxy to go through a proxy";
	return NULL;
}

const char *http_parse_tls_version(const char *arg, int *version)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };
	for (int i = 0; i < 4; i++)
		if (strcmp(arg, names[i]) == 0) {
			*version = 10 + i;
			return NULL;
		}
	return "give 1.0, 1.1, 1.2 or 1.3";
}

const char *http_parse_redirect(const char *arg, enum http_redirect *out)
{
	static const char *const names[] = { "ok", "warning", "critical", "follow", "sticky", "stickyport" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(arg, names[i]) == 0) {
			*out = (enum http_redirect)i;
			return NULL;
		}
	return "give ok, warning, critical, follow, sticky or stickyport";
}

const char *http_check_expect(const char *list)
{
	if (!*list || list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		return "an empty item in the list";
	return NULL;
}

bool http_expect_match(const char *list, const char *status, int code)
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

/* ---- the request: URL, where to connect, credentials, regex ------------- */

static bool following(const struct http_request *r)
{
	return r->redirect >= HTTP_REDIR_FOLLOW;
}

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
	return http_check_host(host);
}

/* Connect to the address while the URL (Host, SNI, verification) keeps
 * the name; sticky redirects keep connecting there (stickyport: and to
 * this port). */
static void build_connect_to(struct http_request *r, long port)
{
	const char *to = r->address ? r->address : r->vhost;
	struct buf ct = BUF_INIT;
	if (r->redirect == HTTP_REDIR_STICKY || r->redirect == HTTP_REDIR_STICKYPORT) {
		buf_puts(&ct, "::");
		url_host(&ct, to);
		buf_putc(&ct, ':');
		if (r->redirect == HTTP_REDIR_STICKYPORT)
			buf_printf(&ct, "%ld", port);
	} else if (r->vhost && r->address) {
		url_host(&ct, r->vhost);
		buf_printf(&ct, ":%ld:", port);
		url_host(&ct, r->address);
		buf_printf(&ct, ":%ld", port);
	}
	if (ct.len)
		r->connect_to = xstrdup(buf_cstr(&ct));
	buf_free(&ct);
}

static void build_url(struct http_request *r)
{
	struct buf url = BUF_INIT;
	if (r->url && has_scheme(r->url)) {
		if (r->vhost || r->address || r->port)
			plugin_die(STATE_UNKNOWN, "a whole URL in --url names the host and port itself: "
			           "drop -H, -I and -p (for a proxy use --proxy)");
		r->https = strncasecmp(r->url, "https://", 8) == 0;
		if (r->ssl && !r->https)
			plugin_die(STATE_UNKNOWN, "-S with an http:// URL: write https://");
		buf_puts(&url, r->url);
	} else {
		const char *path = r->url ? r->url : "/";
		if (path[0] != '/')
			plugin_die(STATE_UNKNOWN, "--url '%.100s': give a path starting with / or an http(s):// URL", path);
		if (!r->vhost && !r->address)
			plugin_die(STATE_UNKNOWN, "give the server: -H HOST, -I ADDRESS or --url URL");
		r->https = r->ssl || r->cert;
		long port = r->port ? r->port : (r->https ? 443 : 80);
		if (r->vport) {
			struct buf h = BUF_INIT;
			buf_puts(&h, "Host: ");
			url_host(&h, r->vhost);
			buf_printf(&h, ":%ld", r->vport);
			r->host_header = xstrdup(buf_cstr(&h));
			buf_free(&h);
		}
		buf_printf(&url, "%s://", r->https ? "https" : "http");
		url_host(&url, r->vhost ? r->vhost : r->address);
		buf_printf(&url, ":%ld%s", port, path);
		build_connect_to(r, port);
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
	r->target = xstrdup(buf_cstr(&url));
	buf_free(&url);
}

static void read_credentials(struct http_request *r)
{
	if (r->auth && r->auth_file)
		plugin_die(STATE_UNKNOWN, "give -a or --auth-file, not both");
	if (r->auth_file) {
		const char *err = secret_read_file(r->auth_file, r->userpwd, sizeof r->userpwd);
		if (err)
			plugin_die(STATE_UNKNOWN, "--auth-file '%.200s': %s", r->auth_file, err);
		if (!strchr(r->userpwd, ':'))
			plugin_die(STATE_UNKNOWN, "--auth-file '%.200s': the first line is not USER:PASSWORD", r->auth_file);
	} else if (r->auth) {
		if (strlen(r->auth) >= sizeof r->userpwd)
			plugin_die(STATE_UNKNOWN, "-a: too long");
		strcpy(r->userpwd, r->auth);
	}
}

static void compile_regex(struct http_request *r)
{
	int code;
	PCRE2_SIZE off;
	uint32_t flags = (r->linespan ? PCRE2_DOTALL : PCRE2_MULTILINE) | (r->regex_icase ? PCRE2_CASELESS : 0);
	r->re = pcre2_compile((PCRE2_SPTR)r->regex, PCRE2_ZERO_TERMINATED, flags, &code, &off, NULL);
	if (!r->re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof msg);
		plugin_die(STATE_UNKNOWN, "--regex '%.60s': %s at offset %zu", r->regex, (char *)msg, (size_t)off);
	}
	r->keep_body = SIZE_MAX;  /* the regex sees the whole body */
}

void http_request_ready(struct http_request *r)
{
	build_url(r);
	if (r->cert && !r->https)
		plugin_die(STATE_UNKNOWN, "-C needs HTTPS: the URL is http://");
	if (r->cert && r->proxy && strncasecmp(r->proxy, "https://", 8) == 0)
		plugin_die(STATE_UNKNOWN, "-C through an https:// proxy would see the proxy's certificate first");
	if (r->client_key && !r->client_cert)
		plugin_die(STATE_UNKNOWN, "-K needs the client certificate too (-J)");
	if (r->client_cert)
		readable("--client-cert", r->client_cert);
	if (r->client_key)
		readable("--private-key", r->client_key);
	if (r->ca_file)
		readable("--ca-file", r->ca_file);
	if (r->ca_path && access(r->ca_path, R_OK | X_OK) != 0)
		plugin_die(STATE_UNKNOWN, "--ca-path '%.200s': cannot read the directory", r->ca_path);
	read_credentials(r);
	if (r->regex)
		compile_regex(r);
}

void http_request_free(struct http_request *r)
{
	explicit_bzero(r->userpwd, sizeof r->userpwd);
	pcre2_code_free(r->re);
	free(r->headers);
	free(r->vhost);
	free(r->target);
	free(r->connect_to);
	free(r->host_header);
}

/* ---- the transfer ------------------------------------------------------ */

struct fetch {                  /* one transfer, for the callbacks */
	CURL *h;
	const struct http_request *req;
	struct http_result *res;
	char error[CURL_ERROR_SIZE];
	struct curl_slist *headers, *connect_to;
	struct buf tail;                /* find: the end of the body, for a match across pieces */
	bool in_headers, too_big, stopped, loop;
	double t0;
	char *visited[VISITED_MAX];     /* URLs that answered with a redirect */
	size_t nvisited;
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
	if (f->res->tls[0] || curl_easy_getinfo(f->h, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
		return;
	SSL *ssl = ti->internals;
	snprintf(f->res->tls, sizeof f->res->tls, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

static void note_cert(struct http_cert *c)
{
	if (!peer_cert)
		return;
	struct tm tm;
	int days, secs;
	const ASN1_TIME *na = X509_get0_notAfter(peer_cert);
	c->have = true;
	X509_NAME_get_text_by_NID(X509_get_subject_name(peer_cert), NID_commonName, c->cn, sizeof c->cn);
	X509_NAME_oneline(X509_get_subject_name(peer_cert), c->subject, sizeof c->subject);
	X509_NAME_oneline(X509_get_issuer_name(peer_cert), c->issuer, sizeof c->issuer);
	c->dated = ASN1_TIME_to_tm(na, &tm) && ASN1_TIME_diff(&days, &secs, NULL, na);
	if (c->dated)
		c->not_after = timegm(&tm);
	X509_free(peer_cert);
	peer_cert = NULL;
}

static bool over_budget(const struct fetch *f, size_t more)
{
	return (double)(f->res->header_bytes + f->res->body_bytes + more) > f->req->max_size;
}

static void start_response(struct fetch *f, const char *p, size_t len)
{
	struct http_result *res = f->res;
	f->in_headers = true;
	buf_reset(&res->status);
	size_t n = len;
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	buf_add(&res->status, p, n);
	const char *sp = memchr(p, ' ', n);
	res->code = (sp && n - (size_t)(sp - p) >= 4) ? atoi(sp + 1) : 0;
	buf_reset(&res->headers);
	buf_reset(&res->body);
	buf_reset(&f->tail);
	res->header_bytes = res->body_bytes = 0;
	res->found = false;
	note_tls(f);
}

/* false stops the transfer: a redirect loop, or no_body has what it wants. */
static bool end_of_headers(struct fetch *f)
{
	int code = f->res->code;
	f->in_headers = false;
	f->res->headers_done = monotonic_now() - f->t0;
	if (code >= 300 && code < 400 && following(f->req)) {
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
	if (f->req->no_body && code >= 200) {
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
	f->res->header_bytes += len;
	if ((len == 2 && p[0] == '\r' && p[1] == '\n') || (len == 1 && p[0] == '\n'))
		return !f->in_headers || end_of_headers(f) ? len : 0;
	if (f->res->headers.len + len <= HEADERS_KEEP)
		buf_add(&f->res->headers, p, len);
	return len;
}

/* find without keeping the body: the last strlen-1 bytes are enough to
 * see a match that straddles two pieces. */
static void search_stream(struct fetch *f, const char *p, size_t len)
{
	const char *find = f->req->find;
	size_t need = strlen(find);
	buf_add(&f->tail, p, len);
	if (memmem(f->tail.s, f->tail.len, find, need)) {
		f->res->found = true;
		buf_free(&f->tail);
	} else if (f->tail.len >= need) {
		memmove(f->tail.s, f->tail.s + f->tail.len - (need - 1), need - 1);
		f->tail.len = need - 1;
	}
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct fetch *f = ud;
	struct http_result *res = f->res;
	size_t len = size * n, take = len;
	if (over_budget(f, len)) {
		f->too_big = true;
		double room = f->req->max_size - (double)(res->header_bytes + res->body_bytes);
		take = room > 0 ? (size_t)room : 0;
	}
	res->body_bytes += take;
	if (res->body.len < f->req->keep_body)
		buf_add(&res->body, p, take);
	if (f->req->find && !res->found)
		search_stream(f, p, take);
	return take == len ? len : 0;
}

/* curl_slist_append() returns NULL without memory, and the list is lost. */
static void list_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);
	if (!n)
		plugin_die(STATE_UNKNOWN, "out of memory");
	*l = n;
}

static bool has_header(const struct http_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++)
		if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
			return true;
	return false;
}

/* The caller's headers, then the ones the request implies. */
static void build_headers(struct fetch *f, const struct http_request *r)
{
	for (size_t i = 0; i < r->nheaders; i++)
		list_add(&f->headers, r->headers[i]);
	if (r->host_header)
		list_add(&f->headers, r->host_header);
	/* as monitoring-plugins asks, so the server's headers (and the size) match */
	if (!has_header(r, "Connection"))
		list_add(&f->headers, "Connection: close");
	if (r->content_type) {
		struct buf h = BUF_INIT;
		buf_printf(&h, "Content-Type: %s", r->content_type);
		list_add(&f->headers, buf_cstr(&h));
		buf_free(&h);
	}
	if (r->connect_to)
		list_add(&f->connect_to, r->connect_to);
}

#define SETOPT(opt, val) do { \
		CURLcode setopt_rc_ = curl_easy_setopt(h, opt, val); \
		if (setopt_rc_ != CURLE_OK) \
			plugin_die(STATE_UNKNOWN, "libcurl: %s: %s", #opt, curl_easy_strerror(setopt_rc_)); \
	} while (0)

static void setup_tls(CURL *h, const struct http_request *r)
{
	static const long versions[] = { CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_1,
	                                 CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3 };
	/* verified unless insecure; the certificate is noted either way */
	if (r->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	/* The system store as a hashed directory: OpenSSL then reads only the
	 * issuer it needs, where the bundle file (curl's default) costs ~25 ms
	 * of parsing 140 certificates on every run. */
	const char *ca_path = r->ca_path ? r->ca_path : r->ca_file ? NULL : HTTP_SYSTEM_CA_PATH;
	SETOPT(CURLOPT_CAINFO, r->ca_file);
	SETOPT(CURLOPT_CAPATH, ca_path);
	if (r->proxy) {
		/* an https:// proxy is trusted (or not) like the server */
		SETOPT(CURLOPT_PROXY_CAINFO, r->ca_file);
		SETOPT(CURLOPT_PROXY_CAPATH, ca_path);
		if (r->insecure) {
			SETOPT(CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
			SETOPT(CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
		}
	}
	if (r->client_cert)
		SETOPT(CURLOPT_SSLCERT, r->client_cert);
	if (r->client_key)
		SETOPT(CURLOPT_SSLKEY, r->client_key);
	if (r->tls_min >= 10 && r->tls_min <= 13)
		SETOPT(CURLOPT_SSLVERSION, versions[r->tls_min - 10]);
	if (r->https || following(r)) {
		if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) != CURLE_OK && r->cert)
			plugin_die(STATE_UNKNOWN, "-C needs libcurl built with OpenSSL");
	}
	if (r->handshake_only)
		SETOPT(CURLOPT_CONNECT_ONLY, 1L);  /* as monitoring-plugins' -C */
}

static void setup(struct fetch *f, const struct http_request *r)
{
	CURL *h = f->h;
	SETOPT(CURLOPT_URL, r->target);
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
	SETOPT(CURLOPT_PROXY, r->proxy ? r->proxy : "");  /* "": ignore http_proxy & co. */
	if (r->proxy_auth) {
		SETOPT(CURLOPT_PROXYUSERPWD, r->proxy_auth);
		SETOPT(CURLOPT_PROXYAUTH, (long)CURLAUTH_BASIC);
	}
	SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	if (r->family)
		SETOPT(CURLOPT_IPRESOLVE, (long)(r->family == 6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4));
	if (f->connect_to)
		SETOPT(CURLOPT_CONNECT_TO, f->connect_to);
	if (f->headers)
		SETOPT(CURLOPT_HTTPHEADER, f->headers);
	SETOPT(CURLOPT_USERAGENT, r->agent ? r->agent : "check_http/" PACKAGE_VERSION " (mamori)");
	if (r->userpwd[0]) {
		SETOPT(CURLOPT_USERPWD, r->userpwd);  /* curl keeps a copy; ours is wiped at the end */
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (r->post) {
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->post));
		SETOPT(CURLOPT_POSTFIELDS, r->post);
	}
	if (r->method && strcasecmp(r->method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	else if (r->method && strcmp(r->method, r->post ? "POST" : "GET") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, r->method);
	if (following(r)) {
		SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
		SETOPT(CURLOPT_MAXREDIRS, r->max_redirs);
	}
	setup_tls(h, r);
}

static double info_secs(CURL *h, CURLINFO what)
{
	curl_off_t us = 0;
	curl_easy_getinfo(h, what, &us);
	return (double)us / 1e6;
}

static void collect(struct fetch *f)
{
	CURL *h = f->h;
	struct http_result *res = f->res;
	res->total = info_secs(h, CURLINFO_TOTAL_TIME_T);
	res->connect = info_secs(h, CURLINFO_CONNECT_TIME_T);
	res->appconnect = info_secs(h, CURLINFO_APPCONNECT_TIME_T);
	res->pretransfer = info_secs(h, CURLINFO_PRETRANSFER_TIME_T);
	res->starttransfer = info_secs(h, CURLINFO_STARTTRANSFER_TIME_T);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &res->redirects);
	char *s = NULL;
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &s);
	res->url = xstrdup(s ? s : f->req->target);
	s = NULL;
	curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &s);
	snprintf(res->ip, sizeof res->ip, "%s", s ? s : "");
	curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &res->port);
	note_cert(&res->cert);
}

/* curl's code as ours, and its reason in res->detail. */
static enum http_rc classify(struct fetch *f, CURLcode rc)
{
	/* curl says "Out of memory", without words of its own, for a header
	 * line longer than it accepts */
	const char *why = f->error[0] ? f->error
	                  : rc == CURLE_OUT_OF_MEMORY ? "the response headers are larger than curl accepts (300 kB)" : curl_easy_strerror(rc);
	long os_errno = 0;
	snprintf(f->res->detail, sizeof f->res->detail, "%s", rc == CURLE_OK ? "" : why);
	switch (rc) {
	case CURLE_OK:
		/* libcurl ends a response whose connection closed inside the
		 * header block ("HTTP/1.1 200 OK\r\nContent-" then EOF) as a
		 * success with no body: the headers never ended, so it is no
		 * HTTP response at all */
		if (f->in_headers && !f->req->handshake_only) {
			snprintf(f->res->detail, sizeof f->res->detail,
			         "the connection closed before the end of the headers");
			return HTTP_BAD_RESPONSE;
		}
		return HTTP_OK;
	case CURLE_WRITE_ERROR:         /* a callback said stop */
		return f->too_big ? HTTP_TOO_LARGE : f->stopped ? HTTP_OK : f->loop ? HTTP_REDIRECT_LOOP : HTTP_TRANSFER_FAIL;
	case CURLE_TOO_MANY_REDIRECTS:
		return HTTP_TOO_MANY_REDIRECTS;
	case CURLE_GOT_NOTHING:
		return HTTP_NO_RESPONSE;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_OUT_OF_MEMORY:       /* curl's answer to a header line over 100 kB */
	case CURLE_BAD_CONTENT_ENCODING:
		return HTTP_BAD_RESPONSE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_RESOLVE_FAIL;
	case CURLE_COULDNT_CONNECT:
		/* curl 7.x says "Couldn't connect to server"; the reason is errno */
		curl_easy_getinfo(f->h, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno) {
			const char *vague = strstr(why, ": Couldn't connect to server");
			int n = vague ? (int)(vague - why) : (int)strlen(why);
			snprintf(f->res->detail, sizeof f->res->detail, "%.*s: %s", n, why, strerror((int)os_errno));
		}
		return HTTP_CONNECT_FAIL;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
		return HTTP_TLS_FAIL;
	case CURLE_PEER_FAILED_VERIFICATION:
		return HTTP_TLS_VERIFY_FAIL;
	case CURLE_SSL_CERTPROBLEM:     /* our client certificate, not the server's */
		return HTTP_CLIENT_CERT_FAIL;
	default:
		return HTTP_TRANSFER_FAIL;
	}
}

enum http_rc http_fetch(const struct http_request *r, struct http_result *res)
{
	struct fetch f = { .req = r, .res = res };
	memset(res, 0, sizeof *res);
	signal(SIGPIPE, SIG_IGN);  /* a peer that hangs up mid-write is an error, not a signal */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(f.h = curl_easy_init()))
		plugin_die(STATE_UNKNOWN, "libcurl could not start");
	build_headers(&f, r);
	setup(&f, r);
	f.t0 = monotonic_now();
	CURLcode rc = curl_easy_perform(f.h);
	collect(&f);
	if (r->handshake_only) {
		note_tls(&f);
		if (rc == CURLE_OK)
			res->total = res->appconnect;
	}
	enum http_rc result = classify(&f, rc);

	curl_easy_cleanup(f.h);
	curl_global_cleanup();
	curl_slist_free_all(f.headers);
	curl_slist_free_all(f.connect_to);
	buf_free(&f.tail);
	for (size_t i = 0; i < f.nvisited; i++)
		free(f.visited[i]);
	return result;
}

void http_result_free(struct http_result *res)
{
	buf_free(&res->status);
	buf_free(&res->headers);
	buf_free(&res->body);
	free(res->url);
}

/* ---- reading the response ---------------------------------------------- */

int http_body_matches(const struct http_request *r, const struct http_result *res, char *err, size_t size)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
	int rc = pcre2_match(r->re, (PCRE2_SPTR)(res->body.s ? res->body.s : ""), res->body.len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	pcre2_get_error_message(rc, (PCRE2_UCHAR *)err, size);
	return -1;
}

char *http_header(const struct http_result *res, const char *name)
{
	size_t n = strlen(name);
	const char *p = res->headers.s, *end = res->headers.s + res->headers.len;
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

time_t http_date(const char *s)
{
	return curl_getdate(s, NULL);
}
