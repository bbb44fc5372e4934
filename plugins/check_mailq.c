/* check_mailq: postfix's queue, counted from the queue directories named in
 * postfix's own configuration, or through `postqueue -j` when they are
 * closed to us; sendmail's from its qf files; --top names the senders and recipient domains behind a
 * queue that grows (runbook 001: usually a hijacked account). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailq.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "timeout.h"

enum mta { MTA_AUTO, MTA_POSTFIX, MTA_SENDMAIL };

struct config {
	struct range warn, crit;
	enum mta mta;
	const char *config_dir;
	long top;
};

enum { OPT_TOP = 256 };

static const struct option_spec options[] = {
	{ "warning", 'w', "RANGE", "WARNING when the queued total is outside RANGE (default 200: above 200)" },
	{ "critical", 'c', "RANGE", "CRITICAL when the queued total is outside RANGE (default 400)" },
	{ "config-dir", 'd', "DIR", "configuration directory of another instance (postfix: default postfix's own;\n"
	                            "sendmail: the directory of sendmail.cf and submit.cf, default /etc/mail)" },
	{ "mailserver", 'M', "MTA", "postfix or sendmail (default: the mta alternative, else what is installed)" },
	{ "top", OPT_TOP, "N", "list the N senders and N recipient domains with the most queued messages" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_mailq",
	.service = "MAILQ",
	.purpose = "Counts postfix's mail queue (incoming, active, deferred, hold, maildrop) by\n"
	           "reading the queue directory named by `postconf -h queue_directory`. Without\n"
	           "the right to read it (root or CAP_DAC_READ_SEARCH) it asks `postqueue -j`.\n"
	           "sendmail: the qf files of the QueueDirectory of sendmail.cf and submit.cf.",
	.usage = "[-w RANGE] [-c RANGE] [-M postfix|sendmail] [-d CONFIG_DIR] [--top N]",
	.options = options,
	.notes = "Perfdata: unsent (the total, monitoring-plugins' label), total, active,\n"
	         "deferred, hold, incoming, maildrop (sendmail: mqueue, clientmqueue),\n"
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
		if (!strcmp(arg, "postfix"))
			cfg->mta = MTA_POSTFIX;
		else if (!strcmp(arg, "sendmail"))
			cfg->mta = MTA_SENDMAIL;
		else
			return "not a supported MTA (postfix, sendmail)";
		return NULL;
	case OPT_TOP: return opt_long(arg, 1, 100, &cfg->top);
	}
	return "unhandled option";
}

/* With privilege beyond the caller's, read only what root controls: a
 * directory owned by root that no one else can write. */
static bool root_controlled(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static bool config_root_controlled(const char *dir, const char *file)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return root_controlled(dir) && root_controlled(path);
}

