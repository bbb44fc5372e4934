/* One HTML page that needs nothing else: inline CSS, an inline SVG chart of
 * availability (line) and alerts (bars) per day drawn here, no script and
 * no reference to anything outside the file, so it can be mailed or kept.
 * The chart's colours are attributes, not CSS: mail clients drop <style>. */
#include "report_out.h"

#include <string.h>

#include "report_fmt.h"

/* names and labels as text or an attribute value: markup characters as
 * entities, controls and malformed UTF-8 as U+FFFD (fmt_char) */
static void esc(FILE *f, const char *s)
{
	while (*s) {
		unsigned long c;
		bool same;
		const char *next = fmt_char(s, &c, &same);
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (same)
				fwrite(s, 1, (size_t)(next - s), f);
			else
				fputs("\xef\xbf\xbd", f);   /* U+FFFD */
		}
		s = next;
	}
}

static const char css[] =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"th,td{border:1px solid #bbb;padding:.3em .6em}"
	"td.n{text-align:right}th{background:#eee}"
	".bad{color:#b00;font-weight:bold}"
	"svg{font-size:11px}";

enum { W = 760, H = 240, LEFT = 50, RIGHT = 40, TOP = 20, BOTTOM = 30 };

static void chart(FILE *f, const struct report *r, bool ja)
{
	long maxa = 1;
	double lo = 100;
	for (size_t d = 0; d < r->nday; d++) {
		if (r->day[d].alerts > maxa)
			maxa = r->day[d].alerts;
		if (r->day[d].counted > 0 && r->day[d].ok / r->day[d].counted * 100 < lo)
			lo = r->day[d].ok / r->day[d].counted * 100;
	}
	/* the availability axis starts low enough to show the worst day */
	lo = lo >= 99 ? 99 : lo >= 90 ? 90 : (double)((long)lo / 10 * 10);
	double pw = (double)(W - LEFT - RIGHT), ph = (double)(H - TOP - BOTTOM);
	double step = pw / (double)(r->nday ? r->nday : 1);
	fprintf(f, "<h2>%s</h2>\n", label(ja, L_CHART));
	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H, W, H);
	fprintf(f, "<line stroke=\"#888\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, H - BOTTOM, W - RIGHT,
	        H - BOTTOM);
	fprintf(f, "<line stroke=\"#888\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, TOP, LEFT, H - BOTTOM);
	fprintf(f, "<text x=\"2\" y=\"%d\">100%%</text><text x=\"2\" y=\"%d\">%g%%</text>\n", TOP + 4,
	        H - BOTTOM, lo);
	fprintf(f, "<text x=\"%d\" y=\"%d\">%ld</text>\n", W - RIGHT + 4, TOP + 4, maxa);
	for (size_t d = 0; d < r->nday; d++) {
		double x = LEFT + step * (double)d;
		double bh = ph * (double)r->day[d].alerts / (double)maxa;
		char day[32];
		fmt_time(r->day[d].start, day, sizeof day);
		day[10] = '\0';
		fprintf(f, "<rect fill=\"#e8a33d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s: %ld</title></rect>\n",
		        x + step * 0.15, H - BOTTOM - bh, step * 0.7, bh, day, r->day[d].alerts);
		if (r->nday <= 12 || d % ((r->nday + 11) / 12) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x, H - BOTTOM + 14, day + 5);
	}
	/* the line joins the days with data; a gap where nothing was known */
	fputs("<polyline fill=\"none\" stroke=\"#2a6fbb\" stroke-width=\"2\" points=\"", f);
	for (size_t d = 0; d < r->nday; d++) {
		if (r->day[d].counted <= 0)
			continue;
		double a = r->day[d].ok / r->day[d].counted * 100;
		double y = TOP + ph * (100 - a) / (100 - lo);
		fprintf(f, "%.1f,%.1f ", LEFT + step * ((double)d + 0.5), y > H - BOTTOM ? H - BOTTOM : y);
	}
	fputs("\"/>\n</svg>\n", f);
	fprintf(f, "<p>%s / %s</p>\n", label(ja, L_AVAIL_LINE), label(ja, L_ALERT_BARS));
}

