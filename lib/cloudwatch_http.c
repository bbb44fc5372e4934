#include "cloudwatch_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	BODY_MAX = 8 * 1024 * 1024,     /* a month of one-minute points is ~2 MB of JSON */
	HEADERS_MAX = 64 * 1024,
};

struct sink {
	struct buf *b;
	size_t max;
	bool over;
};

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
	struct sink *s = user;
	size_t len = size * n;
	if (s->b->len + len > s->max) {
		s->over = true;
		return 0;               /* stops the transfer */
	}
	buf_add(s->b, p, len);
	return len;
}

static enum cw_http_rc classify(CURLcode c)
{
	switch (c) {
	case CURLE_OK: return CWH_OK;
	case CURLE_OPERATION_TIMEDOUT: return CWH_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT: return CWH_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION: return CWH_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR: return CWH_TLS;
	default: return CWH_FAIL;
	}
}

static long ms(double s)
{
	return s < 0.001 ? 1 : (long)(s * 1000);
}

enum cw_http_rc cw_http(const struct cw_http_req *req, struct cw_http_res *res)
{
	static bool initialised;
	*res = (struct cw_http_res){ 0, BUF_INIT, BUF_INIT, "" };
	if (!initialised && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(res->error, sizeof res->error, "libcurl failed to start");
		return CWH_FAIL;
	}
	initialised = true;
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(res->error, sizeof res->error, "libcurl failed to start");
		return CWH_FAIL;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; i < req->nheaders; i++)
		hdrs = curl_slist_append(hdrs, req->headers[i]);
	/* curl would add these on its own: the signed request must be sent as signed */
	hdrs = curl_slist_append(hdrs, "Expect:");
	hdrs = curl_slist_append(hdrs, "Accept:");
	struct sink body = { &res->body, BODY_MAX, false }, head = { &res->headers, HEADERS_MAX, false };

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* the Host header we signed goes out as written */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mamori/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms(req->timeout));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms(req->connect_timeout > 0 && req->connect_timeout < req->timeout
	                                                  ? req->connect_timeout : req->timeout));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	if (req->no_proxy)
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");

	CURLcode c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
	/* a header line without end reaches curl's own cap first, which it
	 * reports as "Out of memory" with no words of its own */
	bool head_over = head.over || (c == CURLE_OUT_OF_MEMORY && !*errbuf);
	enum cw_http_rc rc = body.over || head_over ? CWH_TOO_LARGE : classify(c);
	if (rc != CWH_OK)
		snprintf(res->error, sizeof res->error, "%s", body.over ? "the response is larger than 8 MiB"
		         : head_over ? "the response headers are larger than 64 KiB"
		         : *errbuf ? errbuf : curl_easy_strerror(c));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

void cw_http_res_free(struct cw_http_res *res)
{
	buf_free(&res->headers);
	buf_free(&res->body);
}

char *cw_http_header(const struct cw_http_res *res, const char *name)
{
	size_t n = strlen(name);
	const char *p = buf_cstr((struct buf *)&res->headers);
	char *found = NULL;
	/* the last response's headers win (a 100 Continue may come first) */
	while (*p) {
		size_t l = strcspn(p, "\r\n");
		if (l > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = p + l;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			free(found);
			found = xmalloc((size_t)(e - v) + 1);
			memcpy(found, v, (size_t)(e - v));
			found[e - v] = '\0';
		}
		p += l;
		p += strspn(p, "\r\n");
	}
	return found;
}

char *cw_http_host(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *user = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") == 0 &&
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK &&
	    curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		bool dflt = !port || strcmp(port, strcmp(scheme, "https") == 0 ? "443" : "80") == 0;
		struct buf b = BUF_INIT;
		if (dflt)
			buf_puts(&b, host);
		else
			buf_printf(&b, "%s:%s", host, port);
		out = xstrdup(buf_cstr(&b));
		buf_free(&b);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(u);
	return out;
}
