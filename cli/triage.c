#include "triage.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "num.h"
#include "options.h"
#include "plugin.h"
#include "runner.h"
#include "timeout.h"

struct tconfig {
	bool json, all, list, color;
	bool ja;
	double deadline;
	long jobs;
	const char *only, *skip;
};

enum { OPT_JSON = 256, OPT_ALL, OPT_LIST, OPT_ONLY, OPT_SKIP, OPT_LANG, OPT_DEADLINE, OPT_JOBS, OPT_NOCOLOR };

static const struct option_spec options[] = {
	{ "json", OPT_JSON, NULL, "Print the results as JSON (one object, an array of items)" },
	{ "all", OPT_ALL, NULL, "Also run items whose daemon is not installed here" },
	{ "list", OPT_LIST, NULL, "List the items and the commands they run, run nothing" },
	{ "only", OPT_ONLY, "ITEM,...", "Run only these items (names as --list shows; a prefix like \"port\" works)" },
	{ "skip", OPT_SKIP, "ITEM,...", "Do not run these items" },
	{ "lang", OPT_LANG, "en|ja", "Language of the next steps (default: ja when LANG starts with ja)" },
	{ "deadline", OPT_DEADLINE, "SECONDS", "Overall deadline for all items (default 30)" },
	{ "jobs", OPT_JOBS, "N", "Items run at the same time (default 8)" },
	{ "no-color", OPT_NOCOLOR, NULL, "No colours even on a terminal (NO_COLOR in the environment does the same)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "mamori triage",
	.service = "TRIAGE",
	.purpose = "Runs the runbooks' whole check set against one host (default: this host) in\n"
	           "parallel under one deadline, and prints a table: item, state, summary, and\n"
	           "for each item that is not OK the next step of its runbook.",
	.usage = "[HOST] [--json] [--only ITEM,...] [--skip ITEM,...] [--all] [--lang en|ja]",
	.options = options,
	.notes = "Exit code: the worst state of the items (CRITICAL > WARNING > UNKNOWN > OK).\n"
	         "On this host, items for a daemon that is not installed are shown as skipped;\n"
	         "against another host the network items run and the local ones are skipped.",
	.operands = true,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct tconfig *cfg = cfg_;
	switch (key) {
	case OPT_JSON: cfg->json = true; return NULL;
	case OPT_ALL: cfg->all = true; return NULL;
	case OPT_LIST: cfg->list = true; return NULL;
	case OPT_ONLY: cfg->only = arg; return NULL;
	case OPT_SKIP: cfg->skip = arg; return NULL;
	case OPT_NOCOLOR: cfg->color = false; return NULL;
	case OPT_LANG:
		if (strcmp(arg, "ja") && strcmp(arg, "en"))
			return "language must be en or ja";
		cfg->ja = strcmp(arg, "ja") == 0;
		return NULL;
	case OPT_DEADLINE: return opt_double(arg, 1, 3600, &cfg->deadline);
	case OPT_JOBS: return opt_long(arg, 1, 64, &cfg->jobs);
	}
	return "unhandled option";
}

/* Is name in the comma list, exactly or as a prefix ending at a space? */
static bool in_list(const char *list, const char *name)
{
	if (!list)
		return false;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len && strncmp(name, p, len) == 0 && (name[len] == '\0' || name[len] == ' '))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* A program (daemon) or file (log) the item is about exists here. */
static bool installed(const struct triage_item *it)
{
	if (!it->needs[0])
		return true;
	for (size_t i = 0; i < 8 && it->needs[i]; i++)
		if (access(it->needs[i], F_OK) == 0)
			return true;
	return false;
}

/* MAMORI_PLUGINDIR when set, else the plugins beside this program's build
 * tree, else the configured plugindir. */
static const char *plugin_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_PLUGINDIR");
	if (env && *env) {
		/* a wrong directory would show every item as "not installed" */
		struct stat st;
		if (stat(env, &st) != 0)
			plugin_die(STATE_UNKNOWN, "MAMORI_PLUGINDIR %s: %s", env, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			plugin_die(STATE_UNKNOWN, "MAMORI_PLUGINDIR %s: not a directory", env);
		if (access(env, R_OK | X_OK) != 0)
			plugin_die(STATE_UNKNOWN, "MAMORI_PLUGINDIR %s: %s", env, strerror(errno));
		return env;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char probe[PATH_MAX + 32];
			snprintf(probe, sizeof probe, "%s/../plugins/check_load", self);
			if (access(probe, X_OK) == 0) {
				snprintf(dir, sizeof dir, "%.*s/../plugins", (int)(sizeof dir - 12), self);
				return dir;
			}
		}
	}
	return PLUGINDIR;
}

