/* recover: the event handler engine. One program, many runbooks (runbooks
 * 000 and 001 as data); recover_http, recover_smtp ... are links to it that
 * preselect a runbook from argv[0], like check_tcp's aliases.
 *
 * Nagios kills an event handler after event_handler_timeout (30 s), so the
 * engine answers at once and does the work in a detached child that holds
 * the incident's lock, bounded by runbook 004's 15 minutes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "incident.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "runbook.h"
#include "silence.h"
#include "state.h"
#include "timeout.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum { OPT_STATE = 256, OPT_TYPE, OPT_ATTEMPT, OPT_MAX, OPT_SERVICE, OPT_PROBLEM, OPT_DRY, OPT_FG,
       OPT_SHOW, OPT_LIST, OPT_RESET, OPT_RBDIR, OPT_STATUS };

struct opts {
	const char *runbook, *config, *rbdir, *show;
	const char *state, *type, *attempt, *max_attempts, *host, *address, *service, *problem;
	long port;
	bool dry_run, foreground, list, reset, status;
};

static const struct option_spec options[] = {
	{ "runbook", 'r', "NAME", "The runbook to follow (recover_NAME preselects it): ssh ftp http dns\n"
	  "smtp pop imap plesk mysql rsyslog fail2ban spamd xinetd ping, or a file\n"
	  "NAME.ini in the runbook directory" },
	{ "state", OPT_STATE, "STATE", "$SERVICESTATE$ (or $HOSTSTATE$): OK, WARNING, CRITICAL, UNKNOWN, UP,\n"
	  "DOWN, UNREACHABLE" },
	{ "state-type", OPT_TYPE, "TYPE", "$SERVICESTATETYPE$: SOFT or HARD" },
	{ "attempt", OPT_ATTEMPT, "N", "$SERVICEATTEMPT$" },
	{ "max-attempts", OPT_MAX, "N", "$MAXSERVICEATTEMPTS$ (recorded in the audit log)" },
	{ "host", 'H', "NAME", "$HOSTNAME$" },
	{ "address", 'a', "ADDRESS", "$HOSTADDRESS$: where to connect (default: the host name)" },
	{ "service", OPT_SERVICE, "DESC", "$SERVICEDESC$ (default: the runbook's name)" },
	{ "problem-id", OPT_PROBLEM, "ID", "$SERVICEPROBLEMID$, recorded with the incident" },
	{ "port", 'p', "PORT", "Verify this port instead of the runbook's (a service on a non-standard port)" },
	{ "config", 'C', "FILE", "Settings (SSH, policy, notifiers, hosts). Default:\n"
	  SYSCONFDIR "/mamori/recover.ini (optional)" },
	{ "runbook-dir", OPT_RBDIR, "DIR", "Runbook files NAME.ini that add or replace built-in ones. Default:\n"
	  SYSCONFDIR "/mamori/runbooks" },
	{ "dry-run", 'n', NULL, "Print the plan (every step and the exact commands) without connecting\n"
	  "or acting" },
	{ "foreground", 'f', NULL, "Do the work in this process and print the outcome (tests, manual use)\n"
	  "instead of detaching" },
	{ "show-runbook", OPT_SHOW, "NAME", "Print the effective INI text of a runbook, to copy and edit" },
	{ "list-runbooks", OPT_LIST, NULL, "List the runbooks (built in and from the runbook directory)" },
	{ "status", OPT_STATUS, NULL, "Print the incident state of HOST SERVICE (operands) as JSON" },
	{ "reset", OPT_RESET, NULL, "Forget the incident state of HOST SERVICE (operands): acting resumes\n"
	  "after a give-up" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "recover",
	.service = "RECOVER",
	.purpose = "Event handler: follows a recovery runbook (runbooks 000 and 001) for a\n"
	           "failed service: verify (LISTEN over SSH, the protocol from here), find the\n"
	           "variant, restart it over SSH (or through the console), re-verify, and\n"
	           "report the outcome through the notifiers: level 1 recovered (mail), level 2\n"
	           "not recovered (phone and mail). Retry state per host and service gives up\n"
	           "after N restarts within M cycles (runbook 003) and escalates once.",
	.usage = "[-r NAME] [STATE STATETYPE ATTEMPT [HOST [ADDRESS [SERVICE]]]] [options]",
	.options = options,
	.notes = "Positional form as Nagios' restart-httpd sample:\n"
	         "  recover_http $SERVICESTATE$ $SERVICESTATETYPE$ $SERVICEATTEMPT$ $HOSTNAME$\n"
	         "               $HOSTADDRESS$ $SERVICEDESC$\n"
	         "Missing values come from NAGIOS_* or ICINGA_* environment variables.",
	.timeout = 0,
	.operands = true,
};

static const char *on_option(void *cfg, int key, const char *arg)
{
	struct opts *o = cfg;
	switch (key) {
	case 'r': o->runbook = arg; break;
	case OPT_STATE: o->state = arg; break;
	case OPT_TYPE: o->type = arg; break;
	case OPT_ATTEMPT: o->attempt = arg; break;
	case OPT_MAX: o->max_attempts = arg; break;
	case 'H': o->host = arg; break;
	case 'a': o->address = arg; break;
	case OPT_SERVICE: o->service = arg; break;
	case OPT_PROBLEM: o->problem = arg; break;
	case 'p': return num_parse_long(arg, 1, 65535, &o->port) ? NULL : "not a port (1-65535)";
	case 'C': o->config = arg; break;
	case OPT_RBDIR: o->rbdir = arg; break;
	case 'n': o->dry_run = true; break;
	case 'f': o->foreground = true; break;
	case OPT_SHOW: o->show = arg; break;
	case OPT_LIST: o->list = true; break;
	case OPT_RESET: o->reset = true; break;
	case OPT_STATUS: o->status = true; break;
	default: return "unhandled option";
	}
	return NULL;
}

/* NAGIOS_X, else ICINGA_X (Icinga 1 and compatible environments) */
static const char *env_macro(const char *name)
{
	char var[64];
	snprintf(var, sizeof var, "NAGIOS_%s", name);
	const char *v = getenv(var);
	if (!v || !*v) {
		snprintf(var, sizeof var, "ICINGA_%s", name);
		v = getenv(var);
	}
	return v && *v ? v : NULL;
}

