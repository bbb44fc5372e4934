/* Sender judgement from From: and the trusted Authentication-Results
 * header (see mail_auth.h). RFC 8601's grammar, as far as a judgement
 * needs it: comments in () are dropped, ';' separates the authserv-id and
 * each method's result, "ptype.property=value" pairs follow the result. */
#include "mail_auth.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copy the item lists of a config value: commas and white space separate. */
static const char *next_item(const char *p, char *out, size_t size)
{
	while (*p == ',' || isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (*p && *p != ',' && !isspace((unsigned char)*p)) {
		if (n + 1 < size)
			out[n++] = *p;
		p++;
	}
	out[n] = '\0';
	return p;
}

const char *mail_auth_methods(const char *v, unsigned *out)
{
	static char why[96];
	char item[32];
	*out = 0;
	bool none = false;
	for (const char *p = v; (p = next_item(p, item, sizeof item)), item[0];) {
		if (!strcasecmp(item, "dmarc"))
			*out |= MA_DMARC;
		else if (!strcasecmp(item, "dkim"))
			*out |= MA_DKIM;
		else if (!strcasecmp(item, "spf"))
			*out |= MA_SPF;
		else if (!strcasecmp(item, "none"))
			none = true;
		else {
			snprintf(why, sizeof why, "unknown method '%.32s' (dmarc, dkim, spf or none)", item);
			return why;
		}
	}
	if (none && *out)
		return "'none' with other methods";
	if (!none && !*out)
		return "no method (dmarc, dkim, spf or none)";
	return NULL;
}

const char *mail_auth_config(const struct conf *c, struct mail_auth_cfg *cfg)
{
	static char why[160];
	memset(cfg, 0, sizeof *cfg);
	cfg->methods = MA_ALL;
	const char *ids = conf_get(c, "mail-auth", "authserv_id");
	char item[128];
	for (const char *p = ids ? ids : ""; (p = next_item(p, item, sizeof item)), item[0];) {
		if (cfg->nids >= MA_MAX_IDS)
			return "[mail-auth] authserv_id: more than 16";
		snprintf(cfg->ids[cfg->nids++], sizeof cfg->ids[0], "%s", item);
	}
	const char *m = conf_get(c, "mail-auth", "methods");
	if (m) {
		const char *e = mail_auth_methods(m, &cfg->methods);
		if (e) {
			snprintf(why, sizeof why, "[mail-auth] methods: %s", e);
			return why;
		}
	}
	return NULL;
}

/* ---- headers ---- */

/* End of the header block: the first empty line (LF or CRLF). */
static size_t header_end(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' && (i + 1 == len || s[i + 1] == '\n' ||
		                     (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n')))
			return i + 1;
	return len;
}

bool mail_header_nth(const char *raw, size_t len, const char *name, size_t nth, struct buf *out)
{
	size_t hl = header_end(raw, len), nl = strlen(name);
	buf_reset(out);
	for (size_t i = 0; i < hl;) {
		size_t eol = i;
		while (eol < hl && raw[eol] != '\n')
			eol++;
		if (eol - i > nl && raw[i + nl] == ':' && !strncasecmp(raw + i, name, nl) && nth-- == 0) {
			size_t j = i + nl + 1;
			for (;;) {
				size_t e = eol;
				if (e > j && raw[e - 1] == '\r')
					e--;
				buf_add(out, raw + j, e - j);
				if (eol + 1 < hl && (raw[eol + 1] == ' ' || raw[eol + 1] == '\t')) {
					j = eol + 1;
					eol = j;
					while (eol < hl && raw[eol] != '\n')
						eol++;
					continue;
				}
				break;
			}
			buf_cstr(out);
			return true;
		}
		i = eol + 1;
	}
	return false;
}

/* Drop RFC 5322 comments (nested parentheses) outside quoted strings. */
static void strip_comments(const char *in, struct buf *out)
{
	int depth = 0;
	bool quoted = false;
	buf_reset(out);
	for (const char *p = in; *p; p++) {
		if (*p == '\\' && p[1] && (quoted || depth)) {
			if (!depth)
				buf_add(out, p, 2);
			p++;
		} else if (!depth && *p == '"') {
			quoted = !quoted;
			buf_putc(out, *p);
		} else if (!quoted && *p == '(') {
			depth++;
		} else if (!quoted && depth && *p == ')') {
			if (--depth == 0)
				buf_putc(out, ' ');
		} else if (!depth) {
			buf_putc(out, *p);
		}
	}
	buf_cstr(out);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool domain_ok(const char *d)
{
	if (!*d || strlen(d) > 253 || *d == '.' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
		return false;
	for (const char *p = d; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return false;
	return true;
}

/* The one address of a From: value ("Name" <a@b>, a@b (Name)); a list of
 * several mailboxes is refused: whose domain would vouch? */
static const char *from_address(const char *value, char *addr, size_t size, char *domain, size_t dsize)
{
	struct buf b = BUF_INIT;
	strip_comments(value, &b);
	const char *s = buf_cstr(&b), *lt = NULL, *gt = NULL;
	bool quoted = false;
	int commas = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\\' && quoted && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<' && !lt)
			lt = p;
		else if (!quoted && *p == '>' && lt && !gt)
			gt = p;
		else if (!quoted && *p == ',' && (!lt || gt))
			commas++;
	}
	const char *why = NULL;
	char a[512];
	if (commas)
		why = "From: names more than one address";
	else if (lt && gt)
		snprintf(a, sizeof a, "%.*s", (int)(gt - lt - 1 < 511 ? gt - lt - 1 : 511), lt + 1);
	else if (lt)
		why = "From: has an unclosed <";
	else
		snprintf(a, sizeof a, "%s", s);
	buf_free(&b);
	if (why)
		return why;
	/* trim, then exactly one '@' with something on each side */
	char *p = a;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		p[--n] = '\0';
	char *at = strrchr(p, '@');
	if (!at || at == p || strchr(p, '@') != at || strpbrk(p, " \t\"<>,;"))
		return "From: holds no plain address";
	/* no address has a control character: it would reach reasons and logs */
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return "From: holds no plain address";
	lower(at + 1);
	if (!domain_ok(at + 1))
		return "From: has no valid domain";
	if (strlen(p) >= size || strlen(at + 1) >= dsize)
		return "From: address too long";
	memcpy(addr, p, strlen(p) + 1);
	memcpy(domain, at + 1, strlen(at + 1) + 1);
	return NULL;
}

/* The domain of "user@domain" or "@domain" or "domain", lower-cased. */
static void domain_of(const char *v, char *out, size_t size)
{
	const char *at = strrchr(v, '@');
	snprintf(out, size, "%s", at ? at + 1 : v);
	lower(out);
}

/* Parse one Authentication-Results value (comments already stripped):
 * "authserv-id [version]; method=result prop=value ...; ..." */
static void parse_ar(const char *v, struct mail_auth_info *info)
{
	const char *p = v;
	info->nres = 0;
	/* each resinfo after a ';' */
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (info->nres >= MA_MAX_RES)
			return;
		struct mail_auth_res *r = &info->res[info->nres];
		memset(r, 0, sizeof *r);
		bool first = true;
		char dkim_i[256] = "";
		while (*p && *p != ';') {
			char key[64], val[256];
			size_t k = 0, n = 0;
			while (*p && *p != '=' && *p != ';' && !isspace((unsigned char)*p)) {
				if (k + 1 < sizeof key)
					key[k++] = *p;
				p++;
			}
			key[k] = '\0';
			while (isspace((unsigned char)*p))
				p++;
			if (*p != '=') {      /* "none", or a stray word: skip it */
				if (!k && *p && *p != ';')
					p++;
				continue;
			}
			p++;
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					if (n + 1 < sizeof val)
						val[n++] = *p;
				}
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ';' && !isspace((unsigned char)*p)) {
					if (n + 1 < sizeof val)
						val[n++] = *p;
					p++;
				}
			}
			val[n] = '\0';
			while (isspace((unsigned char)*p))
				p++;
			if (first) {
				char *slash = strchr(key, '/');   /* method/version */
				if (slash)
					*slash = '\0';
				snprintf(r->method, sizeof r->method, "%.15s", key);
				snprintf(r->result, sizeof r->result, "%.15s", val);
				lower(r->method);
				lower(r->result);
				first = false;
				continue;
			}
			if ((!strcmp(r->method, "dmarc") && !strcasecmp(key, "header.from")) ||
			    (!strcmp(r->method, "dkim") && !strcasecmp(key, "header.d")) ||
			    (!strcmp(r->method, "spf") && !strcasecmp(key, "smtp.mailfrom")))
				domain_of(val, r->domain, sizeof r->domain);
			else if (!strcmp(r->method, "dkim") && !strcasecmp(key, "header.i"))
				domain_of(val, dkim_i, sizeof dkim_i);
		}
		if (!r->domain[0] && dkim_i[0])
			snprintf(r->domain, sizeof r->domain, "%s", dkim_i);
		if (r->method[0])
			info->nres++;
	}
}

