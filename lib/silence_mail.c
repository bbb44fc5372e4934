/* The 静観依頼 mail of runbook 004 5-10, as customers send it:
 *
 *   件名: 監視静観依頼
 *   【会社名・案件名】 お客様名やシステム名
 *   【対象サーバ名】   one or more servers
 *   【期間】           start ～ end
 *   【作業概要】       what they do (optional)
 *   【対象警報】       service names, or すべての警報
 *
 * The raw message is decoded first (lib/mail_decode), then full-width
 * ASCII is folded to ASCII so "２０２６／１１／２３" reads like "2026/11/23". */
#include "silence_mail.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_decode.h"

/* ---- the request's text: fields and the period ---- */

/* Full-width ASCII (U+FF01..FF5E) and the ideographic space to ASCII;
 * the wave dashes and long dashes to "~" and "-"; ：to ':'. */
static void fold_width(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2]) {
			unsigned cp = 0xF000u | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				buf_putc(out, (char)(cp - 0xFF01 + 0x21));
				p += 3;
				continue;
			}
		}
		if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {          /* U+3000 */
			buf_putc(out, ' ');
			p += 3;
			continue;
		}
		if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x9C) {          /* 〜 U+301C */
			buf_putc(out, '~');
			p += 3;
			continue;
		}
		if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x90 || p[2] == 0x91 || p[2] == 0x92 ||
		                                     p[2] == 0x93 || p[2] == 0x94 || p[2] == 0x95)) {
			buf_putc(out, '-');                                  /* U+2010..2015 */
			p += 3;
			continue;
		}
		if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {          /* − U+2212 */
			buf_putc(out, '-');
			p += 3;
			continue;
		}
		buf_putc(out, (char)*p++);
	}
	buf_cstr(out);
}

/* more than this is not a request a person wrote: refuse it */
#define MAX_NAMES 100

/* Bytes of s that fit in max without cutting a UTF-8 character. */
static int utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/* Each field under the template's name first, then the names customers
 * use when they retype it (サーバー with the long vowel, 作業内容 ...). */
static const char *const field_names[][8] = {
	{ "会社名・案件名", "会社名/案件名", "会社名", "案件名", "お客様名", NULL },
	{ "対象サーバ名", "対象サーバー名", "対象サーバ", "対象サーバー", "対象ホスト名", "対象ホスト", "サーバ名", "サーバー名" },
	{ "期間", "静観期間", "作業期間", "作業日時", "日時", NULL },
	{ "作業概要", "作業内容", "概要", NULL },
	{ "対象警報", "対象アラート", "静観対象警報", "警報", NULL },
};
enum { F_COMPANY, F_SERVERS, F_PERIOD, F_SUMMARY, F_ALERTS, F_COUNT };
#define FIELD_ALIASES (sizeof field_names[0] / sizeof field_names[0][0])

/* Is the name found at q (inside text) a field marker? 【NAME】, [NAME],
 * ■NAME, or NAME: at a line start: the forms people type when they retype
 * the template; the runbook's own copy has "**" around them. Sets where
 * the marker begins and where its value does. */
static bool marker_at(const char *text, const char *q, size_t nl, const char **mstart, const char **value)
{
	const char *after = q + nl;
	const char *m = NULL;
	if (q - text >= 3 && !memcmp(q - 3, "【", 3) && !strncmp(after, "】", 3)) {
		m = q - 3;
		*value = after + 3;
	} else if (q > text && q[-1] == '[' && *after == ']') {
		m = q - 1;
		*value = after + 1;
	} else if (q - text >= 3 && !memcmp(q - 3, "■", 3)) {
		m = q - 3;
		*value = after;
	} else if ((q == text || q[-1] == '\n') && (*after == ':' || !strncmp(after, "：", 3))) {
		m = q;
		*value = after + (*after == ':' ? 1 : 3);
	} else {
		return false;
	}
	while (m - text >= 2 && m[-1] == '*' && m[-2] == '*')
		m -= 2;
	*mstart = m;
	return true;
}

