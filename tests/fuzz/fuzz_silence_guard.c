/* `mamori silence from-mail`'s guard (issue 10): a forged or hostile
 * 静観依頼 mail must never silence more than its sender's group allows.
 * Input: a mamori.ini text ([silence-senders NAME], [silence], [mail-auth];
 * "@TOKEN_FILE@" names a 0600 file holding TOKEN, in $MAMORI_STATE_DIR
 * when set), a NUL, a raw mail.
 * The mail is parsed as from-mail does at NOW and judged with and
 * without the sender check. Accepted: every window ends after it starts,
 * starts no earlier than NOW - past_tolerance, lasts at most max_window;
 * with the sender check, the sender is listed in the accepting group,
 * every server matches one of its host globs and every alert one of its
 * alert globs (fnmatch here, not the guard's; すべての警報 under a group
 * that lists alerts becomes alerts of that list), a group with a token has
 * it in the body, `auth = none` never goes without a token, `who` is one
 * printable line. Refused: a reason that is one non-empty line without a
 * control character (when the config itself has none). The sender check
 * only ever refuses more.
 * SOURCES: lib/silence_guard.c lib/silence_mail.c lib/mail_auth.c lib/mail_decode.c lib/conf.c lib/ini.c lib/secret.c lib/silence.c lib/state.c
 * LIBS: -ljansson */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "mail_auth.h"
#include "mail_decode.h"
#include "silence_guard.h"

#define NOW ((time_t)1795132800)   /* 2026-11-20 09:00 +09:00, tests/silence.t's --at */
#define TOKEN "s3cret-Token-42"
#define PLACEHOLDER "@TOKEN_FILE@"

static char token_path[4096];
static void drop_token(void) { unlink(token_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setenv("TZ", "Asia/Tokyo", 1);   /* the customers' periods are local time */
	tzset();
	/* in the run's state dir (tools/fuzz): libFuzzer often ends with
	 * _Exit, which would leave a temp file behind */
	const char *dir = getenv("MAMORI_STATE_DIR");
	int fd;
	if (dir && *dir && strlen(dir) < sizeof token_path - 8) {
		(void)mkdir(dir, 0700);
		snprintf(token_path, sizeof token_path, "%s/token", dir);
		fd = open(token_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 && fchmod(fd, 0600))
			abort();
	} else {
		snprintf(token_path, sizeof token_path, "/tmp/fuzz_silence_guard.XXXXXX");
		fd = mkstemp(token_path);   /* mode 0600 */
		atexit(drop_token);
	}
	if (fd < 0 || write(fd, TOKEN "\n", sizeof TOKEN) != (ssize_t)sizeof TOKEN)
		abort();
	close(fd);
	return 0;
}

static bool clean_line(const char *s, bool any_ctl)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '\n' || *p == '\r' || (!any_ctl && (*p < 0x20 || *p == 0x7f)))
			return false;
	return true;
}

/* Does name match one glob of list (items split at seps, trimmed)? */
static bool in_globs(const char *list, const char *seps, const char *name, bool *listed)
{
	bool hit = false;
	*listed = false;
	for (const char *p = list ? list : ""; *p;) {
		size_t n = strcspn(p, seps);
		const char *s = p, *e = p + n;
		p += n + (p[n] != '\0');
		while (s < e && strchr(" \t\n\r\v\f", *s))
			s++;
		while (e > s && strchr(" \t\n\r\v\f", e[-1]))
			e--;
		if (e == s)
			continue;
		*listed = true;
		char *g = strndup(s, (size_t)(e - s));
		hit = hit || !fnmatch(g, name, FNM_CASEFOLD);
		free(g);
	}
	return hit;
}

/* "user@domain", "@domain", "*@domain" or "domain", commas and blanks between. */
static bool sender_in(const char *from, const char *list)
{
	const char *at = strrchr(from, '@');
	for (const char *p = list ? list : ""; at && *p;) {
		size_t n = strcspn(p, ", \t\n\r\v\f");
		const char *s = p;
		p += n + (p[n] != '\0');
		if (!n)
			continue;
		const char *d = *s == '@' ? s + 1 : !strncmp(s, "*@", 2) ? s + 2 : memchr(s, '@', n) ? NULL : s;
		size_t dn = d ? n - (size_t)(d - s) : 0;
		if (d ? strlen(at + 1) == dn && !strncasecmp(at + 1, d, dn) : strlen(from) == n && !strncasecmp(from, s, n))
			return true;
	}
	return false;
}

/* [silence] durations: digits and s/m/h/d, at most 10^6 units; -1 when not one. */
static long dur(const char *v, long dflt)
{
	if (!v)
		return dflt;
	while (*v == ' ' || (*v >= '\t' && *v <= '\r'))
		v++;
	bool neg = *v == '-';
	v += *v == '-' || *v == '+';
	long n = 0;
	const char *d = v;
	for (; *v >= '0' && *v <= '9'; v++)
		n = n > 1000000 ? n : n * 10 + (*v - '0');
	if (v == d || n > 1000000 || (neg && n))
		return -1;
	long m = !*v || !strcmp(v, "s") ? 1 : !strcmp(v, "m") ? 60 : !strcmp(v, "h") ? 3600 : !strcmp(v, "d") ? 86400 : 0;
	return m ? n * m : -1;
}