static void cell(FILE *f, const char *s, bool number)
{
	fputs(number ? "<td class=\"n\">" : "<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

static void cell_long(FILE *f, long v)
{
	fprintf(f, "<td class=\"n\">%ld</td>", v);
}

static void table(FILE *f, const struct report *r, bool ja)
{
	static const enum label heads[] = { L_HOST, L_SERVICE, L_AVAIL, L_ALERTS, L_SOFT, L_DOWNTIME, L_NODATA,
	                                    L_RECOVERIES, L_TTR, L_ESCALATIONS, L_MAIL, L_CALL, L_CHAT, L_OTHER_CH };
	fprintf(f, "<h2>%s</h2>\n<table>\n<tr>", label(ja, L_SUMMARY));
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		fputs("<th>", f);
		esc(f, label(ja, heads[i]));
		fputs("</th>", f);
	}
	fputs("<th>", f);
	esc(f, label(ja, L_STATE_TIME));
	fputs("</th></tr>\n", f);
	for (size_t i = 0; i < r->nobj; i++) {
		const struct robj *o = r->obj[i];
		char s[64];
		fputs("<tr>", f);
		cell(f, o->host, false);
		cell(f, report_service_label(o, ja), false);
		double a = robj_availability(o);
		fmt_pct(a, s, sizeof s);
		fprintf(f, "<td class=\"n%s\">%s</td>", a >= 0 && a < 99 ? " bad" : "", s);
		cell_long(f, o->alerts);
		cell_long(f, o->soft_alerts);
		fmt_duration(o->downtime, ja, s, sizeof s);
		cell(f, s, true);
		fmt_duration(robj_nodata(r, o), ja, s, sizeof s);
		cell(f, s, true);
		cell_long(f, o->recoveries);
		if (o->ttr_n)
			fmt_duration(o->ttr_sum / (double)o->ttr_n, ja, s, sizeof s);
		else
			snprintf(s, sizeof s, "-");
		cell(f, s, true);
		cell_long(f, o->escalations);
		for (int c = 0; c < CH_COUNT; c++)
			cell_long(f, o->notifications[c]);
		fputs("<td>", f);
		for (int st = 0; st < (o->service ? 4 : 3); st++) {
			fmt_duration(o->secs[st], ja, s, sizeof s);
			fprintf(f, "%s%s %s", st ? "<br>" : "", report_state_name(o, st), s);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void deliveries(FILE *f, const struct report *r, bool ja)
{
	if (!r->ndel)
		return;
	fprintf(f, "<h2>%s</h2>\n<table>\n<tr><th>%s</th>", label(ja, L_DELIVERY), label(ja, L_CHANNEL));
	for (int k = 0; k < DELIVERY_RESULTS; k++)
		fprintf(f, "<th>%s</th>", report_delivery_label(ja, k));
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->ndel; i++) {
		fputs("<tr>", f);
		cell(f, r->del[i].channel, false);
		for (int k = 0; k < DELIVERY_RESULTS; k++)
			cell_long(f, r->del[i].count[k]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

void report_html(FILE *f, const struct report *r, bool ja)
{
	char period[96];
	fmt_period(r, period, sizeof period);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", ja ? "ja" : "en");
	fprintf(f, "<title>%s %s</title>\n<style>%s</style>\n</head>\n<body>\n", label(ja, L_TITLE), period, css);
	fprintf(f, "<h1>%s</h1>\n<p>%s: %s</p>\n", label(ja, L_TITLE), label(ja, L_PERIOD), period);
	fprintf(f, "<p>%s: %s %ld (%s %ld, %s %ld, %s %ld); %s %ld (%s %ld, %s %ld)</p>\n", label(ja, L_INPUT),
	        label(ja, L_LOG_LINES), r->lines, label(ja, L_USED), r->used, label(ja, L_OTHER), r->other,
	        label(ja, L_SKIPPED), r->skipped, label(ja, L_AUDIT_LINES), r->audit_lines, label(ja, L_USED),
	        r->audit_used, label(ja, L_SKIPPED), r->audit_skipped);
	chart(f, r, ja);
	if (r->nobj)
		table(f, r, ja);
	else
		fprintf(f, "<p>%s</p>\n", label(ja, L_NO_OBJECTS));
	deliveries(f, r, ja);
	fprintf(f, "<h2>%s</h2>\n<p>", label(ja, L_NOTES));
	esc(f, label(ja, L_NOTE_AVAIL));
	fputs("</p>\n</body>\n</html>\n", f);
}
