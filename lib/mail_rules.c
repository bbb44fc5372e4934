/* mail2alert's rules: parse [rule NAME] sections, match with PCRE2,
 * expand ${...} templates with the captures (see mail_rules.h). */
#include "mail_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_auth.h"

int mail_state_parse(const char *s)
{
	static const char *const names[4][4] = {
		{ "0", "ok", "up", "recovery" }, { "1", "warning", "warn", NULL },
		{ "2", "critical", "down", "crit" }, { "3", "unknown", "unreachable", NULL },
	};
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4 && names[i][k]; k++)
			if (strlen(names[i][k]) == n && !strncasecmp(s, names[i][k], n))
				return i;
	return -1;
}

#ifndef HAVE_PCRE2

const char *mail_rules_load(const struct conf *c, unsigned default_methods, struct mail_rules *rules)
{
	(void)c;
	(void)default_methods;
	memset(rules, 0, sizeof *rules);
	return "mamori was built without PCRE2: mail2alert's rules need it (apt-get install libpcre2-dev)";
}
void mail_rules_free(struct mail_rules *rules) { (void)rules; }
int mail_rule_match(const struct mail_rule *r, const struct mail_fields *f, struct mail_match *m, const char **why)
{
	(void)r; (void)f; (void)m;
	*why = "built without PCRE2";
	return -1;
}
const char *mail_rule_build(const struct mail_rule *r, const struct mail_fields *f, const struct mail_match *m,
                            struct buf *host, struct buf *service, struct buf *output, int *state)
{
	(void)r; (void)f; (void)m; (void)host; (void)service; (void)output; (void)state;
	return "built without PCRE2";
}
void mail_match_free(struct mail_match *m) { (void)m; }

#else

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Bounds for hostile input: a body is matched on its first MiB, and a
 * pathological pattern gives up instead of spinning. */
#define MATCH_BYTES (1u << 20)
#define MATCH_LIMIT 5000000
#define HEAP_LIMIT_KIB 65536

static const char *const rx_key[RX_COUNT] = { "from", "subject", "body" };
static const char *const map_key[4] = { "state_ok", "state_warning", "state_critical", "state_unknown" };

static pcre2_code *compile(const char *pat, bool caseless, char *why, size_t size, const char *sec, const char *key)
{
	int ec;
	PCRE2_SIZE off;
	uint32_t opt = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE | (caseless ? PCRE2_CASELESS : 0);
	/* a decoded header or body may still hold CR LF: $ must see them */
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opt, &ec, &off, cc);
	pcre2_compile_context_free(cc);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		snprintf(why, size, "[%s] %s: %s at offset %zu", sec, key, (char *)msg, (size_t)off);
	}
	return re;
}

/* Every ${...} of a template names something a match can fill. */
static bool template_ok(const struct mail_rule *r, const char *t, char *why, size_t size)
{
	for (const char *p = t ? t : ""; (p = strstr(p, "${")); ) {
		const char *e = strchr(p, '}');
		if (!e) {
			snprintf(why, size, "[rule %s]: unclosed ${ in \"%s\"", r->name, t);
			return false;
		}
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(e - p - 2 < 63 ? e - p - 2 : 63), p + 2);
		bool ok = !strcmp(name, "subject") || !strcmp(name, "from") || !strcmp(name, "rule") ||
		          !strcmp(name, "body");
		char *dot = strchr(name, '.');
		if (!ok && dot) {
			*dot = '\0';
			for (int i = 0; i < RX_COUNT && !ok; i++)
				ok = !strcmp(name, rx_key[i]) && r->re[i] && isdigit((unsigned char)dot[1]);
			*dot = '.';
		}
		for (int i = 0; i < RX_COUNT && !ok; i++)
			ok = r->re[i] && pcre2_substring_number_from_name(r->re[i], (PCRE2_SPTR)name) >= 0;
		if (!ok) {
			snprintf(why, size, "[rule %s]: ${%s} is no capture of this rule's regexes", r->name, name);
			return false;
		}
		p = e + 1;
	}
	return true;
}

