/* One GetMetricData call as a check makes it: sign (lib/sigv4), send
 * (lib/cloudwatch_http) before the -t alarm, retry once when throttled
 * and time allows, read the newest datapoint (lib/cloudwatch_query). The
 * result is a code; the plugin chooses the state and the words. */
#ifndef MAMORI_CLOUDWATCH_CLIENT_H
#define MAMORI_CLOUDWATCH_CLIENT_H

#include "aws_creds.h"
#include "cloudwatch_query.h"

/* A throttled call is retried once after this pause, when -t leaves
 * at least the pause and one more second. */
#define CW_THROTTLE_BACKOFF 1.0

enum cw_rc {
	CW_OK,              /* out->latest holds the answer (maybe no datapoints) */
	CW_THROTTLED,       /* 400 Throttling or 429, also on the retry if there was one */
	CW_REFUSED,         /* another 4xx: credentials, signature, permissions, input */
	CW_SERVER_ERROR,    /* 5xx */
	CW_BAD_ANSWER,      /* 200 but not a GetMetricData result: detail says why */
	CW_TIMEOUT,         /* no answer before the -t alarm */
	CW_TLS_VERIFY,      /* the server certificate is not trusted */
	CW_UNREACHABLE,     /* DNS, connect, TLS handshake, anything else: detail */
	CW_BAD_REQUEST,     /* we could not sign or address it: detail */
};

struct cw_call {
	const char *url;                /* the endpoint */
	const char *region;
	const char *ca_file;            /* NULL: the system trust store */
	const struct aws_creds *creds;
	const char *body;               /* cw_query_body() */
};

struct cw_outcome {
	enum cw_rc rc;
	long http;                      /* the last status, 0 when none */
	int attempts;
	struct cw_error error;          /* for THROTTLED, REFUSED, SERVER_ERROR */
	char detail[256];
	struct cw_latest latest;        /* for CW_OK */
};

void cw_get_metric_data(const struct cw_call *c, struct cw_outcome *out);

#endif
