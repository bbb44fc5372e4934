/* Verify as runbook 000 does: the protocol from here (greeting, HTTP page,
 * DNS answer, ICMP echo), LISTEN in the target's socket tables fetched over
 * SSH (lib/listen's parser), the process (pgrep -x). */
#include "engine.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "engine_int.h"
#include "icmp.h"
#include "listen.h"
#include "net.h"
#include "proto.h"
#include "services.h"
#include "timeout.h"
#include "tls.h"

static bool http_probe(struct engine *e, struct conn *c, char *detail, size_t size)
{
	enum net_result r = net_printf(c, "HEAD / HTTP/1.0\r\nHost: %s\r\nUser-Agent: mamori-recover\r\n\r\n",
	                               e->host);
	struct buf line = BUF_INIT;
	if (r == NET_OK)
		r = net_read_line(c, &line, PROTO_MAX_LINE);
	/* "the page shows" (runbook 000 5.3): any answer but a server error */
	const char *sp = r == NET_OK && !strncmp(buf_cstr(&line), "HTTP/", 5) ? strchr(line.s, ' ') : NULL;
	long code = sp ? strtol(sp + 1, NULL, 10) : 0;
	bool ok = code >= 100 && code < 500;
	if (!ok)
		snprintf(detail, size, "no good HTTP answer: %.120s", r == NET_OK ? buf_cstr(&line) : net_result_text(r));
	buf_free(&line);
	return ok;
}

/* one query for the root's NS over TCP: any answer with our id will do (even
 * REFUSED means named is there) */
static bool dns_probe(struct conn *c, char *detail, size_t size)
{
	static const unsigned char q[] = { 0, 17, 0x4d, 0x52, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	                                   0, 0, 2, 0, 1 };
	enum net_result r = net_write(c, q, sizeof q);
	struct buf in = BUF_INIT;
	while (r == NET_OK && in.len < 6)
		r = net_read_some(c, &in, 4096);
	bool ok = r == NET_OK && (unsigned char)in.s[2] == 0x4d && (unsigned char)in.s[3] == 0x52 &&
	          ((unsigned char)in.s[4] & 0x80);
	if (!ok)
		snprintf(detail, size, "no DNS answer: %s", r == NET_OK ? "bad reply" : net_result_text(r));
	buf_free(&in);
	return ok;
}

/* 1 answers, 0 does not, -1 cannot ping from here (no ICMP socket: never
 * a reason to reboot a host) */
static int ping_probe(struct engine *e, char *detail, size_t size)
{
	struct icmp_host h;
	memset(&h, 0, sizeof h);
	h.name = e->target;
	if (!icmp_resolve(&h, AF_UNSPEC)) {
		snprintf(detail, size, "%s", h.problem);
		return 0;
	}
	struct icmp_session s;
	const char *why = icmp_open(&s, &h, 1);
	if (why) {
		snprintf(detail, size, "cannot ping from here: %s", why);
		return -1;
	}
	struct icmp_opts o = { .packets = 3, .interval = 0.5, .size = 56, .linger = 1,
	                       .deadline = monotonic_now() + engine_bounded(e, 5) };
	icmp_run(&s, &h, 1, &o);
	icmp_close(&s);
	if (!h.received)
		snprintf(detail, size, "no echo reply from %s%s%s", e->target, *h.problem ? ": " : "", h.problem);
	return h.received > 0 ? 1 : 0;
}

unsigned engine_protocol_port(const struct engine *e)
{
	if (e->port)
		return e->port;
	if (e->rb->protocol_port)
		return e->rb->protocol_port;
	if (e->rb->nports)
		return e->rb->ports[0];
	const struct service *s = service_find(e->rb->protocol);
	return s ? (e->rb->tls && s->tls_port ? s->tls_port : s->port) : 0;
}

static int protocol_ok(struct engine *e, char *detail, size_t size)
{
	const char *proto = e->rb->protocol;
	if (!strcmp(proto, "ping"))
		return ping_probe(e, detail, size);
	const struct service *s = service_find(proto);
	unsigned port = engine_protocol_port(e);
	if (!s || !port) {
		snprintf(detail, size, "protocol %s is not known", proto);
		return -1;
	}
	struct conn c;
	conn_init(&c, engine_bounded(e, 10));
	enum net_result r = net_connect(&c, e->target, port, AF_UNSPEC);
	bool ok = false;
	if (r == NET_OK && e->rb->tls) {
		/* a panel's self-signed certificate is normal: we ask "does it answer" */
		struct tls_opts to = { .verify = false, .sni = e->host };
		struct tls_peer peer;
		r = tls_start(&c, &to, &peer);
	}
	if (r != NET_OK) {
		snprintf(detail, size, "%s port %u: %.160s", proto, port, c.detail[0] ? c.detail : net_result_text(r));
	} else if (!strcmp(proto, "http") || !strcmp(proto, "plesk")) {
		ok = http_probe(e, &c, detail, size);
	} else if (!strcmp(proto, "dns")) {
		ok = dns_probe(&c, detail, size);
	} else {
		struct buf g = BUF_INIT;
		r = proto_greeting(&c, s, &g);
		ok = r == NET_OK;
		if (ok)
			proto_quit(&c, s);
		else
			snprintf(detail, size, "%s greeting on port %u: %.160s", s->label, port,
			         c.detail[0] ? c.detail : net_result_text(r));
		buf_free(&g);
	}
	net_close(&c);
	return ok ? 1 : 0;
}

