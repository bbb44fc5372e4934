/* mamori: the command a person runs by hand. Subcommands are a table. */
#include <stdio.h>
#include <string.h>

#include "mail2alert_cli.h"
#include "report.h"
#include "silence_cli.h"
#include "spool_cmd.h"
#include "triage.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "triage", triage_main, "run the runbooks' check set against one host and print a table" },
	{ "silence", silence_main, "maintenance windows (静観): add, list, remove, from a customer's mail" },
	{ "report", report_main, "runbook 004's monthly report: availability, alerts, recoveries, notifications" },
	{ "spool", spool_main, "notifications that could not be sent: list, flush (resend), show, drop" },
	{ "mail2alert", mail2alert_main, "an alert mail of another tool (stdin) to a passive check result" },
};

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: mamori COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\n`mamori COMMAND --help` describes each. Version %s.\n", PACKAGE_VERSION);
	return code;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, 3);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("mamori %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mamori: unknown command '%s'\n", argv[1]);
	return usage(stderr, 3);
}
