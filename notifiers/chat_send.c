/* The chat channel's send path (chat_send.h): one POST per attempt through
 * libcurl, the provider's contract in its build/judge functions, the rate
 * limits and retries shared here. */
#include "chat_send.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "timeout.h"

#define CHAT_DEFAULT_TIMEOUT 10.0
#define CHAT_MAX_ATTEMPTS 3        /* 5xx / transport errors, per send */
#define CHAT_MAX_429_WAITS 3       /* Retry-After waits honoured, per send */
#define CHAT_BODY_KEEP 8192        /* of an answer: enough for any verdict */
#define CHAT_BODY_MAX (1 << 20)     /* a provider's answer is a few bytes: more is not one */
#define CHAT_MAX_NOT_BEFORE 3600.0 /* longest Retry-After remembered */

static const struct chat_provider *const providers[] = { &chat_slack, &chat_chatwork, &chat_teams };

const struct chat_provider *chat_provider(const char *kind)
{
	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
		if (!strcmp(providers[i]->kind, kind))
			return providers[i];
	return NULL;
}

const char *chat_str(const json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));
	return s ? s : "";
}

void chat_cut(struct buf *out, const char *s, size_t max_chars)
{
	size_t i = 0, chars = 0, n = strlen(s);
	while (i < n && chars < max_chars) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	buf_add(out, s, i);
}

const char *chat_secret(const struct conf *c, const struct conf_section *s, const char *key, struct buf *out)
{
	static char why[400];
	bool found = false;
	const char *err = conf_secret(c, s, key, out, &found);
	if (err)
		return err;
	if (!found || !out->len) {
		snprintf(why, sizeof why, "[%.100s] has no %s_file= (or %s_env=, or %s= in a 0600 config)", s->name, key,
		         key, key);
		return why;
	}
	return NULL;
}

/* Wall-clock seconds with a fraction: the rate-limit hints are epochs. */
static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- what came back ------------------------------------------------------ */

struct answer {
	struct buf body;
	size_t seen;             /* bytes of the body, kept or not */
	bool too_big;            /* stopped at CHAT_BODY_MAX */
	double retry_after;      /* seconds, < 0: no Retry-After */
	double reset;            /* X-RateLimit-Reset epoch, < 0: none */
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct answer *a = ud;
	size_t len = size * n;
	a->seen += len;
	if (a->seen > CHAT_BODY_MAX) {
		a->too_big = true;
		return 0;   /* ends the transfer */
	}
	if (a->body.len < CHAT_BODY_KEEP)
		buf_add(&a->body, p, len);
	return len;
}

/* Value of header line "Name: value" when its name is name, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t l = (size_t)(end - v) < outsz - 1 ? (size_t)(end - v) : outsz - 1;
	memcpy(out, v, l);
	out[l] = '\0';
	return out;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct answer *a = ud;
	size_t len = size * n;
	char v[128];
	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after a 100 Continue): forget the last one's */
		a->retry_after = a->reset = -1;
	} else if (header_value(p, len, "Retry-After", v, sizeof v)) {
		/* delta-seconds or an HTTP-date (RFC 9110 10.2.3) */
		char *end;
		errno = 0;
		double s = strtod(v, &end);
		if (end != v && !*end && !errno && s >= 0)
			a->retry_after = s;
		else {
			time_t t = curl_getdate(v, NULL);
			if (t > 0)
				a->retry_after = (double)t > wall_now() ? (double)t - wall_now() : 0;
		}
	} else if (header_value(p, len, "X-RateLimit-Reset", v, sizeof v)) {
		char *end;
		double t = strtod(v, &end);
		if (end != v && !*end && t > 0)
			a->reset = t;
	}
	return len;
}

/* --- "not before": a long Retry-After, kept across runs ------------------- */

