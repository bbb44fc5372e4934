/* Microsoft Teams through a Workflows (Power Automate) webhook, the
 * "Post to a channel when a webhook request is received" flow that
 * replaced the retired Office 365 connectors: POST the flow's URL with
 * {"type": "message", "attachments": [{"contentType":
 * "application/vnd.microsoft.card.adaptive", "content": AdaptiveCard}]};
 * the flow answers 202 Accepted. The card: the title in bold, the text,
 * and a FactSet of the runbook 004 5-4 fields. */
#include "chat_send.h"

#include <stdlib.h>
#include <string.h>

static const char *teams_build(const struct conf *c, const struct conf_section *s, const json_t *p, CURL *curl,
                               struct chat_request *rq)
{
	(void)curl;
	const char *err = chat_secret(c, s, "webhook_url", &rq->url);
	if (err)
		return err;
	json_t *body = json_array();
	json_array_append_new(body, json_pack("{s:s, s:s, s:s, s:s, s:b}", "type", "TextBlock", "text",
	                                      chat_str(p, "title"), "weight", "Bolder", "size", "Medium", "wrap", 1));
	json_array_append_new(body, json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", chat_str(p, "text"),
	                                      "wrap", 1));
	json_t *facts = json_array(), *f;
	size_t i;
	json_array_foreach(json_object_get(p, "facts"), i, f) {
		const char *t = json_string_value(json_object_get(f, "title"));
		const char *v = json_string_value(json_object_get(f, "value"));
		if (t && v)
			json_array_append_new(facts, json_pack("{s:s, s:s}", "title", t, "value", v));
	}
	if (json_array_size(facts))
		json_array_append_new(body, json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts));
	else
		json_decref(facts);
	json_t *card = json_pack("{s:s, s:s, s:s, s:o}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	                         "type", "AdaptiveCard", "version", "1.4", "body", body);
	json_t *o = card ? json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments", "contentType",
	                             "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card)
	                 : NULL;
	if (!o)
		return "cannot build the Teams card (invalid UTF-8?)";
	char *js = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!js)
		return "cannot build the Teams JSON";
	buf_puts(&rq->body, js);
	free(js);
	rq->content_type = "application/json; charset=utf-8";
	return NULL;
}

static enum chat_verdict teams_judge(long status, const char *body, size_t len, struct buf *why)
{
	if (status == 202 || status == 200)
		return CHAT_OK;
	size_t l = len > 120 ? 120 : len, start = why->len;
	buf_printf(why, "Teams workflow answered %ld %.*s", status, (int)l, body);
	/* one line; from where this text starts, not len - l: a NUL in the
	 * body prints fewer bytes (found by fuzz_chat_judge) */
	for (size_t i = start; i < why->len; i++)
		if ((unsigned char)why->s[i] < 0x20)
			why->s[i] = ' ';
	return status >= 400 && status < 500 ? CHAT_PERMANENT : CHAT_RETRY;
}

const struct chat_provider chat_teams = { "teams", teams_build, teams_judge };
