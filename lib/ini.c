#include "ini.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int blank(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Trim [*s, *e) of blanks on both sides. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && blank((unsigned char)**s))
		(*s)++;
	while (*e > *s && blank((unsigned char)(*e)[-1]))
		(*e)--;
}

/* A control character other than TAB inside the line. */
static int has_control(const char *s, const char *e)
{
	for (; s < e; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* An inline comment starts at ';' after a blank, as in inih. */
static const char *inline_comment(const char *s, const char *e)
{
	for (const char *p = s; p < e; p++)
		if (*p == ';' && p > s && blank((unsigned char)p[-1]))
			return p;
	return e;
}

int ini_parse_text(const char *text, size_t len, ini_fn fn, void *user)
{
	const char *p = text, *end = text + len;
	struct buf section = { 0 }, key = { 0 }, value = { 0 };
	int lineno = 0, error = 0;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	buf_puts(&section, "");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl ? nl : end;
		p = nl ? nl + 1 : end;
		lineno++;
		trim(&s, &e);
		if (s == e || *s == ';' || *s == '#')
			continue;
		int ok = 1;
		if (has_control(s, e)) {
			ok = 0;  /* a NUL would cut a value short unseen, a CR end a mail header */
		} else if (*s == '[') {
			const char *close = memchr(s, ']', (size_t)(e - s));
			if (close) {
				const char *a = s + 1, *b = close;
				trim(&a, &b);
				buf_reset(&section);
				buf_add(&section, a, (size_t)(b - a));
			} else
				ok = 0;
		} else {
			const char *eq = s;
			while (eq < e && *eq != '=' && *eq != ':')
				eq++;
			if (eq == e || eq == s) {
				ok = 0;
			} else {
				const char *ks = s, *ke = eq, *vs = eq + 1, *ve = inline_comment(eq + 1, e);
				trim(&ks, &ke);
				trim(&vs, &ve);
				buf_reset(&key);
				buf_add(&key, ks, (size_t)(ke - ks));
				buf_reset(&value);
				buf_add(&value, vs, (size_t)(ve - vs));
				ok = fn(user, buf_cstr(&section), buf_cstr(&key), buf_cstr(&value));
			}
		}
		if (!ok && !error)
			error = lineno;
	}
	/* configs hold secrets: leave none behind in freed memory */
	if (value.s)
		explicit_bzero(value.s, value.len);
	buf_free(&section);
	buf_free(&key);
	buf_free(&value);
	return error;
}

int ini_parse_stream(FILE *f, ini_fn fn, void *user)
{
	struct buf text = { 0 };
	char chunk[8192];
	size_t n;
	bool big = false;
	/* bounded: a config is kB, and /dev/zero or a runaway file must not
	 * eat the memory before any line is judged */
	while (!big && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(&text, chunk, n);
		big = text.len > INI_MAX_BYTES;
	}
	int r = -1;
	if (big)
		errno = EFBIG;
	else if (ferror(f))
		;   /* errno from the read */
	else if (memchr(text.s ? text.s : "", '\0', text.len))
		errno = EILSEQ;
	else
		r = ini_parse_text(text.s ? text.s : "", text.len, fn, user);
	if (text.s)
		explicit_bzero(text.s, text.len);
	buf_free(&text);
	return r;
}
