#include "report_read.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* One line read: without its CR, NULL when it was too long or held a NUL. */
static void line_end(char *line, size_t n, bool bad, void (*fn)(void *ctx, char *line), void *ctx)
{
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	fn(ctx, bad ? NULL : line);
}

/* Calls fn for each line of f up to REPORT_LINE_MAX bytes; a longer line
 * (or one holding a NUL) is passed as NULL so the caller counts it. Reads
 * by blocks and looks for line ends with memchr: a month's log of a busy
 * engine is hundreds of megabytes. */
static void each_line(FILE *f, void (*fn)(void *ctx, char *line), void *ctx)
{
	static char block[1 << 16], line[REPORT_LINE_MAX + 2];
	size_t n = 0, got;
	bool bad = false, open = false;   /* open: a line has begun */
	while ((got = fread(block, 1, sizeof block, f)) > 0) {
		for (char *p = block, *end = block + got; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t k = (size_t)((nl ? nl : end) - p), take = k;
			open = true;
			if (memchr(p, '\0', k))
				bad = true;
			if (take > REPORT_LINE_MAX - n)
				take = REPORT_LINE_MAX - n, bad = true;
			memcpy(line + n, p, take);
			n += take;
			if (!nl)
				break;
			line_end(line, n, bad, fn, ctx);
			n = 0, bad = open = false;
			p = nl + 1;
		}
	}
	if (open)   /* the last line, without its newline */
		line_end(line, n, bad, fn, ctx);
}

static void log_line(void *ctx, char *line)
{
	struct report *r = ctx;
	r->lines++;
	struct nlog_event ev;
	if (line && !*line) {   /* an empty line is nothing, not damage */
		r->other++;
		return;
	}
	enum nlog_kind k = line ? nlog_parse(line, &ev) : NLOG_BAD;
	if (k == NLOG_BAD) {
		r->skipped++;
	} else if (k == NLOG_OTHER) {
		r->other++;
	} else {
		r->used++;
		report_add_log(r, &ev);
	}
}

static const char *open_file(const char *path, FILE **f, bool must_exist, bool *missing)
{
	static char why[512];
	*missing = false;
	if (!strcmp(path, "-")) {
		*f = stdin;
		return NULL;
	}
	*f = fopen(path, "r");
	if (*f)
		return NULL;
	if (errno == ENOENT && !must_exist) {
		*missing = true;
		return NULL;
	}
	snprintf(why, sizeof why, "%s: %s", path, strerror(errno));
	return why;
}

const char *report_read_log(struct report *r, const char *path)
{
	FILE *f;
	bool missing;
	const char *why = open_file(path, &f, true, &missing);
	if (why)
		return why;
	each_line(f, log_line, r);
	if (f != stdin)
		fclose(f);
	return NULL;
}

/* ---- audit ---- */

static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool report_iso_time(const char *s, double *out)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	const char *p = s;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d) ||
	    (*p != 'T' && *p != ' ') || !*p++ || !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &se))
		return false;
	/* a day the month does not have is no date (not the 3rd of March) */
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	double frac = 0, scale = 0.1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	int sign = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (*p)
		return false;
	long long t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	t -= sign * (oh * 3600 + om * 60);
	*out = (double)t + frac;
	return true;
}

/* Open handler runs, to find when the run that ends in an outcome began:
 * its records share pid, host and service. */
struct run {
	long long pid;
	char *host, *service;
	double start;
};

enum { RUN_MAX = REPORT_RUN_MAX };

struct audit_ctx {
	struct report *r;
	struct run runs[256];
	size_t nruns, next;
};

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static struct run *find_run(struct audit_ctx *a, long long pid, const char *host, const char *service)
{
	for (size_t i = 0; i < a->nruns; i++)
		if (a->runs[i].pid == pid && !strcmp(a->runs[i].host, host) && !strcmp(a->runs[i].service, service))
			return &a->runs[i];
	return NULL;
}

/* the slot stays allocated; an empty host never matches (records have one) */
static void drop_run(struct run *run)
{
	run->pid = -1;
	run->host[0] = '\0';
}

static void recover_record(struct audit_ctx *a, json_t *o, double t)
{
	const char *host = str(o, "host"), *service = str(o, "service"), *step = str(o, "step"),
	           *outcome = str(o, "outcome");
	json_t *jpid = json_object_get(o, "pid");
	long long pid = json_is_integer(jpid) ? json_integer_value(jpid) : -1;
	/* a step longer than a run can last is a damaged record: no duration */
	double dur = json_number_value(json_object_get(o, "duration"));
	if (!(dur > 0 && dur <= RUN_MAX))
		dur = 0;
	if (!service)
		service = "";
	struct run *run = find_run(a, pid, host, service);
	double began = t - dur;
	if (run && began - run->start > RUN_MAX) {
		/* far older: a run that ended without an outcome line, whose pid
		 * came round again */
		drop_run(run);
		run = NULL;
	}
	if (!strcmp(step, "outcome")) {
		/* a run seen only through its outcome has no known start */
		double ttr = run && pid >= 0 ? t - (began < run->start ? began : run->start) : -1;
		report_add_recover(a->r, host, service, t, outcome, ttr);
		if (run)
			drop_run(run);
		return;
	}
	if (run) {
		if (began < run->start)
			run->start = began;
		return;
	}
	/* a ring: the oldest unfinished runs make room */
	run = &a->runs[a->next];
	a->next = (a->next + 1) % (sizeof a->runs / sizeof a->runs[0]);
	if (a->nruns < sizeof a->runs / sizeof a->runs[0])
		a->nruns++;
	else
		free(run->host), free(run->service);
	run->pid = pid;
	run->host = xstrdup(host);
	run->service = xstrdup(service);
	run->start = began;
}

static void audit_line(void *ctx, char *line)
{
	struct audit_ctx *a = ctx;
	struct report *r = a->r;
	r->audit_lines++;
	if (line && !*line)
		return;
	json_t *o = line ? json_loads(line, 0, NULL) : NULL;
	double t;
	const char *when = json_is_object(o) ? str(o, "time") : NULL;
	if (!when || !report_iso_time(when, &t)) {
		r->audit_skipped++;
		json_decref(o);
		return;
	}
	const char *host = str(o, "host");
	if (str(o, "step") && host && *host && str(o, "outcome")) {
		recover_record(a, o, t);
		r->audit_used++;
	} else if (str(o, "channel") && str(o, "result")) {
		report_add_delivery(r, t, str(o, "channel"), str(o, "result"));
		r->audit_used++;
	} else {
		r->audit_skipped++;
	}
	json_decref(o);
}

const char *report_read_audit(struct report *r, const char *path, bool must_exist)
{
	FILE *f;
	bool missing;
	const char *why = open_file(path, &f, must_exist, &missing);
	if (why || missing)
		return why;
	struct audit_ctx *a = xcalloc(1, sizeof *a);
	a->r = r;
	each_line(f, audit_line, a);
	for (size_t i = 0; i < a->nruns; i++) {
		free(a->runs[i].host);
		free(a->runs[i].service);
	}
	free(a);
	if (f != stdin)
		fclose(f);
	return NULL;
}
