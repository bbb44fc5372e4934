/* The plugin contract: exit codes, the one status line, long output and
 * perfdata. A plugin fills a struct check and calls check_exit(). */
#ifndef MAMORI_PLUGIN_H
#define MAMORI_PLUGIN_H
#include <stdbool.h>

#include "buf.h"

enum state {
	STATE_OK = 0,
	STATE_WARNING = 1,
	STATE_CRITICAL = 2,
	STATE_UNKNOWN = 3,
};

struct range;

struct check {
	const char *service;   /* status-line prefix: "LOAD", "DISK", ... */
	const char *sep;       /* between state and summary: " - " (default) */
	enum state state;
	struct buf summary;
	struct buf perf;
	struct buf longout;
};

/* Optional perfdata fields are flags, so 0 is a real minimum. */
struct perf {
	const char *label;
	double value;
	const char *uom;           /* "", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c" */
	int decimals;              /* -1: automatic */
	const struct range *warn, *crit;
	bool has_min, has_max;
	double min, max;
};

extern int plugin_verbose;
extern const char *plugin_service;  /* for plugin_die() and the timeout line */

const char *state_name(enum state s);
/* CRITICAL > WARNING > UNKNOWN > OK, as monitoring-plugins' max_state_alt:
 * one item we could not measure does not hide one that is broken. */
enum state state_worst(enum state a, enum state b);
/* "ok", "warning", "critical", "unknown" (any case) or 0..3; -1 if neither. */
int state_parse(const char *s);

void check_init(struct check *c, const char *service);
void check_raise(struct check *c, enum state s);
/* Append to the summary; text is cleaned (no '|', no control characters). */
void check_summary(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One long-output line ('|' cleaned; a line break in the text starts
 * another line, so text from outside goes through text_one_line). */
void check_long(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_perf(struct check *c, const struct perf *p);
/* Print "SERVICE STATE - summary | perf\nlong" and exit with the state. */
_Noreturn void check_exit(struct check *c);
/* Print "SERVICE STATE - reason" and exit: bad arguments, unreadable input. */
_Noreturn void plugin_die(enum state s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a perfdata label, quoted when the guidelines require it. */
void perf_label(struct buf *b, const char *label);
/* Byte count in the largest unit that keeps it >= 1, "12.3 GiB". */
void human_bytes(double bytes, char *out, unsigned size);

#endif
