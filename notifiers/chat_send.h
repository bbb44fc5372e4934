/* Chat's channel ("chat" in notifiers/channels.c): one rendered message
 * posted to one provider section of the config, Slack, Chatwork or
 * Microsoft Teams. notify_chat makes the first attempt through it and
 * `mamori spool flush` the resends, so both share this one code path.
 *
 * The payload (JSON object, what the spool keeps; no secret in it: the
 * webhook URL or token is read from the config section at send time):
 *   { "provider": "slack" | "chatwork" | "teams",
 *     "section":  "slack" or "slack ops" (the config section),
 *     "title":    a one-line heading (Chatwork [title], Teams' first line),
 *     "text":     the rendered template (runbook 004 5-4 format),
 *     "facts":    [ {"title": "警報名", "value": "HTTP"}, ... ] (Teams' FactSet),
 *     "ca_file":  "/path" (optional: CA certificates to verify with),
 *     "timeout":  seconds per request (optional) }
 *
 * Per section (all optional except the provider's address):
 *   [slack LABEL]    webhook_url (secret: webhook_url_file=, webhook_url_env=)
 *   [chatwork LABEL] token (secret: token_file=, token_env=), room_id=,
 *                    base_url= (default https://api.chatwork.com/v2)
 *   [teams LABEL]    webhook_url (secret, as for Slack)
 *   every section:   timeout= (seconds per request, default 10), proxy=
 *                    (else [chat] proxy=, else libcurl's *_proxy
 *                    environment variables), ca_file= (else [chat] ca_file=)
 *
 * Results: 2xx as the provider documents it = sent; 429 = wait Retry-After
 * (Chatwork: X-RateLimit-Reset) when that fits before the deadline, else
 * fail and remember "not before" in the state dir so that later runs and
 * flushes do not hammer the provider; 5xx and transport errors = retried
 * while time is left, then failed (the message is spooled); other 4xx
 * (Slack invalid_payload, no_service, a gone Teams flow, a bad Chatwork
 * token) = permanent (-2): spooled anyway so nothing is lost, reported as
 * bad input. */
#ifndef MAMORI_CHAT_SEND_H
#define MAMORI_CHAT_SEND_H
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>

#include "buf.h"
#include "channels.h"
#include "conf.h"

/* One HTTP request as a provider builds it. */
struct chat_request {
	struct buf url;
	struct buf body;
	const char *content_type;
	struct buf header;        /* one extra "Name: value" header, or empty */
};

enum chat_verdict {
	CHAT_OK,          /* delivered */
	CHAT_RETRY,       /* may work later (5xx, an unexpected answer) */
	CHAT_PERMANENT,   /* will never work as configured (4xx) */
};

struct chat_provider {
	const char *kind;         /* the config section kind: "slack" */
	/* The request for payload p to section s. NULL or a reason (a config
	 * error: permanent). curl is only for curl_easy_escape. */
	const char *(*build)(const struct conf *c, const struct conf_section *s, const json_t *p, CURL *curl,
	                     struct chat_request *rq);
	/* The answer (not 429: chat_send handles that for all): status and
	 * body; why gets a short reason when not CHAT_OK. */
	enum chat_verdict (*judge)(long status, const char *body, size_t len, struct buf *why);
};

extern const struct chat_provider chat_slack, chat_chatwork, chat_teams;

/* The provider of a section kind, or NULL. */
const struct chat_provider *chat_provider(const char *kind);

/* Shared by the providers: the payload's string member or "". */
const char *chat_str(const json_t *p, const char *key);
/* Append s cut at max characters (never inside a UTF-8 character). */
void chat_cut(struct buf *out, const char *s, size_t max_chars);
/* A secret of the section (conf_secret), required: NULL or a reason. */
const char *chat_secret(const struct conf *c, const struct conf_section *s, const char *key, struct buf *out);

/* The channel functions (notifiers/channels.c row "chat"). */
int chat_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err);
void chat_send_done(void *state);

#endif
