#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "definition.h"
#include "num.h"
#include "range.h"
#include "timeout.h"

enum { MAX_OPTIONS = 96 };

static const struct option_spec common_opts[] = {
	{ "help", 'h', NULL, "Print this help and exit" },
	{ "version", 'V', NULL, "Print the version and exit" },
	{ "verbose", 'v', NULL, "More detail in the output (repeatable)" },
	{ NULL, 0, NULL, NULL },
};

static const struct option_spec timeout_opt = {
	"timeout", 't', "SECONDS[:STATE]",
	"Give up after SECONDS and exit with STATE (ok, warning, critical, unknown)"
};

static void print_option(const struct option_spec *o)
{
	char head[128];
	int n;
	if (o->key < 256)
		n = snprintf(head, sizeof head, " -%c, --%s", o->key, o->name);
	else
		n = snprintf(head, sizeof head, "     --%s", o->name);
	if (o->arg && n > 0 && (size_t)n < sizeof head)
		snprintf(head + n, sizeof head - (size_t)n, "=%s", o->arg);
	printf("%s\n", head);
	const char *h = o->help;
	while (h && *h) {
		const char *nl = strchr(h, '\n');
		int len = nl ? (int)(nl - h) : (int)strlen(h);
		printf("    %.*s\n", len, h);
		h = nl ? nl + 1 : h + len;
	}
}

void program_help(const struct program *p)
{
	printf("%s %s (mamori)\n\n%s\n\nUsage: %s %s\n\nOptions:\n",
	       p->name, PACKAGE_VERSION, p->purpose, p->name, p->usage);
	for (const struct option_spec *o = common_opts; o->name; o++)
		print_option(o);
	if (p->timeout > 0) {
		print_option(&timeout_opt);
		printf("    Default: %g seconds, %s\n", p->timeout, state_name(p->timeout_state));
	}
	for (const struct option_spec *o = p->options; o && o->name; o++)
		print_option(o);
	for (const struct option_spec *o = p->shared; o && o->name; o++)
		print_option(o);
	if (p->notes)
		printf("\n%s\n", p->notes);
}

static void add_opt(struct option *lo, char *so, size_t *nl, size_t *ns, const struct option_spec *o)
{
	if (*nl >= MAX_OPTIONS)
		abort();  /* a program table larger than any plugin needs: a bug */
	lo[*nl] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, o->key };
	(*nl)++;
	if (o->key < 256) {
		so[(*ns)++] = (char)o->key;
		if (o->arg)
			so[(*ns)++] = ':';
	}
}

/* The name of the option getopt stopped at, for the error line. */
static const char *failed_option(char **argv, int index)
{
	return index > 0 && argv[index - 1] ? argv[index - 1] : "?";
}

/* "--warning" for the error line, from the key getopt returned. */
static const char *option_name(const struct program *p, int key)
{
	static char name[80];
	if (key == 't' && p->timeout > 0)
		return "--timeout";
	const struct option_spec *tables[2] = { p->options, p->shared };
	for (int t = 0; t < 2; t++)
		for (const struct option_spec *o = tables[t]; o && o->name; o++)
			if (o->key == key) {
				snprintf(name, sizeof name, "--%s", o->name);
				return name;
			}
	return "option";
}

/* " 'value'", cut short: a 100 kB argument must not become a 100 kB line. */
static const char *optarg_text(const char *arg)
{
	static char text[80];
	if (!arg)
		return "";
	size_t n = strlen(arg);
	snprintf(text, sizeof text, " '%.48s%s'", arg, n > 48 ? "..." : "");
	return text;
}

int program_parse(const struct program *p, int argc, char **argv, option_fn fn, void *cfg)
{
	struct option lo[MAX_OPTIONS + 1];
	char so[3 * MAX_OPTIONS + 2];
	size_t nl = 0, ns = 0;
	double secs = p->timeout;
	enum state tstate = p->timeout_state;

	plugin_service = p->service;
	if (argc == 2 && !strncmp(argv[1], "--definition=", 13))
		exit(program_definition(p, argv[1] + 13, argv[0]));
	so[ns++] = ':';  /* report a missing argument as ':' */
	for (const struct option_spec *o = common_opts; o->name; o++)
		add_opt(lo, so, &nl, &ns, o);
	if (p->timeout > 0)
		add_opt(lo, so, &nl, &ns, &timeout_opt);
	for (const struct option_spec *o = p->options; o && o->name; o++)
		add_opt(lo, so, &nl, &ns, o);
	for (const struct option_spec *o = p->shared; o && o->name; o++)
		add_opt(lo, so, &nl, &ns, o);
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	so[ns] = '\0';

	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const char *err = NULL;
		switch (c) {
		case 'h':
			program_help(p);
			exit(STATE_OK);
		case 'V':
			printf("%s %s (mamori)\n", p->name, PACKAGE_VERSION);
			exit(STATE_OK);
		case 'v':
			plugin_verbose++;
			break;
		case 't':
			if (p->timeout > 0) {
				err = timeout_parse(optarg, &secs, &tstate);
				break;
			}
			/* a program without -t may use 't' itself */
			__attribute__((fallthrough));
		default:
			if (c == '?')
				plugin_die(STATE_UNKNOWN, "unknown option '%s' (see %s --help)",
				           failed_option(argv, optind), p->name);
			if (c == ':')
				plugin_die(STATE_UNKNOWN, "option '%s' needs an argument (see %s --help)",
				           failed_option(argv, optind), p->name);
			err = fn(cfg, c, optarg);
		}
		if (err)
			plugin_die(STATE_UNKNOWN, "%s%s: %s (see %s --help)", option_name(p, c),
			           optarg_text(optarg), err, p->name);
	}
	if (!p->operands && optind < argc)
		plugin_die(STATE_UNKNOWN, "unexpected argument '%s' (see %s --help)", argv[optind], p->name);
	if (secs > 0)
		timeout_start(secs, tstate);
	return optind;
}

const char *opt_range(const char *arg, struct range *r)
{
	return range_parse(arg, r);
}

const char *opt_long(const char *arg, long min, long max, long *out)
{
	static char msg[128];
	if (num_parse_long(arg, min, max, out))
		return NULL;
	(void)arg;
	snprintf(msg, sizeof msg, "not a whole number from %ld to %ld", min, max);
	return msg;
}

const char *opt_double(const char *arg, double min, double max, double *out)
{
	static char msg[160];
	double v;
	if (num_parse_double(arg, &v) && v >= min && v <= max) {
		*out = v;
		return NULL;
	}
	snprintf(msg, sizeof msg, "not a number from %g to %g", min, max);
	return msg;
}

const char *opt_state(const char *arg, enum state *out)
{
	int s = state_parse(arg);
	if (s < 0)
		return "state must be ok, warning, critical or unknown";
	*out = (enum state)s;
	return NULL;
}
