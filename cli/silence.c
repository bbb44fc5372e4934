/* `mamori silence`: the maintenance windows (静観) notifiers and handlers
 * honour, kept in STATEDIR/silence.json through lib/silence. */
#include "silence_cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "conf.h"
#include "engine_submit.h"
#include "mail_auth.h"
#include "mail_keep.h"
#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "silence.h"
#include "silence_guard.h"
#include "silence_mail.h"
#include "state.h"

#define MAX_ITEMS 64

struct scfg {
	const char *hosts[MAX_ITEMS];
	size_t nhosts;
	const char *alerts[MAX_ITEMS + 1];
	size_t nalerts;
	const char *start, *end, *comment, *at, *config;
	bool json, all, dry_run, no_sender_check;
};

enum { OPT_HOST = 256, OPT_ALERT, OPT_START, OPT_END, OPT_COMMENT, OPT_JSON, OPT_ALL, OPT_DRY, OPT_AT, OPT_CONFIG,
       OPT_NO_SENDER };

static const struct option_spec options[] = {
	{ "host", OPT_HOST, "HOST", "add, check: the host (the engine's host name, or its address);\n"
	                            "add takes it more than once, one window each" },
	{ "alert", OPT_ALERT, "NAME", "add, check: a service description; more than once for several.\n"
	                              "Without it a window holds every alert of the host" },
	{ "start", OPT_START, "TIME", "add: start of the window (default now). TIME is \"2026-11-23 01:00\"\n"
	                              "(local time), ISO 8601 (2026-11-23T01:00+09:00), now, or +30m / +2h / +1d" },
	{ "end", OPT_END, "TIME", "add: end of the window, after the start; +2h counts from the start" },
	{ "comment", OPT_COMMENT, "TEXT", "add: why (customer, work), shown in list and in held notifications" },
	{ "json", OPT_JSON, NULL, "list: print JSON instead of a table" },
	{ "all", OPT_ALL, NULL, "list: include the windows that have ended" },
	{ "dry-run", OPT_DRY, NULL, "add, from-mail: print the windows, store nothing" },
	{ "at", OPT_AT, "TIME", "check, list, expire, from-mail: judge at TIME instead of now" },
	{ "config", OPT_CONFIG, "FILE", "add, from-mail: the config with [engine] (windows become downtimes),\n"
	                                "[mail-auth], [silence-senders NAME] and [silence] (default:\n"
	                                "MAMORI_CONFIG, else " SYSCONFDIR "/mamori/mamori.ini)" },
	{ "no-sender-check", OPT_NO_SENDER, NULL, "from-mail: do not judge the sender (an operator who checked the\n"
	                                          "mail by hand); the window bounds still apply" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "mamori silence",
	.service = "SILENCE",
	.purpose = "Maintenance windows (静観, runbook 004 5-10): while one covers a host and an\n"
	           "alert, the notifiers and event handlers hold it. Windows are kept in\n"
	           "STATEDIR/silence.json (MAMORI_STATE_DIR overrides STATEDIR).",
	.usage = "add --host HOST [--alert NAME]... [--start TIME]\n"
	         "                  --end TIME [--comment TEXT] [--dry-run]\n"
	         "       mamori silence list [--all] [--json]\n"
	         "       mamori silence remove ID...\n"
	         "       mamori silence expire\n"
	         "       mamori silence from-mail [FILE|-] [--dry-run] [--config FILE]\n"
	         "       mamori silence check --host HOST [--alert NAME] [--at TIME]",
	.options = options,
	.notes = "Commands:\n"
	         "  add        store a window, print its id\n"
	         "  list       the active and future windows, by start\n"
	         "  remove ID  drop a window (several IDs: each)\n"
	         "  expire     drop the windows that have ended\n"
	         "  from-mail  read a 静観依頼 mail (raw RFC 5322 message, or its text) and add\n"
	         "             one window per 【対象サーバ名】; a mail missing a field adds nothing\n"
	         "  check      is this alert held now? exit 0 held, 1 not, 3 cannot tell\n"
	         "Exit code: 0 done, 1 failed (reason on stderr), 3 usage error.",
	.timeout = 30,
	.timeout_state = STATE_UNKNOWN,
	.operands = true,
};

/* A host or alert name of a window: bounded, no control character (a
 * name is matched and shown as it is, and names the engine's object). */
static const char *text_ok(const char *arg, size_t max, const char *what)
{
	static char why[96];
	if (strlen(arg) > max) {
		snprintf(why, sizeof why, "%s longer than %zu bytes", what, max);
		return why;
	}
	for (const unsigned char *p = (const unsigned char *)arg; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, sizeof why, "%s holds a control character", what);
			return why;
		}
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct scfg *c = cfg_;
	const char *e;
	switch (key) {
	case OPT_HOST:
		if (c->nhosts >= MAX_ITEMS)
			return "too many hosts";
		if (!*arg)
			return "empty host";
		if ((e = text_ok(arg, 253, "a host name")))
			return e;
		c->hosts[c->nhosts++] = arg;
		return NULL;
	case OPT_ALERT:
		if (c->nalerts >= MAX_ITEMS)
			return "too many alerts";
		if (!*arg)
			return "empty alert name";
		if ((e = text_ok(arg, 255, "an alert name")))
			return e;
		c->alerts[c->nalerts++] = arg;
		return NULL;
	case OPT_START: c->start = arg; return NULL;
	case OPT_END: c->end = arg; return NULL;
	/* a comment may be long and hold line breaks: the downtime line cuts
	 * and flattens it (lib/engine_submit) */
	case OPT_COMMENT: c->comment = arg; return NULL;
	case OPT_JSON: c->json = true; return NULL;
	case OPT_ALL: c->all = true; return NULL;
	case OPT_DRY: c->dry_run = true; return NULL;
	case OPT_AT: c->at = arg; return NULL;
	case OPT_CONFIG: c->config = arg; return NULL;
	case OPT_NO_SENDER: c->no_sender_check = true; return NULL;
	}
	return "unhandled option";
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "mamori silence: %s: %s\n", what, why);
	return 1;
}

