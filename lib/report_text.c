/* The text report: a header, one summary table, one block per object, the
 * notifiers' delivery table. */
#include "report_out.h"

#include "report_fmt.h"

static void header(FILE *f, const struct report *r, bool ja)
{
	char period[96];
	fmt_period(r, period, sizeof period);
	fprintf(f, "%s\n%s: %s\n", label(ja, L_TITLE), label(ja, L_PERIOD), period);
	fprintf(f, "%s: %s %ld (%s %ld, %s %ld, %s %ld); %s %ld (%s %ld, %s %ld)\n\n", label(ja, L_INPUT),
	        label(ja, L_LOG_LINES), r->lines, label(ja, L_USED), r->used, label(ja, L_OTHER), r->other,
	        label(ja, L_SKIPPED), r->skipped, label(ja, L_AUDIT_LINES), r->audit_lines, label(ja, L_USED),
	        r->audit_used, label(ja, L_SKIPPED), r->audit_skipped);
}

enum { NCOL = 7 };

/* the names as they are (any length), the numbers formatted into nums */
static void summary_row(const struct robj *o, bool ja, const char *cells[NCOL], char nums[NCOL][32])
{
	cells[0] = o->host;
	cells[1] = report_service_label(o, ja);
	fmt_pct(robj_availability(o), nums[2], 32);
	snprintf(nums[3], 32, "%ld", o->alerts);
	snprintf(nums[4], 32, "%ld", o->recoveries);
	snprintf(nums[5], 32, "%ld", o->escalations);
	snprintf(nums[6], 32, "%ld", robj_notifications(o));
	for (int c = 2; c < NCOL; c++)
		cells[c] = nums[c];
}

static void summary(FILE *f, const struct report *r, bool ja)
{
	static const enum label heads[NCOL] = { L_HOST, L_SERVICE, L_AVAIL, L_ALERTS, L_RECOVERIES,
	                                         L_ESCALATIONS, L_NOTIFICATIONS };
	int width[NCOL];
	const char *cells[NCOL];
	char nums[NCOL][32];
	for (int c = 0; c < NCOL; c++)
		width[c] = text_width(label(ja, heads[c]));
	for (size_t i = 0; i < r->nobj; i++) {
		summary_row(r->obj[i], ja, cells, nums);
		for (int c = 0; c < NCOL; c++)
			if (text_width(cells[c]) > width[c])
				width[c] = text_width(cells[c]);
	}
	fprintf(f, "== %s ==\n", label(ja, L_SUMMARY));
	for (int c = 0; c < NCOL; c++) {
		put_padded(f, label(ja, heads[c]), width[c], c >= 2);
		fputs(c == NCOL - 1 ? "\n" : "  ", f);
	}
	for (size_t i = 0; i < r->nobj; i++) {
		summary_row(r->obj[i], ja, cells, nums);
		for (int c = 0; c < NCOL; c++) {
			put_padded(f, cells[c], width[c], c >= 2);
			fputs(c == NCOL - 1 ? "\n" : "  ", f);
		}
	}
	fputc('\n', f);
}

