#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

void tmpl_escape(struct buf *out, const char *s, size_t n, enum tmpl_escape esc)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (esc) {
		case ESC_TEXT:
			buf_putc(out, (char)c);
			break;
		case ESC_HEADER:
			/* no CR/LF can reach a header: a value never starts a new one */
			buf_putc(out, c < 0x20 || c == 0x7F ? ' ' : (char)c);
			break;
		case ESC_JSON:
			if (c == '"' || c == '\\') {
				buf_putc(out, '\\');
				buf_putc(out, (char)c);
			} else if (c == '\n') {
				buf_puts(out, "\\n");
			} else if (c == '\r') {
				buf_puts(out, "\\r");
			} else if (c == '\t') {
				buf_puts(out, "\\t");
			} else if (c < 0x20 || c == 0x7F) {
				buf_printf(out, "\\u%04x", c);
			} else {
				buf_putc(out, (char)c);
			}
			break;
		case ESC_XML:
			if (c == '&')
				buf_puts(out, "&amp;");
			else if (c == '<')
				buf_puts(out, "&lt;");
			else if (c == '>')
				buf_puts(out, "&gt;");
			else if (c == '"')
				buf_puts(out, "&quot;");
			else if (c == '\'')
				buf_puts(out, "&apos;");
			else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
				;  /* not allowed in XML 1.0 */
			else
				buf_putc(out, (char)c);
			break;
		}
	}
}

/* Monit's mail-format variables (runbook 003) → ours. */
static const struct {
	const char *monit, *ours, *fallback;
} monit_vars[] = {
	{ "DESCRIPTION", "OUTPUT", NULL },
	{ "SERVICE", "ALERT", NULL },
	{ "ACTION", "ACTION", NULL },
	{ "EVENT", "TYPE", NULL },
	{ "DATE", "DATETIME", "DATE_EN" },
	{ "HOST", "HOST", NULL },
};

static void put_var(struct buf *out, const char *name, size_t len, enum tmpl_escape esc, tmpl_lookup_fn fn,
                    void *ctx)
{
	struct buf v = BUF_INIT;
	if (fn(ctx, name, len, &v) && v.len) {
		/* the value is sanitised here too: a lookup may return anything */
		struct buf clean = BUF_INIT;
		utf8_sanitize(&clean, v.s, v.len);
		tmpl_escape(out, clean.s, clean.len, esc);
		buf_free(&clean);
	}
	buf_free(&v);
}

void tmpl_expand(struct buf *out, const char *text, enum tmpl_escape esc, tmpl_lookup_fn fn, void *ctx)
{
	const char *p = text;
	while (*p) {
		const char *d = strchr(p, '$');
		if (!d) {
			buf_puts(out, p);
			return;
		}
		buf_add(out, p, (size_t)(d - p));
		if (d[1] == '$') {
			buf_putc(out, '$');
			p = d + 2;
			continue;
		}
		if (d[1] == '{') {
			const char *end = strchr(d + 2, '}');
			if (end) {
				put_var(out, d + 2, (size_t)(end - d - 2), esc, fn, ctx);
				p = end + 1;
				continue;
			}
		}
		bool matched = false;
		for (size_t i = 0; i < sizeof monit_vars / sizeof monit_vars[0]; i++) {
			size_t l = strlen(monit_vars[i].monit);
			/* the byte after the name only once the name matched: before
			 * that d + 1 + l may lie past the end of the text */
			if (strncmp(d + 1, monit_vars[i].monit, l))
				continue;
			char next = d[1 + l];
			if (!((next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') ||
			      (next >= '0' && next <= '9') || next == '_')) {
				struct buf probe = BUF_INIT;
				const char *name = monit_vars[i].ours;
				if (monit_vars[i].fallback && (!fn(ctx, name, strlen(name), &probe) || !probe.len))
					name = monit_vars[i].fallback;
				buf_free(&probe);
				put_var(out, name, strlen(name), esc, fn, ctx);
				p = d + 1 + l;
				matched = true;
				break;
			}
		}
		if (!matched) {
			buf_putc(out, '$');
			p = d + 1;
		}
	}
}

static bool notice_lookup(void *ctx, const char *name, size_t len, struct buf *out)
{
	return notice_var(ctx, name, len, out);
}

void tmpl_render(struct buf *out, const char *text, enum tmpl_escape esc, const struct notice *n)
{
	tmpl_expand(out, text, esc, notice_lookup, (void *)n);
}

void template_parse(struct template *t, const char *raw)
{
	/* a template file is UTF-8 by definition; a stray byte (a file saved
	 * in Shift_JIS) must not make every message it renders invalid */
	struct buf clean = { 0 };
	utf8_sanitize(&clean, raw, strlen(raw));
	const char *text = clean.s ? clean.s : "";
	free(t->subject);
	free(t->body);
	if (!strncmp(text, "Subject:", 8)) {
		const char *s = text + 8, *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
			len--;
		t->subject = xmalloc(len + 1);
		memcpy(t->subject, s, len);
		t->subject[len] = '\0';
		text = nl ? nl + 1 : s + len;
		if (*text == '\n')
			text++;
		else if (text[0] == '\r' && text[1] == '\n')
			text += 2;
	} else {
		t->subject = xstrdup("");
	}
	t->body = xstrdup(text);
	buf_free(&clean);
}

/* A template file: at most 1 MB, text, not empty (lib/secret's reader
 * refuses a FIFO, a device or a directory at once). */
static const char *read_file(const char *path, struct buf *out)
{
	static char why[PATH_MAX + 96];
	const char *e = file_read_all(path, 1024 * 1024, out);
	if (e)
		return e;
	if (out->len == 0) {
		snprintf(why, sizeof why, "%s: empty", path);
		return why;
	}
	if (memchr(buf_cstr(out), '\0', out->len)) {
		snprintf(why, sizeof why, "%s: not a text file", path);
		return why;
	}
	return NULL;
}

const char *template_load(struct template *t, const char *name, const char *dir)
{
	static char why[PATH_MAX + 160];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	struct buf text = BUF_INIT;
	const char *err = NULL;
	if (strchr(name, '/')) {
		err = read_file(name, &text);
		t->origin = xstrdup(name);
	} else {
		char path[PATH_MAX];
		struct stat st;
		bool safe = *name && name[0] != '.' && strlen(name) < 128;
		if (safe && dir && *dir && (size_t)snprintf(path, sizeof path, "%s/%s.txt", dir, name) < sizeof path &&
		    stat(path, &st) == 0) {
			err = read_file(path, &text);
			t->origin = xstrdup(path);
		} else {
			const char *b = template_builtin(name);
			if (!b) {
				snprintf(why, sizeof why, "no template named '%.100s' (built-in: mail-000-ja, mail-004-ja, "
				         "mail-000-en, mail-004-en, chat-ja, chat-en, call-ja, call-en)", name);
				err = why;
			} else {
				buf_puts(&text, b);
				t->origin = xstrdup("built-in");
			}
		}
	}
	if (!err) {
		struct buf clean = BUF_INIT;
		utf8_sanitize(&clean, text.s ? text.s : "", text.len);
		template_parse(t, buf_cstr(&clean));
		buf_free(&clean);
	}
	buf_free(&text);
	return err;
}

void template_free(struct template *t)
{
	free(t->name);
	free(t->origin);
	free(t->subject);
	free(t->body);
	memset(t, 0, sizeof *t);
}
