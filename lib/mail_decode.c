/* A received mail's text as UTF-8: the RFC 5322 header block (folded
 * lines, RFC 2047 encoded words), MIME multiparts (the text/plain part,
 * else text/html reduced to text), base64 and quoted-printable, and any
 * charset iconv knows. Japanese mail gets the fallbacks mail programs
 * need: ISO-2022-JP with the CP50220 (NEC, IBM) extensions goes through
 * CP932, Shift_JIS is read as CP932, EUC-JP as EUC-JP-MS. */
#include "mail_decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The header block ends at the first empty line; a text without one, or
 * whose first line is not "Name: value", is all body (a pasted mail). */
static void split_message(const char *s, size_t len, const char **hdr, size_t *hlen, const char **body, size_t *blen)
{
	size_t i = 0;
	while (i < len && s[i] != ':' && s[i] != '\n' && s[i] != ' ')
		i++;
	if (i == 0 || i >= len || s[i] != ':') {
		*hdr = s; *hlen = 0; *body = s; *blen = len;
		return;
	}
	for (i = 0; i < len; i++)
		if (s[i] == '\n' && (i + 1 == len || s[i + 1] == '\n')) {
			*hdr = s; *hlen = i + 1;
			*body = s + (i + 2 <= len ? i + 2 : len);
			*blen = len - (size_t)(*body - s);
			return;
		}
	*hdr = s; *hlen = len; *body = s + len; *blen = 0;
}

