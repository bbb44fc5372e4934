/* check_netif: network usage per interface from /proc/net/dev, as rates
 * since the last run (runbook 004: "network usage from rx/tx bytes").
 * Perfdata labels are those of check_snmp_int/check_snmp_netint
 * (IF_in_Bps, IF_out_prct, IF_in_error, IF_in_discard ...), the netif
 * plugins existing graphs most often come from. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netif.h"
#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "range.h"
#include "timeout.h"

enum { RX_W, RX_C, TX_W, TX_C, RATE_LIMITS };
enum { OPT_RXW = 256, OPT_RXC, OPT_TXW, OPT_TXC, OPT_ERRW, OPT_ERRC, OPT_DROPW, OPT_DROPC,
       OPT_BITS, OPT_SPEED, OPT_MISSING };

struct config {
	const char **ifs, **excl;
	size_t nifs, nexcl;
	struct range warn, crit;                    /* utilisation %, on the higher of rx and tx */
	const char *rate_text[RATE_LIMITS];
	struct range rate[RATE_LIMITS];             /* bytes per second */
	struct range err_w, err_c, drop_w, drop_c;  /* per second, rx + tx */
	bool bits;
	double speed, sample;                       /* Mb/s override; seconds */
	enum state missing;
};

/* One interface in the report. */
struct item {
	char name[NETIF_NAME_MAX + 1];
	struct netif_link link;
	double speed_Bps;        /* 0: unknown */
	bool present;
	enum netif_verdict v;
	struct netif_rates r;
	unsigned long long total[NC_COUNT];
	double rx, tx, rx_pct, tx_pct, err_ps, drop_ps;
	enum state st;
};

