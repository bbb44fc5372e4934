/* The engine definitions of a program, printed from the same option table
 * that makes its --help: an Icinga 2 CheckCommand (EventCommand for the
 * recover handlers, NotificationCommand for the notifiers) in the style of
 * the Icinga Template Library, or a Nagios/Naemon command. contrib/ is
 * generated from these at build time, so a definition cannot drift from
 * the program it names. */
#include "definition.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The name the program runs under: an alias (recover_http is a link to
 * recover) defines its own command. */
static const char *run_name;

/* Icinga 2 custom variable prefix: "check_load" -> "mamori_load",
 * "recover_http" -> "mamori_recover_http", "notify_mail" -> "mamori_notify_mail". */
static void var_prefix(const struct program *p, char *out, size_t size)
{
	(void)p;
	const char *n = run_name;
	if (!strncmp(n, "check_", 6))
		n += 6;
	snprintf(out, size, "mamori_%s", n);
}

/* An option name as a variable name: "IP-address" -> "ip_address". */
static void var_name(const char *opt, char *out, size_t size)
{
	size_t i = 0;
	for (; opt[i] && i + 1 < size; i++)
		out[i] = opt[i] == '-' ? '_' : (char)tolower((unsigned char)opt[i]);
	out[i] = '\0';
}

/* A help text as one Icinga 2 string: lines joined, quotes escaped. */
static void icinga_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '\n')
			putchar(' ');
		else if (*s == '"' || *s == '\\') {
			putchar('\\');
			putchar(*s);
		} else if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static const char *object_type(const struct program *p)
{
	if (!strncmp(p->name, "recover", 7))
		return "EventCommand";
	if (!strncmp(p->name, "notify_", 7))
		return "NotificationCommand";
	return "CheckCommand";
}

/* What Icinga 2 passes by default to an event handler or a notifier, by
 * option name: the engine's own attributes, so the definition works as it
 * is. A macro that does not resolve (a service macro in a host
 * notification) drops its argument. */
static const struct {
	const char *type, *option, *value;  /* type: an object type, or a program */
} defaults[] = {
	/* check_dns -H is the name to look up (monitoring-plugins' meaning) */
	{ "check_dns", "hostname", "$host.name$" },
	{ "check_dns", "server", "$address$" },
	{ "EventCommand", "state", "$service.state$" },
	{ "EventCommand", "state-type", "$service.state_type$" },
	{ "EventCommand", "attempt", "$service.check_attempt$" },
	{ "EventCommand", "max-attempts", "$service.max_check_attempts$" },
	{ "EventCommand", "host", "$host.name$" },
	{ "EventCommand", "address", "$address$" },
	{ "EventCommand", "service", "$service.name$" },
	{ "NotificationCommand", "type", "$notification.type$" },
	{ "NotificationCommand", "host", "$host.name$" },
	{ "NotificationCommand", "host-display", "$host.display_name$" },
	{ "NotificationCommand", "address", "$address$" },
	{ "NotificationCommand", "address6", "$address6$" },
	{ "NotificationCommand", "service", "$service.name$" },
	{ "NotificationCommand", "service-display", "$service.display_name$" },
	{ "NotificationCommand", "state", "$service.state$" },
	{ "NotificationCommand", "host-state", "$host.state$" },
	{ "NotificationCommand", "output", "$service.output$" },
	{ "NotificationCommand", "datetime", "$icinga.long_date_time$" },
	{ "NotificationCommand", "attempt", "$service.check_attempt$" },
	{ "NotificationCommand", "author", "$notification.author$" },
	{ "NotificationCommand", "comment", "$notification.comment$" },
	{ "NotificationCommand", "to", "$user.email$" },
	/* $address$, not the ITL's $check_address$: that one is defined by the
	 * ITL template "ipv4-or-ipv6", which these commands do not import (they
	 * need no <itl>), so it resolved to nothing and every network check ran
	 * without -H */
	{ "CheckCommand", "hostname", "$address$" },
};

