/* The monthly report's numbers (runbook 004): per host and service, from the
 * engine's log and mamori's audit logs, over one period [from, to).
 *
 * State changes are collected first and replayed in time order at the end
 * (log archives may be given in any order); counts are taken as they come.
 * Availability = time in OK (UP) / (time with a known state - downtime):
 * the period starts for an object at its first known state; only HARD
 * states count (a SOFT problem is the engine still retrying, not an
 * outage); scheduled downtime is shown apart and left out of the
 * denominator. */
#ifndef MAMORI_REPORT_MODEL_H
#define MAMORI_REPORT_MODEL_H
#include <stdbool.h>
#include <stddef.h>

#include "nagios_log.h"

enum report_channel { CH_MAIL, CH_CALL, CH_CHAT, CH_OTHER, CH_COUNT };

/* the notifiers' audit results, in their order in notifiers/audit.h */
enum { DELIVERY_RESULTS = 8 };
extern const char *const report_delivery_results[DELIVERY_RESULTS];

struct robj {
	char *host, *service;     /* service NULL for a host */
	/* replay */
	int hard;                 /* current hard state; -1 before the first known one */
	bool in_downtime;
	long long since;
	/* within the period */
	double secs[4];           /* per hard state, outside downtime */
	double downtime;          /* in downtime, whatever the state */
	long alerts;              /* HARD problem alerts */
	long soft_alerts;
	long handlers;            /* event handler runs the engine logged */
	long downtimes;           /* downtimes started */
	long notifications[CH_COUNT];
	long recoveries, escalations;
	long ttr_n;               /* recoveries whose run start was found */
	double ttr_sum, ttr_max;
};

struct report_delivery {
	char *channel;
	long count[DELIVERY_RESULTS];
};

struct report_day {
	long long start;          /* local midnight (or the period's start) */
	double ok, counted;       /* all objects: seconds OK, seconds counted */
	long alerts;
};

struct report_event;          /* a state change, kept for the replay */

struct report {
	long long from, to;
	const char *host_glob, *service_glob;   /* fnmatch patterns or NULL */
	struct robj **obj;
	size_t nobj, capobj;
	size_t *slot;             /* hash: index + 1, 0 = empty */
	size_t nslot;
	struct report_event *ev;
	size_t nev, capev;
	struct report_day *day;
	size_t nday;
	struct report_delivery *del;
	size_t ndel;
	/* input */
	long lines, used, other, skipped, outside;
	long audit_lines, audit_used, audit_skipped;
};

/* NULL, or why the period cannot be reported (too long, empty). */
const char *report_init(struct report *r, long long from, long long to, const char *host_glob,
                        const char *service_glob);
void report_free(struct report *r);

/* The object (created on first use), or NULL when the filters leave it out. */
struct robj *report_object(struct report *r, const char *host, const char *service);

/* One decoded engine log line. */
void report_add_log(struct report *r, const struct nlog_event *ev);
/* A recover handler's outcome: "recovered" (ttr < 0 when its start is not
 * known), or one that escalated ("escalated", "refused", "gave-up"). */
void report_add_recover(struct report *r, const char *host, const char *service, double t,
                        const char *outcome, double ttr);
/* One line of the notifiers' audit. */
void report_add_delivery(struct report *r, double t, const char *channel, const char *result);

/* Replay the state changes up to the period's end; then sort the objects
 * (host, the host itself first, then its services). */
void report_finish(struct report *r);

/* Seconds with a known state outside downtime, and the availability in %
 * (negative when nothing is known). */
double robj_counted(const struct robj *o);
double robj_availability(const struct robj *o);

/* The channel a notification command is for, by its name. */
enum report_channel report_channel_of(const char *command);

#endif
