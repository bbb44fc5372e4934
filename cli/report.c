/* mamori report: parse the options, read the logs into lib/report_model,
 * print one of the formats of lib/report_out. */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "options.h"
#include "report_out.h"
#include "report_read.h"
#include "secret.h"
#include "state.h"

enum { MAX_FILES = 4096 };
enum format { F_TEXT, F_CSV, F_HTML };

struct rcfg {
	const char *month, *from, *to, *host, *service, *output, *config;
	const char *logs[MAX_FILES], *audits[MAX_FILES];
	size_t nlogs, naudits;
	enum format format;
	bool en;
};

enum { OPT_FROM = 256, OPT_TO, OPT_LANG, OPT_CONFIG };

static const struct option_spec options[] = {
	{ "month", 'm', "YYYY-MM", "The month to report, local time (default: last month)" },
	{ "from", OPT_FROM, "DATE", "Start of the period instead of a month: YYYY-MM-DD[ HH:MM[:SS]], local time" },
	{ "to", OPT_TO, "DATE", "End of the period, not included (default: now)" },
	{ "log", 'l', "FILE", "Engine log: nagios.log and its archives, Naemon's log, or Icinga 2's\n"
	                      "compat log (CompatLogger); repeatable, \"-\" is stdin (default: the first of\n"
	                      "/var/log/nagios4/nagios.log, /var/log/naemon/naemon.log,\n"
	                      "/var/log/icinga2/compat/icinga.log that exists)" },
	{ "audit", 'a', "FILE", "mamori audit log (notifiers' or recover handlers'); repeatable (default:\n"
	                        "the notifiers' audit_log and STATEDIR/recover.audit.jsonl, when they exist)" },
	{ "host", 'H', "PATTERN", "Only hosts matching this shell pattern (web*)" },
	{ "service", 's', "PATTERN", "Only services matching this shell pattern (hosts themselves are left out)" },
	{ "format", 'f', "text|csv|html", "Output format (default text)" },
	{ "output", 'o', "FILE", "Write to FILE (replaced atomically) instead of stdout" },
	{ "lang", OPT_LANG, "ja|en", "Language of the labels (default ja; CSV columns are always English)" },
	{ "config", OPT_CONFIG, "FILE", "mamori config, for [mamori] audit_log (default: $MAMORI_CONFIG, else\n"
	                                SYSCONFDIR "/mamori/mamori.ini)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "mamori report",
	.service = "REPORT",
	.purpose = "Runbook 004's monthly report: per host and service, the alerts raised, the\n"
	           "time in each state, availability, automatic recoveries and their time to\n"
	           "recover, escalations and notifications by channel, from the engine's log\n"
	           "(Nagios 4, Naemon, Icinga 2's compat log) and mamori's audit logs.",
	.usage = "[--month YYYY-MM | --from DATE [--to DATE]] [--log FILE]... [--audit FILE]...\n"
	         "       [--host PATTERN] [--service PATTERN] [--format text|csv|html] [--output FILE]",
	.options = options,
	.notes = "Availability = time OK (UP) / time with a known state, from the object's first\n"
	         "known state on, with scheduled downtime shown apart and left out. Only HARD\n"
	         "states are outages. Give the log archives that cover the period and the days\n"
	         "before it (the state at the start comes from them): --log 'archives/*' is\n"
	         "expanded by the shell. Unreadable lines are counted as skipped, never fatal.\n"
	         "Exit code: 0, or 3 when an option or a file is wrong.",
};

/* A log named on the command line: "-", /dev/null or a regular file we can
 * open. A FIFO with no writer would hang the report and /dev/zero would
 * never end; a directory would read as an empty log. */
static const char *log_file_bad(const char *path)
{
	static char r[128];
	struct stat st, null;
	if (!strcmp(path, "-"))
		return NULL;
	int fd = file_open_regular(path, 0, &st, r, sizeof r);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev)
		return NULL;
	return r;   /* the options table names the option and the path */
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct rcfg *cfg = cfg_;
	switch (key) {
	case 'm': cfg->month = arg; return NULL;
	case OPT_FROM: cfg->from = arg; return NULL;
	case OPT_TO: cfg->to = arg; return NULL;
	case 'H': cfg->host = arg; return NULL;
	case 's': cfg->service = arg; return NULL;
	case 'o': cfg->output = arg; return NULL;
	case OPT_CONFIG: cfg->config = arg; return NULL;
	case 'l':
	case 'a': {
		size_t *n = key == 'l' ? &cfg->nlogs : &cfg->naudits;
		if (*n == MAX_FILES)
			return "too many files";
		const char *bad = log_file_bad(arg);
		if (bad)
			return bad;
		(key == 'l' ? cfg->logs : cfg->audits)[(*n)++] = arg;
		return NULL;
	}
	case 'f':
		if (!strcmp(arg, "text"))
			cfg->format = F_TEXT;
		else if (!strcmp(arg, "csv"))
			cfg->format = F_CSV;
		else if (!strcmp(arg, "html"))
			cfg->format = F_HTML;
		else
			return "format must be text, csv or html";
		return NULL;
	case OPT_LANG:
		if (strcmp(arg, "ja") && strcmp(arg, "en"))
			return "language must be ja or en";
		cfg->en = !strcmp(arg, "en");
		return NULL;
	}
	return "unhandled option";
}

