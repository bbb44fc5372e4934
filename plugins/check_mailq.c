/* check_mailq: the mail queue, counted from the queue files of the MTA here
 * (postfix, sendmail, exim, qmail: rows of lib/mailq.c's table), read in
 * the directories their own configuration names; --top names the senders
 * and recipient domains behind a queue that grows (runbook 001: usually a
 * hijacked account). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailq.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "timeout.h"

struct config {
	struct range warn, crit;
	const struct mq_mta *mta;   /* -M, NULL = detect */
	const char *config_dir;
	long top;
};

enum { OPT_TOP = 256 };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when the queued total is outside RANGE (default 200: above 200)" },
	{ "critical", 'c', "RANGE", "CRITICAL when the queued total is outside RANGE (default 400)" },
	{ "config-dir", 'd', "PATH", "configuration of another instance (postfix: its config directory;\n"
	                             "sendmail: the directory of sendmail.cf and submit.cf, default /etc/mail;\n"
	                             "exim: its configuration file, as exim -C takes it;\n"
	                             "qmail: its home directory, default /var/qmail)" },
	{ "mailserver", 'M', "MTA", "postfix, sendmail, exim or qmail (default: the mta alternative, else what is installed)" },
	{ "top", OPT_TOP, "N", "list the N senders and N recipient domains with the most queued messages" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_mailq",
	.service = "MAILQ",
	.purpose = "Counts the mail queue from the MTA's own queue files. postfix: the queue\n"
	           "directory named by `postconf -h queue_directory` (incoming, active, deferred,\n"
	           "hold, maildrop), else `postqueue -j` without the right to read it (root or\n"
	           "CAP_DAC_READ_SEARCH). sendmail: the qf files of the QueueDirectory of\n"
	           "sendmail.cf and submit.cf. exim: the -H files of `exim -bP spool_directory`,\n"
	           "else `exim -bpc`. qmail: /var/qmail/queue as qmail-qstat counts it.",
	.usage = "[-w RANGE] [-c RANGE] [-M postfix|sendmail|exim|qmail] [-d PATH] [--top N]",
	.options = options,
	.notes = "Perfdata: unsent (the total, monitoring-plugins' label), total, the MTA's\n"
	         "queues (postfix: active, deferred, hold, incoming, maildrop; sendmail:\n"
	         "mqueue, clientmqueue; exim: waiting, frozen; qmail: todo, local, remote),\n"
	         "oldest (s, age of the oldest message).",
	.timeout = 15,
	.timeout_state = STATE_UNKNOWN,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case 'd':
		if (arg[0] != '/')
			return "not an absolute path";
		if (strlen(arg) > 4096)
			return "path too long";
		cfg->config_dir = arg;
		return NULL;
	case 'M':
		cfg->mta = mq_mta_find(arg);
		return cfg->mta ? NULL : "not a supported MTA (postfix, sendmail, exim, qmail)";
	case OPT_TOP: return opt_long(arg, 1, 100, &cfg->top);
	}
	return "unhandled option";
}

static void age_text(double s, char *out, size_t size)
{
	long v = (long)s;
	if (v >= 86400)
		snprintf(out, size, "%ldd %ldh", v / 86400, v % 86400 / 3600);
	else if (v >= 3600)
		snprintf(out, size, "%ldh %ldm", v / 3600, v % 3600 / 60);
	else if (v >= 60)
		snprintf(out, size, "%ldm %lds", v / 60, v % 60);
	else
		snprintf(out, size, "%lds", v);
}

static void top_long(struct check *c, const char *what, const struct mq_tally *t, long n)
{
	const struct mq_ent **e = xmalloc((size_t)n * sizeof *e);
	size_t k = mq_top(t, e, (size_t)n);
	check_long(c, "top %s:", what);
	for (size_t i = 0; i < k; i++)
		check_long(c, "  %6lu  %s", e[i]->n, e[i]->key);
	if (!k)
		check_long(c, "  (none)");
	free(e);
}

int main(int argc, char **argv)
{
	struct config cfg = { .warn = range_above(200), .crit = range_above(400) };
	struct check c;
	struct mailq q = { 0 };
	struct buf method = BUF_INIT, err = BUF_INIT;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	/* postconf and postqueue honour MAIL_CONFIG: the caller's environment
	 * must not choose the queue we read, least of all with privilege */
	unsetenv("MAIL_CONFIG");
	q.want_top = cfg.top > 0;
	q.config_dir = cfg.config_dir;
	const char *how = "-M";
	const struct mq_mta *mta = cfg.mta ? cfg.mta : mq_detect("/etc/alternatives/mta", &how);
	if (mta->measure(&q, priv_raised(), &method, &err) < 0)
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
	priv_drop();

	double total = (double)q.total;
	double age = q.oldest ? difftime(time(NULL), q.oldest) : 0;
	if (age < 0)
		age = 0;
	enum state s = range_judge(total, &cfg.warn, &cfg.crit);
	check_raise(&c, s);
	if (!q.total) {
		check_summary(&c, "%s mailq is empty", mta->name);
	} else {
		char thr[64] = "", a[32];
		range_format(s == STATE_CRITICAL ? &cfg.crit : &cfg.warn, thr, sizeof thr);
		check_summary(&c, "%s mailq is %lu", mta->name, q.total);
		if (s != STATE_OK)
			check_summary(&c, " (threshold %c = %s)", s == STATE_CRITICAL ? 'c' : 'w', thr);
		for (int i = 0; i < MQ_MAXQ && mta->queue[i]; i++)
			check_summary(&c, "%s %lu %s", i ? "," : ":", q.count[i], mta->queue[i]);
		age_text(age, a, sizeof a);
		check_summary(&c, "; oldest %s", a);
	}

	check_perf(&c, &(struct perf){ .label = "unsent", .value = total, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit, .has_min = true });
	check_perf(&c, &(struct perf){ .label = "total", .value = total, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit, .has_min = true });
	for (int i = 0; i < MQ_MAXQ && mta->queue[i]; i++)
		check_perf(&c, &(struct perf){ .label = mta->queue[i], .value = (double)q.count[i],
		                               .decimals = 0, .has_min = true });
	check_perf(&c, &(struct perf){ .label = "oldest", .value = age, .uom = "s", .decimals = 0, .has_min = true });

	check_long(&c, "method: %s", buf_cstr(&method));
	check_long(&c, "MTA: %s (from %s)", mta->name, how);
	if (q.notes.len)
		check_long(&c, "%s", buf_cstr(&q.notes));
	if (q.unreadable) {
		check_long(&c, "%lu queue files unreadable (counted, no envelope):", q.unreadable);
		check_long(&c, "%s", buf_cstr(&q.problems));
		if (q.unreadable > MQ_MAX_PROBLEMS)
			check_long(&c, "... and %lu more", q.unreadable - MQ_MAX_PROBLEMS);
	}
	if (cfg.top) {
		top_long(&c, "senders", &q.senders, cfg.top);
		top_long(&c, "recipient domains", &q.domains, cfg.top);
	}
	mailq_free(&q);
	buf_free(&method);
	buf_free(&err);
	check_exit(&c);
}