static void fill(const char **field, const char *service_macro, const char *host_macro)
{
	if (!*field && service_macro)
		*field = env_macro(service_macro);
	if (!*field && host_macro)
		*field = env_macro(host_macro);
}

enum problem { P_OK, P_PROBLEM, P_OTHER };

static enum problem classify(const char *state)
{
	if (!strcasecmp(state, "OK") || !strcasecmp(state, "UP") || !strcmp(state, "0"))
		return P_OK;
	if (!strcasecmp(state, "CRITICAL") || !strcasecmp(state, "DOWN") || !strcasecmp(state, "UNREACHABLE") ||
	    !strcmp(state, "2"))
		return P_PROBLEM;
	return P_OTHER;
}

static void key_of(char *out, size_t size, const char *host, const char *service)
{
	snprintf(out, size, "%s/%s", host, service);
}

/* Answer the engine now, go on in a grandchild in its own session with no
 * inherited descriptors (the engine must not wait for our pipes). */
static void detach(const char *who)
{
	fflush(stdout);
	fflush(stderr);
	pid_t p = fork();
	if (p < 0)
		plugin_die(STATE_UNKNOWN, "cannot fork: %s", strerror(errno));
	if (p > 0) {
		int st;
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		exit(WIFEXITED(st) ? WEXITSTATUS(st) : STATE_UNKNOWN);
	}
	setsid();
	pid_t q = fork();
	if (q < 0)
		_exit(STATE_UNKNOWN);
	if (q > 0) {
		printf("%s: handed to pid %ld (detached; outcome in the audit log)\n", who, (long)q);
		fflush(stdout);
		_exit(STATE_OK);
	}
	if (chdir("/") < 0)
		_exit(STATE_UNKNOWN);
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(STATE_UNKNOWN);
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		close(fd);
}

static void now_text(time_t t, char *out, size_t size)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

struct run {
	struct opts *o;
	struct engine *e;
	enum problem kind;
	bool hard;
	long attempt;
	char key[600];
	char who[300];
};