static void icinga_defaults(const struct program *p, const char *prefix, const struct option_spec *t)
{
	const char *type = object_type(p);
	char var[96];
	for (const struct option_spec *o = t; o && o->name; o++) {
		if (!o->arg)
			continue;
		/* the first row that names this program, else its object type */
		for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
			if ((!strcmp(defaults[i].type, p->name) || !strcmp(defaults[i].type, type)) &&
			    !strcmp(defaults[i].option, o->name)) {
				var_name(o->name, var, sizeof var);
				printf("\tvars.%s_%s = \"%s\"\n", prefix, var, defaults[i].value);
				break;
			}
	}
}

static void icinga_argument(const char *prefix, const struct option_spec *o)
{
	char var[96];
	var_name(o->name, var, sizeof var);
	printf("\t\t\"--%s\" = {\n", o->name);
	if (o->arg)
		printf("\t\t\tvalue = \"$%s_%s$\"\n", prefix, var);
	else
		printf("\t\t\tset_if = \"$%s_%s$\"\n", prefix, var);
	printf("\t\t\tdescription = ");
	icinga_string(o->help);
	printf("\n\t\t}\n");
}

static void icinga2(const struct program *p)
{
	char prefix[96];
	var_prefix(p, prefix, sizeof prefix);
	printf("object %s \"%s\" {\n", object_type(p), prefix);
	printf("\tcommand = [ MamoriPluginDir + \"/%s\" ]\n", run_name);
	printf("\targuments = {\n");
	if (p->timeout > 0)
		icinga_argument(prefix, &(struct option_spec){ "timeout", 't', "SECONDS[:STATE]",
			"Give up after SECONDS and exit with STATE (ok, warning, critical, unknown)" });
	for (const struct option_spec *o = p->options; o && o->name; o++)
		icinga_argument(prefix, o);
	for (const struct option_spec *o = p->shared; o && o->name; o++)
		icinga_argument(prefix, o);
	icinga_argument(prefix, &(struct option_spec){ "verbose", 'v', NULL,
		"More detail in the output" });
	if (p->operands) {
		printf("\t\t\"%s_args\" = {\n\t\t\tvalue = \"$%s_args$\"\n\t\t\tskip_key = true\n"
		       "\t\t\torder = 99\n\t\t\tdescription = \"Arguments after the options\"\n\t\t}\n",
		       prefix, prefix);
	}
	printf("\t}\n");
	/* like the ITL: the engine's own attributes unless the object says otherwise */
	icinga_defaults(p, prefix, p->options);
	icinga_defaults(p, prefix, p->shared);
	if (p->timeout > 0)
		/* the engine's own kill timer must outlast the program's -t */
		printf("\ttimeout = %.0f\n", p->timeout + 10);
	printf("}\n");
}

/* Nagios and Naemon: a check's options go in $ARG1$, as monitoring-plugins'
 * sample commands do. A handler or notifier takes no macro on its command
 * line: it reads NAGIOS_* from its environment (enable_environment_macros=1),
 * so Nagios runs it without a shell and no macro text is ever parsed by
 * one; $ARG1$ carries only the object's own fixed options. */
static void nagios(const struct program *p)
{
	printf("define command {\n\tcommand_name\tmamori_%s\n\tcommand_line\t%s/%s $ARG1$\n}\n",
	       run_name, PLUGINDIR, run_name);
	(void)p;
}

int program_definition(const struct program *p, const char *kind, const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	run_name = slash ? slash + 1 : argv0 && *argv0 ? argv0 : p->name;
	if (!strcmp(kind, "icinga2"))
		icinga2(p);
	else if (!strcmp(kind, "nagios"))
		nagios(p);
	else {
		fprintf(stderr, "%s: --definition takes icinga2 or nagios\n", p->name);
		return 3;
	}
	return fflush(stdout) ? 3 : 0;
}
