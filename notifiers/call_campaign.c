/* The call campaign (see call_campaign.h): rounds of groups of calls.
 * Sequential is a group of one callee at a time, simultaneous one group of
 * everybody; the same loop follows both, so the keypad rules, the answer
 * wait and the 2-minute limit are enforced in one place whatever the
 * provider does. */
#include "call_campaign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "state.h"
#include "timeout.h"

static const struct { enum call_result r; const char *en, *ja; } names[] = {
	{ CALL_PENDING, "pending", "通話中" },
	{ CALL_CONFIRMED, "confirmed", "確認済み (キーパッド 1)" },
	{ CALL_REFUSED, "refused", "通話中断 (キーパッド *)" },
	{ CALL_NOKEY, "nokey", "キーパッド操作なし" },
	{ CALL_VOICEMAIL, "voicemail", "留守番電話" },
	{ CALL_NOANSWER, "noanswer", "応答なし" },
	{ CALL_BUSY, "busy", "話し中" },
	{ CALL_TOOLONG, "toolong", "最大通話時間 (2分) 超過" },
	{ CALL_FAILED, "failed", "発信失敗" },
	{ CALL_CANCELLED, "cancelled", "他の架電先が確認済みのため終了" },
	{ CALL_SKIPPED, "skipped", "スキップ間隔内のため架電せず" },
};

const char *call_result_name(enum call_result r)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].r == r)
			return names[i].en;
	return "unknown";
}

const char *call_result_ja(enum call_result r)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].r == r)
			return names[i].ja;
	return "不明";
}

enum call_result call_result_from(const char *word)
{
	static const struct { const char *w; enum call_result r; } alias[] = {
		{ "no-answer", CALL_NOANSWER }, { "no_answer", CALL_NOANSWER }, { "machine", CALL_VOICEMAIL },
		{ "no-key", CALL_NOKEY }, { "timeout", CALL_NOKEY },
	};
	if (!word || !*word)
		return CALL_PENDING;
	for (size_t i = 1; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(word, names[i].en))
			return names[i].r;
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (!strcmp(word, alias[i].w))
			return alias[i].r;
	return CALL_PENDING;
}

enum call_result call_result_keys(const char *keys)
{
	for (const char *k = keys; k && *k; k++) {
		if (*k == '1')
			return CALL_CONFIRMED;
		if (*k == '*')
			return CALL_REFUSED;
		/* 3, 2, 4-9 (and 0, #): the message was said again; go on */
	}
	return CALL_NOKEY;
}

/* ---- skip state ---- */

bool call_skip_claim(const char *number, const char *id, long skip_minutes, time_t now, time_t *last,
                     struct buf *prev)
{
	struct state_file sf;
	struct buf text = BUF_INIT;
	*last = 0;
	buf_reset(prev);
	if (state_open(&sf, NULL, "notify_call", number))
		return true;
	bool ok = true;
	if (!state_read(&sf, &text) && text.len) {
		buf_add(prev, text.s, text.len);
		long long t = 0;
		char was[64] = "";
		if (sscanf(buf_cstr(&text), "%lld %63s", &t, was) >= 1 && strcmp(was, id) &&
		    (time_t)t + skip_minutes * 60 > now && (time_t)t <= now + 60) {
			*last = (time_t)t;
			ok = false;
		}
	}
	if (ok) {
		struct buf rec = BUF_INIT;
		buf_printf(&rec, "%lld %s\n", (long long)now, id);
		state_write(&sf, rec.s, rec.len);
		buf_free(&rec);
	}
	state_close(&sf);
	buf_free(&text);
	return ok;
}

void call_skip_restore(const char *number, const struct buf *prev)
{
	struct state_file sf;
	if (state_open(&sf, NULL, "notify_call", number))
		return;
	/* "0 -" when there was nothing: never blocks */
	if (prev->len)
		state_write(&sf, prev->s, prev->len);
	else
		state_write(&sf, "0 -\n", 4);
	state_close(&sf);
}

/* ---- the campaign ---- */

struct live {
	size_t callee;
	void *h;
	bool started, answered, done;
	double t0, t_answer;
	enum call_result result;
	struct buf detail, via;
};

