/* --dry-run: the whole plan, every command as it would be sent. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static void plan_cmd(struct engine *e, const char *what, const char *text, bool remote, bool sudo)
{
	struct buf err = BUF_INIT, q = BUF_INIT;
	char **argv = cmd_build(text, &e->vars, &err);
	if (!argv) {
		fprintf(e->plan, "  %s: (not runnable: %s)\n", what, buf_cstr(&err));
	} else {
		if (sudo && engine_sudo(e))
			argv = cmd_prefix(argv, engine_sudo_prefix);
		engine_quoted(&q, argv);
		if (remote)
			fprintf(e->plan, "  %s: ssh %s@%s:%u %s\n", what, e->ssh_user, e->target, e->ssh_port, buf_cstr(&q));
		else
			fprintf(e->plan, "  %s: local %s\n", what, buf_cstr(&q));
	}
	cmd_free(argv);
	buf_free(&err);
	buf_free(&q);
}

static void plan_variant(struct engine *e, const char *name, char (*seen)[64], size_t *nseen)
{
	for (size_t i = 0; i < *nseen; i++)
		if (!strcmp(seen[i], name))
			return;
	if (*nseen == 32)
		return;
	snprintf(seen[(*nseen)++], 64, "%s", name);
	const struct rb_variant *v = runbook_variant(e->rb, name);
	const char *unit = v && v->unit ? v->unit : name;
	vars_set(&e->vars, "VARIANT", name);
	vars_set(&e->vars, "UNIT", unit);
	fprintf(e->plan, "variant %s (unit %s):\n", name, unit);
	for (size_t i = 0; i < e->rb->ninit; i++) {
		char what[96];
		snprintf(what, sizeof what, "init %s if", e->rb->init[i].name);
		plan_cmd(e, what, e->rb->init[i].cmd, true, false);
		const char *r = runbook_restart(e->rb, e->rb->init[i].name, name);
		snprintf(what, sizeof what, "restart (%s)", e->rb->init[i].name);
		if (r)
			plan_cmd(e, what, r, true, true);
	}
	if (!e->rb->ninit) {
		/* no init detection: the variant's own command, else the first [restart] line */
		if (v && v->restart)
			plan_cmd(e, "restart", v->restart, true, true);
		for (size_t i = 0; !(v && v->restart) && i < e->rb->nrestart && i < 1; i++) {
			char what[96];
			snprintf(what, sizeof what, "restart (%s)", e->rb->restart[i].name);
			plan_cmd(e, what, e->rb->restart[i].cmd, true, true);
		}
	}
}

void engine_plan(struct engine *e)
{
	const struct runbook *rb = e->rb;
	FILE *f = e->plan;
	fprintf(f, "runbook %s (%s): %s\n", rb->name, rb->origin ? rb->origin : "?",
	        rb->description ? rb->description : "");
	fprintf(f, "target: host %s, address %s, service %s, ssh %s@%s:%u%s\n", e->host,
	        e->address ? e->address : "-", e->service ? e->service : "-", e->ssh_user, e->target,
	        e->ssh_port, engine_sudo(e) ? " (sudo -n)" : "");
	fprintf(f, "verify:\n");
	if (rb->protocol)
		fprintf(f, "  protocol %s%s on %s port %u from this host\n", rb->protocol, rb->tls ? " over TLS" : "",
		        e->target, engine_protocol_port(e));
	if (rb->listen) {
		fprintf(f, "  listen on port");
		if (e->port)
			fprintf(f, " %u", e->port);
		else
			for (size_t i = 0; i < rb->nports; i++)
				fprintf(f, " %u", rb->ports[i]);
		fprintf(f, " (LISTEN in /proc/net/tcp, /proc/net/tcp6):\n");
		plan_cmd(e, "fetch", "cat /proc/net/tcp", true, false);
		plan_cmd(e, "fetch", "cat /proc/net/tcp6", true, false);
	}
	if (rb->process) {
		char *names = xstrdup(rb->process), *save = NULL;
		for (char *w = strtok_r(names, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
			struct buf t = BUF_INIT;
			buf_printf(&t, "pgrep -x %s", w);
			plan_cmd(e, "process", buf_cstr(&t), true, false);
			buf_free(&t);
		}
		free(names);
	}
	fprintf(f, "action: via %s\n", rb->via);
	char seen[32][64];
	size_t nseen = 0;
	if (!strcmp(rb->via, "ssh")) {
		fprintf(f, "detect (first match wins, else %s):\n", rb->default_variant ? rb->default_variant : rb->name);
		for (size_t i = 0; i < rb->ndetect; i++) {
			char what[160];
			snprintf(what, sizeof what, "%s if exit 0%s%s%s", rb->detect[i].name,
			         rb->detect[i].match ? " and output has \"" : "",
			         rb->detect[i].match ? rb->detect[i].match : "", rb->detect[i].match ? "\"" : "");
			plan_cmd(e, what, rb->detect[i].cmd, true, false);
		}
		plan_variant(e, rb->default_variant ? rb->default_variant : rb->name, seen, &nseen);
		for (size_t i = 0; i < rb->ndetect; i++)
			plan_variant(e, rb->detect[i].name, seen, &nseen);
		for (size_t i = 0; i < rb->nvariants; i++)
			plan_variant(e, rb->variants[i].name, seen, &nseen);
	} else if (!strcmp(rb->via, "console")) {
		vars_set(&e->vars, "VARIANT", rb->default_variant ? rb->default_variant : rb->name);
		vars_set(&e->vars, "UNIT", rb->default_variant ? rb->default_variant : rb->name);
		if (engine_console_cmd(e))
			plan_cmd(e, "console", engine_console_cmd(e), false, false);
		else
			fprintf(f, "  console: not configured for host %s: escalate (level 2)\n", e->host);
	}
	if (rb->reboot) {
		if (engine_reboot_cmd(e))
			plan_cmd(e, "reboot if still failing", engine_reboot_cmd(e), false, false);
		else
			fprintf(f, "  reboot: not allowed or not configured for host %s\n", e->host);
	}
	fprintf(f, "re-verify: every %g s for up to %g s\n", rb->interval, rb->wait);
	fprintf(f, "policy: act on CRITICAL at SOFT attempt %ld and on HARD; give up after %ld restarts within %ld"
	        " cycles of %g s; whole run at most %g s\n", e->cfg->soft_attempt, e->cfg->max_restarts,
	        e->cfg->cycles, e->cfg->cycle, e->cfg->deadline);
	vars_set(&e->vars, "ACTION", "(what was done)");
	vars_set(&e->vars, "SUMMARY", "(outcome)");
	vars_set(&e->vars, "OUTCOME", "recovered");
	vars_set(&e->vars, "LEVEL", "1");
	fprintf(f, "outcome recovered, level 1:\n");
	for (size_t i = 0; i < e->cfg->nlevel1; i++)
		plan_cmd(e, "notify", e->cfg->level1[i], false, false);
	vars_set(&e->vars, "OUTCOME", "escalated");
	vars_set(&e->vars, "LEVEL", "2");
	fprintf(f, "outcome not recovered, level 2:\n");
	for (size_t i = 0; i < e->cfg->nlevel2; i++)
		plan_cmd(e, "notify", e->cfg->level2[i], false, false);
}