__attribute__((format(printf, 2, 3)))
static void say(const struct run *r, const char *fmt, ...)
{
	if (!r->o->foreground)
		return;
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", r->who);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static void finish(struct run *r, struct incident *in, const char *outcome, const char *detail)
{
	struct engine *e = r->e;
	snprintf(in->last_outcome, sizeof in->last_outcome, "%s", outcome);
	in->last_time = time(NULL);
	const char *why = incident_save(r->key, in);
	if (why)
		audit(e, "state", NULL, -1, 0, "failed", why);
	audit(e, "outcome", NULL, -1, 0, outcome, detail);
	say(r, "%s", outcome);
	if (r->o->foreground && detail && *detail)
		printf("  %s\n", detail);
}

static int run_incident(struct run *r)
{
	struct engine *e = r->e;
	const struct recover_config *cfg = e->cfg;
	double t0 = monotonic_now();
	/* a backstop past the run's own deadline: nothing outlives runbook 004's limit */
	timeout_start(cfg->deadline + 30, STATE_UNKNOWN);
	e->deadline = t0 + cfg->deadline;
	/* creates the state directory (and its parents) for the lock and the log */
	struct state_file probe;
	if (!state_open(&probe, NULL, "recover", r->key))
		state_close(&probe);
	char ev[160];
	snprintf(ev, sizeof ev, "%s %s attempt %s/%s problem %s", r->o->state, r->o->type ? r->o->type : "-",
	         r->o->attempt ? r->o->attempt : "-", r->o->max_attempts ? r->o->max_attempts : "-",
	         r->o->problem ? r->o->problem : "-");
	audit(e, "event", NULL, -1, 0, "received", ev);
	int lock = incident_lock(r->key, r->kind == P_OK ? 60 : 0);
	if (lock == -1) {
		const char *why = strerror(errno);
		audit(e, "lock", NULL, -1, 0, "failed", why);
		say(r, "cannot lock the incident in %s: %s", state_dir(), why);
		return STATE_UNKNOWN;
	}
	if (lock < 0) {
		audit(e, "lock", NULL, -1, 0, "busy", "another handler holds this incident");
		say(r, "busy: another handler holds this incident");
		return 0;
	}
	time_t now = time(NULL);
	struct silence_hit hit;
	struct buf serr = BUF_INIT;
	int s = silence_match_addr(e->host, e->address, e->service, now, &hit, &serr);
	if (s == 1) {
		char d[400];
		snprintf(d, sizeof d, "silence %s until %ld: %s", hit.id, (long)hit.end, hit.comment);
		audit(e, "silence", NULL, -1, 0, "silenced", d);
		say(r, "silenced (%s)", hit.id);
		buf_free(&serr);
		close(lock);
		return 0;
	}
	if (s < 0)
		audit(e, "silence", NULL, -1, 0, "unknown", buf_cstr(&serr));
	buf_free(&serr);

	struct incident in;
	bool corrupt;
	if (!incident_load(r->key, &in, &corrupt)) {
		audit(e, "state", NULL, -1, 0, "failed", "cannot open the state");
		close(lock);
		return STATE_UNKNOWN;
	}
	if (corrupt)
		audit(e, "state", NULL, -1, 0, "corrupt", "unreadable state replaced by a fresh one");
	if (in.running_pid) {
		char d[64];
		snprintf(d, sizeof d, "pid %ld ended without an outcome", in.running_pid);
		audit(e, "state", NULL, -1, 0, "interrupted", d);
		/* its restart still counts towards the limit, but it never finished:
		 * the incident may be acted on again */
		in.running_pid = 0;
		in.acted = false;
	}
	in.runs++;

	if (r->kind == P_OK) {
		/* the service is back: close; after a give-up the slate is clean */
		if (in.gave_up)
			in.nrestarts = 0;
		bool was_open = in.open;
		in.open = in.acted = in.gave_up = in.escalated = false;
		finish(r, &in, was_open ? "closed" : "ok", NULL);
		close(lock);
		return 0;
	}
	if (!in.open) {
		in.open = true;
		in.opened = now;
		in.acted = in.gave_up = in.escalated = false;
		snprintf(in.problem_id, sizeof in.problem_id, "%s", e->problem_id ? e->problem_id : "");
	}
	now_text(in.opened, e->detected_text, sizeof e->detected_text);
	vars_set(&e->vars, "DETECTED", e->detected_text);
	snprintf(e->detected_epoch, sizeof e->detected_epoch, "%lld", (long long)in.opened);
	vars_set(&e->vars, "DETECTED_EPOCH", e->detected_epoch);
	if (in.gave_up) {
		finish(r, &in, "given-up", "no action until the service recovers or recover --reset");
		close(lock);
		return 0;
	}
	if (r->hard && in.acted) {
		finish(r, &in, "already-acted", "this incident was already acted on (at its SOFT attempt)");
		close(lock);
		return 0;
	}
	double window = (double)cfg->cycles * cfg->cycle;
	size_t recent = incident_recent(&in, now, window);
	if ((long)recent >= cfg->max_restarts) {
		in.gave_up = true;
		char d[200];
		snprintf(d, sizeof d, "%zu restarts within %ld cycles (%g s): gave up", recent, cfg->cycles, window);
		buf_printf(&e->summary, "%s: %s", e->rb->alert ? e->rb->alert : e->rb->name, d);
		buf_puts(&e->action, "none: restart limit reached");
		if (!in.escalated) {
			in.escalated = true;
			incident_save(r->key, &in);
			engine_notify(e, 2, "gave-up");
		}
		finish(r, &in, "gave-up", d);
		close(lock);
		return 0;
	}

	int v = engine_verify(e, "verify");
	if (v == 1) {
		/* runbook 000 step 1: fine now, so only report */
		finish(r, &in, "answering", "verify found the service fine: no action");
		close(lock);
		return 0;
	}
	bool refused = false, recovered = false, unverified = false;
	if (v < 0) {
		/* never act blind: a host we cannot trust or check goes to people */
		refused = e->remote_tried && !e->remote &&
		          (e->remote_why == REMOTE_HOSTKEY_UNKNOWN || e->remote_why == REMOTE_HOSTKEY_CHANGED ||
		           e->remote_why == REMOTE_AUTH);
		unverified = !refused;
		in.acted = true;   /* escalated: the HARD event need not do it again */
		if (refused)
			buf_printf(&e->action, "refused to log in: %s", buf_cstr(&e->remote_err));
		else
			buf_printf(&e->action, "none: cannot verify (%s)", e->verify_detail);
	} else {
		/* counted before it is tried: a crash in the middle still counts */
		incident_note_restart(&in, now);
		in.acted = true;
		in.running_pid = getpid();
		snprintf(in.last_action, sizeof in.last_action, "%s", e->rb->via);
		snprintf(in.last_outcome, sizeof in.last_outcome, "acting");
		in.last_time = now;
		const char *why = incident_save(r->key, &in);
		if (why)
			audit(e, "state", NULL, -1, 0, "failed", why);
		recovered = engine_act(e, &refused);
		in.running_pid = 0;
		if (refused && !e->action.len)
			buf_printf(&e->action, "refused to log in: %s", buf_cstr(&e->remote_err));
	}
	char took[32];
	snprintf(took, sizeof took, "%.1f", monotonic_now() - t0);
	vars_set(&e->vars, "DURATION", took);
	if (recovered) {
		now_text(time(NULL), e->recovered_text, sizeof e->recovered_text);
		vars_set(&e->vars, "RECOVERED", e->recovered_text);
		buf_printf(&e->summary, "%s recovered on %s: %s (%s s)", e->rb->alert ? e->rb->alert : e->rb->name,
		           e->host, buf_cstr(&e->action), took);
		snprintf(in.last_action, sizeof in.last_action, "%s", buf_cstr(&e->action));
		engine_notify(e, 1, "recovered");
		finish(r, &in, "recovered", buf_cstr(&e->summary));
	} else {
		buf_printf(&e->summary, "%s NOT recovered on %s: %s; %s", e->rb->alert ? e->rb->alert : e->rb->name,
		           e->host, e->action.len ? buf_cstr(&e->action) : "no action", e->verify_detail);
		snprintf(in.last_action, sizeof in.last_action, "%s", e->action.len ? buf_cstr(&e->action) : "none");
		const char *oc = refused ? "refused" : unverified ? "unverifiable" : "escalated";
		engine_notify(e, 2, oc);
		finish(r, &in, oc, buf_cstr(&e->summary));
	}
	close(lock);
	return 0;
}

static void list_runbooks(const char *dir)
{
	for (const char *const *n = runbook_builtin_names; *n; n++)
		printf("%s\tbuilt-in\n", *n);
	char path[PATH_MAX];
	for (const char *const *n = runbook_builtin_names; *n; n++) {
		snprintf(path, sizeof path, "%s/%s.ini", dir, *n);
		if (access(path, R_OK) == 0)
			printf("%s\toverridden by %s\n", *n, path);
	}
}

static const char *base_runbook(const char *argv0)
{
	const char *b = strrchr(argv0, '/');
	b = b ? b + 1 : argv0;
	return !strncmp(b, "recover_", 8) && b[8] ? b + 8 : NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	o.runbook = base_runbook(argv[0]);
	int first = program_parse(&prog, argc, argv, on_option, &o);
	char **ops = argv + first;
	int nops = argc - first;

	struct recover_config cfg;
	struct buf err = BUF_INIT;
	if (config_load(&cfg, o.config ? o.config : SYSCONFDIR "/mamori/recover.ini", o.config != NULL, &err))
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
	const char *rbdir = o.rbdir ? o.rbdir : cfg.runbook_dir ? cfg.runbook_dir : SYSCONFDIR "/mamori/runbooks";
	/* a directory named on purpose must be one we can read: silently
	 * running the built-in runbooks instead would hide the mistake */
	if (o.rbdir || cfg.runbook_dir) {
		int dfd = open(rbdir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
		if (dfd < 0)
			plugin_die(STATE_UNKNOWN, "runbook directory %s: %s", rbdir,
			           errno == ENOTDIR ? "not a directory" : strerror(errno));
		close(dfd);
	}

	if (o.list) {
		list_runbooks(rbdir);
		config_free(&cfg);
		buf_free(&err);
		return 0;
	}
	if (o.show) {
		struct runbook rb;
		if (runbook_load(&rb, rbdir, o.show, &err))
			plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));
		printf("# runbook %s (%s)\n%s", rb.name, rb.origin, buf_cstr(&rb.text));
		runbook_free(&rb);
		config_free(&cfg);
		buf_free(&err);
		return 0;
	}
	if (o.reset || o.status) {
		if (nops != 2)
			plugin_die(STATE_UNKNOWN, "--%s needs HOST SERVICE", o.reset ? "reset" : "status");
		char key[600];
		key_of(key, sizeof key, ops[0], ops[1]);
		struct incident in;
		bool corrupt;
		if (!incident_load(key, &in, &corrupt))
			plugin_die(STATE_UNKNOWN, "cannot open the state of %s", key);
		if (o.status) {
			struct buf t = BUF_INIT;
			incident_format(&in, &t);
			fputs(buf_cstr(&t), stdout);
			buf_free(&t);
		} else {
			memset(&in, 0, sizeof in);
			const char *why = incident_save(key, &in);
			if (why)
				plugin_die(STATE_UNKNOWN, "%s", why);
			struct engine e;
			engine_init(&e);
			e.host = ops[0];
			e.service = ops[1];
			audit(&e, "reset", NULL, -1, 0, "reset", "recover --reset");
			engine_free(&e);
			printf("%s: incident state cleared\n", key);
		}
		config_free(&cfg);
		buf_free(&err);
		return 0;
	}

	/* positional: STATE STATETYPE ATTEMPT [HOST [ADDRESS [SERVICE]]] */
	const char **slots[] = { &o.state, &o.type, &o.attempt, &o.host, &o.address, &o.service };
	if (nops > 6)
		plugin_die(STATE_UNKNOWN, "too many arguments (see recover --help)");
	for (int i = 0; i < nops; i++)
		if (!*slots[i])
			*slots[i] = ops[i];
	fill(&o.state, "SERVICESTATE", "HOSTSTATE");
	fill(&o.type, "SERVICESTATETYPE", "HOSTSTATETYPE");
	fill(&o.attempt, "SERVICEATTEMPT", "HOSTATTEMPT");
	fill(&o.max_attempts, "MAXSERVICEATTEMPTS", "MAXHOSTATTEMPTS");
	fill(&o.host, "HOSTNAME", NULL);
	fill(&o.address, "HOSTADDRESS", NULL);
	fill(&o.service, "SERVICEDESC", NULL);
	fill(&o.problem, "SERVICEPROBLEMID", "HOSTPROBLEMID");

	if (!o.runbook)
		plugin_die(STATE_UNKNOWN, "which runbook? --runbook NAME, or run as recover_NAME");
	if (!o.host)
		plugin_die(STATE_UNKNOWN, "no host: give $HOSTNAME$ (--host or the 4th argument)");
	/* only values that cannot be anything but a name ever reach a command */
	if (!valid_host(o.host))
		plugin_die(STATE_UNKNOWN, "refusing host name '%.40s': only letters, digits, '.', ':' and '-'", o.host);
	if (o.address && *o.address && !valid_host(o.address))
		plugin_die(STATE_UNKNOWN, "refusing address '%.40s': only letters, digits, '.', ':' and '-'", o.address);
	if (o.address && !*o.address)
		o.address = NULL;
	if (!o.service)
		o.service = o.runbook;
	if (!valid_service(o.service))
		plugin_die(STATE_UNKNOWN, "refusing service '%.40s': only letters, digits, space and @._/-", o.service);
	if (o.problem && !valid_unit(o.problem))
		o.problem = NULL;

	struct runbook rb;
	if (runbook_load(&rb, rbdir, o.runbook, &err))
		plugin_die(STATE_UNKNOWN, "%s", buf_cstr(&err));

	struct engine e;
	engine_init(&e);
	e.rb = &rb;
	e.cfg = &cfg;
	e.hc = config_host(&cfg, o.host);
	e.host = o.host;
	e.address = o.address;
	e.service = o.service;
	e.problem_id = o.problem;
	e.port = (unsigned)o.port;
	e.dry_run = o.dry_run;
	e.target = e.hc && e.hc->address ? e.hc->address : o.address ? o.address : o.host;
	if (!valid_host(e.target))
		plugin_die(STATE_UNKNOWN, "refusing address '%.40s' of [host %s]", e.target, o.host);
	e.ssh_port = e.hc && e.hc->ssh_port ? e.hc->ssh_port : cfg.ssh_port;
	e.ssh_user = e.hc && e.hc->ssh_user ? e.hc->ssh_user : cfg.ssh_user;
	char portbuf[8];
	snprintf(portbuf, sizeof portbuf, "%u", e.port ? e.port : rb.nports ? rb.ports[0] : 0);
	vars_set(&e.vars, "HOST", e.host);
	vars_set(&e.vars, "ADDRESS", e.address ? e.address : e.target);
	vars_set(&e.vars, "TARGET", e.target);
	vars_set(&e.vars, "SERVICE", e.service);
	vars_set(&e.vars, "RUNBOOK", rb.name);
	vars_set(&e.vars, "ALERT", rb.alert ? rb.alert : rb.name);
	vars_set(&e.vars, "PORT", portbuf);
	vars_set(&e.vars, "STATE", o.state ? o.state : "CRITICAL");
	vars_set(&e.vars, "PROBLEM_ID", o.problem ? o.problem : "");
	vars_set(&e.vars, "CONSOLE_HOST", e.hc && e.hc->console_host ? e.hc->console_host : "");
	/* the plan shows now; a run sets the incident's detection time */
	now_text(time(NULL), e.detected_text, sizeof e.detected_text);
	snprintf(e.detected_epoch, sizeof e.detected_epoch, "%lld", (long long)time(NULL));
	vars_set(&e.vars, "DETECTED", e.detected_text);
	vars_set(&e.vars, "DETECTED_EPOCH", e.detected_epoch);
	vars_set(&e.vars, "RECOVERED", "");
	vars_set(&e.vars, "DURATION", "");

	struct run r = { .o = &o, .e = &e };
	snprintf(r.who, sizeof r.who, "recover %s %s/%s", rb.name, o.host, o.service);
	key_of(r.key, sizeof r.key, o.host, o.service);
	if (o.dry_run) {
		engine_plan(&e);
		engine_free(&e);
		runbook_free(&rb);
		config_free(&cfg);
		buf_free(&err);
		return 0;
	}
	if (!o.state)
		plugin_die(STATE_UNKNOWN, "no state: give $SERVICESTATE$ (--state or the 1st argument)");
	r.kind = classify(o.state);
	r.hard = !o.type || !strcasecmp(o.type, "HARD");
	if (o.type && !r.hard && strcasecmp(o.type, "SOFT"))
		plugin_die(STATE_UNKNOWN, "state type '%.20s' is neither SOFT nor HARD", o.type);
	if (o.attempt && !num_parse_long(o.attempt, 0, 1000, &r.attempt))
		plugin_die(STATE_UNKNOWN, "attempt '%.20s' is not a number", o.attempt);
	/* Nagios' restart-httpd policy: act at the chosen SOFT attempt and on
	 * HARD (when that attempt was missed); WARNING and UNKNOWN are left alone */
	const char *skip = NULL;
	if (r.kind == P_OTHER)
		skip = "not a CRITICAL or DOWN state: nothing to do";
	else if (r.kind == P_PROBLEM && !r.hard && r.attempt != cfg.soft_attempt)
		skip = "SOFT attempt other than the acting one: nothing to do";
	if (skip) {
		printf("%s: %s\n", r.who, skip);
	} else {
		if (!o.foreground)
			detach(r.who);
		run_incident(&r);
	}
	engine_free(&e);
	runbook_free(&rb);
	config_free(&cfg);
	buf_free(&err);
	return 0;
}
