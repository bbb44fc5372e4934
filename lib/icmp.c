#include "icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "proc.h"
#include "timeout.h"

/* <linux/icmp.h> clashes with <netinet/ip_icmp.h>; these two are all we need. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
struct icmp_filter_bits {
	uint32_t data;   /* a set bit drops that ICMP type */
};

enum { HDR = 8, RBUF = 65536 + 512 };
enum probe_status { P_UNSENT, P_SENT, P_REPLIED, P_ERRORED, P_FAILED };

struct probe {
	double sent_at;     /* monotonic seconds */
	uint32_t host;
	uint8_t status;
};

struct run {
	struct icmp_session *s;
	struct icmp_host *hosts;
	size_t nhosts;
	const struct icmp_opts *o;
	struct probe *probes;   /* indexed by sequence number */
	size_t nprobes;
	size_t outstanding;     /* sent, neither answered nor refused */
	unsigned char *pkt;     /* the echo request being sent */
	unsigned char *rbuf;
};

static int fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

const char *icmp_kind_name(enum icmp_kind k)
{
	switch (k) {
	case ICMP_KIND_DGRAM: return "ICMP datagram socket (unprivileged, net.ipv4.ping_group_range)";
	case ICMP_KIND_RAW: return "raw socket (CAP_NET_RAW)";
	case ICMP_KIND_NONE: break;
	}
	return "no socket";
}

/* ---- host names --------------------------------------------------------- */

static bool numeric_v4_form(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s);
}

static bool numeric_ok(const char *name, int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (res)
		freeaddrinfo(res);
	return rc == 0;
}

const char *icmp_host_syntax(const char *name)
{
	size_t len = strlen(name);
	if (len == 0)
		return "empty host name";
	if (len > 253)
		return "host name longer than 253 characters";
	if (strchr(name, ':'))
		return numeric_ok(name, AF_INET6) ? NULL : "not a valid IPv6 address";
	/* an all-numeric name is an address or a typo, never a DNS name */
	if (numeric_v4_form(name))
		return numeric_ok(name, AF_INET) ? NULL : "not a valid IPv4 address";
	const char *p = name;
	while (*p) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			return "not a valid host name";
		p += n;
		if (*p == '.')
			p++;
		else if (*p)
			return "not a valid host name";
	}
	return NULL;
}