void mail_auth_read(const char *raw, size_t len, const struct mail_auth_cfg *cfg, struct mail_auth_info *info)
{
	memset(info, 0, sizeof *info);
	struct buf v = BUF_INIT, clean = BUF_INIT;
	if (!mail_header_nth(raw, len, "From", 0, &v))
		info->from_error = "no From: header";
	else if (mail_header_nth(raw, len, "From", 1, &clean))
		info->from_error = "more than one From: header";
	else
		info->from_error = from_address(v.s, info->from, sizeof info->from, info->domain, sizeof info->domain);
	if (info->from_error)
		info->from[0] = info->domain[0] = '\0';
	for (size_t i = 0; mail_header_nth(raw, len, "Authentication-Results", i, &v); i++) {
		if (info->authserv[0]) {
			info->ignored++;
			continue;
		}
		strip_comments(v.s, &clean);
		char id[128];
		next_item(buf_cstr(&clean), id, sizeof id);
		char *semi = strchr(id, ';');
		if (semi)
			*semi = '\0';
		bool trusted = false;
		for (size_t k = 0; k < cfg->nids && !trusted; k++)
			trusted = id[0] && !strcasecmp(id, cfg->ids[k]);
		if (!trusted) {
			info->ignored++;
			continue;
		}
		snprintf(info->authserv, sizeof info->authserv, "%s", id);
		parse_ar(clean.s, info);
	}
	buf_free(&v);
	buf_free(&clean);
}

