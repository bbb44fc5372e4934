/* check_procs: count processes that pass filters, or judge each one's
 * memory, CPU or age. Options, status line and perfdata are those of
 * monitoring-plugins' check_procs; the table comes from /proc (lib/procs),
 * not from a forked ps. */
#include <errno.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "proc.h"
#include "procs.h"
#include "range.h"

enum metric { M_PROCS, M_VSZ, M_RSS, M_CPU, M_ELAPSED };
static const char *const metric_names[] = { "PROCS", "VSZ", "RSS", "CPU", "ELAPSED" };

/* Filters, in the order their text can appear in the summary. */
enum filter { F_STATE, F_PPID, F_USER, F_COMMAND, F_ARGS, F_EREG, F_RSS, F_VSZ, F_PCPU,
              F_EXCLUDE, F_COUNT };

enum { OPT_EREG = 256, OPT_STATUS, OPT_TRADITIONAL, VERBOSE_LINES = 50, FAILS_SHOWN = 20 };

#define STATE_FLAGS "RSDZTtXxKWPI<NLsl+"

struct config {
	struct range warn, crit;
	const char *warn_text, *crit_text;
	enum metric metric;
	struct procs_filter f;
	unsigned filters;                 /* bit per enum filter given */
	enum filter order[F_COUNT];       /* as first given, for the summary */
	int norder;
	const char *ereg_text;
	regex_t ereg;
	char user[64];
	bool traditional;
};

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when the metric is outside RANGE" },
	{ "critical", 'c', "RANGE", "CRITICAL when the metric is outside RANGE" },
	{ "metric", 'm', "TYPE",
	  "What the thresholds judge:\n"
	  "PROCS   - number of matching processes (default)\n"
	  "VSZ     - virtual memory of each process, kB\n"
	  "RSS     - resident memory of each process, kB\n"
	  "CPU     - %CPU of each process, as ps computes it\n"
	  "ELAPSED - seconds since each process started\n"
	  "For all but PROCS each process is judged and the alerting ones counted" },
	{ "traditional", 'T', NULL, "Exclude only this plugin's own PID and its parent, not\n"
	                            "other processes running the check_procs binary" },
	{ "traditional-filter", OPT_TRADITIONAL, NULL, "Same as -T" },
	{ "state", 's', "STATUSFLAGS",
	  "Only processes whose ps STAT has any of these flags: R S D Z T t X I\n"
	  "(state) or < N L s l + (modifiers), e.g. Z, or DZ for D or Z" },
	{ "status", OPT_STATUS, "STATUSFLAGS", "Same as -s (monitoring-plugins' long name)" },
	{ "ppid", 'p', "PPID", "Only children of process PPID" },
	{ "vsz", 'z', "KB", "Only processes with VSZ >= KB kilobytes" },
	{ "rss", 'r', "KB", "Only processes with RSS >= KB kilobytes" },
	{ "pcpu", 'P', "PERCENT", "Only processes using >= PERCENT %CPU" },
	{ "user", 'u', "USER", "Only processes whose effective user is USER (name or UID)" },
	{ "argument-array", 'a', "STRING", "Only processes whose args contain STRING" },
	{ "ereg-argument-array", OPT_EREG, "REGEX",
	  "Only processes whose args match the POSIX extended REGEX" },
	{ "command", 'C', "COMMAND",
	  "Only processes named COMMAND: the kernel's name (as ps -C; a COMMAND\n"
	  "over 15 bytes matches its first 15), or, as monitoring-plugins, the last\n"
	  "path element of that name's first word (\"/usr/sbin/spamd\" is spamd)" },
	{ "exclude-process", 'X', "NAME[,NAME...]", "Leave out processes with these command names" },
	{ "no-kthreads", 'k', NULL, "Leave out kernel threads" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_procs",
	.service = "PROCS",
	.purpose = "Counts the processes that pass the filters (all given filters must match)\n"
	           "and checks the count, or the memory, CPU or age of each, against RANGEs.\n"
	           "Reads /proc directly. This plugin, its parent and other running\n"
	           "check_procs are left out, as monitoring-plugins does.",
	.usage = "[-w RANGE] [-c RANGE] [-m METRIC] [-s STATUSFLAGS] [-p PPID] [-u USER]\n"
	         "       [-r KB] [-z KB] [-P PERCENT] [-a STRING] [--ereg-argument-array REGEX]\n"
	         "       [-C COMMAND] [-X NAMES] [-k] [-T] [-t SECONDS] [-v] [WARN [CRIT [STATUSFLAGS]]]",
	.options = options,
	.notes = "RANGEs are Nagios ranges: 10 (0..10), 10: (at least 10), ~:10, 10:20, @10:20\n"
	         "(alert inside). Example: check_procs -C sshd -c 1: is CRITICAL without sshd.\n"
	         "Perfdata: procs=N;WARN;CRIT;0; (and procs_warn, procs_crit for -m other than PROCS).",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
	.operands = true,
};

