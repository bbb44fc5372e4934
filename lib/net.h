/* TCP client with one deadline for the whole dialogue: resolve, try every
 * address of the name in turn (non-blocking connect + poll), then bounded
 * reads and writes. TLS plugs in through conn_ops (lib/tls.c), so a plugin
 * that never speaks TLS does not link OpenSSL.
 * Each step returns a result code; the plugin decides what to say. */
#ifndef MAMORI_NET_H
#define MAMORI_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

enum net_result {
	NET_OK = 0,
	NET_RESOLVE_FAIL,       /* the name does not resolve */
	NET_REFUSED,            /* every address refused the connection */
	NET_CONNECT_TIMEOUT,    /* no address answered before the deadline */
	NET_UNREACHABLE,        /* network/host unreachable and similar */
	NET_TIMEOUT,            /* a read or write did not finish in time */
	NET_CLOSED,             /* the peer closed the connection */
	NET_IO_ERROR,
	NET_TOO_LONG,           /* a line or reply over the limit */
	NET_TLS_FAIL,           /* handshake failed */
	NET_TLS_VERIFY_FAIL,    /* handshake done, certificate not trusted */
	NET_PROTO_FAIL,         /* the peer said something the dialogue does not allow */
};

struct conn;

/* A transport: plain sockets by default, TLS when lib/tls.c installs its
 * own. read/write return >0, 0 on orderly close, or -1 with *want set to
 * POLLIN/POLLOUT when they would block (any other errno is an error). */
struct conn_ops {
	ssize_t (*read)(struct conn *c, void *buf, size_t n, short *want);
	ssize_t (*write)(struct conn *c, const void *buf, size_t n, short *want);
	void (*close)(struct conn *c);
};

struct conn {
	int fd;
	int family;
	char addr[64];              /* the address that answered */
	unsigned port;
	const struct conn_ops *ops;
	void *tls;                  /* transport state (SSL *) */
	double deadline;            /* monotonic seconds */
	double t_start, t_connected;
	char rbuf[16384];
	size_t rpos, rlen;
	char detail[256];           /* why the last step failed, for the status line */
	size_t bytes_in;
};

/* family: AF_UNSPEC, AF_INET or AF_INET6. seconds: the whole dialogue. */
void conn_init(struct conn *c, double seconds);
enum net_result net_connect(struct conn *c, const char *host, unsigned port, int family);
enum net_result net_write(struct conn *c, const void *buf, size_t len);
enum net_result net_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line without its "\r\n"; at most max bytes (NET_TOO_LONG beyond). */
enum net_result net_read_line(struct conn *c, struct buf *line, size_t max);
/* Whatever arrives next (at least one byte), appended; at most max in all. */
enum net_result net_read_some(struct conn *c, struct buf *out, size_t max);
/* Wait for the socket (used by transports during a handshake). */
enum net_result net_wait(struct conn *c, short events);
void net_close(struct conn *c);
double net_elapsed(const struct conn *c);
const char *net_result_text(enum net_result r);

/* "host" or "[v6]" for messages */
void net_format_target(const char *host, unsigned port, char *out, size_t size);

#endif
