/* Feeding the report: the engine's log files and mamori's audit logs, read
 * line by line with a bounded line length (a longer line is skipped, not
 * kept in memory), bad lines counted as skipped. */
#ifndef MAMORI_REPORT_READ_H
#define MAMORI_REPORT_READ_H

#include "report_model.h"

enum { REPORT_LINE_MAX = 64 * 1024 };
/* A handler run is bounded by runbook 004's 15 minutes (and a backstop):
 * a run's records further apart are two runs, a longer step is damage, so
 * a time to recover is at most twice this. */
enum { REPORT_RUN_MAX = 3600 };

/* A Nagios / Naemon log or an Icinga 2 compat log ("-" is stdin).
 * NULL, or why the file cannot be read. */
const char *report_read_log(struct report *r, const char *path);

/* An audit log (JSON lines): the notifiers' records (with "channel") and
 * the recover handlers' records (with "step"), told apart line by line.
 * A missing file is fine when !must_exist. */
const char *report_read_audit(struct report *r, const char *path, bool must_exist);

/* "2026-11-23T00:17:10.123Z", "2026-11-23T09:17:10+0900", "+09:00":
 * seconds since the epoch; false when it is none of these. */
bool report_iso_time(const char *s, double *out);

#endif