static void add_filter(struct config *cfg, enum filter f)
{
	if (!(cfg->filters & (1u << f)))
		cfg->order[cfg->norder++] = f;
	cfg->filters |= 1u << f;
}

static bool has(const struct config *cfg, enum filter f)
{
	return cfg->filters & (1u << f);
}

static const char *set_user(struct config *cfg, const char *arg)
{
	static char msg[128];
	struct passwd *pw;
	long uid;
	if (num_parse_long(arg, 0, 4294967294L, &uid)) {
		pw = getpwuid((uid_t)uid);
		snprintf(msg, sizeof msg, "no user with UID %.20s", arg);
	} else {
		pw = getpwnam(arg);
		snprintf(msg, sizeof msg, "no user named '%.40s'", arg);
	}
	if (!pw)
		return msg;
	cfg->f.uid = pw->pw_uid;
	cfg->f.by_uid = true;
	snprintf(cfg->user, sizeof cfg->user, "%s", pw->pw_name);
	add_filter(cfg, F_USER);
	return NULL;
}

static const char *set_states(struct config *cfg, const char *arg)
{
	static char msg[128];
	if (!*arg)
		return "-s needs at least one state flag";
	size_t bad = strspn(arg, STATE_FLAGS);
	if (arg[bad]) {
		snprintf(msg, sizeof msg, "'%c' is not a process state flag (%s)", arg[bad], STATE_FLAGS);
		return msg;
	}
	if (!has(cfg, F_STATE))  /* like monitoring-plugins: the first -s counts */
		cfg->f.states = arg;
	add_filter(cfg, F_STATE);
	return NULL;
}

static const char *set_ereg(struct config *cfg, const char *arg)
{
	static char msg[256];
	if (has(cfg, F_EREG))
		regfree(&cfg->ereg);
	int err = regcomp(&cfg->ereg, arg, REG_EXTENDED | REG_NOSUB);
	if (err) {
		char why[160];
		regerror(err, &cfg->ereg, why, sizeof why);
		snprintf(msg, sizeof msg, "could not compile regular expression: %.160s", why);
		cfg->filters &= ~(1u << F_EREG);
		return msg;
	}
	cfg->ereg_text = arg;
	cfg->f.args_re = &cfg->ereg;
	add_filter(cfg, F_EREG);
	return NULL;
}

static const char *set_kb(struct config *cfg, enum filter f, const char *arg)
{
	bool rss = f == F_RSS;
	if (!num_parse_ull(arg, rss ? &cfg->f.rss_kb : &cfg->f.vsz_kb))
		return rss ? "-r needs a whole number of kilobytes" : "-z needs a whole number of kilobytes";
	*(rss ? &cfg->f.by_rss : &cfg->f.by_vsz) = true;
	add_filter(cfg, f);
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	const char *err;
	long l;
	switch (key) {
	case 'w':
		cfg->warn_text = arg;
		return range_parse(arg, &cfg->warn);
	case 'c':
		cfg->crit_text = arg;
		return range_parse(arg, &cfg->crit);
	case 'm':
		for (int m = 0; m <= M_ELAPSED; m++)
			if (strcasecmp(arg, metric_names[m]) == 0) {
				cfg->metric = (enum metric)m;
				return NULL;
			}
		return "metric must be one of PROCS, VSZ, RSS, CPU, ELAPSED";
	case 's':
	case OPT_STATUS:
		return set_states(cfg, arg);
	case 'p':
		if ((err = opt_long(arg, 0, 2147483647L, &l)))
			return err;
		cfg->f.ppid = (pid_t)l;
		cfg->f.by_ppid = true;
		add_filter(cfg, F_PPID);
		return NULL;
	case 'u':
		return set_user(cfg, arg);
	case 'r':
		return set_kb(cfg, F_RSS, arg);
	case 'z':
		return set_kb(cfg, F_VSZ, arg);
	case 'P':
		if ((err = opt_double(arg, 0, 1e9, &cfg->f.pcpu)))
			return err;
		cfg->f.by_pcpu = true;
		add_filter(cfg, F_PCPU);
		return NULL;
	case 'a':
		if (!has(cfg, F_ARGS))
			cfg->f.args = arg;
		add_filter(cfg, F_ARGS);
		return NULL;
	case OPT_EREG:
		return set_ereg(cfg, arg);
	case 'C':
		if (!*arg)
			return "-C needs a command name";
		if (!has(cfg, F_COMMAND))
			cfg->f.command = arg;
		add_filter(cfg, F_COMMAND);
		return NULL;
	case 'X':
		if (!has(cfg, F_EXCLUDE))
			cfg->f.exclude = arg;
		add_filter(cfg, F_EXCLUDE);
		return NULL;
	case 'k':
		cfg->f.no_kthreads = true;
		return NULL;
	case 'T':
	case OPT_TRADITIONAL:
		cfg->traditional = true;
		return NULL;
	}
	return "unhandled option";
}

