/* `mamori mail2alert`: one alert mail of another monitoring tool (runbook
 * 004 2-5-2, 4-3-2) on standard input, as postfix's pipe or procmail hands
 * it, becomes one passive check result in the engine. Steps: read, decode
 * (lib/mail_decode), match the rules (lib/mail_rules), judge the sender
 * (lib/mail_auth), submit (lib/engine_submit); a mail that changed nothing
 * is kept (lib/mail_keep). Every outcome is a line in the audit log. */
#include "mail2alert_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "conf.h"
#include "engine_submit.h"
#include "mail_auth.h"
#include "mail_decode.h"
#include "mail_keep.h"
#include "mail_rules.h"
#include "options.h"
#include "state.h"

/* sysexits(3): what an MTA's pipe understands */
#define EX_TEMPFAIL 75
#define EX_CONFIG 78
/* held in memory; the rest of a larger mail streams into the kept copy */
#define MAX_MAIL (32u << 20)

struct m2a {
	const char *config;
	bool dry_run;
};

enum { OPT_CONFIG = 256, OPT_DRY };

static const struct option_spec options[] = {
	{ "config", OPT_CONFIG, "FILE", "the rules and the engine (INI; default: MAMORI_CONFIG, else\n"
	                                SYSCONFDIR "/mamori/mamori.ini)" },
	{ "dry-run", OPT_DRY, NULL, "print the decision and the command; submit, keep and log nothing" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "mamori mail2alert",
	.service = "MAIL2ALERT",
	.purpose = "Turn an alert mail from another monitoring tool (runbook 004 2-5-2) into a\n"
	           "passive check result: the mail on standard input is matched against the\n"
	           "[rule NAME] sections of the config, its sender judged from our MTA's\n"
	           "Authentication-Results header, and the result sent to the engine's command\n"
	           "file (Nagios, Naemon) or the Icinga 2 API. A mail that matches no rule, or\n"
	           "is refused, is kept in a maildir under the state directory, never dropped.",
	.usage = "[--config FILE] [--dry-run] < MAIL",
	.options = options,
	.notes = "Exit code (for the MTA): 0 handled (submitted, or kept: unmatched or refused),\n"
	         "75 not submitted now (the engine did not take it; the MTA retries),\n"
	         "78 the config is broken (the mail is kept). See docs/mamori-mail2alert.md.",
	.operands = false,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct m2a *c = cfg_;
	if (key == OPT_CONFIG)
		c->config = arg;
	else if (key == OPT_DRY)
		c->dry_run = true;
	else
		return "unhandled option";
	return NULL;
}

/* One run's context: the mail and what became of it. */
struct run {
	const struct m2a *opt;
	struct conf conf;
	bool conf_ok;
	struct engine engine;
	struct buf raw, subject, body, msgid;
	bool truncated;             /* more than MAX_MAIL: the rest is still on stdin */
	struct mail_auth_info auth;
	size_t submitted, refused, failed;
	struct buf reasons;         /* why the mail is kept */
};

static const char *keep_dir(const struct run *r, char *out, size_t size)
{
	const char *d = r->conf_ok ? conf_get(&r->conf, "mail2alert", "keep_dir") : NULL;
	if (d && *d)
		snprintf(out, size, "%s", d);
	else
		snprintf(out, size, "%s/mail2alert", state_dir());
	return out;
}

static void audit(struct run *r, const char *result, const char *target, const char *via, const char *error)
{
	if (r->opt->dry_run) {
		if (strcmp(result, "submitted"))   /* the "would submit" line said it */
			printf("would log %s: %s%s%s%s%s%s\n", result, target ? target : r->auth.from,
			       via ? " (" : "", via ? via : "", via ? ")" : "", error ? ": " : "", error ? error : "");
		return;
	}
	struct audit_entry e = {
		.channel = "mail2alert", .target = target ? target : r->auth.from, .id = buf_cstr(&r->msgid),
		.result = result, .via = via, .error = error, .duration_ms = -1,
	};
	audit_write(&r->conf, &e);
}

/* Keep the mail (kind: unmatched, rejected, failed); false when even that
 * failed, and the MTA must keep it. */
static bool keep(struct run *r, const char *kind)
{
	if (r->opt->dry_run) {
		printf("would keep as %s: %s\n", kind, buf_cstr(&r->reasons));
		return true;
	}
	char dir[PATH_MAX], sub[PATH_MAX + 16], path[PATH_MAX];
	snprintf(sub, sizeof sub, "%s/%s", keep_dir(r, dir, sizeof dir), kind);
	const char *e = mail_keep(sub, kind, buf_cstr(&r->reasons), r->raw.s ? r->raw.s : "", r->raw.len,
	                          r->truncated ? STDIN_FILENO : -1, path, sizeof path);
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%s; %s %s", buf_cstr(&r->reasons), e ? "NOT KEPT:" : "kept as", e ? e : path);
	audit(r, kind, NULL, NULL, msg.s);
	fprintf(stderr, "mamori mail2alert: %s: %s\n", kind, msg.s);
	buf_free(&msg);
	return !e;
}

__attribute__((format(printf, 2, 3)))
static void add_reason(struct run *r, const char *fmt, ...)
{
	if (r->reasons.len)
		buf_puts(&r->reasons, "; ");
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&r->reasons, fmt, ap);
	va_end(ap);
}

