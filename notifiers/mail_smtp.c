#include "mail_smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "timeout.h"

enum { MAX_HANDLES = 16 };

struct server {
	char *url;
	double timeout;
	bool starttls;
	char *user;
	struct buf password;
};

struct mail_state {
	CURL *h[MAX_HANDLES];
	char *hurl[MAX_HANDLES];
	size_t nh;
	bool loaded;               /* config servers read */
	struct server *cfg;
	size_t ncfg;
	char *cfg_err;
};

static void server_free(struct server *s)
{
	free(s->url);
	free(s->user);
	if (s->password.s)
		explicit_bzero(s->password.s, s->password.cap);
	buf_free(&s->password);
}

/* Host part of scheme://[user@]host[:port][/...] is a loopback name. */
static bool loopback(const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	const char *at = strchr(h, '@');
	if (at && at < h + strcspn(h, "/"))
		h = at + 1;
	return !strncasecmp(h, "localhost", 9) || !strncmp(h, "127.", 4) || !strncmp(h, "[::1]", 5);
}

static bool scheme_ok(const char *url)
{
	return !strncasecmp(url, "smtp://", 7) || !strncasecmp(url, "smtps://", 8);
}

static bool implicit_tls(const char *url)
{
	return !strncasecmp(url, "smtps://", 8);
}

/* The [smtp LABEL] sections; NULL or a reason (a config error). */
static const char *load_config(struct mail_state *st, const struct conf *c)
{
	static char why[512];
	for (const struct conf_section *s = conf_next(c, "smtp", NULL); s; s = conf_next(c, "smtp", s)) {
		const char *url = conf_sget(s, "url");
		if (!url || !scheme_ok(url)) {
			snprintf(why, sizeof why, "[%s] url= must be smtp://HOST[:PORT] or smtps://HOST[:PORT]", s->name);
			return why;
		}
		st->cfg = xrealloc(st->cfg, (st->ncfg + 1) * sizeof *st->cfg);
		struct server *sv = &st->cfg[st->ncfg++];
		memset(sv, 0, sizeof *sv);
		sv->url = xstrdup(url);
		sv->timeout = 5;
		sv->starttls = !loopback(url) && !implicit_tls(url);
		const char *v = conf_sget(s, "timeout"), *err;
		if (v && (err = conf_seconds(v, &sv->timeout))) {
			snprintf(why, sizeof why, "[%s] timeout=%.40s: %s", s->name, v, err);
			return why;
		}
		if ((v = conf_sget(s, "starttls")) && (err = conf_bool(v, &sv->starttls))) {
			snprintf(why, sizeof why, "[%s] starttls=%.40s: %s", s->name, v, err);
			return why;
		}
		if ((v = conf_sget(s, "user")) && *v) {
			bool found;
			sv->user = xstrdup(v);
			if ((err = conf_secret(c, s, "password", &sv->password, &found)))
				return err;
			if (!found) {
				snprintf(why, sizeof why, "[%s] user= needs password_file=, password_env= or password=", s->name);
				return why;
			}
			if (!sv->starttls && !implicit_tls(url) && !loopback(url)) {
				snprintf(why, sizeof why, "[%s] refusing to send a password without TLS: set starttls=yes "
				         "or use smtps://", s->name);
				return why;
			}
		}
	}
	return NULL;
}

static void state_clear(struct mail_state *st)
{
	for (size_t k = 0; k < st->nh; k++) {
		curl_easy_cleanup(st->h[k]);
		free(st->hurl[k]);
	}
	for (size_t k = 0; k < st->ncfg; k++)
		server_free(&st->cfg[k]);
	free(st->cfg);
	free(st->cfg_err);
}

