/* The match rules of `mamori mail2alert` (runbook 004 2-5-2: the alert
 * mails of another monitoring tool, matched on subject and body): one
 * [rule NAME] section each, in file order. PCRE2 regexes on the sender
 * address, the decoded subject and the decoded body; templates with the
 * captures for host, service, output; the state fixed or found by a
 * keyword map. See docs/mamori-mail2alert.md for the keys. */
#ifndef MAMORI_MAIL_RULES_H
#define MAMORI_MAIL_RULES_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "conf.h"

enum { RX_FROM, RX_SUBJECT, RX_BODY, RX_COUNT };

struct mail_rule {
	const char *name;
	void *re[RX_COUNT];          /* pcre2_code *, NULL = any */
	void *map[4];                /* state_ok .. state_unknown patterns */
	const char *host, *service, *output, *state_text;
	int state;                   /* fixed 0..3, or -1: from the map */
	const char *senders;
	unsigned methods;            /* MA_* (lib/mail_auth.h) */
	struct buf token;
	bool has_token, cont;
};

struct mail_rules {
	struct mail_rule *r;
	size_t n;
};

/* The [rule NAME] sections; default_methods: [mail-auth] methods. NULL or
 * a reason naming the section and key. */
const char *mail_rules_load(const struct conf *c, unsigned default_methods, struct mail_rules *rules);
void mail_rules_free(struct mail_rules *rules);

/* What a rule looks at: the sender address, the decoded subject and body. */
struct mail_fields {
	const char *from, *subject, *body;
	size_t body_len;
};

/* The captures of one rule's match (opaque). */
struct mail_match {
	void *md[RX_COUNT];
	const char *text[RX_COUNT];
};

/* 1 = every regex of the rule matched (m filled; free it), 0 = not, -1 =
 * a regex gave up (match limit) or failed: why says so. */
int mail_rule_match(const struct mail_rule *r, const struct mail_fields *f, struct mail_match *m, const char **why);
/* Expand the rule's templates with the captures: host, service ("" for a
 * host rule), output, state. NULL or a reason (no state keyword found). */
const char *mail_rule_build(const struct mail_rule *r, const struct mail_fields *f, const struct mail_match *m,
                            struct buf *host, struct buf *service, struct buf *output, int *state);
void mail_match_free(struct mail_match *m);

/* "2", "CRITICAL", "down" ... into 0..3; -1 when not a state. */
int mail_state_parse(const char *s);

#endif