/* One matched rule: judge the sender, build the result, submit. */
static void apply(struct run *r, const struct mail_rule *rule, const struct mail_fields *f,
                  const struct mail_match *m)
{
	char via[512];
	const char *e = mail_auth_judge(&r->auth, rule->senders, rule->methods,
	                                rule->has_token ? buf_cstr((struct buf *)&rule->token) : NULL, f->body, via,
	                                sizeof via);
	if (e) {
		r->refused++;
		add_reason(r, "rule %s: %s", rule->name, e);
		audit(r, "rejected", NULL, rule->name, e);
		return;
	}
	struct buf host = BUF_INIT, svc = BUF_INIT, out = BUF_INIT, shown = BUF_INIT, target = BUF_INIT;
	int state;
	e = mail_rule_build(rule, f, m, &host, &svc, &out, &state);
	if (!e) {
		struct check_result cr = { .host = host.s, .service = svc.s, .state = state, .output = out.s,
		                           .source = "mamori mail2alert" };
		e = engine_check_result(&r->engine, &cr, r->opt->dry_run, &shown);
		if (!e && r->opt->dry_run)
			printf("would submit (rule %s, sender %s by %s): %s%s", rule->name, r->auth.from, via, shown.s,
			       shown.len && shown.s[shown.len - 1] == '\n' ? "" : "\n");
	}
	buf_printf(&target, "%s%s%s", buf_cstr(&host), svc.len ? "/" : "", buf_cstr(&svc));
	if (e) {
		/* a value it refused (';' in a name) is the mail's fault; the
		 * engine not taking it is ours: the MTA should try again */
		bool ours = shown.len > 0;
		if (ours)
			r->failed++;
		else
			r->refused++;
		add_reason(r, "rule %s: %s", rule->name, e);
		audit(r, ours ? "failed" : "rejected", target.s, rule->name, e);
	} else {
		r->submitted++;
		struct buf v = BUF_INIT;
		buf_printf(&v, "rule %s, %s, %s", rule->name, via, engine_describe(&r->engine));
		audit(r, "submitted", target.s, v.s, NULL);
		buf_free(&v);
	}
	buf_free(&host);
	buf_free(&svc);
	buf_free(&out);
	buf_free(&shown);
	buf_free(&target);
}

