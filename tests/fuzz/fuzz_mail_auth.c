/* mail2alert / silence from-mail: who sent this mail, from the headers
 * alone (anyone can send one, and write any Authentication-Results line
 * they like). A verdict of pass needs the header of an authserv-id from
 * the trusted list, a sender in the allow-list and a method that passed
 * for the sender's domain.
 * SOURCES: lib/mail_auth.c lib/conf.c lib/ini.c lib/secret.c lib/state.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_auth.h"

static const char *const trusted[] = { "mx.example.jp", "mx2.example.jp" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_auth_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	for (size_t i = 0; i < 2; i++)
		snprintf(cfg.ids[cfg.nids++], sizeof cfg.ids[0], "%s", trusted[i]);
	cfg.methods = MA_ALL;
	struct mail_auth_info info;
	memset(&info, 0, sizeof info);
	mail_auth_read((const char *)data, size, &cfg, &info);
	bool is_trusted = false;
	for (size_t i = 0; i < 2; i++)
		if (!strcasecmp(info.authserv, trusted[i]))
			is_trusted = true;
	if (info.authserv[0] && !is_trusted)
		abort();  /* a header of another authserv-id was believed */
	if (info.nres > MA_MAX_RES || (info.from[0] && !strchr(info.from, '@')))
		abort();
	static const unsigned methods[] = { MA_DMARC, MA_DKIM, MA_SPF, MA_ALL };
	for (size_t m = 0; m < 4; m++) {
		char via[256] = "";
		const char *why = mail_auth_judge(&info, "@example.jp, alert@example.co.jp", methods[m], NULL, NULL,
		                                  via, sizeof via);
		if (why)
			continue;
		if (!is_trusted || !info.from[0] || !mail_sender_listed(info.from, "@example.jp, alert@example.co.jp"))
			abort();
		bool passed = false;
		static const char *const name[] = { "dmarc", "dkim", "spf" };
		for (size_t i = 0; i < info.nres; i++)
			for (size_t k = 0; k < 3; k++)
				if ((methods[m] & (1u << k)) && !strcmp(info.res[i].method, name[k]) &&
				    !strcmp(info.res[i].result, "pass") && !strcmp(info.res[i].domain, info.domain))
					passed = true;
		if (!passed)
			abort();
	}
	/* a token rule: the token must be in the body */
	char via[256];
	if (!mail_auth_judge(&info, "@example.jp", 0, "s3cret-token", "no token here", via, sizeof via))
		abort();
	struct buf h = BUF_INIT;
	if (mail_header_nth((const char *)data, size, "Authentication-Results", 0, &h) && memchr(h.s, '\n', h.len))
		abort();  /* unfolded */
	buf_free(&h);
	return 0;
}
