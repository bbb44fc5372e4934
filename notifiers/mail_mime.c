#include "mail_mime.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "template.h"

bool mail_address_ok(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t len = strlen(s);
	if (!at || at == s || !at[1] || len > 254)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7F || strchr("<>()[],;:\\\"", *p))
			return false;
	return true;
}

bool mail_charset_ok(const char *s, const char **out)
{
	if (!strcasecmp(s, "utf-8") || !strcasecmp(s, "utf8")) {
		*out = "utf-8";
		return true;
	}
	if (!strcasecmp(s, "iso-2022-jp") || !strcasecmp(s, "jis")) {
		*out = "iso-2022-jp";
		return true;
	}
	return false;
}

static bool is_jis(const char *charset)
{
	return !strcasecmp(charset, "iso-2022-jp");
}

/* UTF-8 → ISO-2022-JP, ending in ASCII; an unmappable character → 〓. */
static void to_jis(struct buf *out, const char *s, size_t n)
{
	iconv_t cd = iconv_open("ISO-2022-JP", "UTF-8");
	if (cd == (iconv_t)-1) {
		/* no converter: keep ASCII, mark the rest (never invalid bytes) */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x80)
				buf_putc(out, s[i]);
		return;
	}
	static const char geta[] = "\xE3\x80\x93";
	char *in = (char *)s;
	size_t inleft = n;
	char tmp[4096];
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof tmp;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		buf_add(out, tmp, (size_t)(o - tmp));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: skip one character, write 〓 in its place */
		size_t skip = 1;
		while (skip < inleft && ((unsigned char)in[skip] & 0xC0) == 0x80)
			skip++;
		in += skip;
		inleft -= skip;
		char *g = (char *)geta;
		size_t gl = 3;
		o = tmp;
		oleft = sizeof tmp;
		iconv(cd, &g, &gl, &o, &oleft);
		buf_add(out, tmp, (size_t)(o - tmp));
	}
	char *o = tmp;
	size_t oleft = sizeof tmp;
	iconv(cd, NULL, NULL, &o, &oleft);  /* back to ASCII */
	buf_add(out, tmp, (size_t)(o - tmp));
	iconv_close(cd);
}

static void put_word(struct buf *out, const char *charset, const char *raw, size_t n, bool *first)
{
	char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	base64_encode(raw, n, b64);
	if (!*first)
		buf_puts(out, "\r\n ");
	*first = false;
	buf_printf(out, "=?%s?B?%s?=", is_jis(charset) ? "ISO-2022-JP" : "UTF-8", b64);
	free(b64);
}