/* Read stdin up to MAX_MAIL; a larger mail is marked and its rest left. */
static bool read_mail(struct run *r)
{
	char chunk[65536];
	while (r->raw.len < MAX_MAIL) {
		size_t want = MAX_MAIL - r->raw.len < sizeof chunk ? MAX_MAIL - r->raw.len : sizeof chunk;
		ssize_t n = read(STDIN_FILENO, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		buf_add(&r->raw, chunk, (size_t)n);
	}
	r->truncated = true;
	return true;
}

static int finish(struct run *r, int code)
{
	buf_free(&r->raw);
	buf_free(&r->subject);
	buf_free(&r->body);
	buf_free(&r->msgid);
	buf_free(&r->reasons);
	engine_free(&r->engine);
	conf_free(&r->conf);
	return code;
}

int mail2alert_main(int argc, char **argv)
{
	struct m2a opt = { 0 };
	program_parse(&prog, argc, argv, on_option, &opt);
	audit_program("mamori mail2alert");
	struct run r = { .opt = &opt };
	if (!read_mail(&r)) {
		fprintf(stderr, "mamori mail2alert: cannot read the mail: %s\n", strerror(errno));
		return finish(&r, EX_TEMPFAIL);
	}
	mail_header_nth(buf_cstr(&r.raw), r.raw.len, "Message-ID", 0, &r.msgid);
	struct buf clean = BUF_INIT;
	engine_clean_text(buf_cstr(&r.msgid), 200, &clean);
	buf_free(&r.msgid);
	r.msgid = clean;

	struct mail_auth_cfg acfg;
	struct mail_rules rules = { 0 };
	const char *e = conf_load(&r.conf, opt.config);
	r.conf_ok = !e;
	if (!e)
		e = mail_auth_config(&r.conf, &acfg);
	if (!e)
		e = engine_config(&r.conf, &r.engine);
	if (!e)
		e = mail_rules_load(&r.conf, acfg.methods, &rules);
	if (!e && !rules.n)
		e = "no [rule NAME] section in the config: every mail would only be kept";
	if (!e && r.engine.type == ENGINE_NONE && !opt.dry_run)
		e = "no [engine] section in the config: nowhere to submit";
	if (e) {
		fprintf(stderr, "mamori mail2alert: %s\n", e);
		add_reason(&r, "config: %s", e);
		bool kept = keep(&r, "failed");
		mail_rules_free(&rules);
		return finish(&r, kept ? EX_CONFIG : EX_TEMPFAIL);
	}
	if (r.truncated) {
		add_reason(&r, "larger than %u MiB", MAX_MAIL >> 20);
		mail_rules_free(&rules);
		return finish(&r, keep(&r, "rejected") ? 0 : EX_TEMPFAIL);
	}

	struct buf subj = BUF_INIT, body = BUF_INIT;
	const char *why = mail_text_body(buf_cstr(&r.raw), r.raw.len, &subj, &body);
	utf8_repair(buf_cstr(&subj), subj.len, &r.subject);
	utf8_repair(buf_cstr(&body), body.len, &r.body);
	buf_free(&subj);
	buf_free(&body);
	mail_auth_read(buf_cstr(&r.raw), r.raw.len, &acfg, &r.auth);
	struct mail_fields f = { .from = r.auth.from, .subject = buf_cstr(&r.subject), .body = buf_cstr(&r.body),
	                         .body_len = r.body.len };
	size_t matched = 0;
	for (size_t i = 0; i < rules.n; i++) {
		struct mail_match m;
		const char *mw = NULL;
		int rc = mail_rule_match(&rules.r[i], &f, &m, &mw);
		if (rc < 0)
			add_reason(&r, "%s", mw);
		if (rc <= 0)
			continue;
		matched++;
		apply(&r, &rules.r[i], &f, &m);
		mail_match_free(&m);
		if (!rules.r[i].cont)
			break;
	}
	mail_rules_free(&rules);
	int code = 0;
	if (!matched) {
		add_reason(&r, "no rule matched%s%s", why ? " (" : "", why ? why : "");
		if (why)
			buf_putc(&r.reasons, ')');
		if (r.auth.from_error)     /* why a from = rule could not match */
			add_reason(&r, "%s", r.auth.from_error);
		code = keep(&r, "unmatched") ? 0 : EX_TEMPFAIL;
	} else if (r.failed) {
		keep(&r, "failed");
		code = EX_TEMPFAIL;
	} else if (r.refused) {
		code = keep(&r, "rejected") ? 0 : EX_TEMPFAIL;
	}
	return finish(&r, code);
}
