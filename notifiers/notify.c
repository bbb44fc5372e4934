#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "channels.h"
#include "silence.h"
#include "spool.h"
#include "template.h"
#include "timeout.h"

const struct option_spec notify_options[] = {
	NOTICE_OPTION_ROWS,
	{ "config", NOTIFY_OPT_CONFIG, "FILE",
	  "Config file (default: $MAMORI_CONFIG, else " SYSCONFDIR "/mamori/mamori.ini)" },
	{ "template", NOTIFY_OPT_TEMPLATE, "NAME|FILE",
	  "Template: a built-in name (mail-004-ja, mail-000-ja, mail-004-en, mail-000-en ...),\n"
	  "a NAME.txt in the template directory, or a file path" },
	{ "timeout", NOTIFY_OPT_TIMEOUT, "SECONDS",
	  "Give up sending after SECONDS and spool the message (default 30; long-only:\n"
	  "-t is the notification type, as in Icinga 2's scripts)" },
	{ "dry-run", NOTIFY_OPT_DRY_RUN, NULL, "Print the message that would be sent, send nothing" },
	{ "no-flush", NOTIFY_OPT_NO_FLUSH, NULL, "Do not resend this channel's spooled messages first" },
	{ "ignore-silence", NOTIFY_OPT_IGNORE_SILENCE, NULL, "Send even inside a silence window (静観)" },
	{ NULL, 0, NULL, NULL },
};

void notify_init(struct notify *n, const char *channel, const char *program)
{
	memset(n, 0, sizeof *n);
	n->channel = channel;
	n->program = program;
	n->timeout = NOTIFY_DEFAULT_TIMEOUT;
	notice_init(&n->notice);
	audit_program(program);
}

const char *notify_option(struct notify *n, int key, const char *arg, bool *mine)
{
	const char *err = notice_option(&n->notice, key, arg, mine);
	if (*mine)
		return err;
	*mine = true;
	switch (key) {
	case NOTIFY_OPT_CONFIG: n->config_path = arg; return NULL;
	case NOTIFY_OPT_TEMPLATE: n->template_name = arg; return NULL;
	case NOTIFY_OPT_TIMEOUT: return opt_double(arg, 0.5, 3600, &n->timeout);
	case NOTIFY_OPT_DRY_RUN: n->dry_run = true; return NULL;
	case NOTIFY_OPT_NO_FLUSH: n->no_flush = true; return NULL;
	case NOTIFY_OPT_IGNORE_SILENCE: n->ignore_silence = true; return NULL;
	}
	*mine = false;
	return NULL;
}

const char *notify_prepare(struct notify *n, int argc, char **argv, int first_operand)
{
	static char why[160];
	for (int i = first_operand; i < argc; i++)
		if (strcmp(argv[i], "true") && strcmp(argv[i], "false")) {
			snprintf(why, sizeof why, "unexpected argument '%.60s'", argv[i]);
			return why;
		}
	const char *err = conf_load(&n->conf, n->config_path);
	if (err)
		return err;
	notice_finish(&n->notice);
	/* the alarm is the last resort; the deadline leaves time to spool */
	timeout_start(n->timeout, STATE_WARNING);
	double budget = n->timeout - NOTIFY_SPOOL_RESERVE;
	if (budget < n->timeout / 2)
		budget = n->timeout / 2;
	n->deadline = monotonic_now() + budget;
	return NULL;
}

const char *notify_template(struct notify *n, const char *section, const char *def, struct template *t)
{
	const char *name = n->template_name;
	if (!name)
		name = conf_get(&n->conf, section, "template");
	if (!name || !*name)
		name = def;
	return template_load(t, name, conf_template_dir(&n->conf));
}

bool notify_silenced(struct notify *n, const char *channel, const char *id, const char *target)
{
	if (n->ignore_silence)
		return false;
	struct silence_hit hit;
	struct buf err = BUF_INIT;
	const char *svc = notice_get(&n->notice, NF_SERVICE);
	int r = silence_match_addr(notice_get(&n->notice, NF_HOST), notice_get(&n->notice, NF_ADDRESS),
	                           *svc ? svc : NULL, notice_time(&n->notice), &hit, &err);
	if (r < 0)
		fprintf(stderr, "%s: cannot read the silence windows (%s): sending anyway\n", n->program, buf_cstr(&err));
	buf_free(&err);
	if (r != 1)
		return false;
	char until[64] = "";
	struct tm tm;
	if (localtime_r(&hit.end, &tm))
		strftime(until, sizeof until, "%Y-%m-%d %H:%M", &tm);
	printf("%s: silenced by window %s until %s, not sent\n", n->program, hit.id, until);
	struct buf why = BUF_INIT;
	buf_printf(&why, "silence window %s", hit.id);
	struct audit_entry e = { .channel = channel, .target = target, .id = id, .result = "silenced",
	                         .error = buf_cstr(&why), .duration_ms = -1 };
	audit_write(&n->conf, &e);
	buf_free(&why);
	return true;
}

int notify_deliver(struct notify *n, const char *id, const char *target, json_t *payload)
{
	if (n->dry_run) {
		char *s = json_dumps(payload, JSON_INDENT(2));
		printf("%s\n", s ? s : "{}");
		free(s);
		return NOTIFY_SENT;
	}
	if (notify_silenced(n, n->channel, id, target))
		return NOTIFY_SENT;
	if (!n->no_flush) {
		/* what waits is older than what we send: it goes first, bounded */
		struct spool_stats st;
		double now = monotonic_now();
		spool_flush(&n->conf, n->channel, now + (n->deadline - now) / 3, 0, &st);
	}
	const struct channel *ch = channel_find(n->channel);
	struct buf via = BUF_INIT, err = BUF_INIT;
	int r = -2;
	double t0 = monotonic_now();
	if (ch) {
		struct channel_msg cm = { .conf = &n->conf, .id = id, .payload = payload, .deadline = n->deadline };
		r = ch->send(&cm, NULL, &via, &err);
	} else {
		buf_printf(&err, "no channel %s in this build", n->channel);
	}
	struct audit_entry e = { .channel = n->channel, .target = target, .id = id,
	                         .via = via.len ? buf_cstr(&via) : NULL,
	                         .duration_ms = (monotonic_now() - t0) * 1000, .attempt = 1 };
	int code;
	if (r == 0) {
		e.result = "sent";
		audit_write(&n->conf, &e);
		printf("%s: sent to %s via %s (id %s)\n", n->program, target, buf_cstr(&via), id);
		code = NOTIFY_SENT;
	} else {
		e.result = "failed";
		e.error = err.len ? buf_cstr(&err) : "failed";
		audit_write(&n->conf, &e);
		const char *serr = spool_put(&n->conf, id, n->channel, target, payload, e.error);
		struct audit_entry s = { .channel = n->channel, .target = target, .id = id,
		                         .result = serr ? "lost" : "spooled", .error = serr ? serr : e.error,
		                         .duration_ms = -1 };
		audit_write(&n->conf, &s);
		if (serr) {
			printf("%s: NOT SENT to %s and could not spool it (%s): %s\n", n->program, target, serr, e.error);
			code = NOTIFY_LOST;
		} else {
			printf("%s: not sent to %s, spooled as %s for `mamori spool flush`: %s\n", n->program, target, id,
			       e.error);
			code = r == -2 ? NOTIFY_BAD_INPUT : NOTIFY_SPOOLED;
		}
	}
	buf_free(&via);
	buf_free(&err);
	return code;
}

void notify_free(struct notify *n)
{
	notice_free(&n->notice);
	conf_free(&n->conf);
}
