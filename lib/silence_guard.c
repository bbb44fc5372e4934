/* The checks of a 静観依頼 mail (see silence_guard.h). */
#include "silence_guard.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mail_auth.h"
#include "mail_decode.h"

#define DEFAULT_MAX_WINDOW (24 * 3600)
#define DEFAULT_PAST_TOLERANCE (15 * 60)

/* "90", "30m", "24h", "2d" into seconds; false when not that. */
static bool duration(const char *v, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || n < 0 || n > 1000000)
		return false;
	long mult = !*end || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
	          : !strcmp(end, "d") ? 86400 : 0;
	*out = n * mult;
	return mult != 0;
}

/* Is name in the list of globs (case-insensitive)? seps: what separates
 * the items (hosts: commas and blanks; alerts, which hold blanks: commas). */
static bool listed(const char *list, const char *seps, const char *name)
{
	for (const char *p = list ? list : ""; *p;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		size_t n = strcspn(p, seps);
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (!n)
			break;
		/* the whole glob: a cut one would match names the list does not
		 * hold (fuzz_silence_guard) */
		char *item = xmalloc(n + 1);
		memcpy(item, p, n);
		item[n] = '\0';
		p += n;
		bool hit = !fnmatch(item, name, FNM_CASEFOLD);
		free(item);
		if (hit)
			return true;
	}
	return false;
}

static const char *bounds(const struct conf *c, const struct silence_request *req, time_t now)
{
	static char why[160];
	long max = DEFAULT_MAX_WINDOW, past = DEFAULT_PAST_TOLERANCE;
	const char *v = conf_get(c, "silence", "max_window");
	if (v && !duration(v, &max))
		return "[silence] max_window: a duration like 24h";
	v = conf_get(c, "silence", "past_tolerance");
	if (v && !duration(v, &past))
		return "[silence] past_tolerance: a duration like 15m";
	if (req->end - req->start > max) {
		snprintf(why, sizeof why, "the window is %.1f h long, more than the %.1f h allowed",
		         (double)(req->end - req->start) / 3600, (double)max / 3600);
		return why;
	}
	if (req->start < now - past) {
		snprintf(why, sizeof why, "the window starts %ld min in the past (more than %ld min)",
		         (long)(now - req->start) / 60, past / 60);
		return why;
	}
	return NULL;
}

/* Replace the request's alerts: すべての警報 under a group that limits
 * alerts means that group's alerts. */
static void set_alerts(struct silence_request *req, const char *list)
{
	for (char **a = req->alerts; a && *a; a++)
		free(*a);
	free(req->alerts);
	size_t n = 0;
	req->alerts = xcalloc(1, sizeof *req->alerts);
	for (const char *p = list; *p;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		size_t k = strcspn(p, ",");
		while (k && isspace((unsigned char)p[k - 1]))
			k--;
		if (!k)
			break;
		req->alerts = xrealloc(req->alerts, (n + 2) * sizeof *req->alerts);
		req->alerts[n] = xmalloc(k + 1);
		memcpy(req->alerts[n], p, k);
		req->alerts[n][k] = '\0';
		req->alerts[++n] = NULL;
		p += k;
		while (*p && *p != ',')
			p++;
	}
}