/* localhost, 127.x, ::1, or this machine's own name: local checks apply. */
static bool host_is_local(const char *host)
{
	char me[256];
	if (!host || !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1"))
		return true;
	if (gethostname(me, sizeof me) == 0) {
		me[sizeof me - 1] = '\0';
		size_t n = strlen(me);
		if (!strcasecmp(host, me) || (!strncasecmp(host, me, n) && host[n] == '.'))
			return true;
	}
	return false;
}

struct row {
	const struct triage_item *item;
	const char *skipped;      /* reason, or NULL when it ran */
	struct job job;
	char *status;             /* first line of output, without perfdata */
	char *perf;
	char *longout;
	char *handler;            /* recover_NAME that would act on it (failed items) */
	char *plan;               /* its --dry-run plan, or NULL */
};

static char **build_argv(const char *dir, const struct triage_item *it, const char *host)
{
	size_t n = 0;
	while (n < 16 && it->args[n])
		n++;
	char **argv = xcalloc(n + 2, sizeof *argv);
	size_t len = strlen(dir) + strlen(it->plugin) + 2;
	argv[0] = xmalloc(len);
	snprintf(argv[0], len, "%s/%s", dir, it->plugin);
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = xstrdup(strcmp(it->args[i], "$HOST") ? it->args[i] : host);
	return argv;
}

/* recover_NAME beside the plugins (installed) or in the build tree's
 * handlers/ (a build run from its tree); NULL when neither exists. */
static char *handler_path(const char *dir, const char *runbook)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/recover_%s", dir, runbook);
	if (access(path, X_OK) == 0)
		return xstrdup(path);
	snprintf(path, sizeof path, "%s/../handlers/recover_%s", dir, runbook);
	if (access(path, X_OK) == 0)
		return xstrdup(path);
	return NULL;
}

/* For every item that is not OK and has a runbook handler: which
 * recover_* would run and what it would do (its --dry-run plan, which
 * connects nowhere and changes nothing). */
static void plan_recovery(struct row *rows, size_t n, const char *dir, const char *host, double deadline)
{
	struct job *jobs = xcalloc(n, sizeof *jobs);
	size_t *of = xcalloc(n, sizeof *of), nj = 0;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		if (r->skipped || r->job.exit_code == 0 || !r->item->recover)
			continue;
		char *path = handler_path(dir, r->item->recover);
		size_t len = strlen("recover_") + strlen(r->item->recover) + 1;
		r->handler = xmalloc(len);
		snprintf(r->handler, len, "recover_%s", r->item->recover);
		if (!path)
			continue;
		char **argv = xcalloc(5, sizeof *argv);
		argv[0] = path;
		argv[1] = xstrdup("--dry-run");
		argv[2] = xstrdup("-H");
		argv[3] = xstrdup(host);
		jobs[nj].argv = argv;
		of[nj++] = i;
	}
	runner_run(jobs, nj, 4, deadline);
	for (size_t j = 0; j < nj; j++) {
		struct row *r = &rows[of[j]];
		if (jobs[j].exit_code == 0 && jobs[j].out.len)
			r->plan = xstrdup(buf_cstr(&jobs[j].out));
		for (char **a = jobs[j].argv; *a; a++)
			free(*a);
		free(jobs[j].argv);
		buf_free(&jobs[j].out);
	}
	free(of);
	free(jobs);
}

