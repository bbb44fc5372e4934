/* The `netstat -nltup` step of runbook 000: the socket tables of
 * /proc/net/{tcp,tcp6,udp,udp6}. The parser takes text, so the event
 * handlers can feed it the same files fetched from a remote host. */
#ifndef MAMORI_LISTEN_H
#define MAMORI_LISTEN_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sock {
	int family;                 /* AF_INET or AF_INET6 */
	int proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	unsigned char addr[16];     /* local address, network byte order */
	unsigned port;
	unsigned state;             /* kernel TCP state number (0x0A LISTEN, 0x07 CLOSE) */
	unsigned long long inode;
	unsigned long uid;
	pid_t pid;                  /* owner, 0 when unknown (see sock_find_owners) */
	char comm[32];
};

struct sock_table {
	struct sock *v;
	size_t n, cap;
	size_t bad_lines;           /* lines that did not parse; never fatal */
};

/* Append the entries of one file's text. The addresses are words in the
 * byte order of the host that wrote the file; little_endian says which
 * (x86 and arm64 hosts are). */
void sock_parse(struct sock_table *t, const char *text, size_t len, int family, int proto, bool little_endian);
/* Read the four tables of this host under proc_root(); a missing file (no
 * IPv6) is skipped. Returns the number of files read. */
int sock_read_local(struct sock_table *t);
/* tcp in LISTEN, or udp bound and unconnected (what netstat -lu lists). */
bool sock_listening(const struct sock *s);
void sock_addr_str(const struct sock *s, char *out, size_t size);
/* Fill pid/comm by matching socket inodes in /proc/PID/fd; only processes
 * this user may inspect are found (root sees all, like netstat -p). */
void sock_find_owners(struct sock_table *t);
void sock_table_free(struct sock_table *t);

#endif
