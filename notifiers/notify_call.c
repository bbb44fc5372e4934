/* notify_call: automatic phone calls with keypad confirmation (runbook 004
 * 5-2-2, runbook 000 4.2). Options and settings here; the campaign is
 * call_campaign.c, the providers call_twilio.c and call_exec.c, the mails
 * call_mail.c. Calls are not spooled: a call replayed hours later helps
 * nobody, so a campaign nobody confirmed falls back to a mail at once (and
 * that mail is spooled when no SMTP server takes it). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "call_campaign.h"
#include "call_mail.h"
#include "call_providers.h"
#include "notify.h"
#include "options.h"
#include "secret.h"
#include "silence.h"
#include "spool.h"
#include "template.h"
#include "timeout.h"

enum {
	OPT_CALLEE = NOTICE_OPT_USER, OPT_MODE, OPT_SKIP, OPT_RETRIES, OPT_WAIT, OPT_PROVIDER, OPT_LANG,
	OPT_MAIL_TO, OPT_EXEC, OPT_BACKGROUND,
};

static const struct option_spec options[] = {
	{ "callee", OPT_CALLEE, "NUMBER|NAME,...",
	  "Who to call, in order (repeatable, at most 10; a name is a [contact NAME] with phone=;\n"
	  "default: [call] callees=)" },
	{ "mode", OPT_MODE, "sequential|simultaneous",
	  "Call the list in order until someone presses 1, or everybody at once (default:\n"
	  "[call] mode=, else sequential)" },
	{ "skip-interval", OPT_SKIP, "MINUTES",
	  "Do not call a callee again within MINUTES, even for another alert (3-1440, default 60)" },
	{ "retries", OPT_RETRIES, "N", "Rounds of the whole list after the first when nobody confirms (0-10, default 0)" },
	{ "answer-wait", OPT_WAIT, "SECONDS",
	  "Ring at most SECONDS before the call counts as unanswered (1-180, default 30)" },
	{ "provider", OPT_PROVIDER, "twilio|exec", "How to call (default: [call] provider=, else twilio)" },
	{ "lang", OPT_LANG, "ja|en", "Language of the speech and the mails (default: [call] lang=, else ja)" },
	{ "mail-to", OPT_MAIL_TO, "ADDRESS,...",
	  "Who gets the mail when nobody confirms (default: [call] mail_to=, else [mail] to=)" },
	{ "exec", OPT_EXEC, "PROGRAM",
	  "The exec provider's program, run as PROGRAM NUMBER MESSAGE LANG ANSWER_WAIT\n"
	  "(default: [call] exec=)" },
	{ "background", OPT_BACKGROUND, NULL,
	  "Check the settings, then make the calls in a detached process and exit 0 at once\n"
	  "(engines kill notification commands after their timeout: Nagios' notification_timeout\n"
	  "is 30 s); the outcome is in the audit log" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "notify_call",
	.service = "NOTIFY",
	.purpose = "Calls the contact list with a synthesised voice message (Japanese by default)\n"
	           "until someone confirms with keypad 1 (runbook 004 5-2-2): in order or all at\n"
	           "once, with rounds, an answer wait and a skip interval per callee. Twilio Studio\n"
	           "(contrib/twilio/mamori-call-flow.json) or a local program for on-premises\n"
	           "PBXs. When nobody confirms, a mail says so.",
	.usage = "--callee NUMBER [--callee NUMBER ...] --host NAME [--service NAME] --state STATE --type TYPE ...",
	.options = options,
	.shared = notify_options,
	.notes = "Keypad: 1 confirms; 3, 2, 4-9 say the message again; * ends the call as a failure.\n"
	         "Voicemail, no key, no answer, busy or a call over 2 minutes count as failures.\n"
	         "Exit code: 0 confirmed (or skipped, silenced, held by a mass incident, --dry-run);\n"
	         "2 nobody confirmed, the mail saying so was sent or spooled; 1 nobody confirmed and\n"
	         "that mail was lost; 3 bad options, config or template.\n"
	         "--timeout defaults to the longest the calls can take (plus a minute for the mail).",
	.timeout = 0,
	.operands = true,
};

struct call_opts {
	struct notify n;
	bool timeout_given;
	struct buf callees;
	const char *mode, *skip, *retries, *wait, *provider, *lang, *mail_to, *exec;
	bool background;
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct call_opts *o = cfg_;
	if (key == NOTIFY_OPT_TIMEOUT) {
		/* a campaign may take far longer than a mail: up to a day */
		o->timeout_given = true;
		return opt_double(arg, 0.5, 86400, &o->n.timeout);
	}
	bool mine;
	const char *err = notify_option(&o->n, key, arg, &mine);
	if (mine)
		return err;
	switch (key) {
	case OPT_CALLEE: buf_printf(&o->callees, "%s,", arg); return NULL;
	case OPT_MODE: o->mode = arg; return NULL;
	case OPT_SKIP: o->skip = arg; return NULL;
	case OPT_RETRIES: o->retries = arg; return NULL;
	case OPT_WAIT: o->wait = arg; return NULL;
	case OPT_PROVIDER: o->provider = arg; return NULL;
	case OPT_LANG: o->lang = arg; return NULL;
	case OPT_MAIL_TO: o->mail_to = arg; return NULL;
	case OPT_EXEC: o->exec = arg; return NULL;
	case OPT_BACKGROUND: o->background = true; return NULL;
	}
	return "unhandled option";
}

