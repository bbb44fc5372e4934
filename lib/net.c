#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "timeout.h"

static ssize_t plain_read(struct conn *c, void *buf, size_t n, short *want)
{
	ssize_t r = recv(c->fd, buf, n, 0);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		*want = POLLIN;
	return r;
}

static ssize_t plain_write(struct conn *c, const void *buf, size_t n, short *want)
{
	ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		*want = POLLOUT;
	return r;
}

static void plain_close(struct conn *c)
{
	(void)c;
}

static const struct conn_ops plain_ops = { plain_read, plain_write, plain_close };

void conn_init(struct conn *c, double seconds)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->ops = &plain_ops;
	c->t_start = monotonic_now();
	/* answer by ourselves a little before the -t alarm would */
	double left = timeout_remaining() - 0.05;
	if (seconds > left)
		seconds = left;
	if (seconds < 0.01)
		seconds = 0.01;
	c->deadline = c->t_start + seconds;
}

double net_elapsed(const struct conn *c)
{
	return monotonic_now() - c->t_start;
}

static int ms_left(const struct conn *c)
{
	double left = c->deadline - monotonic_now();
	if (left <= 0)
		return 0;
	return left > 86400 ? 86400000 : (int)(left * 1000) + 1;
}

enum net_result net_wait(struct conn *c, short events)
{
	for (;;) {
		int ms = ms_left(c);
		if (ms == 0)
			return NET_TIMEOUT;
		struct pollfd p = { .fd = c->fd, .events = events };
		int r = poll(&p, 1, ms);
		if (r > 0)
			return NET_OK;
		if (r == 0)
			return NET_TIMEOUT;
		if (errno != EINTR)
			return NET_IO_ERROR;
	}
}

/* One address: non-blocking connect, then poll until it completes. */
static enum net_result try_connect(struct conn *c, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		snprintf(c->detail, sizeof c->detail, "socket: %s", strerror(errno));
		return NET_IO_ERROR;
	}
	c->fd = fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		c->fd = -1;
		snprintf(c->detail, sizeof c->detail, "%s", strerror(e));
		return e == ECONNREFUSED ? NET_REFUSED : NET_UNREACHABLE;
	}
	enum net_result r = net_wait(c, POLLOUT);
	if (r != NET_OK) {
		close(fd);
		c->fd = -1;
		snprintf(c->detail, sizeof c->detail, "no answer to the connection");
		return r == NET_TIMEOUT ? NET_CONNECT_TIMEOUT : r;
	}
	int err = 0;
	socklen_t len = sizeof err;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		close(fd);
		c->fd = -1;
		snprintf(c->detail, sizeof c->detail, "%s", strerror(err));
		return err == ECONNREFUSED ? NET_REFUSED : err == ETIMEDOUT ? NET_CONNECT_TIMEOUT : NET_UNREACHABLE;
	}
	return NET_OK;
}

enum net_result net_connect(struct conn *c, const char *host, unsigned port, int family)
{
	/* an address literal first: no lookup, and no AI_ADDRCONFIG, whose
	 * netlink dump of the interfaces costs more than a loopback query */
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char service[16];
	snprintf(service, sizeof service, "%u", port);
	c->port = port;
	int gai = getaddrinfo(host, service, &hints, &res);
	if (gai == EAI_NONAME) {
		hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
		gai = getaddrinfo(host, service, &hints, &res);
	}
	if (gai == EAI_NONAME || gai == EAI_ADDRFAMILY) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback v6: ask again */
		hints.ai_flags &= ~AI_ADDRCONFIG;
		gai = getaddrinfo(host, service, &hints, &res);
	}
	if (gai != 0) {
		snprintf(c->detail, sizeof c->detail, "cannot resolve %s: %s", host, gai_strerror(gai));
		return NET_RESOLVE_FAIL;
	}
	/* Try every address in turn, as the resolver ordered them; keep the
	 * most telling failure (a refusal says more than a timeout). */
	enum net_result last = NET_CONNECT_TIMEOUT;
	char last_detail[sizeof c->detail] = "";
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ms_left(c) == 0)
			break;
		enum net_result r = try_connect(c, ai);
		void *a = ai->ai_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
		                                    : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		inet_ntop(ai->ai_family, a, c->addr, sizeof c->addr);
		if (r == NET_OK) {
			c->family = ai->ai_family;
			c->t_connected = monotonic_now();
			freeaddrinfo(res);
			return NET_OK;
		}
		if (last != NET_REFUSED || r == NET_REFUSED) {
			last = r;
			snprintf(last_detail, sizeof last_detail, "%s", c->detail);
		}
	}
	freeaddrinfo(res);
	snprintf(c->detail, sizeof c->detail, "%s", last_detail[0] ? last_detail : "no address answered in time");
	return last;
}