/* The first marker of field f at or after from: its start and value. */
static bool find_marker(const char *text, const char *from, int f, const char **mstart, const char **value)
{
	bool found = false;
	for (size_t a = 0; a < FIELD_ALIASES && field_names[f][a]; a++) {
		const char *name = field_names[f][a];
		size_t nl = strlen(name);
		for (const char *q = from; (q = strstr(q, name)); q += nl) {
			const char *m, *v;
			if (!marker_at(text, q, nl, &m, &v))
				continue;
			if (!found || m < *mstart) {
				*mstart = m;
				*value = v;
				found = true;
			}
			break;
		}
	}
	return found;
}

/* Lines that close a mail, not part of a field: "以上" (and "以上です",
 * "以上、よろしく..."), the greetings, a signature's "--". An HTML mail's
 * <p>以上</p> follows the last field with no empty line between. */
static bool closing_line(const char *s)
{
	static const char *const closing[] = { "以上", "よろしくお願い", "宜しくお願い", "何卒", "-- ", "--\n", "--\r" };
	for (size_t i = 0; i < sizeof closing / sizeof *closing; i++)
		if (!strncmp(s, closing[i], strlen(closing[i])))
			return true;
	return false;
}

/* The value of field `which`: from its marker up to the next marker of any
 * field, the first empty line after the value began, or a closing line. */
static bool field_value(const char *text, int which, struct buf *out)
{
	buf_reset(out);
	const char *m, *v;
	if (!find_marker(text, text, which, &m, &v))
		return false;
	const char *end = v + strlen(v);
	for (int f = 0; f < F_COUNT; f++) {
		const char *m2, *v2;
		if (find_marker(text, v, f, &m2, &v2) && m2 < end)
			end = m2 >= v ? m2 : v;
	}
	/* a field's text ends at the first empty line after it began: what
	 * follows is the closing words or the signature */
	const char *first = v;
	while (first < end && (isspace((unsigned char)*first) || *first == '*' || *first == ':'))
		first++;
	for (const char *q = first; q < end; q++)
		if (*q == '\n') {
			const char *r = q + 1;
			while (r < end && (*r == ' ' || *r == '\t' || *r == '\r'))
				r++;
			if (r < end && (*r == '\n' || closing_line(r))) {
				end = q;
				break;
			}
		}
	/* trim white space, "**", and a leading ':' */
	while (v < end && (isspace((unsigned char)*v) || *v == '*' || *v == ':'))
		v++;
	if (end - v >= 3 && !memcmp(v, "：", 3))
		v += 3;
	while (v < end && (isspace((unsigned char)*v) || *v == '*'))
		v++;
	while (end > v && (isspace((unsigned char)end[-1]) || end[-1] == '*'))
		end--;
	buf_add(out, v, (size_t)(end - v));
	buf_cstr(out);
	return out->len > 0;
}