bool icmp_resolve(struct icmp_host *h, int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	const char *as = family == AF_INET ? " as IPv4" : family == AF_INET6 ? " as IPv6" : "";
	int rc = getaddrinfo(h->name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(h->problem, sizeof h->problem, "cannot resolve '%s'%s: %s", h->name, as,
		         rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return false;
	}
	const struct addrinfo *ai = res;
	while (ai && ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
		ai = ai->ai_next;
	if (!ai || ai->ai_addrlen > sizeof h->addr) {
		freeaddrinfo(res);
		snprintf(h->problem, sizeof h->problem, "cannot resolve '%s'%s: no IP address", h->name, as);
		return false;
	}
	memcpy(&h->addr, ai->ai_addr, ai->ai_addrlen);
	h->addrlen = ai->ai_addrlen;
	freeaddrinfo(res);
	if (getnameinfo((struct sockaddr *)&h->addr, h->addrlen, h->addrtext, sizeof h->addrtext,
	                NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(h->addrtext, sizeof h->addrtext, "?");
	h->resolved = true;
	return true;
}

/* ---- sockets ------------------------------------------------------------ */

static void drop_capabilities(void)
{
	/* The raw socket is open; a bug in the reply parser must not find
	 * CAP_NET_RAW (from `setcap cap_net_raw+ep`) still there to abuse. */
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	(void)syscall(SYS_capset, &hdr, data);
}

static int open_dgram(int family, int *err)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	/* ICMP errors (unreachable, TTL exceeded) about our probes arrive on
	 * the error queue only when asked for. */
	int on = 1;
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
	return fd;
}

static int open_raw(int family, int *err)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	/* A raw socket gets every ICMP packet of the host: let the kernel drop
	 * what can never answer us (other hosts' echo requests, redirects...). */
	if (family == AF_INET) {
		struct icmp_filter_bits f = { ~(uint32_t)((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
		                                          (1u << ICMP_TIME_EXCEEDED) | (1u << ICMP_PARAMETERPROB)) };
		setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
	} else {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
	}
	return fd;
}

/* Why neither socket could be had, in terms an operator can act on. */
static const char *open_failure(int family, int dgram_err, int raw_err)
{
	static char why[400];
	const char *fam = family == AF_INET ? "ICMP" : "ICMPv6";
	if (dgram_err == EAFNOSUPPORT || raw_err == EAFNOSUPPORT) {
		snprintf(why, sizeof why, "cannot open an %s socket: %s (IPv6 disabled in this kernel?)", fam,
		         strerror(EAFNOSUPPORT));
		return why;
	}
	char range[64] = "";
	ssize_t n = read_text_file("/proc/sys/net/ipv4/ping_group_range", range, sizeof range);
	if (n <= 0)
		snprintf(range, sizeof range, "unreadable");
	range[strcspn(range, "\n")] = '\0';
	for (char *p = range; *p; p++)
		if (*p == '\t')
			*p = ' ';
	char dgram_why[160];
	if (dgram_err == EACCES)
		snprintf(dgram_why, sizeof dgram_why, "group %u is outside net.ipv4.ping_group_range (%s)",
		         (unsigned)getgid(), range);
	else
		snprintf(dgram_why, sizeof dgram_why, "unprivileged ICMP sockets unavailable (%s)", strerror(dgram_err));
	if (raw_err == EPERM || raw_err == EACCES)
		snprintf(why, sizeof why, "cannot open an %s socket: %s and the program lacks CAP_NET_RAW "
		         "(setcap cap_net_raw+ep on check_ping, or widen the sysctl)", fam, dgram_why);
	else
		snprintf(why, sizeof why, "cannot open an %s socket: %s; raw socket: %s", fam, dgram_why,
		         strerror(raw_err));
	return why;
}

const char *icmp_open(struct icmp_session *s, const struct icmp_host *hosts, size_t n)
{
	bool need[2] = { false, false };
	memset(s, 0, sizeof *s);
	s->fd[0] = s->fd[1] = -1;
	for (size_t i = 0; i < n; i++)
		if (hosts[i].resolved)
			need[fam_index(hosts[i].addr.ss_family)] = true;

	for (int f = 0; f < 2; f++) {
		if (!need[f])
			continue;
		int family = f ? AF_INET6 : AF_INET, derr = 0, rerr = 0;
		s->fd[f] = open_dgram(family, &derr);
		s->kind[f] = ICMP_KIND_DGRAM;
		if (s->fd[f] < 0) {
			s->fd[f] = open_raw(family, &rerr);
			s->kind[f] = ICMP_KIND_RAW;
		}
		if (s->fd[f] < 0) {
			s->kind[f] = ICMP_KIND_NONE;
			icmp_close(s);
			return open_failure(family, derr, rerr);
		}
	}
	drop_capabilities();

	/* The identifier and cookie only need to differ from other pingers'. */
	if (getrandom(s->cookie, sizeof s->cookie, GRND_NONBLOCK) != (ssize_t)sizeof s->cookie) {
		uint64_t v = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)(monotonic_now() * 1e9);
		memcpy(s->cookie, &v, sizeof s->cookie);
	}
	s->ident = (uint16_t)(s->cookie[0] << 8 | s->cookie[1]);
	return NULL;
}

void icmp_close(struct icmp_session *s)
{
	for (int f = 0; f < 2; f++) {
		if (s->fd[f] >= 0)
			close(s->fd[f]);
		s->fd[f] = -1;
	}
}

/* ---- packets ------------------------------------------------------------ */

static uint16_t checksum(const unsigned char *p, size_t n)
{
	uint32_t sum = 0;
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static bool same_addr(const struct sockaddr_storage *a, const void *b_, int bfamily)
{
	if (a->ss_family != bfamily)
		return false;
	if (bfamily == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr, b_, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, b_, 16) == 0;
}

static const void *sa_addr(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return &((const struct sockaddr_in *)sa)->sin_addr;
	return &((const struct sockaddr_in6 *)sa)->sin6_addr;
}

static void send_probe(struct run *r, size_t hi, uint16_t seq)
{
	struct icmp_host *h = &r->hosts[hi];
	int f = fam_index(h->addr.ss_family);
	unsigned char *p = r->pkt;
	size_t len = HDR + r->o->size;

	p[0] = f ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, r->s->ident);
	put16(p + 6, seq);
	if (!f)  /* ICMPv6 checksums cover a pseudo-header: the kernel fills them */
		put16(p + 2, checksum(p, len));

	struct probe *pr = &r->probes[seq];
	pr->host = (uint32_t)hi;
	pr->sent_at = monotonic_now();
	ssize_t n = sendto(r->s->fd[f], p, len, 0, (const struct sockaddr *)&h->addr, h->addrlen);
	h->sent++;
	if (n == (ssize_t)len) {
		pr->status = P_SENT;
		r->outstanding++;
		return;
	}
	/* No route, a prohibit route, a full buffer: the probe is lost, and
	 * the first reason is worth telling. */
	pr->status = P_FAILED;
	if (!h->problem[0])
		snprintf(h->problem, sizeof h->problem, "cannot send: %s", n < 0 ? strerror(errno) : "short write");
}

static void got_reply(struct run *r, uint16_t seq, const void *from, int family,
                      const unsigned char *payload, size_t plen, double now)
{
	if (seq >= r->nprobes)
		return;
	struct probe *pr = &r->probes[seq];
	if (pr->status == P_UNSENT)
		return;
	struct icmp_host *h = &r->hosts[pr->host];
	if (!same_addr(&h->addr, from, family))
		return;
	size_t want = r->o->size < sizeof r->s->cookie ? r->o->size : sizeof r->s->cookie;
	if (plen < want || memcmp(payload, r->s->cookie, want) != 0)
		return;   /* another program's ping that happens to share id and sequence */
	if (pr->status == P_REPLIED) {
		h->duplicates++;
		return;
	}
	if (pr->status != P_SENT)
		return;
	double ms = (now - pr->sent_at) * 1000.0;
	if (h->received == 0 || ms < h->rtt_min)
		h->rtt_min = ms;
	if (h->received == 0 || ms > h->rtt_max)
		h->rtt_max = ms;
	h->rtt_sum += ms;
	h->received++;
	pr->status = P_REPLIED;
	r->outstanding--;
}

/* An ICMP error about probe seq sent to dest: that probe is lost, and the
 * first such error says why ("Destination Host Unreachable from ..."). */
static void got_error(struct run *r, uint16_t seq, const void *dest, int family, const char *what,
                      const struct sockaddr *offender)
{
	if (seq >= r->nprobes)
		return;
	struct probe *pr = &r->probes[seq];
	if (pr->status != P_SENT)
		return;
	struct icmp_host *h = &r->hosts[pr->host];
	if (!same_addr(&h->addr, dest, family))
		return;
	pr->status = P_ERRORED;
	r->outstanding--;
	h->errors++;
	if (h->problem[0])
		return;
	char from[INET6_ADDRSTRLEN] = "";
	if (offender && offender->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)offender)->sin_addr, from, sizeof from);
	else if (offender && offender->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)offender)->sin6_addr, from, sizeof from);
	snprintf(h->problem, sizeof h->problem, "%s%s%s", what, from[0] ? " from " : "", from);
}

