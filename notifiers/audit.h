/* The notifiers' audit log: one JSON line per send attempt (first sends,
 * resends from the spool, silenced notices, spooling, drops), so "did the
 * customer get told, when, by which path" has an answer.
 *
 * File: conf_audit_log (STATEDIR/audit.log by default), mode 0600,
 * appended with O_APPEND under flock, one write() per line, so concurrent
 * notifiers never interleave their lines. A line:
 *   {"time":"2026-11-23T00:17:10.123Z","channel":"mail","target":"...",
 *    "id":"...","result":"sent","via":"smtp://127.0.0.1:2525",
 *    "error":null,"duration_ms":12.3,"attempt":1,"program":"notify_mail"}
 * result is one of: sent, failed (this path failed, others may follow),
 * spooled, lost (could not send nor spool), silenced, dropped, resent,
 * resend-failed; notify_call adds one per call with its outcome
 * (confirmed, refused, nokey, voicemail, noanswer, busy, toolong, failed,
 * cancelled, skipped: the callee is inside the skip interval) and held (a
 * mass incident holds the calls).
 * Writing the audit never stops a notification: a failure is one line on
 * stderr. */
#ifndef MAMORI_AUDIT_H
#define MAMORI_AUDIT_H

#include "conf.h"

struct audit_entry {
	const char *channel;     /* "mail" */
	const char *target;      /* recipients, webhook name, phone number */
	const char *id;          /* the message id (spool id) */
	const char *result;      /* see above */
	const char *via;         /* server or endpoint tried, may be NULL */
	const char *error;       /* NULL when none */
	double duration_ms;      /* of this attempt; < 0: not written */
	long attempt;            /* 0: not written */
};

/* The program name written as "program" (default "mamori"). */
void audit_program(const char *name);
/* Append one line. */
void audit_write(const struct conf *c, const struct audit_entry *e);

#endif