static void list_push(char ***list, size_t *n, const char *s, size_t len)
{
	*list = xrealloc(*list, (*n + 2) * sizeof **list);
	char *c = xmalloc(len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	(*list)[(*n)++] = c;
	(*list)[*n] = NULL;
}

/* Is the UTF-8 sequence at s one of the separators? Returns its length. */
static size_t sep_len(const char *s, const char *const *seps)
{
	for (size_t i = 0; seps[i]; i++)
		if (!strncmp(s, seps[i], strlen(seps[i])))
			return strlen(seps[i]);
	return 0;
}

/* Split on separators; strip bullets and brackets around each item. */
static void split_items(const char *v, const char *const *seps, char ***list, size_t *n)
{
	static const char *const bullets[] = { "・", "●", "○", "◆", "■", "-", "*", NULL };
	const char *p = v;
	while (*p && *n <= MAX_NAMES) {
		size_t k;
		while (*p && (k = sep_len(p, seps)))
			p += k;
		const char *s = p;
		while (*p && !sep_len(p, seps))
			p++;
		const char *e = p;
		for (;;) {
			while (s < e && isspace((unsigned char)*s))
				s++;
			if (s < e && (k = sep_len(s, bullets)) != 0 && (size_t)(e - s) >= k) {
				s += k;
				continue;
			}
			break;
		}
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		/* 「HTTP」 or "HTTP": the quotes are not part of the name */
		if (e - s > 6 && !memcmp(s, "「", 3) && !memcmp(e - 3, "」", 3))
			s += 3, e -= 3;
		else if (e - s > 2 && *s == '"' && e[-1] == '"')
			s++, e--;
		/* the same name twice is one window */
		bool dup = false;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = strlen((*list)[i]) == (size_t)(e - s) && !strncasecmp((*list)[i], s, (size_t)(e - s));
		if (e > s && !dup)
			list_push(list, n, s, (size_t)(e - s));
	}
}

/* In 【対象サーバ名】, brackets hold either the address, "web01(192.0.2.10)",
 * which is worth a window of its own, or a description, "web01（Webサーバ）",
 * which is not a host: keep the first, drop the second. Works on the
 * width-folded text, where （） are (). */
static void server_brackets(struct buf *b)
{
	char *s = b->s;
	if (!s)
		return;
	for (char *o; (o = strchr(s, '(')); ) {
		char *c = strchr(o + 1, ')');
		if (!c)
			c = o + strlen(o);
		bool host_like = c > o + 1;
		for (char *q = o + 1; q < c && host_like; q++)
			host_like = isalnum((unsigned char)*q) || *q == '.' || *q == '-' || *q == ':' || *q == '_';
		for (char *q = o + 1; q < c && !host_like; q++)
			*q = ' ';
		*o = ' ';
		if (*c)
			*c = ' ';
		s = *c ? c + 1 : c;
	}
}

/* ---- the period ---- */

struct when {
	int y, mo, d;      /* y 0 = not written */
	bool has_date;
	int h, mi, s;
};

static bool read_num(const char **p, int *v, int maxdigits)
{
	int n = 0, d = 0;
	while (isdigit((unsigned char)**p) && d < maxdigits) {
		n = n * 10 + (**p - '0');
		(*p)++;
		d++;
	}
	*v = n;
	return d > 0 && !isdigit((unsigned char)**p);
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n')
		(*p)++;
}

/* A weekday in brackets after a date: (月) （月） (Mon) */
static void skip_weekday(const char **p)
{
	const char *q = *p;
	skip_space(&q);
	if (*q != '(')
		return;
	const char *c = strchr(q, ')');
	if (c && c - q <= 12)
		*p = c + 1;
}

/* [date] time, from the text the caller normalised (年月日時分 made into
 * / and :). need_date: the start must have a date. */
static bool read_when(const char **pp, bool need_date, struct when *w)
{
	const char *p = *pp;
	memset(w, 0, sizeof *w);
	skip_space(&p);
	/* the era some companies still date their letters in: 令和8年 = 2026 */
	bool reiwa = !strncmp(p, "令和", 6);
	if (reiwa)
		p += 6;
	const char *q = p;
	int a, b, c;
	if (read_num(&q, &a, 4) && (*q == '/' || *q == '-' || *q == '.') && isdigit((unsigned char)q[1])) {
		char sep = *q++;
		if (!read_num(&q, &b, 2))
			return false;
		if (*q == sep && isdigit((unsigned char)q[1])) {
			q++;
			if (!read_num(&q, &c, 2))
				return false;
			w->y = reiwa ? 2018 + a : a;
			w->mo = b;
			w->d = c;
		} else if (reiwa) {
			return false;
		} else {
			w->mo = a;
			w->d = b;
		}
		w->has_date = true;
		p = q;
		skip_weekday(&p);
		skip_space(&p);
		if (*p == 'T')
			p++;
	} else if (need_date || reiwa) {
		return false;
	}
	bool pm = false, am = false;
	if (!strncmp(p, "午後", 6) || !strncasecmp(p, "PM", 2)) {
		pm = true;
		p += strncmp(p, "午後", 6) ? 2 : 6;
	} else if (!strncmp(p, "午前", 6) || !strncasecmp(p, "AM", 2)) {
		am = true;
		p += strncmp(p, "午前", 6) ? 2 : 6;
	}
	skip_space(&p);
	if (!read_num(&p, &w->h, 2))
		return false;
	if (*p == ':' && isdigit((unsigned char)p[1])) {
		p++;
		if (!read_num(&p, &w->mi, 2))
			return false;
		if (*p == ':' && isdigit((unsigned char)p[1])) {
			p++;
			if (!read_num(&p, &w->s, 2))
				return false;
		}
	} else if (*p == ':') {
		p++;            /* "1時" became "1:" */
	} else {
		return false;
	}
	skip_space(&p);
	if (!strncasecmp(p, "PM", 2) && !pm && !am) {
		pm = true;
		p += 2;
	} else if (!strncasecmp(p, "AM", 2) && !pm && !am) {
		am = true;
		p += 2;
	}
	if (pm && w->h < 12)
		w->h += 12;
	if (am && w->h == 12)
		w->h = 0;
	if (w->h > 24 || w->mi > 59 || w->s > 60 || (w->h == 24 && (w->mi || w->s)))
		return false;
	if (w->has_date && (w->mo < 1 || w->mo > 12 || w->d < 1 || w->d > 31))
		return false;
	*pp = p;
	return true;
}

static time_t when_time(const struct when *w)
{
	struct tm tm = { 0 };
	tm.tm_year = w->y - 1900;
	tm.tm_mon = w->mo - 1;
	tm.tm_mday = w->d;
	tm.tm_hour = w->h;      /* 24:00 is the next midnight: mktime carries */
	tm.tm_min = w->mi;
	tm.tm_sec = w->s;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	/* 2026/02/31 would silently become March: refuse it */
	if (t == (time_t)-1 || (w->h < 24 && (tm.tm_mday != w->d || tm.tm_mon != w->mo - 1)))
		return (time_t)-1;
	return t;
}

/* Replace each from-string with to in place (to is never longer). */
static void replace_all(struct buf *b, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *s = b->s;
	if (!s)
		return;
	char *w = s;
	for (char *r = s; *r;) {
		if (!strncmp(r, from, fl)) {
			memcpy(w, to, tl);
			w += tl;
			r += fl;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	b->len = (size_t)(w - s);
}

/* "2026/11/23 01:00 ～ 2026/11/23 03:00", "2026年11月23日 1:00〜3:00",
 * "11/23(月) 23:00 - 11/24 2:00", ISO 8601 ... in local time. An end
 * without a date is on the start's date, or the next day when it would
 * not be after the start (23:00～2:00). */
static const char *parse_period(const char *text, time_t now, time_t *start, time_t *end)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, text);
	buf_cstr(&b);
	static const struct { const char *from, *to; } subst[] = {
		{ "年", "/" }, { "月", "/" }, { "日", " " }, { "時", ":" }, { "分", " " }, { "秒", " " },
		{ "から", "~" }, { "まで", " " }, { "より", " " }, { "迄", " " }, { "ー", "-" },
		{ "頃", " " }, { "JST", " " }, { "(JST)", " " },
	};
	for (size_t i = 0; i < sizeof subst / sizeof subst[0]; i++)
		replace_all(&b, subst[i].from, subst[i].to);
	/* "/ " left by "年 月" spacing, "1/ 23" */
	replace_all(&b, "/ ", "/");
	const char *p = buf_cstr(&b);
	struct when a, z;
	const char *why = NULL;
	if (!read_when(&p, true, &a))
		why = "cannot read the start (write it as 2026/11/23 01:00)";
	skip_space(&p);
	if (!why && *p != '~' && *p != '-')
		why = "no separator between start and end (use ～)";
	if (!why) {
		p++;
		if (!read_when(&p, false, &z))
			why = "cannot read the end";
	}
	skip_space(&p);
	/* a note in brackets after the end: (予定) (JST) */
	while (!why && *p == '(' && strchr(p, ')')) {
		p = strchr(p, ')') + 1;
		skip_space(&p);
	}
	if (!why && *p)
		why = "unexpected text after the end";
	buf_free(&b);
	if (why)
		return why;
	if (!a.y) {
		/* no year: this year, or the next one when that date has passed
		 * long ago (a December request for January) */
		struct tm tm;
		localtime_r(&now, &tm);
		a.y = tm.tm_year + 1900;
		time_t t = when_time(&a);
		if (t != (time_t)-1 && t < now - 180 * 86400)
			a.y++;
	}
	bool end_dated = z.has_date;
	if (!z.has_date) {
		z.y = a.y; z.mo = a.mo; z.d = a.d;
	} else if (!z.y) {
		z.y = a.y + (z.mo < a.mo ? 1 : 0);
	}
	*start = when_time(&a);
	*end = when_time(&z);
	if (*start == (time_t)-1 || *end == (time_t)-1)
		return "a date that does not exist";
	if (*end <= *start && !end_dated)
		*end += 86400;  /* crossed midnight; a DST day is off by the shift */
	if (*end <= *start)
		return "the end is not after the start";
	return NULL;
}

/* ---- the whole request ---- */

static bool all_alerts(const char *v)
{
	static const char *const all[] = {
		"すべての警報", "全ての警報", "総ての警報", "全警報", "すべての監視", "全ての監視", "全監視",
		"すべて", "全て", "all",
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!strncasecmp(v, all[i], strlen(all[i])))
			return true;
	return false;
}

void silence_request_free(struct silence_request *req)
{
	free(req->company);
	free(req->summary);
	for (char **l = req->servers; l && *l; l++)
		free(*l);
	for (char **l = req->alerts; l && *l; l++)
		free(*l);
	free(req->servers);
	free(req->alerts);
	memset(req, 0, sizeof *req);
}

const char *silence_mail_parse(const char *raw, size_t len, time_t now, struct silence_request *req)
{
	static char why[256];
	memset(req, 0, sizeof *req);
	struct buf subject = BUF_INIT, body = BUF_INIT, text = BUF_INIT, v = BUF_INIT;
	const char *e = mail_text_body(raw, len, &subject, &body);
	if (e)
		goto out;
	fold_width(buf_cstr(&body), &text);
	const char *t = buf_cstr(&text);
	e = why;
	if (!field_value(t, F_COMPANY, &v)) {
		snprintf(why, sizeof why, "【会社名・案件名】 is missing or empty");
		goto out;
	}
	req->company = xstrdup(v.s);
	if (field_value(t, F_SUMMARY, &v))
		req->summary = xstrdup(v.s);
	if (!field_value(t, F_SERVERS, &v)) {
		snprintf(why, sizeof why, "【対象サーバ名】 is missing or empty");
		goto out;
	}
	static const char *const server_seps[] = { "\n", " ", "\t", ",", "、", ";", "/", NULL };
	server_brackets(&v);
	size_t n = 0;
	split_items(v.s, server_seps, &req->servers, &n);
	if (!n || n > MAX_NAMES) {
		snprintf(why, sizeof why, "【対象サーバ名】 names %s server", n ? "more than 100 a" : "no");
		goto out;
	}
	if (!field_value(t, F_PERIOD, &v)) {
		snprintf(why, sizeof why, "【期間】 is missing or empty");
		goto out;
	}
	const char *pe = parse_period(v.s, now, &req->start, &req->end);
	if (pe) {
		snprintf(why, sizeof why, "【期間】 \"%.*s\": %s", utf8_prefix(v.s, 80), v.s, pe);
		goto out;
	}
	if (!field_value(t, F_ALERTS, &v)) {
		snprintf(why, sizeof why, "【対象警報】 is missing or empty (write the service names or すべての警報)");
		goto out;
	}
	req->alerts = xcalloc(1, sizeof *req->alerts);
	if (!all_alerts(v.s)) {
		static const char *const alert_seps[] = { "\n", ",", "、", ";", NULL };
		n = 0;
		free(req->alerts);
		req->alerts = NULL;
		split_items(v.s, alert_seps, &req->alerts, &n);
		if (!n || n > MAX_NAMES) {
			snprintf(why, sizeof why, "【対象警報】 names %s alert", n ? "more than 100 an" : "no");
			goto out;
		}
	}
	e = NULL;
out:
	if (e)
		silence_request_free(req);
	buf_free(&subject);
	buf_free(&body);
	buf_free(&text);
	buf_free(&v);
	return e;
}
