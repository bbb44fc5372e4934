/* notify_mail: one notification mail, from the engine's macros through a
 * runbook template, over SMTP with failover; spooled when every server
 * fails (notifiers/notify.h has the shared path and the exit codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "mail_mime.h"
#include "notify.h"
#include "options.h"
#include "spool.h"
#include "secret.h"
#include "template.h"

enum { OPT_CC = NOTICE_OPT_USER, OPT_CHARSET, OPT_SMTP, OPT_SMTP_TIMEOUT, OPT_CAINFO };

static const struct option_spec options[] = {
	{ "to", 'r', "ADDRESS,...", "Recipients (repeatable; a name without @ is a [contact NAME] of the config;\n"
	                           "default: [mail] to=). -r is Icinga 2's USEREMAIL" },
	{ "cc", OPT_CC, "ADDRESS,...", "Cc recipients (repeatable; default: [mail] cc=)" },
	{ "from", 'f', "ADDRESS", "Sender (default: [mail] from=, else mamori@THIS-HOST)" },
	{ "charset", OPT_CHARSET, "utf-8|iso-2022-jp",
	  "Charset of the mail (default: [mail] charset=, else utf-8); iso-2022-jp for old\n"
	  "Japanese handsets" },
	{ "smtp", OPT_SMTP, "URL", "SMTP server smtp://HOST[:PORT] or smtps://HOST[:PORT], tried in the order given\n"
	                         "(repeatable; default: the config's [smtp LABEL] sections, else smtp://localhost)" },
	{ "smtp-timeout", OPT_SMTP_TIMEOUT, "SECONDS", "Per-server timeout of the --smtp servers (default 5)" },
	{ "cainfo", OPT_CAINFO, "FILE", "CA certificates to verify the SMTP servers with (default: the system's)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "notify_mail",
	.service = "NOTIFY",
	.purpose = "Sends one notification mail rendered from a runbook template (runbook 004's\n"
	           "【サーバ名】 <警報名>警報発生のご連絡 by default) with the engine's macros, over SMTP\n"
	           "with a failover list of servers. A mail no server took is spooled and sent by\n"
	           "`mamori spool flush` (and by the next notify_mail run).",
	.usage = "-r ADDRESS --host NAME [--service NAME] --state STATE --type TYPE [--output TEXT] ...\n"
	         "       (or Icinga 2's mail-*-notification.sh options: -d -e -l -n -o -r -s -t -u -4 -6 -b -c -i -f -v)",
	.options = options,
	.shared = notify_options,
	.notes = "Exit code: 0 sent (or silenced, or --dry-run), 1 not sent and not spooled either,\n"
	         "2 not sent now but spooled, 3 bad options, config or template.\n"
	         "Macros not given as options are read from the environment (NAGIOS_*, ICINGA_*).",
	.timeout = 0,      /* -t is the notification type; --timeout is ours */
	.operands = true,  /* Icinga 2's `-v true|false` */
};

struct mail_opts {
	struct notify n;
	struct buf to, cc;          /* comma lists as given */
	const char *from, *charset, *cainfo;
	const char *smtp[16];
	size_t nsmtp;
	double smtp_timeout;
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct mail_opts *o = cfg_;
	bool mine;
	const char *err = notify_option(&o->n, key, arg, &mine);
	if (mine)
		return err;
	switch (key) {
	case 'r': buf_printf(&o->to, "%s,", arg); return NULL;
	case OPT_CC: buf_printf(&o->cc, "%s,", arg); return NULL;
	case 'f': o->from = arg; return NULL;
	case OPT_CHARSET:
		return mail_charset_ok(arg, &o->charset) ? NULL : "charset must be utf-8 or iso-2022-jp";
	case OPT_SMTP:
		if (strncmp(arg, "smtp://", 7) && strncmp(arg, "smtps://", 8))
			return "must be smtp://HOST[:PORT] or smtps://HOST[:PORT]";
		if (o->nsmtp == sizeof o->smtp / sizeof o->smtp[0])
			return "at most 16 servers";
		o->smtp[o->nsmtp++] = arg;
		return NULL;
	case OPT_SMTP_TIMEOUT: return opt_double(arg, 0.1, 3600, &o->smtp_timeout);
	/* checked now: a bad CA file is a bad option (3), not a message
	 * spooled to fail the same way at every retry */
	case OPT_CAINFO: o->cainfo = arg; return file_check_pem(arg);
	}
	return "unhandled option";
}