/* --background: the parent says where the calls went and exits; the
 * child leaves the engine's process group and output pipe (Nagios' worker
 * reads the pipe to EOF) and carries on. itimers do not survive fork():
 * the alarm is armed again in the child. */
static void go_background(const char *id, double timeout_left)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return;   /* cannot detach: call in the foreground */
	if (pid > 0) {
		printf("notify_call: calling in the background (pid %ld, id %s): see the audit log\n", (long)pid, id);
		exit(NOTIFY_SENT);
	}
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	timeout_start(timeout_left > 1 ? timeout_left : 1, STATE_WARNING);
}

/* The option, else [call] key=. */
static const char *setting(const struct conf *c, const char *opt, const char *key)
{
	return opt ? opt : conf_get(c, "call", key);
}

static void range_setting(const struct conf *c, const char *opt, const char *key, const char *what, long min,
                          long max, long *out)
{
	const char *v = setting(c, opt, key);
	if (v && conf_long(v, min, max, out))
		plugin_die(STATE_UNKNOWN, "%s %.40s is out of range: must be %ld-%ld (runbook 004 5-2-2)", what, v, min,
		           max);
}

/* "+81 90-1234-5678" → "+819012345678"; NULL when it is not a number. */
static char *normalise_number(const char *s)
{
	struct buf b = BUF_INIT;
	size_t digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			buf_putc(&b, *p);
			digits++;
		} else if (*p == '+' && !b.len) {
			buf_putc(&b, '+');
		} else if (!strchr(" -().", *p)) {
			buf_free(&b);
			return NULL;
		}
	}
	if (digits < 3 || digits > 15) {
		buf_free(&b);
		return NULL;
	}
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

static size_t load_callees(const struct conf *c, const char *list, struct callee *cl)
{
	size_t n = 0;
	char **words = conf_words(list);
	for (char **w = words; *w; w++) {
		if (n == CALL_MAX_CALLEES)
			plugin_die(STATE_UNKNOWN, "more than %d callees: the call list holds at most %d numbers (runbook 004 "
			           "5-2-2)", CALL_MAX_CALLEES, CALL_MAX_CALLEES);
		const char *num = conf_contact(c, *w, "phone", strspn(*w, "+0123456789 -().") == strlen(*w));
		if (!num)
			plugin_die(STATE_UNKNOWN, "callee '%.60s' is not a number and no [contact %.60s] has phone=", *w, *w);
		char *norm = normalise_number(num);
		if (!norm)
			plugin_die(STATE_UNKNOWN, "callee '%.60s': '%.40s' is not a phone number", *w, num);
		cl[n].name = xstrdup(*w);
		cl[n].number = norm;
		n++;
	}
	conf_words_free(words);
	return n;
}

struct provider_setup {
	struct twilio_cfg tw;
	struct exec_cfg ex;
	struct buf token;
	const struct call_provider *p;
	void *ctx;
};

