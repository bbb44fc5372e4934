/* Retry state of one host+service (lib/state: flock, atomic replace), so
 * "N restarts within M cycles, then give up" (runbook 003) holds across
 * concurrent and crashed runs: a restart is recorded before it is tried. */
#ifndef MAMORI_INCIDENT_H
#define MAMORI_INCIDENT_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define INCIDENT_MAX_RESTARTS 64

struct incident {
	bool open;                  /* a problem not yet followed by OK */
	time_t opened;              /* detection time of the open incident */
	bool acted;                 /* this incident already had an action */
	bool gave_up;               /* N within M reached: no action until OK or --reset */
	bool escalated;             /* the give-up escalation was sent */
	time_t restarts[INCIDENT_MAX_RESTARTS];  /* when each restart began, oldest first */
	size_t nrestarts;
	char last_action[96];
	char last_outcome[48];
	time_t last_time;
	long runs;                  /* handler runs that took the lock */
	long running_pid;           /* set while a run acts: a crash leaves it behind */
	char problem_id[32];
};

/* Parse (empty text = fresh state); false when the text is not a state. */
bool incident_parse(struct incident *in, const char *text);
void incident_format(const struct incident *in, struct buf *out);
void incident_note_restart(struct incident *in, time_t now);
/* Restarts that began within the last window seconds. */
size_t incident_recent(const struct incident *in, time_t now, double window);

/* The incident's lock for a whole run (STATEDIR/recover.KEY.busy): a second
 * handler for the same incident finds it taken. Waits up to wait seconds;
 * the descriptor (close it to release), -2 when busy, -1 on error (errno). */
int incident_lock(const char *key, double wait);
/* Read the state of key (lib/state); an unreadable one is replaced by a
 * fresh state with *corrupt set. False when the state cannot be opened. */
bool incident_load(const char *key, struct incident *in, bool *corrupt);
/* Write it atomically; NULL or a reason. */
const char *incident_save(const char *key, const struct incident *in);

#endif
