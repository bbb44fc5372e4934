/* The durable spool: a message that failed on every path waits here and is
 * sent again by `mamori spool flush` and, first thing, by every notifier
 * run of the same channel. Nothing is lost, nothing is sent twice.
 *
 * Layout (conf_spool_dir: STATEDIR/spool by default):
 *   DIR/ID.json        one waiting message (mode 0600)
 *   DIR/sent/ID.json   sent, kept [mamori] sent_keep_days (default 7) for
 *                      `mamori spool show`, then deleted by the next flush
 *   DIR/.tmp.*         a message being written (never read)
 * A file is written as DIR/.tmp.ID.PID, fsync'd, renamed into place and the
 * directory fsync'd, so a crash leaves either the whole message or none.
 *
 * The id is chosen before the first attempt, so the message keeps it for
 * life (mail derives its Message-ID from it): "YYYYMMDDTHHMMSSZ-" + 16 hex
 * digits from getrandom(): sortable by time, unique without coordination.
 *
 * The file (JSON object):
 *   { "id", "channel": "mail", "target": "ops@example.com, ...",
 *     "payload": { channel-defined, the rendered message: a resend needs no
 *                  template or notice },
 *     "first_time": epoch, "last_time": epoch, "attempts": N,
 *     "first_error": "...", "last_error": "..." }
 *
 * Claim: a flush opens ID.json, takes flock(LOCK_EX|LOCK_NB) (busy: another
 * flush has it, skip), then checks that DIR/ID.json is still the inode it
 * locked (a flush that finished a moment ago moved it away: skip). Only the
 * lock holder sends, then moves the file to sent/ (or rewrites it with the
 * new attempt count) before unlocking. Two flushes never send one message.
 * The one window for a duplicate: the process dies after the server
 * accepted the message and before the rename; the resend then carries the
 * same id (mail: the same Message-ID, so a mail store can tell). */
#ifndef MAMORI_SPOOL_H
#define MAMORI_SPOOL_H
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "conf.h"

#define SPOOL_ID_MAX 40   /* 16 + 1 + 16 + NUL, with room */

struct spool_msg {
	char id[SPOOL_ID_MAX];
	char *channel;
	char *target;          /* who it is for, for list/audit ("" when none) */
	json_t *payload;       /* owned */
	time_t first_time, last_time;
	long attempts;
	char *first_error, *last_error;
};

/* A new id (see above). */
void spool_new_id(char id[SPOOL_ID_MAX]);
/* Is s a well-formed id (safe as a file name)? */
bool spool_id_valid(const char *s);

/* Write a message that just failed: attempts 1, first and last error =
 * error, first_time = last_time = now. payload is not stolen. NULL or a
 * reason (the caller then reports the message as lost). */
const char *spool_put(const struct conf *c, const char *id, const char *channel, const char *target,
                      json_t *payload, const char *error);

/* Read one message (waiting, or when sent is true from sent/). NULL or a
 * reason. */
const char *spool_load(const struct conf *c, const char *id, bool sent, struct spool_msg *m);
void spool_msg_free(struct spool_msg *m);
/* The message in an open spool file (path for messages). NULL or a
 * reason. (Exposed for the fuzz/unit tests.) */
const char *spool_read_fd(int fd, const char *path, struct spool_msg *m);

/* The ids waiting (sorted: oldest first); *ids is NULL-terminated, free
 * with spool_ids_free. NULL or a reason (a missing dir is an empty list). */
const char *spool_ids(const struct conf *c, char ***ids, size_t *n);
void spool_ids_free(char **ids);

/* Remove a waiting message (mamori spool drop), under the same claim as a
 * flush so a message being sent is not dropped half-way. *found false when
 * there is no such message; NULL or a reason. */
const char *spool_drop(const struct conf *c, const char *id, bool *found);

struct spool_stats {
	long sent, failed, busy, skipped;   /* skipped: other channels, or out of time */
};

/* Resend waiting messages through notifiers/channels.c's table.
 * channel: only this channel (NULL: all). deadline: monotonic_now() value
 * after which no new message is started. max: stop after this many sends
 * (0: no limit). Every attempt is audited. NULL or a reason (the spool
 * cannot be read); per-message failures only count in st. */
const char *spool_flush(const struct conf *c, const char *channel, double deadline, long max,
                        struct spool_stats *st);

#endif