/* runbook 000: the `mta` alternative first, then what is installed */
static enum mta detect_mta(const char **how)
{
	char link[512];
	ssize_t n = readlink("/etc/alternatives/mta", link, sizeof link - 1);
	if (n > 0) {
		link[n] = 0;
		*how = "the mta alternative";
		/* RHEL: /usr/sbin/sendmail.postfix or /usr/sbin/sendmail.sendmail */
		if (strstr(link, "postfix"))
			return MTA_POSTFIX;
		if (strstr(link, "sendmail"))
			return MTA_SENDMAIL;
	}
	*how = "what is installed";
	if (access("/usr/sbin/postconf", X_OK) == 0)
		return MTA_POSTFIX;
	if (access("/etc/mail/sendmail.cf", F_OK) == 0)
		return MTA_SENDMAIL;
	*how = "default";
	return MTA_POSTFIX;
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

static const char *privilege_note(void)
{
	return geteuid() == 0 ? " (as root)" : priv_can_read_all() ? " (CAP_DAC_READ_SEARCH)" : "";
}

/* postfix: the directories when we may read them, else postqueue -j. */
static void measure_postfix(const struct config *cfg, bool raised, struct mailq *q, struct buf *method)
{
	struct buf dir = BUF_INIT, err = BUF_INIT;
	if (raised && cfg->config_dir && !config_root_controlled(cfg->config_dir, "main.cf")) {
		priv_drop();
		raised = false;
	}
	double limit = timeout_remaining() - 1;
	if (postfix_queue_dir(cfg->config_dir, limit > 5 ? 5 : limit, &dir, &err) < 0)
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
	if (raised && !root_controlled(dir.s))
		priv_drop();

	if (postfix_scan(dir.s, q, &err) == 0) {
		buf_printf(method, "counted in %s%s", dir.s, privilege_note());
	} else if (errno == EACCES) {
		buf_printf(method, "postqueue -j (%s)", buf_cstr(&err));
		priv_drop();
		mailq_free(q);
		*q = (struct mailq){ .want_top = cfg->top > 0, .config_dir = cfg->config_dir };
		buf_reset(&err);
		if (postfix_postqueue(q, timeout_remaining() - 0.5, &err) < 0)
			plugin_die(STATE_UNKNOWN, "cannot read the queue: %s; %s", buf_cstr(method), buf_cstr(&err));
	} else {
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
	}
	buf_free(&dir);
	buf_free(&err);
}

/* sendmail: mqueue from sendmail.cf, clientmqueue from submit.cf. No
 * unprivileged fallback: sendmail has no showq service to ask. */
static void measure_sendmail(const struct config *cfg, bool raised, struct mailq *q, struct buf *method)
{
	static const char *const cf[MQ_SM_NQUEUES] = { "sendmail.cf", "submit.cf" };
	const char *etc = cfg->config_dir ? cfg->config_dir : "/etc/mail";
	struct buf dir = BUF_INIT, err = BUF_INIT, path = BUF_INIT;
	buf_puts(method, "counted in");
	for (int i = 0; i < MQ_SM_NQUEUES; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", etc, cf[i]);
		if (i == MQ_SM_CLIENT && access(path.s, F_OK) < 0 && errno == ENOENT)
			continue;   /* no submit.cf: no separate submission queue */
		if (raised && !config_root_controlled(etc, cf[i])) {
			priv_drop();
			raised = false;
		}
		int rc = sendmail_queue_dir(path.s, &dir, &err);
		if (rc == 0)
			rc = sendmail_scan(dir.s, i, q, &err);
		int e = errno;
		if (rc < 0)
			plugin_die(STATE_UNKNOWN, "%s%s", buf_cstr(&err),
			           e == EACCES ? " (needs root or CAP_DAC_READ_SEARCH)" : "");
		buf_printf(method, "%s %s", i ? "," : "", dir.s);
	}
	buf_puts(method, privilege_note());
	buf_free(&dir);
	buf_free(&err);
	buf_free(&path);
}

int main(int argc, char **argv)
{
	struct config cfg = { .warn = range_above(200), .crit = range_above(400) };
	struct check c;
	struct mailq q = { 0 };
	struct buf method = BUF_INIT;

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	/* postconf and postqueue honour MAIL_CONFIG: the caller's environment
	 * must not choose the queue we read, least of all with privilege */
	unsetenv("MAIL_CONFIG");
	q.want_top = cfg.top > 0;
	q.config_dir = cfg.config_dir;
	const char *how = "-M";
	if (cfg.mta == MTA_AUTO)
		cfg.mta = detect_mta(&how);
	if (cfg.mta == MTA_POSTFIX)
		measure_postfix(&cfg, priv_raised(), &q, &method);
	else
		measure_sendmail(&cfg, priv_raised(), &q, &method);
	priv_drop();

	const char *mta = cfg.mta == MTA_POSTFIX ? "postfix" : "sendmail";
	static const enum mq_queue pf_order[] = { MQ_ACTIVE, MQ_DEFERRED, MQ_HOLD, MQ_INCOMING, MQ_MAILDROP };
	static const int sm_order[] = { MQ_SM_MQUEUE, MQ_SM_CLIENT };
	const char *names[MQ_NQUEUES];
	int idx[MQ_NQUEUES], nq = 0;
	if (cfg.mta == MTA_POSTFIX)
		for (size_t i = 0; i < sizeof pf_order / sizeof pf_order[0]; i++, nq++)
			names[nq] = mq_queue_name[pf_order[i]], idx[nq] = (int)pf_order[i];
	else
		for (size_t i = 0; i < sizeof sm_order / sizeof sm_order[0]; i++, nq++)
			names[nq] = mq_sendmail_queue_name[sm_order[i]], idx[nq] = sm_order[i];

	double total = (double)q.total;
	double age = q.oldest ? difftime(time(NULL), q.oldest) : 0;
	if (age < 0)
		age = 0;
	enum state s = range_judge(total, &cfg.warn, &cfg.crit);
	check_raise(&c, s);
	if (!q.total) {
		check_summary(&c, "%s mailq is empty", mta);
	} else {
		char thr[64] = "", a[32];
		range_format(s == STATE_CRITICAL ? &cfg.crit : &cfg.warn, thr, sizeof thr);
		check_summary(&c, "%s mailq is %lu", mta, q.total);
		if (s != STATE_OK)
			check_summary(&c, " (threshold %c = %s)", s == STATE_CRITICAL ? 'c' : 'w', thr);
		for (int i = 0; i < nq; i++)
			check_summary(&c, "%s %lu %s", i ? "," : ":", q.count[idx[i]], names[i]);
		age_text(age, a, sizeof a);
		check_summary(&c, "; oldest %s", a);
	}

	check_perf(&c, &(struct perf){ .label = "unsent", .value = total, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit, .has_min = true });
	check_perf(&c, &(struct perf){ .label = "total", .value = total, .decimals = 0,
	                               .warn = &cfg.warn, .crit = &cfg.crit, .has_min = true });
	for (int i = 0; i < nq; i++)
		check_perf(&c, &(struct perf){ .label = names[i], .value = (double)q.count[idx[i]],
		                               .decimals = 0, .has_min = true });
	check_perf(&c, &(struct perf){ .label = "oldest", .value = age, .uom = "s", .decimals = 0, .has_min = true });

	check_long(&c, "method: %s", buf_cstr(&method));
	check_long(&c, "MTA: %s (from %s)", mta, how);
	for (int i = 0; i < MQ_NQUEUES; i++)
		if (q.missing & 1u << i)
			check_long(&c, "no %s directory (postfix has not created it yet): 0", mq_queue_name[i]);
	if (q.in_progress)
		check_long(&c, "%lu files still being written (incoming/maildrop), counted", q.in_progress);
	if (q.postcat)
		check_long(&c, "%lu envelopes read by postcat (our parser refused them)", q.postcat);
	if (q.unreadable) {
		check_long(&c, "%lu queue files unreadable (counted, no envelope):", q.unreadable);
		check_long(&c, "%s", buf_cstr(&q.problems));
		if (q.unreadable > 5)   /* lib/mailq.c names the first 5 */
			check_long(&c, "... and %lu more", q.unreadable - 5);
	}
	if (cfg.top) {
		top_long(&c, "senders", &q.senders, cfg.top);
		top_long(&c, "recipient domains", &q.domains, cfg.top);
	}
	mailq_free(&q);
	buf_free(&method);
	check_exit(&c);
}
