/* notify_mail's Subject: encoding (the subject is a template expanded with
 * Nagios macros: a plugin's output is in it). Every encoded word is at
 * most 75 characters (RFC 2047), and the header decodes back to the
 * input, invalid UTF-8 as U+FFFD. ISO-2022-JP too (lengths only: not
 * every character has a JIS form).
 * SOURCES: notifiers/mail_mime.c lib/base64.c lib/template.c lib/secret.c lib/template_builtin.c lib/macros.c lib/mail_decode.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail_decode.h"
#include "mail_mime.h"
#include "template.h"

static void words_ok(struct buf *b)
{
	const char *s = buf_cstr(b);
	while (*s) {
		size_t n = strcspn(s, " \r\n\t");
		if (n > 2 && !strncmp(s, "=?", 2) && n > 75)
			abort();
		s += n;
		s += strspn(s, " \r\n\t");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *subject = malloc(size + 1);
	if (!subject)
		return 0;
	memcpy(subject, data, size);
	subject[size] = '\0';
	bool plain = true;   /* the one-line subject the caller hands over */
	for (char *p = subject; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			plain = false;
	struct buf enc = BUF_INIT, jis = BUF_INIT;
	mail_encode_subject(&enc, subject, "utf-8");
	words_ok(&enc);
	mail_encode_subject(&jis, subject, "iso-2022-jp");
	words_ok(&jis);
	if (plain && enc.len) {
		struct buf raw = BUF_INIT, got = BUF_INIT, body = BUF_INIT, want = BUF_INIT;
		buf_printf(&raw, "Subject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n", enc.s);
		if (!mail_text_body(raw.s, raw.len, &got, &body)) {
			utf8_sanitize(&want, subject, strlen(subject));
			/* blanks at the ends of a plain header are its syntax, not text */
			const char *g = buf_cstr(&got), *w = buf_cstr(&want);
			size_t gl = got.len, wl = want.len;
			while (*g == ' ')
				g++, gl--;
			while (*w == ' ')
				w++, wl--;
			while (gl && g[gl - 1] == ' ')
				gl--;
			while (wl && w[wl - 1] == ' ')
				wl--;
			if (gl != wl || memcmp(g, w, wl))
				abort();
		}
		buf_free(&raw);
		buf_free(&got);
		buf_free(&body);
		buf_free(&want);
	}
	buf_free(&enc);
	buf_free(&jis);
	free(subject);
	return 0;
}
