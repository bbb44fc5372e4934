/* Base64 (RFC 4648) for SMTP AUTH and HTTP Basic: small enough that a
 * plugin need not load libcrypto for it. */
#ifndef MAMORI_BASE64_H
#define MAMORI_BASE64_H
#include <stddef.h>

/* Encode n bytes; out must hold 4 * ((n + 2) / 3) + 1 bytes. */
void base64_encode(const void *in, size_t n, char *out);

#endif