static void detail(FILE *f, const struct report *r, const struct robj *o, bool ja)
{
	char d[64], d2[64], pct[32];
	const char *sep = ja ? "、" : ", ";
	put_text(f, o->host);
	fputs(" / ", f);
	put_text(f, report_service_label(o, ja));
	fputc('\n', f);
	fmt_pct(robj_availability(o), pct, sizeof pct);
	fmt_duration(robj_counted(o), ja, d, sizeof d);
	fmt_duration(o->downtime, ja, d2, sizeof d2);
	fprintf(f, "  %s: %s (%s %s%s%s %s %s)\n", label(ja, L_AVAIL), pct, label(ja, L_COUNTED), d, sep,
	        label(ja, L_DOWNTIME), d2, label(ja, L_EXCLUDED));
	fprintf(f, "  %s: ", label(ja, L_STATE_TIME));
	for (int s = 0; s < (o->service ? 4 : 3); s++) {
		fmt_duration(o->secs[s], ja, d, sizeof d);
		fprintf(f, "%s %s%s", report_state_name(o, s), d, sep);
	}
	fmt_duration(o->downtime, ja, d, sizeof d);
	fmt_duration(robj_nodata(r, o), ja, d2, sizeof d2);
	fprintf(f, "%s %s%s%s %s\n", label(ja, L_DOWNTIME), d, sep, label(ja, L_NODATA), d2);
	fprintf(f, "  %s: %ld (%s %ld)%s%s: %ld%s%s: %ld\n", label(ja, L_ALERTS), o->alerts, label(ja, L_SOFT),
	        o->soft_alerts, sep, label(ja, L_DOWNTIMES), o->downtimes, sep, label(ja, L_HANDLERS), o->handlers);
	fprintf(f, "  %s: %ld", label(ja, L_RECOVERIES), o->recoveries);
	if (o->ttr_n) {
		fmt_duration(o->ttr_sum / (double)o->ttr_n, ja, d, sizeof d);
		fmt_duration(o->ttr_max, ja, d2, sizeof d2);
		fprintf(f, " (%s: %s %s%s%s %s)", label(ja, L_TTR), label(ja, L_AVG), d, sep, label(ja, L_MAX), d2);
	}
	fprintf(f, "%s%s: %ld\n", sep, label(ja, L_ESCALATIONS), o->escalations);
	fprintf(f, "  %s: %s %ld%s%s %ld%s%s %ld%s%s %ld\n\n", label(ja, L_NOTIFICATIONS), label(ja, L_MAIL),
	        o->notifications[CH_MAIL], sep, label(ja, L_CALL), o->notifications[CH_CALL], sep, label(ja, L_CHAT),
	        o->notifications[CH_CHAT], sep, label(ja, L_OTHER_CH), o->notifications[CH_OTHER]);
}

static void deliveries(FILE *f, const struct report *r, bool ja)
{
	if (!r->ndel)
		return;
	/* a column is as wide as its heading or its widest count */
	int w0 = text_width(label(ja, L_CHANNEL)), w[DELIVERY_RESULTS];
	for (size_t i = 0; i < r->ndel; i++)
		if (text_width(r->del[i].channel) > w0)
			w0 = text_width(r->del[i].channel);
	for (int k = 0; k < DELIVERY_RESULTS; k++) {
		w[k] = text_width(report_delivery_label(ja, k));
		for (size_t i = 0; i < r->ndel; i++) {
			char n[32];
			int len = snprintf(n, sizeof n, "%ld", r->del[i].count[k]);
			if (len > w[k])
				w[k] = len;
		}
	}
	fprintf(f, "== %s ==\n", label(ja, L_DELIVERY));
	put_padded(f, label(ja, L_CHANNEL), w0, false);
	for (int k = 0; k < DELIVERY_RESULTS; k++) {
		fputs("  ", f);
		put_padded(f, report_delivery_label(ja, k), w[k], true);
	}
	fputc('\n', f);
	for (size_t i = 0; i < r->ndel; i++) {
		put_padded(f, r->del[i].channel, w0, false);
		for (int k = 0; k < DELIVERY_RESULTS; k++) {
			char n[32];
			snprintf(n, sizeof n, "%ld", r->del[i].count[k]);
			fputs("  ", f);
			put_padded(f, n, w[k], true);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

void report_text(FILE *f, const struct report *r, bool ja)
{
	header(f, r, ja);
	if (!r->nobj) {
		fprintf(f, "%s\n\n", label(ja, L_NO_OBJECTS));
	} else {
		summary(f, r, ja);
		fprintf(f, "== %s ==\n", label(ja, L_DETAILS));
		for (size_t i = 0; i < r->nobj; i++)
			detail(f, r, r->obj[i], ja);
	}
	deliveries(f, r, ja);
	fprintf(f, "%s: %s\n", label(ja, L_NOTES), label(ja, L_NOTE_AVAIL));
}
