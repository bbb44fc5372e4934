/* The acting half of a run: find the variant and init system, restart over
 * SSH or through the console, reboot as the last resort, tell the
 * notifiers. Verify is verify.c, commands exec.c, the dry run plan.c. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "timeout.h"

void engine_init(struct engine *e)
{
	memset(e, 0, sizeof *e);
	e->plan = stdout;
}

void engine_free(struct engine *e)
{
	if (e->remote)
		remote_close(e->remote);
	e->remote = NULL;
	buf_free(&e->remote_err);
	buf_free(&e->action);
	buf_free(&e->summary);
}

double engine_remaining(const struct engine *e)
{
	return e->deadline - monotonic_now();
}

/* a step's own limit, never past the run's deadline */
double engine_bounded(const struct engine *e, double want)
{
	double r = engine_remaining(e);
	return r < want ? (r > 0.5 ? r : 0.5) : want;
}

struct probe_cache {
	const char *cmd;
	int status;
	struct buf out;
};

/* the variant (which daemon) and the init system, as the runbook says */
static bool detect(struct engine *e)
{
	const struct runbook *rb = e->rb;
	snprintf(e->variant, sizeof e->variant, "%s", rb->default_variant ? rb->default_variant : rb->name);
	if (!engine_remote(e))
		return false;
	struct probe_cache cache[32];
	size_t nc = 0;
	for (size_t i = 0; i < rb->ndetect; i++) {
		const struct rb_probe *p = &rb->detect[i];
		struct probe_cache *hit = NULL;
		for (size_t j = 0; j < nc && !hit; j++)
			if (!strcmp(cache[j].cmd, p->cmd))
				hit = &cache[j];
		if (!hit) {
			struct buf err = BUF_INIT;
			char **argv = cmd_build(p->cmd, &e->vars, &err);
			if (!argv) {
				audit(e, "detect", NULL, -1, 0, "bad-command", buf_cstr(&err));
				buf_free(&err);
				continue;
			}
			buf_free(&err);
			if (nc == 32)
				nc--;   /* more distinct commands than any runbook has: forget the last */
			hit = &cache[nc++];
			hit->cmd = p->cmd;
			memset(&hit->out, 0, sizeof hit->out);
			hit->status = engine_rexec(e, "detect", argv, 20, &hit->out, false);
			cmd_free(argv);
			if (hit->status < 0 && !e->remote)
				break;
		}
		if (hit->status == 0 && (!p->match || strcasestr(buf_cstr(&hit->out), p->match))) {
			snprintf(e->variant, sizeof e->variant, "%s", p->name);
			break;
		}
	}
	for (size_t j = 0; j < nc; j++)
		buf_free(&cache[j].out);
	if (!e->remote && rb->ndetect)
		return false;
	const struct rb_variant *v = runbook_variant(rb, e->variant);
	snprintf(e->unit, sizeof e->unit, "%s", v && v->unit ? v->unit : e->variant);
	if (!valid_unit(e->unit) || !valid_unit(e->variant)) {
		audit(e, "detect", NULL, -1, 0, "bad-unit", e->unit);
		return false;
	}
	vars_set(&e->vars, "VARIANT", e->variant);
	vars_set(&e->vars, "UNIT", e->unit);
	audit(e, "variant", NULL, -1, 0, e->variant, e->unit);
	e->init[0] = '\0';
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < rb->ninit; i++) {
		struct buf err = BUF_INIT;
		char **argv = cmd_build(rb->init[i].cmd, &e->vars, &err);
		buf_free(&err);
		if (!argv)
			continue;
		int st = engine_rexec(e, "init", argv, 20, &out, false);
		cmd_free(argv);
		if (st == 0) {
			snprintf(e->init, sizeof e->init, "%s", rb->init[i].name);
			break;
		}
		if (st < 0 && !e->remote)
			break;
	}
	buf_free(&out);
	return e->remote != NULL;
}

bool engine_sudo(const struct engine *e)
{
	return e->cfg->sudo == 1 || (e->cfg->sudo == -1 && strcmp(e->ssh_user, "root") != 0);
}

const char *const engine_sudo_prefix[] = { "sudo", "-n", NULL };