/* now, +30m/+2h/+1d/+90s (from base), "YYYY-MM-DD HH:MM[:SS]" or with
 * '/' (local time), ISO 8601 with T and an optional Z or ±HH:MM. */
static bool parse_time(const char *s, time_t now, time_t base, time_t *out)
{
	if (!strcmp(s, "now")) {
		*out = now;
		return true;
	}
	if (s[0] == '+') {
		char *end;
		errno = 0;
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || errno || v < 0 || v > 100000000)
			return false;
		long long mult = !strcmp(end, "s") ? 1 : !strcmp(end, "m") || !*end ? 60 : !strcmp(end, "h") ? 3600
		               : !strcmp(end, "d") ? 86400 : 0;
		if (!mult)
			return false;
		*out = base + (time_t)(v * mult);
		return true;
	}
	struct tm tm = { 0 };
	int n = 0;
	char sep1, sep2, mid;
	int y, mo, d, h, mi, sec = 0;
	if (sscanf(s, "%4d%c%2d%c%2d%c%2d:%2d%n", &y, &sep1, &mo, &sep2, &d, &mid, &h, &mi, &n) != 8 ||
	    sep1 != sep2 || (sep1 != '-' && sep1 != '/') || (mid != ' ' && mid != 'T'))
		return false;
	const char *p = s + n;
	if (*p == ':') {
		int k = 0;
		if (sscanf(p, ":%2d%n", &sec, &k) != 1)
			return false;
		p += k;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (!*p) {
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 || tm.tm_mday != d)
			return false;
		*out = t;
		return true;
	}
	long off = 0;
	if (!strcmp(p, "Z")) {
		off = 0;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2])) {
		int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = 0;
		const char *q = p + 3;
		if (*q == ':')
			q++;
		if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1])) {
			om = (q[0] - '0') * 10 + (q[1] - '0');
			q += 2;
		}
		if (*q || oh > 23 || om > 59)
			return false;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
	} else {
		return false;
	}
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return false;
	*out = t - off;
	return true;
}

static void fmt_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

