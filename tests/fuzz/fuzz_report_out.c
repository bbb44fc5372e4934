/* mamori report's writers (lib/report_html, report_csv, report_text) on a
 * month read from any bytes (as an engine log and as an audit log, like
 * fuzz_report_read): names and plugin output come from monitored hosts, and
 * the HTML is mailed and opened in a browser. One format and language per
 * input (by the input's length) goes to memory, then: HTML has only the tags and entities report_html.c
 * writes, attribute values end at their quote, one table row per object and
 * channel, valid UTF-8; CSV parses back (RFC 4180) to one record of the
 * header's 22 fields per object, no unquoted CR, the host and service
 * verbatim (formulas are not neutralised: scripts match names); text is
 * valid UTF-8 with no control character but LF, and every line of a table
 * has its header's display width (text_width).
 * SOURCES: lib/report_read.c lib/report_model.c lib/nagios_log.c lib/report_fmt.c lib/report_html.c lib/report_csv.c lib/report_text.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "report_fmt.h"
#include "report_out.h"
#include "report_read.h"

enum { FROM = 1790780400, TO = 1793458800 };  /* 2026-10 in JST */

/* strict UTF-8 (no overlong form, no surrogate, nothing past U+10FFFF),
 * no C1 control, no line separator, no bidi embedding or override */
