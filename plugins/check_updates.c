/* check_updates: pending package updates and security updates, read from
 * dpkg's status and apt's lists instead of running apt-get (check_apt runs
 * `apt-get -s upgrade`, which takes apt's lock and a second or more). The
 * status line and perfdata are check_apt's. */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "plugin.h"
#include "range.h"
#include "timeout.h"
#include "updates.h"

struct config {
	struct range warn, crit, sec_warn, sec_crit;
	bool all_set, sec_set, refresh;
	const char *status, *lists;
};

enum { OPT_SW = 256, OPT_SC, OPT_STATUS, OPT_LISTS, OPT_REFRESH };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when the number of pending updates is outside RANGE" },
	{ "critical", 'c', "RANGE", "CRITICAL when the number of pending updates is outside RANGE\n"
	  "(default for the pair: -w 0, any update is WARNING)" },
	{ "security-warning", OPT_SW, "RANGE", "WARNING when the number of security updates is outside RANGE" },
	{ "security-critical", OPT_SC, "RANGE", "CRITICAL when the number of security updates is outside RANGE\n"
	  "(default for the pair: --security-critical 0, any security update is CRITICAL)" },
	{ "refresh", OPT_REFRESH, NULL, "Run `apt-get update -qq` first (root only; into --apt-lists when given),\n"
	  "stopped before the -t deadline (raise -t: the default suits reading only)" },
	{ "dpkg-status", OPT_STATUS, "FILE", "dpkg's status file (default " DPKG_STATUS_FILE ")" },
	{ "apt-lists", OPT_LISTS, "DIR", "apt's package lists (default " APT_LISTS_DIR ")" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_updates",
	.service = "UPDATES",
	.purpose = "Checks for pending package updates and security updates on apt systems\n"
	           "(Debian, Ubuntu) from dpkg's status and the lists of the last apt-get update,\n"
	           "without running apt-get. A security update is one whose candidate version\n"
	           "is in a security archive's list (Label/Origin ...Security, Suite -security).",
	.usage = "[-w RANGE] [-c RANGE] [--security-warning RANGE] [--security-critical RANGE]\n"
	         "       [--refresh] [--dpkg-status FILE] [--apt-lists DIR]",
	.options = options,
	.notes = "Giving either option of a pair replaces that pair's default.\n"
	         "apt preferences (pinning) and phased updates are not applied: see the docs.\n"
	         "Perfdata: available_upgrades critical_updates (security), as check_apt.",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *path_arg(const char *arg, const char **out)
{
	if (!*arg)
		return "empty path";
	if (strlen(arg) >= PATH_MAX)
		return "path too long";
	*out = arg;
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': cfg->all_set = true; return range_parse(arg, &cfg->warn);
	case 'c': cfg->all_set = true; return range_parse(arg, &cfg->crit);
	case OPT_SW: cfg->sec_set = true; return range_parse(arg, &cfg->sec_warn);
	case OPT_SC: cfg->sec_set = true; return range_parse(arg, &cfg->sec_crit);
	case OPT_REFRESH: cfg->refresh = true; return NULL;
	case OPT_STATUS: return path_arg(arg, &cfg->status);
	case OPT_LISTS: return path_arg(arg, &cfg->lists);
	}
	return "unhandled option";
}

/* No dpkg: say what the system is instead of "no such file". */
static void need_dpkg(const struct config *cfg)
{
	struct stat sb;
	if (cfg->status || stat(DPKG_STATUS_FILE, &sb) == 0)
		return;
	if (access("/usr/bin/dnf", X_OK) == 0 || access("/usr/bin/yum", X_OK) == 0 || stat("/var/lib/rpm", &sb) == 0)
		plugin_die(STATE_UNKNOWN, "dnf/yum (RPM) systems are not supported on this system yet: "
		                          "check_updates reads apt/dpkg state only");
	plugin_die(STATE_UNKNOWN, "no %s: not a dpkg/apt system", DPKG_STATUS_FILE);
}

