/* notify_call's mails (see call_mail.h), built with notifiers/mail_mime
 * and delivered by notify_deliver on the mail channel. */
#include "call_mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_mime.h"
#include "spool.h"
#include "template.h"

static const char NOBODY_JA[] =
	"Subject: 【${HOST}】 ${ALERT}警報 自動架電に応答がありませんでした\n"
	"自動架電通知 (オートコール) で架電先リストの全員に繋がりませんでした。\n"
	"キーパッド「1」による確認がなかったため、メールにてご連絡いたします。\n"
	"\n"
	"【架電結果】\n"
	"${CALL_RESULTS}\n";
static const char NOBODY_EN[] =
	"Subject: [${HOST}] ${ALERT} alert: nobody answered the automatic calls\n"
	"Nobody on the call list confirmed the automatic call (keypad 1),\n"
	"so we are letting you know by mail.\n"
	"\n"
	"[Calls]\n"
	"${CALL_RESULTS}\n";
static const char MASS_JA[] =
	"Subject: 【大規模障害】 警報多発のご連絡\n"
	"ご担当者様\n"
	"\n"
	"お世話になっております。\n"
	"${MASS_MINUTES}分間に ${MASS_THRESHOLD} 件を超える警報を検知しました。\n"
	"大規模障害の可能性があるため、警報ごとの自動架電を一時停止し、\n"
	"本メールにて一斉にご連絡いたします。\n"
	"\n"
	"【最新の警報】\n"
	"${HOST} ${ALERT} ${LEVEL} ${DATE}\n"
	"${OUTPUT}\n"
	"\n"
	"以上、ご連絡させていただきます。\n";
static const char MASS_EN[] =
	"Subject: [Mass incident] many alerts at once\n"
	"Dear customer,\n"
	"\n"
	"More than ${MASS_THRESHOLD} alerts arrived within ${MASS_MINUTES} minutes.\n"
	"This may be a large-scale incident: the per-alert automatic calls are\n"
	"held and this one mail goes to the emergency list instead.\n"
	"\n"
	"[Latest alert]\n"
	"${HOST} ${ALERT} ${LEVEL_EN} ${DATE_EN}\n"
	"${OUTPUT}\n";

struct vars {
	const struct notice *n;
	const char *results;
	long threshold, minutes;
};

static bool lookup(void *ctx, const char *name, size_t len, struct buf *out)
{
	const struct vars *v = ctx;
	if (len == 12 && !memcmp(name, "CALL_RESULTS", 12)) {
		buf_puts(out, v->results ? v->results : "");
		return true;
	}
	if (len == 14 && !memcmp(name, "MASS_THRESHOLD", 14)) {
		buf_printf(out, "%ld", v->threshold);
		return true;
	}
	if (len == 12 && !memcmp(name, "MASS_MINUTES", 12)) {
		buf_printf(out, "%ld", v->minutes);
		return true;
	}
	return notice_var(v->n, name, len, out);
}

/* "a@x, ops" → addresses (names through [contact NAME] email=). */
static const char *resolve(const struct conf *c, const char *list, char ***out, size_t *n, struct buf *shown)
{
	static char why[200];
	char **words = conf_words(list);
	const char *r = NULL;
	for (char **w = words; *w && !r; w++) {
		const char *addr = conf_contact(c, *w, "email", strchr(*w, '@') != NULL);
		if (!addr || !mail_address_ok(addr)) {
			snprintf(why, sizeof why, "mail recipient '%.60s' is not an address nor a [contact NAME] with email=", *w);
			r = why;
			break;
		}
		if (out) {
			*out = xrealloc(*out, (*n + 2) * sizeof **out);
			(*out)[(*n)++] = xstrdup(addr);
			(*out)[*n] = NULL;
		}
		if (shown)
			buf_printf(shown, "%s%s", shown->len ? ", " : "", addr);
	}
	conf_words_free(words);
	return r;
}

const char *call_mail_check(const struct conf *c, const char *to)
{
	size_t n = 0;
	struct buf shown = BUF_INIT;
	const char *r = resolve(c, to, NULL, &n, &shown);
	if (!r && !shown.len)
		r = "no mail recipient";
	buf_free(&shown);
	return r;
}