FUZZ_ORACLE static void utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i], k, lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c == 0xc2 && i + 1 < n && p[i + 1] < 0xa0)
			abort();   /* a C1 control */
		if (c == 0xe2 && i + 2 < n && ((p[i + 1] == 0x80 && p[i + 2] >= 0xa8 && p[i + 2] <= 0xae) ||
		                               (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			abort();   /* a line separator or a bidi override */
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			abort();
		if (i + k >= n)
			abort();
		if (p[i + 1] < lo || p[i + 1] > hi)
			abort();
		for (unsigned j = 2; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				abort();
		i += k + 1;
	}
}

/* the tags report_html.c writes, and nothing else */
static const char *const tags[] = { "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "svg",
	                            "line", "text", "rect", "polyline", "table", "tr", "th", "td", "br" };

FUZZ_ORACLE static int isname(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* a tag at s ('<'): its name allowed, its attributes name="value" (a value
 * ends at its quote, followed by a space or the end); returns past '>' */
FUZZ_ORACLE static const char *tag(const char *s, size_t *rows)
{
	s++;
	if (*s == '/')
		s++;
	const char *name = s;
	while (isname(*s))
		s++;
	size_t len = (size_t)(s - name), i = 0;
	while (i < sizeof tags / sizeof tags[0] && (strlen(tags[i]) != len || strncmp(tags[i], name, len)))
		i++;
	if (i == sizeof tags / sizeof tags[0])
		abort();
	if (name[-1] == '<' && len == 2 && !strncmp(name, "tr", 2))
		(*rows)++;
	for (;;) {
		if (*s == '>')
			return s + 1;
		if (s[0] == '/' && s[1] == '>')
			return s + 2;
		if (*s++ != ' ' || !isname(*s))
			abort();
		while (isname(*s) || (*s >= 'A' && *s <= 'Z'))   /* viewBox */
			s++;
		if (*s++ != '=' || *s++ != '"')
			abort();
		while (*s && *s != '"' && *s != '<' && *s != '>' && *s != '&' && *s != '\n')
			s++;
		if (*s++ != '"' || (*s != ' ' && *s != '>' && *s != '/'))
			abort();
	}
}

FUZZ_ORACLE static void html_ok(const char *h, size_t n, const struct report *r)
{
	utf8_ok((const unsigned char *)h, n);
	if (strlen(h) != n)
		abort();
	static const char doctype[] = "<!DOCTYPE html>\n";
	if (strncmp(h, doctype, sizeof doctype - 1))
		abort();
	size_t rows = 0;
	for (const char *s = h + sizeof doctype - 1; *s;) {
		if (*s == '<') {
			s = tag(s, &rows);
		} else if (*s == '&') {
			static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
			size_t i = 0;
			while (i < 5 && strncmp(s, ents[i], strlen(ents[i])))
				i++;
			if (i == 5)
				abort();
			s += strlen(ents[i]);
		} else if (*s == '>' || *s == '"' || ((unsigned char)*s < 0x20 && *s != '\n')) {
			abort();   /* a raw '>' or '"' in text is a name that escaped esc() */
		} else {
			s++;
		}
	}
	if (rows != (r->nobj ? r->nobj + 1 : 0) + (r->ndel ? r->ndel + 1 : 0))
		abort();
}

/* the next CSV field from *p into out (size n), RFC 4180; its terminator
 * (',' or '\n' for CRLF or '\0' at the end) */
FUZZ_ORACLE static char csv_field(const char **p, char *out, size_t n)
{
	const char *s = *p;
	size_t k = 0;
	if (*s == '"') {
		for (s++;; s++) {
			if (!*s)
				abort();
			if (*s == '"') {
				if (s[1] != '"')
					break;
				s++;
			}
			if (k + 1 < n)
				out[k++] = *s;
		}
		s++;
	} else {
		for (; *s && *s != ',' && *s != '\r'; s++) {
			if (*s == '"' || *s == '\n')
				abort();
			if (k + 1 < n)
				out[k++] = *s;
		}
	}
	out[k] = '\0';
	char t;
	if (*s == ',')
		t = ',', s++;
	else if (s[0] == '\r' && s[1] == '\n')
		t = '\n', s += 2;
	else if (!*s)
		t = '\0';
	else
		abort();   /* a bare CR, or text after a closing quote */
	*p = s;
	return t;
}

enum { CSV_FIELDS = 22 };

FUZZ_ORACLE static void csv_ok(const char *c, size_t n, const struct report *r)
{
	if (strlen(c) != n)
		abort();
	static char f[4096];
	const char *p = c;
	for (size_t rec = 0; *p; rec++) {
		if (rec > r->nobj)
			abort();
		const struct robj *o = rec ? r->obj[rec - 1] : NULL;
		for (int i = 0; i < CSV_FIELDS; i++) {
			char t = csv_field(&p, f, sizeof f);
			if ((t == ',') != (i < CSV_FIELDS - 1))
				abort();   /* every record has the header's number of fields */
			/* names verbatim: a leading = + - @ stays (no formula neutralising) */
			if (o && i == 1 && strlen(o->host) < sizeof f - 1 && strcmp(f, o->host))
				abort();
			if (o && i == 2 && strlen(o->service ? o->service : "") < sizeof f - 1 &&
			    strcmp(f, o->service ? o->service : ""))
				abort();
		}
		if (rec == r->nobj && *p)
			abort();
	}
}

/* every line from the line "== heading ==" to the blank line has the first
 * one's display width */
FUZZ_ORACLE static void table_ok(const char *start, const char *heading)
{
	const char *s = strstr(start, heading);
	if (!s)
		return;
	s += strlen(heading);
	int width = -1;
	static char line[1 << 16];
	while (*s && *s != '\n') {
		const char *e = strchr(s, '\n');
		if (!e)
			abort();
		size_t len = (size_t)(e - s);
		if (len >= sizeof line)
			return;   /* a very long name: not checked, not wrong */
		memcpy(line, s, len);
		line[len] = '\0';
		int w = text_width(line);
		if (width < 0)
			width = w;
		else if (w != width)
			abort();
		s = e + 1;
	}
}

FUZZ_ORACLE static void text_ok(const char *t, size_t n, bool ja)
{
	utf8_ok((const unsigned char *)t, n);
	if (strlen(t) != n)
		abort();
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			abort();
	char head[128];
	snprintf(head, sizeof head, "\n== %s ==\n", label(ja, L_SUMMARY));
	table_ok(t, head);
	snprintf(head, sizeof head, "\n== %s ==\n", label(ja, L_DELIVERY));
	table_ok(t, head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setenv("TZ", "Asia/Tokyo", 1);   /* the suite's zone: days and the period are JST */
	tzset();
	struct report r;
	if (report_init(&r, FROM, TO, NULL, NULL))
		abort();
	int fd;
	if (report_read_log(&r, fuzz_memfd_path(&fd, data, size)))
		abort();
	close(fd);
	if (report_read_audit(&r, fuzz_memfd_path(&fd, data, size), true))
		abort();
	close(fd);
	report_finish(&r);

	/* one writer per input, chosen by its length (so a crash replays):
	 * all five outputs of every input held the harness to 700 inputs a
	 * second, and no writer's path depends on another's */
	static const struct { int fmt; bool ja; } writers[] = {
		{ 0, false }, { 0, true }, { 1, false }, { 2, false }, { 2, true } };
	int fmt = writers[size % 5].fmt;
	bool ja = writers[size % 5].ja;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		abort();
	if (fmt == 0)
		report_html(f, &r, ja);
	else if (fmt == 1)
		report_csv(f, &r);
	else
		report_text(f, &r, ja);
	if (fclose(f))
		abort();
	if (fmt == 0)
		html_ok(out, n, &r);
	else if (fmt == 1)
		csv_ok(out, n, &r);
	else
		text_ok(out, n, ja);
	free(out);
	report_free(&r);
	return 0;
}
