/* Maintenance silence (静観, runbook 004) and the mass-incident switch
 * (runbook 004 5-5), asked by every notifier and event handler before it
 * sends or acts.
 *
 * Windows live in STATEDIR/silence.json (lib/state's directory: the
 * MAMORI_STATE_DIR environment variable is honoured), one JSON document
 * written under lib/state's flock with an atomic replace, so a reader never
 * sees half a file and needs no lock. The mass-incident ring of timestamps
 * is STATEDIR/mass.ring, also under lib/state's lock. */
#ifndef MAMORI_SILENCE_H
#define MAMORI_SILENCE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

struct silence_hit { char id[40]; time_t start, end; char comment[256]; };

/* Is this alert silenced at now? host: the engine's host name; alert: the
 * service description, NULL or "" for a host alert. 1 = silenced (hit
 * filled), 0 = not, -1 = cannot tell (reason in err: the caller then sends,
 * a broken silence file must never swallow alerts). */
int silence_match(const char *host, const char *alert, time_t now, struct silence_hit *hit, struct buf *err);
/* The same, also matching windows that name the host's address (the
 * engine's $HOSTADDRESS$; NULL or "" when unknown). */
int silence_match_addr(const char *host, const char *address, const char *alert, time_t now,
                       struct silence_hit *hit, struct buf *err);

/* Mass incident: record one problem notification at now. More than n within
 * the last `minutes` → MASS_START once (the caller sends the one broadcast
 * mail and holds per-alert calls), then MASS_ON while it lasts, MASS_CALM
 * when it has calmed (fewer than n in the window). */
enum mass_state { MASS_CALM, MASS_START, MASS_ON };
enum mass_state mass_note(time_t now, unsigned n, unsigned minutes);
/* Notes recorded within the last `minutes` before now (read only; for
 * `mamori silence mass` and the tests). -1 when the ring cannot be read. */
long mass_count(time_t now, unsigned minutes);

/* ---- the window store (used by `mamori silence`) ---- */

struct silence_window {
	char id[40];
	char *host;          /* a host name or an address */
	char **alerts;       /* NULL-terminated; NULL or empty = all alerts */
	time_t start, end;   /* [start, end) */
	char *comment;
	time_t created;
};

struct silence_list {
	struct silence_window *w;
	size_t n;
};

/* Path of the silence file (static storage). */
const char *silence_path(void);
/* Read all windows (lock-free: the file is replaced atomically). A missing
 * file is an empty list. NULL or a reason. */
const char *silence_load(struct silence_list *l);
void silence_list_free(struct silence_list *l);

/* Add windows (ids are filled in), remove one by id, drop the ended ones:
 * each is one locked read-modify-write. NULL or a reason. */
const char *silence_add(struct silence_window *w, size_t n);
/* *found set false when no window has that id */
const char *silence_remove(const char *id, bool *found);
const char *silence_expire(time_t now, size_t *dropped);

/* Does window w cover (host, address, alert) at now? */
bool silence_window_matches(const struct silence_window *w, const char *host, const char *address,
                            const char *alert, time_t now);

#endif
