#include "cloudwatch_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cloudwatch_http.h"
#include "sigv4.h"
#include "timeout.h"

enum { SIGNED_MAX = 5 };

/* The request's header lines, signed: every header that is sent is
 * signed, the session token too (CloudWatch accepts it either way).
 * NULL, or why it cannot be signed. */
static const char *sign(const struct cw_call *c, const char *host, struct buf lines[SIGNED_MAX + 1], size_t *n)
{
	char date[17];
	sigv4_amz_date(time(NULL), date);
	const struct aws_creds *cr = c->creds;
	struct sigv4_header h[SIGNED_MAX] = {
		{ "Content-Type", CW_CONTENT_TYPE }, { "Host", host }, { "X-Amz-Date", date },
		{ "X-Amz-Target", CW_TARGET }, { "X-Amz-Security-Token", cr->token },
	};
	size_t nh = cr->token ? 5 : 4;
	struct sigv4_request r = { "POST", "/", NULL, h, nh, c->body, strlen(c->body) };
	struct sigv4_key k = { cr->access_key, cr->secret_key, c->region, CW_SERVICE };
	struct sigv4_result sig;
	const char *err = sigv4_sign(&r, &k, date, &sig);
	if (err)
		return err;
	for (size_t i = 0; i < nh; i++)
		buf_printf(&lines[i], "%s: %s", h[i].name, h[i].value);
	buf_printf(&lines[nh], "Authorization: %s", buf_cstr(&sig.authz));
	*n = nh + 1;
	sigv4_result_free(&sig);
	return NULL;
}

/* One signed POST, given up just before the -t alarm so that the caller
 * can still say what it waited for. */
static enum cw_http_rc post(const struct cw_call *c, const char *host, struct cw_http_res *res, struct cw_outcome *out)
{
	struct buf lines[SIGNED_MAX + 1];
	const char *hdrs[SIGNED_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i <= SIGNED_MAX; i++)
		lines[i] = (struct buf)BUF_INIT;
	const char *err = sign(c, host, lines, &n);
	enum cw_http_rc rc = CWH_FAIL;
	*res = (struct cw_http_res){ 0, BUF_INIT, BUF_INIT, "" };
	if (err) {
		out->rc = CW_BAD_REQUEST;
		snprintf(out->detail, sizeof out->detail, "cannot sign the request: %s", err);
	} else {
		for (size_t i = 0; i < n; i++)
			hdrs[i] = buf_cstr(&lines[i]);
		double left = timeout_remaining() - 0.3;
		struct cw_http_req req = { .method = "POST", .url = c->url, .headers = hdrs, .nheaders = n,
		                           .body = c->body, .body_len = strlen(c->body), .ca_file = c->ca_file,
		                           .timeout = left > 0.1 ? left : 0.1 };
		rc = cw_http(&req, res);
	}
	for (size_t i = 0; i <= SIGNED_MAX; i++)
		buf_free(&lines[i]);
	return err ? CWH_FAIL : rc;
}

static enum cw_rc transport(enum cw_http_rc rc)
{
	switch (rc) {
	case CWH_TIMEOUT: return CW_TIMEOUT;
	case CWH_TLS_VERIFY: return CW_TLS_VERIFY;
	default: return CW_UNREACHABLE;
	}
}

/* The answer of one attempt; true when it is final. */
static bool judge(struct cw_http_res *res, struct cw_outcome *out)
{
	out->http = res->code;
	if (res->code == 200) {
		const char *err = cw_parse_latest(res->body.s ? res->body.s : "", res->body.len, &out->latest);
		out->rc = err ? CW_BAD_ANSWER : CW_OK;
		if (err)
			snprintf(out->detail, sizeof out->detail, "%s", err);
		return true;
	}
	char *type = cw_http_header(res, "x-amzn-query-error");
	if (!type)
		type = cw_http_header(res, "x-amzn-ErrorType");
	cw_parse_error(res->body.s, res->body.len, type, &out->error);
	free(type);
	out->rc = cw_error_throttled(&out->error, res->code) ? CW_THROTTLED
	        : res->code >= 500 ? CW_SERVER_ERROR : CW_REFUSED;
	return out->rc != CW_THROTTLED;
}

void cw_get_metric_data(const struct cw_call *c, struct cw_outcome *out)
{
	*out = (struct cw_outcome){ .rc = CW_UNREACHABLE };
	char *host = cw_http_host(c->url);
	if (!host) {
		out->rc = CW_BAD_REQUEST;
		snprintf(out->detail, sizeof out->detail, "give http(s)://HOST[:PORT]/, without a path or query");
		return;
	}
	for (;;) {
		struct cw_http_res res;
		out->attempts++;
		enum cw_http_rc rc = post(c, host, &res, out);
		bool final = true;
		if (out->rc == CW_BAD_REQUEST) {
			/* could not sign: post() said why */
		} else if (rc != CWH_OK) {
			out->rc = transport(rc);
			snprintf(out->detail, sizeof out->detail, "%s", res.error);
		} else {
			final = judge(&res, out);
		}
		cw_http_res_free(&res);
		if (final || out->attempts > 1 || timeout_remaining() < CW_THROTTLE_BACKOFF + 1.0)
			break;
		struct timespec pause = { (time_t)CW_THROTTLE_BACKOFF, 0 };
		nanosleep(&pause, NULL);
	}
	free(host);
}
