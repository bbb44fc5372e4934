/* check_logins: who is logged in now (utmp), who logged in and who failed
 * to since the last run (wtmp, btmp), logins from outside the allowed
 * networks, and one user's login history: runbook 002's `last` review as a
 * check. With only -w/-c it answers as monitoring-plugins' check_users
 * (same summary and `users` perfdata). The files are read by lib/utmp_read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "state.h"
#include "utmp_read.h"

#define UTMP_FILE_DEFAULT "/var/run/utmp"
#define WTMP_FILE_DEFAULT "/var/log/wtmp"
#define BTMP_FILE_DEFAULT "/var/log/btmp"

struct config {
	struct range warn, crit, lwarn, lcrit, fwarn, fcrit, xwarn, xcrit;
	const char *utmp, *wtmp, *btmp, *user;   /* NULL: the default file, missing = empty */
	struct cidr *allow;
	size_t nallow;
	bool logins, failed, from_start;
	long lines;
};

enum { OPT_LOGINS = 256, OPT_LW, OPT_LC, OPT_FAILED, OPT_FW, OPT_FC, OPT_ALLOW, OPT_XW, OPT_XC,
       OPT_FROM_START, OPT_UTMP, OPT_WTMP, OPT_BTMP };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when the users logged in now are outside RANGE (\"5\": above 5)" },
	{ "critical", 'c', "RANGE", "CRITICAL likewise" },
	{ "logins", OPT_LOGINS, NULL, "Count the logins since the last run (wtmp)" },
	{ "logins-warning", OPT_LW, "RANGE", "WARNING when the new logins are outside RANGE (implies --logins)" },
	{ "logins-critical", OPT_LC, "RANGE", "CRITICAL likewise" },
	{ "failed", OPT_FAILED, NULL, "Count the failed logins since the last run (btmp)" },
	{ "failed-warning", OPT_FW, "RANGE", "WARNING when the failed logins are outside RANGE (implies --failed)" },
	{ "failed-critical", OPT_FC, "RANGE", "CRITICAL likewise" },
	{ "all", 'a', NULL, "Both --logins and --failed" },
	{ "allow", OPT_ALLOW, "CIDR", "An allowed network: 192.0.2.0/24, 2001:db8::/32 or one address;\n"
	                              "repeatable. New logins from any other address are foreign\n"
	                              "(a login with no address is local) (implies --logins)" },
	{ "foreign-warning", OPT_XW, "RANGE", "WARNING when the foreign logins are outside RANGE (needs --allow)" },
	{ "foreign-critical", OPT_XC, "RANGE", "CRITICAL likewise" },
	{ "user", 'u', "USER", "Only USER's sessions, logins and failures; the long output adds\n"
	                       "USER's login history, as `last USER` shows it (implies --logins)" },
	{ "lines", 'n', "N", "At most N entries per list in the long output (default 10, 0: none)" },
	{ "from-start", OPT_FROM_START, NULL, "On the first run, count the records already in the files" },
	{ "utmp", OPT_UTMP, "FILE", "Sessions now (default " UTMP_FILE_DEFAULT ")" },
	{ "wtmp", OPT_WTMP, "FILE", "Login records (default " WTMP_FILE_DEFAULT "; implies --logins)" },
	{ "btmp", OPT_BTMP, "FILE", "Failed login records (default " BTMP_FILE_DEFAULT "; implies --failed)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_logins",
	.service = "LOGINS",
	.purpose = "Checks logins: users logged in now (utmp entries whose process lives),\n"
	           "and with --logins/--failed the logins and failed logins since the\n"
	           "last run (wtmp, btmp; positions kept in the state directory).",
	.usage = "[-w RANGE] [-c RANGE] [-a] [--logins-warning RANGE] [--failed-warning RANGE]\n"
	         "       [--allow CIDR]... [--foreign-critical RANGE] [-u USER] [-n N]",
	.options = options,
	.notes = "Thresholds are Nagios ranges (10, 10:, ~:10, 10:20, @10:20).\n"
	         "The first run only records where the files end, unless --from-start.\n"
	         "Perfdata: users (as check_users), logins, foreign, failed.",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case OPT_LW: cfg->logins = true; return range_parse(arg, &cfg->lwarn);
	case OPT_LC: cfg->logins = true; return range_parse(arg, &cfg->lcrit);
	case OPT_FW: cfg->failed = true; return range_parse(arg, &cfg->fwarn);
	case OPT_FC: cfg->failed = true; return range_parse(arg, &cfg->fcrit);
	case OPT_XW: return range_parse(arg, &cfg->xwarn);
	case OPT_XC: return range_parse(arg, &cfg->xcrit);
	case OPT_LOGINS: cfg->logins = true; return NULL;
	case OPT_FAILED: cfg->failed = true; return NULL;
	case 'a': cfg->logins = cfg->failed = true; return NULL;
	case OPT_FROM_START: cfg->from_start = true; return NULL;
	case 'n': return opt_long(arg, 0, 1000, &cfg->lines);
	case OPT_UTMP: cfg->utmp = arg; return *arg ? NULL : "empty file name";
	case OPT_WTMP: cfg->wtmp = arg; cfg->logins = true; return *arg ? NULL : "empty file name";
	case OPT_BTMP: cfg->btmp = arg; cfg->failed = true; return *arg ? NULL : "empty file name";
	case 'u':
		cfg->user = arg;
		cfg->logins = true;
		return !*arg ? "empty user name" : strlen(arg) > UT_NAMESIZE ? "longer than a utmp user name" : NULL;
	case OPT_ALLOW:
		cfg->allow = xrealloc(cfg->allow, (cfg->nallow + 1) * sizeof *cfg->allow);
		cfg->logins = true;
		return cidr_parse(arg, &cfg->allow[cfg->nallow++]) ? NULL : "not an address or CIDR network";
	}
	return "unhandled option";
}

