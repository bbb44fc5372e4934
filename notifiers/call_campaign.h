/* One automatic call campaign (runbook 004 5-2-2, runbook 000 4.2): a list
 * of callees called in order (sequential) or all at once (simultaneous),
 * each until someone presses 1, the whole list again for `retries` more
 * rounds, nobody called twice within the skip interval, even for another
 * alert. Provider-independent: a provider is a table of operations (start
 * a call, poll it, end it), Twilio Studio (call_twilio.c) and a local
 * program for on-premises PBXs (call_exec.c).
 *
 * Keypad (runbook 004 5-2-2 1)): 1 = confirmed; 3, 2, 4-9 = the message
 * again (the provider repeats it: the flow or the PBX program loops); * =
 * the callee refuses: failure. Voicemail, no key, no answer within the
 * answer wait, busy, a call longer than CALL_MAX_SECONDS: failure. */
#ifndef MAMORI_CALL_CAMPAIGN_H
#define MAMORI_CALL_CAMPAIGN_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "conf.h"

/* The runbook's limits (runbook 004 5-2-2 2) and 制限事項). */
#define CALL_MAX_CALLEES 10
#define CALL_MAX_SECONDS 120      /* 受電後の最大通話時間は2分 */
#define CALL_SKIP_DEFAULT 60      /* minutes */
#define CALL_SKIP_MIN 3
#define CALL_SKIP_MAX 1440
#define CALL_RETRIES_DEFAULT 0
#define CALL_RETRIES_MAX 10
#define CALL_WAIT_DEFAULT 30      /* seconds */
#define CALL_WAIT_MIN 1
#define CALL_WAIT_MAX 180

enum call_result {
	CALL_PENDING,       /* still ringing or talking */
	CALL_CONFIRMED,     /* key 1 */
	CALL_REFUSED,       /* key * */
	CALL_NOKEY,         /* answered, hung up or timed out without 1 or * */
	CALL_VOICEMAIL,     /* an answering machine took it */
	CALL_NOANSWER,      /* not answered within the answer wait */
	CALL_BUSY,
	CALL_TOOLONG,       /* answered, no decision within CALL_MAX_SECONDS */
	CALL_FAILED,        /* the provider could not place or follow the call */
	CALL_CANCELLED,     /* ended because someone else confirmed first */
	CALL_SKIPPED,       /* called within the skip interval (another alert) */
};

/* A word for the audit and the output ("confirmed", "voicemail" ...), and
 * a Japanese one for the nobody-confirmed mail. */
const char *call_result_name(enum call_result r);
const char *call_result_ja(enum call_result r);
/* From a provider's word (the Studio flow's result variable, the exec
 * program's output): CALL_PENDING when unknown. */
enum call_result call_result_from(const char *word);
/* From the keys pressed, in order ("31", "5*"): the first 1 or * decides,
 * repeat keys do not; CALL_NOKEY when neither was pressed. */
enum call_result call_result_keys(const char *keys);

struct callee {
	char *name;      /* as given (a number or a [contact NAME]) */
	char *number;    /* the number to dial: + and digits */
};

/* One call being made. The provider keeps its own state behind h. */
struct call_provider {
	const char *name;
	/* Place the call; NULL or a reason (the attempt then counts as
	 * CALL_FAILED). via receives where ("twilio:FN..."). */
	const char *(*start)(void *ctx, const struct callee *c, const char *message, void **h, struct buf *via);
	/* CALL_PENDING (and *answered true once known answered) or the result;
	 * detail: a word of explanation for the audit (may stay empty). */
	enum call_result (*poll)(void *ctx, void *h, bool *answered, struct buf *detail);
	/* Hang up a call still going (no result needed); then release. */
	void (*end)(void *ctx, void *h);
	void (*release)(void *ctx, void *h);
};

enum call_mode { CALL_SEQUENTIAL, CALL_SIMULTANEOUS };

struct call_settings {
	enum call_mode mode;
	long skip_minutes, retries, answer_wait;
	double poll_interval;     /* seconds between polls */
	double deadline;          /* monotonic_now() to be done by */
};

/* What happened to one attempt, for the output, the audit and the mail. */
struct call_attempt {
	size_t callee;            /* index into the list */
	long round;               /* 1-based */
	enum call_result result;
	char detail[160];
	time_t when;
};

struct call_outcome {
	bool confirmed;
	size_t by;                /* the confirming callee */
	long round;
	struct call_attempt *att; /* every attempt, in order of ending */
	size_t natt;
	size_t placed;            /* calls actually placed */
	bool out_of_time;         /* stopped at the deadline */
};

/* Run the campaign. id: this notification's id (the skip state tells our
 * own earlier rounds from other alerts). Every attempt is audited. */
void call_campaign(const struct conf *conf, const char *id, const struct call_settings *s,
                   const struct callee *cl, size_t n, const struct call_provider *p, void *pctx,
                   const char *message, struct call_outcome *out);
void call_outcome_free(struct call_outcome *o);

/* The skip state (lib/state: STATEDIR, plugin "notify_call", key the
 * number; text "EPOCH ID"): may this callee be called now for
 * notification id? Yes when never called, or last called for this same
 * id (a later round), or longer ago than skip_minutes. When yes the call
 * is recorded at once, under the state lock, so two notifiers running
 * together do not both call. *last: the blocking call's time. The
 * previous record goes to prev (for call_skip_restore when the call could
 * not be placed after all: an unplaced call must not block the next
 * alert). A state that cannot be used allows the call: calling too often
 * is the safe side. */
bool call_skip_claim(const char *number, const char *id, long skip_minutes, time_t now, time_t *last,
                     struct buf *prev);
void call_skip_restore(const char *number, const struct buf *prev);

#endif
