/* notify_chat: one notification posted to Slack, Chatwork and/or Microsoft
 * Teams in runbook 004 5-4's format, each provider section of the config
 * its own path (one failing spools only that one). The providers' request
 * and answer contracts are in notifiers/chat_*.c, the send path in
 * notifiers/chat_send.c, the shared path and exit codes in notify.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_send.h"
#include "notify.h"
#include "options.h"
#include "spool.h"
#include "secret.h"
#include "template.h"

enum { OPT_PROVIDER = NOTICE_OPT_USER, OPT_LANG, OPT_CA_FILE, OPT_REQUEST_TIMEOUT };
enum { MAX_PROVIDERS = 16 };

static const struct option_spec options[] = {
	{ "provider", OPT_PROVIDER, "KIND[:LABEL]",
	  "Post through this config section: slack, chatwork or teams (every section of that\n"
	  "kind), KIND:LABEL for [KIND LABEL] only, KIND: for [KIND] only (repeatable;\n"
	  "default: every [slack*], [chatwork*] and [teams*] section of the config)" },
	{ "lang", OPT_LANG, "ja|en", "Language of the built-in template and the field names (default ja)" },
	{ "ca-file", OPT_CA_FILE, "FILE", "CA certificates to verify the providers with (default: the system's)" },
	{ "request-timeout", OPT_REQUEST_TIMEOUT, "SECONDS",
	  "Timeout of one HTTP request (default: the section's timeout=, else 10)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "notify_chat",
	.service = "NOTIFY",
	.purpose = "Posts one notification to Slack (incoming webhook), Chatwork (API v2) and/or\n"
	           "Microsoft Teams (Workflows webhook) in runbook 004 5-4's format: <発生イベント>\n"
	           "<ノード名> <警報名> <検知データ> <警報レベル> <検知時間> <ログのサマリ>, the log\n"
	           "summary cut at 1024 characters. A post no provider took is spooled and sent by\n"
	           "`mamori spool flush` (and by the next notify_chat run).",
	.usage = "--host NAME [--service NAME] --state STATE --type TYPE [--provider slack|chatwork|teams] ...\n"
	         "       (or Icinga 2's notification script options: -d -e -l -n -o -s -t -u -4 -6 -b -c -i -v)",
	.options = options,
	.shared = notify_options,
	.notes = "Exit code: 0 sent everywhere (or silenced, or --dry-run), 1 a post was neither sent nor\n"
	         "spooled, 2 a post was spooled for later, 3 bad options, config or template (or a\n"
	         "provider refused the post for good: it is spooled anyway).\n"
	         "Macros not given as options are read from the environment (NAGIOS_*, ICINGA_*).",
	.timeout = 0,      /* -t is the notification type; --timeout is ours */
	.operands = true,  /* Icinga 2's `-v true|false` */
};

struct chat_opts {
	struct notify n;
	const char *provider[MAX_PROVIDERS];
	size_t nprovider;
	bool en;
	const char *ca_file;
	double request_timeout;
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct chat_opts *o = cfg_;
	bool mine;
	const char *err = notify_option(&o->n, key, arg, &mine);
	if (mine)
		return err;
	switch (key) {
	case OPT_PROVIDER:
		if (o->nprovider == MAX_PROVIDERS)
			return "at most 16 providers";
		o->provider[o->nprovider++] = arg;
		return NULL;
	case OPT_LANG:
		if (strcmp(arg, "ja") && strcmp(arg, "en"))
			return "must be ja or en";
		o->en = !strcmp(arg, "en");
		return NULL;
	/* checked now: a bad CA file is a bad option (3), not a post
	 * spooled to fail the same way at every retry (nor /dev/zero read) */
	case OPT_CA_FILE: o->ca_file = arg; return file_check_pem(arg);
	case OPT_REQUEST_TIMEOUT: return opt_double(arg, 0.1, 3600, &o->request_timeout);
	}
	return "unhandled option";
}

/* The template's variables: the notice's, except that the log summary
 * (${LOG}; the long plugin output when no --log was given, which is where
 * check_load/check_mem/check_disk put their top lists) and ${LONG_OUTPUT}
 * are cut at 1024 characters (runbook 004 5-4), never inside a character. */
static bool lookup(void *ctx, const char *name, size_t len, struct buf *out)
{
	const struct notice *n = ctx;
	bool is_log = len == 3 && !memcmp(name, "LOG", 3);
	if (!is_log && !(len == 11 && !memcmp(name, "LONG_OUTPUT", 11)))
		return notice_var(n, name, len, out);
	const char *v = notice_get(n, NF_LOG);
	if (!is_log || !*v)
		v = notice_get(n, NF_LONG_OUTPUT);
	chat_cut(out, v, NOTICE_LOG_CHARS);
	return true;
}

static void render(struct buf *out, const char *text, const struct notice *n)
{
	tmpl_expand(out, text, ESC_TEXT, lookup, (void *)n);
	/* the template's last line ends "${LOG}\n": no trailing blanks when
	 * there is no log */
	while (out->len && strchr("\n\r \t", out->s[out->len - 1]))
		out->s[--out->len] = '\0';
}