static bool restart_over_ssh(struct engine *e)
{
	if (!detect(e)) {
		buf_printf(&e->action, "could not log in to %s to restart (%s)", e->target, buf_cstr(&e->remote_err));
		return false;
	}
	const char *text = runbook_restart(e->rb, e->init, e->variant);
	if (!text) {
		audit(e, "restart", NULL, -1, 0, "no-command", e->variant);
		buf_printf(&e->action, "no restart command for %s (init %s)", e->variant, *e->init ? e->init : "?");
		return false;
	}
	struct buf err = BUF_INIT;
	char **argv = cmd_build(text, &e->vars, &err);
	if (!argv) {
		audit(e, "restart", NULL, -1, 0, "bad-command", buf_cstr(&err));
		buf_free(&err);
		return false;
	}
	buf_free(&err);
	if (engine_sudo(e))
		argv = cmd_prefix(argv, engine_sudo_prefix);
	struct buf out = BUF_INIT, cmd = BUF_INIT;
	int st = engine_rexec(e, "restart", argv, e->cfg->command_timeout, &out, false);
	engine_quoted(&cmd, argv);
	buf_printf(&e->action, "%s restart (%s: exit %d)", e->variant, buf_cstr(&cmd), st);
	buf_free(&cmd);
	buf_free(&out);
	cmd_free(argv);
	return st >= 0;
}

static bool local_step(struct engine *e, const char *step, const char *text, const char *what)
{
	struct buf err = BUF_INIT;
	char **argv = cmd_build(text, &e->vars, &err);
	if (!argv) {
		audit(e, step, NULL, -1, 0, "bad-command", buf_cstr(&err));
		buf_free(&err);
		return false;
	}
	buf_free(&err);
	int st = engine_run_local(e, step, argv, e->cfg->command_timeout);
	if (e->action.len)
		buf_puts(&e->action, "; ");
	buf_printf(&e->action, "%s (exit %d)", what, st);
	cmd_free(argv);
	return st >= 0;
}

const char *engine_console_cmd(const struct engine *e)
{
	return e->hc && e->hc->console ? e->hc->console : NULL;
}

const char *engine_reboot_cmd(const struct engine *e)
{
	bool allowed = e->hc ? e->hc->allow_reboot : e->cfg->allow_reboot;
	return e->rb->reboot && allowed && e->hc && e->hc->reboot ? e->hc->reboot : NULL;
}

bool engine_act(struct engine *e, bool *refused)
{
	*refused = false;
	bool recovered = false;
	const char *via = e->rb->via;
	if (!strcmp(via, "ssh")) {
		if (restart_over_ssh(e))
			recovered = engine_reverify(e, e->rb->wait);
		*refused = engine_refused(e);
	} else if (!strcmp(via, "console")) {
		const char *c = engine_console_cmd(e);
		if (!c) {
			audit(e, "console", NULL, -1, 0, "not-configured", "no console command for this host: escalate");
			buf_puts(&e->action, "no console path configured");
		} else if (local_step(e, "console", c, "sshd restart through the console")) {
			recovered = engine_reverify(e, e->rb->wait);
		}
	}
	if (!recovered && !*refused) {
		const char *r = engine_reboot_cmd(e);
		if (r && local_step(e, "reboot", r, "server reboot"))
			recovered = engine_reverify(e, e->rb->wait > 300 ? e->rb->wait : 300);
	}
	return recovered;
}

void engine_notify(struct engine *e, int level, const char *outcome)
{
	char **tmpl = level == 1 ? e->cfg->level1 : e->cfg->level2;
	size_t n = level == 1 ? e->cfg->nlevel1 : e->cfg->nlevel2;
	char lv[4];
	snprintf(lv, sizeof lv, "%d", level);
	vars_set(&e->vars, "LEVEL", lv);
	vars_set(&e->vars, "OUTCOME", outcome);
	vars_set(&e->vars, "ACTION", buf_cstr(&e->action));
	vars_set(&e->vars, "SUMMARY", buf_cstr(&e->summary));
	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;
		char **argv = cmd_build(tmpl[i], &e->vars, &err);
		if (!argv)
			audit(e, level == 1 ? "notify-level1" : "notify-level2", NULL, -1, 0, "bad-command", buf_cstr(&err));
		else
			engine_run_local(e, level == 1 ? "notify-level1" : "notify-level2", argv, e->cfg->notify_timeout);
		cmd_free(argv);
		buf_free(&err);
	}
}

