/* One line of a Nagios 4 / Naemon log (nagios.log and its archives), or of
 * Icinga 2's CompatLogger log, which writes the same format:
 *   [1795394164] SERVICE ALERT: web1;HTTP;CRITICAL;HARD;3;output
 * Only what a report needs is decoded: state changes (ALERT, and the
 * CURRENT/INITIAL STATE lines written at start and rotation), notifications,
 * event handler runs and downtimes. Every other well-formed line is
 * "other"; a line that is not a log line, or a known line that does not
 * hold its fields, is "bad". */
#ifndef MAMORI_NAGIOS_LOG_H
#define MAMORI_NAGIOS_LOG_H
#include <stdbool.h>

enum nlog_kind {
	NLOG_BAD,
	NLOG_OTHER,          /* a log line a report does not need */
	NLOG_ALERT,          /* SERVICE ALERT / HOST ALERT */
	NLOG_STATE,          /* CURRENT ... STATE / INITIAL ... STATE */
	NLOG_NOTIFICATION,   /* SERVICE / HOST NOTIFICATION */
	NLOG_HANDLER,        /* SERVICE / HOST EVENT HANDLER */
	NLOG_DOWNTIME,       /* SERVICE / HOST DOWNTIME ALERT */
};

struct nlog_event {
	long long time;
	enum nlog_kind kind;
	bool is_host;        /* a host line: service is NULL, states UP DOWN UNREACHABLE */
	const char *host, *service;
	int state;           /* 0..3: OK/UP, WARNING/DOWN, CRITICAL/UNREACHABLE, UNKNOWN */
	bool hard;
	const char *contact, *command;   /* notifications; command also for handlers */
	bool downtime_start; /* DOWNTIME ALERT: STARTED (else STOPPED or CANCELLED) */
};

/* Parse line (NUL-terminated, without its newline) in place: the fields
 * point into it. Host and service names must be valid UTF-8. */
enum nlog_kind nlog_parse(char *line, struct nlog_event *ev);

/* "OK" .. "UNKNOWN", or "UP" .. "UNREACHABLE" for hosts; -1 when neither. */
int nlog_state(const char *s, bool is_host);

/* Whether s is valid UTF-8 (no overlongs, no surrogates). */
bool nlog_utf8(const char *s);

#endif
