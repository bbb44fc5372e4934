/* CSV (RFC 4180): one header line, one row per host and service; numbers
 * are plain (seconds, percent with three decimals), names quoted when
 * they need it. */
#include "report_out.h"

#include <string.h>

#include "report_fmt.h"

static void field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static void num(FILE *f, double v, bool last)
{
	fprintf(f, "%.0f%s", v, last ? "\r\n" : ",");
}

void report_csv(FILE *f, const struct report *r)
{
	fputs("type,host,service,availability_pct,alerts,soft_alerts,ok_up_s,warning_down_s,"
	      "critical_unreachable_s,unknown_s,downtime_s,nodata_s,downtimes,handler_runs,recoveries,"
	      "ttr_avg_s,ttr_max_s,escalations,notify_mail,notify_call,notify_chat,notify_other\r\n",
	      f);
	for (size_t i = 0; i < r->nobj; i++) {
		const struct robj *o = r->obj[i];
		field(f, o->service ? "service" : "host", false);
		field(f, o->host, false);
		field(f, o->service ? o->service : "", false);
		double a = robj_availability(o);
		if (a >= 0)
			fprintf(f, "%.3f,", a);
		else
			fputc(',', f);
		num(f, (double)o->alerts, false);
		num(f, (double)o->soft_alerts, false);
		for (int s = 0; s < 4; s++)
			num(f, o->secs[s], false);
		num(f, o->downtime, false);
		num(f, robj_nodata(r, o), false);
		num(f, (double)o->downtimes, false);
		num(f, (double)o->handlers, false);
		num(f, (double)o->recoveries, false);
		if (o->ttr_n)
			fprintf(f, "%.1f,%.1f,", o->ttr_sum / (double)o->ttr_n, o->ttr_max);
		else
			fputs(",,", f);
		num(f, (double)o->escalations, false);
		for (int c = 0; c < CH_COUNT; c++)
			num(f, (double)o->notifications[c], c == CH_COUNT - 1);
	}
}
