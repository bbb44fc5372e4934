/* `PROGRAM --definition=icinga2|nagios`: the engine definition of a program
 * from its option table (see definition.c). Not in --help: it serves the
 * build, which generates contrib/ from it. */
#ifndef MAMORI_DEFINITION_H
#define MAMORI_DEFINITION_H
#include "options.h"

/* Prints the definition of the program as it was run (argv0: an alias
 * such as recover_http defines its own command); the exit code for the
 * program (0, or 3 for an unknown kind). */
int program_definition(const struct program *p, const char *kind, const char *argv0);

#endif
