/* Driver for tests/silence.t: lib/silence's matching, the mass-incident
 * ring and the 静観依頼 mail parser, with `now` passed explicitly.
 *   silence_tool match HOST ALERT|- NOW [ADDRESS]
 *   silence_tool mass N MINUTES NOW...     one note per NOW
 *   silence_tool mass-count MINUTES NOW
 *   silence_tool mail FILE NOW             the parsed request
 *   silence_tool body FILE                 subject and decoded body */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "proc.h"
#include "silence.h"
#include "mail_decode.h"
#include "silence_mail.h"

static time_t num(const char *s)
{
	return (time_t)strtoll(s, NULL, 10);
}

static void show_time(const char *label, time_t t)
{
	struct tm tm;
	char s[32];
	localtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M", &tm);
	printf("%s: %s (%lld)\n", label, s, (long long)t);
}

static int read_all(const char *path, struct buf *b)
{
	if (read_file_buf(AT_FDCWD, path, b, 16 << 20, false) < 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "match")) {
		struct silence_hit hit;
		struct buf err = BUF_INIT;
		const char *alert = strcmp(argv[3], "-") ? argv[3] : NULL;
		int r = silence_match_addr(argv[2], argc > 5 ? argv[5] : NULL, alert, num(argv[4]), &hit, &err);
		if (r == 1)
			printf("1 %s %lld %lld %s\n", hit.id, (long long)hit.start, (long long)hit.end, hit.comment);
		else
			printf("%d %s\n", r, buf_cstr(&err));
		buf_free(&err);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "mass")) {
		static const char *const names[] = { "CALM", "START", "ON" };
		for (int i = 4; i < argc; i++)
			printf("%s\n", names[mass_note(num(argv[i]), (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]))]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "mass-count")) {
		printf("%ld\n", mass_count(num(argv[3]), (unsigned)atoi(argv[2])));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "mail")) {
		struct buf raw = BUF_INIT;
		if (read_all(argv[2], &raw) < 0)
			return 2;
		struct silence_request req;
		const char *e = silence_mail_parse(buf_cstr(&raw), raw.len, num(argv[3]), &req);
		buf_free(&raw);
		if (e) {
			printf("error: %s\n", e);
			return 1;
		}
		printf("company: %s\n", req.company);
		for (char **s = req.servers; *s; s++)
			printf("server: %s\n", *s);
		show_time("start", req.start);
		show_time("end", req.end);
		if (!req.alerts[0])
			printf("alerts: all\n");
		for (char **a = req.alerts; *a; a++)
			printf("alert: %s\n", *a);
		printf("summary: %s\n", req.summary ? req.summary : "(none)");
		silence_request_free(&req);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "body")) {
		struct buf raw = BUF_INIT, subject = BUF_INIT, body = BUF_INIT;
		if (read_all(argv[2], &raw) < 0)
			return 2;
		const char *e = mail_text_body(buf_cstr(&raw), raw.len, &subject, &body);
		printf("subject: %s\n%s\n", buf_cstr(&subject), e ? e : buf_cstr(&body));
		buf_free(&raw);
		buf_free(&subject);
		buf_free(&body);
		return e ? 1 : 0;
	}
	fprintf(stderr, "usage: silence_tool match|mass|mass-count|mail|body ...\n");
	return 2;
}
