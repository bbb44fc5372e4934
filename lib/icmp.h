/* ICMP echo ("ping") to several hosts at once, without /bin/ping.
 *
 * Sockets: an unprivileged ICMP datagram socket when the running group is
 * inside net.ipv4.ping_group_range (the kernel then owns the identifier and
 * hands us only our replies), else a raw socket, which needs CAP_NET_RAW and
 * sees every ICMP packet of the host, so replies are matched by identifier,
 * sequence, source address and a per-run cookie in the payload.
 * Each probe has its own sequence number (round * hosts + host), so a reply
 * or an ICMP error names the probe it answers. */
#ifndef MAMORI_ICMP_H
#define MAMORI_ICMP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	ICMP_MAX_PAYLOAD = 65507,   /* 65535 - IPv4 header - ICMP header */
	ICMP_MAX_PROBES = 65536,    /* the 16-bit sequence space of one run */
};

enum icmp_kind { ICMP_KIND_NONE, ICMP_KIND_DGRAM, ICMP_KIND_RAW };

struct icmp_host {
	const char *name;                  /* as given */
	bool resolved;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char addrtext[80];                 /* numeric form, "::1", "fe80::1%eth0" */
	/* results of icmp_run() */
	unsigned sent, received, duplicates, errors;
	double rtt_min, rtt_max, rtt_sum;  /* milliseconds */
	char problem[200];                 /* resolution failure, first ICMP error or send failure */
};

struct icmp_opts {
	unsigned packets;   /* per host */
	double interval;    /* seconds between rounds */
	size_t size;        /* payload bytes */
	double linger;      /* seconds to wait for replies after the last round */
	double deadline;    /* monotonic_now() time to stop at, replies or not */
};

struct icmp_session {
	int fd[2];                 /* [0] IPv4, [1] IPv6; -1 when not needed */
	enum icmp_kind kind[2];
	uint16_t ident;            /* raw sockets: ours; datagram: the kernel's */
	unsigned char cookie[8];   /* start of every payload: replies to other pings differ */
};

/* NULL when name can be a host (IPv4 or IPv6 literal, or a DNS name);
 * else a static reason. No lookup is made, so a typo costs no DNS query. */
const char *icmp_host_syntax(const char *name);
/* Resolves h->name (family AF_UNSPEC, AF_INET or AF_INET6) into h->addr.
 * False with the reason in h->problem. */
bool icmp_resolve(struct icmp_host *h, int family);
/* Opens one socket per address family the resolved hosts use: datagram if
 * the kernel allows it, raw otherwise, then gives up every capability.
 * NULL or a reason naming what is missing (a setting or a capability). */
const char *icmp_open(struct icmp_session *s, const struct icmp_host *hosts, size_t n);
/* Sends o->packets probes to every resolved host, paced by o->interval,
 * and collects replies until all are in, o->linger after the last round,
 * or o->deadline. hosts * packets must not exceed ICMP_MAX_PROBES. */
void icmp_run(struct icmp_session *s, struct icmp_host *hosts, size_t n, const struct icmp_opts *o);
void icmp_close(struct icmp_session *s);
const char *icmp_kind_name(enum icmp_kind k);

#endif