enum net_result net_write(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		short want = 0;
		ssize_t n = c->ops->write(c, p, len, &want);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && want) {
			enum net_result r = net_wait(c, want);
			if (r != NET_OK)
				return r;
			continue;
		}
		snprintf(c->detail, sizeof c->detail, "send failed: %s", n == 0 ? "closed" : strerror(errno));
		return n == 0 || errno == EPIPE || errno == ECONNRESET ? NET_CLOSED : NET_IO_ERROR;
	}
	return NET_OK;
}

enum net_result net_printf(struct conn *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	enum net_result r = net_write(c, buf_cstr(&b), b.len);
	buf_free(&b);
	return r;
}

/* Refill the read buffer; NET_OK when at least one byte is there. */
static enum net_result fill(struct conn *c)
{
	if (c->rpos < c->rlen)
		return NET_OK;
	c->rpos = c->rlen = 0;
	for (;;) {
		short want = 0;
		ssize_t n = c->ops->read(c, c->rbuf, sizeof c->rbuf, &want);
		if (n > 0) {
			c->rlen = (size_t)n;
			c->bytes_in += (size_t)n;
			return NET_OK;
		}
		if (n == 0)
			return NET_CLOSED;
		if (want) {
			enum net_result r = net_wait(c, want);
			if (r != NET_OK)
				return r;
			continue;
		}
		snprintf(c->detail, sizeof c->detail, "receive failed: %s", strerror(errno));
		return errno == ECONNRESET ? NET_CLOSED : NET_IO_ERROR;
	}
}

enum net_result net_read_line(struct conn *c, struct buf *line, size_t max)
{
	buf_reset(line);
	for (;;) {
		enum net_result r = fill(c);
		if (r != NET_OK)
			return r;
		char *start = c->rbuf + c->rpos;
		size_t avail = c->rlen - c->rpos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		if (line->len + take > max) {
			snprintf(c->detail, sizeof c->detail, "a line longer than %zu bytes", max);
			return NET_TOO_LONG;
		}
		buf_add(line, start, take);
		c->rpos += take + (nl != NULL);
		if (nl) {
			if (line->len && line->s[line->len - 1] == '\r')
				line->s[--line->len] = '\0';
			return NET_OK;
		}
	}
}

enum net_result net_read_some(struct conn *c, struct buf *out, size_t max)
{
	if (out->len >= max)
		return NET_TOO_LONG;
	enum net_result r = fill(c);
	if (r != NET_OK)
		return r;
	size_t take = c->rlen - c->rpos;
	if (take > max - out->len)
		take = max - out->len;
	buf_add(out, c->rbuf + c->rpos, take);
	c->rpos += take;
	return NET_OK;
}

void net_close(struct conn *c)
{
	if (c->ops && c->ops->close)
		c->ops->close(c);
	c->ops = &plain_ops;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

const char *net_result_text(enum net_result r)
{
	switch (r) {
	case NET_OK: return "ok";
	case NET_RESOLVE_FAIL: return "name does not resolve";
	case NET_REFUSED: return "connection refused";
	case NET_CONNECT_TIMEOUT: return "connection timed out";
	case NET_UNREACHABLE: return "network unreachable";
	case NET_TIMEOUT: return "timed out waiting for the server";
	case NET_CLOSED: return "connection closed by the server";
	case NET_IO_ERROR: return "network error";
	case NET_TOO_LONG: return "reply too long";
	case NET_TLS_FAIL: return "TLS handshake failed";
	case NET_TLS_VERIFY_FAIL: return "certificate not trusted";
	case NET_PROTO_FAIL: return "unexpected reply";
	}
	return "error";
}

void net_format_target(const char *host, unsigned port, char *out, size_t size)
{
	if (strchr(host, ':'))
		snprintf(out, size, "[%s]:%u", host, port);
	else
		snprintf(out, size, "%s:%u", host, port);
}
