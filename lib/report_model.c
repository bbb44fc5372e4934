#include "report_model.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

const char *const report_delivery_results[DELIVERY_RESULTS] = {
	"sent", "failed", "spooled", "lost", "silenced", "dropped", "resent", "resend-failed",
};

/* a state change to replay: a new hard state, or a downtime start/stop */
struct report_event {
	long long t;
	size_t seq;               /* file order breaks ties in time */
	struct robj *o;
	enum { EV_STATE, EV_DOWNTIME } kind;
	int state;                /* EV_STATE: the hard state (-1 keeps the current one) */
	bool start;               /* EV_DOWNTIME */
};

enum { MAX_DAYS = 400 };

const char *report_init(struct report *r, long long from, long long to, const char *host_glob,
                        const char *service_glob)
{
	memset(r, 0, sizeof *r);
	r->from = from;
	r->to = to;
	r->host_glob = host_glob;
	r->service_glob = service_glob;
	if (to <= from)
		return "the period is empty (--to must be after --from)";
	/* local days: the chart's bars */
	r->day = xcalloc(MAX_DAYS + 1, sizeof *r->day);
	long long t = from;
	while (t < to) {
		if (r->nday == MAX_DAYS)
			return "the period is longer than 400 days";
		r->day[r->nday++].start = t;
		time_t tt = (time_t)t;
		struct tm tm;
		localtime_r(&tt, &tm);
		tm.tm_mday++;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		long long next = (long long)mktime(&tm);
		t = next > t ? next : t + 86400;
	}
	r->nslot = 1024;
	r->slot = xcalloc(r->nslot, sizeof *r->slot);
	return NULL;
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nobj; i++) {
		free(r->obj[i]->host);
		free(r->obj[i]->service);
		free(r->obj[i]);
	}
	for (size_t i = 0; i < r->ndel; i++)
		free(r->del[i].channel);
	free(r->obj);
	free(r->slot);
	free(r->ev);
	free(r->day);
	free(r->del);
	memset(r, 0, sizeof *r);
}