/* monitoring-plugins' legacy form: check_procs [WARN [CRIT [STATUSFLAGS]]]. */
static void operands(struct config *cfg, int argc, char **argv, int i)
{
	const char *err = NULL;
	if (i < argc && !cfg->warn_text)
		err = on_option(cfg, 'w', argv[i++]);
	if (!err && i < argc && !cfg->crit_text)
		err = on_option(cfg, 'c', argv[i++]);
	if (!err && i < argc && !has(cfg, F_STATE))
		err = on_option(cfg, 's', argv[i++]);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s (see %s --help)", err, prog.name);
	if (i < argc)
		plugin_die(STATE_UNKNOWN, "unexpected argument '%s' (see %s --help)", argv[i], prog.name);
}

/* One matching process, kept for -v. */
struct hit {
	pid_t pid;
	uid_t uid;
	enum state state;
	char stat[PROCS_STAT_FLAGS_MAX];
	double pcpu;
	unsigned long long rss_kb, vsz_kb, elapsed;
	char *args;
};

struct scan {
	const struct config *cfg;
	struct procs_clock clk;
	pid_t self, parent;
	char self_comm[PROCS_COMM_MAX];
	struct stat self_exe;
	bool have_exe;
	int seen, procs, warn, crit, nfails;
	struct buf fails;
	struct hit *hits;
	size_t nhits, cap;
};

/* monitoring-plugins leaves out itself, its parent (the shell of a command
 * definition holds the same -a string) and every process running its own
 * executable (concurrent checks); -T narrows the last to our own PID. */
static bool is_self(struct scan *s, const struct proc_info *p)
{
	if (p->pid == s->self || p->pid == s->parent)
		return true;
	if (s->cfg->traditional || !s->have_exe || strcmp(p->comm, s->self_comm) != 0)
		return false;
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/%d/exe", proc_root(), (int)p->pid);
	return stat(path, &st) == 0 && st.st_dev == s->self_exe.st_dev && st.st_ino == s->self_exe.st_ino;
}

static double metric_value(const struct scan *s, const struct proc_info *p)
{
	switch (s->cfg->metric) {
	case M_VSZ: return (double)p->vsz_kb;
	case M_RSS: return (double)p->rss_kb;
	case M_CPU: return proc_pcpu(p, &s->clk);
	case M_ELAPSED: return (double)proc_elapsed(p, &s->clk);
	case M_PROCS: break;
	}
	return 0;
}

static void keep_hit(struct scan *s, struct proc_info *p, enum state st)
{
	if (s->nhits == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->hits = xrealloc(s->hits, s->cap * sizeof *s->hits);
	}
	struct hit *h = &s->hits[s->nhits++];
	h->pid = p->pid;
	h->uid = p->uid;
	h->state = st;
	proc_stat_flags(p, h->stat);
	h->pcpu = proc_pcpu(p, &s->clk);
	h->rss_kb = p->rss_kb;
	h->vsz_kb = p->vsz_kb;
	h->elapsed = proc_elapsed(p, &s->clk);
	/* the line is for a person: 300 bytes of args are enough */
	bool cut = p->args_len > 300;
	size_t n = cut ? 300 : p->args_len;
	h->args = xmalloc(n + 4);
	memcpy(h->args, p->args, n);
	strcpy(h->args + n, cut ? "..." : "");
}