static void fmt_iso(time_t t, char *out, size_t size)
{
	struct tm tm;
	localtime_r(&t, &tm);
	char z[8];
	strftime(z, sizeof z, "%z", &tm);   /* +0900 → +09:00 */
	char base[24];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%.19s%.3s:%.2s", base, z, z + 3);
}

static time_t now_of(const struct scfg *c, bool *ok)
{
	time_t now = time(NULL), t;
	*ok = true;
	if (c->at) {
		if (!parse_time(c->at, now, now, &t)) {
			*ok = false;
			return now;
		}
		return t;
	}
	return now;
}

static void print_window(const struct silence_window *w, const char *verb)
{
	char s[32], e[32];
	fmt_time(w->start, s, sizeof s);
	fmt_time(w->end, e, sizeof e);
	printf("%s%s%s  %s  %s - %s", verb, w->id[0] ? " " : "", w->id, w->host, s, e);
	if (w->alerts && w->alerts[0]) {
		printf("  alerts:");
		for (char **a = w->alerts; *a; a++)
			printf(" %s%s", *a, a[1] ? "," : "");
	} else {
		printf("  all alerts");
	}
	printf("\n");
}

/* The config (for [engine] and the from-mail checks); NULL or a reason. */
static const char *load_conf(const struct scfg *c, struct conf *conf)
{
	return conf_load(conf, c->config);
}

/* lib/conf names the file in its own reasons ("config PATH: ..."); the
 * others ("[engine] ...") get the word here */
static int fail_conf(const char *why)
{
	return fail(strncmp(why, "config ", 7) ? "config" : "config file", why + (strncmp(why, "config ", 7) ? 0 : 7));
}

/* Each window becomes an engine downtime when [engine] is configured:
 * named alerts one service downtime each, all alerts the host's. The
 * window is stored already: a refusal is reported, not undone. */
static int push_downtimes(const struct conf *conf, const struct silence_window *w, size_t n, const char *author,
                          bool dry_run)
{
	struct engine eng;
	const char *e = engine_config(conf, &eng);
	if (e) {
		engine_free(&eng);
		return fail("[engine]", e);
	}
	int rc = 0;
	struct buf shown = BUF_INIT;
	for (size_t i = 0; i < n && eng.type != ENGINE_NONE; i++) {
		char *none[] = { NULL };
		char **alerts = w[i].alerts && w[i].alerts[0] ? w[i].alerts : none;
		for (size_t k = 0; k == 0 || alerts[k]; k++) {
			struct downtime d = { .host = w[i].host, .service = alerts[k], .start = w[i].start,
			                      .end = w[i].end, .author = author, .comment = w[i].comment };
			e = engine_downtime(&eng, &d, dry_run, &shown);
			if (e) {
				fprintf(stderr, "mamori silence: the window of %s is stored, but the engine (%s) has no "
				        "downtime: %s\n", w[i].host, engine_describe(&eng), e);
				rc = 1;
			} else if (dry_run) {
				printf("would send: %s%s", shown.s, shown.s[shown.len - 1] == '\n' ? "" : "\n");
			}
			if (!alerts[k])
				break;
		}
	}
	buf_free(&shown);
	engine_free(&eng);
	return rc;
}

static int store(const struct conf *conf, struct silence_window *w, size_t n, bool dry_run, const char *author)
{
	if (!dry_run) {
		const char *e = silence_add(w, n);
		if (e)
			return fail("cannot store the window", e);
	}
	for (size_t i = 0; i < n; i++) {
		if (!dry_run && n == 1)
			printf("%s\n", w[i].id);
		else
			print_window(&w[i], dry_run ? "would add" : "added");
	}
	return push_downtimes(conf, w, n, author, dry_run);
}