bool mail_sender_listed(const char *address, const char *list)
{
	const char *at = strrchr(address, '@');
	if (!at || !list)
		return false;
	char item[320];
	for (const char *p = list; (p = next_item(p, item, sizeof item)), item[0];) {
		if (strpbrk(item, "*?[")) {
			/* a glob matches the whole address: "*-ops@example.jp" is not
			 * every user of example.jp (found by fuzz_silence_guard) */
			if (!fnmatch(item, address, FNM_CASEFOLD))
				return true;
		} else if (item[0] == '@') {
			if (!strcasecmp(item + 1, at + 1))
				return true;
		} else if (!strchr(item, '@')) {
			if (!strcasecmp(item, at + 1))
				return true;
		} else if (!strcasecmp(item, address)) {
			return true;
		}
	}
	return false;
}

const char *mail_auth_judge(const struct mail_auth_info *info, const char *senders, unsigned methods,
                            const char *token, const char *body, char *via, size_t vsize)
{
	static char why[512];
	snprintf(via, vsize, "%s", "");
	if (info->from_error)
		return info->from_error;
	if (!mail_sender_listed(info->from, senders)) {
		snprintf(why, sizeof why, "sender %s is not allowed", info->from);
		return why;
	}
	if (methods) {
		if (!info->authserv[0]) {
			snprintf(why, sizeof why, "no Authentication-Results from a trusted authserv-id "
			         "(%zu other header%s ignored): cannot tell who sent it", info->ignored,
			         info->ignored == 1 ? "" : "s");
			return why;
		}
		static const struct { unsigned bit; const char *name, *prop; } m[] = {
			{ MA_DMARC, "dmarc", "header.from" }, { MA_DKIM, "dkim", "header.d" }, { MA_SPF, "spf", "smtp.mailfrom" },
		};
		bool ok = false;
		struct buf seen = BUF_INIT;
		for (size_t k = 0; k < 3 && !ok; k++) {
			if (!(methods & m[k].bit))
				continue;
			for (size_t i = 0; i < info->nres && !ok; i++) {
				const struct mail_auth_res *r = &info->res[i];
				if (strcmp(r->method, m[k].name))
					continue;
				buf_printf(&seen, "%s%s=%s%s%s", seen.len ? ", " : "", r->method, r->result,
				           r->domain[0] ? " for " : "", r->domain);
				if (!strcmp(r->result, "pass") && !strcmp(r->domain, info->domain)) {
					snprintf(via, vsize, "%s %s=%s at %s", r->method, m[k].prop, r->domain, info->authserv);
					ok = true;
				}
			}
		}
		if (!ok)
			snprintf(why, sizeof why, "no pass for %s at %s (%s)", info->domain, info->authserv,
			         seen.len ? buf_cstr(&seen) : "no result of an accepted method");
		buf_free(&seen);
		if (!ok)
			return why;
	}
	if (token) {
		if (!body || !strstr(body, token))
			return "the shared token is missing from the body";
		if (!methods)
			snprintf(via, vsize, "token");
		else if (strlen(via) + 8 < vsize)
			strcat(via, " + token");
	}
	return NULL;
}
