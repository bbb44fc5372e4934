/* The 静観依頼 mail of runbook 004 (a customer asks us to hold alerts
 * during their work): from a raw RFC 5322 message to one window per
 * server. */
#ifndef MAMORI_SILENCE_MAIL_H
#define MAMORI_SILENCE_MAIL_H
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "silence.h"

struct silence_request {
	char *company;        /* 【会社名・案件名】 */
	char **servers;       /* 【対象サーバ名】, NULL-terminated */
	char *summary;        /* 【作業概要】 */
	char **alerts;        /* 【対象警報】, NULL-terminated; empty = すべての警報 */
	time_t start, end;    /* 【期間】 */
};

/* Parse a raw mail. NULL, or a reason naming the field that is missing or
 * unreadable ("【期間】 is missing"). now: the reference for a period
 * written without a year. */
const char *silence_mail_parse(const char *raw, size_t len, time_t now, struct silence_request *req);
void silence_request_free(struct silence_request *req);

#endif
