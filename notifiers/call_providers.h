/* The call providers (tables of operations for call_campaign.c).
 *
 * twilio: Twilio Studio, one Execution of the flow in
 * contrib/twilio/mamori-call-flow.json per callee.
 *   start   POST {base}/v2/Flows/{FlowSid}/Executions, form fields To, From,
 *           Parameters={"message": ..., "lang": "ja-JP"}; 201 + the
 *           Execution resource (sid FN...)
 *   poll    GET .../Executions/{Sid}/Context: the flow's variable `result`
 *           (context.flow.variables.result: confirmed, refused, nokey,
 *           voicemail, busy, noanswer, failed) decides; the call widget's
 *           entry (context.widgets.call_user) says it was answered; then
 *           GET .../Executions/{Sid}: status "ended" without a result is a
 *           failure
 *   end     POST .../Executions/{Sid} Status=ended (hangs up the call)
 *   HTTP basic auth AccountSid:AuthToken; TLS verified.
 *
 * exec: a program per callee, argv only (no shell):
 *   PROGRAM NUMBER MESSAGE LANG ANSWER_WAIT
 *   It places the call, speaks MESSAGE (again on 3, 2, 4-9 as it likes)
 *   and prints on stdout the keys pressed in order ("1", "31", "5*") or
 *   one of the words voicemail, noanswer, busy, nokey, failed; exit status
 *   is ignored unless nothing was printed. It is killed (its process
 *   group) when the campaign ends it. */
#ifndef MAMORI_CALL_PROVIDERS_H
#define MAMORI_CALL_PROVIDERS_H

#include <jansson.h>

#include "call_campaign.h"

struct twilio_cfg {
	const char *base;         /* https://studio.twilio.com */
	const char *account_sid, *flow_sid, *from;
	const char *token;
	const char *cainfo;       /* NULL: the system's CAs */
	const char *lang;         /* ja-JP or en-US */
	double http_timeout;      /* per request */
};

extern const struct call_provider call_twilio;
/* ctx for call_twilio: a struct twilio_cfg. */
/* The flow's result from an Execution's Context answer (JSON):
 * CALL_PENDING while not set; "last key N" in detail. (Exposed for the
 * fuzz/unit tests.) */
enum call_result twilio_context(const json_t *j, bool *answered, struct buf *detail);

struct exec_cfg {
	const char *program;
	const char *lang;
	long answer_wait;
};

extern const struct call_provider call_exec;
/* ctx for call_exec: a struct exec_cfg. */

#endif
