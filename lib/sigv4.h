/* AWS Signature Version 4 for a request signed in the Authorization header:
 * the canonical request, the string to sign, the signing key and the
 * header itself, as AWS's "Create a signed AWS API request" describes and
 * its published test suite checks (tests/sigv4.t). Nothing here talks to
 * the network; the caller sends the headers it signed, unchanged. */
#ifndef MAMORI_SIGV4_H
#define MAMORI_SIGV4_H
#include <stddef.h>
#include <time.h>

#include "buf.h"

struct sigv4_header {
	const char *name, *value;   /* as sent; a repeated name is joined with ',' */
};

struct sigv4_request {
	const char *method;
	const char *path;           /* as in the request line, before any encoding */
	const char *query;          /* after '?', or NULL */
	const struct sigv4_header *headers;  /* every one is signed: host and x-amz-date among them */
	size_t nheaders;
	const void *body;
	size_t body_len;
};

struct sigv4_key {
	const char *access_key, *secret_key;
	const char *region, *service;     /* "us-east-1", "monitoring" */
};

struct sigv4_result {
	struct buf creq;            /* canonical request */
	struct buf sts;             /* string to sign */
	struct buf authz;           /* the Authorization header's value */
};

/* amz_date is the request's X-Amz-Date, YYYYMMDDTHHMMSSZ. NULL on
 * success, else a static reason (the result is then empty). */
const char *sigv4_sign(const struct sigv4_request *r, const struct sigv4_key *k, const char *amz_date,
                       struct sigv4_result *out);
void sigv4_result_free(struct sigv4_result *out);

/* YYYYMMDDTHHMMSSZ for t, in UTC. */
void sigv4_amz_date(time_t t, char out[17]);
/* Lower-case hex SHA-256 of the bytes. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