static void setup_provider(struct call_opts *o, const char *name, const char *lang, long wait,
                           struct provider_setup *ps)
{
	const struct conf *c = &o->n.conf;
	if (!strcmp(name, "twilio")) {
		const struct conf_section *s = conf_next(c, "twilio", NULL);
		if (!s)
			plugin_die(STATE_UNKNOWN, "provider twilio needs a [twilio] section (account_sid=, auth_token_file=, "
			           "flow_sid=, from=)");
		struct twilio_cfg *t = &ps->tw;
		t->base = conf_sget(s, "base_url") ? conf_sget(s, "base_url") : "https://studio.twilio.com";
		t->account_sid = conf_sget(s, "account_sid");
		t->flow_sid = conf_sget(s, "flow_sid");
		t->from = conf_sget(s, "from");
		t->cainfo = conf_sget(s, "cainfo");
		const char *bad_ca = t->cainfo && *t->cainfo ? file_check_pem(t->cainfo) : NULL;
		if (bad_ca)
			plugin_die(STATE_UNKNOWN, "[%s] cainfo '%.200s': %s", s->name, t->cainfo, bad_ca);
		t->lang = lang;
		t->http_timeout = 10;
		const char *v = conf_sget(s, "timeout"), *err;
		if (v && (err = conf_seconds(v, &t->http_timeout)))
			plugin_die(STATE_UNKNOWN, "[%s] timeout=%.40s: %s", s->name, v, err);
		if (!t->account_sid || !*t->account_sid || !t->flow_sid || !*t->flow_sid || !t->from || !*t->from)
			plugin_die(STATE_UNKNOWN, "[%s] needs account_sid=, flow_sid= and from=", s->name);
		if (strspn(t->flow_sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
		    strlen(t->flow_sid))
			plugin_die(STATE_UNKNOWN, "[%s] flow_sid=%.40s is not a Flow SID (FW...)", s->name, t->flow_sid);
		if (strncmp(t->base, "https://", 8) && strncmp(t->base, "http://", 7))
			plugin_die(STATE_UNKNOWN, "[%s] base_url= must be an http(s):// URL", s->name);
		bool found;
		if ((err = conf_secret(c, s, "auth_token", &ps->token, &found)))
			plugin_die(STATE_UNKNOWN, "%s", err);
		if (!found) {
			const char *e = secret_from_env("TWILIO_AUTH_TOKEN");
			if (e)
				buf_puts(&ps->token, e);
			else
				plugin_die(STATE_UNKNOWN, "[%s] needs auth_token_file= (mode 0600), auth_token_env= or "
				           "TWILIO_AUTH_TOKEN in the environment", s->name);
		}
		t->token = buf_cstr(&ps->token);
		ps->p = &call_twilio;
		ps->ctx = t;
	} else if (!strcmp(name, "exec")) {
		const char *prog_path = setting(c, o->exec, "exec");
		if (!prog_path || prog_path[0] != '/')
			plugin_die(STATE_UNKNOWN, "provider exec needs --exec or [call] exec= with an absolute path");
		if (access(prog_path, X_OK))
			plugin_die(STATE_UNKNOWN, "%.200s is not an executable program", prog_path);
		ps->ex.program = prog_path;
		ps->ex.lang = lang;
		ps->ex.answer_wait = wait;
		ps->p = &call_exec;
		ps->ctx = &ps->ex;
	} else {
		plugin_die(STATE_UNKNOWN, "provider must be twilio or exec, not '%.40s'", name);
	}
}

int main(int argc, char **argv)
{
	struct call_opts o = { .callees = BUF_INIT };
	notify_init(&o.n, "call", "notify_call");
	int first = program_parse(&prog, argc, argv, on_option, &o);
	if (!o.timeout_given)
		o.n.timeout = 86400;   /* until the settings are known: re-armed below */
	const char *err = notify_prepare(&o.n, argc, argv, first);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	const struct conf *c = &o.n.conf;

	/* settings, validated against the runbook's ranges */
	struct call_settings s = { .mode = CALL_SEQUENTIAL, .skip_minutes = CALL_SKIP_DEFAULT,
	                           .retries = CALL_RETRIES_DEFAULT, .answer_wait = CALL_WAIT_DEFAULT,
	                           .poll_interval = 2 };
	const char *v = setting(c, o.mode, "mode");
	if (v && !strcmp(v, "simultaneous"))
		s.mode = CALL_SIMULTANEOUS;
	else if (v && strcmp(v, "sequential"))
		plugin_die(STATE_UNKNOWN, "mode must be sequential or simultaneous, not '%.40s'", v);
	range_setting(c, o.skip, "skip_interval", "skip interval (minutes)", CALL_SKIP_MIN, CALL_SKIP_MAX, &s.skip_minutes);
	range_setting(c, o.retries, "retries", "retries", 0, CALL_RETRIES_MAX, &s.retries);
	range_setting(c, o.wait, "answer_wait", "answer wait (seconds)", CALL_WAIT_MIN, CALL_WAIT_MAX, &s.answer_wait);
	if ((v = conf_get(c, "call", "poll_interval"))) {
		char *end;
		double d = strtod(v, &end);
		if (end == v || *end || !(d >= 0.05 && d <= 30))
			plugin_die(STATE_UNKNOWN, "[call] poll_interval=%.40s: must be 0.05-30 seconds", v);
		s.poll_interval = d;
	}
	v = setting(c, o.lang, "lang");
	bool english = false;
	if (v && !strcmp(v, "en"))
		english = true;
	else if (v && strcmp(v, "ja"))
		plugin_die(STATE_UNKNOWN, "lang must be ja or en, not '%.40s'", v);

	struct callee cl[CALL_MAX_CALLEES];
	size_t ncl = load_callees(c, o.callees.len ? buf_cstr(&o.callees) : conf_get(c, "call", "callees"), cl);
	if (!ncl)
		plugin_die(STATE_UNKNOWN, "nobody to call: give --callee or [call] callees=");

	const char *mail_to = o.mail_to ? o.mail_to : conf_get(c, "call", "mail_to");
	if (!mail_to)
		mail_to = conf_get(c, "mail", "to");
	if (!mail_to || (err = call_mail_check(c, mail_to)))
		plugin_die(STATE_UNKNOWN, "the mail for when nobody confirms: %s (--mail-to, [call] mail_to= or [mail] to=)",
		           mail_to ? err : "no recipient");
	const char *own_tmpl = conf_get(c, "call", "mail_template");
	if (own_tmpl && *own_tmpl) {
		struct template t;
		err = template_load(&t, own_tmpl, conf_template_dir(c));
		template_free(&t);
		if (err)
			plugin_die(STATE_UNKNOWN, "[call] mail_template: %s", err);
	}
	long mass_n = 0, mass_min = 10;
	const char *mass_to = conf_get(c, "mass", "to");
	if ((v = conf_get(c, "mass", "threshold")) && conf_long(v, 0, 100000, &mass_n))
		plugin_die(STATE_UNKNOWN, "[mass] threshold=%.40s: must be 0-100000", v);
	if ((v = conf_get(c, "mass", "minutes")) && conf_long(v, 1, 1440, &mass_min))
		plugin_die(STATE_UNKNOWN, "[mass] minutes=%.40s: must be 1-1440", v);
	if (mass_n > 0 && (!mass_to || (err = call_mail_check(c, mass_to))))
		plugin_die(STATE_UNKNOWN, "[mass] to= (the emergency list): %s", mass_to ? err : "missing");

	struct provider_setup ps = { .token = BUF_INIT };
	setup_provider(&o, setting(c, o.provider, "provider") ? setting(c, o.provider, "provider") : "twilio",
	               english ? "en-US" : "ja-JP", s.answer_wait, &ps);

	/* the message */
	struct template t;
	if ((err = notify_template(&o.n, "call", english ? "call-en" : "call-ja", &t)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	struct buf msg = BUF_INIT;
	tmpl_render(&msg, t.body, ESC_TEXT, &o.n.notice);
	template_free(&t);
	while (msg.len && (msg.s[msg.len - 1] == '\n' || msg.s[msg.len - 1] == ' '))
		msg.s[--msg.len] = '\0';
	for (size_t i = 0; i < msg.len; i++)
		if (msg.s[i] == '\n' || msg.s[i] == '\r' || msg.s[i] == '\t')
			msg.s[i] = ' ';

	/* the time it may all take: every call rings and talks its longest */
	double per_call = (double)s.answer_wait + CALL_MAX_SECONDS + 10;
	double budget = per_call * (double)(s.retries + 1) * (s.mode == CALL_SEQUENTIAL ? (double)ncl : 1) + 60;
	if (!o.timeout_given) {
		o.n.timeout = budget < 86400 ? budget : 86400;
		timeout_start(o.n.timeout, STATE_WARNING);
		o.n.deadline = monotonic_now() + o.n.timeout - NOTIFY_SPOOL_RESERVE;
	}
	/* keep time for the mail: a third of the run, at most a minute */
	double mail_reserve = (o.n.deadline - monotonic_now()) / 3;
	if (mail_reserve > 60)
		mail_reserve = 60;
	s.deadline = o.n.deadline - mail_reserve;

	char id[SPOOL_ID_MAX];
	spool_new_id(id);
	struct buf target = BUF_INIT;
	for (size_t i = 0; i < ncl; i++)
		buf_printf(&target, "%s%s", i ? ", " : "", cl[i].number);

	int code = NOTIFY_SENT;
	if (o.n.dry_run) {
		printf("notify_call: would call %s (%s, %ld retries, answer wait %ld s, skip %ld min, provider %s)\n",
		       buf_cstr(&target), s.mode == CALL_SEQUENTIAL ? "sequential" : "simultaneous", s.retries,
		       s.answer_wait, s.skip_minutes, ps.p->name);
		printf("message: %s\n", buf_cstr(&msg));
		goto out;
	}
	if (notify_silenced(&o.n, "call", id, buf_cstr(&target)))
		goto out;
	if (o.background)
		go_background(id, timeout_remaining());

	/* mass incident (runbook 004 5-5): one broadcast mail, calls held */
	if (mass_n > 0) {
		enum mass_state ms = MASS_CALM;
		time_t now = time(NULL);
		if (o.n.notice.kind == KIND_PROBLEM)
			ms = mass_note(now, (unsigned)mass_n, (unsigned)mass_min);
		else if (mass_count(now, (unsigned)mass_min) > mass_n)
			ms = MASS_ON;
		if (ms != MASS_CALM) {
			printf("notify_call: mass incident (more than %ld alerts in %ld min): calls held%s\n", mass_n, mass_min,
			       ms == MASS_START ? ", broadcast mail to the emergency list" : "");
			struct audit_entry e = { .channel = "call", .target = buf_cstr(&target), .id = id, .result = "held",
			                         .error = "mass incident", .duration_ms = -1 };
			audit_write(c, &e);
			if (ms == MASS_START) {
				int mc = call_mail_mass(&o.n, mass_to, mass_n, mass_min, english);
				code = mc == NOTIFY_SENT || mc == NOTIFY_SPOOLED ? NOTIFY_SENT : mc;
			}
			goto out;
		}
	}

	struct call_outcome out;
	call_campaign(c, id, &s, cl, ncl, ps.p, ps.ctx, buf_cstr(&msg), &out);
	if (out.confirmed) {
		printf("notify_call: confirmed by %s (%s) in round %ld (id %s)\n", cl[out.by].name, cl[out.by].number,
		       out.round, id);
	} else {
		bool all_skipped = out.natt > 0 && !out.placed;
		for (size_t i = 0; i < out.natt && all_skipped; i++)
			all_skipped = out.att[i].result == CALL_SKIPPED;
		if (all_skipped) {
			printf("notify_call: every callee was called within the skip interval (%ld min): no call (id %s)\n",
			       s.skip_minutes, id);
		} else {
			printf("notify_call: nobody confirmed (%zu calls%s, id %s): mailing %s\n", out.placed,
			       out.out_of_time ? ", out of time" : "", id, mail_to);
			int mc = call_mail_nobody(&o.n, mail_to, cl, &out, english);
			code = mc == NOTIFY_SENT || mc == NOTIFY_SPOOLED ? NOTIFY_SPOOLED : mc;
		}
	}
	for (size_t i = 0; i < out.natt; i++) {
		const struct call_attempt *a = &out.att[i];
		printf("  round %ld %s: %s%s%s\n", a->round, cl[a->callee].number, call_result_name(a->result),
		       a->detail[0] ? " - " : "", a->detail);
	}
	call_outcome_free(&out);
out:
	for (size_t i = 0; i < ncl; i++) {
		free(cl[i].name);
		free(cl[i].number);
	}
	buf_free(&ps.token);
	buf_free(&msg);
	buf_free(&target);
	buf_free(&o.callees);
	notify_free(&o.n);
	return code;
}