struct tally {
	const struct config *cfg;
	struct login_list now, logins, foreign, failed, history;  /* logins: the not foreign ones */
};

static bool wanted(const struct config *cfg, const struct login_rec *r)
{
	return r->user[0] && (!cfg->user || strcmp(r->user, cfg->user) == 0);
}

static bool is_foreign(const struct config *cfg, const struct login_rec *r)
{
	if (!cfg->nallow || !r->family)
		return false;
	for (size_t i = 0; i < cfg->nallow; i++)
		if (cidr_match(&cfg->allow[i], r->family, r->addr))
			return false;
	return true;
}

static void on_utmp(const struct login_rec *r, bool is_new, void *arg)
{
	struct tally *t = arg;
	(void)is_new;
	if (r->type == USER_PROCESS && wanted(t->cfg, r) && login_pid_alive(r->pid))
		login_list_push(&t->now, r);
}

static void on_wtmp(const struct login_rec *r, bool is_new, void *arg)
{
	struct tally *t = arg;
	if (t->cfg->user)
		login_list_close(&t->history, r);
	if (r->type != USER_PROCESS || !wanted(t->cfg, r))
		return;
	if (t->cfg->user)
		login_list_push(&t->history, r);
	if (is_new)
		login_list_push(is_foreign(t->cfg, r) ? &t->foreign : &t->logins, r);
}

static void on_btmp(const struct login_rec *r, bool is_new, void *arg)
{
	struct tally *t = arg;
	if (is_new && (r->type == LOGIN_PROCESS || r->type == USER_PROCESS) && wanted(t->cfg, r))
		login_list_push(&t->failed, r);
}

/* Garbage is not an empty login file: when every record read has an
 * invalid type the file is not utmp (a wrong --utmp/--wtmp/--btmp). A
 * lone partial record is not judged: it may be an append in progress. */
static void must_be_utmp(const struct utmp_scan *s, const char *path)
{
	if (s->records && s->bad == s->records)
		plugin_die(STATE_UNKNOWN, "%s: not a utmp file (all %llu records have an invalid type)", path, s->records);
}