static const struct option_spec options[] = {
	{ "interface", 'i', "IF", "Check interface IF (repeatable). Default: every interface that is up,\n"
	  "except loopback" },
	{ "exclude", 'x', "PATTERN", "Skip the interfaces whose name matches PATTERN, a shell pattern such as\n"
	  "veth* (repeatable)" },
	{ "warning", 'w', "RANGE", "WARNING when the utilisation % of the link (the higher of rx and tx)\n"
	  "is outside RANGE (\"80\" means above 80)" },
	{ "critical", 'c', "RANGE", "CRITICAL likewise" },
	{ "rx-warning", OPT_RXW, "RATE", "WARNING when the receive rate is outside RATE, a range in bytes per\n"
	  "second whose numbers may carry a unit: 500k, 10M, 1G (powers of 1000), 2Gi" },
	{ "rx-critical", OPT_RXC, "RATE", "CRITICAL likewise" },
	{ "tx-warning", OPT_TXW, "RATE", "WARNING when the transmit rate is outside RATE" },
	{ "tx-critical", OPT_TXC, "RATE", "CRITICAL likewise" },
	{ "bits", OPT_BITS, NULL, "RATE thresholds are in bits per second, and the text shows bit/s" },
	{ "errors-warning", OPT_ERRW, "RANGE", "WARNING when receive + transmit errors per second are outside RANGE" },
	{ "errors-critical", OPT_ERRC, "RANGE", "CRITICAL likewise" },
	{ "drops-warning", OPT_DROPW, "RANGE", "WARNING when receive + transmit drops per second are outside RANGE" },
	{ "drops-critical", OPT_DROPC, "RANGE", "CRITICAL likewise" },
	{ "speed", OPT_SPEED, "MBITS", "Link speed in Mb/s for the utilisation, instead of the one the driver\n"
	  "reports in /sys/class/net/IF/speed (virtual NICs often report none)" },
	{ "sample", 's', "SECONDS", "When an interface has no usable baseline (first run, reset, corrupt\n"
	  "state), measure it over SECONDS (0.1 to 60) now instead of on the next run" },
	{ "missing", OPT_MISSING, "STATE", "State when an interface given with -i does not exist (default critical)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_netif",
	.service = "NETIF",
	.purpose = "Checks network usage per interface: receive and transmit rates, errors and\n"
	           "drops since the last run (/proc/net/dev), and the utilisation of the link\n"
	           "when its speed is known.",
	.usage = "[-i IF]... [-x PATTERN]... [-w RANGE] [-c RANGE] [--rx-warning RATE] [--rx-critical RATE]\n"
	         "       [--tx-warning RATE] [--tx-critical RATE] [--bits] [--speed MBITS] [-s SECONDS]",
	.options = options,
	.notes = "The first run records the counters (state dir, one file per interface) and\n"
	         "reports rates from the next run on. 32-bit counters that wrap are followed; a\n"
	         "counter that goes back otherwise (interface reset, reboot) restarts the baseline.\n"
	         "Perfdata per interface: IF_in_Bps IF_out_Bps (bytes/s), IF_in_prct IF_out_prct (%,\n"
	         "when the speed is known), IF_in_error IF_out_error IF_in_discard IF_out_discard\n"
	         "(totals, c), IF_error_ps IF_discard_ps (per second).",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static void push(const char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	struct range probe;
	const char *err;
	switch (key) {
	case 'i':
		if (!netif_name_ok(arg))
			return "not an interface name (1 to 15 bytes, no '/', ':' or blanks)";
		push(&cfg->ifs, &cfg->nifs, arg);
		return NULL;
	case 'x':
		if (!*arg || strlen(arg) > 255)
			return "not an interface name pattern";
		push(&cfg->excl, &cfg->nexcl, arg);
		return NULL;
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case OPT_RXW: case OPT_RXC: case OPT_TXW: case OPT_TXC:
		/* checked now, scaled after all options: --bits may come later */
		if ((err = netif_rate_range(arg, 1, &probe)))
			return err;
		cfg->rate_text[key - OPT_RXW] = arg;
		return NULL;
	case OPT_ERRW: return range_parse(arg, &cfg->err_w);
	case OPT_ERRC: return range_parse(arg, &cfg->err_c);
	case OPT_DROPW: return range_parse(arg, &cfg->drop_w);
	case OPT_DROPC: return range_parse(arg, &cfg->drop_c);
	case OPT_BITS: cfg->bits = true; return NULL;
	case OPT_SPEED: return opt_double(arg, 0.001, 1e7, &cfg->speed);
	case 's': return opt_double(arg, 0.1, 60, &cfg->sample);
	case OPT_MISSING: return opt_state(arg, &cfg->missing);
	}
	return "unhandled option";
}

static bool excluded(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nexcl; i++)
		if (fnmatch(cfg->excl[i], name, 0) == 0)
			return true;
	return false;
}

/* -i as given (once each), else every interface that is up and not loopback. */
static struct item *select_items(const struct config *cfg, const struct netdev *d, size_t *n)
{
	struct item *it = xcalloc(cfg->nifs ? cfg->nifs : d->n, sizeof *it);
	*n = 0;
	for (size_t i = 0; i < (cfg->nifs ? cfg->nifs : d->n); i++) {
		const char *name = cfg->nifs ? cfg->ifs[i] : d->v[i].name;
		bool dup = false;
		for (size_t k = 0; k < *n; k++)
			dup |= strcmp(it[k].name, name) == 0;
		if (dup || excluded(cfg, name))
			continue;
		struct item *x = &it[*n];
		snprintf(x->name, sizeof x->name, "%s", name);
		netif_link_read(name, &x->link);
		/* without sysfs flags, "lo" is the loopback by name */
		if (!cfg->nifs && (x->link.has_flags ? !x->link.up || x->link.loopback : strcmp(name, "lo") == 0))
			continue;
		double mbits = cfg->speed > 0 ? cfg->speed : (double)x->link.speed;
		x->speed_Bps = mbits > 0 ? mbits * 1e6 / 8 : 0;
		(*n)++;
	}
	return it;
}

/* Read the counters now and move each item's state on by one sample. */
static void measure(struct item *it, size_t n, bool only_without_rates)
{
	struct netdev d;
	char boot[40];
	if (netdev_read(&d) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/net/dev: %s", proc_root(), strerror(errno));
	double now = netif_clock();
	netif_boot_id(boot, sizeof boot);
	for (size_t i = 0; i < n; i++) {
		if (only_without_rates && (!it[i].present || it[i].v == NV_RATES))
			continue;
		const struct netif *cur = netdev_find(&d, it[i].name);
		it[i].present = cur != NULL;
		if (!cur)
			continue;
		struct netif_sample s = { .time = now, .ifindex = it[i].link.ifindex };
		memcpy(s.name, cur->name, sizeof s.name);
		memcpy(s.boot_id, boot, sizeof s.boot_id);
		memcpy(s.c, cur->c, sizeof s.c);
		memcpy(it[i].total, cur->c, sizeof it[i].total);
		const char *err = netif_advance(&s, it[i].speed_Bps, &it[i].v, &it[i].r);
		if (err)
			plugin_die(STATE_UNKNOWN, "%s", err);
	}
	netdev_free(&d);
}

static void judge(const struct config *cfg, struct item *x)
{
	x->st = STATE_OK;
	if (!x->present) {
		x->st = cfg->missing;
		return;
	}
	x->rx = x->tx = x->rx_pct = x->tx_pct = x->err_ps = x->drop_ps = NAN;
	if (x->v != NV_RATES)
		return;
	const unsigned long long *d = x->r.delta;
	double s = x->r.secs;
	x->rx = (double)d[NC_RX_BYTES] / s;
	x->tx = (double)d[NC_TX_BYTES] / s;
	x->err_ps = (double)(d[NC_RX_ERRS] + d[NC_TX_ERRS]) / s;
	x->drop_ps = (double)(d[NC_RX_DROP] + d[NC_TX_DROP]) / s;
	x->st = state_worst(range_judge(x->rx, &cfg->rate[RX_W], &cfg->rate[RX_C]),
	                    range_judge(x->tx, &cfg->rate[TX_W], &cfg->rate[TX_C]));
	x->st = state_worst(x->st, range_judge(x->err_ps, &cfg->err_w, &cfg->err_c));
	x->st = state_worst(x->st, range_judge(x->drop_ps, &cfg->drop_w, &cfg->drop_c));
	if (x->speed_Bps > 0) {
		x->rx_pct = 100 * x->rx / x->speed_Bps;
		x->tx_pct = 100 * x->tx / x->speed_Bps;
		x->st = state_worst(x->st, range_judge(x->rx_pct > x->tx_pct ? x->rx_pct : x->tx_pct, &cfg->warn, &cfg->crit));
	}
}

static const char *const counter_name[NC_COUNT] = {
	"rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop",
};

/* What a missing rate means, for the summary. */
static const char *no_rates_reason(const struct item *x)
{
	static char why[64];
	switch (x->v) {
	case NV_FIRST: return "first sample, rates from the next run";
	case NV_CORRUPT: return "state file was corrupt, baseline restarted";
	case NV_RESET:
		snprintf(why, sizeof why, "counters reset (%s went back), baseline restarted",
		         counter_name[x->r.reset_by]);
		return why;
	case NV_REPLACED: return "interface was re-created (new ifindex), baseline restarted";
	case NV_REBOOT: return "host rebooted since the last run, baseline restarted";
	case NV_CLOCK: return "no time passed since the last sample, baseline restarted";
	case NV_RATES: break;
	}
	return "";
}

static bool is_down(const struct item *x)
{
	const char *op = x->link.operstate;
	return (x->link.has_flags && !x->link.up) || strcmp(op, "down") == 0 ||
	       strcmp(op, "lowerlayerdown") == 0 || strcmp(op, "notpresent") == 0;
}

static void summary_item(struct check *c, const struct config *cfg, const struct item *x)
{
	char rx[32], tx[32];
	if (!x->present) {
		check_summary(c, "%s not found", x->name);
		return;
	}
	if (x->v != NV_RATES) {
		check_summary(c, "%s %s", x->name, no_rates_reason(x));
	} else {
		netif_human_rate(x->rx, cfg->bits, rx, sizeof rx);
		netif_human_rate(x->tx, cfg->bits, tx, sizeof tx);
		check_summary(c, "%s rx %s tx %s", x->name, rx, tx);
		if (x->speed_Bps > 0)
			check_summary(c, " (%.1f%%/%.1f%%)", x->rx_pct, x->tx_pct);
		if (x->err_ps > 0 || x->drop_ps > 0)
			check_summary(c, " %.2f errors/s %.2f drops/s", x->err_ps, x->drop_ps);
	}
	if (is_down(x))
		check_summary(c, " (down)");
}

/* The exact numbers, one line per interface. */
static void long_item(struct check *c, const struct config *cfg, const struct item *x)
{
	char rx[32], tx[32], speed[48] = "speed unknown";
	if (!x->present) {
		check_long(c, "%s: not in %s/net/dev", x->name, proc_root());
		return;
	}
	if (x->speed_Bps > 0)
		snprintf(speed, sizeof speed, "%g Mb/s", x->speed_Bps * 8 / 1e6);
	const unsigned long long *t = x->total, *d = x->r.delta;
	if (x->v != NV_RATES) {
		check_long(c, "%s: %s; totals rx %llu B tx %llu B, errors %llu/%llu, drops %llu/%llu; %s; %s",
		           x->name, no_rates_reason(x), t[NC_RX_BYTES], t[NC_TX_BYTES], t[NC_RX_ERRS],
		           t[NC_TX_ERRS], t[NC_RX_DROP], t[NC_TX_DROP], speed,
		           x->link.operstate[0] ? x->link.operstate : "state unknown");
		return;
	}
	netif_human_rate(x->rx, cfg->bits, rx, sizeof rx);
	netif_human_rate(x->tx, cfg->bits, tx, sizeof tx);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s: rx %s (+%llu B) tx %s (+%llu B) over %.6f s", x->name, rx, d[NC_RX_BYTES], tx,
	           d[NC_TX_BYTES], x->r.secs);
	if (x->speed_Bps > 0)
		buf_printf(&b, ", %.2f%%/%.2f%% of %s", x->rx_pct, x->tx_pct, speed);
	else
		buf_printf(&b, ", %s", speed);
	buf_printf(&b, "; errors +%llu/+%llu (%.2f/s), drops +%llu/+%llu (%.2f/s); totals rx %llu B tx %llu B",
	           d[NC_RX_ERRS], d[NC_TX_ERRS], x->err_ps, d[NC_RX_DROP], d[NC_TX_DROP], x->drop_ps,
	           t[NC_RX_BYTES], t[NC_TX_BYTES]);
	for (int i = 0; i < NC_COUNT; i++)
		if (x->r.wrapped & (1u << i))
			buf_printf(&b, "; %s wrapped at 2^32", counter_name[i]);
	check_long(c, "%s", buf_cstr(&b));
	buf_free(&b);
}

static void perf_item(struct check *c, const struct config *cfg, const struct item *x)
{
	char l[64];
	if (!x->present)
		return;
	const struct { const char *suffix; double v; const struct range *w, *cr; } rates[] = {
		{ "in_Bps", x->rx, &cfg->rate[RX_W], &cfg->rate[RX_C] },
		{ "out_Bps", x->tx, &cfg->rate[TX_W], &cfg->rate[TX_C] },
	};
	for (int i = 0; i < 2; i++) {
		snprintf(l, sizeof l, "%s_%s", x->name, rates[i].suffix);
		check_perf(c, &(struct perf){ .label = l, .value = rates[i].v, .decimals = 2, .warn = rates[i].w,
		                              .crit = rates[i].cr, .has_min = true, .has_max = x->speed_Bps > 0,
		                              .max = x->speed_Bps });
	}
	if (x->speed_Bps > 0)
		for (int i = 0; i < 2; i++) {
			snprintf(l, sizeof l, "%s_%s", x->name, i ? "out_prct" : "in_prct");
			check_perf(c, &(struct perf){ .label = l, .value = i ? x->tx_pct : x->rx_pct, .uom = "%",
			                              .decimals = 2, .warn = &cfg->warn, .crit = &cfg->crit,
			                              .has_min = true, .has_max = true, .max = 100 });
		}
	const struct { const char *suffix; enum netif_counter k; } totals[] = {
		{ "in_error", NC_RX_ERRS }, { "out_error", NC_TX_ERRS },
		{ "in_discard", NC_RX_DROP }, { "out_discard", NC_TX_DROP },
	};
	for (int i = 0; i < 4; i++) {
		snprintf(l, sizeof l, "%s_%s", x->name, totals[i].suffix);
		check_perf(c, &(struct perf){ .label = l, .value = (double)x->total[totals[i].k], .uom = "c",
		                              .decimals = 0, .has_min = true });
	}
	snprintf(l, sizeof l, "%s_error_ps", x->name);
	check_perf(c, &(struct perf){ .label = l, .value = x->err_ps, .decimals = 2, .warn = &cfg->err_w,
	                              .crit = &cfg->err_c, .has_min = true });
	snprintf(l, sizeof l, "%s_discard_ps", x->name);
	check_perf(c, &(struct perf){ .label = l, .value = x->drop_ps, .decimals = 2, .warn = &cfg->drop_w,
	                              .crit = &cfg->drop_c, .has_min = true });
}

int main(int argc, char **argv)
{
	struct config cfg = { .missing = STATE_CRITICAL };
	struct check c;
	struct netdev d;
	size_t n;

	program_parse(&prog, argc, argv, on_option, &cfg);
	for (int i = 0; i < RATE_LIMITS; i++)
		if (cfg.rate_text[i])
			netif_rate_range(cfg.rate_text[i], cfg.bits ? 1.0 / 8 : 1, &cfg.rate[i]);
	if (cfg.sample >= timeout_remaining())
		plugin_die(STATE_UNKNOWN, "the sample (%gs) does not fit in the timeout", cfg.sample);
	check_init(&c, prog.service);

	if (netdev_read(&d) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/net/dev: %s", proc_root(), strerror(errno));
	if (d.n == 0)
		plugin_die(STATE_UNKNOWN, "no interface in %s/net/dev", proc_root());
	size_t garbage = d.garbage;
	struct item *it = select_items(&cfg, &d, &n);
	netdev_free(&d);
	if (n == 0)
		plugin_die(STATE_UNKNOWN, "no interface to check: none is up besides loopback, or all are excluded");

	measure(it, n, false);
	bool again = false;
	for (size_t i = 0; i < n; i++)
		again |= it[i].present && it[i].v != NV_RATES;
	if (cfg.sample > 0 && again) {
		struct timespec ts = { (time_t)cfg.sample, (long)((cfg.sample - (double)(time_t)cfg.sample) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		measure(it, n, true);
	}

	size_t quiet = 0, nospeed = 0;
	for (size_t i = 0; i < n; i++) {
		judge(&cfg, &it[i]);
		check_raise(&c, it[i].st);
		quiet += it[i].st == STATE_OK && it[i].present && it[i].v == NV_RATES && !is_down(&it[i]);
		nospeed += it[i].present && it[i].speed_Bps <= 0;
	}
	/* a long list on the status line hides the interface that alerts: past
	 * four, only the ones worth reading, the rest in the long output */
	bool all = n <= 4;
	const char *sep = "";
	for (size_t i = 0; i < n; i++) {
		bool worth = !(it[i].st == STATE_OK && it[i].present && it[i].v == NV_RATES && !is_down(&it[i]));
		if (!all && !worth)
			continue;
		check_summary(&c, "%s", sep);
		summary_item(&c, &cfg, &it[i]);
		sep = ", ";
	}
	if (!all && quiet)
		check_summary(&c, "%s%zu %sinterfaces OK", sep, quiet, quiet < n ? "more " : "");
	if ((cfg.warn.set || cfg.crit.set) && nospeed)
		check_summary(&c, "; no link speed for %zu interface%s: %% not judged (see --speed)", nospeed,
		              nospeed > 1 ? "s" : "");
	for (size_t i = 0; i < n; i++)
		long_item(&c, &cfg, &it[i]);
	if (garbage)
		check_long(&c, "%s/net/dev: %zu malformed line%s ignored", proc_root(), garbage, garbage > 1 ? "s" : "");
	for (size_t i = 0; i < n; i++)
		perf_item(&c, &cfg, &it[i]);
	free(cfg.ifs);
	free(cfg.excl);
	free(it);
	check_exit(&c);
}