static int cmd_add(struct scfg *c)
{
	time_t now = time(NULL), start = now, end;
	if (!c->nhosts)
		return fail("add", "--host is required");
	if (!c->end)
		return fail("add", "--end is required");
	if (c->start && !parse_time(c->start, now, now, &start))
		return fail("add", "--start: not a time (2026-11-23 01:00, ISO 8601, now, +2h)");
	if (!parse_time(c->end, now, start, &end))
		return fail("add", "--end: not a time (2026-11-23 01:00, ISO 8601, now, +2h)");
	if (end <= start)
		return fail("add", "--end must be after --start");
	struct silence_window w[MAX_ITEMS];
	memset(w, 0, sizeof w);
	c->alerts[c->nalerts] = NULL;
	for (size_t i = 0; i < c->nhosts; i++) {
		w[i].host = (char *)c->hosts[i];
		w[i].alerts = (char **)c->alerts;
		w[i].start = start;
		w[i].end = end;
		w[i].comment = (char *)(c->comment ? c->comment : "");
	}
	if (end <= now)
		fprintf(stderr, "mamori silence: warning: the window has already ended\n");
	struct conf conf;
	const char *e = load_conf(c, &conf);
	int rc = e ? fail_conf(e) : store(&conf, w, c->nhosts, c->dry_run, "mamori silence");
	conf_free(&conf);
	return rc;
}

static const char *window_state(const struct silence_window *w, time_t now)
{
	return now >= w->end ? "ended" : now >= w->start ? "active" : "future";
}

/* Display width of UTF-8 text: East Asian characters take two columns. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w += *p >= 0xE1 ? 2 : 1;
	return w;
}

static void pad(const char *s, size_t width)
{
	size_t w = text_width(s);
	fputs(s, stdout);
	for (; w < width; w++)
		putchar(' ');
}

static int by_start(const void *a, const void *b)
{
	const struct silence_window *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcasecmp(x->host, y->host);
}

static int cmd_list(struct scfg *c)
{
	bool ok;
	time_t now = now_of(c, &ok);
	if (!ok)
		return fail("list", "--at: not a time");
	struct silence_list l;
	const char *e = silence_load(&l);
	if (e)
		return fail("cannot read the windows", e);
	if (l.n)
		qsort(l.w, l.n, sizeof *l.w, by_start);
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++) {
			const struct silence_window *w = &l.w[i];
			if (!c->all && w->end <= now)
				continue;
			char s[48], z[48];
			fmt_iso(w->start, s, sizeof s);
			fmt_iso(w->end, z, sizeof z);
			json_t *alerts = json_array();
			for (char **a = w->alerts; a && *a; a++)
				json_array_append_new(alerts, json_string(*a));
			json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:s, s:s}",
			                                     "id", w->id, "host", w->host, "alerts", alerts,
			                                     "start", s, "end", z, "start_epoch", (json_int_t)w->start,
			                                     "end_epoch", (json_int_t)w->end,
			                                     "state", window_state(w, now), "comment", w->comment));
		}
		char *text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "[]");
		free(text);
		json_decref(arr);
		silence_list_free(&l);
		return 0;
	}
	size_t hostw = 4;
	for (size_t i = 0; i < l.n; i++)
		if (text_width(l.w[i].host) > hostw)
			hostw = text_width(l.w[i].host);
	printf("%-8s  %-6s  ", "ID", "STATE");
	pad("HOST", hostw);
	printf("  %-16s  %-16s  %s\n", "START", "END", "ALERTS / COMMENT");
	size_t shown = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct silence_window *w = &l.w[i];
		if (!c->all && w->end <= now)
			continue;
		char s[32], z[32];
		fmt_time(w->start, s, sizeof s);
		fmt_time(w->end, z, sizeof z);
		printf("%-8s  %-6s  ", w->id, window_state(w, now));
		pad(w->host, hostw);
		printf("  %-16s  %-16s  ", s, z);
		if (w->alerts && w->alerts[0])
			for (char **a = w->alerts; *a; a++)
				printf("%s%s", *a, a[1] ? ", " : "");
		else
			printf("(all alerts)");
		if (w->comment[0])
			printf(" / %s", w->comment);
		printf("\n");
		shown++;
	}
	if (!shown)
		printf("(no %swindows)\n", c->all ? "" : "active or future ");
	silence_list_free(&l);
	return 0;
}

static int cmd_remove(int n, char **ids)
{
	if (n < 1)
		return fail("remove", "which ID? (see mamori silence list)");
	int rc = 0;
	for (int i = 0; i < n; i++) {
		bool found;
		const char *e = silence_remove(ids[i], &found);
		if (e)
			return fail("cannot remove", e);
		if (!found) {
			fprintf(stderr, "mamori silence: no window %s\n", ids[i]);
			rc = 1;
		} else {
			printf("removed %s\n", ids[i]);
		}
	}
	return rc;
}

static int cmd_expire(struct scfg *c)
{
	bool ok;
	time_t now = now_of(c, &ok);
	if (!ok)
		return fail("expire", "--at: not a time");
	size_t dropped;
	const char *e = silence_expire(now, &dropped);
	if (e)
		return fail("cannot expire", e);
	printf("%zu ended window%s removed\n", dropped, dropped == 1 ? "" : "s");
	return 0;
}

/* A refused request changes nothing: the mail is kept with the reason
 * (STATEDIR/silence-mail/rejected, a maildir) and the refusal logged. */