static const char *load_rule(const struct conf *c, const struct conf_section *s, unsigned methods,
                             struct mail_rule *r)
{
	static char why[512];
	static const char *const keys[] = {
		"from", "subject", "body", "senders", "auth", "token", "token_file", "token_env", "host", "service",
		"state", "state_ok", "state_warning", "state_critical", "state_unknown", "state_text", "output",
		"continue",
	};
	memset(r, 0, sizeof *r);
	r->name = s->label;
	for (size_t k = 0; k < s->n; k++) {
		size_t i;
		for (i = 0; i < sizeof keys / sizeof keys[0] && strcmp(keys[i], s->kv[k].key); i++)
			;
		if (i == sizeof keys / sizeof keys[0]) {
			snprintf(why, sizeof why, "[%s] %s: unknown key", s->name, s->kv[k].key);
			return why;
		}
	}
	bool any = false;
	for (int i = 0; i < RX_COUNT; i++) {
		const char *v = conf_sget(s, rx_key[i]);
		if (!v || !*v)
			continue;
		if (!(r->re[i] = compile(v, false, why, sizeof why, s->name, rx_key[i])))
			return why;
		any = true;
	}
	if (!any) {
		snprintf(why, sizeof why, "[%s]: needs from, subject or body (a regex)", s->name);
		return why;
	}
	r->senders = conf_sget(s, "senders");
	if (!r->senders || !*r->senders) {
		snprintf(why, sizeof why, "[%s] senders: the addresses or @domains allowed to send this alert",
		         s->name);
		return why;
	}
	r->methods = methods;
	const char *a = conf_sget(s, "auth");
	const char *e;
	if (a && (e = mail_auth_methods(a, &r->methods))) {
		snprintf(why, sizeof why, "[%s] auth: %s", s->name, e);
		return why;
	}
	if ((e = conf_secret(c, s, "token", &r->token, &r->has_token)))
		return e;
	if (!r->methods && !r->has_token) {
		snprintf(why, sizeof why, "[%s]: auth = none needs a token (token_file =): From: alone proves nothing",
		         s->name);
		return why;
	}
	r->host = conf_sget(s, "host");
	r->service = conf_sget(s, "service");
	r->output = conf_sget(s, "output");
	r->state_text = conf_sget(s, "state_text");
	if (!r->output)
		r->output = "${subject}";
	if (!r->state_text)
		r->state_text = "${subject}";
	if (!r->host || !*r->host) {
		snprintf(why, sizeof why, "[%s] host: the engine's host name (or a template like ${host})", s->name);
		return why;
	}
	const char *st = conf_sget(s, "state");
	bool mapped = false;
	for (int i = 0; i < 4; i++) {
		const char *v = conf_sget(s, map_key[i]);
		if (v && *v) {
			if (!(r->map[i] = compile(v, true, why, sizeof why, s->name, map_key[i])))
				return why;
			mapped = true;
		}
	}
	r->state = -1;
	if (st && *st) {
		if ((r->state = mail_state_parse(st)) < 0) {
			snprintf(why, sizeof why, "[%s] state: 0..3 or OK, WARNING, CRITICAL, UNKNOWN", s->name);
			return why;
		}
		if (mapped) {
			snprintf(why, sizeof why, "[%s]: state and state_* together: which one?", s->name);
			return why;
		}
	} else if (!mapped) {
		snprintf(why, sizeof why, "[%s]: state = 2, or a keyword map (state_critical = CRITICAL|障害 ...)",
		         s->name);
		return why;
	}
	const char *cont = conf_sget(s, "continue");
	if (cont && conf_bool(cont, &r->cont)) {
		snprintf(why, sizeof why, "[%s] continue: yes or no", s->name);
		return why;
	}
	const char *tpl[] = { r->host, r->service, r->output, r->state_text };
	for (size_t i = 0; i < 4; i++)
		if (!template_ok(r, tpl[i], why, sizeof why))
			return why;
	return NULL;
}

const char *mail_rules_load(const struct conf *c, unsigned default_methods, struct mail_rules *rules)
{
	memset(rules, 0, sizeof *rules);
	for (const struct conf_section *s = NULL; (s = conf_next(c, "rule", s));) {
		rules->r = xrealloc(rules->r, (rules->n + 1) * sizeof *rules->r);
		const char *e = load_rule(c, s, default_methods, &rules->r[rules->n++]);
		if (e)
			return e;
	}
	return NULL;
}

void mail_rules_free(struct mail_rules *rules)
{
	for (size_t i = 0; i < rules->n; i++) {
		struct mail_rule *r = &rules->r[i];
		for (int k = 0; k < RX_COUNT; k++)
			pcre2_code_free(r->re[k]);
		for (int k = 0; k < 4; k++)
			pcre2_code_free(r->map[k]);
		if (r->token.s)
			explicit_bzero(r->token.s, r->token.cap);
		buf_free(&r->token);
	}
	free(rules->r);
	memset(rules, 0, sizeof *rules);
}

static pcre2_match_context *match_context(void)
{
	static pcre2_match_context *ctx;
	if (!ctx) {
		ctx = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(ctx, MATCH_LIMIT);
		pcre2_set_heap_limit(ctx, HEAP_LIMIT_KIB);
	}
	return ctx;
}

