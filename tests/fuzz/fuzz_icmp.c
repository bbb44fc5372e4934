/* check_ping's reply parsers. A raw ICMP socket sees every ICMP packet
 * that reaches the host, so anyone who can send one to it shapes this
 * input. The parsers are static in lib/icmp.c: it is included here, not
 * linked, to reach them without widening its interface.
 * Input: a mode byte (raw IPv4, raw ICMPv6, datagram), then packets, each
 * a host byte (whose address it comes from), a 2-byte length and the
 * bytes as recvfrom() hands them over. Three hosts, two rounds: probes
 * 0..3 sent, 4 failed to send, 5 not sent yet.
 * Checks: replies plus errors never exceed the probes sent to a host and
 * match the outstanding count; no reply is counted without the run's
 * cookie in it, nor from a probe not sent; a duplicate follows a reply;
 * round trips finite, 0 <= min <= max, the sum between; a problem is one
 * printable line.
 * SOURCES: (the core only) */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.c"

enum { NHOSTS = 3, NPROBES = 6, SIZE = 56 };
static const unsigned char cookie[8] = { 'm', 'a', 'm', 'o', 'r', 'i', 0x5a, 0xa5 };

static void host(struct icmp_host *h, const char *name, int family)
{
	memset(h, 0, sizeof *h);
	h->name = name;
	h->resolved = true;
	h->addr.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, name, &((struct sockaddr_in *)&h->addr)->sin_addr);
	else
		inet_pton(AF_INET6, name, &((struct sockaddr_in6 *)&h->addr)->sin6_addr);
}

static bool has_cookie(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + sizeof cookie <= size; i++)
		if (memcmp(data + i, cookie, sizeof cookie) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 3;   /* 0 raw IPv4, 1 raw ICMPv6, 2 datagram */

	struct icmp_session s = { .fd = { -1, -1 }, .ident = 0x4d4d };
	memcpy(s.cookie, cookie, sizeof cookie);
	s.kind[0] = s.kind[1] = mode == 2 ? ICMP_KIND_DGRAM : ICMP_KIND_RAW;
	struct icmp_host hosts[NHOSTS];
	host(&hosts[0], "127.0.0.1", AF_INET);
	host(&hosts[1], "::1", AF_INET6);
	host(&hosts[2], "192.0.2.7", AF_INET);
	struct icmp_opts o = { .packets = 2, .size = SIZE };
	struct probe probes[NPROBES];
	unsigned sent[NHOSTS] = { 0 };
	for (uint16_t seq = 0; seq < NPROBES; seq++) {
		probes[seq] = (struct probe){ .sent_at = 100.0, .host = seq % NHOSTS,
		                              .status = seq < 4 ? P_SENT : seq == 4 ? P_FAILED : P_UNSENT };
		if (seq < 5)
			hosts[seq % NHOSTS].sent++;
		if (seq < 4)
			sent[seq % NHOSTS]++;
	}
	struct run r = { .s = &s, .hosts = hosts, .nhosts = NHOSTS, .o = &o, .probes = probes,
	                 .nprobes = NPROBES, .outstanding = 4 };

	double now = 100.0;
	for (size_t i = 1; i + 3 <= size;) {
		const struct icmp_host *from = &hosts[data[i] % NHOSTS];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		/* a copy of the datagram's own size: ASan sees any read past it */
		unsigned char *pkt = malloc(len ? len : 1);
		memcpy(pkt, data + i, len);
		i += len;
		now += 0.001;
		struct sockaddr_storage ss = from->addr;
		if (mode == 2)
			parse_dgram(&r, pkt, len, &ss, now);
		else if (mode == 0 && ss.ss_family == AF_INET)
			parse_raw4(&r, pkt, len, (const struct sockaddr_in *)&ss, now);
		else if (mode == 1 && ss.ss_family == AF_INET6)
			parse_raw6(&r, pkt, len, (const struct sockaddr_in6 *)&ss, now);
		free(pkt);
	}

	unsigned answered = 0;
	for (int k = 0; k < NHOSTS; k++) {
		const struct icmp_host *h = &hosts[k];
		if (h->received + h->errors > sent[k] || (h->duplicates && !h->received))
			abort();
		answered += h->received + h->errors;
		if (h->received) {
			if (!isfinite(h->rtt_sum) || h->rtt_min < 0 || h->rtt_min > h->rtt_max ||
			    h->rtt_sum < h->rtt_min * h->received - 1e-6 || h->rtt_sum > h->rtt_max * h->received + 1e-6)
				abort();
			if (!has_cookie(data, size))
				abort();   /* another program's ping counted as ours */
		}
		size_t plen = strnlen(h->problem, sizeof h->problem);
		if (plen == sizeof h->problem)
			abort();
		for (size_t c = 0; c < plen; c++)
			if ((unsigned char)h->problem[c] < 0x20 || (unsigned char)h->problem[c] > 0x7e)
				abort();
	}
	if (r.outstanding != 4 - answered)
		abort();
	for (int seq = 4; seq < NPROBES; seq++)
		if (probes[seq].status != (seq == 4 ? P_FAILED : P_UNSENT))
			abort();   /* a probe never sent answered or refused */
	return 0;
}
