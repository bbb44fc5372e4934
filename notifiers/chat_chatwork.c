/* Chatwork API v2: POST {base}/rooms/{room_id}/messages with the API token
 * in the x-chatworktoken header and the form (application/x-www-form-
 * urlencoded) fields body= and self_unread=0. The message uses Chatwork's
 * markup [info][title]...[/title]...[/info]. Success is 200 with JSON
 * {"message_id": "..."}; errors are 4xx with {"errors": ["..."]}; 429
 * (300 requests per 5 minutes per token) carries X-RateLimit-Reset, which
 * chat_send honours. */
#include "chat_send.h"

#include <stdlib.h>
#include <string.h>

#define CHATWORK_BASE "https://api.chatwork.com/v2"

static const char *chatwork_build(const struct conf *c, const struct conf_section *s, const json_t *p, CURL *curl,
                                  struct chat_request *rq)
{
	static char why[300];
	const char *room = conf_sget(s, "room_id");
	if (!room || !*room || strspn(room, "0123456789") != strlen(room) || strlen(room) > 20) {
		snprintf(why, sizeof why, "[%.100s] needs room_id= (the digits after rid in the room's URL)", s->name);
		return why;
	}
	const char *base = conf_sget(s, "base_url");
	if (!base || !*base)
		base = CHATWORK_BASE;
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	struct buf token = BUF_INIT;
	const char *err = chat_secret(c, s, "token", &token);
	if (!err && strcspn(token.s, "\r\n") != token.len)
		err = "the Chatwork token holds a line break";
	if (err) {
		buf_free(&token);
		return err;
	}
	buf_add(&rq->url, base, bl);
	buf_printf(&rq->url, "/rooms/%s/messages", room);
	buf_printf(&rq->header, "x-chatworktoken: %s", token.s);
	explicit_bzero(token.s, token.cap);
	buf_free(&token);

	struct buf msg = BUF_INIT;
	buf_printf(&msg, "[info][title]%s[/title]%s[/info]", chat_str(p, "title"), chat_str(p, "text"));
	char *enc = curl_easy_escape(curl, msg.s, (int)msg.len);
	buf_free(&msg);
	if (!enc)
		return "cannot encode the Chatwork form";
	buf_printf(&rq->body, "body=%s&self_unread=0", enc);
	curl_free(enc);
	rq->content_type = "application/x-www-form-urlencoded";
	return NULL;
}

static enum chat_verdict chatwork_judge(long status, const char *body, size_t len, struct buf *why)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	enum chat_verdict v;
	if (status == 200 && json_is_object(j) && json_object_get(j, "message_id")) {
		v = CHAT_OK;
	} else {
		const char *e = json_string_value(json_array_get(json_object_get(j, "errors"), 0));
		size_t start = why->len;
		if (e)
			buf_printf(why, "Chatwork answered %ld: %.120s", status, e);
		else
			buf_printf(why, "Chatwork answered %ld%s", status, status == 200 ? " without a message_id" : "");
		for (size_t i = start; i < why->len; i++)   /* one line (found by fuzz_chat_judge) */
			if ((unsigned char)why->s[i] < 0x20)
				why->s[i] = ' ';
		v = status >= 400 && status < 500 ? CHAT_PERMANENT : CHAT_RETRY;
	}
	json_decref(j);
	return v;
}

const struct chat_provider chat_chatwork = { "chatwork", chatwork_build, chatwork_judge };