static size_t hash(const char *host, const char *service)
{
	size_t h = 14695981039346656037ULL;
	for (const char *p = host; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;   /* a host and a service never collide by concatenation */
	for (const char *p = service ? service : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return service ? h : ~h;
}

static bool same(const struct robj *o, const char *host, const char *service)
{
	if (strcmp(o->host, host))
		return false;
	if (!service || !o->service)
		return !service && !o->service;
	return !strcmp(o->service, service);
}

static void grow_slots(struct report *r)
{
	free(r->slot);
	r->nslot *= 2;
	r->slot = xcalloc(r->nslot, sizeof *r->slot);
	for (size_t i = 0; i < r->nobj; i++) {
		size_t s = hash(r->obj[i]->host, r->obj[i]->service) & (r->nslot - 1);
		while (r->slot[s])
			s = (s + 1) & (r->nslot - 1);
		r->slot[s] = i + 1;
	}
}

static bool wanted(const struct report *r, const char *host, const char *service)
{
	if (r->host_glob && fnmatch(r->host_glob, host, 0))
		return false;
	if (r->service_glob && (!service || fnmatch(r->service_glob, service, 0)))
		return false;
	return true;
}

struct robj *report_object(struct report *r, const char *host, const char *service)
{
	if (service && !*service)
		service = NULL;
	size_t s = hash(host, service) & (r->nslot - 1);
	for (; r->slot[s]; s = (s + 1) & (r->nslot - 1)) {
		struct robj *o = r->obj[r->slot[s] - 1];
		if (same(o, host, service))
			return o;
	}
	if (!wanted(r, host, service))
		return NULL;
	struct robj *o = xcalloc(1, sizeof *o);
	o->host = xstrdup(host);
	o->service = service ? xstrdup(service) : NULL;
	o->hard = -1;
	if (r->nobj == r->capobj) {
		r->capobj = r->capobj ? r->capobj * 2 : 64;
		r->obj = xrealloc(r->obj, r->capobj * sizeof *r->obj);
	}
	r->obj[r->nobj++] = o;
	r->slot[s] = r->nobj;
	if (r->nobj * 2 > r->nslot)
		grow_slots(r);
	return o;
}

static bool in_period(const struct report *r, double t)
{
	return t >= (double)r->from && t < (double)r->to;
}

/* the day holding t (t inside the period) */
static size_t day_of(const struct report *r, long long t)
{
	size_t lo = 0, hi = r->nday;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->day[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void push(struct report *r, const struct report_event *e)
{
	if (r->nev == r->capev) {
		r->capev = r->capev ? r->capev * 2 : 256;
		r->ev = xrealloc(r->ev, r->capev * sizeof *r->ev);
	}
	r->ev[r->nev] = *e;
	r->ev[r->nev].seq = r->nev;
	r->nev++;
}

enum report_channel report_channel_of(const char *command)
{
	char low[128];
	size_t i = 0;
	for (; command[i] && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)command[i]);
	low[i] = '\0';
	if (strstr(low, "chat") || strstr(low, "slack") || strstr(low, "teams"))
		return CH_CHAT;
	if (strstr(low, "call") || strstr(low, "phone") || strstr(low, "twilio") || strstr(low, "voice"))
		return CH_CALL;
	if (strstr(low, "mail"))
		return CH_MAIL;
	return CH_OTHER;
}

void report_add_log(struct report *r, const struct nlog_event *ev)
{
	if (ev->time >= r->to) {
		r->outside++;
		return;
	}
	struct robj *o = report_object(r, ev->host, ev->is_host ? NULL : ev->service);
	if (!o)
		return;
	bool now = in_period(r, (double)ev->time);
	struct report_event e = { .t = ev->time, .o = o, .kind = EV_STATE, .state = -1 };
	switch (ev->kind) {
	case NLOG_ALERT:
	case NLOG_STATE:
		/* a SOFT state leaves the hard state alone; the first SOFT alert
		 * says the hard state was OK (a problem only starts SOFT from OK).
		 * A SOFT CURRENT STATE says nothing: Icinga 2 logs a service not
		 * checked yet as UNKNOWN SOFT */
		e.state = ev->hard ? ev->state : -1;
		if (ev->hard || ev->kind == NLOG_ALERT)
			push(r, &e);
		if (ev->kind == NLOG_ALERT && now && ev->state > 0) {
			if (ev->hard) {
				o->alerts++;
				r->day[day_of(r, ev->time)].alerts++;
			} else {
				o->soft_alerts++;
			}
		}
		break;
	case NLOG_DOWNTIME:
		e.kind = EV_DOWNTIME;
		e.start = ev->downtime_start;
		push(r, &e);
		if (now && ev->downtime_start)
			o->downtimes++;
		break;
	case NLOG_NOTIFICATION:
		if (now)
			o->notifications[report_channel_of(ev->command)]++;
		break;
	case NLOG_HANDLER:
		if (now)
			o->handlers++;
		break;
	default:
		break;
	}
}

void report_add_recover(struct report *r, const char *host, const char *service, double t,
                        const char *outcome, double ttr)
{
	if (!in_period(r, t))
		return;
	struct robj *o = report_object(r, host, service);
	if (!o)
		return;
	if (!strcmp(outcome, "recovered")) {
		o->recoveries++;
		if (ttr >= 0) {
			o->ttr_n++;
			o->ttr_sum += ttr;
			if (ttr > o->ttr_max)
				o->ttr_max = ttr;
		}
	} else if (!strcmp(outcome, "escalated") || !strcmp(outcome, "refused") || !strcmp(outcome, "gave-up")) {
		o->escalations++;
	}
}

void report_add_delivery(struct report *r, double t, const char *channel, const char *result)
{
	if (!in_period(r, t))
		return;
	int k = -1;
	for (int i = 0; i < DELIVERY_RESULTS; i++)
		if (!strcmp(result, report_delivery_results[i]))
			k = i;
	if (k < 0)
		return;
	size_t i = 0;
	while (i < r->ndel && strcmp(r->del[i].channel, channel))
		i++;
	if (i == r->ndel) {
		if (r->ndel >= 64)   /* channels are a handful; a flood of names is not */
			return;
		r->del = xrealloc(r->del, (r->ndel + 1) * sizeof *r->del);
		memset(&r->del[i], 0, sizeof r->del[i]);
		r->del[i].channel = xstrdup(channel);
		r->ndel++;
	}
	r->del[i].count[k]++;
}

/* Add [o->since, end) in o's current state, clipped to the period. */
static void account(struct report *r, struct robj *o, long long end)
{
	long long a = o->since > r->from ? o->since : r->from;
	long long b = end < r->to ? end : r->to;
	if (o->hard < 0 || a >= b)
		return;
	if (o->in_downtime)
		o->downtime += (double)(b - a);
	else
		o->secs[o->hard] += (double)(b - a);
	if (o->in_downtime)
		return;
	/* split across the days for the chart */
	for (size_t d = day_of(r, a); a < b; d++) {
		long long day_end = d + 1 < r->nday ? r->day[d + 1].start : r->to;
		long long piece = (b < day_end ? b : day_end) - a;
		r->day[d].counted += (double)piece;
		if (o->hard == 0)
			r->day[d].ok += (double)piece;
		a += piece;
	}
}

static int by_time(const void *pa, const void *pb)
{
	const struct report_event *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_name(const void *pa, const void *pb)
{
	const struct robj *a = *(const struct robj *const *)pa, *b = *(const struct robj *const *)pb;
	int c = strcmp(a->host, b->host);
	if (c)
		return c;
	if (!a->service || !b->service)
		return !b->service - !a->service;
	return strcmp(a->service, b->service);
}

void report_finish(struct report *r)
{
	if (r->nev)
		qsort(r->ev, r->nev, sizeof *r->ev, by_time);
	for (size_t i = 0; i < r->nev; i++) {
		struct report_event *e = &r->ev[i];
		struct robj *o = e->o;
		account(r, o, e->t);
		o->since = e->t;
		if (e->kind == EV_DOWNTIME)
			o->in_downtime = e->start;
		else if (e->state >= 0)
			o->hard = e->state;
		else if (o->hard < 0)
			o->hard = 0;
	}
	/* the last known state lasts to the period's end, or to now for a
	 * period that has not ended yet */
	long long now = (long long)time(NULL), end = r->to < now ? r->to : now;
	for (size_t i = 0; i < r->nobj; i++) {
		account(r, r->obj[i], end);
		r->obj[i]->since = end;
	}
	if (r->nobj)
		qsort(r->obj, r->nobj, sizeof *r->obj, by_name);
	/* the hash's indexes are stale now: nobody looks up after finishing */
	free(r->slot);
	r->slot = NULL;
	r->nslot = 0;
}

double robj_counted(const struct robj *o)
{
	return o->secs[0] + o->secs[1] + o->secs[2] + o->secs[3];
}

double robj_availability(const struct robj *o)
{
	double c = robj_counted(o);
	return c > 0 ? o->secs[0] / c * 100 : -1;
}