/* ping(8)'s words, which monitoring-plugins' check_ping looks for. */
static const char *icmp4_text(int type, int code)
{
	static const char *const unreach[] = {
		"Destination Net Unreachable", "Destination Host Unreachable",
		"Destination Protocol Unreachable", "Destination Port Unreachable",
		"Frag needed and DF set", "Source Route Failed", "Destination Net Unknown",
		"Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
		"Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service", "Packet filtered",
		"Precedence Violation", "Precedence Cutoff",
	};
	if (type == ICMP_DEST_UNREACH)
		return code >= 0 && code < 16 ? unreach[code] : "Destination Unreachable";
	if (type == ICMP_TIME_EXCEEDED)
		return code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
	if (type == ICMP_PARAMETERPROB)
		return "Parameter problem";
	return "ICMP error";
}

static const char *icmp6_text(int type, int code)
{
	static const char *const unreach[] = {
		"Destination Unreachable: No route", "Destination Unreachable: Administratively prohibited",
		"Destination Unreachable: Beyond scope of source address", "Destination Unreachable: Address unreachable",
		"Destination Unreachable: Port unreachable", "Destination Unreachable: Source address failed policy",
		"Destination Unreachable: Reject route",
	};
	if (type == ICMP6_DST_UNREACH)
		return code >= 0 && code < 7 ? unreach[code] : "Destination Unreachable";
	if (type == ICMP6_TIME_EXCEEDED)
		return code == 0 ? "Time exceeded: Hop limit" : "Time exceeded: Defragmentation failure";
	if (type == ICMP6_PACKET_TOO_BIG)
		return "Packet too big";
	if (type == ICMP6_PARAM_PROB)
		return "Parameter problem";
	return "ICMPv6 error";
}

