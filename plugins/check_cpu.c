/* check_cpu: CPU usage over a short sample of /proc/stat. Busy is what is
 * neither idle nor waiting for I/O; iowait and steal have thresholds of
 * their own because each points at a different culprit (disk, hypervisor). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "range.h"
#include "timeout.h"
#include "topprocs.h"

struct config {
	struct range warn, crit, iowait_warn, iowait_crit, steal_warn, steal_crit;
	double sample;
	unsigned procs;
};

enum { OPT_IOW = 256, OPT_IOC, OPT_STW, OPT_STC };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when busy % is outside RANGE (\"80\" means above 80)" },
	{ "critical", 'c', "RANGE", "CRITICAL when busy % is outside RANGE" },
	{ "iowait-warning", OPT_IOW, "RANGE", "WARNING when iowait % is outside RANGE" },
	{ "iowait-critical", OPT_IOC, "RANGE", "CRITICAL when iowait % is outside RANGE" },
	{ "steal-warning", OPT_STW, "RANGE", "WARNING when steal % is outside RANGE" },
	{ "steal-critical", OPT_STC, "RANGE", "CRITICAL when steal % is outside RANGE" },
	{ "sample", 's', "SECONDS", "Length of the sample (default 1, 0.1 to 60)" },
	TOP_OPTION('n', "CPU use during the sample", TOP_ALWAYS),
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_cpu",
	.service = "CPU",
	.purpose = "Checks CPU usage over a short sample of /proc/stat: user, system, iowait,\n"
	           "steal and idle percent of all CPUs together.",
	.usage = "[-w RANGE] [-c RANGE] [-s SECONDS] [-n N] [--iowait-warning RANGE] ...",
	.options = options,
	.notes = "busy = 100 - idle - iowait. user includes nice; system includes irq and softirq.\n"
	         "Perfdata: busy user system iowait steal idle (all %).\n"
	         "The process list is the head of top: each process's CPU time during the\n"
	         "sample in percent of one CPU (a process with 4 busy threads shows 400).",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case OPT_IOW: return range_parse(arg, &cfg->iowait_warn);
	case OPT_IOC: return range_parse(arg, &cfg->iowait_crit);
	case OPT_STW: return range_parse(arg, &cfg->steal_warn);
	case OPT_STC: return range_parse(arg, &cfg->steal_crit);
	case 's': return opt_double(arg, 0.1, 60, &cfg->sample);
	case 'n': return top_opt(arg, &cfg->procs);
	}
	return "unhandled option";
}

static void sample(struct cpustat *s)
{
	if (proc_cpustat(NULL, s) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/stat: %s", proc_root(), strerror(errno));
}

int main(int argc, char **argv)
{
	struct config cfg = { .sample = 1, .procs = TOP_DEFAULT };
	struct check c;
	struct cpustat a, b;
	struct top top;

	program_parse(&prog, argc, argv, on_option, &cfg);
	if (cfg.sample >= timeout_remaining())
		plugin_die(STATE_UNKNOWN, "the sample (%gs) does not fit in the timeout", cfg.sample);
	check_init(&c, prog.service);

	top_init(&top, TOP_CPU, cfg.procs);
	top_sample_start(&top);
	sample(&a);
	struct timespec ts = { (time_t)cfg.sample, (long)((cfg.sample - (double)(time_t)cfg.sample) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	sample(&b);
	top_sample_end(&top);

	struct cpu_usage u;
	if (!cpu_usage(&a, &b, &u))
		plugin_die(STATE_UNKNOWN, "no CPU time passed during the sample");

	check_raise(&c, range_judge(u.busy, &cfg.warn, &cfg.crit));
	check_raise(&c, range_judge(u.iowait, &cfg.iowait_warn, &cfg.iowait_crit));
	check_raise(&c, range_judge(u.steal, &cfg.steal_warn, &cfg.steal_crit));
	check_summary(&c, "%.1f%% busy (user %.1f%%, system %.1f%%, iowait %.1f%%, steal %.1f%%, idle %.1f%%) over %gs on %d CPUs",
	              u.busy, u.user, u.system, u.iowait, u.steal, u.idle, cfg.sample,
	              b.ncpu ? b.ncpu : cpu_count());

	const struct { const char *label; double v; const struct range *w, *c; } items[] = {
		{ "busy", u.busy, &cfg.warn, &cfg.crit },
		{ "user", u.user, NULL, NULL },
		{ "system", u.system, NULL, NULL },
		{ "iowait", u.iowait, &cfg.iowait_warn, &cfg.iowait_crit },
		{ "steal", u.steal, &cfg.steal_warn, &cfg.steal_crit },
		{ "idle", u.idle, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		check_perf(&c, &(struct perf){ .label = items[i].label, .value = items[i].v, .uom = "%",
		                               .decimals = 2, .warn = items[i].w, .crit = items[i].c,
		                               .has_min = true, .min = 0, .has_max = true, .max = 100 });
	top_long(&c, &top);
	top_free(&top);
	check_exit(&c);
}