/* The lines of a plan that say what it does, for the table without -v. */
static bool plan_headline(const char *line, size_t len)
{
	static const char *const keep[] = { "runbook ", "action:", "re-verify:", "policy:" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (len >= strlen(keep[i]) && !strncmp(line, keep[i], strlen(keep[i])))
			return true;
	return false;
}

static void split_output(struct row *r)
{
	const char *out = buf_cstr(&r->job.out);
	size_t first = strcspn(out, "\n");
	char *line = xmalloc(first + 1);
	memcpy(line, out, first);
	line[first] = '\0';
	char *bar = strchr(line, '|');
	r->perf = xstrdup(bar ? bar + 1 : "");
	if (bar) {
		*bar = '\0';
		while (bar > line && bar[-1] == ' ')
			*--bar = '\0';
	}
	r->status = line;
	r->longout = xstrdup(out[first] ? out + first + 1 : "");
	if (r->job.timed_out) {
		free(r->status);
		r->status = xstrdup("no answer before the triage deadline");
	} else if (r->job.exec_failed) {
		free(r->status);
		r->status = xstrdup("could not run the plugin (not installed?)");
	} else if (!*r->status) {
		free(r->status);
		r->status = xstrdup(r->job.signal ? "plugin was killed by a signal" : "plugin printed nothing");
	}
}

/* The summary without the "SERVICE STATE - " prefix the table already shows. */
static const char *summary_of(const struct row *r)
{
	const char *s = r->status;
	const char *dash = strstr(s, " - ");
	const char *colon = strstr(s, ": ");
	const char *cut = dash && (!colon || dash < colon) ? dash + 3 : colon ? colon + 2 : NULL;
	if (cut && (size_t)(cut - s) < 40)
		return cut;
	return s;
}

static const char *state_color(int st)
{
	static const char *const c[] = { "\033[32m", "\033[33m", "\033[31m", "\033[35m" };
	return c[st & 3];
}

static void print_table(struct row *rows, size_t n, const struct tconfig *cfg, const char *host,
                        double secs, int worst)
{
	int count[4] = { 0 }, skipped = 0;
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
	printf("mamori triage of %s at %s (%.1f s)\n\n", host, when, secs);
	printf("%-15s %-9s %s\n", "ITEM", "STATE", "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		if (r->skipped) {
			skipped++;
			printf("%-15s %-9s %s\n", r->item->name, "-", r->skipped);
			continue;
		}
		int st = r->job.exit_code;
		count[st]++;
		if (cfg->color)
			printf("%-15s %s%-9s\033[0m %s\n", r->item->name, state_color(st), state_name((enum state)st), summary_of(r));
		else
			printf("%-15s %-9s %s\n", r->item->name, state_name((enum state)st), summary_of(r));
		if (st != STATE_OK) {
			printf("%-15s %-9s next (runbook %s): %s\n", "", "", r->item->runbook,
			       cfg->ja ? r->item->next_ja : r->item->next_en);
			if (r->handler) {
				printf("%-15s %-9s handler: %s%s\n", "", "", r->handler,
				       r->plan ? (plugin_verbose ? ", its --dry-run plan:" : " would (-v: the whole plan):")
				               : " (not installed here)");
				for (const char *p = r->plan; p && *p;) {
					size_t len = strcspn(p, "\n");
					if (plugin_verbose || plan_headline(p, len))
						printf("%-15s %-9s   %.*s\n", "", "", (int)len, p);
					p += len + (p[len] == '\n');
				}
			}
			if (plugin_verbose && *r->longout) {
				for (const char *p = r->longout; *p;) {
					size_t len = strcspn(p, "\n");
					printf("%-15s %-9s | %.*s\n", "", "", (int)len, p);
					p += len + (p[len] == '\n');
				}
			}
		}
	}
	printf("\nworst: %s  (%d critical, %d warning, %d unknown, %d ok, %d skipped)\n",
	       state_name((enum state)worst), count[2], count[1], count[3], count[0], skipped);
}

static void print_json(struct row *rows, size_t n, const char *host, double secs, int worst)
{
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "item", json_string(r->item->name));
		json_object_set_new(o, "runbook", json_string(r->item->runbook));
		json_object_set_new(o, "plugin", json_string(r->item->plugin));
		if (r->skipped) {
			json_object_set_new(o, "state", json_string("SKIPPED"));
			json_object_set_new(o, "summary", json_string(r->skipped));
		} else {
			int st = r->job.exit_code;
			json_object_set_new(o, "state", json_string(state_name((enum state)st)));
			json_object_set_new(o, "exit_code", json_integer(st));
			/* plugin text may hold any bytes: the _nocheck setter would emit invalid JSON */
			json_t *s = json_string(r->status);
			json_object_set_new(o, "output", s ? s : json_string("(output is not valid UTF-8)"));
			s = json_string(summary_of(r));
			json_object_set_new(o, "summary", s ? s : json_string("(output is not valid UTF-8)"));
			s = json_string(r->perf);
			json_object_set_new(o, "perfdata", s ? s : json_string(""));
			s = json_string(r->longout);
			json_object_set_new(o, "long_output", s ? s : json_string(""));
			json_object_set_new(o, "seconds", json_real(r->job.seconds));
			json_object_set_new(o, "timed_out", json_boolean(r->job.timed_out));
			if (st != STATE_OK) {
				json_object_set_new(o, "next_step", json_string(r->item->next_en));
				json_object_set_new(o, "next_step_ja", json_string(r->item->next_ja));
				if (r->handler) {
					json_object_set_new(o, "handler", json_string(r->handler));
					json_t *pl = r->plan ? json_string(r->plan) : NULL;
					json_object_set_new(o, "handler_plan", pl ? pl : json_null());
				}
			}
		}
		json_array_append_new(items, o);
	}
	json_t *root = json_pack("{s:s, s:s, s:f, s:o}", "host", host, "worst",
	                         state_name((enum state)worst), "seconds", secs, "items", items);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	if (text)
		puts(text);
	free(text);
	json_decref(root);
}