/* One header's value, unfolded; false when absent. */
static bool header_get(const char *h, size_t hlen, const char *name, struct buf *out)
{
	size_t nl = strlen(name);
	buf_reset(out);
	for (size_t i = 0; i < hlen;) {
		size_t eol = i;
		while (eol < hlen && h[eol] != '\n')
			eol++;
		if (eol - i > nl && h[i + nl] == ':' && !strncasecmp(h + i, name, nl)) {
			size_t j = i + nl + 1;
			for (;;) {
				while (j < eol && (h[j] == ' ' || h[j] == '\t'))
					j++;
				buf_add(out, h + j, eol - j);
				/* continuation lines start with white space */
				if (eol + 1 < hlen && (h[eol + 1] == ' ' || h[eol + 1] == '\t')) {
					j = eol + 1;
					eol = j;
					while (eol < hlen && h[eol] != '\n')
						eol++;
					buf_putc(out, ' ');
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

/* A parameter of a structured header: charset=..., boundary="..." */
static bool header_param(const char *v, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (const char *p = v; (p = strchr(p, ';')); ) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) || p[nl] != '=')
			continue;
		p += nl + 1;
		size_t n = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"' && n + 1 < size; p++)
				out[n++] = *p;
		} else {
			for (; *p && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < size; p++)
				out[n++] = *p;
		}
		out[n] = '\0';
		return n > 0;
	}
	return false;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Lenient: skips line breaks and anything outside the alphabet. */
static void base64_decode_to(const char *s, size_t n, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Quoted-printable; in_header: RFC 2047's Q, where '_' is a space. */
static void qp_decode_to(const char *s, size_t n, bool in_header, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
			i++;            /* soft line break */
		} else if (s[i] == '=' && i + 2 < n + 0 && hexval((unsigned char)s[i + 1]) >= 0 &&
		           hexval((unsigned char)s[i + 2]) >= 0) {
			buf_putc(out, (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
			i += 2;
		} else if (s[i] == '_' && in_header) {
			buf_putc(out, ' ');
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* iconv from one charset; false when it does not know it or the bytes
 * are not valid in it. */
static bool iconv_to_utf8(const char *charset, const char *s, size_t n, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return false;
	struct buf tmp = BUF_INIT;
	char chunk[4096];
	char *in = (char *)s;
	size_t left = n;
	bool ok = true;
	while (left) {
		char *o = chunk;
		size_t room = sizeof chunk;
		size_t r = iconv(cd, &in, &left, &o, &room);
		buf_add(&tmp, chunk, sizeof chunk - room);
		if (r == (size_t)-1 && errno != E2BIG) {
			ok = false;
			break;
		}
	}
	if (ok) {  /* flush the shift state */
		char *o = chunk;
		size_t room = sizeof chunk;
		iconv(cd, NULL, NULL, &o, &room);
		buf_add(&tmp, chunk, sizeof chunk - room);
		buf_add(out, tmp.s ? tmp.s : "", tmp.len);
	}
	buf_free(&tmp);
	iconv_close(cd);
	return ok;
}

/* ISO-2022-JP as Outlook and many Japanese mailers write it (CP50220:
 * NEC row 13 ①㈱, IBM extensions, JIS X 0201 kana) is plain arithmetic away
 * from CP932, which iconv reads with those extensions. */
static bool jis_via_cp932(const char *s, size_t n, struct buf *out)
{
	struct buf sj = BUF_INIT;
	enum { ASCII, KANJI, KANA } mode = ASCII;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x1b && i + 2 < n) {
			const char *e = s + i + 1;
			if (!memcmp(e, "$B", 2) || !memcmp(e, "$@", 2))
				mode = KANJI;
			else if (!memcmp(e, "(B", 2) || !memcmp(e, "(J", 2))
				mode = ASCII;
			else if (!memcmp(e, "(I", 2))
				mode = KANA;
			else
				ok = false;
			i += 2;
		} else if (c == '\n' || c == '\r' || mode == ASCII) {
			buf_putc(&sj, (char)c);
		} else if (mode == KANA) {
			buf_putc(&sj, (char)(c | 0x80));
		} else if (i + 1 < n && c >= 0x21 && c <= 0x7e) {
			unsigned j1 = c, j2 = (unsigned char)s[++i];
			unsigned s1 = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
			unsigned s2 = j2 + ((j1 & 1) ? (j2 >= 0x60 ? 0x20 : 0x1f) : 0x7e);
			buf_putc(&sj, (char)s1);
			buf_putc(&sj, (char)s2);
		} else {
			ok = false;
		}
	}
	ok = ok && iconv_to_utf8("CP932", sj.s ? sj.s : "", sj.len, out);
	buf_free(&sj);
	return ok;
}

/* Bytes in charset to UTF-8, with the supersets Japanese mail programs
 * really use behind their labels. false when nothing could read it. */
static bool to_utf8(const char *charset, const char *s, size_t n, struct buf *out)
{
	if (!charset || !*charset || !strcasecmp(charset, "utf-8") || !strcasecmp(charset, "utf8") ||
	    !strcasecmp(charset, "us-ascii")) {
		buf_add(out, s, n);
		return true;
	}
	if (iconv_to_utf8(charset, s, n, out))
		return true;
	if (!strncasecmp(charset, "iso-2022-jp", 11) || !strcasecmp(charset, "cp50220") ||
	    !strcasecmp(charset, "cp50221"))
		return jis_via_cp932(s, n, out);
	if (!strcasecmp(charset, "shift_jis") || !strcasecmp(charset, "sjis") || !strcasecmp(charset, "x-sjis") ||
	    !strcasecmp(charset, "windows-31j"))
		return iconv_to_utf8("CP932", s, n, out);
	if (!strcasecmp(charset, "euc-jp") || !strcasecmp(charset, "x-euc-jp"))
		return iconv_to_utf8("EUC-JP-MS", s, n, out);
	return false;
}

/* RFC 2047 encoded words in a header; white space between two encoded
 * words is dropped, as the RFC says. */
static void header_decode(const char *v, struct buf *out)
{
	const char *p = v;
	bool last_word = false;
	while (*p) {
		const char *q = strstr(p, "=?");
		const char *c2 = q ? strchr(q + 2, '?') : NULL;
		const char *e2 = c2 && c2[1] && c2[2] == '?' ? c2 + 3 : NULL;
		const char *end = e2 ? strstr(e2, "?=") : NULL;
		if (!end) {
			buf_puts(out, p);
			break;
		}
		/* text before the word, unless it is only white space between words */
		bool blank = true;
		for (const char *s = p; s < q; s++)
			if (*s != ' ' && *s != '\t')
				blank = false;
		if (!(blank && last_word))
			buf_add(out, p, (size_t)(q - p));
		char charset[64];
		size_t cl = (size_t)(c2 - (q + 2));
		if (cl >= sizeof charset)
			cl = sizeof charset - 1;
		memcpy(charset, q + 2, cl);
		charset[cl] = '\0';
		char *star = strchr(charset, '*');  /* RFC 2231 language */
		if (star)
			*star = '\0';
		struct buf raw = BUF_INIT;
		if (c2[1] == 'B' || c2[1] == 'b')
			base64_decode_to(e2, (size_t)(end - e2), &raw);
		else
			qp_decode_to(e2, (size_t)(end - e2), true, &raw);
		if (!to_utf8(charset, raw.s ? raw.s : "", raw.len, out))
			buf_add(out, q, (size_t)(end + 2 - q));
		buf_free(&raw);
		p = end + 2;
		last_word = true;
	}
	buf_cstr(out);
}

/* Crude HTML to text for an HTML-only mail: tags out, line breaks kept. */
static void html_to_text(struct buf *b)
{
	struct buf t = BUF_INIT;
	const char *s = buf_cstr(b);
	static const struct { const char *ent, *ch; } ents[] = {
		{ "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" }, { "&quot;", "\"" }, { "&nbsp;", " " },
		{ "&#39;", "'" },
	};
	while (*s) {
		if (*s == '<') {
			if (!strncasecmp(s, "<br", 3) || !strncasecmp(s, "</p", 3) || !strncasecmp(s, "</div", 5) ||
			    !strncasecmp(s, "</tr", 4) || !strncasecmp(s, "</li", 4))
				buf_putc(&t, '\n');
			const char *gt = strchr(s, '>');
			s = gt ? gt + 1 : s + strlen(s);
			continue;
		}
		if (*s == '&') {
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
				if (!strncmp(s, ents[k].ent, strlen(ents[k].ent)))
					break;
			if (k < sizeof ents / sizeof ents[0]) {
				buf_puts(&t, ents[k].ch);
				s += strlen(ents[k].ent);
				continue;
			}
		}
		buf_putc(&t, *s++);
	}
	buf_free(b);
	*b = t;
}

/* The first text/plain part (else the first text/html one) of an entity,
 * decoded to UTF-8 into out; 2 = plain found, 1 = html found, 0 = none. */
static int entity_text(const char *s, size_t len, const char *outer_type, int depth, struct buf *out)
{
	const char *h, *body;
	size_t hl, bl;
	/* a MIME part always has its (possibly empty) header block */
	if (depth > 0 && len && s[0] == '\n') {
		h = s; hl = 0; body = s + 1; bl = len - 1;
	} else if (depth > 0) {
		h = s; hl = 0; body = s; bl = len;
		for (size_t i = 0; i + 1 < len; i++)
			if (s[i] == '\n' && s[i + 1] == '\n') {
				hl = i + 1; body = s + i + 2; bl = len - (i + 2);
				break;
			}
	} else {
		split_message(s, len, &h, &hl, &body, &bl);
	}
	struct buf ct = BUF_INIT, cte = BUF_INIT;
	if (!header_get(h, hl, "Content-Type", &ct))
		buf_puts(&ct, outer_type);
	header_get(h, hl, "Content-Transfer-Encoding", &cte);
	const char *type = buf_cstr(&ct);
	int found = 0;
	char param[256];
	if (!strncasecmp(type, "multipart/", 10)) {
		if (depth < 8 && header_param(type, "boundary", param, sizeof param)) {
			const char *sub = !strncasecmp(type, "multipart/digest", 16) ? "message/rfc822" : "text/plain";
			struct buf html = BUF_INIT;
			char delim[300];
			int dl = snprintf(delim, sizeof delim, "--%s", param);
			const char *p = body, *end = body + bl, *part = NULL;
			while (p < end && found < 2) {
				const char *eol = memchr(p, '\n', (size_t)(end - p));
				if (!eol)
					eol = end;
				bool is_delim = (size_t)(eol - p) >= (size_t)dl && !memcmp(p, delim, (size_t)dl);
				if (is_delim) {
					if (part) {
						size_t plen = (size_t)(p - part);
						if (plen && part[plen - 1] == '\n')
							plen--;
						struct buf t = BUF_INIT;
						int r = entity_text(part, plen, sub, depth + 1, &t);
						if (r == 2) {
							buf_add(out, t.s ? t.s : "", t.len);
							found = 2;
						} else if (r == 1 && !html.len) {
							buf_add(&html, t.s ? t.s : "", t.len);
						}
						buf_free(&t);
					}
					if (eol - p >= dl + 2 && p[dl] == '-' && p[dl + 1] == '-')
						break;
					part = eol < end ? eol + 1 : end;
				}
				p = eol < end ? eol + 1 : end;
			}
			if (found < 2 && html.len) {
				buf_add(out, html.s, html.len);
				found = 1;
			}
			buf_free(&html);
		}
	} else if (!strncasecmp(type, "message/rfc822", 14)) {
		if (depth < 8)
			found = entity_text(body, bl, "text/plain", 0, out);
	} else if (!strncasecmp(type, "text/", 5) || !*type) {
		bool html = !strncasecmp(type, "text/html", 9);
		bool plain = !html && (!strncasecmp(type, "text/plain", 10) || !*type);
		if (html || plain) {
			struct buf raw = BUF_INIT;
			const char *enc = buf_cstr(&cte);
			if (!strncasecmp(enc, "base64", 6))
				base64_decode_to(body, bl, &raw);
			else if (!strncasecmp(enc, "quoted-printable", 16))
				qp_decode_to(body, bl, false, &raw);
			else
				buf_add(&raw, body, bl);
			if (!header_param(type, "charset", param, sizeof param))
				param[0] = '\0';
			/* an unlabelled 8-bit body: UTF-8 if it is, else the
			 * Japanese mail default */
			if (!param[0] && raw.len && memchr(raw.s, 0x1b, raw.len))
				snprintf(param, sizeof param, "ISO-2022-JP");
			struct buf t = BUF_INIT;
			if (to_utf8(param, raw.s ? raw.s : "", raw.len, &t)) {
				if (html)
					html_to_text(&t);
				buf_add(out, t.s ? t.s : "", t.len);
				found = html ? 1 : 2;
			}
			buf_free(&t);
			buf_free(&raw);
		}
	}
	buf_free(&ct);
	buf_free(&cte);
	buf_cstr(out);
	return found;
}

const char *mail_text_body(const char *raw, size_t len, struct buf *subject, struct buf *body)
{
	/* CRLF (and lone CR) to LF once, so the rest deals with one form */
	struct buf m = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\r') {
			buf_putc(&m, '\n');
			if (i + 1 < len && raw[i + 1] == '\n')
				i++;
		} else if (raw[i] != '\0') {
			buf_putc(&m, raw[i]);
		}
	}
	const char *h, *b;
	size_t hl, bl;
	split_message(buf_cstr(&m), m.len, &h, &hl, &b, &bl);
	struct buf v = BUF_INIT;
	buf_reset(subject);
	if (header_get(h, hl, "Subject", &v))
		header_decode(v.s, subject);
	buf_cstr(subject);
	buf_free(&v);
	buf_reset(body);
	int r = entity_text(m.s ? m.s : "", m.len, "text/plain", 0, body);
	buf_free(&m);
	return r ? NULL : "the mail has no text part this can read";
}

