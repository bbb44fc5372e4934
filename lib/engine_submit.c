/* Passive results and downtimes to Nagios/Naemon or Icinga 2 (see
 * engine_submit.h). */
#include "engine_submit.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

#define NAME_MAX_BYTES 255
#define TEXT_MAX_BYTES 2048     /* an output or comment; the line stays below PIPE_BUF */

const char *engine_config(const struct conf *c, struct engine *e)
{
	static char why[PATH_MAX + 128];
	memset(e, 0, sizeof *e);
	e->timeout = 10;
	const struct conf_section *s = conf_section(c, "engine");
	if (!s)
		return NULL;
	const char *type = conf_sget(s, "type"), *t = conf_sget(s, "timeout");
	if (t && conf_seconds(t, &e->timeout))
		return "[engine] timeout: not a number of seconds from 0 to 3600";
	if (type && !strcasecmp(type, "nagios")) {
		e->type = ENGINE_NAGIOS;
		e->command_file = conf_sget(s, "command_file");
		if (!e->command_file || !*e->command_file)
			return "[engine] type nagios needs command_file (the engine's external command FIFO)";
		return NULL;
	}
	if (!type || strcasecmp(type, "icinga2"))
		return "[engine] type: nagios (Nagios 4, Naemon: the command file) or icinga2 (the REST API)";
	e->type = ENGINE_ICINGA2;
	e->url = conf_sget(s, "url");
	e->ca = conf_sget(s, "ca");
	e->user = conf_sget(s, "user");
	if (!e->url || strncasecmp(e->url, "https://", 8))
		return "[engine] url: the Icinga 2 API as https://HOST:5665 (TLS is required)";
	if (!e->user || !*e->user)
		return "[engine] user: the ApiUser name";
	bool found;
	const char *err = conf_secret(c, s, "password", &e->password, &found);
	if (err)
		return err;
	if (!found) {
		snprintf(why, sizeof why, "[engine] password_file: the ApiUser's password (a 0600 file)");
		return why;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return NULL;
}

void engine_free(struct engine *e)
{
	if (e->password.s)
		explicit_bzero(e->password.s, e->password.cap);
	buf_free(&e->password);
	if (e->type == ENGINE_ICINGA2)
		curl_global_cleanup();
	memset(e, 0, sizeof *e);
}

const char *engine_describe(const struct engine *e)
{
	static char d[PATH_MAX + 16];
	if (e->type == ENGINE_NAGIOS)
		snprintf(d, sizeof d, "nagios %s", e->command_file);
	else if (e->type == ENGINE_ICINGA2)
		snprintf(d, sizeof d, "icinga2 %s", e->url);
	else
		snprintf(d, sizeof d, "no engine");
	return d;
}

/* ---- cleaning ---- */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t k = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] < 0xE0 ? 2 : 0;
	if (!k || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (k == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
		return 0;   /* overlong, surrogates */
	if (k == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
		return 0;
	return k;
}

/* Valid UTF-8 without control characters (C0, DEL, C1, U+2028/9): each
 * becomes `ctl` (or is dropped when ctl is 0), an invalid byte U+FFFD.
 * Stops before max bytes, never inside a character. */
static void clean(const char *in, size_t max, char ctl, struct buf *out)
{
	buf_reset(out);
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in);
	while (n) {
		size_t k = utf8_len(p, n);
		const char *put = (const char *)p;
		size_t plen = k;
		if (!k) {
			put = "\xEF\xBF\xBD";
			plen = 3;
			k = 1;
		} else if ((k == 1 && (p[0] < 0x20 || p[0] == 0x7f)) || (k == 2 && p[0] == 0xC2 && p[1] < 0xA0) ||
		           (k == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))) {
			put = &ctl;
			plen = ctl ? 1 : 0;
		}
		if (out->len + plen > max)
			break;
		buf_add(out, put, plen);
		p += k;
		n -= k;
	}
	buf_cstr(out);
}

void utf8_repair(const char *in, size_t len, struct buf *out)
{
	buf_reset(out);
	const unsigned char *p = (const unsigned char *)in;
	while (len) {
		size_t k = utf8_len(p, len);
		if (k)
			buf_add(out, (const char *)p, k);
		else
			buf_add(out, "\xEF\xBF\xBD", 3);
		k += !k;
		p += k;
		len -= k;
	}
	buf_cstr(out);
}

void engine_clean_text(const char *in, size_t max, struct buf *out)
{
	clean(in ? in : "", max, ' ', out);
	/* runs of blanks from removed line breaks: one space */
	char *w = out->s;
	if (!w)
		return;
	char *r = w, *start = w;
	while (*r == ' ')
		r++;
	for (; *r; r++)
		if (!(*r == ' ' && (w == start || w[-1] == ' ')))
			*w++ = *r;
	while (w > start && w[-1] == ' ')
		w--;
	*w = '\0';
	out->len = (size_t)(w - start);
}

