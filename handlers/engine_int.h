/* Shared by the engine's files (engine, exec, verify, plan); not an API. */
#ifndef MAMORI_ENGINE_INT_H
#define MAMORI_ENGINE_INT_H
#include <stdbool.h>

#include "engine.h"

/* seconds left of the run, and a step's limit that never passes it */
double engine_remaining(const struct engine *e);
double engine_bounded(const struct engine *e, double want);

/* exec.c */
void engine_quoted(struct buf *b, char **argv);
/* Open the SSH session once per run; false (reason in e->remote_err) after. */
bool engine_remote(struct engine *e);
/* The host could not be trusted or logged into (host key, key refused). */
bool engine_refused(const struct engine *e);
/* Exit status of argv on the target, -1 when it did not run. quiet: audit
 * only failures. out gets stdout (and stderr after a failure). */
int engine_rexec(struct engine *e, const char *step, char **argv, double timeout, struct buf *out, bool quiet);
/* A local command, argv, no shell, bounded: exit status or -1. */
int engine_run_local(struct engine *e, const char *step, char **argv, double timeout);

/* verify.c */
unsigned engine_protocol_port(const struct engine *e);
/* poll engine_verify until fine or the wait (bounded by the deadline) ends */
bool engine_reverify(struct engine *e, double wait);

/* engine.c */
bool engine_sudo(const struct engine *e);
extern const char *const engine_sudo_prefix[];
const char *engine_console_cmd(const struct engine *e);
const char *engine_reboot_cmd(const struct engine *e);

#endif