/* One file since its saved position; the new position goes into next. */
static void scan_since(const char *path, bool given, const char *old, const struct config *cfg, bool whole,
                       login_fn fn, struct tally *t, struct utmp_scan *s, struct buf *next)
{
	struct utmp_pos pos;
	bool have = utmp_state_find(old, path, &pos);
	const char *err = utmp_scan(path, have ? &pos : NULL, cfg->from_start, whole, !given, fn, t, s);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	must_be_utmp(s, path);
	utmp_state_put(next, path, &s->end);
}

static void read_since_last_run(const struct config *cfg, struct tally *t, struct utmp_scan *ws,
                                struct utmp_scan *bs)
{
	struct state_file sf;
	struct buf old = BUF_INIT, next = BUF_INIT;
	char key[UT_NAMESIZE + 8];
	/* one state per -u: checks of different users each see every record */
	snprintf(key, sizeof key, "%s%s", cfg->user ? "user-" : "all", cfg->user ? cfg->user : "");
	const char *err = state_open(&sf, NULL, "check_logins", key);
	if (err || (err = state_read(&sf, &old)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	const char *paths[2];
	size_t n = 0;
	if (cfg->logins) {
		paths[n++] = cfg->wtmp ? cfg->wtmp : WTMP_FILE_DEFAULT;
		scan_since(paths[n - 1], cfg->wtmp, buf_cstr(&old), cfg, cfg->user, on_wtmp, t, ws, &next);
	}
	if (cfg->failed) {
		paths[n++] = cfg->btmp ? cfg->btmp : BTMP_FILE_DEFAULT;
		scan_since(paths[n - 1], cfg->btmp, buf_cstr(&old), cfg, false, on_btmp, t, bs, &next);
	}
	utmp_state_keep(&next, buf_cstr(&old), paths, n);
	if ((err = state_write(&sf, next.s, next.len)))
		plugin_die(STATE_UNKNOWN, "%s", err);
	state_close(&sf);
	buf_free(&old);
	buf_free(&next);
}

static const char *when(int64_t sec, char *out, size_t size)
{
	time_t tt = (time_t)sec;
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, size, "@%lld", (long long)sec);
	return out;
}

/* "host [addr]", "addr", the local host text (":0"), or "local" */
static const char *source(const struct login_rec *r, char *out, size_t size)
{
	char a[64];
	login_addr_text(r, a, sizeof a);
	if (!a[0])
		snprintf(out, size, "%s", r->host[0] ? r->host : "local");
	else if (r->host[0] && strcmp(r->host, a) != 0)
		snprintf(out, size, "%s [%s]", r->host, a);
	else
		snprintf(out, size, "%s", a);
	return out;
}

static void list_long(struct check *c, const char *title, const struct login_list *l, bool history)
{
	static const char *const ends[] = { "still logged in", "", "crash", "down", "gone - no logout" };
	size_t kept = login_list_kept(l);
	if (!kept)
		return;
	if (kept < l->total)
		check_long(c, "%s (last %zu of %llu):", title, kept, l->total);
	else
		check_long(c, "%s:", title);
	for (size_t i = 0; i < kept; i++) {
		const struct login_session *s = login_list_at(l, i);
		char src[UT_HOSTSIZE + 80], t0[48], t1[48] = "";
		int how = (int)s->how;
		if (history && s->how != SESSION_OPEN)
			when(s->end, t1, sizeof t1);
		else if (history && !login_pid_alive(s->rec.pid))
			how = 4;  /* as last(1): the process is gone without a logout record */
		check_long(c, "  %s %s %s %s%s%s%s%s", s->rec.user, s->rec.line, source(&s->rec, src, sizeof src),
		           when(s->rec.sec, t0, sizeof t0), history ? " - " : "", history ? ends[how] : "",
		           t1[0] && s->how != SESSION_LOGOUT ? " " : "", t1);
	}
}

static void verbose_scan(struct check *c, const char *what, const struct utmp_scan *s)
{
	if (s->missing) {
		check_long(c, "%s %s: does not exist, no records", what, s->path);
		return;
	}
	check_long(c, "%s %s: %llu records read, new from offset %llu%s%s%s", what, s->path, s->records, s->start,
	           s->first ? " (first run: older records not counted)" : "", s->rotated ? ", rotated" : "",
	           s->rotated_tail ? ", tail of the rotated .1 file read" : "");
	if (s->bad)
		check_long(c, "%s %s: %llu records with an invalid ut_type skipped", what, s->path, s->bad);
	if (s->partial)
		check_long(c, "%s %s: a truncated last record (%llu bytes) ignored", what, s->path, s->partial);
}

static void judge(struct check *c, const char *label, unsigned long long n, const struct range *w,
                  const struct range *cr)
{
	check_raise(c, range_judge((double)n, w, cr));
	check_perf(c, &(struct perf){ .label = label, .value = (double)n, .decimals = 0, .warn = w, .crit = cr,
	                              .has_min = true });
}

int main(int argc, char **argv)
{
	struct config cfg = { .lines = 10 };
	struct check c;
	struct tally t = { .cfg = &cfg };
	struct utmp_scan us, ws = { 0 }, bs = { 0 };

	program_parse(&prog, argc, argv, on_option, &cfg);
	if ((cfg.xwarn.set || cfg.xcrit.set) && !cfg.nallow)
		plugin_die(STATE_UNKNOWN, "--foreign-warning/--foreign-critical need --allow");
	check_init(&c, prog.service);
	struct login_list *lists[] = { &t.now, &t.logins, &t.foreign, &t.failed, &t.history };
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		login_list_init(lists[i], (size_t)cfg.lines);

	const char *err = utmp_scan(cfg.utmp ? cfg.utmp : UTMP_FILE_DEFAULT, NULL, true, false, !cfg.utmp,
	                            on_utmp, &t, &us);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	must_be_utmp(&us, cfg.utmp ? cfg.utmp : UTMP_FILE_DEFAULT);
	if (cfg.logins || cfg.failed)
		read_since_last_run(&cfg, &t, &ws, &bs);

	if (cfg.user)
		check_summary(&c, "%s: ", cfg.user);
	check_summary(&c, "%llu users currently logged in", t.now.total);
	judge(&c, "users", t.now.total, &cfg.warn, &cfg.crit);
	if (cfg.logins) {
		check_summary(&c, ", %llu new logins", t.logins.total + t.foreign.total);
		judge(&c, "logins", t.logins.total + t.foreign.total, &cfg.lwarn, &cfg.lcrit);
	}
	if (cfg.nallow) {
		check_summary(&c, " (%llu foreign", t.foreign.total);
		if (login_list_kept(&t.foreign)) {
			/* the alert mail shows only this line: name the latest one */
			const struct login_session *f = login_list_at(&t.foreign, login_list_kept(&t.foreign) - 1);
			char src[UT_HOSTSIZE + 80];
			check_summary(&c, ", latest %s from %s", f->rec.user, source(&f->rec, src, sizeof src));
		}
		check_summary(&c, ")");
		judge(&c, "foreign", t.foreign.total, &cfg.xwarn, &cfg.xcrit);
	}
	if (cfg.failed) {
		check_summary(&c, ", %llu failed logins", t.failed.total);
		judge(&c, "failed", t.failed.total, &cfg.fwarn, &cfg.fcrit);
	}
	if (!cfg.from_start && ((cfg.logins && ws.first) || (cfg.failed && bs.first)))
		check_summary(&c, " (first run: counting from now)");

	list_long(&c, "Logged in now", &t.now, false);
	list_long(&c, "Foreign logins since the last run", &t.foreign, false);
	list_long(&c, cfg.nallow ? "Other logins since the last run" : "Logins since the last run", &t.logins, false);
	list_long(&c, "Failed logins since the last run", &t.failed, false);
	list_long(&c, "Login history", &t.history, true);
	if (plugin_verbose) {
		verbose_scan(&c, "utmp", &us);
		if (cfg.logins)
			verbose_scan(&c, "wtmp", &ws);
		if (cfg.failed)
			verbose_scan(&c, "btmp", &bs);
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		login_list_free(lists[i]);
	free(cfg.allow);
	check_exit(&c);
}
