/* The 静観依頼 mail (anyone can send one): MIME, RFC 2047 headers,
 * charsets, Japanese dates. Parsed into windows or refused with a reason.
 * SOURCES: lib/silence_mail.c lib/mail_decode.c lib/silence.c lib/state.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail_decode.h"
#include "silence_mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct silence_request req;
	memset(&req, 0, sizeof req);
	if (!silence_mail_parse((const char *)data, size, 1795000000, &req)) {
		if (req.end <= req.start || !req.servers || !req.servers[0])
			abort();  /* an accepted request is a usable window */
	}
	silence_request_free(&req);
	struct buf subject = { 0 }, body = { 0 };
	(void)mail_text_body((const char *)data, size, &subject, &body);
	buf_free(&subject);
	buf_free(&body);
	return 0;
}