static const char *judge(const struct conf *c, const char *raw, size_t len, struct silence_request *req,
                         time_t now, bool check_sender, char *who, size_t wsize)
{
	static char why[640];
	snprintf(who, wsize, "%s", "");
	const char *e = bounds(c, req, now);
	if (e || !check_sender)
		return e;
	struct mail_auth_cfg acfg;
	if ((e = mail_auth_config(c, &acfg)))
		return e;
	struct mail_auth_info info;
	mail_auth_read(raw, len, &acfg, &info);
	if (info.from_error)
		return info.from_error;
	struct buf subject = BUF_INIT, body = BUF_INIT;
	mail_text_body(raw, len, &subject, &body);
	const struct conf_section *group = NULL;
	const char *refusal = NULL;
	bool any = false;
	for (const struct conf_section *s = NULL; (s = conf_next(c, "silence-senders", s));) {
		any = true;
		if (!mail_sender_listed(info.from, conf_sget(s, "senders")))
			continue;
		unsigned methods = acfg.methods;
		const char *a = conf_sget(s, "auth");
		if (a && (e = mail_auth_methods(a, &methods))) {
			snprintf(why, sizeof why, "[%s] auth: %s", s->name, e);
			refusal = why;
			break;
		}
		struct buf token = BUF_INIT;
		bool has_token;
		if ((e = conf_secret(c, s, "token", &token, &has_token)) != NULL) {
			refusal = e;
			buf_free(&token);
			break;
		}
		if (!methods && !has_token) {
			snprintf(why, sizeof why, "[%s]: auth = none needs a token (token_file =)", s->name);
			refusal = why;
		} else if ((e = mail_auth_judge(&info, conf_sget(s, "senders"), methods,
		                                has_token ? buf_cstr(&token) : NULL, buf_cstr(&body), who, wsize))) {
			snprintf(why, sizeof why, "%s", e);
			refusal = why;
		} else {
			/* every server must be one of the group's hosts */
			const char *bad = NULL;
			for (char **sv = req->servers; *sv && !bad; sv++)
				if (!listed(conf_sget(s, "hosts"), ", \t", *sv))
					bad = *sv;
			if (bad) {
				snprintf(why, sizeof why, "%s may not silence %s ([%s] hosts)", info.from, bad, s->name);
				refusal = why;
			} else {
				group = s;
				refusal = NULL;
			}
		}
		if (token.s)
			explicit_bzero(token.s, token.cap);
		buf_free(&token);
		if (group)
			break;
	}
	buf_free(&subject);
	buf_free(&body);
	if (!group) {
		if (refusal)
			return refusal;
		snprintf(why, sizeof why, "%s", any ? "" : "no [silence-senders] group in the config; ");
		snprintf(why + strlen(why), sizeof why - strlen(why), "sender %s is in no [silence-senders] group",
		         info.from);
		return why;
	}
	const char *allowed = conf_sget(group, "alerts");
	if (allowed && *allowed) {
		if (!req->alerts || !req->alerts[0]) {
			/* a window names its alerts (lib/silence compares them whole):
			 * a glob stored as a name would hold none of the alerts it
			 * stands for, and one no group allows (fuzz_silence_guard) */
			if (strpbrk(allowed, "*?[\\")) {
				snprintf(why, sizeof why, "すべての警報, but [%s] alerts holds globs (%.200s): the mail must name "
				         "the alerts", group->name, allowed);
				return why;
			}
			set_alerts(req, allowed);
		} else {
			for (char **a = req->alerts; *a; a++)
				if (!listed(allowed, ",", *a)) {
					snprintf(why, sizeof why, "%s may not silence the alert %s ([%s] alerts)", info.from, *a,
					         group->name);
					return why;
				}
		}
	}
	char via[512];
	snprintf(via, sizeof via, "%s", who);
	snprintf(who, wsize, "%s ([%s], %s)", info.from, group->name, via);
	return NULL;
}

/* Control characters become '?': a reason and who quote the mail (From:,
 * servers, alerts, the Authentication-Results header), and end on a
 * terminal, in the audit log and in the kept mail's X-Mamori-Reason
 * header (fuzz_silence_guard). */
const char *silence_guard(const struct conf *c, const char *raw, size_t len, struct silence_request *req,
                          time_t now, bool check_sender, char *who, size_t wsize)
{
	static char line[640];
	const char *e = judge(c, raw, len, req, now, check_sender, who, wsize);
	text_one_line(who, '?');
	if (!e)
		return NULL;
	snprintf(line, sizeof line, "%s", e);
	return text_one_line(line, '?');
}