static void pause_for(double secs)
{
	if (secs <= 0)
		return;
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void record(const struct conf *conf, const char *id, const struct callee *cl, long round,
                   struct live *l, struct call_outcome *out)
{
	out->att = xrealloc(out->att, (out->natt + 1) * sizeof *out->att);
	struct call_attempt *a = &out->att[out->natt++];
	a->callee = l->callee;
	a->round = round;
	a->result = l->result;
	a->when = time(NULL);
	snprintf(a->detail, sizeof a->detail, "%s", buf_cstr(&l->detail));

	const char *res = l->result == CALL_CONFIRMED ? "sent" : l->result == CALL_SKIPPED ? "skipped" : "failed";
	struct buf err = BUF_INIT;
	if (l->result != CALL_CONFIRMED) {
		buf_puts(&err, call_result_name(l->result));
		if (l->detail.len)
			buf_printf(&err, ": %s", buf_cstr(&l->detail));
	}
	struct audit_entry e = {
		.channel = "call", .target = cl[l->callee].number, .id = id, .result = res,
		.via = l->via.len ? buf_cstr(&l->via) : NULL, .error = err.len ? buf_cstr(&err) : NULL,
		.duration_ms = l->started ? (monotonic_now() - l->t0) * 1000 : -1, .attempt = round,
	};
	audit_write(conf, &e);
	buf_free(&err);
}

/* Call the callees of one group together until one confirms or all are
 * done. Returns true when someone confirmed. */
static bool run_group(const struct conf *conf, const char *id, const struct call_settings *s,
                      const struct callee *cl, const size_t *idx, size_t n, long round,
                      const struct call_provider *p, void *pctx, const char *message, struct call_outcome *out)
{
	struct live *lv = xcalloc(n, sizeof *lv);
	size_t active = 0;
	for (size_t i = 0; i < n; i++) {
		struct live *l = &lv[i];
		l->callee = idx[i];
		l->detail = (struct buf)BUF_INIT;
		l->via = (struct buf)BUF_INIT;
		time_t last;
		struct buf prev = BUF_INIT;
		if (monotonic_now() >= s->deadline) {
			l->done = true;
			out->out_of_time = true;
			buf_free(&prev);
			continue;
		}
		if (!call_skip_claim(cl[l->callee].number, id, s->skip_minutes, time(NULL), &last, &prev)) {
			l->done = true;
			l->result = CALL_SKIPPED;
			char when[32] = "?";
			struct tm tm;
			if (localtime_r(&last, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
			buf_printf(&l->detail, "last called %s, skip interval %ld min", when, s->skip_minutes);
			record(conf, id, cl, round, l, out);
			buf_free(&prev);
			continue;
		}
		l->t0 = monotonic_now();
		const char *err = p->start(pctx, &cl[l->callee], message, &l->h, &l->via);
		if (err) {
			call_skip_restore(cl[l->callee].number, &prev);
			l->done = true;
			l->result = CALL_FAILED;
			buf_puts(&l->detail, err);
			record(conf, id, cl, round, l, out);
		} else {
			l->started = true;
			out->placed++;
			active++;
		}
		buf_free(&prev);
	}

	bool confirmed = false;
	while (active && !confirmed) {
		double now = monotonic_now();
		double next = now + s->poll_interval;
		if (next > s->deadline)
			next = s->deadline;
		pause_for(next - now);
		for (size_t i = 0; i < n && !confirmed; i++) {
			struct live *l = &lv[i];
			if (l->done)
				continue;
			bool answered = l->answered;
			buf_reset(&l->detail);
			enum call_result r = p->poll(pctx, l->h, &answered, &l->detail);
			now = monotonic_now();
			if (answered && !l->answered) {
				l->answered = true;
				l->t_answer = now;
			}
			if (r == CALL_PENDING) {
				/* our own limits, whatever the provider does */
				if (!l->answered && now - l->t0 >= (double)s->answer_wait)
					r = CALL_NOANSWER;
				else if (l->answered && now - l->t_answer >= CALL_MAX_SECONDS)
					r = CALL_TOOLONG;
				else if (now >= s->deadline) {
					r = l->answered ? CALL_NOKEY : CALL_NOANSWER;
					buf_puts(&l->detail, "out of time (--timeout)");
					out->out_of_time = true;
				}
				if (r != CALL_PENDING)
					p->end(pctx, l->h);
			}
			if (r == CALL_PENDING)
				continue;
			l->result = r;
			l->done = true;
			active--;
			record(conf, id, cl, round, l, out);
			if (r == CALL_CONFIRMED) {
				confirmed = true;
				out->confirmed = true;
				out->by = l->callee;
				out->round = round;
			}
		}
	}
	/* the first confirmer ends it: hang up on the others */
	for (size_t i = 0; i < n; i++) {
		struct live *l = &lv[i];
		if (l->started && !l->done) {
			p->end(pctx, l->h);
			l->result = CALL_CANCELLED;
			l->done = true;
			buf_reset(&l->detail);
			record(conf, id, cl, round, l, out);
		}
		if (l->started)
			p->release(pctx, l->h);
		buf_free(&l->detail);
		buf_free(&l->via);
	}
	free(lv);
	return confirmed;
}

void call_campaign(const struct conf *conf, const char *id, const struct call_settings *s,
                   const struct callee *cl, size_t n, const struct call_provider *p, void *pctx,
                   const char *message, struct call_outcome *out)
{
	memset(out, 0, sizeof *out);
	size_t *idx = xcalloc(n ? n : 1, sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (long round = 1; round <= s->retries + 1; round++) {
		if (s->mode == CALL_SIMULTANEOUS) {
			if (run_group(conf, id, s, cl, idx, n, round, p, pctx, message, out))
				break;
		} else {
			bool done = false;
			for (size_t i = 0; i < n && !done; i++)
				done = run_group(conf, id, s, cl, &idx[i], 1, round, p, pctx, message, out);
			if (done)
				break;
		}
		if (monotonic_now() >= s->deadline) {
			out->out_of_time = true;
			break;
		}
	}
	free(idx);
}

void call_outcome_free(struct call_outcome *o)
{
	free(o->att);
	o->att = NULL;
	o->natt = 0;
}