/* Local midnight of year-month-day (+ h:m:s); -1 when not a date. */
static long long local_time(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
	                 .tm_sec = s, .tm_isdst = -1 };
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	return (long long)t;
}

static bool parse_date(const char *s, long long *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return false;
	const char *p = s + n;
	if (*p == ' ' || *p == 'T') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return false;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &m) != 1)
				return false;
			p += 1 + m;
		}
	}
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return false;
	*out = local_time(y, mo, d, h, mi, sec);
	return *out >= 0;
}

static const char *period(const struct rcfg *cfg, long long *from, long long *to)
{
	if (cfg->month && (cfg->from || cfg->to))
		return "--month and --from/--to do not go together";
	if (cfg->to && !cfg->from)
		return "--to needs --from";
	if (cfg->from) {
		if (!parse_date(cfg->from, from))
			return "--from: not a date (YYYY-MM-DD[ HH:MM[:SS]])";
		*to = (long long)time(NULL);
		if (cfg->to && !parse_date(cfg->to, to))
			return "--to: not a date (YYYY-MM-DD[ HH:MM[:SS]])";
		return NULL;
	}
	int y, mo, n = 0;
	if (cfg->month) {
		if (sscanf(cfg->month, "%4d-%2d%n", &y, &mo, &n) != 2 || cfg->month[n] || y < 1970 || mo < 1 || mo > 12)
			return "--month: not YYYY-MM";
	} else {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		y = tm.tm_year + 1900;
		mo = tm.tm_mon;   /* last month, 1-based: this month's index */
		if (mo == 0)
			y--, mo = 12;
	}
	*from = local_time(y, mo, 1, 0, 0, 0);
	*to = local_time(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1, 0, 0, 0);
	return *from < 0 || *to < 0 ? "--month: not a month this system can represent" : NULL;
}

static const char *default_log(void)
{
	static const char *const logs[] = { "/var/log/nagios4/nagios.log", "/var/log/naemon/naemon.log",
	                                    "/var/log/icinga2/compat/icinga.log" };
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++)
		if (access(logs[i], R_OK) == 0)
			return logs[i];
	return NULL;
}

static int fail(const char *what)
{
	fprintf(stderr, "mamori report: %s\n", what);
	return 3;
}

/* The audit logs: as given, else the defaults that exist. */
static const char *read_audits(struct report *r, const struct rcfg *cfg)
{
	for (size_t i = 0; i < cfg->naudits; i++) {
		const char *why = report_read_audit(r, cfg->audits[i], true);
		if (why)
			return why;
	}
	if (cfg->naudits)
		return NULL;
	static char why[PATH_MAX + 64];
	struct conf c;
	const char *err = conf_load(&c, cfg->config);
	if (err) {
		snprintf(why, sizeof why, "%s", err);
		conf_free(&c);
		return why;
	}
	char recover[PATH_MAX];
	snprintf(recover, sizeof recover, "%s/recover.audit.jsonl", state_dir());
	err = report_read_audit(r, conf_audit_log(&c), false);
	if (!err)
		err = report_read_audit(r, recover, false);
	if (err)
		snprintf(why, sizeof why, "%s", err);
	conf_free(&c);
	return err ? why : NULL;
}

static void render(FILE *f, const struct report *r, const struct rcfg *cfg)
{
	if (cfg->format == F_CSV)
		report_csv(f, r);
	else if (cfg->format == F_HTML)
		report_html(f, r, !cfg->en);
	else
		report_text(f, r, !cfg->en);
}

/* FILE.tmp then rename: a reader never sees half a report. */
static int write_output(const struct report *r, const struct rcfg *cfg)
{
	if (!cfg->output) {
		render(stdout, r, cfg);
		return fflush(stdout) || ferror(stdout) ? fail("cannot write to stdout") : 0;
	}
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%ld", cfg->output, (long)getpid()) >= sizeof tmp)
		return fail("--output: path too long");
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "mamori report: %s: %s\n", tmp, strerror(errno));
		return 3;
	}
	render(f, r, cfg);
	bool bad = fflush(f) || ferror(f) || fsync(fileno(f));
	if (fclose(f) || bad || rename(tmp, cfg->output)) {
		fprintf(stderr, "mamori report: %s: %s\n", cfg->output, strerror(errno));
		unlink(tmp);
		return 3;
	}
	return 0;
}

int report_main(int argc, char **argv)
{
	static struct rcfg cfg;   /* the file lists are large for the stack */
	memset(&cfg, 0, sizeof cfg);
	program_parse(&prog, argc, argv, on_option, &cfg);
	long long from, to;
	const char *why = period(&cfg, &from, &to);
	if (why)
		return fail(why);
	if (!cfg.nlogs) {
		cfg.logs[0] = default_log();
		if (!cfg.logs[0])
			return fail("no engine log found: give --log FILE");
		cfg.nlogs = 1;
	}
	struct report r;
	why = report_init(&r, from, to, cfg.host, cfg.service);
	for (size_t i = 0; !why && i < cfg.nlogs; i++)
		why = report_read_log(&r, cfg.logs[i]);
	if (!why)
		why = read_audits(&r, &cfg);
	if (why) {
		report_free(&r);
		return fail(why);
	}
	report_finish(&r);
	if (r.skipped || r.audit_skipped)
		fprintf(stderr, "mamori report: skipped %ld unreadable log line(s) and %ld audit line(s)\n", r.skipped,
		        r.audit_skipped);
	int code = write_output(&r, &cfg);
	report_free(&r);
	return code;
}