/* --refresh: leave time after apt-get to read the lists and answer. */
static void refresh(const struct config *cfg, struct check *c, struct buf *note)
{
	if (geteuid() != 0)
		plugin_die(STATE_UNKNOWN, "--refresh needs root (apt-get update writes the lists)");
	double left = timeout_remaining(), margin = left / 4 < 2 ? left / 4 : 2;
	struct buf why = BUF_INIT;
	if (apt_refresh(cfg->status, cfg->lists, left - margin, &why) < 0) {
		check_raise(c, STATE_UNKNOWN);
		buf_printf(note, " Refresh failed: %s.", buf_cstr(&why));
	}
	buf_free(&why);
}

static void list_updates(struct check *c, const struct apt_updates *u, bool security, bool held)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct update *p = &u->list[i];
		if (p->security == security && p->held == held)
			check_long(c, "  %s%s%s %s -> %s%s%s%s", p->name, p->arch ? ":" : "", p->arch ? p->arch : "",
			           p->installed, p->candidate, *p->origin ? " (" : "", p->origin, *p->origin ? ")" : "");
	}
}

int main(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct check c;
	struct apt_updates u;
	struct buf err = BUF_INIT, note = BUF_INIT;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	if (!cfg.all_set)
		range_parse("0", &cfg.warn);
	if (!cfg.sec_set)
		range_parse("0", &cfg.sec_crit);
	need_dpkg(&cfg);
	if (cfg.refresh)
		refresh(&cfg, &c, &note);
	if (apt_updates_read(cfg.status ? cfg.status : DPKG_STATUS_FILE, cfg.lists ? cfg.lists : APT_LISTS_DIR,
	                     &u, &err) < 0)
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));

	check_raise(&c, range_judge((double)u.upgrades, &cfg.warn, &cfg.crit));
	check_raise(&c, range_judge((double)u.security, &cfg.sec_warn, &cfg.sec_crit));
	check_summary(&c, "%zu packages available for upgrade (%zu critical updates).", u.upgrades, u.security);
	if (u.lists == 0 && u.bad_lists == 0)
		check_summary(&c, " No package lists: run apt-get update.");
	if (u.bad_lists) {
		/* apt itself refuses to work with a list it cannot parse */
		check_raise(&c, STATE_UNKNOWN);
		check_summary(&c, " %zu package lists could not be read.", u.bad_lists);
	}
	check_summary(&c, "%s", buf_cstr(&note));

	check_perf(&c, &(struct perf){ .label = "available_upgrades", .value = (double)u.upgrades, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit, .has_min = true });
	check_perf(&c, &(struct perf){ .label = "critical_updates", .value = (double)u.security, .decimals = 0,
	                               .warn = &cfg.sec_warn, .crit = &cfg.sec_crit, .has_min = true });

	if (u.security) {
		check_long(&c, "Security updates (%zu):", u.security);
		list_updates(&c, &u, true, false);
	}
	size_t other = u.upgrades - u.security;
	if (other && plugin_verbose) {
		check_long(&c, "Other updates (%zu):", other);
		list_updates(&c, &u, false, false);
	} else if (other) {
		check_long(&c, "Other updates: %zu (-v lists them)", other);
	}
	if (u.held) {
		check_long(&c, "Held back by dpkg selection \"hold\", not counted (%zu):", u.held);
		list_updates(&c, &u, true, true);
		list_updates(&c, &u, false, true);
	}
	if (u.problems.len)
		check_long(&c, "%s", buf_cstr(&u.problems));
	if (plugin_verbose)
		check_long(&c, "%zu packages installed, %zu package lists read%s", u.installed, u.lists,
		           u.bad_versions ? " (entries with an invalid version skipped)" : "");
	apt_updates_free(&u);
	buf_free(&err);
	buf_free(&note);
	check_exit(&c);
}
