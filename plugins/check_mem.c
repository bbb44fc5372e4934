/* check_mem: memory in use, judged from MemAvailable (what the kernel can
 * hand out without swapping), not from MemFree, which counts page cache as
 * used and alarms on every healthy server. */
#include <errno.h>
#include <string.h>

#include "memview.h"
#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "range.h"
#include "size.h"
#include "topprocs.h"

struct config {
	struct range warn, crit;
	double avail_warn, avail_crit;   /* bytes, or percent when *_pct */
	bool avail_warn_pct, avail_crit_pct;
	unsigned procs;
};

enum { OPT_AW = 256, OPT_AC };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when used % is outside RANGE (\"80\" means above 80)" },
	{ "critical", 'c', "RANGE", "CRITICAL when used % is outside RANGE" },
	{ "available-warning", OPT_AW, "SIZE", "WARNING when available memory is below SIZE (512M, 2G, 10%)" },
	{ "available-critical", OPT_AC, "SIZE", "CRITICAL when available memory is below SIZE" },
	TOP_OPTION('n', "resident memory and by swap", TOP_LAZY),
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_mem",
	.service = "MEM",
	.purpose = "Checks memory use: used = MemTotal - MemAvailable (/proc/meminfo),\n"
	           "as `free` counts it. The long output is the `free` view and the biggest\n"
	           "processes by resident memory (RSS) and by swap (VmSwap).",
	.usage = "[-w RANGE] [-c RANGE] [--available-warning SIZE] [--available-critical SIZE] [-n N]",
	.options = options,
	.notes = "SIZE is bytes with an optional unit (K, M, G, T; binary) or a percent of MemTotal.\n"
	         "Perfdata: used_pct (%), used available free shared buff_cache total (B).",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case OPT_AW:
		return size_parse(arg, 1, &cfg->avail_warn, &cfg->avail_warn_pct) ? NULL : "not a size";
	case OPT_AC:
		return size_parse(arg, 1, &cfg->avail_crit, &cfg->avail_crit_pct) ? NULL : "not a size";
	case 'n': return top_opt(arg, &cfg->procs);
	}
	return "unhandled option";
}

int main(int argc, char **argv)
{
	struct config cfg = { .avail_warn = -1, .avail_crit = -1, .procs = TOP_AUTO };
	struct check c;
	struct meminfo m;
	struct top top;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	if (proc_meminfo(NULL, &m) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s/meminfo: %s", proc_root(), strerror(errno));

	double total = (double)m.total, avail = (double)mem_available(&m);
	double used = total - avail, pct = 100.0 * used / total;
	check_raise(&c, range_judge(pct, &cfg.warn, &cfg.crit));

	/* available below a floor: as bytes, or as a percent of total */
	struct range aw = { 0 }, ac = { 0 };
	if (cfg.avail_warn >= 0)
		aw = range_below(cfg.avail_warn_pct ? cfg.avail_warn * total / 100 : cfg.avail_warn);
	if (cfg.avail_crit >= 0)
		ac = range_below(cfg.avail_crit_pct ? cfg.avail_crit * total / 100 : cfg.avail_crit);
	check_raise(&c, range_judge(avail, &aw, &ac));

	char u[32], t[32], a[32];
	human_bytes(used, u, sizeof u);
	human_bytes(total, t, sizeof t);
	human_bytes(avail, a, sizeof a);
	check_summary(&c, "%.1f%% used (%s of %s), %s available", pct, u, t, a);
	if (!m.has_available)
		check_summary(&c, " (estimated: no MemAvailable in this kernel)");

	check_perf(&c, &(struct perf){ .label = "used_pct", .value = pct, .uom = "%", .decimals = 2,
	                               .warn = &cfg.warn, .crit = &cfg.crit,
	                               .has_min = true, .has_max = true, .max = 100 });
	const struct { const char *label; double v; const struct range *w, *cr; } items[] = {
		{ "used", used, NULL, NULL },
		{ "available", avail, &aw, &ac },
		{ "free", (double)m.free, NULL, NULL },
		{ "shared", (double)m.shmem, NULL, NULL },
		{ "buff_cache", (double)(m.buffers + m.cached + m.sreclaimable), NULL, NULL },
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
		check_perf(&c, &(struct perf){ .label = items[i].label, .value = items[i].v, .uom = "B",
		                               .decimals = 0, .warn = items[i].w, .crit = items[i].cr,
		                               .has_min = true, .has_max = true, .max = total });
	memview_long(&c, &m);
	top_init(&top, TOP_RSS | TOP_SWAP, top_rows(cfg.procs, c.state == STATE_OK));
	top.swap_unused = m.swap_free >= m.swap_total;
	top_scan(&top);
	top_long(&c, &top);
	top_free(&top);
	check_exit(&c);
}