/* One datagram from a raw IPv4 socket: IP header, then ICMP. */
static void parse_raw4(struct run *r, const unsigned char *b, size_t n, const struct sockaddr_in *from, double now)
{
	if (n < 20 || (b[0] >> 4) != 4)
		return;
	size_t hl = (size_t)(b[0] & 0x0f) * 4;
	if (hl < 20 || n < hl + HDR)
		return;
	const unsigned char *icmp = b + hl;
	size_t len = n - hl;
	if (checksum(icmp, len) != 0)
		return;
	int type = icmp[0];
	if (type == ICMP_ECHOREPLY) {
		if (get16(icmp + 4) == r->s->ident)
			got_reply(r, get16(icmp + 6), &from->sin_addr, AF_INET, icmp + HDR, len - HDR, now);
		return;
	}
	/* An error quotes the IP header and the first 8 bytes of our probe. */
	const unsigned char *in = icmp + HDR;
	size_t inlen = len - HDR;
	if (inlen < 20 || (in[0] >> 4) != 4)
		return;
	size_t ihl = (size_t)(in[0] & 0x0f) * 4;
	if (ihl < 20 || inlen < ihl + HDR || in[9] != IPPROTO_ICMP)
		return;
	const unsigned char *probe = in + ihl;
	if (probe[0] != ICMP_ECHO || get16(probe + 4) != r->s->ident)
		return;
	got_error(r, get16(probe + 6), in + 16, AF_INET, icmp4_text(type, icmp[1]), (const struct sockaddr *)from);
}

/* One datagram from a raw ICMPv6 socket: no IP header. */
static void parse_raw6(struct run *r, const unsigned char *icmp, size_t len, const struct sockaddr_in6 *from,
                       double now)
{
	if (len < HDR)
		return;
	int type = icmp[0];
	if (type == ICMP6_ECHO_REPLY) {
		if (get16(icmp + 4) == r->s->ident)
			got_reply(r, get16(icmp + 6), &from->sin6_addr, AF_INET6, icmp + HDR, len - HDR, now);
		return;
	}
	if (type >= 128)
		return;
	/* The quoted IPv6 header (40 bytes) is followed by our echo request
	 * when no extension header sits between them, which is how we send it. */
	const unsigned char *in = icmp + HDR;
	size_t inlen = len - HDR;
	if (inlen < 40 + HDR || (in[0] >> 4) != 6 || in[6] != IPPROTO_ICMPV6)
		return;
	const unsigned char *probe = in + 40;
	if (probe[0] != ICMP6_ECHO_REQUEST || get16(probe + 4) != r->s->ident)
		return;
	got_error(r, get16(probe + 6), in + 24, AF_INET6, icmp6_text(type, icmp[1]), (const struct sockaddr *)from);
}

/* A datagram socket delivers only our echo replies, ICMP header first. */
static void parse_dgram(struct run *r, const unsigned char *icmp, size_t len, const struct sockaddr_storage *from,
                        double now)
{
	int want = from->ss_family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
	if (len < HDR || icmp[0] != want)
		return;
	got_reply(r, get16(icmp + 6), sa_addr(from), from->ss_family, icmp + HDR, len - HDR, now);
}

/* Datagram sockets report ICMP errors on the error queue, with our probe
 * (its sequence) as the data and the prober's destination as the name. */