static int visit(struct proc_info *p, void *ctx)
{
	struct scan *s = ctx;
	const struct config *cfg = s->cfg;

	if (is_self(s, p))
		return 0;
	s->seen++;
	if (!procs_match(&cfg->f, p))
		return 0;

	s->procs++;
	enum state st = STATE_OK;
	if (cfg->metric != M_PROCS) {
		st = range_judge(metric_value(s, p), &cfg->warn, &cfg->crit);
		if (st == STATE_CRITICAL)
			s->crit++;
		else if (st == STATE_WARNING)
			s->warn++;
		if (st != STATE_OK && plugin_verbose && s->nfails++ < FAILS_SHOWN)
			buf_printf(&s->fails, "%s%s", s->fails.len ? ", " : "", p->comm);
	}
	if (plugin_verbose)
		keep_hit(s, p, st);
	return 0;
}

/* A filter string as the summary shows it: a 100 kB -a must not make a
 * status line that engines cut or refuse. */
#define SHOWN 200
#define SHOW(s) (strlen(s) > SHOWN ? SHOWN : (int)strlen(s)), (s), (strlen(s) > SHOWN ? "..." : "")

static void describe_filters(struct check *c, const struct config *cfg)
{
	for (int i = 0; i < cfg->norder; i++) {
		check_summary(c, "%s", i ? ", " : " with ");
		switch (cfg->order[i]) {
		case F_STATE: check_summary(c, "STATE = %.*s%s", SHOW(cfg->f.states)); break;
		case F_PPID: check_summary(c, "PPID = %d", (int)cfg->f.ppid); break;
		case F_USER: check_summary(c, "UID = %u (%s)", (unsigned)cfg->f.uid, cfg->user); break;
		case F_COMMAND: check_summary(c, "command name '%.*s%s'", SHOW(cfg->f.command)); break;
		case F_ARGS: check_summary(c, "args '%.*s%s'", SHOW(cfg->f.args)); break;
		case F_EREG: {
			/* monitoring-plugins turns the regex's '|' into ',' here */
			char *t = xstrdup(cfg->ereg_text);
			for (char *q = t; *q; q++)
				if (*q == '|')
					*q = ',';
			check_summary(c, "regex args '%.*s%s'", SHOW(t));
			free(t);
			break;
		}
		case F_RSS: check_summary(c, "RSS >= %llu", cfg->f.rss_kb); break;
		case F_VSZ: check_summary(c, "VSZ >= %llu", cfg->f.vsz_kb); break;
		case F_PCPU: check_summary(c, "PCPU >= %.2f", cfg->f.pcpu); break;
		case F_EXCLUDE: check_summary(c, "exclude progs '%.*s%s'", SHOW(cfg->f.exclude)); break;
		case F_COUNT: break;
		}
	}
}

static const char *user_name(uid_t uid)
{
	static struct { uid_t uid; char name[33]; } cache[32];
	static int n;
	for (int i = 0; i < n; i++)
		if (cache[i].uid == uid)
			return cache[i].name;
	int slot = n < 32 ? n++ : 31;
	struct passwd *pw = getpwuid(uid);
	cache[slot].uid = uid;
	if (pw)
		snprintf(cache[slot].name, sizeof cache[slot].name, "%s", pw->pw_name);
	else
		snprintf(cache[slot].name, sizeof cache[slot].name, "%u", (unsigned)uid);
	return cache[slot].name;
}