/* 1 match, 0 none, -1 gave up */
static int run(const pcre2_code *re, const char *text, size_t len, pcre2_match_data **md)
{
	if (len > MATCH_BYTES)
		len = MATCH_BYTES;
	pcre2_match_data *d = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, d, match_context());
	if (rc > 0) {
		*md = d;
		return 1;
	}
	pcre2_match_data_free(d);
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

void mail_match_free(struct mail_match *m)
{
	for (int i = 0; i < RX_COUNT; i++)
		pcre2_match_data_free(m->md[i]);
	memset(m, 0, sizeof *m);
}

int mail_rule_match(const struct mail_rule *r, const struct mail_fields *f, struct mail_match *m, const char **why)
{
	static char msg[160];
	memset(m, 0, sizeof *m);
	const char *text[RX_COUNT] = { f->from, f->subject, f->body };
	size_t len[RX_COUNT] = { strlen(f->from), strlen(f->subject), f->body_len };
	for (int i = 0; i < RX_COUNT; i++) {
		if (!r->re[i])
			continue;
		m->text[i] = text[i];
		int rc = run(r->re[i], text[i], len[i], (pcre2_match_data **)&m->md[i]);
		if (rc <= 0) {
			mail_match_free(m);
			if (rc < 0) {
				snprintf(msg, sizeof msg, "[rule %s] %s: the regex gave up (match limit)", r->name, rx_key[i]);
				*why = msg;
			}
			return rc;
		}
	}
	return 1;
}

/* Group n of regex i appended to out; false when unset. */
static bool group(const struct mail_match *m, int i, unsigned n, struct buf *out)
{
	if (!m->md[i])
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md[i]);
	uint32_t count = pcre2_get_ovector_count(m->md[i]);
	if (n >= count || ov[2 * n] == PCRE2_UNSET)
		return false;
	buf_add(out, m->text[i] + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
	return true;
}

static void expand(const struct mail_rule *r, const char *t, const struct mail_fields *f, const struct mail_match *m,
                   struct buf *out)
{
	buf_reset(out);
	for (const char *p = t ? t : ""; *p;) {
		const char *e;
		if (p[0] != '$' || p[1] != '{' || !(e = strchr(p, '}'))) {
			buf_putc(out, *p++);
			continue;
		}
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(e - p - 2 < 63 ? e - p - 2 : 63), p + 2);
		p = e + 1;
		if (!strcmp(name, "subject")) {
			buf_puts(out, f->subject);
			continue;
		}
		if (!strcmp(name, "from")) {
			buf_puts(out, f->from);
			continue;
		}
		if (!strcmp(name, "rule")) {
			buf_puts(out, r->name);
			continue;
		}
		if (!strcmp(name, "body")) {
			buf_add(out, f->body, f->body_len < 4096 ? f->body_len : 4096);
			continue;
		}
		char *dot = strchr(name, '.');
		bool done = false;
		if (dot && isdigit((unsigned char)dot[1])) {
			*dot = '\0';
			for (int i = 0; i < RX_COUNT && !done; i++)
				if (!strcmp(name, rx_key[i])) {
					group(m, i, (unsigned)atoi(dot + 1), out);
					done = true;
				}
			*dot = '.';
		}
		for (int i = 0; i < RX_COUNT && !done; i++) {
			if (!m->md[i])
				continue;
			int n = pcre2_substring_number_from_name(r->re[i], (PCRE2_SPTR)name);
			if (n >= 0)
				done = group(m, i, (unsigned)n, out);
		}
	}
	buf_cstr(out);
}

const char *mail_rule_build(const struct mail_rule *r, const struct mail_fields *f, const struct mail_match *m,
                            struct buf *host, struct buf *service, struct buf *output, int *state)
{
	static char why[160];
	expand(r, r->host, f, m, host);
	expand(r, r->service, f, m, service);
	expand(r, r->output, f, m, output);
	if (r->state >= 0) {
		*state = r->state;
		return NULL;
	}
	/* the keyword map, OK first: "障害復旧" is a recovery */
	struct buf t = BUF_INIT;
	expand(r, r->state_text, f, m, &t);
	static const int order[4] = { 0, 2, 1, 3 };
	*state = -1;
	for (int k = 0; k < 4 && *state < 0; k++) {
		int i = order[k];
		pcre2_match_data *d = NULL;
		if (r->map[i] && run(r->map[i], buf_cstr(&t), t.len, &d) == 1)
			*state = i;
		pcre2_match_data_free(d);
	}
	buf_free(&t);
	if (*state < 0) {
		snprintf(why, sizeof why, "[rule %s]: no state keyword (state_ok, state_critical ...) in the text",
		         r->name);
		return why;
	}
	return NULL;
}

#endif
