/* The Twilio Studio provider (see call_providers.h): a key press can only
 * be known through a callback or a Studio flow, and a callback needs a
 * public web server; the flow runs at Twilio and we read its variables by
 * polling the Execution's context. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_providers.h"
#include "timeout.h"

#define TW_BODY_MAX (1024 * 1024)

struct tw_call {
	char sid[64];
	CURL *h;               /* one connection for the call's polls */
};

struct body {
	struct buf b;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t len = size * n;
	if (b->b.len + len > TW_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	buf_add(&b->b, p, len);
	return len;
}

/* One request. form: NULL for a GET. The status code, or -1 with the reason
 * in err. The body (JSON) into *json when wanted. */
static long request(const struct twilio_cfg *c, CURL *h, const char *path, const char *form, json_t **json,
                    struct buf *err)
{
	struct buf url = BUF_INIT;
	const char *base = c->base;
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	buf_add(&url, base, bl);
	buf_puts(&url, path);
	struct body body = { .b = BUF_INIT };
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->account_sid);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->token);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cainfo)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cainfo);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mamori-notify_call/" PACKAGE_VERSION);
	double t = c->http_timeout;
	double left = timeout_remaining() - 0.5;
	if (left < t)
		t = left > 0.1 ? left : 0.1;
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(t * 1000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(t * 1000));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	if (form) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	}
	char ebuf[CURL_ERROR_SIZE] = "";   /* "Too large response headers", not "Out of memory" */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	long code = -1;
	if (rc != CURLE_OK) {
		buf_printf(err, "%s: %s", buf_cstr(&url),
		           body.too_big ? "answer too large" : ebuf[0] ? ebuf
		           : rc == CURLE_OUT_OF_MEMORY ? "the response headers are larger than curl accepts (300 kB)" : curl_easy_strerror(rc));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		json_error_t je;
		json_t *j = json_loadb(body.b.s ? body.b.s : "", body.b.len, 0, &je);
		if (code >= 300) {
			/* Twilio's error body: {"code": 20003, "message": "...", "status": 401} */
			const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
			buf_printf(err, "HTTP %ld from %s%s%s", code, buf_cstr(&url), m ? ": " : "", m ? m : "");
		} else if (json && !j) {
			buf_printf(err, "%s: answer is not JSON (%s)", buf_cstr(&url), je.text);
			code = -1;
		}
		if (json && code > 0 && code < 300)
			*json = j;
		else
			json_decref(j);
	}
	buf_free(&url);
	buf_free(&body.b);
	return code;
}

static char *form_field(CURL *h, struct buf *form, const char *name, const char *value)
{
	char *e = curl_easy_escape(h, value, 0);
	buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, e ? e : "");
	curl_free(e);
	return NULL;
}