static int refuse(const struct conf *conf, const struct scfg *c, const struct buf *raw, const char *from,
                  const char *why)
{
	fprintf(stderr, "mamori silence: from-mail: refused: %s; nothing added\n", why);
	if (c->dry_run)
		return 1;
	char dir[PATH_MAX], path[PATH_MAX];
	const char *kd = conf_get(conf, "silence", "keep_dir");
	if (kd && *kd)
		snprintf(dir, sizeof dir, "%s/rejected", kd);
	else
		snprintf(dir, sizeof dir, "%s/silence-mail/rejected", state_dir());
	const char *e = mail_keep(dir, "rejected", why, raw->s ? raw->s : "", raw->len, -1, path, sizeof path);
	if (e)
		fprintf(stderr, "mamori silence: from-mail: %s\n", e);
	else
		fprintf(stderr, "mamori silence: from-mail: the mail is kept as %s\n", path);
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%s; %s %s", why, e ? "NOT KEPT:" : "kept as", e ? e : path);
	struct audit_entry ae = { .channel = "silence-mail", .target = from, .result = "rejected",
	                          .error = msg.s, .duration_ms = -1 };
	audit_write(conf, &ae);
	buf_free(&msg);
	return 1;
}

static int cmd_from_mail(struct scfg *c, int n, char **args)
{
	const char *path = n > 0 ? args[0] : "-";
	bool ok;
	time_t now = now_of(c, &ok);
	if (!ok)
		return fail("from-mail", "--at: not a time");
	struct conf conf;
	const char *e = load_conf(c, &conf);
	if (e) {
		conf_free(&conf);
		return fail_conf(e);
	}
	audit_program("mamori silence");
	struct buf raw = BUF_INIT;
	int r = !strcmp(path, "-") ? read_file_buf(AT_FDCWD, "/dev/stdin", &raw, 16 << 20, false)
	                           : read_file_buf(AT_FDCWD, path, &raw, 16 << 20, false);
	if (r < 0) {
		buf_free(&raw);
		conf_free(&conf);
		return fail(path, strerror(errno));
	}
	struct silence_request req;
	e = silence_mail_parse(buf_cstr(&raw), raw.len, now, &req);
	if (e) {
		fprintf(stderr, "mamori silence: from-mail: %s; nothing added\n", e);
		buf_free(&raw);
		conf_free(&conf);
		return 1;
	}
	char who[1024];
	struct mail_auth_cfg acfg = { .nids = 0 };
	struct mail_auth_info info;   /* only From: here; the guard judges */
	mail_auth_read(buf_cstr(&raw), raw.len, &acfg, &info);
	e = silence_guard(&conf, buf_cstr(&raw), raw.len, &req, now, !c->no_sender_check, who, sizeof who);
	if (e) {
		int rc = refuse(&conf, c, &raw, info.from, e);
		silence_request_free(&req);
		buf_free(&raw);
		conf_free(&conf);
		return rc;
	}
	struct buf comment = BUF_INIT;
	buf_puts(&comment, req.company);
	if (req.summary) {
		/* one line: the list and the held notifications show it */
		buf_puts(&comment, " / ");
		for (const char *p = req.summary; *p; p++)
			buf_putc(&comment, *p == '\n' || *p == '\t' ? ' ' : *p);
	}
	size_t ns = 0;
	while (req.servers[ns])
		ns++;
	struct silence_window *w = xcalloc(ns, sizeof *w);
	for (size_t i = 0; i < ns; i++) {
		w[i].host = req.servers[i];
		w[i].alerts = req.alerts;
		w[i].start = req.start;
		w[i].end = req.end;
		w[i].comment = (char *)buf_cstr(&comment);
	}
	if (req.end <= now)
		fprintf(stderr, "mamori silence: warning: the requested period has already ended\n");
	int rc = 0;
	if (!c->dry_run && (e = silence_add(w, ns)) != NULL)
		rc = fail("cannot store the windows", e);
	for (size_t i = 0; i < ns && !rc; i++)
		print_window(&w[i], c->dry_run ? "would add" : "added");
	if (!rc && !c->dry_run) {
		struct buf msg = BUF_INIT;
		for (size_t i = 0; i < ns; i++)
			buf_printf(&msg, "%s%s %s", i ? ", " : "", w[i].host, w[i].id);
		struct audit_entry ae = { .channel = "silence-mail", .target = msg.s, .result = "added",
		                          .via = who[0] ? who : "unchecked sender (--no-sender-check)",
		                          .duration_ms = -1 };
		audit_write(&conf, &ae);
		buf_free(&msg);
	}
	if (!rc)
		rc = push_downtimes(&conf, w, ns, info.from[0] ? info.from : "mamori silence", c->dry_run);
	free(w);
	buf_free(&comment);
	silence_request_free(&req);
	buf_free(&raw);
	conf_free(&conf);
	return rc;
}