static void limit_path(const char *section, char *out, size_t size)
{
	char key[96];
	size_t k = 0;
	for (const char *s = section; *s && k < sizeof key - 1; s++)
		key[k++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		           *s == '-' || *s == '_' ? *s : '_';
	key[k] = '\0';
	snprintf(out, size, "%s/notify_chat.ratelimit.%s", state_dir(), key);
}

/* Epoch before which the section must not be asked, 0 when none. */
static double limit_get(const char *section)
{
	char path[4096];
	limit_path(section, path, sizeof path);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	double t = 0;
	if (fscanf(f, "%lf", &t) != 1)
		t = 0;
	fclose(f);
	return t;
}

/* Best effort: losing it only means one more request answered 429. */
static void limit_set(const char *section, double until)
{
	char path[4096], tmp[4200];
	limit_path(section, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%.3f\n", until);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		remove(tmp);
}

static void limit_clear(const char *section)
{
	char path[4096];
	limit_path(section, path, sizeof path);
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "notify_chat: %s: %s\n", path, strerror(errno));
}

/* --- one send ------------------------------------------------------------- */

struct chat_state {
	CURL *h;
};

/* scheme://host[:port] of a URL: the "via" of the audit (a webhook URL's
 * path is its secret, it is never shown). */
static void url_origin(const char *url, struct buf *out)
{
	const char *h = strstr(url, "://");
	if (!h) {
		buf_puts(out, "?");
		return;
	}
	h += 3;
	size_t n = strcspn(h, "/?#");
	const char *at = memchr(h, '@', n);
	buf_add(out, url, (size_t)(h - url));
	if (at) {
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	buf_add(out, h, n);
}

static void pause_for(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static const char *conf_or(const struct conf *c, const struct conf_section *s, const char *key)
{
	const char *v = conf_sget(s, key);
	return v && *v ? v : conf_get(c, "chat", key);
}

/* One POST; the status (0: transport error, reason in err). */
static long post(CURL *h, const struct chat_request *rq, const char *cafile, const char *proxy, double timeout,
                 struct answer *a, struct buf *err)
{
	curl_easy_reset(h);   /* keeps the connection cache */
	struct curl_slist *hd = NULL;
	char ct[128];
	snprintf(ct, sizeof ct, "Content-Type: %s", rq->content_type);
	hd = curl_slist_append(hd, ct);
	hd = curl_slist_append(hd, "Expect:");   /* no 100-continue round trip */
	if (rq->header.len)
		hd = curl_slist_append(hd, rq->header.s);
	long ms = (long)(timeout * 1000);
	if (ms < 1)
		ms = 1;
	curl_easy_setopt(h, CURLOPT_URL, rq->url.s);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body.s ? rq->body.s : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mamori-notify_chat/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cafile && *cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
	if (proxy && *proxy)
		curl_easy_setopt(h, CURLOPT_PROXY, proxy);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	/* curl's own words say more than its code: "Out of memory" is what
	 * curl_easy_strerror() gives for 300 kB of headers */
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	buf_reset(&a->body);
	a->seen = 0;
	a->too_big = false;
	a->retry_after = a->reset = -1;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hd);
	long status = 0;
	if (rc != CURLE_OK) {
		/* the URL's path is a secret: never let a message that quotes it out */
		const char *path = strstr(rq->url.s, "://");
		path = path ? path + 3 + strcspn(path + 3, "/") : rq->url.s;
		bool quotes = *path && strlen(path) > 1 && strstr(ebuf, path);
		if (a->too_big)
			buf_printf(err, "the answer is larger than %d bytes", CHAT_BODY_MAX);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			buf_printf(err, "no answer within %.1fs", timeout);
		else
			buf_printf(err, "%s", ebuf[0] && !quotes ? ebuf
			           : rc == CURLE_OUT_OF_MEMORY ? "the response headers are larger than curl accepts (300 kB)" : curl_easy_strerror(rc));
		if (proxy && *proxy && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_PROXY))
			buf_printf(err, " (through the proxy %.100s)", proxy);
		return 0;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

int chat_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err)
{
	const json_t *p = m->payload;
	const char *kind = chat_str(p, "provider"), *secname = chat_str(p, "section");
	const struct chat_provider *pv = chat_provider(kind);
	if (!pv) {
		buf_printf(err, "unknown chat provider '%.40s'", kind);
		return -2;
	}
	const struct conf_section *s = conf_section(m->conf, secname);
	if (!s || strcmp(s->kind, kind)) {
		buf_printf(err, "no [%.80s] section in the config", secname);
		return -2;
	}
	struct chat_state local = { NULL }, *st = state ? *state : NULL;
	if (!st) {
		if (state)
			st = *state = xcalloc(1, sizeof *st);
		else
			st = &local;
	}
	if (!st->h) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if (!(st->h = curl_easy_init())) {
			buf_puts(err, "cannot start libcurl");
			return -1;
		}
	}
	struct chat_request rq = { BUF_INIT, BUF_INIT, NULL, BUF_INIT };
	struct answer a = { .body = BUF_INIT, .retry_after = -1, .reset = -1 };
	int r = -1;
	const char *why = pv->build(m->conf, s, p, st->h, &rq);
	if (why) {
		buf_printf(err, "%s", why);
		r = -2;
		goto out;
	}
	if (strncasecmp(rq.url.s, "https://", 8) && strncasecmp(rq.url.s, "http://", 7)) {
		buf_printf(err, "[%.80s]: the URL must be https:// (or http://)", secname);
		r = -2;
		goto out;
	}
	if (via)
		url_origin(rq.url.s, via);

	double timeout = CHAT_DEFAULT_TIMEOUT;
	json_t *jt = json_object_get(p, "timeout");
	const char *tv = conf_or(m->conf, s, "timeout");
	if (json_is_number(jt) && json_number_value(jt) > 0)
		timeout = json_number_value(jt);
	else if (tv && (why = conf_seconds(tv, &timeout))) {
		buf_printf(err, "[%.80s] timeout=%.40s: %s", secname, tv, why);
		r = -2;
		goto out;
	}
	const char *cafile = *chat_str(p, "ca_file") ? chat_str(p, "ca_file") : conf_or(m->conf, s, "ca_file");
	const char *proxy = conf_or(m->conf, s, "proxy");

	double nb = limit_get(secname), wall = wall_now();
	if (nb > wall) {
		buf_printf(err, "rate limited (429): not asking again for %.0fs", nb - wall);
		goto out;
	}
	int attempts = 0, waits = 0;
	for (;;) {
		double left = m->deadline - monotonic_now();
		if (left < 0.05) {
			if (!err->len)
				buf_puts(err, "out of time");
			break;
		}
		buf_reset(err);
		attempts++;
		long status = post(st->h, &rq, cafile, proxy, timeout < left ? timeout : left, &a, err);
		if (status == 429) {
			double wait = a.retry_after;
			if (wait < 0 && a.reset > 0)
				wait = a.reset - wall_now();
			if (wait < 0)
				wait = 1;   /* 429 without a hint: a short pause */
			left = m->deadline - monotonic_now();
			buf_printf(err, "rate limited (429), Retry-After %.0fs", wait);
			if (++waits <= CHAT_MAX_429_WAITS && wait + 0.5 < left) {
				pause_for(wait);
				attempts--;   /* a honoured 429 is not a failed attempt */
				continue;
			}
			/* a provider's word, but never more than an hour of silence */
			limit_set(secname, wall_now() + (wait < CHAT_MAX_NOT_BEFORE ? wait : CHAT_MAX_NOT_BEFORE));
			break;
		}
		if (status) {
			enum chat_verdict v = pv->judge(status, a.body.s ? a.body.s : "", a.body.len, err);
			if (v == CHAT_OK) {
				r = 0;
				buf_reset(err);
				limit_clear(secname);
				break;
			}
			if (v == CHAT_PERMANENT) {
				r = -2;
				break;
			}
		}
		/* 5xx or no answer: again after a pause, while time is left */
		double pause = 0.5 * attempts;
		if (attempts >= CHAT_MAX_ATTEMPTS || m->deadline - monotonic_now() < pause + 1)
			break;
		pause_for(pause);
	}
out:
	if (rq.url.s)
		explicit_bzero(rq.url.s, rq.url.cap);   /* a webhook URL is a secret */
	buf_free(&rq.url);
	buf_free(&rq.body);
	if (rq.header.s)
		explicit_bzero(rq.header.s, rq.header.cap);   /* a token */
	buf_free(&rq.header);
	buf_free(&a.body);
	if (st == &local)
		curl_easy_cleanup(local.h);
	return r;
}

void chat_send_done(void *state)
{
	struct chat_state *st = state;
	if (!st)
		return;
	if (st->h)
		curl_easy_cleanup(st->h);
	free(st);
}
