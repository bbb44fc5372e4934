/* listen_tool FILE tcp|tcp6|udp|udp6 [be]: parse a socket table file as
 * lib/listen does and print one line per entry, then "bad N". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "listen.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 2;
	struct buf text = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	int family = strstr(argv[2], "6") ? AF_INET6 : AF_INET;
	int proto = strncmp(argv[2], "udp", 3) ? IPPROTO_TCP : IPPROTO_UDP;
	bool le = !(argc > 3 && strcmp(argv[3], "be") == 0);
	struct sock_table t = { 0 };
	sock_parse(&t, buf_cstr(&text), text.len, family, proto, le);
	for (size_t i = 0; i < t.n; i++) {
		char addr[64];
		sock_addr_str(&t.v[i], addr, sizeof addr);
		printf("%s %u %02X %llu %lu %s\n", addr, t.v[i].port, t.v[i].state, t.v[i].inode, t.v[i].uid,
		       sock_listening(&t.v[i]) ? "listen" : "-");
	}
	printf("bad %zu\n", t.bad_lines);
	sock_table_free(&t);
	buf_free(&text);
	return 0;
}
