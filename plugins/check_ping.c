/* check_ping: ICMP echo round-trip average and packet loss to one or more
 * hosts, sent from our own socket (lib/icmp.c) instead of forking /bin/ping.
 * Status line and perfdata as monitoring-plugins' check_ping, plus rtmax and
 * rtmin as its check_icmp prints them. */
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "timeout.h"

enum { MAX_HOSTS = 256 };

struct pair {
	double rta;   /* milliseconds */
	double pl;    /* percent */
};

struct config {
	char *names[MAX_HOSTS];
	size_t nhosts;
	int family;
	long packets, size;
	double interval;
	struct pair warn, crit;
};

static const struct option_spec options[] = {
	{ "hostname", 'H', "HOST", "Host to ping: name, IPv4 or IPv6 address. Repeat -H or give a\n"
	                           "comma-separated list; every host is judged, the worst state wins" },
	{ "warning", 'w', "RTA,PL%", "WARNING when the round-trip average is above RTA milliseconds\n"
	                             "or the packet loss above PL percent (default 200,40%)" },
	{ "critical", 'c', "RTA,PL%", "CRITICAL likewise (default 500,80%); no reply at all is always CRITICAL" },
	{ "packets", 'p', "N", "Echo requests per host (default 5)" },
	{ "interval", 'i', "SECONDS", "Time between requests to a host, 0.01 to 60 (default 0.2)" },
	{ "size", 's', "BYTES", "Payload bytes per request, 0 to 65507 (default 56, as ping)" },
	{ "use-ipv4", '4', NULL, "Resolve host names to IPv4 addresses only" },
	{ "use-ipv6", '6', NULL, "Resolve host names to IPv6 addresses only" },
	{ "link", 'L', NULL, "Accepted for monitoring-plugins compatibility; no effect" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_ping",
	.service = "PING",
	.purpose = "Sends ICMP echo requests and checks the round-trip average (RTA) and\n"
	           "packet loss. Uses an unprivileged ICMP socket when net.ipv4.ping_group_range\n"
	           "admits the running group, a raw socket (CAP_NET_RAW) otherwise.",
	.usage = "-H HOST [-H HOST...] [-w RTA,PL%] [-c RTA,PL%] [-p N] [-i SECONDS] [-s BYTES] [-4|-6]",
	.options = options,
	.notes = "Replies are awaited until all are in, for max(1 s, twice the critical RTA)\n"
	         "after the last request, and never past -t.\n"
	         "Perfdata: rta (ms), pl (%), rtmax (ms), rtmin (ms); with several hosts each\n"
	         "label starts with the host name, as check_icmp's.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static const char *parse_pair(const char *arg, struct pair *p)
{
	static const char form[] = "expected RTA,PL% (milliseconds, percent), e.g. 100,20%";
	const char *end, *pct;
	double rta, pl;
	/* monitoring-plugins also takes ':' between the two */
	if (!num_parse_double_prefix(arg, &rta, &end) || (*end != ',' && *end != ':'))
		return form;
	if (!num_parse_double_prefix(end + 1, &pl, &pct) || strcmp(pct, "%") != 0)
		return form;
	if (rta < 0)
		return "RTA must not be negative";
	if (pl < 0 || pl > 100)
		return "packet loss must be 0 to 100%";
	*p = (struct pair){ rta, pl };
	return NULL;
}

static const char *add_hosts(struct config *cfg, const char *arg)
{
	const char *p = arg;
	for (;;) {
		size_t n = strcspn(p, ",");
		char *name = xmalloc(n + 1);
		memcpy(name, p, n);
		name[n] = '\0';
		const char *why = icmp_host_syntax(name);
		if (!why && cfg->nhosts >= MAX_HOSTS)
			why = "more than 256 hosts";
		if (why) {
			free(name);
			return why;
		}
		cfg->names[cfg->nhosts++] = name;
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'H': return add_hosts(cfg, arg);
	case 'w': return parse_pair(arg, &cfg->warn);
	case 'c': return parse_pair(arg, &cfg->crit);
	case 'p': return opt_long(arg, 1, 10000, &cfg->packets);
	case 'i': return opt_double(arg, 0.01, 60, &cfg->interval);
	case 's': return opt_long(arg, 0, ICMP_MAX_PAYLOAD, &cfg->size);
	case '4': cfg->family = AF_INET; return NULL;
	case '6': cfg->family = AF_INET6; return NULL;
	case 'L': return NULL;
	}
	return "unhandled option";
}

static void validate(const struct config *cfg)
{
	if (cfg->nhosts == 0)
		plugin_die(STATE_UNKNOWN, "no host given (-H HOST, see check_ping --help)");
	if (cfg->warn.rta > cfg->crit.rta || cfg->warn.pl > cfg->crit.pl)
		plugin_die(STATE_UNKNOWN, "warning threshold %g,%g%% is above the critical %g,%g%%",
		           cfg->warn.rta, cfg->warn.pl, cfg->crit.rta, cfg->crit.pl);
	if (cfg->nhosts * (size_t)cfg->packets > ICMP_MAX_PROBES)
		plugin_die(STATE_UNKNOWN, "%zu hosts * %ld packets is more than %d probes per run",
		           cfg->nhosts, cfg->packets, ICMP_MAX_PROBES);
	double left = timeout_remaining(), need = (double)(cfg->packets - 1) * cfg->interval;
	if (need >= left * 0.9)
		plugin_die(STATE_UNKNOWN, "%ld packets %g s apart take %g s, too long for the timeout (-t %.3g)",
		           cfg->packets, cfg->interval, need, left);
}

/* Judge one host and add its part of the status line and perfdata. */
static void report(struct check *c, const struct config *cfg, const struct icmp_host *h, bool multi)
{
	struct range wr = range_above(cfg->warn.rta), cr = range_above(cfg->crit.rta);
	struct range wp = range_above(cfg->warn.pl), cp = range_above(cfg->crit.pl);
	const char *sep = c->summary.len ? "; " : "";
	const char *pre = multi ? h->name : "";
	enum state st;

	if (!h->resolved) {
		check_raise(c, STATE_UNKNOWN);
		check_summary(c, "%s%s", sep, h->problem);
		return;
	}
	/* integer percent, as ping(8) and monitoring-plugins print and judge it */
	long pl = (long)((cfg->packets - (long)h->received) * 100 / cfg->packets);
	double rta = h->received ? h->rtt_sum / h->received : NAN;
	if (h->received == 0)
		st = STATE_CRITICAL;
	else
		st = state_worst(range_judge(rta, &wr, &cr), range_judge((double)pl, &wp, &cp));
	check_raise(c, st);

	check_summary(c, "%s%s%sPacket loss = %ld%%", sep, pre, multi ? ": " : "", pl);
	if (h->received)
		check_summary(c, ", RTA = %.2f ms", rta);
	if (h->problem[0])
		check_summary(c, ", %s", h->problem);

	struct buf label = BUF_INIT;
	const struct { const char *name; double v; const char *uom; const struct range *w, *cr; } items[] = {
		{ "rta", rta, "ms", &wr, &cr },
		{ "pl", (double)pl, "%", &wp, &cp },
		{ "rtmax", h->received ? h->rtt_max : NAN, "ms", NULL, NULL },
		{ "rtmin", h->received ? h->rtt_min : NAN, "ms", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		buf_reset(&label);
		buf_printf(&label, "%s%s", pre, items[i].name);
		/* "U" (no reply, no time) takes no unit, as monitoring-plugins prints it */
		check_perf(c, &(struct perf){ .label = buf_cstr(&label), .value = items[i].v,
		                              .uom = isnan(items[i].v) ? "" : items[i].uom,
		                              .decimals = i == 1 ? 0 : 3, .warn = items[i].w, .crit = items[i].cr,
		                              .has_min = true });
	}
	buf_free(&label);
	if (plugin_verbose && h->received)
		check_long(c, "%s (%s): %u sent, %u received, %u duplicates, %u ICMP errors, "
		           "rtt min/avg/max = %.3f/%.3f/%.3f ms", h->name, h->addrtext, h->sent, h->received,
		           h->duplicates, h->errors, h->rtt_min, rta, h->rtt_max);
	else if (plugin_verbose)
		check_long(c, "%s (%s): %u sent, no reply, %u ICMP errors", h->name, h->addrtext, h->sent, h->errors);
}

int main(int argc, char **argv)
{
	struct config cfg = { .family = AF_UNSPEC, .packets = 5, .interval = 0.2, .size = 56,
	                      .warn = { 200, 40 }, .crit = { 500, 80 } };
	struct check c;
	struct icmp_session s;

	program_parse(&prog, argc, argv, on_option, &cfg);
	validate(&cfg);
	check_init(&c, prog.service);

	struct icmp_host *hosts = xcalloc(cfg.nhosts, sizeof *hosts);
	size_t resolved = 0;
	for (size_t i = 0; i < cfg.nhosts; i++) {
		hosts[i].name = cfg.names[i];
		resolved += icmp_resolve(&hosts[i], cfg.family);
	}
	if (cfg.nhosts == 1 && !resolved)
		plugin_die(STATE_UNKNOWN, "%s", hosts[0].problem);
	const char *why = icmp_open(&s, hosts, cfg.nhosts);
	if (why)
		plugin_die(STATE_UNKNOWN, "%s", why);

	double left = timeout_remaining();
	struct icmp_opts o = {
		.packets = (unsigned)cfg.packets, .interval = cfg.interval, .size = (size_t)cfg.size,
		.linger = cfg.crit.rta / 500 > 1 ? cfg.crit.rta / 500 : 1,
		.deadline = monotonic_now() + left - (left > 1 ? 0.1 : left / 10),
	};
	if (resolved)
		icmp_run(&s, hosts, cfg.nhosts, &o);
	for (size_t i = 0; i < cfg.nhosts; i++)
		report(&c, &cfg, &hosts[i], cfg.nhosts > 1);
	if (plugin_verbose) {
		for (int f = 0; f < 2; f++)
			if (s.kind[f] != ICMP_KIND_NONE)
				check_long(&c, "%s: %s", f ? "IPv6" : "IPv4", icmp_kind_name(s.kind[f]));
	}
	icmp_close(&s);
	for (size_t i = 0; i < cfg.nhosts; i++)
		free(cfg.names[i]);
	free(hosts);
	check_exit(&c);
}
