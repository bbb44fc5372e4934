/* What the report's three formats share: labels in Japanese (runbook 004's
 * customers read it) and English, durations, percentages, local times, and
 * the display width of UTF-8 text for aligned columns. */
#ifndef MAMORI_REPORT_FMT_H
#define MAMORI_REPORT_FMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report_model.h"

enum label {
	L_TITLE, L_PERIOD, L_INPUT, L_LOG_LINES, L_USED, L_OTHER, L_SKIPPED, L_AUDIT_LINES,
	L_HOST, L_SERVICE, L_HOST_ITSELF, L_AVAIL, L_ALERTS, L_SOFT, L_RECOVERIES, L_ESCALATIONS,
	L_NOTIFICATIONS, L_TTR, L_AVG, L_MAX, L_TIMES, L_STATE_TIME, L_DOWNTIME, L_NODATA,
	L_COUNTED, L_HANDLERS, L_DOWNTIMES, L_MAIL, L_CALL, L_CHAT, L_OTHER_CH, L_DELIVERY,
	L_CHANNEL, L_NO_OBJECTS, L_CHART, L_DAY, L_AVAIL_LINE, L_ALERT_BARS, L_SUMMARY, L_DETAILS,
	L_EXCLUDED, L_NOTES, L_NOTE_AVAIL, L_COUNT
};

const char *label(bool ja, enum label l);
/* the heading of a notifiers' audit result (report_delivery_results[k]) */
const char *report_delivery_label(bool ja, int k);
/* "OK", "WARNING" ... or "UP", "DOWN" ... for hosts */
const char *report_state_name(const struct robj *o, int state);
/* "12d 03:04:05" ("12日 03:04:05"), "03:04:05" under a day */
void fmt_duration(double secs, bool ja, char *out, size_t size);
/* "99.861%", "-" when negative (nothing known) */
void fmt_pct(double pct, char *out, size_t size);
/* local "2026-10-01 00:00" */
void fmt_time(long long t, char *out, size_t size);
/* the period, "2026-10-01 00:00 - 2026-11-01 00:00 JST" */
void fmt_period(const struct report *r, char *out, size_t size);
/* the service, or the label for the host itself */
const char *report_service_label(const struct robj *o, bool ja);
/* The next character of s (not at its end), where the one after starts.
 * *c is its code point, or U+FFFD (*same false) for a byte that does not
 * start well-formed UTF-8 and for a control (C0, DEL, C1, line separator,
 * bidi override): names come from monitored hosts and must neither move a
 * terminal's cursor nor break a row nor reorder a line in a browser. */
const char *fmt_char(const char *s, unsigned long *c, bool *same);
/* s as fmt_char shows it */
void put_text(FILE *f, const char *s);
/* columns on a terminal of s as put_text shows it: East Asian wide
 * characters take two */
int text_width(const char *s);
/* s (as put_text shows it) padded with spaces to width columns
 * (left-aligned; right when right) */
void put_padded(FILE *f, const char *s, int width, bool right);
/* seconds in the period with nothing known about the object */
double robj_nodata(const struct report *r, const struct robj *o);
/* notifications of every channel */
long robj_notifications(const struct robj *o);

#endif
