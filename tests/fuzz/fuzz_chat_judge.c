/* The chat providers' answers (whatever a proxy, a captive portal or the
 * provider sends back): fuzzed HTTP status + body to each provider's
 * judge. OK only on the provider's documented success; otherwise a reason
 * on one line (it goes to the plugin output and the audit log), and a
 * 4xx is never retried.
 * Input: 2 bytes of status (100..599), then the body.
 * SOURCES: notifiers/chat_slack.c notifiers/chat_chatwork.c notifiers/chat_teams.c lib/conf.c lib/ini.c lib/secret.c lib/state.c
 * LIBS: -ljansson -lcurl */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat_send.h"

/* The judges use nothing else of chat_send.c; the request builders that do
 * are not fuzzed here. */
const char *chat_str(const json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));
	return s ? s : "";
}
void chat_cut(struct buf *out, const char *s, size_t max_chars)
{
	(void)max_chars;
	buf_puts(out, s);
}
const char *chat_secret(const struct conf *c, const struct conf_section *s, const char *key, struct buf *out)
{
	(void)c, (void)s, (void)key, (void)out;
	return "not here";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	long status = 100 + (long)((data[0] << 8 | data[1]) % 500);
	const struct chat_provider *const pv[] = { &chat_slack, &chat_chatwork, &chat_teams };
	for (size_t i = 0; i < 3; i++) {
		char *body = malloc(size - 2 + 1);
		if (!body)
			return 0;
		memcpy(body, data + 2, size - 2);
		body[size - 2] = '\0';
		struct buf why = BUF_INIT;
		enum chat_verdict v = pv[i]->judge(status, body, size - 2, &why);
		if (v == CHAT_OK && (status < 200 || status > 299))
			abort();
		if (v != CHAT_OK && (!why.len || memchr(why.s, '\n', why.len) || memchr(why.s, '\r', why.len)))
			abort();
		if (v == CHAT_RETRY && status >= 400 && status < 500)
			abort();
		buf_free(&why);
		free(body);
	}
	return 0;
}