const char *engine_clean_name(const char *in, const char *what, struct buf *out)
{
	static char why[128];
	clean(in ? in : "", SIZE_MAX, 0, out);
	/* trim */
	const char *s = buf_cstr(out);
	size_t a = strspn(s, " "), z = out->len;
	while (z > a && s[z - 1] == ' ')
		z--;
	memmove(out->s ? out->s : (char *)"", s + a, z - a);
	out->len = z - a;
	if (out->s)
		out->s[out->len] = '\0';
	if (!out->len)
		snprintf(why, sizeof why, "the %s is empty", what);
	else if (strchr(out->s, ';'))
		snprintf(why, sizeof why, "the %s holds ';', the engine's field separator", what);
	else if (out->len > NAME_MAX_BYTES)
		snprintf(why, sizeof why, "the %s is longer than %d bytes", what, NAME_MAX_BYTES);
	else
		return NULL;
	return why;
}

/* ---- Nagios / Naemon: the command FIFO ---- */

/* One write of the whole text: below PIPE_BUF a FIFO takes it at once or
 * not at all. A FIFO nobody reads (the engine is down) is an error. */
static const char *fifo_write(const struct engine *e, const char *text, size_t len)
{
	static char why[PATH_MAX + 96];
	if (len >= PIPE_BUF)
		return "the command would not fit one atomic write";
	int fd = open(e->command_file, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof why, "%s: %s%s", e->command_file, strerror(errno),
		         errno == ENXIO ? " (nobody reads it: is the engine running?)" : "");
		return why;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		snprintf(why, sizeof why, "%s is not a FIFO (the engine's command_file)", e->command_file);
		return why;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *err = NULL;
	for (;;) {
		ssize_t w = write(fd, text, len);
		if (w == (ssize_t)len)
			break;
		if (w >= 0 || (errno != EAGAIN && errno != EINTR)) {
			snprintf(why, sizeof why, "%s: %s", e->command_file, w >= 0 ? "short write" : strerror(errno));
			err = why;
			break;
		}
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double left = e->timeout - (double)(t1.tv_sec - t0.tv_sec) - (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (left <= 0) {
			snprintf(why, sizeof why, "%s: full for %.0f s (the engine does not read it)", e->command_file,
			         e->timeout);
			err = why;
			break;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	close(fd);
	return err;
}

/* ---- Icinga 2: the REST API ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	if (b->len + size * n > (1u << 20))
		return 0;
	buf_add(b, p, size * n);
	return size * n;
}

static const char *api_post(const struct engine *e, const char *action, json_t *body)
{
	static char why[1400];
	char *text = json_dumps(body, JSON_COMPACT);
	if (!text)
		return "cannot build the JSON request";
	char url[1024];
	size_t ul = strlen(e->url);
	snprintf(url, sizeof url, "%.*s/v1/actions/%s", (int)(ul && e->url[ul - 1] == '/' ? ul - 1 : ul), e->url,
	         action);
	CURL *c = curl_easy_init();
	struct buf resp = BUF_INIT;
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_USERNAME, e->user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, buf_cstr((struct buf *)&e->password));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (e->ca && *e->ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, e->ca);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(e->timeout * 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	char ebuf[CURL_ERROR_SIZE] = "";   /* curl's words: "Operation timed out after ..." */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	const char *err = NULL;
	if (rc != CURLE_OK) {
		snprintf(why, sizeof why, "%s: %s", url,
		         rc == CURLE_WRITE_ERROR ? "answer larger than 1 MB" : ebuf[0] ? ebuf
		         : rc == CURLE_OUT_OF_MEMORY ? "the response headers are larger than curl accepts (300 kB)" : curl_easy_strerror(rc));
		err = why;
	} else {
		/* 200 overall, and each result's own code 200 */
		json_t *j = json_loadb(resp.s ? resp.s : "", resp.len, 0, NULL);
		json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
		double code = json_number_value(json_object_get(r0, "code"));
		const char *st = json_string_value(json_object_get(r0, "status"));
		if (!st)
			st = json_string_value(json_object_get(j, "status"));
		if (status != 200 || (r0 && code != 200)) {
			snprintf(why, sizeof why, "%s: HTTP %ld%s%.200s", url, status, st ? ": " : "", st ? st : "");
			err = why;
		}
		json_decref(j);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	buf_free(&resp);
	free(text);
	return err;
}

/* ---- the two submissions ---- */

const char *engine_check_result(const struct engine *e, const struct check_result *r, bool dry_run,
                                struct buf *shown)
{
	struct buf host = BUF_INIT, svc = BUF_INIT, out = BUF_INIT;
	const char *err = engine_clean_name(r->host, "host name", &host);
	bool is_svc = r->service && *r->service;
	if (!err && is_svc)
		err = engine_clean_name(r->service, "service name", &svc);
	if (!err && e->type == ENGINE_ICINGA2 && (strchr(host.s, '!') || (is_svc && strchr(svc.s, '!'))))
		err = "a name holds '!', Icinga 2's host!service separator";
	if (!err && (r->state < 0 || r->state > 3))
		err = "the state is not 0..3";
	engine_clean_text(r->output, TEXT_MAX_BYTES, &out);
	if (!out.len)
		buf_puts(&out, "(no output)");
	buf_reset(shown);
	int state = is_svc ? r->state : r->state ? 1 : 0;
	if (err) {
		/* nothing to send */
	} else if (e->type == ENGINE_ICINGA2) {
		struct buf name = BUF_INIT;
		buf_printf(&name, "%s%s%s", host.s, is_svc ? "!" : "", is_svc ? svc.s : "");
		json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", is_svc ? "Service" : "Host",
		                      is_svc ? "service" : "host", buf_cstr(&name), "exit_status", state,
		                      "plugin_output", buf_cstr(&out), "check_source",
		                      r->source ? r->source : "mamori");
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		buf_printf(shown, "POST /v1/actions/process-check-result %s", t ? t : "");
		free(t);
		if (!j)
			err = "cannot build the JSON request";
		else if (!dry_run)
			err = api_post(e, "process-check-result", j);
		json_decref(j);
		buf_free(&name);
	} else {
		if (is_svc)
			buf_printf(shown, "[%lld] PROCESS_SERVICE_CHECK_RESULT;%s;%s;%d;%s\n", (long long)time(NULL),
			           host.s, svc.s, state, out.s);
		else
			buf_printf(shown, "[%lld] PROCESS_HOST_CHECK_RESULT;%s;%d;%s\n", (long long)time(NULL), host.s,
			           state, out.s);
		if (!dry_run && e->type == ENGINE_NAGIOS)
			err = fifo_write(e, shown->s, shown->len);
	}
	buf_free(&host);
	buf_free(&svc);
	buf_free(&out);
	return err;
}

const char *engine_downtime(const struct engine *e, const struct downtime *d, bool dry_run, struct buf *shown)
{
	struct buf host = BUF_INIT, svc = BUF_INIT, author = BUF_INIT, comment = BUF_INIT;
	const char *err = engine_clean_name(d->host, "host name", &host);
	bool is_svc = d->service && *d->service;
	if (!err && is_svc)
		err = engine_clean_name(d->service, "service name", &svc);
	if (!err && e->type == ENGINE_ICINGA2 && (strchr(host.s, '!') || (is_svc && strchr(svc.s, '!'))))
		err = "a name holds '!', Icinga 2's host!service separator";
	if (!err && d->end <= d->start)
		err = "the downtime ends before it starts";
	engine_clean_text(d->author ? d->author : "mamori", 64, &author);
	for (char *p = author.s; p && *p; p++)
		if (*p == ';')
			*p = ',';   /* the author is a field, the comment the last one */
	/* half the room of an output: a host downtime is two lines in one write */
	engine_clean_text(d->comment, TEXT_MAX_BYTES / 2, &comment);
	if (!comment.len)
		buf_puts(&comment, "mamori silence");
	buf_reset(shown);
	long long s = d->start, z = d->end;
	if (err) {
		/* nothing to send */
	} else if (e->type == ENGINE_ICINGA2) {
		struct buf name = BUF_INIT;
		buf_printf(&name, "%s%s%s", host.s, is_svc ? "!" : "", is_svc ? svc.s : "");
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:b, s:s, s:s}", "type", is_svc ? "Service" : "Host",
		                      is_svc ? "service" : "host", buf_cstr(&name), "start_time", (json_int_t)s,
		                      "end_time", (json_int_t)z, "fixed", 1, "author", buf_cstr(&author), "comment",
		                      buf_cstr(&comment));
		if (j && !is_svc)
			json_object_set_new(j, "all_services", json_true());
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		buf_printf(shown, "POST /v1/actions/schedule-downtime %s", t ? t : "");
		free(t);
		if (!j)
			err = "cannot build the JSON request";
		else if (!dry_run)
			err = api_post(e, "schedule-downtime", j);
		json_decref(j);
		buf_free(&name);
	} else {
		long long now = time(NULL);
		if (is_svc) {
			buf_printf(shown, "[%lld] SCHEDULE_SVC_DOWNTIME;%s;%s;%lld;%lld;1;0;%lld;%s;%s\n", now, host.s, svc.s,
			           s, z, z - s, author.s, comment.s);
		} else {
			/* the host and every service on it: two lines, one write */
			buf_printf(shown, "[%lld] SCHEDULE_HOST_DOWNTIME;%s;%lld;%lld;1;0;%lld;%s;%s\n", now, host.s, s, z,
			           z - s, author.s, comment.s);
			buf_printf(shown, "[%lld] SCHEDULE_HOST_SVC_DOWNTIME;%s;%lld;%lld;1;0;%lld;%s;%s\n", now, host.s,
			           s, z, z - s, author.s, comment.s);
		}
		if (!dry_run && e->type == ENGINE_NAGIOS)
			err = fifo_write(e, shown->s, shown->len);
	}
	buf_free(&host);
	buf_free(&svc);
	buf_free(&author);
	buf_free(&comment);
	return err;
}
