/* Slack incoming webhooks: POST the webhook URL with a JSON body
 * {"text": ..., "blocks": [section with mrkdwn text]}; the answer is 200
 * with the body "ok". Errors come as 4xx with a short code in the body
 * (400 invalid_payload / no_text, 403 action_prohibited, 404
 * channel_not_found / no_service, 410 channel_is_archived): the webhook
 * will not work as configured, so they are permanent. Text must have &, <
 * and > escaped as &amp; &lt; &gt; (Slack's formatting rules): a value can
 * then never become a <!channel> mention or a link. */
#include "chat_send.h"

#include <stdlib.h>
#include <string.h>

#define SLACK_SECTION_CHARS 3000   /* a section block's text limit */

/* s escaped for Slack, at most max characters of output (never cutting
 * an entity or a UTF-8 character). */
static void slack_escape(struct buf *out, const char *s, size_t max)
{
	size_t chars = 0;
	for (const char *p = s; *p;) {
		const char *e = NULL;
		size_t l = 1;
		if (*p == '&')
			e = "&amp;";
		else if (*p == '<')
			e = "&lt;";
		else if (*p == '>')
			e = "&gt;";
		else
			while (((unsigned char)p[l] & 0xC0) == 0x80)
				l++;
		size_t c = e ? strlen(e) : 1;
		if (chars + c > max)
			return;
		chars += c;
		if (e)
			buf_puts(out, e);
		else
			buf_add(out, p, l);
		p += l;
	}
}

static const char *slack_build(const struct conf *c, const struct conf_section *s, const json_t *p, CURL *curl,
                               struct chat_request *rq)
{
	(void)curl;
	const char *err = chat_secret(c, s, "webhook_url", &rq->url);
	if (err)
		return err;
	struct buf text = BUF_INIT, block = BUF_INIT;
	slack_escape(&text, chat_str(p, "text"), (size_t)-1);
	slack_escape(&block, chat_str(p, "text"), SLACK_SECTION_CHARS);
	json_t *o = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text", buf_cstr(&text), "blocks", "type", "section",
	                      "text", "type", "mrkdwn", "text", buf_cstr(&block));
	buf_free(&text);
	buf_free(&block);
	if (!o)
		return "cannot build the Slack JSON (invalid UTF-8?)";
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		return "cannot build the Slack JSON";
	buf_puts(&rq->body, js);
	free(js);
	rq->content_type = "application/json; charset=utf-8";
	return NULL;
}

static enum chat_verdict slack_judge(long status, const char *body, size_t len, struct buf *why)
{
	size_t l = len;
	while (l && (body[l - 1] == '\n' || body[l - 1] == '\r' || body[l - 1] == ' '))
		l--;
	if (status == 200 && l == 2 && !memcmp(body, "ok", 2))
		return CHAT_OK;
	size_t start = why->len;
	buf_printf(why, "Slack answered %ld %.*s", status, (int)(l > 80 ? 80 : l), body);
	/* one line: the body's line breaks (found by fuzz_chat_judge) */
	for (size_t i = start; i < why->len; i++)
		if ((unsigned char)why->s[i] < 0x20)
			why->s[i] = ' ';
	if (status >= 400 && status < 500)
		return CHAT_PERMANENT;
	return CHAT_RETRY;
}

const struct chat_provider chat_slack = { "slack", slack_build, slack_judge };