static size_t next_char(const char *s, size_t i, size_t n)
{
	i++;
	while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* The bytes an ISO-2022-JP word still needs to end in ASCII: ESC ( B
 * unless its last escape already returned there (JIS X 0208 bytes are
 * 0x21-0x7E, never ESC). */
static size_t jis_tail(const struct buf *w)
{
	for (size_t i = w->len; i-- > 0;)
		if (w->s[i] == 0x1B)
			return i + 2 < w->len && w->s[i + 1] == '(' && w->s[i + 2] == 'B' ? 0 : 3;
	return 0;
}

/* One character into a word, the converter's shift state carried on (the
 * encoder writes an escape only when the mode changes, so a character at
 * a time gives the bytes of a whole conversion); unmappable → 〓. */
static void jis_char(iconv_t cd, struct buf *w, const char *s, size_t n)
{
	if (cd == (iconv_t)-1) {
		/* no converter: keep ASCII (never invalid bytes) */
		if (n == 1 && (unsigned char)*s < 0x80)
			buf_putc(w, *s);
		return;
	}
	char tmp[32];
	char *in = (char *)s, *o = tmp;
	size_t inleft = n, oleft = sizeof tmp;
	if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
		static const char geta[] = "\xE3\x80\x93";
		char *g = (char *)geta;
		size_t gl = 3;
		iconv(cd, &g, &gl, &o, &oleft);
	}
	buf_add(w, tmp, (size_t)(o - tmp));
}

/* The longest run of characters from start whose ISO-2022-JP form, ended
 * in ASCII, fits max bytes (at least one character): converted once, a
 * character at a time (converting every longer prefix again made a
 * subject's encoding quadratic). Returns where the next word starts. */
static size_t jis_word(iconv_t cd, struct buf *w, const char *s, size_t start, size_t n, size_t max)
{
	if (cd != (iconv_t)-1)
		iconv(cd, NULL, NULL, NULL, NULL);   /* each word starts in ASCII */
	size_t end = start;
	while (end < n) {
		size_t e2 = next_char(s, end, n), keep = w->len;
		jis_char(cd, w, s + end, e2 - end);
		if (end > start && w->len + jis_tail(w) > max) {
			w->len = keep;   /* the converter moved on: the word ends by our own escape */
			w->s[keep] = '\0';
			break;
		}
		end = e2;
	}
	if (jis_tail(w))
		buf_add(w, "\x1B(B", 3);
	return end;
}

void mail_encode_subject(struct buf *out, const char *subject, const char *charset)
{
	size_t n = strlen(subject);
	if (!utf8_valid(subject, n)) {
		/* a word labelled UTF-8 must hold UTF-8: bad bytes (a plugin's
		 * output in a macro) as U+FFFD (found by fuzz_mail_mime) */
		struct buf fixed = BUF_INIT;
		utf8_sanitize(&fixed, subject, n);
		mail_encode_subject(out, buf_cstr(&fixed), charset);
		buf_free(&fixed);
		return;
	}
	bool ascii = n <= 70;
	for (size_t i = 0; ascii && i < n; i++)
		if ((unsigned char)subject[i] < 0x20 || (unsigned char)subject[i] >= 0x7F)
			ascii = false;
	/* "=?" inside a plain subject would read as an encoded word */
	if (ascii && !strstr(subject, "=?")) {
		buf_puts(out, subject);
		return;
	}
	/* each encoded word at most 75 characters: 12 (UTF-8) or 18
	 * (ISO-2022-JP) of frame leave 63 or 57 for base64, 45 or 42 bytes */
	bool jis = is_jis(charset), first = true;
	iconv_t cd = jis ? iconv_open("ISO-2022-JP", "UTF-8") : (iconv_t)-1;
	size_t start = 0;
	while (start < n) {
		/* the first word shares its line with "Subject: ": 6 bytes less
		 * keep that line within RFC 5322's 78 characters */
		size_t max = (jis ? 42 : 45) - (first ? 6 : 0);
		if (!jis) {
			size_t end = start + utf8_prefix(subject + start, n - start, max);
			if (end == start)
				end = next_char(subject, start, n);
			put_word(out, charset, subject + start, end - start, &first);
			start = end;
			continue;
		}
		struct buf w = BUF_INIT;
		start = jis_word(cd, &w, subject, start, n, max);
		put_word(out, charset, w.s ? w.s : "", w.len, &first);
		buf_free(&w);
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

void mail_date(struct buf *out, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	/* names by table: strftime's %a %b follow the locale */
	buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday], tm.tm_mday,
	           months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
}

/* The body as lines without their ends (CRLF, LF or a lone CR). */
static void split_lines(const char *s, void (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *p = s;
	while (*p) {
		size_t l = strcspn(p, "\r\n");
		fn(ctx, p, l);
		p += l;
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (*p)
			p++;
	}
}

static void qp_line(void *ctx, const char *s, size_t n)
{
	struct buf *out = ctx;
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tok[4];
		bool last = i + 1 == n;
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
			snprintf(tok, sizeof tok, "%c", c);
		else
			snprintf(tok, sizeof tok, "=%02X", c);
		size_t tl = strlen(tok);
		if (col + tl > 75) {
			buf_puts(out, "=\r\n");
			col = 0;
		}
		buf_puts(out, tok);
		col += tl;
	}
	buf_puts(out, "\r\n");
}

static void crlf_line(void *ctx, const char *s, size_t n)
{
	struct buf *out = ctx;
	buf_add(out, s, n);
	buf_puts(out, "\r\n");
}

static void jis_line(void *ctx, const char *s, size_t n)
{
	struct buf *out = ctx;
	/* at most 300 characters per converted piece: under 998 octets */
	size_t start = 0;
	do {
		size_t end = start, chars = 0;
		while (end < n && chars < 300) {
			end = next_char(s, end, n);
			chars++;
		}
		to_jis(out, s + start, end - start);
		buf_puts(out, "\r\n");
		start = end;
	} while (start < n);
}

static void put_addresses(struct buf *out, const char *name, const char *const *list)
{
	if (!list || !list[0])
		return;
	buf_printf(out, "%s: ", name);
	for (size_t i = 0; list[i]; i++)
		buf_printf(out, "%s%s", i ? ",\r\n " : "", list[i]);
	buf_puts(out, "\r\n");
}

static void message_id_host(char *out, size_t size)
{
	char h[256] = "";
	gethostname(h, sizeof h - 1);
	size_t j = 0;
	for (size_t i = 0; h[i] && j + 1 < size; i++)
		if ((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		    h[i] == '.' || h[i] == '-')
			out[j++] = h[i];
	out[j] = '\0';
	if (!j)
		snprintf(out, size, "mamori.invalid");
}

const char *mail_build(const struct mail_parts *p, struct buf *out)
{
	if (!mail_address_ok(p->from))
		return "the sender is not a plain address";
	if (!p->to || !p->to[0])
		return "no recipient";
	for (size_t i = 0; p->to[i]; i++)
		if (!mail_address_ok(p->to[i]))
			return "a recipient is not a plain address";
	for (size_t i = 0; p->cc && p->cc[i]; i++)
		if (!mail_address_ok(p->cc[i]))
			return "a Cc recipient is not a plain address";
	bool jis = is_jis(p->charset);

	/* values are UTF-8 already; sanitise once more, this is the wire */
	struct buf subject = BUF_INIT, body = BUF_INIT;
	utf8_sanitize(&subject, p->subject, strlen(p->subject));
	for (size_t i = 0; i < subject.len; i++)
		if ((unsigned char)subject.s[i] < 0x20 || subject.s[i] == 0x7F)
			subject.s[i] = ' ';
	utf8_sanitize(&body, p->body, strlen(p->body));

	buf_puts(out, "Date: ");
	mail_date(out, p->date);
	buf_printf(out, "\r\nFrom: %s\r\n", p->from);
	put_addresses(out, "To", p->to);
	put_addresses(out, "Cc", p->cc);
	buf_puts(out, "Subject: ");
	mail_encode_subject(out, buf_cstr(&subject), p->charset);
	char host[256];
	message_id_host(host, sizeof host);
	buf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n", p->id, host);
	buf_puts(out, "MIME-Version: 1.0\r\n");

	size_t high = 0;
	for (size_t i = 0; i < body.len; i++)
		high += (unsigned char)body.s[i] >= 0x80;
	const char *b = buf_cstr(&body);
	if (jis) {
		buf_puts(out, "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n"
		              "X-Mailer: mamori " PACKAGE_VERSION "\r\n\r\n");
		split_lines(b, jis_line, out);
	} else if (high * 5 <= body.len) {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
		              "X-Mailer: mamori " PACKAGE_VERSION "\r\n\r\n");
		split_lines(b, qp_line, out);
	} else {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
		              "X-Mailer: mamori " PACKAGE_VERSION "\r\n\r\n");
		/* CRLF line ends inside the encoded text, as RFC 2045 asks */
		struct buf canon = BUF_INIT;
		split_lines(b, crlf_line, &canon);
		char *enc = xmalloc(4 * ((canon.len + 2) / 3) + 1);
		base64_encode(canon.s ? canon.s : "", canon.len, enc);
		for (size_t i = 0, l = strlen(enc); i < l; i += 76) {
			buf_add(out, enc + i, l - i < 76 ? l - i : 76);
			buf_puts(out, "\r\n");
		}
		free(enc);
		buf_free(&canon);
	}
	buf_free(&subject);
	buf_free(&body);
	return NULL;
}