static int by_state(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int rx = x->state == STATE_CRITICAL ? 0 : x->state == STATE_WARNING ? 1 : 2;
	int ry = y->state == STATE_CRITICAL ? 0 : y->state == STATE_WARNING ? 1 : 2;
	if (rx != ry)
		return rx - ry;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* -v: the matching processes, alerting ones first, at most 50 lines. */
static void list_hits(struct check *c, struct scan *s, enum metric m)
{
	if (m != M_PROCS)
		qsort(s->hits, s->nhits, sizeof *s->hits, by_state);
	size_t shown = s->nhits <= VERBOSE_LINES ? s->nhits : VERBOSE_LINES - 1;
	for (size_t i = 0; i < shown; i++) {
		const struct hit *h = &s->hits[i];
		char extra[64] = "";
		if (m == M_VSZ)
			snprintf(extra, sizeof extra, " vsz=%llukB", h->vsz_kb);
		else if (m == M_ELAPSED)
			snprintf(extra, sizeof extra, " elapsed=%llus", h->elapsed);
		check_long(c, "%s%spid=%d user=%s stat=%s cpu=%.1f%% rss=%llukB%s args=%s",
		           m == M_PROCS ? "" : state_name(h->state), m == M_PROCS ? "" : " ",
		           (int)h->pid, user_name(h->uid), h->stat, h->pcpu, h->rss_kb, extra, h->args);
	}
	if (shown < s->nhits)
		check_long(c, "... and %zu more", s->nhits - shown);
	for (size_t i = 0; i < s->nhits; i++)
		free(s->hits[i].args);
	free(s->hits);
}

int main(int argc, char **argv)
{
	struct config cfg = { .metric = M_PROCS };
	struct scan s = { .cfg = &cfg, .fails = BUF_INIT };
	struct check c;

	operands(&cfg, argc, argv, program_parse(&prog, argc, argv, on_option, &cfg));
	check_init(&c, metric_names[cfg.metric]);
	c.sep = ": ";

	s.self = getpid();
	s.parent = getppid();
	char path[4096];
	snprintf(path, sizeof path, "%s/self/comm", proc_root());
	if (read_text_file(path, s.self_comm, sizeof s.self_comm) > 0)
		s.self_comm[strcspn(s.self_comm, "\n")] = '\0';
	snprintf(path, sizeof path, "%s/self/exe", proc_root());
	s.have_exe = stat(path, &s.self_exe) == 0;
	if ((has(&cfg, F_PCPU) || cfg.metric == M_CPU || cfg.metric == M_ELAPSED || plugin_verbose) &&
	    !procs_clock_read(&s.clk))
		plugin_die(STATE_UNKNOWN, "cannot read %s/uptime: %s", proc_root(), strerror(errno));
	cfg.f.clock = &s.clk;
	if (cfg.metric == M_RSS || plugin_verbose)
		cfg.f.load |= PROCS_STATUS;  /* exact RSS, and the user for -v */
	if (plugin_verbose)
		cfg.f.load |= PROCS_ARGS;

	if (procs_scan(0, visit, &s) < 0)
		plugin_die(STATE_UNKNOWN, "cannot read %s: %s", proc_root(), strerror(errno));
	if (s.seen == 0)
		plugin_die(STATE_UNKNOWN, "no processes found in %s", proc_root());

	if (cfg.metric == M_PROCS)
		check_raise(&c, range_judge(s.procs, &cfg.warn, &cfg.crit));
	else
		check_raise(&c, s.crit ? STATE_CRITICAL : s.warn ? STATE_WARNING : STATE_OK);
	if (cfg.metric != M_PROCS && c.state == STATE_WARNING)
		check_summary(&c, "%d warn out of ", s.warn);
	else if (cfg.metric != M_PROCS && c.state == STATE_CRITICAL)
		check_summary(&c, "%d crit, %d warn out of ", s.crit, s.warn);
	check_summary(&c, "%d process%s", s.procs, s.procs == 1 ? "" : "es");
	describe_filters(&c, &cfg);
	if (s.fails.len)
		check_summary(&c, " [%s%s]", buf_cstr(&s.fails), s.nfails > FAILS_SHOWN ? ", ..." : "");

	/* written as monitoring-plugins does, thresholds as given and the
	 * trailing ';', so graphs and parsers see the same string */
	if (cfg.metric == M_PROCS)
		buf_printf(&c.perf, "procs=%d;%s;%s;0;", s.procs,
		           cfg.warn_text ? cfg.warn_text : "", cfg.crit_text ? cfg.crit_text : "");
	else
		buf_printf(&c.perf, "procs=%d;;;0; procs_warn=%d;;;0; procs_crit=%d;;;0;",
		           s.procs, s.warn, s.crit);

	if (plugin_verbose)
		list_hits(&c, &s, cfg.metric);
	buf_free(&s.fails);
	if (has(&cfg, F_EREG))
		regfree(&cfg.ereg);
	check_exit(&c);
}
