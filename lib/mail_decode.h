/* A received mail's text, decoded to UTF-8 (see mail_decode.c). */
#ifndef MAMORI_MAIL_DECODE_H
#define MAMORI_MAIL_DECODE_H
#include <stddef.h>

#include "buf.h"

/* The Subject (RFC 2047 decoded) and the text of a raw RFC 5322 message
 * (CRLF or LF; a text without a header block is all body). NULL, or a
 * reason when no text part could be read. */
const char *mail_text_body(const char *raw, size_t len, struct buf *subject, struct buf *body);

#endif
