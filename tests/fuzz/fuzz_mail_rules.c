/* mail2alert from subject and body to the engine's command line: the
 * rules' regexes and templates run on text anyone can mail, and the
 * cleaned result goes to Nagios' command file. A cleaned host or service
 * never holds ';', CR, LF or another control character, and a command
 * is one line below PIPE_BUF (one atomic write).
 * Input: from, NUL, subject, NUL, body.
 * SOURCES: lib/mail_rules.c lib/mail_auth.c lib/engine_submit.c lib/conf.c lib/ini.c lib/secret.c lib/state.c lib/http_fetch.c lib/tls.c lib/net.c
 * LIBS: -lpcre2-8 -ljansson -lcurl -lssl -lcrypto */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine_submit.h"
#include "mail_auth.h"
#include "mail_rules.h"

static const char rules_text[] =
	"[rule zabbix]\n"
	"subject = ^(?<status>Problem|Resolved|障害|復旧): (?<trigger>.+?) on (?<host>\\S+)$\n"
	"senders = zabbix@example.co.jp\n"
	"host = ${host}\n"
	"service = Zabbix ${trigger}\n"
	"state_text = ${status}\n"
	"state_ok = Resolved|復旧\n"
	"state_critical = Problem|障害\n"
	"output = ${trigger}\n"
	"continue = yes\n"
	"[rule any]\n"
	"body = (?s)(?<h>[^/]*)/(?<s>[^/]*)/(?<o>.*)\n"
	"senders = @example.jp\n"
	"host = ${h}\n"
	"service = ${s}\n"
	"state = CRITICAL\n"
	"output = ${o} ${body} ${subject}\n";

static struct conf conf;
static struct mail_rules rules;

static void name_ok(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->s[i] < 0x20 || b->s[i] == 0x7f || b->s[i] == ';')
			abort();
}

static void submit(const char *host, const char *svc, const char *out, int state)
{
	static const struct engine e = { .type = ENGINE_NAGIOS, .command_file = "/nonexistent/nagios.cmd" };
	struct check_result r = { .host = host, .service = svc, .state = state, .output = out };
	struct buf shown = BUF_INIT, h = BUF_INIT;
	if (!engine_check_result(&e, &r, true, &shown)) {
		if (shown.len >= PIPE_BUF || shown.len < 2 || shown.s[shown.len - 1] != '\n')
			abort();
		for (size_t i = 0; i < shown.len - 1; i++)
			if ((unsigned char)shown.s[i] < 0x20 || shown.s[i] == 0x7f)
				abort();  /* one line: the engine would read a second command */
		if (shown.s[0] != '[')
			abort();
	}
	if (!engine_clean_name(host, "host name", &h))
		name_ok(&h);
	struct buf t = BUF_INIT;
	engine_clean_text(out, 2048, &t);
	if (t.len > 2048)
		abort();
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.s[i] < 0x20 || t.s[i] == 0x7f)
			abort();
	buf_free(&t);
	buf_free(&h);
	buf_free(&shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules.n) {
		if (conf_load_text(&conf, rules_text, "fuzz") || mail_rules_load(&conf, MA_ALL, &rules))
			abort();
	}
	char *text = malloc(size + 3);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = text[size + 2] = '\0';
	const char *from = text;
	const char *subject = from + strlen(from) + 1;    /* at worst the padding's NULs */
	const char *body = subject + strlen(subject) + 1;
	struct buf repaired = BUF_INIT;
	utf8_repair(body, strlen(body), &repaired);
	struct mail_fields f = { from, subject, buf_cstr(&repaired), repaired.len };
	for (size_t i = 0; i < rules.n; i++) {
		struct mail_match m;
		const char *why = NULL;
		memset(&m, 0, sizeof m);
		if (mail_rule_match(&rules.r[i], &f, &m, &why) == 1) {
			struct buf host = BUF_INIT, svc = BUF_INIT, out = BUF_INIT;
			int state = -1;
			if (!mail_rule_build(&rules.r[i], &f, &m, &host, &svc, &out, &state)) {
				if (state < 0 || state > 3)
					abort();
				submit(buf_cstr(&host), buf_cstr(&svc), buf_cstr(&out), state);
			}
			buf_free(&host);
			buf_free(&svc);
			buf_free(&out);
			mail_match_free(&m);
		}
	}
	submit(from, subject, body, 2);  /* the cleaning alone, on raw bytes */
	buf_free(&repaired);
	free(text);
	return 0;
}