static int cmd_check(struct scfg *c)
{
	bool ok;
	time_t now = now_of(c, &ok);
	if (!ok)
		return fail("check", "--at: not a time");
	if (c->nhosts != 1 || c->nalerts > 1)
		return fail("check", "one --host and at most one --alert");
	struct silence_hit hit;
	struct buf err = BUF_INIT;
	int r = silence_match(c->hosts[0], c->nalerts ? c->alerts[0] : NULL, now, &hit, &err);
	if (r < 0) {
		fprintf(stderr, "mamori silence: cannot tell: %s\n", buf_cstr(&err));
		buf_free(&err);
		return 3;
	}
	buf_free(&err);
	if (r == 0) {
		printf("not held\n");
		return 1;
	}
	char s[32], z[32];
	fmt_time(hit.start, s, sizeof s);
	fmt_time(hit.end, z, sizeof z);
	printf("held by %s (%s - %s) %s\n", hit.id, s, z, hit.comment);
	return 0;
}

int silence_main(int argc, char **argv)
{
	struct scfg c = { .nhosts = 0 };
	int i = program_parse(&prog, argc, argv, on_option, &c);
	if (i >= argc) {
		fprintf(stderr, "mamori silence: which command? add, list, remove, expire, from-mail, check "
		                "(see mamori silence --help)\n");
		return 3;
	}
	const char *cmd = argv[i++];
	int rest = argc - i;
	if (strcmp(cmd, "remove") && strcmp(cmd, "from-mail") && rest > 0) {
		fprintf(stderr, "mamori silence %s: unexpected argument '%s'\n", cmd, argv[i]);
		return 3;
	}
	if (!strcmp(cmd, "add"))
		return cmd_add(&c);
	if (!strcmp(cmd, "list"))
		return cmd_list(&c);
	if (!strcmp(cmd, "remove"))
		return cmd_remove(rest, argv + i);
	if (!strcmp(cmd, "expire"))
		return cmd_expire(&c);
	if (!strcmp(cmd, "from-mail")) {
		if (rest > 1) {
			fprintf(stderr, "mamori silence from-mail: one FILE at most\n");
			return 3;
		}
		return cmd_from_mail(&c, rest, argv + i);
	}
	if (!strcmp(cmd, "check"))
		return cmd_check(&c);
	fprintf(stderr, "mamori silence: unknown command '%s' (see mamori silence --help)\n", cmd);
	return 3;
}
