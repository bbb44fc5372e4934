/* Who sent this mail? The From: line alone is whatever the sender typed,
 * so the judgement rests on the receiving MTA's Authentication-Results
 * header (RFC 8601): DMARC, DKIM or SPF passed for the From: domain, as
 * written by an authserv-id we trust (our own MTA's). Used by
 * `mamori mail2alert` (per rule) and `mamori silence from-mail` (per host
 * group), so both refuse a forged mail the same way.
 *
 * Config ([mail-auth] section, lib/conf):
 *   authserv_id = mx.example.jp      trusted authserv-ids (comma/space list)
 *   methods = dmarc, dkim, spf       what may vouch for a sender (or none)
 * and per rule / group: senders = a@example.jp, @example.co.jp;
 * auth = (overrides methods); token_file = (a shared token in the body). */
#ifndef MAMORI_MAIL_AUTH_H
#define MAMORI_MAIL_AUTH_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "conf.h"

enum { MA_DMARC = 1, MA_DKIM = 2, MA_SPF = 4, MA_ALL = 7 };

#define MA_MAX_IDS 16
#define MA_MAX_RES 16

struct mail_auth_cfg {
	char ids[MA_MAX_IDS][128];  /* trusted authserv-ids */
	size_t nids;
	unsigned methods;           /* default methods, MA_* bits */
};

/* One resinfo of the trusted header: "dkim=pass header.d=example.jp" */
struct mail_auth_res {
	char method[16], result[16];
	char domain[256];           /* header.from / header.d (or header.i's) / smtp.mailfrom's */
};

struct mail_auth_info {
	char from[320];             /* the From: address, domain lower-cased; "" when unreadable */
	char domain[256];
	const char *from_error;     /* why from is empty, NULL when read */
	char authserv[128];         /* the trusted header's authserv-id, "" when none */
	struct mail_auth_res res[MA_MAX_RES];
	size_t nres;
	size_t ignored;             /* Authentication-Results headers not counted */
};

/* [mail-auth] of the config. NULL or a reason. */
const char *mail_auth_config(const struct conf *c, struct mail_auth_cfg *cfg);
/* "dmarc, dkim, spf" or "none" into MA_* bits. NULL or a reason. */
const char *mail_auth_methods(const char *v, unsigned *out);

/* One header of a raw message (CRLF or LF), unfolded: the nth (0 = the
 * topmost) named name. false when there is none. */
bool mail_header_nth(const char *raw, size_t len, const char *name, size_t nth, struct buf *out);

/* Read From: and the topmost Authentication-Results header whose
 * authserv-id is trusted (the one our MTA added; any below it, and any
 * from another authserv-id, are ignored). */
void mail_auth_read(const char *raw, size_t len, const struct mail_auth_cfg *cfg, struct mail_auth_info *info);

/* Is address in the allow-list ("user@domain", "@domain" or "domain":
 * any user at exactly that domain)? */
bool mail_sender_listed(const char *address, const char *list);

/* The whole judgement: the sender is in `senders`, one of `methods`
 * passed for its domain in the trusted header (methods 0: none needed),
 * and, when token is not NULL, the token is in body. NULL when accepted
 * (via says what vouched: "dkim header.d=example.jp at mx.example.jp"),
 * else a one-line reason. */
const char *mail_auth_judge(const struct mail_auth_info *info, const char *senders, unsigned methods,
                            const char *token, const char *body, char *via, size_t vsize);

#endif