int triage_main(int argc, char **argv)
{
	const char *lang = getenv("LANG");
	struct tconfig cfg = {
		.deadline = 30, .jobs = 8,
		.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
		.ja = lang && !strncmp(lang, "ja", 2),
	};
	int first = program_parse(&prog, argc, argv, on_option, &cfg);
	if (argc - first > 1)
		plugin_die(STATE_UNKNOWN, "give at most one HOST (see mamori triage --help)");
	const char *host = first < argc ? argv[first] : "localhost";
	if (!*host || strlen(host) > 253 || strpbrk(host, " \t\r\n;|&$`'\"\\"))
		plugin_die(STATE_UNKNOWN, "'%.64s' is not a host name or address", host);
	bool local = host_is_local(host);
	const char *dir = plugin_dir();

	struct row *rows = xcalloc(triage_item_count, sizeof *rows);
	size_t n = 0;
	for (size_t i = 0; i < triage_item_count; i++) {
		const struct triage_item *it = &triage_items[i];
		if ((cfg.only && !in_list(cfg.only, it->name)) || in_list(cfg.skip, it->name))
			continue;
		struct row *r = &rows[n++];
		r->item = it;
		if ((it->scope & SCOPE_LOCAL) && !local)
			r->skipped = "local check: run `mamori triage` on that host (or through NRPE)";
		else if (local && !cfg.all && !installed(it))
			r->skipped = "not installed here";
		r->job.argv = build_argv(dir, it, host);
	}
	if (n == 0)
		plugin_die(STATE_UNKNOWN, "no item matches --only/--skip (see mamori triage --list)");
	if (cfg.list) {
		for (size_t i = 0; i < n; i++) {
			printf("%-15s runbook %-22s", rows[i].item->name, rows[i].item->runbook);
			for (char **a = rows[i].job.argv; *a; a++)
				printf(" %s", *a);
			printf("%s\n", rows[i].skipped ? "   (skipped here)" : "");
		}
		exit(0);
	}

	/* run the items that are not skipped, in table order */
	struct job *jobs = xcalloc(n, sizeof *jobs);
	size_t nj = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].skipped)
			jobs[nj++] = rows[i].job;
	double t0 = monotonic_now();
	runner_run(jobs, nj, (unsigned)cfg.jobs, cfg.deadline);
	double secs = monotonic_now() - t0;

	int worst = STATE_OK;
	for (size_t i = 0, j = 0; i < n; i++) {
		if (rows[i].skipped)
			continue;
		rows[i].job = jobs[j++];
		split_output(&rows[i]);
		worst = state_worst((enum state)worst, (enum state)rows[i].job.exit_code);
	}
	plan_recovery(rows, n, dir, host, 10);
	if (nj == 0) {
		/* nothing was measured: that is not an OK */
		worst = STATE_UNKNOWN;
		if (!local)
			fprintf(stderr, "mamori triage: this build has no network checks for a remote host "
			                "yet; run it on %s itself\n", host);
	}
	if (cfg.json)
		print_json(rows, n, host, secs, worst);
	else
		print_table(rows, n, &cfg, host, secs, worst);

	for (size_t i = 0; i < n; i++) {
		for (char **a = rows[i].job.argv; *a; a++)
			free(*a);
		free(rows[i].job.argv);
		buf_free(&rows[i].job.out);
		free(rows[i].status);
		free(rows[i].perf);
		free(rows[i].longout);
		free(rows[i].handler);
		free(rows[i].plan);
	}
	free(jobs);
	free(rows);
	return worst;
}
