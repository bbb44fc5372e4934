/* check_load: the 1/5/15-minute load average, optionally per CPU.
 * Output and perfdata as monitoring-plugins' check_load. */
#include <errno.h>
#include <string.h>

#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "range.h"
#include "topprocs.h"

struct config {
	struct range warn[3], crit[3];
	bool percpu;
	unsigned procs;
};

static const struct option_spec options[] = {
	{ "warning", 'w', "WLOAD1,WLOAD5,WLOAD15",
	  "WARNING when a load average is outside these ranges\n"
	  "(one value applies to all three; \"15\" means above 15)" },
	{ "critical", 'c', "CLOAD1,CLOAD5,CLOAD15", "CRITICAL likewise" },
	{ "percpu", 'r', NULL, "Divide the load averages by the number of CPUs" },
	TOP_OPTION('n', "CPU (lifetime %CPU, as ps)", TOP_LAZY),
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_load",
	.service = "LOAD",
	.purpose = "Checks the system load average (/proc/loadavg).",
	.usage = "[-r] [-w WLOAD1,WLOAD5,WLOAD15] [-c CLOAD1,CLOAD5,CLOAD15] [-n N]",
	.options = options,
	.notes = "Thresholds are Nagios ranges (10, 10:, ~:10, 10:20, @10:20).\n"
	         "Perfdata: load1 load5 load15 (and scaled_load1.. with -r).\n"
	         "The load average has no sample to measure processes over, so the list ranks\n"
	         "them by CPU time over their lifetime, as ps's %CPU; check_cpu lists them by\n"
	         "their CPU use during its sample.",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *triple(const char *arg, struct range r[3])
{
	size_t n;
	const char *err = range_parse_list(arg, r, 3, &n);
	if (err)
		return err;
	if (n == 2)
		return "give one threshold or three (1, 5 and 15 minutes)";
	if (n == 1)
		r[1] = r[2] = r[0];
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return triple(arg, cfg->warn);
	case 'c': return triple(arg, cfg->crit);
	case 'r': cfg->percpu = true; return NULL;
	case 'n': return top_opt(arg, &cfg->procs);
	}
	return "unhandled option";
}

int main(int argc, char **argv)
{
	static const char *const labels[3] = { "load1", "load5", "load15" };
	static const char *const scaled[3] = { "scaled_load1", "scaled_load5", "scaled_load15" };
	struct config cfg = { .procs = TOP_AUTO };
	struct check c;
	struct loadavg la;
	struct top top;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	if (proc_loadavg(NULL, &la) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/loadavg: %s", proc_root(), strerror(errno));

	int ncpu = cfg.percpu ? cpu_count() : 1;
	double judged[3];
	for (int i = 0; i < 3; i++) {
		judged[i] = la.load[i] / ncpu;
		check_raise(&c, range_judge(judged[i], &cfg.warn[i], &cfg.crit[i]));
	}
	if (cfg.percpu)
		check_summary(&c, "scaled load average: %.2f, %.2f, %.2f - ", judged[0], judged[1], judged[2]);
	check_summary(&c, "total load average: %.2f, %.2f, %.2f", la.load[0], la.load[1], la.load[2]);

	for (int i = 0; i < 3; i++) {
		bool plain_judged = !cfg.percpu;
		check_perf(&c, &(struct perf){ .label = labels[i], .value = la.load[i], .decimals = 3,
		                               .warn = plain_judged ? &cfg.warn[i] : NULL,
		                               .crit = plain_judged ? &cfg.crit[i] : NULL,
		                               .has_min = true });
		if (cfg.percpu)
			check_perf(&c, &(struct perf){ .label = scaled[i], .value = judged[i], .decimals = 3,
			                               .warn = &cfg.warn[i], .crit = &cfg.crit[i], .has_min = true });
	}
	if (plugin_verbose && la.running >= 0)
		check_long(&c, "%d CPUs online, %ld of %ld scheduling entities runnable",
		           cpu_count(), la.running, la.total);
	else if (plugin_verbose)
		check_long(&c, "%d CPUs online", cpu_count());
	top_init(&top, TOP_CPU, top_rows(cfg.procs, c.state == STATE_OK));
	top_scan(&top);
	top_long(&c, &top);
	top_free(&top);
	check_exit(&c);
}
