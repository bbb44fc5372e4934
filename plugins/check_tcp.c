/* check_tcp: connect, optionally speak TLS, send a string and expect one or
 * more in the reply, judge the response time. Options and output as
 * monitoring-plugins' check_tcp, so its command definitions keep working. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "netcheck.h"
#include "num.h"
#include "proto.h"
#include "tls.h"

enum { MAX_EXPECT = 16 };

struct config {
	struct netcheck n;
	const char *send, *quit;
	const char *expect[MAX_EXPECT];
	size_t nexpect;
	bool all, escape, jail;
	long maxbytes;
	double delay;
};

static const struct option_spec options[] = {
	{ "send", 's', "STRING", "Send STRING to the server after connecting" },
	{ "expect", 'e', "STRING", "The reply must contain STRING (repeatable: any one, or all with -A)" },
	{ "all", 'A', NULL, "All -e strings must be in the reply" },
	{ "escape", 'E', NULL, "Interpret \\n \\r \\t \\\\ in -s and -q" },
	{ "quit", 'q', "STRING", "Send STRING and CRLF before closing (with -E: STRING as escaped)" },
	{ "maxbytes", 'm', "BYTES", "Read at most BYTES of the reply (default 65536)" },
	{ "delay", 'd', "SECONDS", "Wait SECONDS after sending before reading" },
	{ "jail", 'j', NULL, "Do not show the server's reply in the output" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_tcp",
	.service = "TCP",
	.purpose = "Checks a TCP service: connect (IPv4 or IPv6, every address of the name in\n"
	           "turn), optional TLS, send a string, expect strings in the reply, response time.",
	.usage = "-H HOST -p PORT [-s STRING] [-e STRING]... [-A] [-S] [-D DAYS] [-w SECONDS] [-c SECONDS]",
	.options = options,
	.shared = netcheck_tcp_options,
	.notes = "-S/--ssl: TLS from the start; the certificate is verified unless --insecure.\n"
	         "Perfdata: time (s); days with -D.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		default: *o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 's': cfg->send = arg; return NULL;
	case 'e':
		if (cfg->nexpect == MAX_EXPECT)
			return "at most 16 expect strings";
		cfg->expect[cfg->nexpect++] = arg;
		return NULL;
	case 'A': cfg->all = true; return NULL;
	case 'E': cfg->escape = true; return NULL;
	case 'q': cfg->quit = arg; return NULL;
	case 'm': return opt_long(arg, 1, 16 << 20, &cfg->maxbytes);
	case 'd': return opt_double(arg, 0, 3600, &cfg->delay);
	case 'j': cfg->jail = true; return NULL;
	}
	return netcheck_option(&cfg->n, key, arg);
}

/* Which expect strings are in the reply so far: done when any (or all with -A). */
static bool matched(const struct config *cfg, const char *reply)
{
	size_t hits = 0;
	for (size_t i = 0; i < cfg->nexpect; i++)
		hits += strstr(reply, cfg->expect[i]) != NULL;
	return cfg->all ? hits == cfg->nexpect : hits > 0;
}

int main(int argc, char **argv)
{
	struct config cfg = { .maxbytes = 65536 };
	struct check c;

	netcheck_init(&cfg.n, NULL, tls_start);
	program_parse(&prog, argc, argv, on_option, &cfg);
	netcheck_ready(&cfg.n);
	check_init(&c, prog.service);
	if (!netcheck_open(&cfg.n, &c, NULL, NULL))
		netcheck_finish(&cfg.n, &c, false);
	struct conn *conn = &cfg.n.conn;

	if (cfg.send) {
		char *s = cfg.escape ? unescape(cfg.send) : xstrdup(cfg.send);
		enum net_result r = net_write(conn, s, strlen(s));
		free(s);
		if (r != NET_OK) {
			netcheck_fail(&cfg.n, &c, r, "sending");
			netcheck_finish(&cfg.n, &c, false);
		}
	}
	if (cfg.delay > 0) {
		struct timespec ts = { (time_t)cfg.delay, (long)((cfg.delay - (double)(time_t)cfg.delay) * 1e9) };
		nanosleep(&ts, NULL);
	}

	/* Read until the expectation is met, the peer closes, or maxbytes. */
	struct buf reply = BUF_INIT;
	enum net_result r = NET_OK;
	/* like monitoring-plugins: without -e nothing is read, a connect is the check */
	if (cfg.nexpect) {
		while (!(cfg.nexpect && matched(&cfg, buf_cstr(&reply)))) {
			r = net_read_some(conn, &reply, (size_t)cfg.maxbytes);
			if (r != NET_OK)
				break;
		}
	}
	if (cfg.quit) {
		char *q = cfg.escape ? unescape(cfg.quit) : xstrdup(cfg.quit);
		net_write(conn, q, strlen(q));
		if (!cfg.escape)
			net_write(conn, "\r\n", 2);
		free(q);
	}

	bool ok = !cfg.nexpect || matched(&cfg, buf_cstr(&reply));
	/* a server that answered, but not with the expected text, is a
	 * mismatch (-M) even when it then falls silent */
	if (!ok && !reply.len && (r == NET_TIMEOUT || (r != NET_OK && r != NET_CLOSED && r != NET_TOO_LONG))) {
		netcheck_fail(&cfg.n, &c, r, "waiting for the expected reply");
	} else {
		if (!ok)
			check_raise(&c, cfg.n.mismatch);
		netcheck_tcp_summary(&cfg.n, &c);
		if (!ok)
			check_summary(&c, ", Unexpected response from host/socket");
		char first[256];
		proto_first_line(buf_cstr(&reply), first, sizeof first);
		if (!cfg.jail && first[0])
			check_summary(&c, " [%s]", first);
	}
	buf_free(&reply);
	netcheck_finish(&cfg.n, &c, false);
}