/* Runbook 004 5-4's fields, for Teams' FactSet. */
static json_t *facts(const struct notice *n, bool en)
{
	static const struct { const char *ja, *en, *var_ja, *var_en; } rows[] = {
		{ "発生イベント", "Event", "KIND", "KIND_EN" },
		{ "ノード名", "Node", "HOST", "HOST" },
		{ "警報名", "Alert", "ALERT", "ALERT" },
		{ "検知データ", "Data", "VALUE", "VALUE" },
		{ "警報レベル", "Level", "LEVEL", "LEVEL_EN" },
		{ "検知時間", "Detected", "DATE", "DATE_EN" },
		{ "ログのサマリ", "Log summary", "LOG", "LOG" },
	};
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf v = BUF_INIT, t = BUF_INIT;
		buf_printf(&t, "${%s}", en ? rows[i].var_en : rows[i].var_ja);
		render(&v, buf_cstr(&t), n);
		if (v.len)
			json_array_append_new(a, json_pack("{s:s, s:s}", "title", en ? rows[i].en : rows[i].ja, "value",
			                                   buf_cstr(&v)));
		buf_free(&v);
		buf_free(&t);
	}
	return a;
}

static bool is_chat_kind(const char *k)
{
	return chat_provider(k) != NULL;
}

/* The sections to post through, in order, without repeats. */
static const char *pick_sections(const struct chat_opts *o, const struct conf_section **out, size_t *n)
{
	static char why[200];
	const struct conf *c = &o->n.conf;
	*n = 0;
	for (size_t i = 0; i < o->nprovider; i++) {
		char kind[64], name[200];
		const char *colon = strchr(o->provider[i], ':');
		size_t kl = colon ? (size_t)(colon - o->provider[i]) : strlen(o->provider[i]);
		snprintf(kind, sizeof kind, "%.*s", (int)(kl < 63 ? kl : 63), o->provider[i]);
		if (!is_chat_kind(kind)) {
			snprintf(why, sizeof why, "--provider %.60s: must be slack, chatwork or teams[:LABEL]", o->provider[i]);
			return why;
		}
		size_t before = *n;
		for (const struct conf_section *s = conf_next(c, kind, NULL); s; s = conf_next(c, kind, s)) {
			if (colon) {
				/* KIND: alone is the unlabelled [KIND] */
				snprintf(name, sizeof name, colon[1] ? "%s %.120s" : "%s", kind, colon + 1);
				if (strcmp(s->name, name))
					continue;
			}
			bool dup = false;
			for (size_t j = 0; j < *n; j++)
				dup |= out[j] == s;
			if (!dup && *n < MAX_PROVIDERS)
				out[(*n)++] = s;
		}
		if (*n == before) {
			snprintf(why, sizeof why, "--provider %.60s: no such section in the config%s", o->provider[i],
			         c->path ? "" : " (no config file was read)");
			return why;
		}
	}
	if (!o->nprovider)
		for (size_t k = 0; k < c->nsec && *n < MAX_PROVIDERS; k++)
			if (is_chat_kind(c->sec[k].kind))
				out[(*n)++] = &c->sec[k];
	if (!*n)
		return "no chat provider: add a [slack], [chatwork] or [teams] section to the config";
	return NULL;
}

/* Several paths, one exit code: lost is worst, then refused, then spooled. */
static int worse(int a, int b)
{
	static const int rank[] = { [NOTIFY_SENT] = 0, [NOTIFY_SPOOLED] = 1, [NOTIFY_BAD_INPUT] = 2, [NOTIFY_LOST] = 3 };
	return rank[b] > rank[a] ? b : a;
}

int main(int argc, char **argv)
{
	struct chat_opts o = { .request_timeout = 0 };
	notify_init(&o.n, "chat", "notify_chat");
	int first = program_parse(&prog, argc, argv, on_option, &o);
	const char *err = notify_prepare(&o.n, argc, argv, first);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	const struct conf_section *sec[MAX_PROVIDERS];
	size_t nsec;
	if ((err = pick_sections(&o, sec, &nsec)))
		plugin_die(STATE_UNKNOWN, "%s", err);

	struct template t;
	if ((err = notify_template(&o.n, "chat", o.en ? "chat-en" : "chat-ja", &t)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	const struct notice *nt = &o.n.notice;
	struct buf text = BUF_INIT, title = BUF_INIT;
	render(&text, t.body, nt);
	render(&title, o.en ? "${KIND_EN} ${HOST} ${ALERT}" : "${KIND} ${HOST} ${ALERT}", nt);
	json_t *fs = facts(nt, o.en);

	int code = NOTIFY_SENT;
	for (size_t i = 0; i < nsec; i++) {
		char id[SPOOL_ID_MAX];
		spool_new_id(id);
		json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:O}", "provider", sec[i]->kind, "section", sec[i]->name,
		                      "title", buf_cstr(&title), "text", buf_cstr(&text), "facts", fs);
		if (!p)
			plugin_die(STATE_UNKNOWN, "[%.80s]: the section name is not UTF-8", sec[i]->name);
		if (o.ca_file)
			json_object_set_new(p, "ca_file", json_string(o.ca_file));
		if (o.request_timeout > 0)
			json_object_set_new(p, "timeout", json_real(o.request_timeout));
		code = worse(code, notify_deliver(&o.n, id, sec[i]->name, p));
		json_decref(p);
		/* the spool was flushed before the first post; the next ones must
		 * not resend what this run just spooled */
		o.n.no_flush = true;
	}
	json_decref(fs);
	buf_free(&text);
	buf_free(&title);
	template_free(&t);
	notify_free(&o.n);
	return code;
}
