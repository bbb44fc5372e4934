/* One HTTP(S) request through libcurl, measured. The plugin fills a struct
 * http_request from its options (the parsers below check the values),
 * http_request_ready() completes it, http_fetch() makes the transfer and
 * fills a struct http_result: the last response's status line, headers and
 * size, the times, the server certificate, and a result code. The caller
 * decides the state and the words.
 *
 * The body is counted as it arrives; only what the caller asks to keep is
 * kept, and never more than max_size bytes (headers and body) are read. */
#ifndef MAMORI_HTTP_FETCH_H
#define MAMORI_HTTP_FETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

/* Debian's (and most distributions') trust store as c_rehash lays it out */
#define HTTP_SYSTEM_CA_PATH "/etc/ssl/certs"

/* What a 3xx answer means: up to HTTP_REDIR_CRITICAL the answer is judged
 * as it is; from HTTP_REDIR_FOLLOW on it is followed. */
enum http_redirect {
	HTTP_REDIR_OK, HTTP_REDIR_WARNING, HTTP_REDIR_CRITICAL,
	HTTP_REDIR_FOLLOW,
	HTTP_REDIR_STICKY,      /* follow, but keep connecting to the first address */
	HTTP_REDIR_STICKYPORT,  /* ... and to the first port */
};

enum http_rc {
	HTTP_OK = 0,            /* a response (with no_body: its headers only) */
	HTTP_TOO_LARGE,         /* a response, read up to max_size only */
	HTTP_RESOLVE_FAIL,      /* the name (or the proxy's) does not resolve */
	HTTP_CONNECT_FAIL,      /* refused, unreachable */
	HTTP_TIMEOUT,           /* the deadline, just before the -t alarm, passed */
	HTTP_TLS_FAIL,          /* no TLS handshake */
	HTTP_TLS_VERIFY_FAIL,   /* the certificate is not trusted for the name */
	HTTP_CLIENT_CERT_FAIL,  /* our client certificate or key is unusable */
	HTTP_NO_RESPONSE,       /* the server closed without a byte */
	HTTP_BAD_RESPONSE,      /* not HTTP, or a line over libcurl's limit */
	HTTP_REDIRECT_LOOP,     /* a URL that redirected came round again */
	HTTP_TOO_MANY_REDIRECTS,
	HTTP_TRANSFER_FAIL,     /* cut short, reset, anything else */
};

struct http_request {
	/* where: url is a path, or a whole http(s):// URL naming the server */
	const char *url;
	char *vhost;                    /* http_parse_vhost(): -H without :PORT */
	long vport;                     /* -H's :PORT, for the Host header only */
	const char *address;            /* connect here instead of vhost */
	long port;                      /* 0: 80 or 443 */
	bool ssl;                       /* https:// for a path (also implied by cert) */
	int family;                     /* 0, 4 or 6 */
	enum http_redirect redirect;
	long max_redirs;
	const char *proxy, *proxy_auth;
	/* what to send */
	const char *method, *post, *content_type, *agent;
	const char **headers;           /* http_add_header(): "Name: value" */
	size_t nheaders;
	const char *auth, *auth_file;   /* USER:PASSWORD, or a file holding it */
	/* TLS: verified unless insecure */
	bool insecure;
	const char *ca_file, *ca_path, *client_cert, *client_key;
	int tls_min;                    /* 0, 10, 11, 12 or 13 */
	bool cert;                      /* the server certificate is wanted */
	bool handshake_only;            /* ... and nothing more: no request */
	/* what to read */
	double max_size;                /* bytes, headers and body */
	bool no_body;                   /* stop after the headers */
	const char *find;               /* looked for in the body as it streams: res->found */
	const char *regex;              /* for http_body_matches() */
	bool regex_icase, linespan;
	size_t keep_body;               /* keep the body while shorter than this
	                                 * (whole pieces as they come; all for regex) */

	/* set by http_request_ready() */
	char *target;                   /* the URL to fetch */
	bool https;
	char *connect_to;               /* libcurl's HOST:PORT:ADDR:PORT, or NULL */
	char *host_header;              /* "Host: name:vport", or NULL */
	char userpwd[1024];
	void *re;                       /* the compiled regex (pcre2_code) */
};

struct http_cert {
	bool have;                      /* of the first TLS handshake, even one refused */
	bool dated;                     /* its expiry could be read */
	time_t not_after;
	char cn[256], subject[256], issuer[256];
};

struct http_result {
	char detail[512];               /* why, for a failure: libcurl's words */
	struct buf status;              /* the last response's status line, no CRLF */
	int code;                       /* its status code (0: none) */
	struct buf headers;             /* its header lines, up to 64 KiB */
	struct buf body;                /* as much as keep_body asks for */
	unsigned long long header_bytes, body_bytes;
	bool found;                     /* request->find was in the body */
	char *url;                      /* the last URL requested */
	char ip[64];                    /* the address that answered */
	long port;
	long redirects;                 /* followed */
	char tls[96];                   /* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
	struct http_cert cert;
	/* seconds from the start: connected, TLS done, request sent, first
	 * byte, end of the headers, end */
	double connect, appconnect, pretransfer, starttransfer, headers_done, total;
};

/* Option values: NULL, or a reason. */
const char *http_check_host(const char *s);                         /* a name or address */
const char *http_parse_vhost(struct http_request *r, const char *arg);  /* HOST[:PORT] */
const char *http_check_proxy(const char *arg);                      /* SCHEME://HOST[:PORT] */
const char *http_add_header(struct http_request *r, const char *line);
const char *http_check_method(const char *arg);
const char *http_parse_tls_version(const char *arg, int *version);
const char *http_parse_redirect(const char *arg, enum http_redirect *out);
/* STRING[,STRING...]: a three-digit item is a status code, any other a
 * piece of the status line. */
const char *http_check_expect(const char *list);
bool http_expect_match(const char *list, const char *status, int code);

/* Builds the URL, reads the credentials, compiles the regex; exits UNKNOWN
 * with a reason when the options do not make a request. */
void http_request_ready(struct http_request *r);
void http_request_free(struct http_request *r);

enum http_rc http_fetch(const struct http_request *r, struct http_result *res);
void http_result_free(struct http_result *res);

/* 1 when the kept body matches request->regex, 0 when not, -1 on a
 * matching error (err says which). */
int http_body_matches(const struct http_request *r, const struct http_result *res, char *err, size_t size);
/* The value of a response header (case-insensitive name), to free; or NULL. */
char *http_header(const struct http_result *res, const char *name);
/* An HTTP date as a time, or -1. */
time_t http_date(const char *s);

#endif
