/* UTF-8 helpers: the plugin core's output and the notifiers'. */
#ifndef MAMORI_UTF8_H
#define MAMORI_UTF8_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Length of the valid UTF-8 sequence at s (n bytes left, n > 0), 0 if it
 * is not one (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t utf8_seq(const unsigned char *s, size_t n);
bool utf8_valid(const char *s, size_t n);
/* Append s with every invalid sequence (overlong, surrogate, > U+10FFFF,
 * truncated) replaced by U+FFFD. */
void utf8_sanitize(struct buf *out, const char *s, size_t n);
/* Length in bytes of the longest prefix of s (valid UTF-8) that is at most
 * max bytes and does not split a character. */
size_t utf8_prefix(const char *s, size_t n, size_t max);
/* Count characters (code points) of valid UTF-8. */
size_t utf8_chars(const char *s, size_t n);

#endif
