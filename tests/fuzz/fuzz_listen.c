/* /proc/net/tcp* text as the event handlers fetch it from a remote host:
 * anything the other side sends is parsed or counted as a bad line.
 * SOURCES: lib/listen.c */
#include <stdint.h>
#include <stdlib.h>

#include "listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_table t = { 0 };
	sock_parse(&t, (const char *)data, size, size & 1 ? 10 : 2, 6, size & 2);
	char addr[64];
	for (size_t i = 0; i < t.n; i++) {
		sock_addr_str(&t.v[i], addr, sizeof addr);
		(void)sock_listening(&t.v[i]);
	}
	sock_table_free(&t);
	return 0;
}
