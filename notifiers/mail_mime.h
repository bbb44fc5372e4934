/* The mail as bytes on the wire (RFC 5322 + MIME), built by hand because
 * the rules that matter here are few and exact:
 *   - Subject: ASCII and short → as is; otherwise RFC 2047 B encoded-words
 *     of at most 75 characters each, folded with CRLF SP, never splitting a
 *     UTF-8 character (nor an ISO-2022-JP escape run: each word is a whole
 *     ISO-2022-JP sequence that ends in ASCII).
 *   - Body, charset utf-8: quoted-printable when at most a fifth of the
 *     bytes are not ASCII (English, logs: stays readable on the wire),
 *     else base64 (Japanese: a third of QP's size).
 *   - Body, charset iso-2022-jp (old Japanese handsets, runbook 003's
 *     docomo address): converted with iconv, 7bit, lines cut at 300
 *     characters before conversion so none passes 998 octets; a character
 *     ISO-2022-JP has no code for (emoji, U+FFFD) becomes 〓 (geta, the
 *     Japanese convention for "cannot show").
 *   - Every line ends in CRLF; a lone CR or LF in a value becomes CRLF.
 *   - Addresses must be plain addr-specs (local@domain, printable ASCII,
 *     no spaces, quotes, brackets, commas): they go on the SMTP envelope
 *     and into headers unencoded, so anything else is refused.
 *   - Date (RFC 5322, local time with numeric zone) and Message-ID
 *     <ID@host> from the spool id, so a resend carries the same id. */
#ifndef MAMORI_MAIL_MIME_H
#define MAMORI_MAIL_MIME_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

struct mail_parts {
	const char *from;
	const char *const *to;    /* NULL-terminated */
	const char *const *cc;    /* NULL-terminated, may be NULL */
	const char *subject;      /* UTF-8, one line */
	const char *body;         /* UTF-8 */
	const char *charset;      /* "utf-8" or "iso-2022-jp" */
	const char *id;           /* spool id → Message-ID */
	time_t date;
};

/* Is s an address we accept (see above)? */
bool mail_address_ok(const char *s);
/* Is s a charset we can write? Normalises the name into out ("utf-8",
 * "iso-2022-jp"). */
bool mail_charset_ok(const char *s, const char **out);

/* The whole message into out. NULL or a reason. */
const char *mail_build(const struct mail_parts *p, struct buf *out);

/* Pieces, exposed for the tests and for other builders. */
void mail_encode_subject(struct buf *out, const char *subject, const char *charset);
void mail_date(struct buf *out, time_t t);

#endif