static bool port_listens(const struct sock_table *t, unsigned port)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].proto == IPPROTO_TCP && t->v[i].port == port && sock_listening(&t->v[i]))
			return true;
	return false;
}

/* 1 listening, 0 not, -1 cannot tell */
static int listen_ok(struct engine *e, char *detail, size_t size)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct sock_table t = { 0 };
	struct buf out = BUF_INIT;
	int got = 0;
	for (int i = 0; i < 2; i++) {
		char *argv[] = { (char *)"cat", (char *)files[i], NULL };
		int st = engine_rexec(e, "verify-listen", argv, 15, &out, true);
		if (st < 0) {
			snprintf(detail, size, "cannot read %s over SSH: %s", files[i],
			         e->remote ? "command failed" : buf_cstr(&e->remote_err));
			buf_free(&out);
			sock_table_free(&t);
			return -1;
		}
		if (st == 0) {
			sock_parse(&t, out.s ? out.s : "", out.len, i ? AF_INET6 : AF_INET, IPPROTO_TCP, true);
			got++;
		}
	}
	buf_free(&out);
	int ok = 1;
	if (!got) {
		snprintf(detail, size, "no socket table on the host");
		ok = -1;
	} else if (e->port) {
		if (!port_listens(&t, e->port)) {
			snprintf(detail, size, "port %u is not in LISTEN", e->port);
			ok = 0;
		}
	} else {
		for (size_t i = 0; i < e->rb->nports && ok == 1; i++)
			if (!port_listens(&t, e->rb->ports[i])) {
				snprintf(detail, size, "port %u is not in LISTEN", e->rb->ports[i]);
				ok = 0;
			}
	}
	sock_table_free(&t);
	return ok;
}

static int process_ok(struct engine *e, char *detail, size_t size)
{
	char *names = xstrdup(e->rb->process), *save = NULL;
	struct buf out = BUF_INIT;
	int ok = 0;
	for (char *w = strtok_r(names, " ,", &save); w && ok == 0; w = strtok_r(NULL, " ,", &save)) {
		char *argv[] = { (char *)"pgrep", (char *)"-x", w, NULL };
		int st = engine_rexec(e, "verify-process", argv, 15, &out, true);
		if (st == 0)
			ok = 1;
		else if (st < 0)
			ok = -1;
	}
	if (ok == 0)
		snprintf(detail, size, "no %s process", e->rb->process);
	else if (ok < 0)
		snprintf(detail, size, "cannot look for %s over SSH", e->rb->process);
	buf_free(&out);
	free(names);
	return ok;
}

int engine_verify(struct engine *e, const char *step)
{
	double t0 = monotonic_now();
	char detail[256] = "";
	int ok = 1;
	/* from here first: it needs no login and is what users see */
	if (e->rb->protocol)
		ok = protocol_ok(e, detail, sizeof detail);
	if (ok == 1 && e->rb->listen)
		ok = listen_ok(e, detail, sizeof detail);
	if (ok == 1 && e->rb->process)
		ok = process_ok(e, detail, sizeof detail);
	snprintf(e->verify_detail, sizeof e->verify_detail, "%s", ok == 1 ? "answers" : detail);
	audit(e, step, NULL, -1, monotonic_now() - t0, ok == 1 ? "ok" : ok == 0 ? "failing" : "unknown", detail);
	return ok;
}

/* poll until fine or the wait (bounded by the run's deadline) is over */
bool engine_reverify(struct engine *e, double wait)
{
	double end = monotonic_now() + engine_bounded(e, wait);
	for (;;) {
		double next = monotonic_now() + e->rb->interval;
		if (engine_verify(e, "re-verify") == 1)
			return true;
		if (next >= end || monotonic_now() >= end)
			return false;
		struct timespec ts;
		double d = next - monotonic_now();
		if (d > 0) {
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
}