static const char *tw_start(void *ctx, const struct callee *cl, const char *message, void **hp, struct buf *via)
{
	static char why[600];
	const struct twilio_cfg *c = ctx;
	struct tw_call *call = xcalloc(1, sizeof *call);
	call->h = curl_easy_init();
	if (!call->h) {
		free(call);
		return "cannot start libcurl";
	}
	json_t *params = json_pack("{s:s, s:s}", "message", message, "lang", c->lang);
	char *pj = json_dumps(params, JSON_COMPACT);
	json_decref(params);
	struct buf form = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	form_field(call->h, &form, "To", cl->number);
	form_field(call->h, &form, "From", c->from);
	form_field(call->h, &form, "Parameters", pj ? pj : "{}");
	free(pj);
	buf_printf(&path, "/v2/Flows/%s/Executions", c->flow_sid);
	json_t *j = NULL;
	long code = request(c, call->h, buf_cstr(&path), buf_cstr(&form), &j, &err);
	const char *sid = j ? json_string_value(json_object_get(j, "sid")) : NULL;
	const char *r = NULL;
	if (code < 200 || code >= 300)
		r = err.len ? buf_cstr(&err) : "no answer";
	else if (!sid || !*sid || strlen(sid) >= sizeof call->sid || strspn(sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != strlen(sid))
		r = "the Execution resource has no usable sid";
	if (r) {
		snprintf(why, sizeof why, "%s", r);
		curl_easy_cleanup(call->h);
		free(call);
	} else {
		snprintf(call->sid, sizeof call->sid, "%s", sid);
		buf_printf(via, "twilio:%s", sid);
		*hp = call;
	}
	json_decref(j);
	buf_free(&form);
	buf_free(&path);
	buf_free(&err);
	return r ? why : NULL;
}

enum call_result twilio_context(const json_t *j, bool *answered, struct buf *detail)
{
	json_t *cx = json_object_get(j, "context");
	const char *res = json_string_value(json_object_get(
		json_object_get(json_object_get(cx, "flow"), "variables"), "result"));
	json_t *widgets = json_object_get(cx, "widgets");
	if (json_object_get(widgets, "call_user"))
		*answered = true;
	const char *digits = json_string_value(json_object_get(json_object_get(widgets, "gather"), "Digits"));
	if (!digits)
		digits = json_string_value(json_object_get(json_object_get(widgets, "gather_en"), "Digits"));
	enum call_result r = call_result_from(res);
	if (r != CALL_PENDING && digits && *digits)
		buf_printf(detail, "last key %.8s", digits);
	return r;
}

/* The flow's result from the Execution's context: CALL_PENDING when not
 * set yet; -1 in *code when the context could not be read. */
static enum call_result read_context(const struct twilio_cfg *c, struct tw_call *call, bool *answered,
                                     struct buf *detail, long *code)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	enum call_result r = CALL_PENDING;
	json_t *j = NULL;
	buf_printf(&path, "/v2/Flows/%s/Executions/%s/Context", c->flow_sid, call->sid);
	*code = request(c, call->h, buf_cstr(&path), NULL, &j, &err);
	if (*code >= 200 && *code < 300) {
		r = twilio_context(j, answered, detail);
	} else if (*code == 404) {
		buf_puts(detail, buf_cstr(&err));
	}
	json_decref(j);
	buf_free(&path);
	buf_free(&err);
	return r;
}

static enum call_result tw_poll(void *ctx, void *hv, bool *answered, struct buf *detail)
{
	const struct twilio_cfg *c = ctx;
	struct tw_call *call = hv;
	long code;
	enum call_result r = read_context(c, call, answered, detail, &code);
	if (r != CALL_PENDING)
		return r;
	if (code == 404)
		return CALL_FAILED;   /* an Execution gone from Twilio is over, with no result to read */
	/* other errors: a passing fault; the campaign's own limits still end it */
	struct buf path = BUF_INIT, err = BUF_INIT;
	json_t *j = NULL;
	buf_printf(&path, "/v2/Flows/%s/Executions/%s", c->flow_sid, call->sid);
	request(c, call->h, buf_cstr(&path), NULL, &j, &err);
	const char *st = j ? json_string_value(json_object_get(j, "status")) : NULL;
	if (st && !strcmp(st, "ended")) {
		/* the flow may have set its result and ended between our two
		 * requests: the context now holds it for good */
		buf_reset(detail);
		r = read_context(c, call, answered, detail, &code);
		if (r == CALL_PENDING) {
			r = CALL_FAILED;
			buf_reset(detail);
			buf_puts(detail, "the execution ended without a result");
		}
	}
	json_decref(j);
	buf_free(&path);
	buf_free(&err);
	return r;
}

static void tw_end(void *ctx, void *hv)
{
	const struct twilio_cfg *c = ctx;
	struct tw_call *call = hv;
	struct buf path = BUF_INIT, err = BUF_INIT;
	buf_printf(&path, "/v2/Flows/%s/Executions/%s", c->flow_sid, call->sid);
	/* best effort: the flow's own time limit ends it anyway */
	request(c, call->h, buf_cstr(&path), "Status=ended", NULL, &err);
	buf_free(&path);
	buf_free(&err);
}

static void tw_release(void *ctx, void *hv)
{
	(void)ctx;
	struct tw_call *call = hv;
	if (!call)
		return;
	curl_easy_cleanup(call->h);
	free(call);
}

const struct call_provider call_twilio = { "twilio", tw_start, tw_poll, tw_end, tw_release };
