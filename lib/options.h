/* One option parser for every program: the common options (-h -V -v -t)
 * are handled here, the program lists its own in a table whose entries are
 * also its --help text, so help and behaviour cannot drift apart. */
#ifndef MAMORI_OPTIONS_H
#define MAMORI_OPTIONS_H
#include <stdbool.h>

#include "plugin.h"

struct option_spec {
	const char *name;   /* long name, without "--" */
	int key;            /* short letter, or a value >= 256 for long-only */
	const char *arg;    /* NULL for a flag, else the argument's name in help */
	const char *help;   /* may hold '\n' for more lines */
};

struct program {
	const char *name;       /* "check_load" */
	const char *service;    /* "LOAD" */
	const char *purpose;    /* one paragraph for --help */
	const char *usage;      /* after the name: "-w W1,W5,W15 -c C1,C5,C15 [-r]" */
	const struct option_spec *options;  /* ends with { NULL } */
	const struct option_spec *shared;   /* a table shared by a family of programs, or NULL */
	const char *notes;      /* printed after the options, may be NULL */
	double timeout;         /* default -t seconds; 0 = no -t */
	enum state timeout_state;
	bool operands;          /* accepts arguments after the options */
};

/* Returns NULL, or a reason that makes the program exit UNKNOWN. */
typedef const char *(*option_fn)(void *cfg, int key, const char *arg);

/* Parses argv, calls fn for each program option, starts the -t alarm.
 * Returns the index of the first operand. Exits on -h, -V and on errors. */
int program_parse(const struct program *p, int argc, char **argv, option_fn fn, void *cfg);
void program_help(const struct program *p);

/* Helpers for option callbacks. */
const char *opt_range(const char *arg, struct range *r);
const char *opt_long(const char *arg, long min, long max, long *out);
const char *opt_double(const char *arg, double min, double max, double *out);
const char *opt_state(const char *arg, enum state *out);

#endif
