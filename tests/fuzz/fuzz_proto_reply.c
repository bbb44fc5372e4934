/* What a server sends (SSH banner, FTP/SMTP multi-line replies, POP3 and
 * IMAP greetings and tagged answers): read through a real socket, as the
 * checks and the handlers' re-verify read it. Any bytes end in a result,
 * within the limits of lib/proto.
 * SOURCES: lib/proto.c lib/net.c lib/services.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 100000)
		return 0;
	static const enum reply_style styles[] = { REPLY_LINE, REPLY_SSH, REPLY_CODE, REPLY_POP, REPLY_IMAP };
	for (size_t i = 0; i < sizeof styles / sizeof styles[0] + 1; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 0;
		/* the whole reply, then EOF: a server that closes after speaking */
		if (write(sv[1], data, size) != (ssize_t)size) {
			close(sv[0]);
			close(sv[1]);
			return 0;
		}
		close(sv[1]);
		struct conn c;
		conn_init(&c, 5);
		c.fd = sv[0];
		struct buf text = { 0 };
		int code = 0;
		if (i < sizeof styles / sizeof styles[0]) {
			(void)proto_read_reply(&c, styles[i], styles[i] == REPLY_IMAP ? "m1" : NULL, &text, &code);
		} else {
			const struct service *s = service_find(size && data[0] < 128 ? "imap" : "smtp");
			if (s)
				(void)proto_greeting(&c, s, &text);
		}
		char first[256];
		proto_first_line(text.s ? text.s : "", first, sizeof first);
		if (text.len > PROTO_MAX_REPLY + PROTO_MAX_LINE)
			abort();  /* the limits hold */
		buf_free(&text);
		net_close(&c);
	}
	return 0;
}
