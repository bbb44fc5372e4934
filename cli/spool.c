/* mamori spool: the notifiers' durable spool by hand (notifiers/spool.h). */
#include "spool_cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "conf.h"
#include "options.h"
#include "spool.h"
#include "timeout.h"

struct scfg {
	const char *config, *channel;
	bool json, sent;
	long max;
};

enum { OPT_CONFIG = 256, OPT_CHANNEL, OPT_JSON, OPT_MAX, OPT_SENT };

static const struct option_spec options[] = {
	{ "config", OPT_CONFIG, "FILE", "Config file (default: $MAMORI_CONFIG, else " SYSCONFDIR "/mamori/mamori.ini)" },
	{ "channel", OPT_CHANNEL, "NAME", "flush: only messages of this channel (mail, ...)" },
	{ "max", OPT_MAX, "N", "flush: send at most N messages" },
	{ "json", OPT_JSON, NULL, "list: print a JSON array" },
	{ "sent", OPT_SENT, NULL, "show: a message already sent (kept in sent/ for [mamori] sent_keep_days)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "mamori spool",
	.service = "SPOOL",
	.purpose = "Lists, resends, shows and drops the notifications that could not be sent\n"
	           "(notify_mail and the other notifiers spool a message when every path failed).",
	.usage = "list [--json] | flush [--channel NAME] [--max N] | show ID [--sent] | drop ID",
	.options = options,
	.notes = "flush sends each waiting message once through its channel, oldest first; two\n"
	         "flushes at the same time never send one message twice. Exit code: 0 done (flush:\n"
	         "nothing left that failed), 1 flush: some messages failed again and wait, show/drop:\n"
	         "no such message, 3 bad usage or an unreadable spool.",
	.timeout = 300,
	.timeout_state = STATE_UNKNOWN,
	.operands = true,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct scfg *cfg = cfg_;
	switch (key) {
	case OPT_CONFIG: cfg->config = arg; return NULL;
	case OPT_CHANNEL: cfg->channel = arg; return NULL;
	case OPT_JSON: cfg->json = true; return NULL;
	case OPT_SENT: cfg->sent = true; return NULL;
	case OPT_MAX: return opt_long(arg, 1, 100000000L, &cfg->max);
	}
	return "unhandled option";
}

static void fmt_time(char *out, size_t size, time_t t)
{
	struct tm tm;
	if (!t || !localtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, size, "-");
}

static int do_list(const struct conf *c, bool as_json)
{
	char **ids;
	size_t n;
	const char *err = spool_ids(c, &ids, &n);
	if (err) {
		fprintf(stderr, "mamori spool: %s\n", err);
		return 3;
	}
	json_t *arr = json_array();
	if (!as_json)
		printf("%-33s  %-8s  %8s  %-19s  %s\n", "ID", "CHANNEL", "ATTEMPTS", "FIRST", "TARGET / LAST ERROR");
	for (size_t i = 0; i < n; i++) {
		struct spool_msg m;
		if (spool_load(c, ids[i], false, &m))
			continue;  /* sent or dropped meanwhile */
		if (as_json) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s?, s:s?}", "id", m.id,
			                                     "channel", m.channel, "target", m.target, "attempts",
			                                     (json_int_t)m.attempts, "first_time", (json_int_t)m.first_time,
			                                     "last_time", (json_int_t)m.last_time, "first_error",
			                                     m.first_error, "last_error", m.last_error));
		} else {
			char first[32];
			fmt_time(first, sizeof first, m.first_time);
			printf("%-33s  %-8s  %8ld  %-19s  %s\n%55s%s\n", m.id, m.channel, m.attempts, first, m.target, "",
			       m.last_error ? m.last_error : "");
		}
		spool_msg_free(&m);
	}
	if (as_json) {
		char *s = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		printf("%zu message%s waiting\n", n, n == 1 ? "" : "s");
	}
	json_decref(arr);
	spool_ids_free(ids);
	return 0;
}

static int do_flush(const struct conf *c, const struct scfg *cfg)
{
	struct spool_stats st;
	/* stop starting new messages a second before the -t alarm */
	double deadline = monotonic_now() + timeout_remaining() - 1;
	const char *err = spool_flush(c, cfg->channel, deadline, cfg->max, &st);
	if (err) {
		fprintf(stderr, "mamori spool: %s\n", err);
		return 3;
	}
	printf("sent %ld, failed %ld (still waiting), busy %ld (another flush has them), skipped %ld\n", st.sent,
	       st.failed, st.busy, st.skipped);
	return st.failed ? 1 : 0;
}

static int do_show(const struct conf *c, const char *id, bool sent)
{
	struct spool_msg m;
	const char *err = spool_load(c, id, sent, &m);
	if (err) {
		fprintf(stderr, "mamori spool: %s\n", err);
		return 1;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s?, s:s?, s:O}", "id", m.id, "channel", m.channel,
	                      "target", m.target, "attempts", (json_int_t)m.attempts, "first_time",
	                      (json_int_t)m.first_time, "last_time", (json_int_t)m.last_time, "first_error",
	                      m.first_error, "last_error", m.last_error, "payload", m.payload);
	char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
	spool_msg_free(&m);
	return 0;
}

static int do_drop(const struct conf *c, const char *id)
{
	bool found;
	const char *err = spool_drop(c, id, &found);
	if (err) {
		fprintf(stderr, "mamori spool: %s\n", err);
		return 3;
	}
	if (!found) {
		fprintf(stderr, "mamori spool: no waiting message %s\n", id);
		return 1;
	}
	printf("dropped %s\n", id);
	return 0;
}

int spool_main(int argc, char **argv)
{
	struct scfg cfg = { 0 };
	audit_program("mamori spool");
	int first = program_parse(&prog, argc, argv, on_option, &cfg);
	if (first >= argc) {
		fprintf(stderr, "mamori spool: say list, flush, show ID or drop ID (see mamori spool --help)\n");
		return 3;
	}
	const char *cmd = argv[first];
	int want = !strcmp(cmd, "show") || !strcmp(cmd, "drop") ? 2 : 1;
	if ((strcmp(cmd, "list") && strcmp(cmd, "flush") && want == 1) || argc - first != want) {
		fprintf(stderr, "mamori spool: say list, flush, show ID or drop ID (see mamori spool --help)\n");
		return 3;
	}
	struct conf c;
	const char *err = conf_load(&c, cfg.config);
	if (err) {
		fprintf(stderr, "mamori spool: %s\n", err);
		conf_free(&c);
		return 3;
	}
	int code;
	if (!strcmp(cmd, "list"))
		code = do_list(&c, cfg.json);
	else if (!strcmp(cmd, "flush"))
		code = do_flush(&c, &cfg);
	else if (!strcmp(cmd, "show"))
		code = do_show(&c, argv[first + 1], cfg.sent);
	else
		code = do_drop(&c, argv[first + 1]);
	conf_free(&c);
	return code;
}
