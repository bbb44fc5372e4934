/* One small HTTP(S) exchange through libcurl, for the CloudWatch API and
 * the EC2 instance metadata service: send a method, headers and a body,
 * keep the status, the response headers and a bounded body. TLS is
 * verified (the system store, or ca_file); redirects are not followed. */
#ifndef MAMORI_CLOUDWATCH_HTTP_H
#define MAMORI_CLOUDWATCH_HTTP_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum cw_http_rc {
	CWH_OK = 0,         /* a response, any status */
	CWH_TIMEOUT,        /* no complete response within the time given */
	CWH_CONNECT,        /* the name does not resolve, or the connection is refused */
	CWH_TLS_VERIFY,     /* the server certificate is not trusted for the name */
	CWH_TLS,            /* no TLS handshake */
	CWH_TOO_LARGE,      /* a body over the limit */
	CWH_FAIL,           /* anything else: error says what */
};

struct cw_http_req {
	const char *method;             /* "GET", "PUT", "POST" */
	const char *url;
	const char *const *headers;     /* "Name: value" */
	size_t nheaders;
	const char *body;
	size_t body_len;
	const char *ca_file;            /* NULL: the system trust store */
	double timeout, connect_timeout;  /* seconds */
	bool no_proxy;                  /* the metadata service is never behind a proxy */
};

struct cw_http_res {
	long code;                      /* HTTP status, 0 when none */
	struct buf headers;             /* the response's header lines */
	struct buf body;
	char error[256];                /* libcurl's words for a failure */
};

enum cw_http_rc cw_http(const struct cw_http_req *req, struct cw_http_res *res);
void cw_http_res_free(struct cw_http_res *res);
/* A response header's value (case-insensitive name), trimmed, to free; or NULL. */
char *cw_http_header(const struct cw_http_res *res, const char *name);
/* The Host header curl sends for url ("host" or "host:port"), to free; NULL
 * when the URL is not http(s)://HOST[:PORT][/]: the request signed for
 * path / must be the one sent, so no path, query or user. */
char *cw_http_host(const char *url);

#endif
