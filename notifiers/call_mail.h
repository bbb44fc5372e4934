/* The mails notify_call sends through notify_mail's code (the mail channel
 * of notifiers/notify.h, so they are spooled and audited like any mail):
 *
 *   nobody confirmed (runbook 004 5-2-2: 架電先リストの全員に繋がらなかった
 *   場合は、繋がらなかった旨をメール送信): subject 【HOST】 ALERT警報
 *   自動架電に応答がありませんでした, the result of every call, then the
 *   alert in runbook 004's mail (the mail-004-ja template, or mail-004-en).
 *   [call] mail_template=NAME|PATH replaces the whole text; ${CALL_RESULTS}
 *   is the list of calls there.
 *
 *   mass incident (runbook 004 5-5): one broadcast mail to the emergency
 *   list when mass_note() says MASS_START; calls are held while it lasts.
 *
 * to: a comma list of addresses or [contact NAME] names. Both return the
 * notify_deliver exit code (0 sent, 1 lost, 2 spooled, 3 bad input). */
#ifndef MAMORI_CALL_MAIL_H
#define MAMORI_CALL_MAIL_H
#include <stdbool.h>

#include "call_campaign.h"
#include "notify.h"

int call_mail_nobody(struct notify *n, const char *to, const struct callee *cl, const struct call_outcome *o,
                     bool english);
int call_mail_mass(struct notify *n, const char *to, long threshold, long minutes, bool english);

/* Is every item of the list an address or a [contact NAME] with email=?
 * NULL or a reason. */
const char *call_mail_check(const struct conf *c, const char *to);

#endif