static void read_errqueue(struct run *r, int fd)
{
	for (int i = 0; i < 256; i++) {
		unsigned char data[64];
		union {
			struct cmsghdr align;
			char buf[512];
		} control;
		struct sockaddr_storage dest;
		struct iovec iov = { data, sizeof data };
		struct msghdr m = { .msg_name = &dest, .msg_namelen = sizeof dest, .msg_iov = &iov, .msg_iovlen = 1,
		                    .msg_control = control.buf, .msg_controllen = sizeof control.buf };
		memset(&dest, 0, sizeof dest);
		ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		const struct sock_extended_err *ee = NULL;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)(const void *)CMSG_DATA(c);
		if (!ee || n < HDR || (dest.ss_family != AF_INET && dest.ss_family != AF_INET6))
			continue;
		const char *what;
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP)
			what = icmp4_text(ee->ee_type, ee->ee_code);
		else if (ee->ee_origin == SO_EE_ORIGIN_ICMP6)
			what = icmp6_text(ee->ee_type, ee->ee_code);
		else
			what = strerror((int)ee->ee_errno);
		const struct sockaddr *off = SO_EE_OFFENDER(ee);
		got_error(r, get16(data + 6), sa_addr(&dest), dest.ss_family, what,
		          off->sa_family == AF_UNSPEC ? NULL : off);
	}
}

static void read_socket(struct run *r, int f)
{
	int fd = r->s->fd[f];
	if (r->s->kind[f] == ICMP_KIND_DGRAM)
		read_errqueue(r, fd);
	/* Bounded: a flood of foreign ICMP cannot keep us from sending on time. */
	for (int i = 0, errors = 0; i < 1024 && errors < 8; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		memset(&from, 0, sizeof from);
		ssize_t n = recvfrom(fd, r->rbuf, RBUF, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		double now = monotonic_now();
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* a raw socket reports a pending ICMP error once, as errno; the
			 * packet itself is still queued and parsed on the next read */
			errors++;
			continue;
		}
		if (r->s->kind[f] == ICMP_KIND_DGRAM)
			parse_dgram(r, r->rbuf, (size_t)n, &from, now);
		else if (f == 0 && from.ss_family == AF_INET)
			parse_raw4(r, r->rbuf, (size_t)n, (const struct sockaddr_in *)&from, now);
		else if (f == 1 && from.ss_family == AF_INET6)
			parse_raw6(r, r->rbuf, (size_t)n, (const struct sockaddr_in6 *)&from, now);
	}
}

static void wait_for(struct run *r, double until)
{
	struct pollfd pfd[2];
	int fam[2];
	nfds_t n = 0;
	for (int f = 0; f < 2; f++)
		if (r->s->fd[f] >= 0) {
			pfd[n] = (struct pollfd){ .fd = r->s->fd[f], .events = POLLIN };
			fam[n++] = f;
		}
	double left = until - monotonic_now();
	if (left < 0)
		left = 0;
	struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
	if (ppoll(pfd, n, &ts, NULL) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++)
		if (pfd[i].revents)
			read_socket(r, fam[i]);
}

void icmp_run(struct icmp_session *s, struct icmp_host *hosts, size_t n, const struct icmp_opts *o)
{
	struct run r = { .s = s, .hosts = hosts, .nhosts = n, .o = o };
	size_t total = n * o->packets;
	if (total == 0 || total > ICMP_MAX_PROBES)
		return;
	r.probes = xcalloc(total, sizeof *r.probes);
	r.nprobes = total;
	r.pkt = xmalloc(HDR + o->size);
	r.rbuf = xmalloc(RBUF);
	/* payload: the cookie, then a counting pattern as ping(8) sends */
	for (size_t i = 0; i < o->size; i++)
		r.pkt[HDR + i] = i < sizeof s->cookie ? s->cookie[i] : (unsigned char)i;

	double start = monotonic_now(), stop = o->deadline;
	unsigned round = 0;
	for (;;) {
		double now = monotonic_now();
		if (now >= o->deadline)
			break;
		if (round < o->packets && now >= start + round * o->interval) {
			for (size_t i = 0; i < n; i++)
				if (hosts[i].resolved)
					send_probe(&r, i, (uint16_t)(round * n + i));
			round++;
			if (round == o->packets && monotonic_now() + o->linger < stop)
				stop = monotonic_now() + o->linger;
			continue;
		}
		if (round == o->packets && (r.outstanding == 0 || now >= stop))
			break;
		double until = round < o->packets ? start + round * o->interval : stop;
		wait_for(&r, until < o->deadline ? until : o->deadline);
	}
	free(r.probes);
	free(r.pkt);
	free(r.rbuf);
}
