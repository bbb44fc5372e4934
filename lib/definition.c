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

/* Icinga 2 custom variable prefix: "check_load" -> "mamori_load",
 * "recover_http" -> "mamori_recover_http", "notify_mail" -> "mamori_notify_mail". */
static void var_prefix(const struct program *p, char *out, size_t size)
{
	const char *n = p->name;
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
	printf("\tcommand = [ MamoriPluginDir + \"/%s\" ]\n", p->name);
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
	/* like the ITL: the host's address unless the service says otherwise */
	for (const struct option_spec *o = p->options; o && o->name; o++)
		if (!strcmp(o->name, "hostname") && o->arg)
			printf("\tvars.%s_hostname = \"$check_address$\"\n", prefix);
	for (const struct option_spec *o = p->shared; o && o->name; o++)
		if (!strcmp(o->name, "hostname") && o->arg)
			printf("\tvars.%s_hostname = \"$check_address$\"\n", prefix);
	if (p->timeout > 0)
		/* the engine's own kill timer must outlast the program's -t */
		printf("\ttimeout = %.0f\n", p->timeout + 10);
	printf("}\n");
}

/* Nagios and Naemon pass $ARGn$ through their own macro expansion; all
 * options go in $ARG1$, as monitoring-plugins' sample commands do. */
static void nagios(const struct program *p)
{
	printf("define command {\n\tcommand_name\tmamori_%s\n\tcommand_line\t%s/%s $ARG1$\n}\n",
	       p->name, PLUGINDIR, p->name);
}

int program_definition(const struct program *p, const char *kind)
{
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
