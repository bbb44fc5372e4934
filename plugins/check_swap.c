/* check_swap: free swap, in monitoring-plugins' form (thresholds are the
 * free space that must remain: "20%" or a size), so existing definitions and
 * graphs keep working. -a judges each swap device on its own. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "memview.h"
#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "range.h"
#include "size.h"
#include "topprocs.h"

struct limit {
	double v;       /* bytes, or percent */
	bool pct, set;
};

struct config {
	struct limit warn, crit;
	bool all;
	enum state no_swap;
	unsigned procs;
};

enum { OPT_PROCS = 256 };

static const struct option_spec options[] = {
	{ "warning", 'w', "SIZE|PERCENT%", "WARNING when less than SIZE bytes (units K M G T allowed)\n"
	  "or PERCENT of swap is free" },
	{ "critical", 'c', "SIZE|PERCENT%", "CRITICAL likewise" },
	{ "allswaps", 'a', NULL, "Judge every swap device (/proc/swaps) on its own too" },
	{ "no-swap", 'n', "STATE", "State when there is no swap at all (default critical)" },
	/* -n is monitoring-plugins' --no-swap here */
	TOP_OPTION(OPT_PROCS, "swap use (VmSwap)", TOP_LAZY),
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_swap",
	.service = "SWAP",
	.purpose = "Checks free swap space (/proc/meminfo, /proc/swaps). The long output is the\n"
	           "`free` view, as runbook 001 asks for a SWAP alert, and the processes\n"
	           "that hold the most swap.",
	.usage = "[-a] -w SIZE|PERCENT% -c SIZE|PERCENT% [-n STATE] [--procs-to-show N]",
	.options = options,
	.notes = "Perfdata as monitoring-plugins: swap=FREE B;WARN;CRIT;0;TOTAL, where WARN and CRIT\n"
	         "are the free bytes below which the state changes (written N:, \"alert below N\").",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *limit(const char *arg, struct limit *l)
{
	if (!size_parse(arg, 1, &l->v, &l->pct))
		return "not a size or percent";
	l->set = true;
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return limit(arg, &cfg->warn);
	case 'c': return limit(arg, &cfg->crit);
	case 'a': cfg->all = true; return NULL;
	case 'n':
		return opt_state(arg, &cfg->no_swap);
	case OPT_PROCS: return top_opt(arg, &cfg->procs);
	}
	return "unhandled option";
}

/* The free-bytes floor a limit means for a swap area of this size. */
static struct range floor_of(const struct limit *l, double total)
{
	if (!l->set)
		return (struct range){ 0 };
	return range_below(l->pct ? l->v * total / 100 : l->v);
}

static enum state judge(struct check *c, const struct config *cfg, const char *name,
                        double total, double free_b, bool summary)
{
	struct range w = floor_of(&cfg->warn, total), cr = floor_of(&cfg->crit, total);
	enum state s = range_judge(free_b, &w, &cr);
	/* percent limits are judged on the percent, as mp does, so that 0 of 0 is 0% */
	int pct = total > 0 ? (int)(100.0 * free_b / total) : 0;
	if (summary)
		check_summary(c, "%d%% free (%.0fMB out of %.0fMB)", pct, free_b / 1048576, total / 1048576);
	else
		check_long(c, "%s: %s, %d%% free (%.0fMB out of %.0fMB)", name, state_name(s), pct,
		           free_b / 1048576, total / 1048576);
	return s;
}

/* -a: each line of /proc/swaps after the header: name type size used prio (kB) */
static void each_device(struct check *c, const struct config *cfg)
{
	char buf[16384];
	char path[4096];
	snprintf(path, sizeof path, "%s/swaps", proc_root());
	if (read_text_file(path, buf, sizeof buf) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s: %s", path, strerror(errno));
	/* the first line is the header; parse_swap_line refuses it anyway */
	for (const char *line = buf; *line;) {
		size_t len = strcspn(line, "\n");
		struct swap_area a;
		if (line != buf && parse_swap_line(line, len, &a))
			check_raise(c, judge(c, cfg, a.name, (double)a.size_kb * 1024,
			                     (double)(a.size_kb - a.used_kb) * 1024, false));
		line += len + (line[len] == '\n');
	}
}

int main(int argc, char **argv)
{
	struct config cfg = { .no_swap = STATE_CRITICAL, .procs = TOP_AUTO };
	struct check c;
	struct meminfo m;
	struct top top;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	if (proc_meminfo(NULL, &m) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/meminfo: %s", proc_root(), strerror(errno));

	double total = (double)m.swap_total, free_b = (double)m.swap_free;
	if (free_b > total)
		free_b = total;
	if (total == 0) {
		check_raise(&c, cfg.no_swap);
		check_summary(&c, "0%% free (0MB out of 0MB) - Swap is either disabled, not present, or of zero size.");
	} else {
		check_raise(&c, judge(&c, &cfg, "total", total, free_b, true));
		if (cfg.all)
			each_device(&c, &cfg);
	}
	struct range w = floor_of(&cfg.warn, total), cr = floor_of(&cfg.crit, total);
	check_perf(&c, &(struct perf){ .label = "swap", .value = free_b, .uom = "B", .decimals = 0,
	                               .warn = &w, .crit = &cr, .has_min = true, .has_max = true,
	                               .max = total });
	memview_long(&c, &m);
	top_init(&top, TOP_SWAP, top_rows(cfg.procs, c.state == STATE_OK));
	top.swap_unused = m.swap_free >= m.swap_total;
	top_scan(&top);
	top_long(&c, &top);
	top_free(&top);
	check_exit(&c);
}
