/* Nagios threshold ranges, as the plugin guidelines define them:
 *   10      alert if < 0 or > 10      10:     alert if < 10
 *   ~:10    alert if > 10             10:20   alert if outside 10..20
 *   @10:20  alert if inside 10..20    (endpoints inclusive everywhere)
 * monitoring-plugins 3.x reads "10" as "~:10" with an exclusive end; we do not. */
#ifndef MAMORI_RANGE_H
#define MAMORI_RANGE_H
#include <stdbool.h>
#include <stddef.h>

#include "plugin.h"

struct range {
	double lo, hi;
	bool lo_inf, hi_inf;  /* "~:" start, empty end */
	bool inside;          /* "@": alert inside instead of outside */
	bool set;             /* false: no threshold, never alerts */
};

/* NULL on success, else a static reason ("start 20 is above end 10", ...). */
const char *range_parse(const char *text, struct range *out);
/* A comma-separated list "1,5,15" into up to max ranges; *count is how many
 * were given. A single value may be spread by the caller. */
const char *range_parse_list(const char *text, struct range *out, size_t max, size_t *count);

bool range_alerts(const struct range *r, double v);
/* CRITICAL if crit alerts, else WARNING if warn alerts, else OK. */
enum state range_judge(double v, const struct range *warn, const struct range *crit);

/* The form Icinga 2 and PNP4Nagios parse: "10" stays "10", others as given.
 * Empty string for an unset range. */
void range_format(const struct range *r, char *out, size_t size);

/* Helpers for plugins whose thresholds are "alert when the value is above N":
 * a range 0..N or N.. built from a number. */
struct range range_above(double n);   /* alert when v > n  (~:n) */
struct range range_below(double n);   /* alert when v < n  (n:)  */

#endif
