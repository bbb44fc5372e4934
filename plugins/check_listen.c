/* check_listen: are the given ports LISTENing, and on which addresses
 * (runbook 000's `netstat -nltup` step)? CRITICAL for each missing port. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "listen.h"
#include "proc.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"

enum { MAX_PORTS = 64 };

struct want {
	unsigned port;
	int proto;                 /* IPPROTO_TCP, IPPROTO_UDP, or 0 for either */
};

struct config {
	struct want ports[MAX_PORTS];
	size_t nports;
	bool owners;
	enum state missing;
};

static const struct option_spec options[] = {
	{ "ports", 'p', "PORT[/PROTO],...", "Ports that must listen; PROTO is tcp (default), udp or any.\n"
	  "Repeatable. Runbook 000: -p 22,21,80,443,53,25,110,8443" },
	{ "owners", 'o', NULL, "Name the owning process of each socket (needs root for other users')" },
	{ "missing-state", 's', "STATE", "State for a port that does not listen (default critical)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_listen",
	.service = "LISTEN",
	.purpose = "Checks which ports are LISTENing on this host and on which addresses, from\n"
	           "/proc/net/tcp, tcp6, udp and udp6 (the `netstat -nltup` step of runbook 000).",
	.usage = "-p PORT[/PROTO][,...] [-o] [-s STATE]",
	.options = options,
	.notes = "Perfdata: listening (ports found), missing, and per port tcp_PORT / udp_PORT =\n"
	         "number of listening sockets. -v lists every listening socket.",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *add_ports(struct config *cfg, const char *arg)
{
	char item[32];
	const char *p = arg;
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= sizeof item)
			return "empty or too long port";
		memcpy(item, p, len);
		item[len] = '\0';
		p += len + (p[len] == ',');
		struct want w = { .proto = IPPROTO_TCP };
		char *slash = strchr(item, '/');
		if (slash) {
			*slash++ = '\0';
			if (strcmp(slash, "tcp") == 0) w.proto = IPPROTO_TCP;
			else if (strcmp(slash, "udp") == 0) w.proto = IPPROTO_UDP;
			else if (strcmp(slash, "any") == 0) w.proto = 0;
			else return "protocol must be tcp, udp or any";
		}
		long v;
		if (!num_parse_long(item, 1, 65535, &v))
			return "port must be a number from 1 to 65535";
		if (cfg->nports == MAX_PORTS)
			return "too many ports (at most 64)";
		w.port = (unsigned)v;
		cfg->ports[cfg->nports++] = w;
	}
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'p': return add_ports(cfg, arg);
	case 'o': cfg->owners = true; return NULL;
	case 's':
		return opt_state(arg, &cfg->missing);
	}
	return "unhandled option";
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "any";
}

static bool matches(const struct sock *s, const struct want *w)
{
	return sock_listening(s) && s->port == w->port && (!w->proto || s->proto == w->proto);
}

int main(int argc, char **argv)
{
	struct config cfg = { .missing = STATE_CRITICAL };
	struct check c;
	struct sock_table t = { 0 };

	program_parse(&prog, argc, argv, on_option, &cfg);
	if (!cfg.nports)
		plugin_die(STATE_UNKNOWN, "no ports given (-p 22,80,...)");
	check_init(&c, prog.service);
	if (sock_read_local(&t) == 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/net/tcp or udp", proc_root());
	if (cfg.owners || plugin_verbose)
		sock_find_owners(&t);

	struct buf missing = BUF_INIT, found = BUF_INIT;
	size_t nmissing = 0;
	for (size_t i = 0; i < cfg.nports; i++) {
		const struct want *w = &cfg.ports[i];
		struct buf where = BUF_INIT;
		unsigned count = 0;
		for (size_t j = 0; j < t.n; j++) {
			if (!matches(&t.v[j], w))
				continue;
			char addr[64];
			sock_addr_str(&t.v[j], addr, sizeof addr);
			buf_printf(&where, "%s%s%s", count ? ", " : "", addr,
			           w->proto ? "" : (t.v[j].proto == IPPROTO_TCP ? "/tcp" : "/udp"));
			if (t.v[j].pid)
				buf_printf(&where, " (%s pid %d)", t.v[j].comm, (int)t.v[j].pid);
			count++;
		}
		char label[32];
		snprintf(label, sizeof label, "%s_%u", w->proto ? proto_name(w->proto) : "any", w->port);
		struct range need = range_below(1);
		check_perf(&c, &(struct perf){ .label = label, .value = count, .decimals = 0,
		                               .crit = cfg.missing == STATE_CRITICAL ? &need : NULL,
		                               .warn = cfg.missing == STATE_WARNING ? &need : NULL,
		                               .has_min = true });
		if (count) {
			buf_printf(&found, "%s%u/%s", found.len ? " " : "", w->port, proto_name(w->proto));
			check_long(&c, "%u/%s: LISTEN on %s", w->port, proto_name(w->proto), buf_cstr(&where));
		} else {
			buf_printf(&missing, "%s%u/%s", missing.len ? ", " : "", w->port, proto_name(w->proto));
			check_long(&c, "%u/%s: not listening", w->port, proto_name(w->proto));
			check_raise(&c, cfg.missing);
			nmissing++;
		}
		buf_free(&where);
	}
	if (nmissing)
		check_summary(&c, "%zu of %zu ports not listening: %s", nmissing, cfg.nports, buf_cstr(&missing));
	else
		check_summary(&c, "all %zu ports listening", cfg.nports);
	if (found.len)
		check_summary(&c, "%s %s", nmissing ? "; listening:" : ":", buf_cstr(&found));
	check_perf(&c, &(struct perf){ .label = "listening", .value = (double)(cfg.nports - nmissing),
	                               .has_min = true, .has_max = true, .max = (double)cfg.nports });
	check_perf(&c, &(struct perf){ .label = "missing", .value = (double)nmissing, .has_min = true,
	                               .has_max = true, .max = (double)cfg.nports });
	if (plugin_verbose > 1)
		for (size_t j = 0; j < t.n; j++) {
			if (!sock_listening(&t.v[j]))
				continue;
			char addr[64];
			sock_addr_str(&t.v[j], addr, sizeof addr);
			check_long(&c, "socket %s %s port %u inode %llu uid %lu %s", proto_name(t.v[j].proto),
			           addr, t.v[j].port, t.v[j].inode, t.v[j].uid, t.v[j].comm);
		}
	if (t.bad_lines)
		check_long(&c, "%zu lines of the socket tables did not parse", t.bad_lines);
	buf_free(&missing);
	buf_free(&found);
	sock_table_free(&t);
	check_exit(&c);
}