/* "a@x, ops ,b@y" → addresses; names are looked up as [contact NAME]. */
static const char *add_recipients(const struct conf *c, const char *list, json_t *rcpt, struct buf *shown,
                                  char ***out, size_t *n)
{
	static char why[200];
	char **words = conf_words(list);
	const char *r = NULL;
	for (char **w = words; *w && !r; w++) {
		const char *addr = conf_contact(c, *w, "email", strchr(*w, '@') != NULL);
		if (!addr) {
			snprintf(why, sizeof why, "'%.60s' is not an address and no [contact %.60s] has email=", *w, *w);
			r = why;
		} else if (!mail_address_ok(addr)) {
			snprintf(why, sizeof why, "'%.80s' is not a plain address (local@domain)", addr);
			r = why;
		} else {
			*out = xrealloc(*out, (*n + 2) * sizeof **out);
			(*out)[(*n)++] = xstrdup(addr);
			(*out)[*n] = NULL;
			json_array_append_new(rcpt, json_string(addr));
			buf_printf(shown, "%s%s", shown->len ? ", " : "", addr);
		}
	}
	conf_words_free(words);
	return r;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int main(int argc, char **argv)
{
	struct mail_opts o = { .to = BUF_INIT, .cc = BUF_INIT, .smtp_timeout = 5 };
	notify_init(&o.n, "mail", "notify_mail");
	int first = program_parse(&prog, argc, argv, on_option, &o);
	const char *err = notify_prepare(&o.n, argc, argv, first);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	const struct conf *c = &o.n.conf;

	if (!o.charset) {
		const char *cs = conf_get(c, "mail", "charset");
		if (cs && !mail_charset_ok(cs, &o.charset))
			plugin_die(STATE_UNKNOWN, "[mail] charset=%.40s: must be utf-8 or iso-2022-jp", cs);
		if (!cs)
			o.charset = "utf-8";
	}
	json_t *rcpt = json_array();
	struct buf shown = BUF_INIT;
	char **to = NULL, **cc = NULL;
	size_t nto = 0, ncc = 0;
	/* recipients: -r/--to, else the contact Nagios/Naemon notify (their
	 * $CONTACTEMAIL$ as an environment macro; Icinga 2 passes -r), else the
	 * config's [mail] to= */
	const char *to_list = o.to.len ? buf_cstr(&o.to) : NULL;
	if (!to_list && !getauxval(AT_SECURE)) {
		const char *e = getenv("NAGIOS_CONTACTEMAIL");
		if (!e || !*e)
			e = getenv("ICINGA_CONTACTEMAIL");
		if (e && *e)
			to_list = e;
	}
	if (!to_list)
		to_list = conf_get(c, "mail", "to");
	err = add_recipients(c, to_list, rcpt, &shown, &to, &nto);
	if (!err)
		err = add_recipients(c, o.cc.len ? buf_cstr(&o.cc) : conf_get(c, "mail", "cc"), rcpt, &shown, &cc, &ncc);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	if (!nto)
		plugin_die(STATE_UNKNOWN, "no recipient: give -r/--to or [mail] to= in the config");
	char from[300];
	const char *f = o.from ? o.from : conf_get(c, "mail", "from");
	if (f)
		snprintf(from, sizeof from, "%s", f);
	else {
		char h[256] = "localhost";
		gethostname(h, sizeof h - 1);
		snprintf(from, sizeof from, "mamori@%s", h);
	}
	if (!mail_address_ok(from))
		plugin_die(STATE_UNKNOWN, "sender '%.80s' is not a plain address", from);

	struct template t;
	if ((err = notify_template(&o.n, "mail", "mail-004-ja", &t)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	struct buf subject = BUF_INIT, body = BUF_INIT, data = BUF_INIT;
	tmpl_render(&subject, t.subject, ESC_HEADER, &o.n.notice);
	tmpl_render(&body, t.body, ESC_TEXT, &o.n.notice);
	/* runbook 001 reports `top`, `free` and `df` with a load, swap or disk
	 * alert: the plugins' long output holds them (the top-N lists, the free
	 * view, the df table). The runbooks' templates stay word for word; the
	 * long output follows them unless a template places ${LONG_OUTPUT}. */
	const char *lo = notice_get(&o.n.notice, NF_LONG_OUTPUT);
	if (*lo && !strstr(t.body, "${LONG_OUTPUT}")) {
		size_t tl = strlen(t.name);
		bool ja = tl >= 3 && !strcmp(t.name + tl - 3, "-ja");
		buf_printf(&body, "%s%s\n%s%s", body.len && body.s[body.len - 1] == '\n' ? "\n" : "\n\n",
		           ja ? "【詳細】" : "Details:", lo, lo[strlen(lo) - 1] == '\n' ? "" : "\n");
	}

	char id[SPOOL_ID_MAX];
	spool_new_id(id);
	struct mail_parts parts = {
		.from = from, .to = (const char *const *)to, .cc = (const char *const *)cc,
		.subject = buf_cstr(&subject), .body = buf_cstr(&body), .charset = o.charset, .id = id,
		.date = time(NULL),
	};
	if ((err = mail_build(&parts, &data)))
		plugin_die(STATE_UNKNOWN, "%s", err);

	json_t *payload = json_object();
	json_object_set_new(payload, "from", json_string(from));
	json_object_set_new(payload, "rcpt", rcpt);
	json_object_set_new(payload, "data", json_string(buf_cstr(&data)));
	if (o.nsmtp) {
		json_t *servers = json_array();
		for (size_t i = 0; i < o.nsmtp; i++)
			json_array_append_new(servers, json_pack("{s:s, s:f}", "url", o.smtp[i], "timeout", o.smtp_timeout));
		json_object_set_new(payload, "servers", servers);
	}
	if (o.cainfo)
		json_object_set_new(payload, "cainfo", json_string(o.cainfo));

	int code;
	if (o.n.dry_run) {
		fwrite(data.s, 1, data.len, stdout);
		code = NOTIFY_SENT;
	} else {
		code = notify_deliver(&o.n, id, buf_cstr(&shown), payload);
	}
	json_decref(payload);
	buf_free(&subject);
	buf_free(&body);
	buf_free(&data);
	buf_free(&shown);
	buf_free(&o.to);
	buf_free(&o.cc);
	free_list(to);
	free_list(cc);
	template_free(&t);
	notify_free(&o.n);
	return code;
}
