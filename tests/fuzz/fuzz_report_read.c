/* mamori report's readers on any file (lib/report_read): the same bytes
 * as an engine log and as an audit log (the recover handlers' and the
 * notifiers' JSON lines), each in a memfd, then the month replayed. Every
 * line is counted once (used, other or skipped); per object the times
 * are finite and within the period, availability is 0..100 % (or "none"),
 * a time to recover is 0..2 * REPORT_RUN_MAX s and only of a recovery;
 * deliveries never outnumber the audit lines used. An accepted ISO time
 * ending in Z reads back as the same date and time (no 31st of February).
 * SOURCES: lib/report_read.c lib/report_model.c lib/nagios_log.c
 * LIBS: -ljansson */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "report_read.h"

enum { FROM = 1790780400, TO = 1793458800 };  /* 2026-10 in JST */

static void iso_ok(const uint8_t *data, size_t size)
{
	char s[64];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	char *nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	double t;
	if (!report_iso_time(s, &t))
		return;
	if (!isfinite(t))
		abort();
	n = strlen(s);
	/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" of years 1000 on, no leap second */
	if (n < 20 || s[n - 1] != 'Z' || s[0] == '0' || !strncmp(s + 17, "60", 2))
		return;
	time_t tt = (time_t)floor(t);
	struct tm tm;
	char back[32];
	if (!gmtime_r(&tt, &tm) || !strftime(back, sizeof back, "%Y-%m-%d %H:%M:%S", &tm))
		abort();
	s[10] = ' ';
	if (strncmp(back, s, 19) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iso_ok(data, size);
	struct report r;
	if (report_init(&r, FROM, TO, NULL, NULL))
		abort();
	int fd;
	if (report_read_log(&r, fuzz_memfd_path(&fd, data, size)))
		abort();
	close(fd);
	if (r.used + r.other + r.skipped != r.lines || r.outside > r.used)
		abort();
	if (report_read_audit(&r, fuzz_memfd_path(&fd, data, size), true))
		abort();
	close(fd);
	if (r.audit_used + r.audit_skipped > r.audit_lines)
		abort();
	report_finish(&r);

	long delivered = 0;
	for (size_t i = 0; i < r.ndel; i++)
		for (int k = 0; k < DELIVERY_RESULTS; k++)
			delivered += r.del[i].count[k];
	if (r.ndel > 64 || delivered > r.audit_used)
		abort();
	for (size_t i = 0; i < r.nobj; i++) {
		const struct robj *o = r.obj[i];
		double period = (double)(TO - FROM), all = o->downtime;
		for (int s = 0; s < 4; s++) {
			if (!isfinite(o->secs[s]) || o->secs[s] < 0)
				abort();
			all += o->secs[s];
		}
		if (!isfinite(o->downtime) || o->downtime < 0 || all > period)
			abort();
		double a = robj_availability(o);
		if (!isfinite(a) || a > 100 || (a < 0 && robj_counted(o) > 0))
			abort();
		if (o->ttr_n > o->recoveries || o->ttr_max < 0 || o->ttr_max > 2 * REPORT_RUN_MAX || o->ttr_sum < 0 ||
		    o->ttr_sum > (double)o->ttr_n * 2 * REPORT_RUN_MAX)
			abort();
	}
	report_free(&r);
	return 0;
}