static int send_text(struct notify *n, const char *to, const char *subject, const char *body)
{
	const struct conf *c = &n->conf;
	char **rcpt = NULL;
	size_t nr = 0;
	struct buf shown = BUF_INIT, data = BUF_INIT;
	int code = NOTIFY_BAD_INPUT;
	const char *err = resolve(c, to, &rcpt, &nr, &shown);
	char from[300];
	const char *f = conf_get(c, "mail", "from");
	if (f) {
		snprintf(from, sizeof from, "%s", f);
	} else {
		char h[256] = "localhost";
		gethostname(h, sizeof h - 1);
		snprintf(from, sizeof from, "mamori@%s", h);
	}
	const char *charset = "utf-8", *cs = conf_get(c, "mail", "charset");
	if (cs && !mail_charset_ok(cs, &charset))
		charset = "utf-8";
	if (!err && !nr)
		err = "no mail recipient";
	if (!err && !mail_address_ok(from))
		err = "[mail] from= is not a plain address";
	char id[SPOOL_ID_MAX];
	spool_new_id(id);
	if (!err) {
		struct mail_parts parts = { .from = from, .to = (const char *const *)rcpt, .subject = subject,
		                            .body = body, .charset = charset, .id = id, .date = time(NULL) };
		err = mail_build(&parts, &data);
	}
	if (err) {
		printf("%s: cannot send the mail: %s\n", n->program, err);
	} else {
		json_t *payload = json_object();
		json_t *ra = json_array();
		for (size_t i = 0; i < nr; i++)
			json_array_append_new(ra, json_string(rcpt[i]));
		json_object_set_new(payload, "from", json_string(from));
		json_object_set_new(payload, "rcpt", ra);
		json_object_set_new(payload, "data", json_string(buf_cstr(&data)));
		/* the mail goes the mail channel's way: its spool, its audit */
		const char *ch = n->channel;
		n->channel = "mail";
		code = notify_deliver(n, id, buf_cstr(&shown), payload);
		n->channel = ch;
		json_decref(payload);
	}
	for (size_t i = 0; i < nr; i++)
		free(rcpt[i]);
	free(rcpt);
	buf_free(&shown);
	buf_free(&data);
	return code;
}

static int render_send(struct notify *n, const char *to, const char *text, const char *append_tmpl,
                       const struct vars *v)
{
	struct template t = { 0 }, extra = { 0 };
	template_parse(&t, text);
	struct buf subject = BUF_INIT, body = BUF_INIT;
	tmpl_expand(&subject, t.subject, ESC_HEADER, lookup, (void *)v);
	tmpl_expand(&body, t.body, ESC_TEXT, lookup, (void *)v);
	if (append_tmpl) {
		/* runbook 004's alert mail after the call results */
		if (!template_load(&extra, append_tmpl, conf_template_dir(&n->conf))) {
			buf_puts(&body, "\n");
			tmpl_expand(&body, extra.body, ESC_TEXT, lookup, (void *)v);
		}
		template_free(&extra);
	}
	int code = send_text(n, to, buf_cstr(&subject), buf_cstr(&body));
	buf_free(&subject);
	buf_free(&body);
	template_free(&t);
	return code;
}

int call_mail_nobody(struct notify *n, const char *to, const struct callee *cl, const struct call_outcome *o,
                     bool english)
{
	struct buf res = BUF_INIT;
	for (size_t i = 0; i < o->natt; i++) {
		const struct call_attempt *a = &o->att[i];
		if (english)
			buf_printf(&res, "- round %ld, %s: %s", a->round, cl[a->callee].name, call_result_name(a->result));
		else
			buf_printf(&res, "- %ld巡目 %s: %s", a->round, cl[a->callee].name, call_result_ja(a->result));
		if (a->detail[0])
			buf_printf(&res, " (%s)", a->detail);
		buf_puts(&res, "\n");
	}
	if (!o->natt)
		buf_puts(&res, english ? "- no call could be made\n" : "- 架電できませんでした\n");
	struct vars v = { .n = &n->notice, .results = buf_cstr(&res) };
	const char *own = conf_get(&n->conf, "call", "mail_template");
	int code;
	if (own && *own) {
		struct template t;
		const char *err = template_load(&t, own, conf_template_dir(&n->conf));
		if (err) {
			printf("%s: [call] mail_template: %s; using the built-in text\n", n->program, err);
			template_free(&t);
			code = render_send(n, to, english ? NOBODY_EN : NOBODY_JA, english ? "mail-004-en" : "mail-004-ja", &v);
		} else {
			struct buf text = BUF_INIT;
			if (*t.subject)
				buf_printf(&text, "Subject: %s\n", t.subject);
			buf_puts(&text, t.body);
			code = render_send(n, to, buf_cstr(&text), NULL, &v);
			buf_free(&text);
			template_free(&t);
		}
	} else {
		code = render_send(n, to, english ? NOBODY_EN : NOBODY_JA, english ? "mail-004-en" : "mail-004-ja", &v);
	}
	buf_free(&res);
	return code;
}

int call_mail_mass(struct notify *n, const char *to, long threshold, long minutes, bool english)
{
	struct vars v = { .n = &n->notice, .threshold = threshold, .minutes = minutes };
	return render_send(n, to, english ? MASS_EN : MASS_JA, NULL, &v);
}