/* Could group s have accepted req from info's sender, as who says? */
static bool group_allows(const struct conf *c, const struct conf_section *s, const struct silence_request *req,
                         const struct mail_auth_info *info, const struct mail_auth_cfg *acfg, const char *body,
                         const char *who)
{
	struct buf want = BUF_INIT;
	buf_printf(&want, "%s ([%s], ", info->from, s->name);
	for (char *p = want.s; *p; p++)   /* who shows a control character as '?' */
		*p = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	bool ok = !strncmp(who, buf_cstr(&want), strlen(who) < want.len ? strlen(who) : want.len);
	buf_free(&want);
	if (!ok || !sender_in(info->from, conf_sget(s, "senders")))
		return false;
	bool listed;
	for (char **sv = req->servers; *sv; sv++)
		if (!in_globs(conf_sget(s, "hosts"), ", \t", *sv, &listed))
			return false;
	const char *alerts = conf_sget(s, "alerts");
	(void)in_globs(alerts, ",", "", &listed);
	if (listed && (!req->alerts || !req->alerts[0]))
		return false;   /* every alert, under a group that lists its alerts */
	for (char **a = req->alerts; listed && *a; a++)
		if (!in_globs(alerts, ",", *a, &listed))
			return false;
	struct buf tok = BUF_INIT;
	bool found = false;
	if (conf_secret(c, s, "token", &tok, &found) || (found && !strstr(body, buf_cstr(&tok))))
		ok = false;
	const char *tf = conf_sget(s, "token_file");
	if (tf && !strcmp(tf, token_path) && strcmp(buf_cstr(&tok), TOKEN))
		ok = false;
	buf_free(&tok);
	unsigned methods = acfg->methods;
	const char *a = conf_sget(s, "auth");
	if (a && mail_auth_methods(a, &methods))
		return false;
	if (!methods && !found)
		return false;   /* auth = none needs a token */
	if (methods && !info->authserv[0])
		return false;   /* no trusted Authentication-Results at all */
	return ok;
}

static void judge(const struct conf *c, const char *mail, size_t len, bool check, bool cfg_ctl, bool *accepted)
{
	struct silence_request req;
	if (silence_mail_parse(mail, len, NOW, &req))
		abort();   /* parsed once already: the same text parses again */
	char who[1024];
	const char *why = silence_guard(c, mail, len, &req, NOW, check, who, sizeof who);
	*accepted = !why;
	if (getenv("FUZZ_VERBOSE"))   /* which seeds reach which verdict */
		fprintf(stderr, "check_sender=%d: %s\n", check, why ? why : who);
	if (why) {
		if (!*why || !clean_line(why, cfg_ctl))
			abort();
		silence_request_free(&req);
		return;
	}
	long max = dur(conf_get(c, "silence", "max_window"), 86400);
	long past = dur(conf_get(c, "silence", "past_tolerance"), 900);
	if (max < 0 || past < 0 || req.end <= req.start || req.end - req.start > max || req.start < NOW - past)
		abort();
	if (!check) {
		if (who[0])
			abort();
		silence_request_free(&req);
		return;
	}
	if (!clean_line(who, cfg_ctl))
		abort();
	struct mail_auth_cfg acfg;
	if (mail_auth_config(c, &acfg))
		abort();   /* the guard accepted with a config it cannot read */
	struct mail_auth_info info;
	mail_auth_read(mail, len, &acfg, &info);
	struct buf subject = BUF_INIT, body = BUF_INIT;
	(void)mail_text_body(mail, len, &subject, &body);
	bool some = false;
	for (const struct conf_section *s = NULL; !some && (s = conf_next(c, "silence-senders", s));)
		some = group_allows(c, s, &req, &info, &acfg, buf_cstr(&body), who);
	if (!some || info.from_error || !info.from[0])
		abort();   /* accepted, but no group allows this sender this request */
	buf_free(&subject);
	buf_free(&body);
	silence_request_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t clen = nul ? (size_t)(nul - data) : 0;
	char *text = fuzz_cstr(data, clen);
	char *mail = fuzz_bytes(nul ? nul + 1 : data, nul ? size - clen - 1 : size);
	size_t mlen = nul ? size - clen - 1 : size;
	bool cfg_ctl = false;
	for (size_t i = 0; i < clen; i++)
		cfg_ctl |= (data[i] < 0x20 && data[i] != '\n') || data[i] == 0x7f;
	struct buf cfg = BUF_INIT;   /* the placeholder becomes the token file */
	for (const char *p = text; *p;) {
		const char *q = strstr(p, PLACEHOLDER);
		size_t n = q ? (size_t)(q - p) : strlen(p);
		buf_printf(&cfg, "%.*s%s", (int)n, p, q ? token_path : "");
		p += n + (q ? strlen(PLACEHOLDER) : 0);
	}
	struct conf c;
	memset(&c, 0, sizeof c);
	struct silence_request req;
	if (!conf_load_text(&c, buf_cstr(&cfg), "fuzz.ini") && !silence_mail_parse(mail, mlen, NOW, &req)) {
		silence_request_free(&req);
		c.private_file = true;   /* mamori.ini as documented: 0600, inline secrets allowed */
		bool loose, strict;
		judge(&c, mail, mlen, false, cfg_ctl, &loose);
		judge(&c, mail, mlen, true, cfg_ctl, &strict);
		if (strict && !loose)
			abort();   /* the sender check only ever refuses more */
	}
	conf_free(&c);
	buf_free(&cfg);
	free(text);
	free(mail);
	return 0;
}