static CURL *handle_for(struct mail_state *st, const char *url)
{
	for (size_t i = 0; i < st->nh; i++)
		if (!strcmp(st->hurl[i], url))
			return st->h[i];
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	if (st->nh == MAX_HANDLES) {
		/* more servers than any config has: recycle the oldest */
		curl_easy_cleanup(st->h[0]);
		free(st->hurl[0]);
		memmove(st->h, st->h + 1, (MAX_HANDLES - 1) * sizeof *st->h);
		memmove(st->hurl, st->hurl + 1, (MAX_HANDLES - 1) * sizeof *st->hurl);
		st->nh--;
	}
	st->h[st->nh] = h;
	st->hurl[st->nh] = xstrdup(url);
	st->nh++;
	return h;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;
	memcpy(ptr, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* One attempt at one server. 0 sent, else the reason in err. */
static int try_server(struct mail_state *st, const struct server *sv, const char *cainfo, const char *from,
                      struct curl_slist *rcpt, const char *data, size_t len, double deadline, struct buf *err)
{
	double left = deadline - monotonic_now();
	double t = sv->timeout < left ? sv->timeout : left;
	if (t < 0.05) {
		buf_printf(err, "%s: no time left", sv->url);
		return -1;
	}
	CURL *h = handle_for(st, sv->url);
	if (!h) {
		buf_printf(err, "%s: cannot start libcurl", sv->url);
		return -1;
	}
	char ebuf[CURL_ERROR_SIZE] = "";
	char mfrom[300];
	struct upload u = { data, len };
	snprintf(mfrom, sizeof mfrom, "<%s>", from);
	curl_easy_setopt(h, CURLOPT_URL, sv->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(t * 1000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(t * 1000));
	/* the wait for the reply to the final "." runs after the transfer, where
	 * CURLOPT_TIMEOUT no longer counts: without this, a server silent after
	 * DATA held the run 120 s, past --timeout, and the mail was lost */
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)t + ((double)(long)t < t ? 1L : 0L));
	curl_easy_setopt(h, CURLOPT_USE_SSL, sv->starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cainfo && *cainfo)
		curl_easy_setopt(h, CURLOPT_CAINFO, cainfo);
	if (sv->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, sv->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, buf_cstr((struct buf *)&sv->password));
	} else {
		curl_easy_setopt(h, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);
	}
	CURLcode rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	if (rc == CURLE_OK)
		return 0;
	/* a server that failed us gets no QUIT: curl would wait for its reply
	 * (up to the response timeout again) when the handle is cleaned up */
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	buf_printf(err, "%s: %s", sv->url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
	if (code >= 400)
		buf_printf(err, " (server said %ld)", code);
	return -1;
}

/* The servers from the payload (notify_mail --smtp), or NULL. */
static struct server *payload_servers(const json_t *list, const struct mail_state *st, size_t *n, struct buf *err)
{
	*n = 0;
	if (!json_is_array(list) || !json_array_size(list))
		return NULL;
	struct server *v = xcalloc(json_array_size(list), sizeof *v);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *url = json_string_value(json_object_get(e, "url"));
		if (!url || !scheme_ok(url)) {
			buf_puts(err, "spooled server list: bad url");
			continue;
		}
		struct server *sv = &v[(*n)++];
		sv->url = xstrdup(url);
		json_t *t = json_object_get(e, "timeout");
		sv->timeout = json_is_number(t) && json_number_value(t) > 0 ? json_number_value(t) : 5;
		json_t *tls = json_object_get(e, "starttls");
		sv->starttls = json_is_boolean(tls) ? json_is_true(tls) : !loopback(url) && !implicit_tls(url);
		/* credentials only from the config section with the same url */
		for (size_t k = 0; k < st->ncfg; k++)
			if (!strcmp(st->cfg[k].url, url) && st->cfg[k].user) {
				sv->user = xstrdup(st->cfg[k].user);
				buf_puts(&sv->password, buf_cstr((struct buf *)&st->cfg[k].password));
			}
	}
	return v;
}

int mail_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err)
{
	struct mail_state local = { 0 }, *st = state ? *state : NULL;
	if (!st) {
		st = state ? xcalloc(1, sizeof *st) : &local;
		if (state)
			*state = st;
	}
	if (!st->loaded) {
		st->loaded = true;
		const char *e = load_config(st, m->conf);
		if (e)
			st->cfg_err = xstrdup(e);
	}
	int result = -1;
	struct curl_slist *rcpt = NULL;
	size_t npl = 0;
	struct server *pl = NULL;
	if (st->cfg_err) {
		buf_puts(err, st->cfg_err);
		result = -2;
		goto done;
	}
	const char *from = json_string_value(json_object_get(m->payload, "from"));
	const char *data = json_string_value(json_object_get(m->payload, "data"));
	json_t *to = json_object_get(m->payload, "rcpt");
	if (!from || !data || !json_is_array(to) || !json_array_size(to)) {
		buf_puts(err, "mail payload without from, rcpt or data");
		result = -2;
		goto done;
	}
	size_t i;
	json_t *e;
	json_array_foreach(to, i, e) {
		char r[300];
		if (!json_is_string(e))
			continue;
		snprintf(r, sizeof r, "<%s>", json_string_value(e));
		rcpt = curl_slist_append(rcpt, r);
	}
	pl = payload_servers(json_object_get(m->payload, "servers"), st, &npl, err);
	struct server def = { .url = (char *)"smtp://localhost:25", .timeout = 5 };
	const struct server *list = pl ? pl : st->ncfg ? st->cfg : &def;
	size_t n = pl ? npl : st->ncfg ? st->ncfg : 1;
	const char *cainfo = json_string_value(json_object_get(m->payload, "cainfo"));
	if (!cainfo)
		cainfo = conf_get(m->conf, "mail", "cainfo");
	for (size_t k = 0; k < n; k++) {
		if (err->len)
			buf_puts(err, "; ");
		if (try_server(st, &list[k], cainfo, from, rcpt, data, strlen(data), m->deadline, err) == 0) {
			buf_puts(via, list[k].url);
			buf_reset(err);
			result = 0;
			break;
		}
	}
done:
	curl_slist_free_all(rcpt);
	for (size_t k = 0; k < npl; k++)
		server_free(&pl[k]);
	free(pl);
	if (st == &local)
		state_clear(&local);
	return result;
}

void mail_send_done(void *state)
{
	if (!state)
		return;
	state_clear(state);
	free(state);
}
